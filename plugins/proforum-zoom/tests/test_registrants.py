"""Personal links: registrants in batches of at most 30, and revoking one."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from proforum_zoom import ZoomProvider
from proforum_zoom.testing import FakeZoom, Fault

from proforum.domain.common import MemberId
from proforum.errors import VideoProviderError
from proforum.ports.video import Participant, Registration

if TYPE_CHECKING:
    from conftest import MakeProvider, MeetingRequestFor


def people(count: int, start: int = 0) -> list[Participant]:
    return [
        Participant(
            member_id=MemberId(f"mem_{n:04d}"),
            display_name=f"참가자{n}",
            email=f"member{n}@example.com",
        )
        for n in range(start, start + count)
    ]


def test_65_participants_go_in_batches_of_30_and_each_gets_a_personal_link(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    participants = people(65)
    registrations = provider.register(meeting, participants)

    batches = zoom.bodies("batch_registrants")
    assert [len(b["registrants"]) for b in batches] == [30, 30, 5]
    assert all(b["auto_approve"] is True for b in batches)
    assert batches[0]["registrants"][0] == {"email": "member0@example.com", "first_name": "참가자0"}
    assert [r.member_id for r in registrations] == [p.member_id for p in participants]
    stored = zoom.registrants[meeting.meeting_id]
    assert len(stored) == 65
    links = {r.join_url.reveal() for r in registrations}
    assert len(links) == 65
    assert meeting.join_url.reveal() not in links
    for registration in registrations:
        assert registration.registrant_id is not None
        assert stored[registration.registrant_id]["join_url"] == registration.join_url.reveal()


def test_the_host_is_not_registered_and_keeps_the_shared_link(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    host = Participant(MemberId("mem_host"), "호스트", email=zoom.user, host=True)
    guest, other = people(2)
    registrations = provider.register(meeting, [guest, host, other])
    assert [r.member_id for r in registrations] == [
        guest.member_id,
        host.member_id,
        other.member_id,
    ]
    assert registrations[1] == Registration(host.member_id, meeting.join_url)
    (batch,) = zoom.bodies("batch_registrants")
    assert [r["email"] for r in batch["registrants"]] == [guest.email, other.email]


def test_registering_again_gives_the_same_registrants(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    first = provider.register(meeting, people(3))
    again = provider.register(meeting, people(3))
    assert first == again
    assert len(zoom.registrants[meeting.meeting_id]) == 3


def test_a_batch_that_failed_in_transit_is_retried_without_duplicates(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    zoom.inject("batch_registrants", Fault.error(500, after=True))
    registrations = provider.register(meeting, people(4))
    assert len(zoom.registrants[meeting.meeting_id]) == 4
    assert len({r.registrant_id for r in registrations}) == 4


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"email": None}, "a participant has no e-mail address"),
        ({"email": "  "}, "a participant has no e-mail address"),
        ({"email": "MEMBER0@example.com"}, "two participants share an e-mail address"),
    ],
)
def test_participants_zoom_cannot_register_are_refused_before_any_call(
    zoom: FakeZoom,
    provider: ZoomProvider,
    meeting_request: MeetingRequestFor,
    change: dict[str, str | None],
    reason: str,
) -> None:
    meeting = provider.create_meeting(meeting_request())
    first, second = people(2)
    odd = Participant(second.member_id, second.display_name, email=change["email"])
    with pytest.raises(VideoProviderError) as caught:
        provider.register(meeting, [first, odd])
    assert caught.value.params["reason"] == reason
    assert "batch_registrants" not in zoom.routes()


def test_revoke_cancels_that_registrant_only(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    registrations = provider.register(meeting, people(3))
    provider.revoke(meeting, registrations[1])
    (body,) = zoom.bodies("registrant_status")
    assert body["action"] == "cancel"
    assert [r["id"] for r in body["registrants"]] == [registrations[1].registrant_id]
    statuses = {rid: r["status"] for rid, r in zoom.registrants[meeting.meeting_id].items()}
    assert statuses == {
        registrations[0].registrant_id: "approved",
        registrations[1].registrant_id: "cancelled",
        registrations[2].registrant_id: "approved",
    }


def test_revoking_the_shared_link_or_on_a_deleted_meeting_is_harmless(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    (registration,) = provider.register(meeting, people(1))
    provider.revoke(meeting, Registration(MemberId("mem_host"), meeting.join_url))
    assert "registrant_status" not in zoom.routes()
    provider.cancel_meeting(meeting)
    provider.revoke(meeting, registration)  # 404: the meeting is gone


def test_a_meeting_without_registration_is_a_refusal(
    zoom: FakeZoom, make_provider: MakeProvider, meeting_request: MeetingRequestFor
) -> None:
    provider = make_provider()
    meeting = provider.create_meeting(meeting_request())
    zoom.meetings[meeting.meeting_id]["settings"]["approval_type"] = 2
    with pytest.raises(VideoProviderError) as caught:
        provider.register(meeting, people(2))
    assert caught.value.params["operation"] == "register"
    assert caught.value.params["status"] == 400
