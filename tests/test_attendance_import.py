"""Attendance from the video provider's report and from check-in; no-shows; records.

Issue 4, point 7: attendance comes from a provider's attendance report
(through the provider port), from host check-in, or both; a no-show is a seat
holder who did not attend for at least the meetup's minimum; each member has
a record the weight policy can use; operators see the no-show rate.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

import proforum
from forum_world import LINK, T0, World, assert_unchanged, build_world
from proforum import ApplicationState, AttendanceEntry, ManualClock, SeatRules, SeededIds
from proforum.errors import (
    IllegalTransition,
    MeetingNotReady,
    NotSupportedByProvider,
    PermissionDenied,
    RoleRequired,
    TooEarly,
)
from proforum.testing.fakes import FakeVideoProvider, KitAdapters, RecordingNotifier
from sql_support import sqlite_url


@pytest.fixture(params=["memory", "sqlite"])
def video_world(
    request: pytest.FixtureRequest, tmp_path: object
) -> Iterator[tuple[World, FakeVideoProvider]]:
    video = FakeVideoProvider()
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(KitAdapters(video, RecordingNotifier()))
    url = "memory://" if request.param == "memory" else sqlite_url(f"{tmp_path}/forum.db")
    clock = ManualClock(T0)
    with proforum.open(url, clock=clock, ids=SeededIds("att"), plugin_manager=pm) as forum:
        yield build_world(forum, clock), video


def seat_holders_with_email(world: World, capacity: int = 4) -> tuple[str, list[str]]:
    """A drawn meetup on the fake provider whose selected members all have an address."""
    for n, member in enumerate(world.members):
        world.forum.set_email(member.id, f"member{n}@example.com")
    meetup = world.open_meetup(capacity, seat_rules=SeatRules(min_attended_minutes=20))
    for member in world.members:
        world.forum.apply(member.id, meetup.id)
    world.close(meetup)
    world.forum.draw(world.host.id, meetup.id)
    world.forum.set_meeting(world.host.id, meetup.id, provider="fake")
    holders = [
        a.member_id
        for a in world.forum.applications(world.host.id, meetup.id)
        if a.state is ApplicationState.SELECTED
    ]
    return meetup.id, holders


def test_the_report_decides_who_attended(video_world: tuple[World, FakeVideoProvider]) -> None:
    world, video = video_world
    meetup_id, holders = seat_holders_with_email(world)
    a, b, c, d = holders
    email = {m.id: n for n, m in enumerate(world.members)}
    meeting = world.forum.meetup(world.host.id, meetup_id).meeting
    assert meeting is not None
    video.attendance_reports[meeting.meeting_id] = [
        # a joined twice: 15 + 10 minutes add up to 25, above the 20-minute minimum.
        AttendanceEntry(seconds=15 * 60, member_id=a),
        AttendanceEntry(seconds=10 * 60, member_id=a),
        # b is known by the address they joined with, whatever its case.
        AttendanceEntry(seconds=45 * 60, email=f"MEMBER{email[b]}@Example.com"),
        # c dropped in for five minutes: a no-show by the rule.
        AttendanceEntry(seconds=5 * 60, member_id=c),
        # A guest nobody knows.
        AttendanceEntry(seconds=50 * 60, email="guest@elsewhere.test"),
    ]
    meetup = world.forum.meetup(world.host.id, meetup_id)
    world.clock.set(meetup.starts_at - timedelta(minutes=10))
    assert_unchanged(
        world.forum, lambda: world.forum.import_attendance(world.host.id, meetup_id), TooEarly
    )
    world.clock.set(meetup.starts_at + timedelta(minutes=5))
    world.forum.check_in(d, meetup_id)  # d checked in and needs no report
    world.clock.set(meetup.ends_at + timedelta(minutes=10))
    imported = world.forum.import_attendance(world.host.id, meetup_id)
    assert dict(imported.seconds) == {a: 25 * 60, b: 45 * 60, c: 5 * 60}
    assert imported.unmatched == 1
    report = world.forum.end_meetup(world.host.id, meetup_id)
    assert set(report.attended) == {a, b, d}
    assert report.no_shows == (c,)
    assert report.no_show_rate == pytest.approx(0.25)
    assert world.forum.attendance_report(world.host.id, meetup_id) == report
    # The records the lottery's weight policy reads.
    record = world.forum.participation(c, c)
    assert (record.applied, record.selected, record.attended, record.no_shows) == (1, 1, 0, 1)
    assert record.last_no_show_at == world.clock.now()
    assert world.forum.participation(a, a).attended == 1


def test_a_late_report_corrects_a_no_show(video_world: tuple[World, FakeVideoProvider]) -> None:
    world, video = video_world
    meetup_id, holders = seat_holders_with_email(world)
    meetup = world.forum.meetup(world.host.id, meetup_id)
    world.clock.set(meetup.ends_at + timedelta(minutes=10))
    report = world.forum.end_meetup(world.host.id, meetup_id)
    assert set(report.no_shows) == set(holders)
    meeting = world.forum.meetup(world.host.id, meetup_id).meeting
    assert meeting is not None
    video.attendance_reports[meeting.meeting_id] = [
        AttendanceEntry(seconds=30 * 60, member_id=holders[0])
    ]
    world.forum.import_attendance(world.host.id, meetup_id)
    fixed = world.forum.attendance_report(world.host.id, meetup_id)
    assert fixed.attended == (holders[0],)
    assert world.forum.application(holders[0], meetup_id).attended_seconds == 30 * 60


def test_importing_needs_a_provider_with_a_report(world: World) -> None:
    meetup = world.drawn_meetup()
    world.clock.set(meetup.starts_at + timedelta(hours=1))
    assert_unchanged(
        world.forum,
        lambda: world.forum.import_attendance(world.host.id, meetup.id),
        MeetingNotReady,
    )
    world.forum.set_meeting(world.host.id, meetup.id, options={"join_url": LINK})
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.import_attendance(world.host.id, meetup.id),
        NotSupportedByProvider,
    )
    assert exc.params == {"provider": "manual", "operation": "attendance"}
    assert_unchanged(
        world.forum,
        lambda: world.forum.import_attendance(world.members[0].id, meetup.id),
        RoleRequired,
    )


def test_check_in_alone_still_works(world: World) -> None:
    meetup = world.ended_meetup(3, absent=1)
    report = world.forum.attendance_report(world.operator.id, meetup.id)
    assert (len(report.attended), len(report.no_shows)) == (2, 1)
    assert report.no_show_rate == pytest.approx(1 / 3)


def test_the_report_is_for_organisers_and_only_after_the_end(world: World) -> None:
    meetup = world.drawn_meetup()
    with pytest.raises(IllegalTransition):
        world.forum.attendance_report(world.host.id, meetup.id)
    world.clock.set(meetup.ends_at)
    world.forum.end_meetup(world.host.id, meetup.id)
    with pytest.raises(RoleRequired):
        world.forum.attendance_report(world.members[0].id, meetup.id)


def test_records_are_private(world: World) -> None:
    meetup = world.drawn_meetup()
    applicant = world.members[0].id
    other = world.members[1].id
    with pytest.raises(PermissionDenied):
        world.forum.participation(other, applicant)
    with pytest.raises(PermissionDenied):
        world.forum.participation(other, applicant, meetup_id=meetup.id)
    # The host sees the record of someone who applied to their meetup.
    assert world.forum.participation(world.host.id, applicant, meetup_id=meetup.id).applied == 1
