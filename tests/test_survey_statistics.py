"""Survey statistics: the fast aggregates equal a plain count, and a report's cost is fixed.

:meth:`ResponseStatistics.of` and every backend's ``responses.statistics``
count in bulk (``Counter`` passes, one ``GROUP BY``, respondents counted
from each answer's first row).  Here they are checked against the most
direct computation there is, one answer at a time, for arbitrary responses:
any number of answers per question, mixed kinds, bands or none, no answers
at all.  The report itself sends the same few statements for 5 responses as
for 25.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import proforum
from forum_world import T0
from proforum import ManualClock, SeededIds
from proforum.adapters.sql.storage import SqlStorage
from proforum.domain.common import ResponseId, SurveyId
from proforum.domain.survey import (
    Answer,
    AnswerAggregate,
    Choice,
    ExperienceBand,
    Question,
    Response,
    ResponseStatistics,
    SurveyResult,
)
from proforum.domain.survey_aggregates import Band
from sql_support import count_statements, postgres_database, postgres_schema, sqlite_url

QUESTION_IDS = ("q_a", "q_b", "q_c")


def reference(
    survey_id: SurveyId, responses: list[Response], *, by_band: bool = True
) -> ResponseStatistics:
    """The statistics counted the slow, obvious way: every answer, one at a time."""

    def band_of(response: Response) -> Band:
        return response.band if by_band else None

    bands: dict[Band, int] = {}
    for response in responses:
        bands[band_of(response)] = bands.get(band_of(response), 0) + 1
    answers: dict[tuple[str, Band], AnswerAggregate] = {}
    keys = {(a.question_id, band_of(r)) for r in responses for a in r.answers}
    for question_id, band in keys:
        given = [
            (response, answer)
            for response in responses
            if band_of(response) == band
            for answer in response.answers
            if answer.question_id == question_id
        ]
        numbers = [a.value for _, a in given if a.value is not None]
        choices = [a.choice for _, a in given if a.choice is not None]
        answers[(question_id, band)] = AnswerAggregate(
            respondents=len({response.id for response, _ in given}),
            count=len(numbers),
            total=sum(numbers),
            squares=sum(v * v for v in numbers),
            values={v: numbers.count(v) for v in sorted(set(numbers))},
            choices={c: choices.count(c) for c in sorted(set(choices))},
            texts=sum(1 for _, a in given if a.text is not None),
        )

    def order(band: Band) -> str:
        return "" if band is None else band.value

    return ResponseStatistics(
        survey_id,
        len(responses),
        {b: bands[b] for b in sorted(bands, key=order)},
        {k: answers[k] for k in sorted(answers, key=lambda k: (k[0], order(k[1])))},
    )


def _answer(question_id: str, kind: str, payload: int) -> Answer:
    if kind == "value":
        return Answer(question_id, value=payload % 11)
    if kind == "choice":
        return Answer(question_id, choice=("x", "y", "z")[payload % 3])
    return Answer(question_id, text=("좋아요", "good", "Zzz")[payload % 3])


answers = st.builds(
    _answer,
    st.sampled_from(QUESTION_IDS),
    st.sampled_from(["value", "choice", "text"]),
    st.integers(0, 32),
)


@st.composite
def survey_responses(draw: st.DrawFn) -> list[Response]:
    """Up to 25 responses with any answers (none, several to one question, mixed kinds)."""
    count = draw(st.integers(0, 25), label="responses")
    return [
        Response(
            ResponseId(f"rsp_{n:04d}"),
            SurveyId("srv_stats"),
            tuple(draw(st.lists(answers, max_size=6), label="answers")),
            draw(st.none() | st.sampled_from(list(ExperienceBand)), label="band"),
        )
        for n in range(count)
    ]


@settings(max_examples=300, deadline=None)
@given(survey_responses(), st.booleans())
def test_counting_in_python_equals_the_reference(responses: list[Response], by_band: bool) -> None:
    """:meth:`ResponseStatistics.of` counts exactly what the answer-by-answer count gives."""
    survey_id = SurveyId("srv_stats")
    expected = reference(survey_id, responses, by_band=by_band)
    assert ResponseStatistics.of(survey_id, responses, by_band=by_band) == expected
    assert ResponseStatistics.of(survey_id, iter(responses), by_band=by_band) == expected


@pytest.fixture(scope="module", params=["memory", "sqlite", "postgresql"])
def storage_forum(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[proforum.Forum]:
    """One forum per backend for the whole module; each example writes a survey of its own."""
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    if request.param == "postgresql":
        with (
            postgres_database() as database,
            postgres_schema(database) as url,
            proforum.open(url, plugin_manager=pm) as forum,
        ):
            yield forum
        return
    url = "memory://"
    if request.param == "sqlite":
        url = sqlite_url(tmp_path_factory.mktemp("statistics") / "forum.db")
    with proforum.open(url, plugin_manager=pm) as forum:
        yield forum


_surveys = itertools.count()


@settings(max_examples=60, deadline=None)
@given(responses=survey_responses())
def test_stored_statistics_equal_the_reference(
    storage_forum: proforum.Forum, responses: list[Response]
) -> None:
    """Every backend's ``statistics``, with and without bands, equals the reference count."""
    survey_id = SurveyId(f"srv_stats_{next(_surveys):05d}")
    ours = [
        Response(ResponseId(f"{r.id}_{survey_id}"), survey_id, r.answers, r.band) for r in responses
    ]
    # Another survey's responses, stored beside ours, must not count.
    other = Response(
        ResponseId(f"rsp_other_{survey_id}"),
        SurveyId(f"{survey_id}_other"),
        (Answer("q_a", value=3), Answer("q_a", choice="x")),
        ExperienceBand.UP_TO_2,
    )
    with storage_forum.storage.unit_of_work() as uow:
        for response in [*ours, other]:
            uow.responses.add(response)
        uow.commit()
    with storage_forum.storage.unit_of_work() as uow:
        banded = uow.responses.statistics(survey_id)
        unbanded = uow.responses.statistics(survey_id, by_band=False)
    assert banded == reference(survey_id, ours)
    assert unbanded == reference(survey_id, ours, by_band=False)


