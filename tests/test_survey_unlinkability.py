"""An attacker with a full copy of the database cannot tell who gave which answer.

For every backend the test answers an anonymous survey in a known order —
the attacker knows who answered when, and reads the participations too —
then takes the dump an operator of that backend could take:

* memory: the whole-forum export;
* SQLite: ``iterdump()`` of the file, in the order the file stores rows;
* PostgreSQL: every row in heap order (``ctid``) with the transaction id that
  wrote it (``xmin``), which a superuser can read and ``pg_dump`` follows.

Two attacks are played: "the i-th row stored is the i-th answer" and, on
PostgreSQL, "the response written by the same transaction as a member's
participation is that member's".  Each guess is scored by whether it names
the member's real rating; with five ratings in groups of six, chance is 6
matches out of 30.  The PostgreSQL test first shows the transaction-id attack
working while the survey is open (so the test can fail), then failing once
it is closed (trust-practices §4.4, S2).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

import proforum
from forum_world import T0
from proforum import ManualClock, SeededIds
from proforum.domain.survey import Question, Survey
from sql_support import postgres_database, postgres_schema, sqlite_url

N = 30
#: Answer order: the first six rate 1, the next six 2, ..., the last six 5.
RATINGS_IN_ANSWER_ORDER = [1 + i // 6 for i in range(N)]
RUNS = 3
#: Chance is 6 of 30 per run (SD about 2.2); kept in answer order, all 30 match.
BOUND = 15


def _answer(url: str, run: int) -> tuple[proforum.Forum, Survey, list[str], str]:
    """Open a forum at ``url`` and have N members answer, in order; the survey stays open."""
    clock = ManualClock(T0)
    forum = proforum.open(url, clock=clock, ids=SeededIds(f"unlink-{run}"), deliver="manual")
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    survey = forum.create_community_survey(
        operator.id,
        community.id,
        title="익명 설문",
        questions=[Question.rating("q1", "만족하셨나요?", "Were you satisfied?")],
        closes_at=clock.now() + timedelta(days=7),
    )
    members = []
    for i in range(N):
        member = forum.register_member(nickname=f"응답자{i:02d}", job_function="marketing-pr")
        forum.join_community(member.id, community.id)
        members.append(member.id)
    for member_id, rating in zip(members, RATINGS_IN_ANSWER_ORDER, strict=True):
        clock.advance(timedelta(minutes=3))
        forum.answer_survey(member_id, survey.id, {"q1": rating})
    return forum, survey, members, operator.id


def _order_matches(ratings_in_stored_order: list[int]) -> int:
    assert sorted(ratings_in_stored_order) == sorted(RATINGS_IN_ANSWER_ORDER)
    return sum(
        a == b for a, b in zip(ratings_in_stored_order, RATINGS_IN_ANSWER_ORDER, strict=True)
    )


def _check(matches: list[int]) -> None:
    assert sum(matches) / len(matches) < BOUND, matches
    assert max(matches) < N, matches


# --------------------------------------------------------------------------- memory


def test_memory_export_does_not_link_answers() -> None:
    matches = []
    for run in range(RUNS):
        forum, survey, _, operator = _answer("memory://", run)
        forum.close_survey(operator, survey.id)
        tables = forum.export_data()["tables"]
        ratings = [r["answers"][0]["value"] for r in tables["responses"]]
        matches.append(_order_matches(ratings))
        forum.close()
    _check(matches)


# --------------------------------------------------------------------------- SQLite

_INSERT = re.compile(r"^INSERT INTO \"?(\w+)\"? VALUES\((.*)\);$")


def _dump_rows(path: Path) -> dict[str, list[list[str]]]:
    """Rows of every table, in the order ``iterdump()`` writes them."""
    rows: dict[str, list[list[str]]] = {}
    with sqlite3.connect(path) as conn:
        for line in conn.iterdump():
            found = _INSERT.match(line)
            if found:
                values = [v.strip().strip("'") for v in found.group(2).split(",")]
                rows.setdefault(found.group(1), []).append(values)
    return rows


def test_sqlite_file_does_not_link_answers(tmp_path: Path) -> None:
    matches = []
    for run in range(RUNS):
        path = tmp_path / f"forum-{run}.db"
        forum, survey, _, operator = _answer(sqlite_url(path), run)
        open_rows = _dump_rows(path)["survey_answers"]
        forum.close_survey(operator, survey.id)
        forum.close()
        rows = _dump_rows(path)
        # survey_answers: response_id, question_id, item, value, choice, text
        ratings = [int(values[3]) for values in rows["survey_answers"]]
        matches.append(_order_matches(ratings))
        # Already while the survey was open: the file keeps rows in id order.
        assert [int(v[3]) for v in open_rows] == ratings
        with sqlite3.connect(path) as conn, pytest.raises(sqlite3.OperationalError):
            conn.execute("SELECT rowid FROM survey_responses").fetchall()
    _check(matches)


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def pg_database() -> Iterator[URL]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def pg_url_factory(pg_database: URL) -> Iterator[Callable[[], str]]:
    schemas: list[Any] = []

    def make() -> str:
        context = postgres_schema(pg_database)
        schemas.append(context)
        return context.__enter__()

    yield make
    for context in reversed(schemas):
        context.__exit__(None, None, None)


def _heap(url: str) -> tuple[list[tuple[int, int]], dict[str, int]]:
    """(xmin, rating) of every answer in heap order, and each participant's xmin."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            answers = conn.exec_driver_sql(
                "SELECT xmin::text::bigint, value FROM survey_answers ORDER BY ctid"
            ).all()
            participations = conn.exec_driver_sql(
                "SELECT member_id, xmin::text::bigint FROM survey_participations ORDER BY ctid"
            ).all()
    finally:
        engine.dispose()
    return [(int(x), int(v)) for x, v in answers], {m: int(x) for m, x in participations}


