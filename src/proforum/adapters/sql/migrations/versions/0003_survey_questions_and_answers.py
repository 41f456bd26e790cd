"""Surveys with several questions, answers in their own table, survey reminders.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-14

* ``surveys``: the single question's ``question_ko``, ``question_en`` and
  ``scale`` become a JSON array ``questions`` holding one required rating
  question ``"q1"`` with the same texts and scale; the survey gets its
  ``community_id`` (its meetup's), an ``audience`` (``attendees``, who could
  answer so far), ``min_text_responses`` (10, or ``min_responses`` if higher)
  and no ``breakdown``; ``meetup_id`` becomes optional (community surveys).
* ``survey_answers`` is new: one row per answer.  Each existing response's
  ``rating`` becomes its answer to ``"q1"``.  ``WITHOUT ROWID`` on SQLite, like
  the responses, so its physical order is the random response id's order.
* ``survey_responses`` loses ``rating`` and gains an optional experience
  ``band`` (existing responses have none).
* Messages and inbox items may be of the new kind ``survey_reminder``.

The schema is written out here as it is at this revision, independent of
``tables.py``.  Downgrading keeps what revision 0002 can hold: each survey's
first question if it is a rating, its answers as ratings; responses without
one, and reminders, are deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUESTION_ID = "q1"
MIN_TEXT_RESPONSES = 10

_OLD_KINDS = (
    "kind IN ('meetup_announced', 'application_received', 'lottery_committed', 'selected',"
    " 'waitlisted', 'promoted', 'meeting_link', 'reminder', 'survey_invitation',"
    " 'follow_up_proposed', 'meetup_cancelled')"
)
_KINDS = (
    "kind IN ('meetup_announced', 'application_received', 'lottery_committed', 'selected',"
    " 'waitlisted', 'promoted', 'meeting_link', 'reminder', 'survey_invitation',"
    " 'survey_reminder', 'follow_up_proposed', 'meetup_cancelled')"
)
_ONE_VALUE = (
    "(value IS NOT NULL AND choice IS NULL AND text IS NULL)"
    " OR (value IS NULL AND choice IS NOT NULL AND text IS NULL)"
    " OR (value IS NULL AND choice IS NULL AND text IS NOT NULL)"
)


def _id_type() -> sa.types.TypeEngine[str]:
    """An identifier, compared byte by byte (``COLLATE "C"`` on PostgreSQL)."""
    return sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def _id(name: str, *, nullable: bool = False, primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(name, _id_type(), nullable=nullable, primary_key=primary_key)


def upgrade() -> None:
    """Reshape surveys and responses, carry every rating over as an answer."""
    _upgrade_surveys()
    _create_answers()
    _upgrade_responses()
    _message_kinds(_KINDS)


def _upgrade_surveys() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(_id("community_id", nullable=True))
        batch.add_column(sa.Column("questions", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("audience", sa.String(16), nullable=True))
        batch.add_column(sa.Column("min_text_responses", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("breakdown", sa.String(16), nullable=True))

    surveys = sa.table(
        "surveys",
        sa.column("id", _id_type()),
        sa.column("meetup_id", _id_type()),
        sa.column("question_ko", sa.Text()),
        sa.column("question_en", sa.Text()),
        sa.column("scale", sa.Integer()),
        sa.column("min_responses", sa.Integer()),
        sa.column("community_id", _id_type()),
        sa.column("questions", sa.JSON()),
        sa.column("audience", sa.String(16)),
        sa.column("min_text_responses", sa.Integer()),
    )
    meetups = sa.table(
        "meetups", sa.column("id", _id_type()), sa.column("community_id", _id_type())
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            surveys.c.id,
            surveys.c.meetup_id,
            surveys.c.question_ko,
            surveys.c.question_en,
            surveys.c.scale,
            surveys.c.min_responses,
            meetups.c.community_id,
        )
        .select_from(surveys.outerjoin(meetups, meetups.c.id == surveys.c.meetup_id))
        .order_by(surveys.c.id)
    ).all()
    for survey_id, meetup_id, text_ko, text_en, scale, k, community_id in rows:
        if community_id is None:
            raise RuntimeError(
                f"survey {survey_id} is about meetup {meetup_id}, which does not exist:"
                " its community cannot be known"
            )
        question: dict[str, Any] = {
            "id": QUESTION_ID,
            "kind": "rating",
            "text_ko": text_ko,
            "text_en": text_en,
            "required": True,
            "scale": scale,
            "choices": [],
        }
        bind.execute(
            sa.update(surveys)
            .where(surveys.c.id == survey_id)
            .values(
                community_id=community_id,
                questions=[question],
                audience="attendees",
                min_text_responses=max(MIN_TEXT_RESPONSES, k),
            )
        )

    with op.batch_alter_table("surveys") as batch:
        batch.drop_constraint(op.f("ck_surveys_scale"), type_="check")
        batch.drop_column("question_ko")
        batch.drop_column("question_en")
        batch.drop_column("scale")
        batch.alter_column("community_id", existing_type=_id_type(), nullable=False)
        batch.alter_column("questions", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("audience", existing_type=sa.String(16), nullable=False)
        batch.alter_column("min_text_responses", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("meetup_id", existing_type=_id_type(), nullable=True)
        batch.create_check_constraint(
            op.f("ck_surveys_min_text_responses"), "min_text_responses >= min_responses"
        )
        batch.create_check_constraint(
            op.f("ck_surveys_audience"), "audience IN ('attendees', 'members')"
        )
        batch.create_check_constraint(
            op.f("ck_surveys_subject"), "meetup_id IS NOT NULL OR audience <> 'attendees'"
        )
        batch.create_check_constraint(
            op.f("ck_surveys_breakdown"), "breakdown IS NULL OR breakdown IN ('experience')"
        )
        batch.create_index(op.f("ix_surveys_community"), ["community_id", "created_at", "id"])


def _create_answers() -> None:
    op.create_table(
        "survey_answers",
        _id("response_id"),
        _id("question_id"),
        sa.Column("item", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("value", sa.Integer(), nullable=True),
        _id("choice", nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint(
            "response_id", "question_id", "item", name=op.f("pk_survey_answers")
        ),
        sa.CheckConstraint(_ONE_VALUE, name=op.f("ck_survey_answers_one_value")),
        sa.CheckConstraint(
            "value IS NULL OR value BETWEEN 0 AND 10", name=op.f("ck_survey_answers_value")
        ),
        sa.CheckConstraint("item >= 0", name=op.f("ck_survey_answers_item")),
        sqlite_with_rowid=False,
    )
    responses = sa.table(
        "survey_responses", sa.column("id", _id_type()), sa.column("rating", sa.Integer())
    )
    answers = sa.table(
        "survey_answers",
        sa.column("response_id", _id_type()),
        sa.column("question_id", _id_type()),
        sa.column("item", sa.Integer()),
        sa.column("value", sa.Integer()),
    )
    op.get_bind().execute(
        sa.insert(answers).from_select(
            ["response_id", "question_id", "item", "value"],
            sa.select(
                responses.c.id,
                sa.literal(QUESTION_ID, _id_type()),
                sa.literal(0, sa.Integer()),
                responses.c.rating,
            ),
        )
    )


def _upgrade_responses() -> None:
    # On SQLite the table is rebuilt: keep it WITHOUT ROWID (trust-practices S2).
    with op.batch_alter_table(
        "survey_responses", table_kwargs={"sqlite_with_rowid": False}
    ) as batch:
        batch.drop_constraint(op.f("ck_survey_responses_rating"), type_="check")
        batch.drop_column("rating")
        batch.add_column(sa.Column("band", sa.String(8), nullable=True))
        batch.create_check_constraint(
            op.f("ck_survey_responses_band"),
            "band IS NULL OR band IN ('0-2', '3-5', '6-10', '11+')",
        )


def _message_kinds(check: str) -> None:
    for table in ("messages", "inbox_items"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_kind"), type_="check")
            batch.create_check_constraint(op.f(f"ck_{table}_kind"), check)


def downgrade() -> None:
    """Back to one rating question per survey; what 0002 cannot hold is deleted."""
    bind = op.get_bind()
    for table in ("messages", "inbox_items"):
        kinds = sa.table(table, sa.column("kind", sa.String(32)))
        bind.execute(sa.delete(kinds).where(kinds.c.kind == "survey_reminder"))
    _message_kinds(_OLD_KINDS)
    _downgrade_responses()
    op.drop_table("survey_answers")
    _downgrade_surveys()


def _first_ratings() -> dict[str, tuple[str, dict[str, Any]]]:
    """Each survey's first question, if it is a rating: ``{survey id: (question id, question)}``."""
    surveys = sa.table("surveys", sa.column("id", _id_type()), sa.column("questions", sa.JSON()))
    found = {}
    for survey_id, questions in op.get_bind().execute(sa.select(surveys.c.id, surveys.c.questions)):
        if questions and questions[0].get("kind") == "rating":
            found[survey_id] = (questions[0]["id"], questions[0])
    return found