# --------------------------------------------------------------------------- a report's cost

TOPICS = [Choice("ads", "광고", "Ads"), Choice("seo", "검색", "Search")]
QUESTIONS = [
    Question.rating("rating", "만족하셨나요?", "Were you satisfied?"),
    Question.multiple_choice("topics", "주제는?", "Topics?", TOPICS, required=False),
    Question.text("comment", "한마디", "Anything else?", required=False),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh PostgreSQL schema when the test server is configured."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "forum.db")
    else:
        with postgres_database() as database, postgres_schema(database) as url:
            yield url


def _reports(url: str, breakdown: str | None) -> tuple[list[SurveyResult], list[int]]:
    """The organiser's report after 5 and after 25 answers, and the statements each sent."""
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    clock = ManualClock(T0)
    results: list[SurveyResult] = []
    costs: list[int] = []
    with proforum.open(url, clock=clock, ids=SeededIds("stats"), plugin_manager=pm) as forum:
        operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
        community = forum.create_community(
            operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
        )
        survey = forum.create_community_survey(
            operator.id,
            community.id,
            title="설문",
            questions=QUESTIONS,
            closes_at=clock.now() + timedelta(days=7),
            min_responses=3,
            min_text_responses=3,
            breakdown=breakdown,
        )

        def report() -> None:
            results.append(forum.survey_result(operator.id, survey.id))

        for n in range(25):
            member = forum.register_member(
                nickname=f"회원{n}", job_function="marketing-pr", years_of_experience=n % 14
            )
            forum.join_community(member.id, community.id)
            forum.answer_survey(
                member.id,
                survey.id,
                {"rating": 1 + n % 5, "topics": ["ads", "seo"][: n % 3], "comment": f"글{n}"},
            )
            if n + 1 in (5, 25):
                storage = forum.storage
                if isinstance(storage, SqlStorage):
                    costs.append(count_statements(storage.engine, report))
                else:
                    report()
    return results, costs


@pytest.mark.parametrize("breakdown", [None, "experience"])
def test_a_report_costs_the_same_statements_for_any_number_of_responses(
    sql_url: str, breakdown: str | None
) -> None:
    """``survey_result`` sends a few statements whatever the responses, and equals memory's."""
    results, costs = _reports(sql_url, breakdown)
    # The survey, the actor's membership, the responses per band, one GROUP BY
    # over the answers, the response rate's divisor and the texts of the one
    # text question (shown from 3 answers on); SQLite adds its BEGIN IMMEDIATE.
    assert costs[0] == costs[1], costs
    assert costs[1] <= 7, costs
    assert results == _reports("memory://", breakdown)[0]
    assert [r.responses for r in results] == [5, 25]
    assert results[1].question("comment").texts == tuple(sorted(f"글{n}" for n in range(25)))
