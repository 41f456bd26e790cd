"""A whole forum delivering by webhook: signed, retried, dead-lettered on 410."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pluggy
import proforum_webhook
import pytest
from proforum_webhook import WebhookNotConfigured, WebhookOptionInvalid, enable_endpoint

import proforum
from proforum.domain.common import CommunityId
from proforum.domain.identity import Member
from proforum.domain.meetup import Meetup
from proforum.domain.notification import DeliveryStatus
from proforum.services.base import DeliveryReport

if TYPE_CHECKING:
    from conftest import Receiver, ReservedPort, StartReceiver

TITLE = "퍼포먼스 마케터끼리 만나요!"
PAST_ANY_BACKOFF = timedelta(hours=7)


@attrs.define
class World:
    """An operator and two members in one community, with a meetup to announce."""

    forum: proforum.Forum
    clock: proforum.ManualClock
    operator: Member
    members: list[Member]
    community_id: CommunityId

    @property
    def everyone(self) -> list[Member]:
        return [self.operator, *self.members]

    def meetup(self, title: str = TITLE) -> Meetup:
        starts = self.clock.now() + timedelta(days=9, hours=9)
        return self.forum.create_meetup(
            self.operator.id,
            self.community_id,
            title=title,
            topic="퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=2,
            applications_open_at=self.clock.now(),
            applications_close_at=self.clock.now() + timedelta(days=6),
        )

    def announce(self, title: str = TITLE) -> None:
        """Tell the community about a new meetup: one message per member (3)."""
        self.forum.announce_meetup(self.operator.id, self.meetup(title).id)

    def statuses(self) -> list[tuple[DeliveryStatus, int, str | None]]:
        return [(m.status, m.attempts, m.last_error) for m in self.forum.outbox()]

    def ids(self) -> set[str]:
        return {m.id for m in self.forum.outbox()}


def build_world(forum: proforum.Forum, clock: proforum.ManualClock) -> World:
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    members = [
        forum.register_member(nickname="퍼포먼스장인", job_function="marketing-pr"),
        forum.register_member(real_name="Jane Doe", job_function="marketing-pr", locale="en"),
    ]
    for member in members:
        forum.join_community(member.id, community.id)
    return World(forum, clock, operator, members, community.id)


OpenForum = Callable[..., World]


@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(proforum_webhook, name="webhook")
    pm.check_pending()
    return pm


@pytest.fixture
def open_forum(
    plugin_manager: pluggy.PluginManager, clock: proforum.ManualClock
) -> Iterator[OpenForum]:
    """Open a memory forum whose notifier is ``webhook`` with ``options``."""
    forums: list[proforum.Forum] = []

    def open_(options: dict[str, Any], **kwargs: Any) -> World:
        forum = proforum.open(
            "memory://",
            plugin_manager=plugin_manager,
            clock=clock,
            notifier="webhook",
            notifier_options={"webhook": options},
            **kwargs,
        )
        forums.append(forum)
        return build_world(forum, clock)

    yield open_
    for forum in forums:
        forum.close()


def test_an_announcement_reaches_the_receiver_signed_and_verifiable(
    receiver: Receiver, open_forum: OpenForum
) -> None:
    world = open_forum(receiver.options())
    world.announce()

    assert world.statuses() == [(DeliveryStatus.SENT, 1, None)] * 3
    assert {m.channel for m in world.forum.outbox()} == {"webhook"}
    # Every request passed verify(): signature, timestamp window, payload.
    assert [r.error for r in receiver.requests] == [None] * 3
    events = {e.recipient_id: e for e in receiver.accepted()}
    assert {e.message_id for e in events.values()} == world.ids()
    assert set(events) == {m.id for m in world.everyone}
    korean = events[world.members[0].id]
    assert korean.type == korean.kind == "meetup_announced"
    assert korean.subject == f"[모임 안내] {TITLE}"
    assert "마케팅/PR 커뮤니티에서 모임을 엽니다" in korean.body
    assert korean.lang == "ko"
    english = events[world.members[1].id]
    assert (english.lang, english.subject) == ("en", f"[Meetup] {TITLE}")
    for request in receiver.requests:
        assert request.headers["webhook-id"] == request.event.id  # type: ignore[union-attr]
    # The webhook replaced the in-app inbox as the channel.
    assert world.forum.inbox(world.operator.id) == []


def test_a_500_is_retried_and_the_message_delivered_once(
    receiver: Receiver, open_forum: OpenForum
) -> None:
    receiver.answer(500, 500, 500)
    world = open_forum(receiver.options(), deliver="manual")
    world.announce()
    assert world.forum.deliver_pending() == DeliveryReport(retrying=3)
    assert world.statuses() == [(DeliveryStatus.PENDING, 1, "webhook.delivery_failed")] * 3

    world.clock.advance(PAST_ANY_BACKOFF)
    assert world.forum.deliver_pending() == DeliveryReport(sent=3)
    assert world.statuses() == [(DeliveryStatus.SENT, 2, None)] * 3
    # Each message was attempted twice with the same webhook-id, accepted once.
    attempts = [r.headers["webhook-id"] for r in receiver.requests]
    assert sorted(attempts) == sorted([*world.ids(), *world.ids()])
    assert sorted(e.id for e in receiver.accepted()) == sorted(world.ids())
    world.clock.advance(PAST_ANY_BACKOFF)
    assert world.forum.deliver_pending() == DeliveryReport()
    assert len(receiver.requests) == 6


@pytest.mark.parametrize(
    ("answer", "wait"),
    [
        ((503, "3600"), timedelta(hours=1)),
        ((429, "Tue, 01 Dec 2026 03:00:00 GMT"), timedelta(hours=2)),  # T0 is 01:00 UTC
    ],
)
def test_retry_after_is_a_floor_under_the_backoff(
    receiver: Receiver,
    open_forum: OpenForum,
    answer: tuple[int, str],
    wait: timedelta,
) -> None:
    receiver.answer(answer, answer, answer)
    world = open_forum(receiver.options(), deliver="manual")
    world.announce()
    now = world.clock.now()
    assert world.forum.deliver_pending() == DeliveryReport(retrying=3)
    pending = world.forum.outbox()
    assert {m.last_error for m in pending} == {"webhook.retry_later"}
    # The first backoff is at most 30 s; the endpoint asked for more, and got it.
    assert all(m.next_attempt_at is not None and m.next_attempt_at >= now + wait for m in pending)
    world.clock.advance(wait - timedelta(seconds=1))
    assert world.forum.deliver_pending() == DeliveryReport()
    world.clock.advance(timedelta(minutes=2))
    assert world.forum.deliver_pending() == DeliveryReport(sent=3)


def test_a_busy_answer_without_retry_after_backs_off_as_usual(
    receiver: Receiver, open_forum: OpenForum
) -> None:
    receiver.answer((503, "soon"), 503, 503)
    world = open_forum(receiver.options(), deliver="manual")
    world.announce()
    now = world.clock.now()
    assert world.forum.deliver_pending() == DeliveryReport(retrying=3)
    # An unreadable Retry-After and none at all are plain failures: the backoff decides.
    assert {m.last_error for m in world.forum.outbox()} == {"webhook.delivery_failed"}
    assert all(
        m.next_attempt_at is not None and m.next_attempt_at <= now + timedelta(seconds=30)
        for m in world.forum.outbox()
    )


def test_a_timeout_is_retried_and_nothing_is_lost(
    receiver: Receiver, open_forum: OpenForum
) -> None:
    receiver.answer("slow", "slow", "slow")
    world = open_forum(receiver.options(timeout=0.25), deliver="manual")
    world.announce()
    assert world.forum.deliver_pending() == DeliveryReport(retrying=3)
    receiver.release.set()

    world.clock.advance(PAST_ANY_BACKOFF)
    assert world.forum.deliver_pending() == DeliveryReport(sent=3)
    assert world.statuses() == [(DeliveryStatus.SENT, 2, None)] * 3
    # The late first attempts may have arrived too: the ids tell the duplicates.
    assert {e.id for e in receiver.accepted()} == world.ids()


def test_a_receiver_that_was_down_gets_everything_when_it_comes_up(
    closed_port: ReservedPort, start_receiver: StartReceiver, open_forum: OpenForum
) -> None:
    world = open_forum(closed_port.options())
    world.announce()
    assert world.statuses() == [(DeliveryStatus.PENDING, 1, "webhook.delivery_failed")] * 3

    receiver = start_receiver(port=closed_port.release())
    world.clock.advance(PAST_ANY_BACKOFF)
    assert world.forum.deliver_pending() == DeliveryReport(sent=3)
    assert {e.id for e in receiver.accepted()} == world.ids()


def test_after_the_last_attempt_a_failing_endpoint_leaves_messages_failed(
    receiver: Receiver, open_forum: OpenForum
) -> None:
    receiver.answer(*[503] * 6)
    world = open_forum(receiver.options(), deliver="manual", max_delivery_attempts=2)
    world.announce()
    world.forum.deliver_pending()
    world.clock.advance(PAST_ANY_BACKOFF)
    assert world.forum.deliver_pending() == DeliveryReport(failed=3)
    assert world.statuses() == [(DeliveryStatus.FAILED, 2, "webhook.delivery_failed")] * 3


def test_410_dead_letters_at_once_and_disables_the_endpoint_across_restarts(
    receiver: Receiver, open_forum: OpenForum, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state_file = tmp_path / "webhook-state.json"
    options = receiver.options(state_file=str(state_file))
    receiver.answer(410)
    world = open_forum(options, deliver="manual", max_delivery_attempts=5)
    world.announce()
    with caplog.at_level(logging.INFO):
        assert world.forum.deliver_pending() == DeliveryReport(failed=3)
    # Dead-lettered on the first attempt, not after five; only one HTTP call.
    gone = (DeliveryStatus.FAILED, 1, "delivery.rejected: endpoint_gone")
    assert world.statuses() == [gone] * 3
    assert len(receiver.requests) == 1

    # The worker restarts: a new forum, a new notifier, the same state file.
    restarted = open_forum(options, deliver="manual")
    restarted.announce("두 번째 모임")
    assert restarted.forum.deliver_pending() == DeliveryReport(failed=3)
    assert len(receiver.requests) == 1  # refused without any HTTP call

    assert enable_endpoint(options["url"], state_file)
    restarted.announce("세 번째 모임")
    assert restarted.forum.deliver_pending() == DeliveryReport(sent=3)
    assert [e.subject for e in receiver.accepted()].count("[모임 안내] 세 번째 모임") == 2
    assert options["url"] not in caplog.text
    assert "/hooks/" not in caplog.text


def test_bad_settings_stop_the_forum_from_opening(
    receiver: Receiver, open_forum: OpenForum
) -> None:
    with pytest.raises(WebhookOptionInvalid) as caught:
        open_forum(receiver.options(url="ftp://example.com/hook"))
    assert caught.value.params["option"] == "url"
    with pytest.raises(WebhookNotConfigured):
        open_forum({})


def test_a_forum_that_does_not_choose_the_webhook_opens_without_its_settings(
    clock: proforum.ManualClock,
) -> None:
    # The plugin is installed (entry point) but this forum uses the inbox.
    with proforum.open("memory://", clock=clock) as forum:
        world = build_world(forum, clock)
        world.announce()
        assert {m.channel for m in forum.outbox()} == {"inbox"}
        assert world.statuses() == [(DeliveryStatus.SENT, 1, None)] * 3
