"""Survey report: the statistics of a survey with N responses.

* **proforum**: ``forum.survey_result`` read by the survey's organiser: the
  aggregates (a count of responses and one ``GROUP BY`` over the answers in
  SQL), the audience and the respondents (for the response rate), and the
  result with every threshold applied.
* **baseline**: one raw ``GROUP BY`` over the answers of the survey (joined to
  its responses to pick the survey) on a plain engine, fetching the counts; on
  other storage, the survey's responses read through the storage port and
  counted with a :class:`collections.Counter`.

The survey is a community survey of five questions — a 1-5 rating, an NPS, a
single choice, a multiple choice (one to three picks) and a yes/no — answered
by every one of N members.  There is no free-text question: its texts would be
read and sorted by proforum but not by a counting query, which is a different
comparison.  Responses, answers, participations and memberships are loaded in
bulk; the survey itself is created through the use case first.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa

from bench import data
from bench.harness import Benchmark, Case, Database, Result, Side, calls_for, compare
from proforum.adapters.sql import tables as t
from proforum.domain.common import ResponseId, SurveyId
from proforum.domain.survey import Response
from proforum.domain.survey_questions import Answer, Choice, Question

TARGET = 2.0

_ROLES = ("ic", "lead", "manager", "exec")
_TOPICS = ("ads", "crm", "seo", "brand", "data", "content")

QUESTIONS = (
    Question.rating("q_rating", "전반적으로 만족하셨나요?", "How satisfied were you overall?"),
    Question.nps("q_nps", "동료에게 추천하시겠어요?", "Would you recommend it to a colleague?"),
    Question.single_choice(
        "q_role",
        "직급은 무엇인가요?",
        "What is your role?",
        [Choice(c, c.upper(), c.upper()) for c in _ROLES],
    ),
    Question.multiple_choice(
        "q_topics",
        "관심 있는 주제를 모두 고르세요",
        "Pick every topic you care about",
        [Choice(c, c.upper(), c.upper()) for c in _TOPICS],
    ),
    Question.yes_no("q_again", "다음 모임에도 오시겠어요?", "Will you come next time?"),
)


def responses(survey_id: SurveyId, count: int, seed: int = 4) -> list[Response]:
    """``count`` plausible responses to :data:`QUESTIONS`, reproducibly random."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    made: list[Response] = []
    for _ in range(count):
        picks = rng.sample(_TOPICS, rng.randint(1, 3))
        answers = [
            Answer("q_rating", value=rng.randint(1, 5)),
            Answer("q_nps", value=rng.randint(0, 10)),
            Answer("q_role", choice=rng.choice(_ROLES)),
            *(Answer("q_topics", choice=topic) for topic in picks),
            Answer("q_again", value=rng.randint(0, 1)),
        ]
        made.append(
            Response(
                id=ResponseId(f"rsp_{rng.getrandbits(128):032x}"),
                survey_id=survey_id,
                answers=tuple(answers),
            )
        )
    return made


def run(database: Database, case: Case) -> list[Result]:
    """Read the result of a survey ``case.n`` members answered, against one GROUP BY."""
    forum = database.forum
    operator, community = data.founded_community(forum)
    survey = forum.create_community_survey(
        operator.id,
        community.id,
        title="3분기 밋업 만족도 조사",
        questions=QUESTIONS,
        closes_at=forum.clock.now() + timedelta(days=30),
    )
    people = data.members(case.n, data.SeededIds(3))
    data.load(
        database,
        people,
        data.memberships(community.id, people),
        data.participations(survey.id, people),
        responses(survey.id, case.n),
    )

    def report() -> None:
        forum.survey_result(operator.id, survey.id)

    result = forum.survey_result(operator.id, survey.id)
    if result.responses != case.n:
        raise RuntimeError(f"survey_result counted {result.responses} responses, not {case.n}")
    baseline = _baseline(database, survey.id)
    measured = compare(
        Side(report, calls=calls_for(report, case.budget), engine=database.engine),
        Side(baseline, calls=calls_for(baseline, case.budget), engine=database.raw),
        repeats=case.repeats,
    )
    return [
        Result.of(
            measured,
            benchmark="survey",
            operation="survey report",
            backend=database.backend,
            case=case,
            unit="responses",
            target=TARGET,
            baseline=(
                "one GROUP BY over the survey's answers on a plain engine"
                if database.raw is not None
                else "responses through the storage port, counted with a Counter"
            ),
        )
    ]


def _baseline(database: Database, survey_id: SurveyId) -> Callable[[], None]:
    raw = database.raw
    if raw is not None:
        a, r = t.survey_answers.c, t.survey_responses.c
        stmt = (
            sa.select(a.question_id, a.value, a.choice, sa.func.count())
            .select_from(t.survey_answers.join(t.survey_responses, r.id == a.response_id))
            .where(r.survey_id == survey_id)
            .group_by(a.question_id, a.value, a.choice)
        )

        def group_by() -> None:
            with raw.connect() as conn:
                conn.execute(stmt).all()

        return group_by

    storage = database.forum.storage

    def count() -> None:
        with storage.unit_of_work() as uow:
            found = uow.responses.for_survey(survey_id)
        Counter((a.question_id, a.value, a.choice) for r in found for a in r.answers)

    return count


BENCHMARK = Benchmark(
    name="survey",
    description="survey_result over N responses vs one GROUP BY over the answers",
    sizes={"tiny": 100, "small": 10_000, "full": 100_000},
    unit="responses",
    run=run,
)
