"""Content policies, flags and the moderation log; five new kinds of message.

Revision ID: 0012
Revises: 0011
Create Date: 2027-03-08

* ``content_policies`` (one row per community whose operators set a policy:
  banned words, what they do, the most links, how many first posts of a new
  member are held, the flag weight that hides content in hundredths),
  ``flags`` (one per target and flagger, open until decided) and
  ``moderation_log`` (appended to only) are new.
* Messages, inbox items and preferences may be of the new kinds
  ``content_held``, ``content_approved``, ``content_removed``,
  ``content_hidden`` and ``content_restored``.

The CHECK constraints are written out as they are at this revision.
Downgrading drops the three tables and the messages of the new kinds;
content that is held or hidden stays so (0011 knows both statuses).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = (
    "kind IN ('meetup_announced', 'application_received', 'lottery_committed', 'selected',"
    " 'waitlisted', 'promoted', 'offer_made', 'offer_expiring', 'seat_expired',"
    " 'meeting_link', 'reminder', 'survey_invitation', 'survey_reminder',"
    " 'follow_up_proposed', 'meetup_rescheduled', 'meetup_cancelled', 'verification_code',"
    " 'join_approved', 'join_refused')"
)
_NEW_KINDS = (
    "content_held",
    "content_approved",
    "content_removed",
    "content_hidden",
    "content_restored",
)
_KINDS = _OLD_KINDS[:-1] + "".join(f", '{k}'" for k in _NEW_KINDS) + ")"
_KIND_TABLES = ("messages", "inbox_items", "notification_preferences")
_TARGET = "target IN ('post', 'comment')"


def _id_type() -> sa.types.TypeEngine[str]:
    """An identifier, compared byte by byte (``COLLATE "C"`` on PostgreSQL)."""
    return sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def _code(length: int) -> sa.types.TypeEngine[str]:
    """A short code sorted by code point on every database."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _utc() -> sa.DateTime:
    """A timestamp with its time zone, as ``UtcDateTime`` stores it."""
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the three tables and widen the kind checks."""
    op.create_table(
        "content_policies",
        sa.Column("community_id", _id_type(), nullable=False),
        sa.Column("banned_words", sa.JSON(), nullable=False),
        sa.Column("banned_word_action", _code(16), nullable=False),
        sa.Column("max_links", sa.Integer(), nullable=True),
        sa.Column("hold_first_posts", sa.Integer(), nullable=False),
        sa.Column("hide_threshold_hundredths", sa.Integer(), nullable=False),
        sa.Column("updated_by", _id_type(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_content_policies")),
        sa.CheckConstraint(
            "banned_word_action IN ('reject', 'hold')", name=op.f("ck_content_policies_action")
        ),
        sa.CheckConstraint("max_links >= 0", name=op.f("ck_content_policies_max_links")),
        sa.CheckConstraint(
            "hold_first_posts >= 0", name=op.f("ck_content_policies_hold_first_posts")
        ),
        sa.CheckConstraint(
            "hide_threshold_hundredths > 0", name=op.f("ck_content_policies_hide_threshold")
        ),
    )
    op.create_table(
        "flags",
        sa.Column("target", _code(16), nullable=False),
        sa.Column("target_id", _id_type(), nullable=False),
        sa.Column("flagger_id", _id_type(), nullable=False),
        sa.Column("community_id", _id_type(), nullable=False),
        sa.Column("reason", _code(16), nullable=False),
        sa.Column("flagged_at", _utc(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("resolution", _code(16), nullable=True),
        sa.Column("resolved_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("target", "target_id", "flagger_id", name=op.f("pk_flags")),
        sa.CheckConstraint(_TARGET, name=op.f("ck_flags_target")),
        sa.CheckConstraint(
            "reason IN ('spam', 'abuse', 'personal_data', 'off_topic', 'other')",
            name=op.f("ck_flags_reason"),
        ),
        sa.CheckConstraint(
            "resolution IN ('upheld', 'dismissed')", name=op.f("ck_flags_resolution")
        ),
        sa.CheckConstraint(
            "(resolution IS NULL) = (resolved_at IS NULL)", name=op.f("ck_flags_resolved")
        ),
    )
    op.create_index(
        op.f("ix_flags_community"), "flags", ["community_id", "resolution", "flagged_at"]
    )
    op.create_index(op.f("ix_flags_flagger"), "flags", ["community_id", "flagger_id", "resolution"])
    op.create_table(
        "moderation_log",
        sa.Column("id", _id_type(), nullable=False),
        sa.Column("community_id", _id_type(), nullable=False),
        sa.Column("target", _code(16), nullable=False),
        sa.Column("target_id", _id_type(), nullable=False),
        sa.Column("action", _code(16), nullable=False),
        sa.Column("actor_id", _id_type(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_log")),
        sa.CheckConstraint(_TARGET, name=op.f("ck_moderation_log_target")),
        sa.CheckConstraint(
            "action IN ('hold', 'auto_hide', 'approve', 'remove', 'uphold', 'dismiss')",
            name=op.f("ck_moderation_log_action"),
        ),
    )
    op.create_index(
        op.f("ix_moderation_log_community"), "moderation_log", ["community_id", "at", "id"]
    )
    for table in _KIND_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_kind"), type_="check")
            batch.create_check_constraint(op.f(f"ck_{table}_kind"), _KINDS)


def downgrade() -> None:
    """Back to 0011: policies, flags, the log and messages of the new kinds are lost."""
    bind = op.get_bind()
    for table in _KIND_TABLES:
        rows = sa.table(table, sa.column("kind", sa.String(32)))
        bind.execute(sa.delete(rows).where(rows.c.kind.in_(_NEW_KINDS)))
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_kind"), type_="check")
            batch.create_check_constraint(op.f(f"ck_{table}_kind"), _OLD_KINDS)
    op.drop_index(op.f("ix_moderation_log_community"), table_name="moderation_log")
    op.drop_table("moderation_log")
    op.drop_index(op.f("ix_flags_flagger"), table_name="flags")
    op.drop_index(op.f("ix_flags_community"), table_name="flags")
    op.drop_table("flags")
    op.drop_table("content_policies")
