"""The fake Graph server, a manual clock, and the provider built as proforum builds it.

- ``graph``: a :class:`proforum_teams.testing.FakeGraph` on 127.0.0.1, stopped
  after the test.
- ``sleeps``: every pause the provider asked for, instead of sleeping.
- ``make_provider``: the ``teams`` provider from its factory, pointed at the
  fake, with the sleep recorded and the jitter fixed at half its range.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from proforum_teams import TeamsProvider, TeamsProviderFactory
from proforum_teams.testing import FakeGraph

import proforum
from proforum.adapters.memory import MemoryStorage
from proforum.domain.common import MeetupId
from proforum.ports.context import AdapterContext
from proforum.ports.video import MeetingRequest

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)
STARTS = T0 + timedelta(days=9, hours=9)
TITLE = "퍼포먼스 마케터끼리 만나요!"
CLIENT_STATE = "client-state-7d3f9a1c5e8b2d4f6a0c"


def request(
    meetup_id: str = "mtp_0001", *, hours: int = 2, shift: timedelta = timedelta(0), **options: Any
) -> MeetingRequest:
    """A meeting request for a two-hour meetup on 10 December 2026 at 19:00 Seoul."""
    return MeetingRequest(
        meetup_id=MeetupId(meetup_id),
        title=TITLE,
        starts_at=STARTS + shift,
        ends_at=STARTS + shift + timedelta(hours=hours),
        time_zone="Asia/Seoul",
        options=options,
    )


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


@pytest.fixture
def clock() -> proforum.ManualClock:
    return proforum.ManualClock(T0)


@pytest.fixture
def sleeps() -> list[float]:
    return []


MakeProvider = Callable[..., TeamsProvider]
Req = Callable[..., MeetingRequest]


@pytest.fixture
def req() -> Req:
    """Build a :class:`MeetingRequest` (see :func:`request`)."""
    return request


@pytest.fixture
def make_provider(
    graph: FakeGraph, clock: proforum.ManualClock, sleeps: list[float]
) -> MakeProvider:
    """Build a provider for the fake; keyword arguments override options."""

    def make(**overrides: Any) -> TeamsProvider:
        defaults = {"sleep": sleeps.append, "random": lambda: 0.5, "client_state": CLIENT_STATE}
        options = graph.options(**{**defaults, **overrides})
        options = {k: v for k, v in options.items() if v is not None}
        return TeamsProviderFactory().create(AdapterContext(MemoryStorage(), clock), options)

    return make


@pytest.fixture
def provider(make_provider: MakeProvider) -> TeamsProvider:
    return make_provider()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port bound but not listening: connections to it are refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield int(sock.getsockname()[1])
    sock.close()
