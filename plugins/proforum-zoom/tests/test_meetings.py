"""Creating, moving and deleting meetings; the token they are made with."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from proforum_zoom import ZoomProvider, marker
from proforum_zoom.testing import FakeZoom, Fault

import proforum
from proforum.domain.common import MemberId
from proforum.errors import VideoProviderError

if TYPE_CHECKING:
    from conftest import MakeProvider, MeetingRequestFor

TITLE = "퍼포먼스 마케터끼리 만나요!"


def test_create_sends_a_scheduled_meeting_with_registration_and_a_waiting_room(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(
        meeting_request(length=timedelta(hours=1, minutes=30, seconds=20))
    )
    (body,) = zoom.bodies("create_meeting")
    assert body["type"] == 2
    # 19:00 in Seoul is 10:00 UTC, written with a Z.
    assert body["start_time"] == "2026-12-10T01:00:00Z"
    assert body["duration"] == 91  # whole minutes, rounded up
    assert body["timezone"] == "Asia/Seoul"
    assert body["topic"] == TITLE
    assert body["agenda"] == marker("mtp_0001")
    assert body["settings"]["waiting_room"] is True
    assert body["settings"]["join_before_host"] is False
    assert body["settings"]["approval_type"] == 0
    assert "registration_type" not in body["settings"]  # only for recurring (type 8) meetings

    stored = zoom.meetings[meeting.meeting_id]
    assert meeting.provider == "zoom"
    assert meeting.meeting_id == str(stored["id"])
    assert meeting.join_url.reveal() == stored["join_url"]
    assert stored["join_url"] not in repr(meeting)
    assert provider.join_link(meeting, MemberId("mem_1")) == meeting.join_url


def test_a_long_title_is_cut_to_zooms_200_characters(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request(title="가" * 250))
    assert zoom.meetings[meeting.meeting_id]["topic"] == "가" * 200


def test_update_moves_the_meeting_and_keeps_its_link(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    moved = provider.update_meeting(
        meeting,
        meeting_request(title="새 제목", starts_in=timedelta(days=10), length=timedelta(hours=1)),
    )
    assert moved == meeting
    stored = zoom.meetings[meeting.meeting_id]
    assert (stored["start_time"], stored["duration"], stored["topic"]) == (
        "2026-12-11T01:00:00Z",
        60,
        "새 제목",
    )
    assert zoom.bodies("update_meeting") == [
        {
            "topic": "새 제목",
            "start_time": "2026-12-11T01:00:00Z",
            "duration": 60,
            "timezone": "Asia/Seoul",
        }
    ]


def test_updating_a_deleted_meeting_is_refused(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    del zoom.meetings[meeting.meeting_id]
    with pytest.raises(VideoProviderError) as caught:
        provider.update_meeting(meeting, meeting_request())
    assert caught.value.params["operation"] == "update_meeting"
    assert caught.value.params["status"] == 404
    assert caught.value.params["zoom_code"] == 3001


def test_cancel_deletes_and_an_already_deleted_meeting_is_fine(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    provider.cancel_meeting(meeting)
    assert meeting.meeting_id not in zoom.meetings
    provider.cancel_meeting(meeting)  # 404, code 3001: already gone
    assert zoom.routes()[-2:] == ["delete_meeting", "delete_meeting"]


def test_one_token_serves_many_calls_and_is_renewed_a_minute_before_expiry(
    zoom: FakeZoom,
    provider: ZoomProvider,
    clock: proforum.ManualClock,
    meeting_request: MeetingRequestFor,
) -> None:
    meeting = provider.create_meeting(meeting_request())
    provider.update_meeting(meeting, meeting_request())
    assert zoom.tokens_issued == 1
    clock.advance(timedelta(seconds=3600 - 61))
    provider.update_meeting(meeting, meeting_request())
    assert zoom.tokens_issued == 1
    clock.advance(timedelta(seconds=1))  # 60 s left: renew now
    provider.update_meeting(meeting, meeting_request())
    assert zoom.tokens_issued == 2


def test_a_401_renews_the_token_once_and_replays_the_request(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    zoom.expire_tokens()
    provider.update_meeting(meeting, meeting_request(title="다시"))
    assert zoom.tokens_issued == 2
    assert zoom.routes()[-3:] == ["update_meeting", "token", "update_meeting"]
    assert zoom.meetings[meeting.meeting_id]["topic"] == "다시"


def test_a_second_401_is_a_refusal_not_a_loop(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    zoom.inject("update_meeting", Fault.token_expired(), Fault.token_expired())
    with pytest.raises(VideoProviderError) as caught:
        provider.update_meeting(meeting, meeting_request())
    assert caught.value.params["reason"] == "unauthorized"
    assert zoom.routes().count("token") == 2


def test_wrong_credentials_are_a_refusal(
    zoom: FakeZoom, make_provider: MakeProvider, meeting_request: MeetingRequestFor
) -> None:
    provider = make_provider(client_secret="not-the-right-secret")
    with pytest.raises(VideoProviderError) as caught:
        provider.create_meeting(meeting_request())
    assert caught.value.params["reason"] == "access token refused"
    assert caught.value.params["status"] == 401
    assert zoom.meetings == {}


def test_the_regional_api_url_of_the_token_is_followed(
    make_provider: MakeProvider, meeting_request: MeetingRequestFor
) -> None:
    with FakeZoom() as regional, FakeZoom(api_url=None) as central:
        # The central fake issues tokens naming the regional fake as the API;
        # the regional fake accepts tokens only it issued, so share them.
        central._api_url = regional.url
        provider = make_provider(central, api_url="https://api.zoom.us")
        regional._tokens = central._tokens
        meeting = provider.create_meeting(meeting_request())
    assert meeting.meeting_id in regional.meetings
    assert central.meetings == {}
    assert central.routes() == ["token"]


def test_concurrent_calls_share_one_token(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    zoom.expire_tokens()
    provider.client._token = None
    errors: list[BaseException] = []

    def move() -> None:
        try:
            provider.update_meeting(meeting, meeting_request())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=move) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert zoom.tokens_issued == 2
