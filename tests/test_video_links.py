"""Personal video links through the forum: registered once, revoked on leaving, kept in step.

With a provider that registers each participant (the testing kit's
``RegisteringFakeVideoProvider``, standing for Zoom registrants or Jitsi
tokens): seat holders get their own links and nobody else gets one; a seat
given up has its link revoked (retried when the provider fails); moving or
cancelling the meetup moves or deletes the meeting first; a signed webhook
checks a joining participant in.  A provider failure changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

import proforum
from forum_world import LINK, T0, World, assert_unchanged, build_world
from proforum import ApplicationState, AttendanceEntry, ManualClock, SeededIds
from proforum.errors import NotSupportedByProvider, ProforumError, WebhookRejected
from proforum.plugins import hookimpl
from proforum.ports.video import VideoProviderFactory
from proforum.testing.fakes import (
    FakeVideoFactory,
    RegisteringFakeVideoProvider,
    sign_fake_webhook,
)

NAME = RegisteringFakeVideoProvider.name


class ProviderDown(ProforumError):
    """What a provider that is down raises (a plugin's own error)."""

    code = "plugin.test_down"
    template_ko = "테스트용 장애입니다."
    template_en = "A test outage."


class _Plugin:
    def __init__(self, video: RegisteringFakeVideoProvider) -> None:
        self.video = video

    @hookimpl
    def proforum_register_video_providers(self) -> list[VideoProviderFactory]:
        return [FakeVideoFactory(self.video)]


@pytest.fixture
def video() -> RegisteringFakeVideoProvider:
    return RegisteringFakeVideoProvider()


@pytest.fixture
def world(video: RegisteringFakeVideoProvider, backend_url: str) -> Iterator[World]:
    """The cast on every backend, with the registering fake as a plugin."""
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(_Plugin(video))
    clock = ManualClock(T0)
    with proforum.open(backend_url, clock=clock, ids=SeededIds("links"), plugin_manager=pm) as f:
        yield build_world(f, clock)


def drawn(world: World, capacity: int = 3) -> str:
    meetup = world.drawn_meetup(capacity)
    world.forum.set_meeting(world.host.id, meetup.id, provider=NAME)
    return meetup.id


def links_sent(world: World) -> dict[str, str]:
    return {
        m.recipient_id: m.params["link"] for m in world.forum.outbox() if m.kind == "meeting_link"
    }


def holders(world: World, meetup_id: str) -> list[str]:
    return [a.member_id for a in world.forum.applications(world.host.id, meetup_id) if a.holds_seat]


def test_each_seat_holder_gets_their_own_link_and_nobody_else(
    world: World, video: RegisteringFakeVideoProvider
) -> None:
    meetup_id = drawn(world)
    seated = holders(world, meetup_id)
    assert world.forum.send_meeting_links(world.host.id, meetup_id) == 3
    assert video.registered == [seated]  # one batch, each once
    sent = links_sent(world)
    assert set(sent) == set(seated)
    assert len(set(sent.values())) == 3
    assert all(f"registrant=reg-{m}" in sent[m] for m in seated)
    # Asking again reads the stored link: no second registration.
    assert world.forum.meeting_link(seated[0], meetup_id) == sent[seated[0]]
    world.forum.send_meeting_links(world.host.id, meetup_id)
    assert video.registered == [seated]


def test_a_provider_failure_while_registering_changes_nothing(
    world: World, video: RegisteringFakeVideoProvider
) -> None:
    meetup_id = drawn(world)
    video.failure = ProviderDown()
    assert_unchanged(
        world.forum,
        lambda: world.forum.send_meeting_links(world.host.id, meetup_id),
        ProviderDown,
    )
    video.failure = None
    assert world.forum.send_meeting_links(world.host.id, meetup_id) == 3


def test_a_seat_given_up_has_its_link_revoked_even_if_the_provider_was_down(
    world: World, video: RegisteringFakeVideoProvider
) -> None:
    meetup_id = drawn(world)
    world.forum.send_meeting_links(world.host.id, meetup_id)
    leaver, stayer = holders(world, meetup_id)[:2]
    world.forum.decline(leaver, meetup_id)
    assert video.revoked == [f"reg-{leaver}"]
    # Down when the next one leaves: the decline still happens, the revocation waits.
    video.failure = ProviderDown()
    world.forum.decline(stayer, meetup_id)
    assert world.forum.application(stayer, meetup_id).state is ApplicationState.DECLINED
    assert video.revoked == [f"reg-{leaver}"]
    video.failure = None
    assert world.forum.process_deadlines().revoked == 1
    assert video.revoked == [f"reg-{leaver}", f"reg-{stayer}"]
    with world.forum.storage.unit_of_work() as uow:
        assert uow.registrations.pending_revocations() == []


def test_taking_an_offer_after_the_links_went_out_registers_and_sends_a_link(
    world: World, video: RegisteringFakeVideoProvider
) -> None:
    meetup_id = drawn(world)
    world.forum.send_meeting_links(world.host.id, meetup_id)
    first = world.forum.draw_record(world.host.id, meetup_id)["waitlist"][0]
    world.forum.decline(holders(world, meetup_id)[0], meetup_id)
    assert first not in links_sent(world)  # an offer is not a seat
    world.forum.confirm(first, meetup_id)
    assert video.registered[-1] == [first]
    assert f"registrant=reg-{first}" in links_sent(world)[first]


def test_moving_and_cancelling_tell_the_provider_first(
    world: World, video: RegisteringFakeVideoProvider
) -> None:
    meetup_id = drawn(world)
    meetup = world.forum.meetup(world.host.id, meetup_id)
    later = meetup.starts_at + timedelta(hours=1)
    video.failure = ProviderDown()
    assert_unchanged(
        world.forum,
        lambda: world.forum.move_meetup(
            world.host.id, meetup_id, starts_at=later, ends_at=later + timedelta(hours=2)
        ),
        ProviderDown,
    )
    assert_unchanged(
        world.forum, lambda: world.forum.cancel_meetup(world.host.id, meetup_id), ProviderDown
    )
    video.failure = None
    world.forum.move_meetup(
        world.host.id, meetup_id, starts_at=later, ends_at=later + timedelta(hours=2)
    )
    assert meetup.meeting is not None
    assert video.moved == [(meetup.meeting.meeting_id, later)]
    world.forum.cancel_meetup(world.host.id, meetup_id)
    assert video.deleted == [meetup.meeting.meeting_id]


def _webhook(meeting_id: str, registrant: str, at: str) -> bytes:
    return json.dumps(
        {"meeting_id": meeting_id, "event": "joined", "registrant_id": registrant, "at": at}
    ).encode()


def test_a_signed_join_checks_the_participant_in(
    world: World, video: RegisteringFakeVideoProvider
) -> None:
    meetup_id = drawn(world)
    world.forum.send_meeting_links(world.host.id, meetup_id)
    meetup = world.forum.meetup(world.host.id, meetup_id)
    assert meetup.meeting is not None
    member = holders(world, meetup_id)[0]
    world.clock.set(meetup.starts_at + timedelta(minutes=2))
    body = _webhook(meetup.meeting.meeting_id, f"reg-{member}", world.clock.now().isoformat())
    tampered = body.replace(b"joined", b"joinex")
    assert_unchanged(
        world.forum,
        lambda: world.forum.receive_video_webhook(
            NAME, {"X-Fake-Signature": sign_fake_webhook(body)}, tampered
        ),
        WebhookRejected,
    )
    result = world.forum.receive_video_webhook(
        NAME, {"X-Fake-Signature": sign_fake_webhook(body)}, body
    )
    assert [e.kind for e in result.events] == ["joined"]
    assert world.forum.application(member, meetup_id).state is ApplicationState.ATTENDED


def test_webhooks_need_a_provider_that_sends_them(world: World) -> None:
    meetup = world.drawn_meetup()
    world.forum.set_meeting(world.host.id, meetup.id, options={"join_url": LINK})
    assert_unchanged(
        world.forum,
        lambda: world.forum.receive_video_webhook("manual", {}, b"{}"),
        NotSupportedByProvider,
    )


def test_the_report_is_matched_by_registrant(
    world: World, video: RegisteringFakeVideoProvider
) -> None:
    meetup_id = drawn(world)
    world.forum.send_meeting_links(world.host.id, meetup_id)
    meetup = world.forum.meetup(world.host.id, meetup_id)
    assert meetup.meeting is not None
    seated = holders(world, meetup_id)
    video.attendance_reports[meetup.meeting.meeting_id] = [
        AttendanceEntry(seconds=30 * 60, registrant_id=f"reg-{seated[0]}"),
        AttendanceEntry(seconds=2 * 60, registrant_id=f"reg-{seated[1]}"),
        AttendanceEntry(seconds=60 * 60, registrant_id="reg-somebody-else"),
    ]
    world.clock.set(meetup.ends_at)
    imported = world.forum.import_attendance(world.host.id, meetup_id)
    assert dict(imported.seconds) == {seated[0]: 1800, seated[1]: 120}
    assert imported.unmatched == 1
    report = world.forum.end_meetup(world.host.id, meetup_id)
    assert report.attended == (seated[0],)
    assert set(report.no_shows) == set(seated[1:])


class _ExpiringLinks(RegisteringFakeVideoProvider):
    """Links valid for the meeting's times only, like Jitsi tokens."""

    reissue_links_on_move = True


def test_links_that_follow_the_schedule_are_reissued_when_the_meetup_moves(
    backend_url: str,
) -> None:
    video = _ExpiringLinks()
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(_Plugin(video))
    clock = ManualClock(T0)
    with proforum.open(backend_url, clock=clock, ids=SeededIds("moves"), plugin_manager=pm) as f:
        world = build_world(f, clock)
        meetup_id = drawn(world)
        world.forum.send_meeting_links(world.host.id, meetup_id)
        seated = holders(world, meetup_id)
        meetup = world.forum.meetup(world.host.id, meetup_id)
        later = meetup.starts_at + timedelta(hours=2)
        world.forum.move_meetup(
            world.host.id, meetup_id, starts_at=later, ends_at=later + timedelta(hours=2)
        )
        # The old links were revoked, everyone registered again and sent a new link.
        assert sorted(video.revoked) == sorted(f"reg-{m}" for m in seated)
        assert video.registered == [seated, seated]
        sent = [m.recipient_id for m in world.forum.outbox() if m.kind == "meeting_link"]
        assert sorted(sent) == sorted(seated * 2)
        with world.forum.storage.unit_of_work() as uow:
            rows = uow.registrations.for_meetup(meetup_id)
        assert sum(1 for r in rows if r.active) == len(seated)
