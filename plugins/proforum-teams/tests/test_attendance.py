"""Attendance from reports and their records, page by page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from proforum_teams import TeamsProvider
from proforum_teams.testing import FakeGraph, attendance_record, server_error

from proforum.errors import VideoProviderError

if TYPE_CHECKING:
    from conftest import Req


def totals(entries: object) -> dict[str | None, int]:
    return {e.email: e.seconds for e in entries}  # type: ignore[attr-defined]


def test_one_entry_per_person_summed_across_sessions_and_pages(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    meeting = provider.create_meeting(req())
    graph.page_size = 2
    graph.add_report(
        meeting.meeting_id,
        [
            attendance_record("a@example.com", 600, 300),
            attendance_record("b@example.com", 2400),
            attendance_record("c@example.com", 120),
        ],
    )
    graph.add_report(meeting.meeting_id, [attendance_record("A@Example.com", 900)])
    graph.add_report(meeting.meeting_id, [attendance_record("d@example.com", 60)])

    entries = provider.attendance(meeting)

    assert totals(entries) == {
        "a@example.com": 1800,
        "b@example.com": 2400,
        "c@example.com": 120,
        "d@example.com": 60,
    }
    # Three reports over two pages; the first report's records over two pages.
    assert len(graph.seen("reports")) == 2
    assert len(graph.seen("records")) == 4


def test_intervals_stand_in_for_a_missing_total(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    meeting = provider.create_meeting(req())
    graph.add_report(
        meeting.meeting_id, [attendance_record("a@example.com", 100, 200, with_total=False)]
    )
    assert totals(provider.attendance(meeting)) == {"a@example.com": 300}


def test_people_without_an_address_are_kept_apart(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    meeting = provider.create_meeting(req())
    graph.add_report(
        meeting.meeting_id,
        [
            attendance_record(None, 100, identity_id="guest-1"),
            attendance_record("", 50, identity_id="guest-1"),
            attendance_record(None, 70, identity_id="guest-2"),
        ],
    )
    entries = provider.attendance(meeting)
    assert sorted(e.seconds for e in entries) == [70, 150]
    assert all(e.email is None for e in entries)


def test_no_reports_means_nobody(req: Req, provider: TeamsProvider) -> None:
    meeting = provider.create_meeting(req())
    assert provider.attendance(meeting) == []


def test_a_failing_page_is_retried(
    req: Req, provider: TeamsProvider, graph: FakeGraph, sleeps: list[float]
) -> None:
    meeting = provider.create_meeting(req())
    graph.add_report(meeting.meeting_id, [attendance_record("a@example.com", 60)] * 3)
    graph.inject(server_error(503), route="records")
    assert totals(provider.attendance(meeting)) == {"a@example.com": 180}
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    "record",
    [
        {"emailAddress": "a@example.com", "totalAttendanceInSeconds": "600"},
        {"emailAddress": "a@example.com", "totalAttendanceInSeconds": -1},
        {"emailAddress": "a@example.com"},
        {"emailAddress": "a@example.com", "attendanceIntervals": [{"durationInSeconds": None}]},
    ],
)
def test_a_malformed_record_is_a_provider_error(
    req: Req, provider: TeamsProvider, graph: FakeGraph, record: dict[str, object]
) -> None:
    meeting = provider.create_meeting(req())
    graph.add_report(meeting.meeting_id, [record])
    with pytest.raises(VideoProviderError) as caught:
        provider.attendance(meeting)
    assert caught.value.params["operation"] == "attendance"
    assert caught.value.params["reason"] == "malformed response"


def test_a_paging_link_to_another_host_is_not_followed(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    meeting = provider.create_meeting(req())
    for _ in range(3):
        graph.add_report(meeting.meeting_id, [attendance_record("a@example.com", 60)])
    real_page = graph._page

    def leaking_page(items: list[dict[str, object]], query: object, path: str) -> object:
        status, page = real_page(items, query, path)  # type: ignore[arg-type]
        if "@odata.nextLink" in page:
            page["@odata.nextLink"] = "https://attacker.example/steal"
        return status, page

    graph._page = leaking_page  # type: ignore[assignment,method-assign]
    with pytest.raises(VideoProviderError, match="paging link leaves Graph"):
        provider.attendance(meeting)


def test_reports_of_an_unknown_meeting_are_refused(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    meeting = provider.create_meeting(req())
    provider.cancel_meeting(meeting)
    with pytest.raises(VideoProviderError) as caught:
        provider.attendance(meeting)
    assert caught.value.params["reason"] == "HTTP 404 NotFound"
