"""A whole forum on the memory backend choosing ``teams``: meeting, move, attendance, no-shows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from importlib import metadata

import pluggy
import proforum_teams
import pytest
from proforum_teams import TeamsProvider
from proforum_teams.testing import FakeGraph, attendance_record

import proforum
from proforum import ApplicationState, SeatRules
from proforum.ports.video import MeetingRequest


@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(proforum_teams, name="teams")
    pm.check_pending()
    return pm


@pytest.fixture
def forum(
    plugin_manager: pluggy.PluginManager,
    graph: FakeGraph,
    clock: proforum.ManualClock,
    sleeps: list[float],
) -> Iterator[proforum.Forum]:
    options = graph.options(sleep=sleeps.append)
    with proforum.open(
        "memory://",
        plugin_manager=plugin_manager,
        clock=clock,
        video_options={"teams": options},
    ) as opened:
        yield opened


def test_the_installed_entry_point_registers_the_provider() -> None:
    # Only this distribution's entry point: other plugins may be mid-development.
    [entry] = [e for e in metadata.entry_points(group="proforum") if e.name == "teams"]
    assert entry.load() is proforum_teams
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(entry.load(), name=entry.name)
    names = [f.name for factories in pm.hook.proforum_register_video_providers() for f in factories]
    assert "teams" in names


def test_a_meetup_on_teams_from_meeting_to_no_shows(
    forum: proforum.Forum, graph: FakeGraph, clock: proforum.ManualClock
) -> None:
    host = forum.register_member(real_name="박성과", job_function="marketing-pr")
    community = forum.create_community(
        host.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    members = []
    for n in range(3):
        member = forum.register_member(nickname=f"마케터{n}", job_function="marketing-pr")
        forum.join_community(member.id, community.id)
        forum.set_email(member.id, f"member{n}@example.com")
        members.append(member)
    starts = clock.now() + timedelta(days=9, hours=9)
    meetup = forum.create_meetup(
        host.id,
        community.id,
        title="퍼포먼스 마케터끼리 만나요!",
        topic="퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=3,
        applications_open_at=clock.now(),
        applications_close_at=clock.now() + timedelta(days=6),
        seat_rules=SeatRules(min_attended_minutes=20),
    )
    forum.announce_meetup(host.id, meetup.id)
    for member in members:
        forum.apply(member.id, meetup.id)
    clock.set(meetup.applications_close_at + timedelta(hours=1))
    forum.close_applications(host.id, meetup.id)
    forum.draw(host.id, meetup.id)

    meeting = forum.set_meeting(host.id, meetup.id, provider="teams")

    assert meeting.provider == "teams"
    assert meeting.meeting_id in graph.meetings
    assert graph.seen("create_or_get")[0].body["externalId"] == f"proforum-{meetup.id}"
    assert forum.meeting_link(members[0].id, meetup.id) == meeting.join_url.reveal()

    # Move the meetup by a day; the core may or may not tell the provider yet,
    # so the provider is also asked directly.  Either way Graph ends up right.
    moved = forum.move_meetup(
        host.id,
        meetup.id,
        starts_at=starts + timedelta(days=1),
        ends_at=starts + timedelta(days=1, hours=2),
    )
    provider = forum._video_provider("teams")  # the provider the forum built
    assert isinstance(provider, TeamsProvider)
    provider.update_meeting(meeting, MeetingRequest.for_meetup(moved))
    stored = graph.meetings[meeting.meeting_id]
    assert stored["startDateTime"].startswith(moved.starts_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert all(
        set(r.body) >= {"startDateTime", "endDateTime"}
        for r in graph.seen("update")
        if "subject" in r.body
    )

    # The meeting happens: member0 stays 25 minutes over two sessions, member1
    # drops in for 5, member2 never comes; a guest joins too.
    graph.add_report(
        meeting.meeting_id,
        [
            attendance_record("member0@example.com", 600),
            attendance_record("MEMBER1@example.com", 300),
            attendance_record("guest@elsewhere.test", 3000),
        ],
    )
    graph.add_report(meeting.meeting_id, [attendance_record("member0@example.com", 900)])
    clock.set(moved.ends_at + timedelta(minutes=10))

    imported = forum.import_attendance(host.id, meetup.id)
    report = forum.end_meetup(host.id, meetup.id)

    assert dict(imported.seconds) == {members[0].id: 1500, members[1].id: 300}
    assert imported.unmatched == 1
    assert report.attended == (members[0].id,)
    assert set(report.no_shows) == {members[1].id, members[2].id}
    assert forum.application(members[2].id, meetup.id).state is ApplicationState.NO_SHOW
