"""Retries, rate limits, timeouts, malformed answers, and a create that never doubles."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING

import pytest
from proforum_zoom import ZoomProvider, parse_retry_after
from proforum_zoom.testing import FakeZoom, Fault

import proforum
from proforum.errors import VideoProviderError, VideoProviderUnavailable

if TYPE_CHECKING:
    from conftest import MakeProvider, MeetingRequestFor


def test_5xx_is_retried_with_capped_full_jitter_backoff(
    zoom: FakeZoom,
    provider: ZoomProvider,
    naps: list[float],
    meeting_request: MeetingRequestFor,
) -> None:
    meeting = provider.create_meeting(meeting_request())
    zoom.inject("update_meeting", Fault.error(500), Fault.error(502), Fault.error(503))
    provider.update_meeting(meeting, meeting_request(title="바뀜"))
    # random() = 0.5 of min(8, 0.5 * 2**n): 0.25, 0.5, 1.0.
    assert naps == [0.25, 0.5, 1.0]
    assert zoom.routes().count("update_meeting") == 4
    assert zoom.meetings[meeting.meeting_id]["topic"] == "바뀜"


def test_backoff_never_exceeds_its_cap(make_provider: MakeProvider) -> None:
    provider = make_provider(random=lambda: 0.999, backoff_base=1, backoff_max=5)
    waits = [provider.client.backoff(n) for n in range(1, 12)]
    assert all(0 <= w <= 5 for w in waits)
    assert waits[0] < waits[1] < waits[2] < waits[3] == pytest.approx(4.995)


def test_5xx_forever_becomes_unavailable_after_max_attempts(
    zoom: FakeZoom,
    provider: ZoomProvider,
    naps: list[float],
    meeting_request: MeetingRequestFor,
) -> None:
    meeting = provider.create_meeting(meeting_request())
    zoom.inject("update_meeting", *[Fault.error(500)] * 10)
    with pytest.raises(VideoProviderUnavailable) as caught:
        provider.update_meeting(meeting, meeting_request())
    assert caught.value.params == {
        "provider": "zoom",
        "operation": "update_meeting",
        "reason": "HTTP 500",
    }
    assert zoom.routes().count("update_meeting") == 4
    assert len(naps) == 3


def test_429_waits_as_long_as_retry_after_says_in_seconds(
    zoom: FakeZoom,
    provider: ZoomProvider,
    naps: list[float],
    meeting_request: MeetingRequestFor,
) -> None:
    meeting = provider.create_meeting(meeting_request())
    zoom.inject("update_meeting", Fault.rate_limited("7"))
    provider.update_meeting(meeting, meeting_request())
    assert naps == [7.0]


def test_429_with_a_date_waits_until_then(
    zoom: FakeZoom,
    provider: ZoomProvider,
    naps: list[float],
    clock: proforum.ManualClock,
    meeting_request: MeetingRequestFor,
) -> None:
    meeting = provider.create_meeting(meeting_request())
    http_date = format_datetime(clock.now().astimezone(UTC) + timedelta(seconds=20), usegmt=True)
    iso_date = (clock.now() + timedelta(seconds=30)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    zoom.inject("update_meeting", Fault.rate_limited(http_date), Fault.rate_limited(iso_date))
    provider.update_meeting(meeting, meeting_request())
    assert naps == [20.0, 30.0]


def test_429_without_retry_after_backs_off(
    zoom: FakeZoom,
    provider: ZoomProvider,
    naps: list[float],
    meeting_request: MeetingRequestFor,
) -> None:
    meeting = provider.create_meeting(meeting_request())
    zoom.inject("update_meeting", Fault.rate_limited(None))
    provider.update_meeting(meeting, meeting_request())
    assert naps == [0.25]


def test_a_daily_limit_is_not_waited_for(
    zoom: FakeZoom,
    provider: ZoomProvider,
    naps: list[float],
    clock: proforum.ManualClock,
    meeting_request: MeetingRequestFor,
) -> None:
    meeting = provider.create_meeting(meeting_request())
    tomorrow = (clock.now() + timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%dT00:00:00Z")
    zoom.inject("update_meeting", Fault.rate_limited(tomorrow))
    with pytest.raises(VideoProviderUnavailable) as caught:
        provider.update_meeting(meeting, meeting_request())
    assert caught.value.params["reason"] == "rate limited"
    assert naps == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("12", 12.0),
        ("Tue, 01 Dec 2026 01:00:05 GMT", 5.0),
        ("2026-12-01T01:00:09Z", 9.0),
        ("2020-01-01T00:00:00Z", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_in_both_forms(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, datetime(2026, 12, 1, 1, 0, tzinfo=UTC)) == seconds


def test_a_timeout_is_retried(
    zoom: FakeZoom,
    make_provider: MakeProvider,
    naps: list[float],
    meeting_request: MeetingRequestFor,
) -> None:
    provider = make_provider(timeout=0.2)
    meeting = provider.create_meeting(meeting_request())
    zoom.inject("update_meeting", Fault.slow(0.6))
    provider.update_meeting(meeting, meeting_request(title="늦게"))
    assert naps == [0.25]
    assert zoom.meetings[meeting.meeting_id]["topic"] == "늦게"


def test_an_unreachable_zoom_is_unavailable(
    make_provider: MakeProvider, naps: list[float], meeting_request: MeetingRequestFor
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        provider = make_provider(oauth_url=url, api_url=url)
        with pytest.raises(VideoProviderUnavailable) as caught:
            provider.create_meeting(meeting_request())
    assert caught.value.params["operation"] == "create_meeting"
    assert caught.value.params["reason"] == "ConnectionRefusedError"
    assert len(naps) == 3


def test_malformed_json_is_a_refusal_naming_provider_and_operation(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    zoom.end_meeting(meeting.meeting_id, [])
    zoom.inject("past_participants", Fault.malformed_json())
    with pytest.raises(VideoProviderError) as caught:
        provider.attendance(meeting)
    assert caught.value.params["provider"] == "zoom"
    assert caught.value.params["operation"] == "attendance"
    assert caught.value.params["reason"] == "malformed JSON"
    assert "attendance" in caught.value.message_en


def test_a_zoom_refusal_keeps_status_and_code_and_is_not_retried(
    zoom: FakeZoom,
    make_provider: MakeProvider,
    naps: list[float],
    meeting_request: MeetingRequestFor,
) -> None:
    provider = make_provider(user="nobody@example.com")
    with pytest.raises(VideoProviderError) as caught:
        provider.create_meeting(meeting_request())
    assert caught.value.params["status"] == 404
    assert caught.value.params["zoom_code"] == 1001
    assert caught.value.params["reason"] == "HTTP 404, Zoom code 1001"
    assert naps == []


# --------------------------------------------------------------------------- idempotency


@pytest.mark.parametrize(
    "fault",
    [Fault.error(500, after=True), Fault.slow(0.6, after=True), Fault.error(502)],
    ids=["500-after-creating", "answer-lost-in-timeout", "500-before-creating"],
)
def test_a_retried_create_never_makes_a_second_meeting(
    zoom: FakeZoom,
    make_provider: MakeProvider,
    fault: Fault,
    meeting_request: MeetingRequestFor,
) -> None:
    provider = make_provider(timeout=0.2)
    zoom.inject("create_meeting", fault)
    meeting = provider.create_meeting(meeting_request())
    assert list(zoom.meetings) == [meeting.meeting_id]
    assert meeting.join_url.reveal() == zoom.meetings[meeting.meeting_id]["join_url"]


def test_a_create_called_again_adopts_and_moves_the_existing_meeting(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    first = provider.create_meeting(meeting_request())
    again = provider.create_meeting(meeting_request(starts_in=timedelta(days=10)))
    assert again == first
    assert len(zoom.meetings) == 1
    assert zoom.meetings[first.meeting_id]["start_time"] == "2026-12-11T01:00:00Z"
    other = provider.create_meeting(meeting_request("mtp_0002"))
    assert other.meeting_id != first.meeting_id


def test_a_create_that_fails_for_good_leaves_nothing_behind(
    zoom: FakeZoom, make_provider: MakeProvider, meeting_request: MeetingRequestFor
) -> None:
    provider = make_provider(timeout=0.2)
    # Every attempt creates the meeting and loses the answer... except that the
    # lookups find it: so make the lookups miss it by failing the creates before
    # they act, and the last one after it acted.
    zoom.inject("create_meeting", Fault.error(500), Fault.error(500), Fault.error(500))
    zoom.inject("create_meeting", Fault.error(500, after=True))
    with pytest.raises(VideoProviderUnavailable):
        provider.create_meeting(meeting_request())
    assert zoom.meetings == {}
    assert zoom.routes()[-2:] == ["list_meetings", "delete_meeting"]


def test_a_created_meeting_with_an_unreadable_answer_is_removed(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    zoom.inject("create_meeting", Fault.malformed_json(after=True))
    with pytest.raises(VideoProviderError) as caught:
        provider.create_meeting(meeting_request())
    assert caught.value.params["reason"] == "malformed JSON"
    assert zoom.meetings == {}