def _xmin_matches(
    answers: list[tuple[int, int]], participants: dict[str, int], members: list[str]
) -> int:
    """Score the attack that pairs rows written by the same transaction."""
    by_xmin: dict[int, list[int]] = {}
    for xmin, rating in answers:
        by_xmin.setdefault(xmin, []).append(rating)
    score = 0
    for member_id, true_rating in zip(members, RATINGS_IN_ANSWER_ORDER, strict=True):
        candidates = by_xmin.get(participants[member_id], [])
        if len(candidates) == 1:  # the attacker is sure only when one row shares it
            score += candidates[0] == true_rating
    return score


def test_postgresql_heap_and_transaction_ids_do_not_link_answers_once_closed(
    pg_url_factory: Callable[[], str],
) -> None:
    order, by_transaction = [], []
    for run in range(RUNS):
        url = pg_url_factory()
        forum, survey, members, operator = _answer(url, run)
        answers, participants = _heap(url)
        # While open, the database's own bookkeeping does link them: each
        # response shares its transaction id with its participation.
        assert _xmin_matches(answers, participants, members) == N
        forum.close_survey(operator, survey.id)
        forum.close()
        answers, participants = _heap(url)
        order.append(_order_matches([rating for _, rating in answers]))
        by_transaction.append(_xmin_matches(answers, participants, members))
        # Every answer now carries the transaction id of the close, which no
        # participation has.
        assert len({xmin for xmin, _ in answers}) == 1
        assert not {xmin for xmin, _ in answers} & set(participants.values())
    _check(order)
    assert by_transaction == [0] * RUNS


def test_closing_rewrites_nothing_but_the_order(pg_url_factory: Callable[[], str]) -> None:
    url = pg_url_factory()
    forum, survey, _, operator = _answer(url, 0)
    before = forum.survey_result(operator, survey.id)
    exported = forum.export_data()["tables"]["responses"]
    after = forum.close_survey(operator, survey.id)
    assert (after.responses, after.mean, after.distribution) == (
        before.responses,
        before.mean,
        before.distribution,
    )
    assert forum.export_data()["tables"]["responses"] == exported
    forum.close()
