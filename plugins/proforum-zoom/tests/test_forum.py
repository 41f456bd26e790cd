"""The story: a forum on the memory backend picks the plugin up and runs a meetup on Zoom."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pluggy
import proforum_zoom
import pytest
from proforum_zoom import ZoomOptionInvalid, ZoomProviderFactory
from proforum_zoom.testing import FakeZoom, Fault

import proforum
from proforum.adapters.memory import MemoryStorage
from proforum.domain.meetup import ApplicationState
from proforum.errors import LinkNotGranted, VideoProviderUnavailable
from proforum.ports.context import AdapterContext
from proforum.ports.video import Participant

TITLE = "퍼포먼스 마케터끼리 만나요!"


@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(proforum_zoom, name="zoom")
    pm.check_pending()
    return pm


@pytest.fixture
def forum(
    zoom: FakeZoom,
    plugin_manager: pluggy.PluginManager,
    clock: proforum.ManualClock,
    naps: list[float],
) -> Iterator[proforum.Forum]:
    # As a configuration file would give them: strings.
    options = zoom.options(page_size="7", timeout="0.5", sleep=naps.append, random=lambda: 0.5)
    with proforum.open(
        "memory://", plugin_manager=plugin_manager, clock=clock, video_options={"zoom": options}
    ) as opened:
        yield opened


def drawn_meetup(
    forum: proforum.Forum, clock: proforum.ManualClock, applicants: int
) -> tuple[Any, Any, dict[str, str]]:
    """An operator's community, ``applicants`` members with addresses, a drawn meetup of 20."""
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    emails: dict[str, str] = {}
    for n in range(applicants):
        member = forum.register_member(nickname=f"마케터{n:02d}", job_function="marketing-pr")
        forum.join_community(member.id, community.id)
        emails[member.id] = f"marketer{n:02d}@example.com"
        forum.set_email(member.id, emails[member.id])
    starts = clock.now() + timedelta(days=9, hours=9)
    meetup = forum.create_meetup(
        operator.id,
        community.id,
        title=TITLE,
        topic="퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=20,
        applications_open_at=clock.now(),
        applications_close_at=clock.now() + timedelta(days=6),
    )
    forum.announce_meetup(operator.id, meetup.id)
    for member_id in emails:
        forum.apply(member_id, meetup.id)
    clock.set(meetup.applications_close_at + timedelta(hours=1))
    forum.close_applications(operator.id, meetup.id)
    forum.draw(operator.id, meetup.id)
    return operator, meetup, emails


def test_a_meetup_on_zoom_from_meeting_to_no_shows(
    zoom: FakeZoom, forum: proforum.Forum, clock: proforum.ManualClock, naps: list[float]
) -> None:
    operator, meetup, emails = drawn_meetup(forum, clock, applicants=26)

    # 1. The meeting, through the core.
    zoom.inject("create_meeting", Fault.error(500, after=True))  # and never twice
    meeting = forum.set_meeting(operator.id, meetup.id, provider="zoom")
    assert meeting.provider == "zoom"
    assert list(zoom.meetings) == [meeting.meeting_id]
    assert forum.meetup(operator.id, meetup.id).meeting == meeting
    created = zoom.meetings[meeting.meeting_id]
    assert (created["topic"], created["duration"], created["timezone"]) == (
        TITLE,
        120,
        "Asia/Seoul",
    )

    # 2. Personal links for the 20 seat holders, on the provider itself.
    holders = [
        a.member_id
        for a in forum.applications(operator.id, meetup.id)
        if a.state is ApplicationState.SELECTED
    ]
    assert len(holders) == 20
    provider = ZoomProviderFactory().create(
        AdapterContext(MemoryStorage(), clock), zoom.options(sleep=naps.append)
    )
    participants = [Participant(m, f"참가자 {m}", email=emails[m]) for m in holders]
    registrations = provider.register(meeting, participants)
    assert all(len(b["registrants"]) <= 30 for b in zoom.bodies("batch_registrants"))
    assert len({r.join_url.reveal() for r in registrations}) == 20

    # 3. One gives the seat back: their link is revoked.
    provider.revoke(meeting, registrations[0])
    statuses = [r["status"] for r in zoom.registrants[meeting.meeting_id].values()]
    assert statuses.count("cancelled") == 1

    # 4. The meeting takes place; Zoom's report lists intervals.
    by_member = {r.member_id: r for r in registrations}
    stayed, dropped_in = holders[1:13], holders[13:16]
    rows: list[dict[str, Any]] = []
    for n, member_id in enumerate(stayed):
        registrant = by_member[member_id].registrant_id
        # Some are reported with their address, others by registrant id only;
        # every second one lost the connection once and came back.
        email = emails[member_id] if n % 3 else ""
        if n % 2:
            rows += [
                {"registrant_id": registrant, "user_email": email, "duration": 20 * 60},
                {"registrant_id": registrant, "user_email": email, "duration": 25 * 60},
            ]
        else:
            rows.append({"registrant_id": registrant, "user_email": email, "duration": 110 * 60})
    for member_id in dropped_in:
        rows.append({"registrant_id": by_member[member_id].registrant_id, "duration": 4 * 60})
    rows.append({"user_email": "guest@elsewhere.test", "duration": 3600})
    zoom.end_meeting(meeting.meeting_id, rows)

    # 5. After the meetup, the core reads the report (in pages of 7) and ends it.
    clock.set(meetup.ends_at + timedelta(minutes=10))
    imported = forum.import_attendance(operator.id, meetup.id)
    assert len([r for r in zoom.requests if r.route == "past_participants"]) == 4
    assert imported.unmatched == 1
    assert set(imported.seconds) == set(stayed) | set(dropped_in)
    assert all(imported.seconds[m] == 110 * 60 or imported.seconds[m] == 45 * 60 for m in stayed)
    assert all(imported.seconds[m] == 4 * 60 for m in dropped_in)

    report = forum.end_meetup(operator.id, meetup.id)
    assert set(report.attended) == set(stayed)
    assert set(report.no_shows) == set(holders) - set(stayed)
    assert len(report.no_shows) == 8


