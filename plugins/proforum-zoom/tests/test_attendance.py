"""The past-participants report: paging, summing intervals, and UUIDs that need double encoding."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from proforum_zoom import ZoomProvider, meeting_segment, summarise
from proforum_zoom.testing import FakeZoom

from proforum.domain.common import MemberId, Secret
from proforum.domain.meetup import MeetingRef
from proforum.errors import VideoProviderError
from proforum.ports.video import Participant

if TYPE_CHECKING:
    from conftest import MakeProvider, MeetingRequestFor


def row(seconds: int, *, email: str = "", registrant: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "user_email": email,
        "registrant_id": registrant,
        "duration": seconds,
        "join_time": "2026-12-10T01:00:00Z",
        "leave_time": "2026-12-10T02:00:00Z",
        **extra,
    }


def test_intervals_are_summed_per_registrant_else_per_address_across_pages(
    zoom: FakeZoom, make_provider: MakeProvider, meeting_request: MeetingRequestFor
) -> None:
    provider = make_provider(page_size="2")
    meeting = provider.create_meeting(meeting_request())
    zoom.end_meeting(
        meeting.meeting_id,
        [
            row(600, email="a@example.com", registrant="r-a"),
            row(300, email="Guest@Example.com"),
            row(900, email="a@example.com", registrant="r-a"),
            row(120),  # a phone caller: no address, no registrant
            row(60, email="guest@example.com"),
            row(30),
        ],
    )
    entries = provider.attendance(meeting)
    assert [(e.registrant_id, e.email, e.seconds) for e in entries] == [
        ("r-a", "a@example.com", 1500),
        (None, "Guest@Example.com", 360),
        (None, None, 120),
        (None, None, 30),
    ]
    pages = [r for r in zoom.requests if r.route == "past_participants"]
    assert len(pages) == 3
    assert all(r.query["page_size"] == "2" for r in pages)
    assert "next_page_token" not in pages[0].query
    assert all(r.query["next_page_token"] for r in pages[1:])


def test_registrants_are_named_by_member_and_by_address(
    zoom: FakeZoom,
    provider: ZoomProvider,
    make_provider: MakeProvider,
    meeting_request: MeetingRequestFor,
) -> None:
    meeting = provider.create_meeting(meeting_request())
    participants = [
        Participant(MemberId(f"mem_{n}"), f"참가자{n}", email=f"m{n}@example.com") for n in range(2)
    ]
    first, second = provider.register(meeting, participants)
    zoom.end_meeting(
        meeting.meeting_id,
        [
            row(100, registrant=str(first.registrant_id)),
            row(200, registrant=str(second.registrant_id)),
        ],
    )
    # The provider that registered them knows the members.
    entries = provider.attendance(meeting)
    assert [(e.member_id, e.email, e.seconds) for e in entries] == [
        ("mem_0", "m0@example.com", 100),
        ("mem_1", "m1@example.com", 200),
    ]
    # Another process asks Zoom for the registrants' addresses instead.
    elsewhere = make_provider()
    entries = elsewhere.attendance(meeting)
    assert [(e.member_id, e.email) for e in entries] == [
        (None, "m0@example.com"),
        (None, "m1@example.com"),
    ]
    assert zoom.routes()[-1] == "list_registrants"


@pytest.mark.parametrize(
    ("uuid", "segment"),
    [
        ("/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875%253D%253D"),
        ("ab//cd+ef==", "ab%252F%252Fcd%252Bef%253D%253D"),
        ("4444AAAiAAAAAiAiAiiAii==", "4444AAAiAAAAAiAiAiiAii%3D%3D"),
        ("aB/cD+eF==", "aB%2FcD%2BeF%3D%3D"),
        ("81234567890", "81234567890"),
    ],
)
def test_meeting_uuids_are_encoded_as_zoom_asks(uuid: str, segment: str) -> None:
    assert meeting_segment(uuid) == segment


@pytest.mark.parametrize("uuid", ["/ajXp112QmuoKj4854875==", "ab//cd+ef==", "aB/cD+eF=="])
def test_the_report_of_an_instance_is_read_by_its_uuid(
    zoom: FakeZoom, provider: ZoomProvider, uuid: str
) -> None:
    zoom.end_meeting("81234567890", [row(42, email="x@example.com")], uuid=uuid)
    instance = MeetingRef("zoom", uuid, Secret("https://zoom.us/j/81234567890"))
    (entry,) = provider.attendance(instance)
    assert entry.seconds == 42


def test_the_fake_refuses_a_uuid_that_needed_double_encoding(zoom: FakeZoom) -> None:
    zoom.end_meeting("1", [], uuid="/abc==")
    reply = zoom._past("%2Fabc%3D%3D", {})
    assert reply[0] == 404


def test_a_meeting_not_held_yet_has_an_empty_report_and_a_deleted_one_none(
    zoom: FakeZoom, provider: ZoomProvider, meeting_request: MeetingRequestFor
) -> None:
    meeting = provider.create_meeting(meeting_request())
    assert provider.attendance(meeting) == []
    provider.cancel_meeting(meeting)
    with pytest.raises(VideoProviderError) as caught:
        provider.attendance(meeting)
    assert caught.value.params["zoom_code"] == 3001


durations = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 7200)), max_size=40
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=durations, page_size=st.integers(1, 300))
def test_paging_never_changes_the_totals(
    zoom: FakeZoom,
    make_provider: MakeProvider,
    rows: list[tuple[str, int]],
    page_size: int,
) -> None:
    provider = make_provider(page_size=page_size)
    zoom.end_meeting("999", [row(s, email=f"{who}@example.com") for who, s in rows])
    meeting = MeetingRef("zoom", "999", Secret("https://zoom.us/j/999"))
    totals = {e.email: e.seconds for e in provider.attendance(meeting)}
    expected: dict[str | None, int] = {}
    for who, seconds in rows:
        expected[f"{who}@example.com"] = expected.get(f"{who}@example.com", 0) + seconds
    assert totals == expected


@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "registrant_id": st.sampled_from(["", "r1", "r2"]),
                "user_email": st.sampled_from(["", "a@x.test", "A@X.test", "b@x.test"]),
                "duration": st.integers(0, 10_000),
            }
        ),
        max_size=30,
    )
)
def test_summarising_keeps_every_second(rows: list[dict[str, Any]]) -> None:
    entries = summarise(rows)
    assert sum(e.seconds for e in entries) == sum(r["duration"] for r in rows)
    registrants = [e.registrant_id for e in entries if e.registrant_id]
    assert len(registrants) == len(set(registrants))
