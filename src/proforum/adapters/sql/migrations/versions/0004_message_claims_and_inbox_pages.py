"""Leases for outbox relays, new message kinds and states, unread inbox pages.

Revision ID: 0004
Revises: 0003
Create Date: 2027-01-11

* ``messages`` gets ``claimed_by`` and ``claimed_until``: the relay that is
  delivering a message and when its lease runs out, so that several relays on
  one database never send the same message at once.  Both are ``NULL``
  (nobody is delivering it) or both are set (``ck_messages_claim``).
  Existing messages are not claimed.
* Messages and inbox items may be of the new kinds ``offer_made``,
  ``offer_expiring``, ``meetup_rescheduled`` and ``verification_code``;
  messages may be ``cancelled`` (withdrawn before delivery).
* ``ix_inbox_items_unread``: a partial index over a member's unread items,
  newest first, for unread-only inbox pages and the unread count.

The CHECK constraints are written out here as they are at this revision,
independent of ``tables.py``.  Downgrading deletes what revision 0003 cannot
hold: messages and inbox items of the new kinds, and cancelled messages.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = (
    "kind IN ('meetup_announced', 'application_received', 'lottery_committed', 'selected',"
    " 'waitlisted', 'promoted', 'meeting_link', 'reminder', 'survey_invitation',"
    " 'survey_reminder', 'follow_up_proposed', 'meetup_cancelled')"
)
_KINDS = (
    "kind IN ('meetup_announced', 'application_received', 'lottery_committed', 'selected',"
    " 'waitlisted', 'promoted', 'offer_made', 'offer_expiring', 'meeting_link', 'reminder',"
    " 'survey_invitation', 'survey_reminder', 'follow_up_proposed', 'meetup_rescheduled',"
    " 'meetup_cancelled', 'verification_code')"
)
_NEW_KINDS = ("offer_made", "offer_expiring", "meetup_rescheduled", "verification_code")
_OLD_STATUSES = "status IN ('pending', 'sent', 'failed')"
_STATUSES = "status IN ('pending', 'sent', 'failed', 'cancelled')"
_CLAIM = "(claimed_by IS NULL) = (claimed_until IS NULL)"
_UNREAD = "read_at IS NULL"


def _id_type() -> sa.types.TypeEngine[str]:
    """An identifier, compared byte by byte (``COLLATE "C"`` on PostgreSQL)."""
    return sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def upgrade() -> None:
    """Add the lease columns, widen the kind and status checks, index unread items."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(128), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint(op.f("ck_messages_kind"), type_="check")
        batch.drop_constraint(op.f("ck_messages_status"), type_="check")
        batch.create_check_constraint(op.f("ck_messages_kind"), _KINDS)
        batch.create_check_constraint(op.f("ck_messages_status"), _STATUSES)
        batch.create_check_constraint(op.f("ck_messages_claim"), _CLAIM)
    with op.batch_alter_table("inbox_items") as batch:
        batch.drop_constraint(op.f("ck_inbox_items_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_inbox_items_kind"), _KINDS)
    op.create_index(
        op.f("ix_inbox_items_unread"),
        "inbox_items",
        ["recipient_id", "delivered_at", "message_id"],
        sqlite_where=sa.text(_UNREAD),
        postgresql_where=sa.text(_UNREAD),
    )


def downgrade() -> None:
    """Back to 0003: no leases; messages and items 0003 cannot hold are deleted."""
    bind = op.get_bind()
    messages = sa.table(
        "messages",
        sa.column("id", _id_type()),
        sa.column("kind", sa.String(32)),
        sa.column("status", sa.String(16)),
    )
    bind.execute(
        sa.delete(messages).where(
            messages.c.kind.in_(_NEW_KINDS) | (messages.c.status == "cancelled")
        )
    )
    items = sa.table("inbox_items", sa.column("kind", sa.String(32)))
    bind.execute(sa.delete(items).where(items.c.kind.in_(_NEW_KINDS)))
    op.drop_index(op.f("ix_inbox_items_unread"), table_name="inbox_items")
    with op.batch_alter_table("inbox_items") as batch:
        batch.drop_constraint(op.f("ck_inbox_items_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_inbox_items_kind"), _OLD_KINDS)
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint(op.f("ck_messages_claim"), type_="check")
        batch.drop_constraint(op.f("ck_messages_status"), type_="check")
        batch.drop_constraint(op.f("ck_messages_kind"), type_="check")
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
        batch.create_check_constraint(op.f("ck_messages_status"), _OLD_STATUSES)
        batch.create_check_constraint(op.f("ck_messages_kind"), _OLD_KINDS)