def test_bad_zoom_settings_are_named_when_the_provider_is_first_used(
    zoom: FakeZoom, plugin_manager: pluggy.PluginManager, clock: proforum.ManualClock
) -> None:
    options = zoom.options(timeout="soon")
    with proforum.open(
        "memory://", plugin_manager=plugin_manager, clock=clock, video_options={"zoom": options}
    ) as forum:
        operator, meetup, _ = drawn_meetup(forum, clock, applicants=1)
        with pytest.raises(ZoomOptionInvalid) as caught:
            forum.set_meeting(operator.id, meetup.id, provider="zoom")
    assert caught.value.params["option"] == "timeout"
    assert zoom.requests == []


def test_zoom_down_leaves_the_meetup_without_a_meeting(
    zoom: FakeZoom, forum: proforum.Forum, clock: proforum.ManualClock
) -> None:
    operator, meetup, _ = drawn_meetup(forum, clock, applicants=2)
    zoom.inject("*", *[Fault.error(503)] * 40)
    with pytest.raises(VideoProviderUnavailable):
        forum.set_meeting(operator.id, meetup.id, provider="zoom")
    assert forum.meetup(operator.id, meetup.id).meeting is None
    assert zoom.meetings == {}


# --------------------------------------------------------------------------- through the forum


def _states(forum: proforum.Forum, operator: Any, meetup_id: str) -> dict[str, ApplicationState]:
    return {a.member_id: a.state for a in forum.applications(operator.id, meetup_id)}


def test_the_story_on_zoom_through_the_forum(
    zoom: FakeZoom, forum: proforum.Forum, clock: proforum.ManualClock
) -> None:
    operator, meetup, _ = drawn_meetup(forum, clock, applicants=26)
    meeting = forum.set_meeting(operator.id, meetup.id, provider="zoom")

    # Only the 20 selected: each registered once, each their own link.
    assert forum.send_meeting_links(operator.id, meetup.id) == 20
    links = {m.recipient_id: m.params["link"] for m in forum.outbox() if m.kind == "meeting_link"}
    states = _states(forum, operator, meetup.id)
    selected = [m for m, s in states.items() if s is ApplicationState.SELECTED]
    assert sorted(links) == sorted(selected)
    registrants = zoom.registrants[meeting.meeting_id]
    assert len(registrants) == 20
    assert set(links.values()) == {r["join_url"] for r in registrants.values()}
    assert all(len(b["registrants"]) <= 30 for b in zoom.bodies("batch_registrants"))
    waiting = next(m for m, s in states.items() if s is ApplicationState.WAITLISTED)
    with pytest.raises(LinkNotGranted):
        forum.meeting_link(waiting, meetup.id)

    # One gives the seat back: their registrant is cancelled at Zoom.
    leaver = selected[0]
    leaver_link = links[leaver]
    forum.decline(leaver, meetup.id)
    cancelled = [r for r in registrants.values() if r["status"] == "cancelled"]
    assert [r["join_url"] for r in cancelled] == [leaver_link]

    # The seat is offered down the waitlist; taking it registers the newcomer.
    offered = next(
        m for m, s in _states(forum, operator, meetup.id).items() if s is ApplicationState.OFFERED
    )
    forum.confirm(offered, meetup.id)
    newcomer_link = forum.meeting_link(offered, meetup.id)
    assert newcomer_link in {r["join_url"] for r in registrants.values()}
    assert newcomer_link not in links.values()

    # The meeting takes place; the report (by registrant id) marks the no-shows.
    holders = [*selected[1:], offered]
    by_url = {r["join_url"]: r["id"] for r in registrants.values()}
    link_of = {**links, offered: newcomer_link}
    came, dropped_in = holders[:15], holders[15:17]
    rows = [{"registrant_id": by_url[link_of[m]], "duration": 95 * 60} for m in came]
    rows += [{"registrant_id": by_url[link_of[m]], "duration": 3 * 60} for m in dropped_in]
    zoom.end_meeting(meeting.meeting_id, rows)
    clock.set(meetup.ends_at + timedelta(minutes=15))
    imported = forum.import_attendance(operator.id, meetup.id)
    assert len(imported.seconds) == 17
    report = forum.end_meetup(operator.id, meetup.id)
    assert set(report.attended) == set(came)
    assert set(report.no_shows) == set(holders) - set(came)
    assert report.no_show_rate == 5 / 20
