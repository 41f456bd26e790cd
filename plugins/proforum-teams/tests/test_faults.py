"""Throttling, server errors, timeouts, refused connections and nonsense answers."""

from __future__ import annotations

from datetime import UTC, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING

import pytest
from proforum_teams import TeamsProvider
from proforum_teams.testing import (
    FakeGraph,
    Fault,
    garbage,
    server_error,
    slow,
    throttled,
    token_expiry,
)

import proforum
from proforum.errors import VideoProviderError, VideoProviderUnavailable

if TYPE_CHECKING:
    from conftest import MakeProvider, Req


def test_429_waits_the_seconds_retry_after_asks_for(
    req: Req, provider: TeamsProvider, graph: FakeGraph, sleeps: list[float]
) -> None:
    graph.inject(throttled("3"), throttled("1"), route="create_or_get")
    provider.create_meeting(req())
    assert sleeps == [3.0, 1.0]
    assert [r.status for r in graph.seen("create_or_get")] == [429, 429, 201]
    assert len(graph.meetings) == 1


def test_429_with_an_http_date_waits_until_then(
    req: Req,
    provider: TeamsProvider,
    graph: FakeGraph,
    sleeps: list[float],
    clock: proforum.ManualClock,
) -> None:
    when = format_datetime((clock.now() + timedelta(seconds=42)).astimezone(UTC), usegmt=True)
    graph.inject(throttled(when))
    provider.create_meeting(req())
    assert sleeps == [42.0]


def test_429_without_a_readable_retry_after_backs_off_with_jitter(
    req: Req, provider: TeamsProvider, graph: FakeGraph, sleeps: list[float]
) -> None:
    graph.inject(throttled(None), throttled("soon"))
    provider.create_meeting(req())
    # Full jitter at half the range (random() == 0.5): 0.5 * 0.5 s, then 0.5 * 1 s.
    assert sleeps == [0.25, 0.5]


def test_a_retry_after_beyond_the_limit_gives_up_at_once(
    req: Req, provider: TeamsProvider, graph: FakeGraph, sleeps: list[float]
) -> None:
    graph.inject(throttled("3600"))
    with pytest.raises(VideoProviderUnavailable) as caught:
        provider.create_meeting(req())
    assert sleeps == []
    assert caught.value.params == {
        "provider": "teams",
        "operation": "create_meeting",
        "reason": "HTTP 429",
    }
    assert graph.meetings == {}


def test_server_errors_are_retried_then_reported_unavailable(
    req: Req, provider: TeamsProvider, graph: FakeGraph, sleeps: list[float]
) -> None:
    graph.inject(*[server_error(503)] * 4, route="create_or_get")
    with pytest.raises(VideoProviderUnavailable) as caught:
        provider.create_meeting(req())
    assert caught.value.params["reason"] == "HTTP 503"
    assert caught.value.__context__ is None
    # Four attempts (the default), three pauses growing to the cap.
    assert len(graph.seen("create_or_get")) == 4
    assert sleeps == [0.25, 0.5, 1.0]
    assert graph.meetings == {}


def test_a_server_error_then_success(
    req: Req, provider: TeamsProvider, graph: FakeGraph, sleeps: list[float]
) -> None:
    graph.inject(server_error(500), server_error(502))
    meeting = provider.create_meeting(req())
    assert meeting.meeting_id in graph.meetings
    assert len(sleeps) == 2


def test_the_token_endpoint_is_retried_too(
    req: Req, provider: TeamsProvider, graph: FakeGraph, sleeps: list[float]
) -> None:
    graph.inject(server_error(503), throttled("2"), route="token")
    provider.create_meeting(req())
    assert [r.status for r in graph.seen("token")] == [503, 429, 200]
    assert sleeps == [0.25, 2.0]


def test_timeouts_are_retried(
    req: Req, make_provider: MakeProvider, graph: FakeGraph, sleeps: list[float]
) -> None:
    provider = make_provider(timeout="0.2", max_attempts="2")
    meeting = provider.create_meeting(req())
    graph.inject(slow(1), slow(1), route="update")
    with pytest.raises(VideoProviderUnavailable) as caught:
        provider.update_meeting(meeting, req())
    assert caught.value.params["reason"] == "timeout"
    assert len(sleeps) == 1


def test_a_refused_connection_is_unavailable(
    req: Req, make_provider: MakeProvider, closed_port: int, sleeps: list[float]
) -> None:
    base = f"http://127.0.0.1:{closed_port}"
    provider = make_provider(login_base=base, graph_base=f"{base}/v1.0")
    with pytest.raises(VideoProviderUnavailable) as caught:
        provider.create_meeting(req())
    assert caught.value.params["reason"].startswith("connection failed (")
    assert len(sleeps) == 3


@pytest.mark.parametrize("route", ["create_or_get", "token"])
def test_malformed_json_is_a_provider_error(
    req: Req, provider: TeamsProvider, graph: FakeGraph, route: str
) -> None:
    graph.inject(garbage(), route=route)
    with pytest.raises(VideoProviderError) as caught:
        provider.create_meeting(req())
    assert caught.value.params["operation"] == "create_meeting"
    assert "malformed" in caught.value.params["reason"]
    assert caught.value.__context__ is None


def test_a_4xx_is_not_retried(
    req: Req, provider: TeamsProvider, graph: FakeGraph, sleeps: list[float]
) -> None:
    graph.inject(Fault(status=400))
    with pytest.raises(VideoProviderError) as caught:
        provider.create_meeting(req())
    assert not isinstance(caught.value, VideoProviderUnavailable)
    assert caught.value.params["reason"] == "HTTP 400 UnknownError"
    assert sleeps == []


def test_a_token_that_expires_mid_run_is_renewed(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    meeting = provider.create_meeting(req())
    graph.inject(token_expiry(), route="update")
    provider.update_meeting(meeting, req())
    assert [r.status for r in graph.seen("update")][-2:] == [401, 200]
