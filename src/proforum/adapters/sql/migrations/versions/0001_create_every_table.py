"""Create every table of the SQL storage.

Revision ID: 0001
Revises:
Create Date: 2026-11-29

The schema is written out here as it was at this revision, independent of
``tables.py``: migrations must not change when the code does.  Timestamps are
``DateTime(timezone=True)``, which is what
:class:`proforum.adapters.sql.types.UtcDateTime` emits on every database.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = (
    "kind IN ('meetup_announced', 'application_received', 'lottery_committed', 'selected',"
    " 'waitlisted', 'promoted', 'meeting_link', 'reminder', 'survey_invitation',"
    " 'follow_up_proposed', 'meetup_cancelled')"
)


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    """An identifier column, compared byte by byte (``COLLATE "C"`` on PostgreSQL)."""
    kind = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
    return sa.Column(name, kind, nullable=nullable)


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _str(name: str, length: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _int(name: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _json(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.JSON(), nullable=False)


def _check(sqltext: str, name: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(sqltext, name=op.f(name))


def upgrade() -> None:
    """Create the fourteen tables, their constraints and indexes."""
    op.create_table(
        "members",
        _id("id"),
        _str("identity_kind", 16),
        _text("identity_value"),
        _text("nickname_key", nullable=True),
        _str("job_function", 48),
        _time("registered_at"),
        _text("company", nullable=True),
        _int("years_of_experience", nullable=True),
        _str("locale", 8),
        _str("time_zone", 64),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("nickname_key", name=op.f("uq_members_nickname_key")),
        _check(
            "(identity_kind = 'nickname' AND nickname_key IS NOT NULL)"
            " OR (identity_kind = 'real_name' AND nickname_key IS NULL)",
            "ck_members_identity",
        ),
        _check(
            "years_of_experience IS NULL OR years_of_experience BETWEEN 0 AND 70",
            "ck_members_years_of_experience",
        ),
        _check("locale IN ('ko', 'en')", "ck_members_locale"),
    )
    op.create_table(
        "communities",
        _id("id"),
        _str("slug", 48),
        _text("name"),
        _str("job_function", 48),
        _time("created_at"),
        _text("rules"),
        _str("time_zone", 64),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communities")),
        sa.UniqueConstraint("slug", name=op.f("uq_communities_slug")),
    )
    op.create_table(
        "memberships",
        _id("community_id"),
        _id("member_id"),
        _str("role", 16),
        _time("joined_at"),
        sa.PrimaryKeyConstraint("community_id", "member_id", name=op.f("pk_memberships")),
        _check("role IN ('member', 'host', 'moderator', 'operator')", "ck_memberships_role"),
    )
    op.create_index(
        "ix_memberships_community", "memberships", ["community_id", "joined_at", "member_id"]
    )
    op.create_table(
        "posts",
        _id("id"),
        _id("community_id"),
        _id("author_id"),
        _text("title"),
        _text("body"),
        _time("published_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    op.create_index("ix_posts_feed", "posts", ["community_id", "published_at", "id"])
    op.create_table(
        "comments",
        _id("id"),
        _id("post_id"),
        _id("author_id"),
        _text("body"),
        _time("published_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index("ix_comments_post", "comments", ["post_id", "published_at", "id"])
    op.create_table(
        "meetups",
        _id("id"),
        _id("community_id"),
        _id("host_id"),
        _text("title"),
        _text("topic"),
        _str("format", 16),
        _time("starts_at"),
        _time("ends_at"),
        _str("time_zone", 64),
        _int("capacity"),
        _time("applications_open_at"),
        _time("applications_close_at"),
        _time("created_at"),
        _str("state", 16),
        _text("venue", nullable=True),
        _id("follow_up_of", nullable=True),
        _str("meeting_provider", 64, nullable=True),
        _text("meeting_id", nullable=True),
        _text("meeting_join_url", nullable=True),
        _time("reminder_sent_at", nullable=True),
        _time("links_sent_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetups")),
        _check("format IN ('online', 'offline')", "ck_meetups_format"),
        _check(
            "state IN ('draft', 'open', 'closed', 'drawn', 'ended', 'cancelled')",
            "ck_meetups_state",
        ),
        _check("capacity BETWEEN 1 AND 10000", "ck_meetups_capacity"),
        _check("ends_at > starts_at", "ck_meetups_ends_after_start"),
        _check(
            "applications_open_at < applications_close_at AND applications_close_at <= starts_at",
            "ck_meetups_application_window",
        ),
        _check(
            "(meeting_provider IS NULL AND meeting_id IS NULL AND meeting_join_url IS NULL)"
            " OR (meeting_provider IS NOT NULL AND meeting_id IS NOT NULL"
            " AND meeting_join_url IS NOT NULL)",
            "ck_meetups_meeting",
        ),
    )
    op.create_index("ix_meetups_community", "meetups", ["community_id", "starts_at", "id"])
    op.create_table(
        "applications",
        _id("meetup_id"),
        _id("member_id"),
        _str("state", 16),
        _time("applied_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("meetup_id", "member_id", name=op.f("pk_applications")),
        _check(
            "state IN ('applied', 'selected', 'waitlisted', 'confirmed', 'declined',"
            " 'withdrawn', 'attended', 'no_show')",
            "ck_applications_state",
        ),
    )
    op.create_index(
        "ix_applications_meetup", "applications", ["meetup_id", "applied_at", "member_id"]
    )
    op.create_table(
        "lottery_commitments",
        _id("meetup_id"),
        _int("seats"),
        _json("applicants"),
        _str("applicants_digest", 64),
        _str("seed_digest", 64),
        _str("digest", 64),
        _time("committed_at"),
        _text("seed"),
        _str("algorithm", 64),
        sa.PrimaryKeyConstraint("meetup_id", name=op.f("pk_lottery_commitments")),
        _check("seats >= 1", "ck_lottery_commitments_seats"),
    )
    op.create_table(
        "lottery_draws",
        _id("meetup_id"),
        _int("seats"),
        _json("applicants"),
        _text("seed_hex"),
        _str("commitment", 64),
        _json("selected"),
        _json("waitlist"),
        _time("committed_at"),
        _time("drawn_at"),
        _str("algorithm", 64),
        sa.PrimaryKeyConstraint("meetup_id", name=op.f("pk_lottery_draws")),
        _check("seats >= 1", "ck_lottery_draws_seats"),
    )
    op.create_table(
        "surveys",
        _id("id"),
        _id("meetup_id"),
        _text("title"),
        _text("question_ko"),
        _text("question_en"),
        _int("scale"),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        _time("opens_at"),
        _time("closes_at"),
        _time("created_at"),
        _int("min_responses"),
        _str("state", 16),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        _check("scale BETWEEN 2 AND 10", "ck_surveys_scale"),
        _check("min_responses >= 3", "ck_surveys_min_responses"),
        _check("closes_at > opens_at", "ck_surveys_closes_after_open"),
        _check("state IN ('open', 'closed')", "ck_surveys_state"),
    )
    op.create_index("ix_surveys_meetup", "surveys", ["meetup_id", "created_at", "id"])
    # No time, nothing naming a member, and no rowid on SQLite (trust-practices S1/S2).
    op.create_table(
        "survey_responses",
        _id("id"),
        _id("survey_id"),
        _int("rating"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        _check("rating BETWEEN 1 AND 10", "ck_survey_responses_rating"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_survey_responses_survey", "survey_responses", ["survey_id", "id"])
    op.create_table(
        "survey_participations",
        _id("survey_id"),
        _id("member_id"),
        _id("response_id", nullable=True),
        sa.PrimaryKeyConstraint("survey_id", "member_id", name=op.f("pk_survey_participations")),
    )
    op.create_table(
        "messages",
        _id("id"),
        _id("recipient_id"),
        _str("kind", 32),
        _str("channel", 64),
        _time("created_at"),
        _json("params"),
        _str("status", 16),
        _int("attempts"),
        _time("sent_at", nullable=True),
        _text("last_error", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        _check(_KINDS, "ck_messages_kind"),
        _check("status IN ('pending', 'sent', 'failed')", "ck_messages_status"),
        _check("attempts >= 0", "ck_messages_attempts"),
    )
    op.create_index("ix_messages_pending", "messages", ["status", "created_at", "id"])
    op.create_table(
        "inbox_items",
        _id("message_id"),
        _id("recipient_id"),
        _str("kind", 32),
        _time("delivered_at"),
        _json("params"),
        _time("read_at", nullable=True),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_inbox_items")),
        _check(_KINDS, "ck_inbox_items_kind"),
    )
    op.create_index(
        "ix_inbox_items_recipient", "inbox_items", ["recipient_id", "delivered_at", "message_id"]
    )


def downgrade() -> None:
    """Drop every table (indexes go with them)."""
    for table in (
        "inbox_items",
        "messages",
        "survey_participations",
        "survey_responses",
        "surveys",
        "lottery_draws",
        "lottery_commitments",
        "applications",
        "meetups",
        "comments",
        "posts",
        "memberships",
        "communities",
        "members",
    ):
        op.drop_table(table)
