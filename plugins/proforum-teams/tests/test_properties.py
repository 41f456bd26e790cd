"""Properties: the backoff stays in its bounds, Retry-After round-trips, paging adds up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from proforum_teams import TeamsProviderFactory, parse_retry_after
from proforum_teams.retry import Backoff
from proforum_teams.testing import FakeGraph, attendance_record

import proforum
from proforum.adapters.memory import MemoryStorage
from proforum.domain.common import MeetupId
from proforum.ports.context import AdapterContext
from proforum.ports.video import MeetingRequest

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@given(
    attempt=st.integers(min_value=1, max_value=12),
    base=st.floats(min_value=0, max_value=10),
    cap=st.floats(min_value=0, max_value=60),
    draw=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_full_jitter_stays_between_zero_and_the_bounded_ceiling(
    attempt: int, base: float, cap: float, draw: float
) -> None:
    backoff = Backoff(12, base, cap, 60, sleep=lambda _: None, random=lambda: draw)
    delay = backoff.delay(attempt, None)
    if attempt >= 12:
        assert delay is None
    else:
        assert delay is not None
        assert 0 <= delay <= min(cap, base * 2 ** (attempt - 1))


@given(
    attempts=st.integers(min_value=1, max_value=10),
    retry_after=st.one_of(st.none(), st.floats(min_value=0, max_value=120)),
)
def test_the_number_of_attempts_is_bounded(attempts: int, retry_after: float | None) -> None:
    backoff = Backoff(attempts, 0.5, 8, 60, sleep=lambda _: None, random=lambda: 0.99)
    delays = [backoff.delay(n, retry_after) for n in range(1, 20)]
    given_up = delays.index(None)
    assert given_up <= attempts - 1
    if retry_after is None or retry_after <= 60:
        assert given_up == attempts - 1


@given(st.integers(min_value=0, max_value=86_400))
def test_retry_after_reads_seconds_and_dates_alike(seconds: int) -> None:
    assert parse_retry_after(str(seconds), NOW) == seconds
    date = format_datetime(NOW + timedelta(seconds=seconds), usegmt=True)
    assert parse_retry_after(date, NOW) == seconds
    past = format_datetime(NOW - timedelta(seconds=seconds + 1), usegmt=True)
    assert parse_retry_after(past, NOW) == 0


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=20))
def test_unreadable_retry_after_is_never_an_error(text: str) -> None:
    result = parse_retry_after(text, NOW)
    assert result is None or result >= 0


@pytest.fixture(scope="module")
def shared_graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


@settings(max_examples=25, deadline=None)
@given(
    page_size=st.integers(min_value=1, max_value=5),
    sessions=st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(["a@example.com", "B@example.com", "b@EXAMPLE.com", "c@x.io"]),
                st.lists(st.integers(min_value=0, max_value=7200), min_size=1, max_size=3),
            ),
            max_size=6,
        ),
        max_size=4,
    ),
)
def test_paging_adds_up_whatever_the_page_size(
    shared_graph: FakeGraph,
    page_size: int,
    sessions: list[list[tuple[str, list[int]]]],
) -> None:
    graph = shared_graph
    graph.page_size = page_size
    provider = TeamsProviderFactory().create(
        AdapterContext(MemoryStorage(), proforum.ManualClock(NOW)), graph.options()
    )
    starts = NOW + timedelta(days=9)
    meeting = provider.create_meeting(
        MeetingRequest(
            meetup_id=MeetupId(f"mtp_{len(graph.meetings)}_{len(graph.requests)}"),
            title="t",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            time_zone="UTC",
        )
    )
    expected: dict[str, int] = {}
    for session in sessions:
        graph.add_report(
            meeting.meeting_id, [attendance_record(email, *spans) for email, spans in session]
        )
        for email, spans in session:
            expected[email.casefold()] = expected.get(email.casefold(), 0) + sum(spans)

    entries = provider.attendance(meeting)

    assert {e.email.casefold(): e.seconds for e in entries if e.email} == expected
    assert len(entries) == len(expected)


def test_non_ascii_digits_are_not_seconds() -> None:
    assert parse_retry_after("²", NOW) is None
    assert parse_retry_after("١٢", NOW) is None
