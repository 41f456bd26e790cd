"""Creating, moving and deleting Teams meetings; the token's life."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from proforum_teams import TeamsProvider
from proforum_teams.testing import FakeGraph, garbage, slow

import proforum
from proforum.domain.common import MemberId, Secret
from proforum.domain.meetup import MeetingRef
from proforum.errors import VideoProviderError

if TYPE_CHECKING:
    from conftest import MakeProvider, Req

STARTS = datetime(2026, 12, 10, 19, 0, tzinfo=ZoneInfo("Asia/Seoul"))
TITLE = "퍼포먼스 마케터끼리 만나요!"


def test_create_makes_one_meeting_with_the_lobby_closed(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    meeting = provider.create_meeting(req())

    assert meeting.provider == "teams"
    [stored] = graph.meetings.values()
    assert meeting.meeting_id == stored["id"]
    assert isinstance(meeting.join_url, Secret)
    assert meeting.join_url.reveal() == stored["joinWebUrl"]
    assert meeting.join_url.reveal().startswith("https://teams.microsoft.com/l/meetup-join/")
    # createOrGet with the meetup id, then the lobby and presenters in a PATCH.
    create, patch = graph.seen("create_or_get"), graph.seen("update")
    assert [r.status for r in create] == [201]
    assert create[0].body == {
        "externalId": "proforum-mtp_0001",
        "subject": TITLE,
        "startDateTime": "2026-12-10T10:00:00Z",
        "endDateTime": "2026-12-10T12:00:00Z",
    }
    assert patch[0].body == {
        "lobbyBypassSettings": {"scope": "organizer", "isDialInBypassEnabled": False},
        "allowedPresenters": "organizer",
    }
    assert stored["lobbyBypassSettings"]["scope"] == "organizer"
    assert stored["subject"] == TITLE


def test_a_repeated_create_returns_the_same_meeting(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    first = provider.create_meeting(req())
    again = provider.create_meeting(req())
    assert again == first
    assert len(graph.meetings) == 1
    assert [r.status for r in graph.seen("create_or_get")] == [201, 200]
    other = provider.create_meeting(req("mtp_0002"))
    assert other.meeting_id != first.meeting_id


def test_a_meeting_found_again_gets_the_current_times(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    provider.create_meeting(req())
    provider.create_meeting(req(shift=timedelta(days=1)))
    [stored] = graph.meetings.values()
    assert stored["startDateTime"].startswith("2026-12-11T10:00:00")
    patch = graph.seen("update")[-1].body
    assert (patch["startDateTime"], patch["endDateTime"]) == (
        "2026-12-11T10:00:00Z",
        "2026-12-11T12:00:00Z",
    )


def test_a_create_whose_answer_is_lost_does_not_make_a_second_meeting(
    req: Req, make_provider: MakeProvider, graph: FakeGraph, sleeps: list[float]
) -> None:
    provider = make_provider(timeout="0.3")
    graph.inject(slow(2), route="create_or_get")
    meeting = provider.create_meeting(req())
    # The first attempt created it and timed out; the retry found it.
    assert [r.status for r in graph.seen("create_or_get")] == [201, 200]
    assert len(graph.meetings) == 1
    assert meeting.meeting_id in graph.meetings
    assert len(sleeps) == 1


def test_a_create_that_fails_halfway_leaves_nothing_behind(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    graph.inject(garbage(), route="update")
    with pytest.raises(VideoProviderError) as caught:
        provider.create_meeting(req())
    assert caught.value.params["operation"] == "create_meeting"
    assert graph.meetings == {}
    assert [r.status for r in graph.seen("delete")] == [204]


def test_per_meeting_options_choose_the_lobby(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    provider.create_meeting(req(lobby_scope="organization", allowed_presenters="everyone"))
    [stored] = graph.meetings.values()
    assert stored["lobbyBypassSettings"]["scope"] == "organization"
    assert stored["allowedPresenters"] == "everyone"
    with pytest.raises(VideoProviderError) as caught:
        provider.create_meeting(req(lobby_scope="anyone"))
    assert caught.value.params["option"] == "lobby_scope"
    with pytest.raises(VideoProviderError, match="unknown meeting option 'passcode'"):
        provider.create_meeting(req(passcode="1234"))


def test_everyone_gets_the_shared_link(req: Req, provider: TeamsProvider) -> None:
    meeting = provider.create_meeting(req())
    links = {provider.join_link(meeting, MemberId(f"mem_{n}")).reveal() for n in range(3)}
    assert links == {meeting.join_url.reveal()}
    assert not hasattr(provider, "register")
    assert not hasattr(provider, "revoke")


def test_update_sends_both_times_together(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    meeting = provider.create_meeting(req())
    moved = provider.update_meeting(meeting, req(shift=timedelta(hours=3)))
    assert moved == meeting
    body = graph.seen("update")[-1].body
    assert body == {
        "subject": TITLE,
        "startDateTime": "2026-12-10T13:00:00Z",
        "endDateTime": "2026-12-10T15:00:00Z",
    }
    stored = graph.meetings[meeting.meeting_id]
    assert stored["startDateTime"].startswith("2026-12-10T13:00:00")
    assert stored["endDateTime"].startswith("2026-12-10T15:00:00")


def test_updating_a_deleted_meeting_is_refused(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    meeting = provider.create_meeting(req())
    provider.cancel_meeting(meeting)
    with pytest.raises(VideoProviderError) as caught:
        provider.update_meeting(meeting, req())
    assert caught.value.params["reason"] == "HTTP 404 NotFound"
    assert caught.value.params["provider"] == "teams"


def test_cancel_deletes_and_a_second_cancel_is_fine(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    meeting = provider.create_meeting(req())
    provider.cancel_meeting(meeting)
    provider.cancel_meeting(meeting)
    assert graph.meetings == {}
    assert [r.status for r in graph.seen("delete")] == [204, 404]


def test_a_meeting_of_another_provider_is_refused(provider: TeamsProvider) -> None:
    other = MeetingRef("zoom", "81234567890", Secret("https://zoom.us/j/81234567890"))
    with pytest.raises(VideoProviderError, match="not a Teams meeting"):
        provider.join_link(other, MemberId("mem_1"))
    with pytest.raises(VideoProviderError):
        provider.cancel_meeting(other)


def test_one_token_serves_many_calls_until_shortly_before_it_expires(
    req: Req, provider: TeamsProvider, graph: FakeGraph, clock: proforum.ManualClock
) -> None:
    meeting = provider.create_meeting(req())
    provider.update_meeting(meeting, req())
    assert len(graph.seen("token")) == 1
    token = graph.seen("token")[0].body
    assert token == {
        "client_id": graph.client_id,
        "scope": "https://graph.microsoft.com/.default",
        "grant_type": "client_credentials",
    }
    clock.advance(timedelta(seconds=3599 - 301))
    provider.update_meeting(meeting, req())
    assert len(graph.seen("token")) == 1
    clock.advance(timedelta(seconds=2))  # within five minutes of the expiry
    provider.update_meeting(meeting, req())
    assert len(graph.seen("token")) == 2


def test_an_expired_token_is_renewed_once(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    meeting = provider.create_meeting(req())
    graph.expire_tokens()
    provider.update_meeting(meeting, req())
    assert [r.status for r in graph.seen("update")][-2:] == [401, 200]
    assert len(graph.issued) == 2


def test_a_token_refused_twice_is_an_error(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    meeting = provider.create_meeting(req())
    graph.accept_tokens = False
    with pytest.raises(VideoProviderError) as caught:
        provider.update_meeting(meeting, req())
    assert caught.value.params["reason"] == "HTTP 401 InvalidAuthenticationToken"
    assert len(graph.issued) == 2
    assert [r.status for r in graph.seen("update")][-2:] == [401, 401]


def test_a_wrong_client_secret_is_reported_without_it(
    req: Req, make_provider: MakeProvider, graph: FakeGraph
) -> None:
    provider = make_provider(client_secret="not-the-secret")
    with pytest.raises(VideoProviderError) as caught:
        provider.create_meeting(req())
    assert caught.value.params["reason"] == "token request refused (HTTP 401 invalid_client)"
    assert "not-the-secret" not in str(caught.value)
    assert graph.meetings == {}


def test_an_organizer_without_an_access_policy_gets_a_hint(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    graph.granted.clear()
    with pytest.raises(VideoProviderError) as caught:
        provider.create_meeting(req())
    reason = caught.value.params["reason"]
    assert reason.startswith("HTTP 403 Unauthorized")
    assert "application access policy" in reason
    assert graph.organizer not in str(caught.value)


def test_times_are_sent_in_utc(req: Req, provider: TeamsProvider, graph: FakeGraph) -> None:
    provider.create_meeting(req())
    assert STARTS.utcoffset() == timedelta(hours=9)
    assert graph.seen("create_or_get")[0].body["startDateTime"] == "2026-12-10T10:00:00Z"