def _downgrade_responses() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("survey_responses") as batch:
        batch.add_column(sa.Column("rating", sa.Integer(), nullable=True))
    responses = sa.table(
        "survey_responses",
        sa.column("id", _id_type()),
        sa.column("survey_id", _id_type()),
        sa.column("rating", sa.Integer()),
    )
    answers = sa.table(
        "survey_answers",
        sa.column("response_id", _id_type()),
        sa.column("question_id", _id_type()),
        sa.column("value", sa.Integer()),
    )
    for survey_id, (question_id, _) in _first_ratings().items():
        rating = (
            sa.select(answers.c.value)
            .where(answers.c.response_id == responses.c.id, answers.c.question_id == question_id)
            .scalar_subquery()
        )
        bind.execute(
            sa.update(responses).where(responses.c.survey_id == survey_id).values(rating=rating)
        )
    bind.execute(sa.delete(responses).where(responses.c.rating.is_(None)))
    with op.batch_alter_table(
        "survey_responses", table_kwargs={"sqlite_with_rowid": False}
    ) as batch:
        batch.drop_constraint(op.f("ck_survey_responses_band"), type_="check")
        batch.drop_column("band")
        batch.alter_column("rating", existing_type=sa.Integer(), nullable=False)
        batch.create_check_constraint(op.f("ck_survey_responses_rating"), "rating BETWEEN 1 AND 10")


