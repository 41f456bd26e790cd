"""Verified employers, community requirements and joining by approval.

Revision ID: 0009
Revises: 0008
Create Date: 2027-03-01

* ``communities`` gets ``join_policy`` (``open`` or ``approval``:
  ``ck_communities_join_policy``) and four requirement flags,
  ``real_name_to_post``, ``verified_employer_to_post``,
  ``real_name_to_apply`` and ``verified_employer_to_apply``.  Existing
  communities stay open and require nothing.
* ``join_requests`` is new: one row per (community, member) with its state
  (``pending``, ``approved``, ``refused``), who decided and when
  (``ck_join_requests_decision``: a decision has both, a pending request
  neither); ``ix_join_requests_pending`` lists a community's pending ones.
* ``employer_verifications`` is new: one per member, with the company, the
  method, when, the mail domain and the operator who checked it by hand.
* ``employer_challenges`` is new: one per member, the last verification code
  as an HMAC-SHA256 under its own salt (never the code, never the address),
  its expiry, wrong attempts, state and rate-limit window.
* Messages, inbox items and preferences may be of the new kinds
  ``join_approved`` and ``join_refused``.

The CHECK constraints are written out as they are at this revision.
Downgrading drops the three tables and the community columns (every
community becomes open again with no requirements; pending requests and
verifications are lost) and deletes the messages of the new kinds.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = (
    "kind IN ('meetup_announced', 'application_received', 'lottery_committed', 'selected',"
    " 'waitlisted', 'promoted', 'offer_made', 'offer_expiring', 'seat_expired',"
    " 'meeting_link', 'reminder', 'survey_invitation', 'survey_reminder',"
    " 'follow_up_proposed', 'meetup_rescheduled', 'meetup_cancelled', 'verification_code')"
)
_KINDS = (
    "kind IN ('meetup_announced', 'application_received', 'lottery_committed', 'selected',"
    " 'waitlisted', 'promoted', 'offer_made', 'offer_expiring', 'seat_expired',"
    " 'meeting_link', 'reminder', 'survey_invitation', 'survey_reminder',"
    " 'follow_up_proposed', 'meetup_rescheduled', 'meetup_cancelled', 'verification_code',"
    " 'join_approved', 'join_refused')"
)
_NEW_KINDS = ("join_approved", "join_refused")
_KIND_TABLES = ("messages", "inbox_items", "notification_preferences")
_FLAGS = (
    "real_name_to_post",
    "verified_employer_to_post",
    "real_name_to_apply",
    "verified_employer_to_apply",
)


def _id_type() -> sa.types.TypeEngine[str]:
    """An identifier, compared byte by byte (``COLLATE "C"`` on PostgreSQL)."""
    return sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def _utc() -> sa.DateTime:
    """A timestamp with its time zone, as ``UtcDateTime`` stores it."""
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the community columns, the three tables and the two message kinds."""
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("join_policy", sa.String(16), nullable=False, server_default="open")
        )
        for flag in _FLAGS:
            batch.add_column(
                sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false())
            )
        batch.create_check_constraint(
            op.f("ck_communities_join_policy"), "join_policy IN ('open', 'approval')"
        )
    with op.batch_alter_table("communities") as batch:
        # The defaults were for the rows already there; the library always writes them.
        batch.alter_column("join_policy", server_default=None)
        for flag in _FLAGS:
            batch.alter_column(flag, server_default=None)
    op.create_table(
        "join_requests",
        sa.Column("community_id", _id_type(), nullable=False),
        sa.Column("member_id", _id_type(), nullable=False),
        sa.Column("requested_at", _utc(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_at", _utc(), nullable=True),
        sa.Column("decided_by", _id_type(), nullable=True),
        sa.PrimaryKeyConstraint("community_id", "member_id", name=op.f("pk_join_requests")),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'refused')", name=op.f("ck_join_requests_state")
        ),
        sa.CheckConstraint(
            "(state = 'pending') = (decided_at IS NULL) AND (decided_at IS NULL) = (decided_by IS NULL)",
            name=op.f("ck_join_requests_decision"),
        ),
    )
    op.create_index(
        op.f("ix_join_requests_pending"),
        "join_requests",
        ["community_id", "state", "requested_at", "member_id"],
    )
    op.create_table(
        "employer_verifications",
        sa.Column("member_id", _id_type(), nullable=False),
        sa.Column("company", sa.Text(), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("verified_at", _utc(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("verified_by", _id_type(), nullable=True),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_employer_verifications")),
    )
    op.create_table(
        "employer_challenges",
        sa.Column("member_id", _id_type(), nullable=False),
        sa.Column("id", _id_type(), nullable=False),
        sa.Column("company", sa.Text(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("window_started_at", _utc(), nullable=False),
        sa.Column("codes_in_window", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_employer_challenges")),
        sa.CheckConstraint(
            "state IN ('pending', 'locked', 'used')", name=op.f("ck_employer_challenges_state")
        ),
        sa.CheckConstraint(
            "attempts >= 0 AND codes_in_window >= 0", name=op.f("ck_employer_challenges_counts")
        ),
        sa.CheckConstraint("expires_at > created_at", name=op.f("ck_employer_challenges_expiry")),
    )
    for table in _KIND_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_kind"), type_="check")
            batch.create_check_constraint(op.f(f"ck_{table}_kind"), _KINDS)


def downgrade() -> None:
    """Back to 0007: every community open, no requirements, requests or verifications."""
    bind = op.get_bind()
    for table in _KIND_TABLES:
        rows = sa.table(table, sa.column("kind", sa.String(32)))
        bind.execute(sa.delete(rows).where(rows.c.kind.in_(_NEW_KINDS)))
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_kind"), type_="check")
            batch.create_check_constraint(op.f(f"ck_{table}_kind"), _OLD_KINDS)
    op.drop_table("employer_challenges")
    op.drop_table("employer_verifications")
    op.drop_index(op.f("ix_join_requests_pending"), table_name="join_requests")
    op.drop_table("join_requests")
    with op.batch_alter_table("communities") as batch:
        batch.drop_constraint(op.f("ck_communities_join_policy"), type_="check")
        for flag in reversed(_FLAGS):
            batch.drop_column(flag)
        batch.drop_column("join_policy")
