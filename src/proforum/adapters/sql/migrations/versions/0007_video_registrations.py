"""Personal video links: the participants registered with a meetup's provider.

Revision ID: 0007
Revises: 0006
Create Date: 2027-02-15

* ``video_registrations`` is new: one row per registration (its own ``id``:
  a member registered again after a move gets a new row) with the meetup, the
  member, the meeting, the provider, the personal ``join_url``, the
  provider's ``registrant_id``, when it was registered, and when its
  revocation was asked for and done; ``ix_video_registrations_meetup`` over
  ``(meetup_id, member_id)``, and ``ix_video_registrations_revocations`` finds
  the revocations still to do.
* ``ix_meetups_meeting`` over ``(meeting_provider, meeting_id)`` finds the
  meetup a provider's webhook is about.

Downgrading drops the table: the personal links are lost, and members get
the meeting's shared link again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id_type() -> sa.types.TypeEngine[str]:
    """An identifier, compared byte by byte (``COLLATE "C"`` on PostgreSQL)."""
    return sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def upgrade() -> None:
    """Create ``video_registrations`` and its index."""
    op.create_table(
        "video_registrations",
        sa.Column("id", _id_type(), nullable=False),
        sa.Column("meetup_id", _id_type(), nullable=False),
        sa.Column("member_id", _id_type(), nullable=False),
        sa.Column("meeting_id", sa.Text(), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("join_url", sa.Text(), nullable=False),
        sa.Column("registrant_id", sa.Text(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoke_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_registrations")),
    )
    op.create_index(
        op.f("ix_video_registrations_meetup"), "video_registrations", ["meetup_id", "member_id"]
    )
    op.create_index(
        op.f("ix_video_registrations_revocations"),
        "video_registrations",
        ["revoke_requested_at", "revoked_at"],
    )
    op.create_index(op.f("ix_meetups_meeting"), "meetups", ["meeting_provider", "meeting_id"])


def downgrade() -> None:
    """Back to 0006: no personal links."""
    op.drop_index(op.f("ix_meetups_meeting"), table_name="meetups")
    op.drop_index(op.f("ix_video_registrations_revocations"), table_name="video_registrations")
    op.drop_index(op.f("ix_video_registrations_meetup"), table_name="video_registrations")
    op.drop_table("video_registrations")