def _downgrade_surveys() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(sa.Column("question_ko", sa.Text(), nullable=True))
        batch.add_column(sa.Column("question_en", sa.Text(), nullable=True))
        batch.add_column(sa.Column("scale", sa.Integer(), nullable=True))
    surveys = sa.table(
        "surveys",
        sa.column("id", _id_type()),
        sa.column("meetup_id", _id_type()),
        sa.column("question_ko", sa.Text()),
        sa.column("question_en", sa.Text()),
        sa.column("scale", sa.Integer()),
    )
    ratings = _first_ratings()
    for survey_id, (_, question) in ratings.items():
        bind.execute(
            sa.update(surveys)
            .where(surveys.c.id == survey_id)
            .values(
                question_ko=question["text_ko"],
                question_en=question["text_en"],
                scale=question["scale"],
            )
        )
    gone = surveys.c.question_ko.is_(None) | surveys.c.meetup_id.is_(None)
    participations = sa.table("survey_participations", sa.column("survey_id", _id_type()))
    bind.execute(
        sa.delete(participations).where(
            participations.c.survey_id.in_(sa.select(surveys.c.id).where(gone))
        )
    )
    bind.execute(sa.delete(surveys).where(gone))
    with op.batch_alter_table("surveys") as batch:
        batch.drop_index(op.f("ix_surveys_community"))
        for name in ("min_text_responses", "audience", "subject", "breakdown"):
            batch.drop_constraint(op.f(f"ck_surveys_{name}"), type_="check")
        for column in ("community_id", "questions", "audience", "min_text_responses", "breakdown"):
            batch.drop_column(column)
        batch.alter_column("question_ko", existing_type=sa.Text(), nullable=False)
        batch.alter_column("question_en", existing_type=sa.Text(), nullable=False)
        batch.alter_column("scale", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("meetup_id", existing_type=_id_type(), nullable=False)
        batch.create_check_constraint(op.f("ck_surveys_scale"), "scale BETWEEN 2 AND 10")
