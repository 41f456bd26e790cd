"""Notification preferences, members' e-mail addresses, withdrawable messages.

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-25

* ``members`` gets an optional ``email`` (at most 254 characters, what SMTP
  can carry): where e-mail notifiers write to.  Existing members have none.
* ``messages`` gets an optional ``subject``, an identifier (a meetup's id for
  reminders), and ``ix_messages_subject`` over ``(subject, kind, status)``,
  so the pending messages of one kind about one subject can be withdrawn in
  one ``UPDATE``.  Existing messages are about nothing in particular.
* ``notification_preferences`` is new: the choices members made, one row per
  ``(member_id, channel, kind)``, with ``enabled``; a kind with no row is on.
  ``ix_notification_preferences_kind`` over ``(kind, channel)`` finds who
  switched one kind off on some channels in one range scan.  Channel and kind
  sort by code point on PostgreSQL (``COLLATE "C"``), like identifiers.

The schema is written out here as it is at this revision, independent of
``tables.py``.  Downgrading drops the table and both columns: the choices,
the addresses and the subjects are lost (0004 cannot hold them).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = (
    "kind IN ('meetup_announced', 'application_received', 'lottery_committed', 'selected',"
    " 'waitlisted', 'promoted', 'offer_made', 'offer_expiring', 'meeting_link', 'reminder',"
    " 'survey_invitation', 'survey_reminder', 'follow_up_proposed', 'meetup_rescheduled',"
    " 'meetup_cancelled', 'verification_code')"
)


def _id_type() -> sa.types.TypeEngine[str]:
    """An identifier, compared byte by byte (``COLLATE "C"`` on PostgreSQL)."""
    return sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def _code(length: int) -> sa.types.TypeEngine[str]:
    """A short code (channel, kind), compared byte by byte (``COLLATE "C"`` on PostgreSQL)."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    """Add ``members.email``, ``messages.subject`` and its index, the preferences table."""
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("subject", _id_type(), nullable=True))
    op.create_index(op.f("ix_messages_subject"), "messages", ["subject", "kind", "status"])
    op.create_table(
        "notification_preferences",
        sa.Column("member_id", _id_type(), nullable=False),
        sa.Column("channel", _code(64), nullable=False),
        sa.Column("kind", _code(32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint(
            "member_id", "channel", "kind", name=op.f("pk_notification_preferences")
        ),
        sa.CheckConstraint(_KINDS, name=op.f("ck_notification_preferences_kind")),
    )
    op.create_index(
        op.f("ix_notification_preferences_kind"),
        "notification_preferences",
        ["kind", "channel"],
    )


def downgrade() -> None:
    """Back to 0004: no preferences, no e-mail addresses, no message subjects."""
    op.drop_index(op.f("ix_notification_preferences_kind"), table_name="notification_preferences")
    op.drop_table("notification_preferences")
    op.drop_index(op.f("ix_messages_subject"), table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("subject")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("email")
