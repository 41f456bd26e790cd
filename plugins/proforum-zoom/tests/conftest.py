"""The fake Zoom on loopback, and providers built the way ``proforum.open()`` builds them.

- ``zoom``: a started :class:`proforum_zoom.testing.FakeZoom`, stopped afterwards.
- ``naps``: every pause the provider asked for; nothing really sleeps.
- ``make_provider``: the ``zoom`` provider from its factory, on a manual clock,
  pointed at the fake, with a recorded sleep and a fixed "random" number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from proforum_zoom import ZoomProvider, ZoomProviderFactory
from proforum_zoom.testing import FakeZoom

import proforum
from proforum.adapters.memory import MemoryStorage
from proforum.domain.common import MeetupId
from proforum.ports.context import AdapterContext
from proforum.ports.video import MeetingRequest

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)
TITLE = "퍼포먼스 마케터끼리 만나요!"
#: The "random" number of every backoff: half the ceiling.
JITTER = 0.5


def _meeting_request(
    meetup_id: str = "mtp_0001",
    *,
    title: str = TITLE,
    starts_in: timedelta = timedelta(days=9),
    length: timedelta = timedelta(hours=2),
) -> MeetingRequest:
    """A request for a two-hour meetup nine days after T0."""
    starts = T0 + starts_in
    return MeetingRequest(
        meetup_id=MeetupId(meetup_id),
        title=title,
        starts_at=starts,
        ends_at=starts + length,
        time_zone="Asia/Seoul",
    )


MeetingRequestFor = Callable[..., MeetingRequest]


@pytest.fixture
def meeting_request() -> MeetingRequestFor:
    """Build a :class:`MeetingRequest` (meetup ``mtp_0001``, 19:00 Seoul, nine days on)."""
    return _meeting_request


@pytest.fixture
def zoom() -> Iterator[FakeZoom]:
    with FakeZoom() as fake:
        yield fake


@pytest.fixture
def clock() -> proforum.ManualClock:
    return proforum.ManualClock(T0)


@pytest.fixture
def naps() -> list[float]:
    return []


MakeProvider = Callable[..., ZoomProvider]


@pytest.fixture
def make_provider(zoom: FakeZoom, clock: proforum.ManualClock, naps: list[float]) -> MakeProvider:
    """Build the provider for ``zoom``; keyword arguments override options (``None`` drops)."""

    def make(fake: FakeZoom | None = None, **overrides: Any) -> ZoomProvider:
        defaults: dict[str, Any] = {"sleep": naps.append, "random": lambda: JITTER, "timeout": 0.5}
        options = (fake or zoom).options(**{**defaults, **overrides})
        context = AdapterContext(MemoryStorage(), clock)
        return ZoomProviderFactory().create(context, options)

    return make


@pytest.fixture
def provider(make_provider: MakeProvider) -> ZoomProvider:
    return make_provider()
