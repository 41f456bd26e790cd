"""Lottery constraints and weights, expiring waitlist offers, attendance, follow-ups.

Revision ID: 0006
Revises: 0005
Create Date: 2027-02-08

* ``meetups`` gets ``lottery`` (the company cap and quotas as public JSON,
  ``NULL`` for none) and the seat rules: ``offer_ttl_seconds`` (at least 300,
  existing meetups get a day), ``confirm_by`` (optional) and
  ``min_attended_minutes`` (existing meetups get 10); ``ix_meetups_confirm_by``
  over ``(state, confirm_by)``.
* ``applications`` may be ``offered`` (with ``offer_expires_at``, set exactly
  then: ``ck_applications_offer_expiry``) or ``expired``, and get
  ``attended_seconds`` from video attendance reports; ``ix_applications_member``
  over ``(member_id, state)`` and ``ix_applications_offers`` over
  ``(state, offer_expires_at)``.
* ``lottery_commitments`` and ``lottery_draws`` get ``constraints`` and
  ``beacon`` (JSON, ``NULL`` for none); draws also ``beacon_randomness`` and
  ``shortfalls``.  Their ``applicants`` column now holds entrant objects;
  rows written before hold bare member ids, read as entrants of weight 1.
* Meetups may be ``hybrid``; messages, inbox items and preferences may be
  of the new kind ``seat_expired``.
* ``follow_up_interests`` and ``contact_consents`` are new.

The CHECK constraints are written out as they are at this revision.
Downgrading deletes what 0005 cannot hold: offered and expired applications,
messages of the new kind, the two new tables; a lottery's entrants become
bare member ids again (weights, company labels and attributes are lost) and
hybrid meetups become offline ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = (
    "kind IN ('meetup_announced', 'application_received', 'lottery_committed', 'selected',"
    " 'waitlisted', 'promoted', 'offer_made', 'offer_expiring', 'meeting_link', 'reminder',"
    " 'survey_invitation', 'survey_reminder', 'follow_up_proposed', 'meetup_rescheduled',"
    " 'meetup_cancelled', 'verification_code')"
)
_KINDS = (
    "kind IN ('meetup_announced', 'application_received', 'lottery_committed', 'selected',"
    " 'waitlisted', 'promoted', 'offer_made', 'offer_expiring', 'seat_expired',"
    " 'meeting_link', 'reminder', 'survey_invitation', 'survey_reminder',"
    " 'follow_up_proposed', 'meetup_rescheduled', 'meetup_cancelled', 'verification_code')"
)
_OLD_STATES = (
    "state IN ('applied', 'selected', 'waitlisted', 'confirmed', 'declined', 'withdrawn',"
    " 'attended', 'no_show')"
)
_STATES = (
    "state IN ('applied', 'selected', 'waitlisted', 'offered', 'confirmed', 'declined',"
    " 'withdrawn', 'expired', 'attended', 'no_show')"
)
_OFFER_EXPIRY = "(state = 'offered') = (offer_expires_at IS NOT NULL)"
_KIND_TABLES = ("messages", "inbox_items", "notification_preferences")
_OLD_FORMATS = "format IN ('online', 'offline')"
_FORMATS = "format IN ('online', 'offline', 'hybrid')"


def _id_type() -> sa.types.TypeEngine[str]:
    """An identifier, compared byte by byte (``COLLATE "C"`` on PostgreSQL)."""
    return sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def _utc() -> sa.DateTime:
    """A timestamp with its time zone, as ``UtcDateTime`` stores it."""
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the columns, widen the state and kind checks, create the follow-up tables."""
    with op.batch_alter_table("meetups") as batch:
        batch.add_column(sa.Column("lottery", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("offer_ttl_seconds", sa.Integer(), nullable=False, server_default="86400")
        )
        batch.add_column(sa.Column("confirm_by", _utc(), nullable=True))
        batch.add_column(
            sa.Column("min_attended_minutes", sa.Integer(), nullable=False, server_default="10")
        )
        batch.create_check_constraint(op.f("ck_meetups_offer_ttl"), "offer_ttl_seconds >= 300")
        batch.create_check_constraint(op.f("ck_meetups_min_attended"), "min_attended_minutes >= 0")
        batch.drop_constraint(op.f("ck_meetups_format"), type_="check")
        batch.create_check_constraint(op.f("ck_meetups_format"), _FORMATS)
    with op.batch_alter_table("meetups") as batch:
        # The defaults were for the rows already there; the library always writes both.
        batch.alter_column("offer_ttl_seconds", server_default=None)
        batch.alter_column("min_attended_minutes", server_default=None)
    op.create_index(op.f("ix_meetups_confirm_by"), "meetups", ["state", "confirm_by"])
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("offer_expires_at", _utc(), nullable=True))
        batch.add_column(sa.Column("attended_seconds", sa.Integer(), nullable=True))
        batch.drop_constraint(op.f("ck_applications_state"), type_="check")
        batch.create_check_constraint(op.f("ck_applications_state"), _STATES)
        batch.create_check_constraint(op.f("ck_applications_offer_expiry"), _OFFER_EXPIRY)
        batch.create_check_constraint(
            op.f("ck_applications_attended_seconds"), "attended_seconds >= 0"
        )
    op.create_index(op.f("ix_applications_member"), "applications", ["member_id", "state"])
    op.create_index(op.f("ix_applications_offers"), "applications", ["state", "offer_expires_at"])
    with op.batch_alter_table("lottery_commitments") as batch:
        batch.add_column(sa.Column("constraints", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("beacon", sa.JSON(), nullable=True))
    with op.batch_alter_table("lottery_draws") as batch:
        batch.add_column(sa.Column("constraints", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("beacon", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("beacon_randomness", sa.Text(), nullable=True))
        batch.add_column(sa.Column("shortfalls", sa.JSON(), nullable=True))
    for table in _KIND_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_kind"), type_="check")
            batch.create_check_constraint(op.f(f"ck_{table}_kind"), _KINDS)
    op.create_table(
        "follow_up_interests",
        sa.Column("meetup_id", _id_type(), nullable=False),
        sa.Column("member_id", _id_type(), nullable=False),
        sa.Column("noted_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("meetup_id", "member_id", name=op.f("pk_follow_up_interests")),
    )
    op.create_table(
        "contact_consents",
        sa.Column("meetup_id", _id_type(), nullable=False),
        sa.Column("member_id", _id_type(), nullable=False),
        sa.Column("with_member_id", _id_type(), nullable=False),
        sa.Column("given_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint(
            "meetup_id", "member_id", "with_member_id", name=op.f("pk_contact_consents")
        ),
        sa.CheckConstraint(
            "member_id <> with_member_id", name=op.f("ck_contact_consents_not_self")
        ),
    )


def downgrade() -> None:
    """Back to 0005: offers, expired seats, the new kind and the follow-up tables are lost."""
    op.drop_table("contact_consents")
    op.drop_table("follow_up_interests")
    bind = op.get_bind()
    for table in _KIND_TABLES:
        rows = sa.table(table, sa.column("kind", sa.String(32)))
        bind.execute(sa.delete(rows).where(rows.c.kind == "seat_expired"))
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_kind"), type_="check")
            batch.create_check_constraint(op.f(f"ck_{table}_kind"), _OLD_KINDS)
    for name in ("lottery_commitments", "lottery_draws"):
        # 0005 reads bare member ids: weights, labels and attributes are lost.
        rows = sa.table(
            name, sa.column("meetup_id", _id_type()), sa.column("applicants", sa.JSON())
        )
        for meetup_id, applicants in bind.execute(sa.select(rows.c.meetup_id, rows.c.applicants)):
            ids = [a["id"] if isinstance(a, dict) else a for a in applicants]
            bind.execute(
                sa.update(rows).where(rows.c.meetup_id == meetup_id).values(applicants=ids)
            )
    with op.batch_alter_table("lottery_draws") as batch:
        batch.drop_column("shortfalls")
        batch.drop_column("beacon_randomness")
        batch.drop_column("beacon")
        batch.drop_column("constraints")
    with op.batch_alter_table("lottery_commitments") as batch:
        batch.drop_column("beacon")
        batch.drop_column("constraints")
    applications = sa.table("applications", sa.column("state", sa.String(16)))
    bind.execute(sa.delete(applications).where(applications.c.state.in_(("offered", "expired"))))
    op.drop_index(op.f("ix_applications_offers"), table_name="applications")
    op.drop_index(op.f("ix_applications_member"), table_name="applications")
    with op.batch_alter_table("applications") as batch:
        batch.drop_constraint(op.f("ck_applications_attended_seconds"), type_="check")
        batch.drop_constraint(op.f("ck_applications_offer_expiry"), type_="check")
        batch.drop_constraint(op.f("ck_applications_state"), type_="check")
        batch.drop_column("attended_seconds")
        batch.drop_column("offer_expires_at")
        batch.create_check_constraint(op.f("ck_applications_state"), _OLD_STATES)
    op.drop_index(op.f("ix_meetups_confirm_by"), table_name="meetups")
    meetups = sa.table("meetups", sa.column("format", sa.String(16)))
    # 0005 knows no hybrid meetups: they are kept, as the nearest it knows.
    bind.execute(sa.update(meetups).where(meetups.c.format == "hybrid").values(format="offline"))
    with op.batch_alter_table("meetups") as batch:
        batch.drop_constraint(op.f("ck_meetups_format"), type_="check")
        batch.create_check_constraint(op.f("ck_meetups_format"), _OLD_FORMATS)
        batch.drop_constraint(op.f("ck_meetups_min_attended"), type_="check")
        batch.drop_constraint(op.f("ck_meetups_offer_ttl"), type_="check")
        batch.drop_column("min_attended_minutes")
        batch.drop_column("confirm_by")
        batch.drop_column("offer_ttl_seconds")
        batch.drop_column("lottery")
