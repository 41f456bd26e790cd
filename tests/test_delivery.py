"""Messages leave the outbox after commit, and a delivery failure never undoes a use case."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import proforum
from forum_world import T0
from proforum.adapters.memory import MemoryStorage, MemoryUnitOfWork
from proforum.domain.identity import Member
from proforum.domain.notification import DeliveryStatus, Message, RetryPolicy
from proforum.errors import InvalidInput, StorageError
from proforum.ports.context import AdapterContext
from proforum.ports.notifier import RenderedMessage


class FlakyStorage(MemoryStorage):
    """A memory storage whose next unit of work can be made to fail."""

    fail_next: bool = False

    def unit_of_work(self) -> MemoryUnitOfWork:
        if self.fail_next:
            self.fail_next = False
            raise StorageError(None, reason="connection lost")
        return super().unit_of_work()


@attrs.define
class FlakyFactory:
    storage: FlakyStorage
    name: str = "flaky"
    schemes: tuple[str, ...] = ("flaky",)

    def open(self, url: str) -> FlakyStorage:
        return self.storage


@attrs.define
class BreakStorageOnDelivery:
    """A notifier that delivers, then makes marking the message as sent fail once."""

    storage: FlakyStorage
    delivered: list[Message] = attrs.field(factory=list)
    name: str = "breaker"

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        self.delivered.append(message)
        self.storage.fail_next = True


@attrs.define
class BreakerFactory:
    notifier: BreakStorageOnDelivery
    name: str = "breaker"

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> Any:
        return self.notifier


def test_a_storage_failure_while_marking_a_message_sent_does_not_fail_the_use_case(
    caplog: pytest.LogCaptureFixture,
) -> None:
    storage = FlakyStorage()
    notifier = BreakStorageOnDelivery(storage)

    class Plugin:
        @proforum.hookimpl
        def proforum_register_storage(self) -> list[Any]:
            return [FlakyFactory(storage)]

        @proforum.hookimpl
        def proforum_register_notifiers(self) -> list[Any]:
            return [BreakerFactory(notifier)]

    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(Plugin())
    forum = proforum.open(
        "flaky://", plugin_manager=pm, clock=proforum.ManualClock(T0), notifier="breaker"
    )
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    host = forum.register_member(real_name="박성과", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    forum.join_community(host.id, community.id)
    forum.assign_role(operator.id, community.id, host.id, proforum.Role.HOST)
    meetup = forum.create_meetup(
        host.id,
        community.id,
        title="모임",
        topic="주제",
        starts_at=T0 + timedelta(days=9),
        ends_at=T0 + timedelta(days=9, hours=2),
        capacity=5,
        applications_open_at=T0,
        applications_close_at=T0 + timedelta(days=6),
    )
    with caplog.at_level(logging.ERROR, logger="proforum"):
        announced = forum.announce_meetup(host.id, meetup.id)  # writes 2 messages
    assert announced.state == "open"
    assert forum.meetup(host.id, meetup.id).state == "open"  # the use case is committed
    assert "delivering 2 message(s) failed" in caplog.text
    # The first message was handed over but could not be marked: it stays pending and
    # is delivered again, with the same id, by the next relay pass (at-least-once).
    first = notifier.delivered[0]
    assert {m.status for m in forum.outbox()} == {DeliveryStatus.PENDING}
    notifier.storage = FlakyStorage()  # stop breaking things
    report = forum.deliver_pending()
    assert report.sent == 2
    assert len(notifier.delivered) == 3
    assert first.id in {m.id for m in notifier.delivered[1:]}
    assert {m.status for m in forum.outbox()} == {DeliveryStatus.SENT}


# --------------------------------------------------------------------------- backoff


@given(
    base=st.integers(1, 600),
    cap=st.integers(1, 86_400),
    attempts=st.integers(1, 40),
    fraction=st.floats(0, 1, exclude_max=True),
)
def test_backoff_waits_a_fraction_of_a_doubling_capped_ceiling(
    base: int, cap: int, attempts: int, fraction: float
) -> None:
    policy = RetryPolicy(base=timedelta(seconds=base), cap=timedelta(seconds=cap))
    ceiling = policy.ceiling(attempts)
    assert ceiling == timedelta(seconds=min(cap, base * 2 ** (attempts - 1)))
    assert timedelta(0) <= policy.delay(attempts, fraction) <= ceiling


@attrs.define
class Refusing:
    """A notifier whose server is down until ``up`` is set."""

    up: bool = False
    tries: list[str] = attrs.field(factory=list)
    name: str = "refusing"

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        self.tries.append(message.id)
        if not self.up:
            raise StorageError(None, reason="server down")


def test_failed_messages_wait_for_their_backoff_and_the_waits_grow() -> None:
    notifier = Refusing()

    class Factory:
        name = "refusing"

        def create(self, context: AdapterContext, options: Mapping[str, Any]) -> Refusing:
            return notifier

    class Registration:
        @proforum.hookimpl
        def proforum_register_notifiers(self) -> list[Any]:
            return [Factory()]

    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(Registration())
    clock = proforum.ManualClock(T0)
    policy = RetryPolicy(base=timedelta(minutes=1), cap=timedelta(hours=1))
    forum = proforum.open(
        "memory://",
        plugin_manager=pm,
        clock=clock,
        notifier="refusing",
        max_delivery_attempts=6,
        retry_policy=policy,
    )
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    host = forum.register_member(real_name="박성과", job_function="marketing-pr")
    forum.join_community(host.id, community.id)
    forum.assign_role(operator.id, community.id, host.id, proforum.Role.HOST)
    meetup = forum.create_meetup(
        host.id,
        community.id,
        title="모임",
        topic="주제",
        starts_at=T0 + timedelta(days=9),
        ends_at=T0 + timedelta(days=9, hours=2),
        capacity=5,
        applications_open_at=T0,
        applications_close_at=T0 + timedelta(days=6),
    )
    forum.announce_meetup(host.id, meetup.id)  # 2 messages, both fail at once
    waits = []
    for attempt in range(1, 6):
        messages = list(forum.outbox())
        assert {m.attempts for m in messages} == {attempt}
        assert {m.last_error for m in messages} == {"storage.error"}
        for m in messages:
            assert m.next_attempt_at is not None
            wait = m.next_attempt_at - clock.now()
            assert timedelta(0) <= wait <= policy.ceiling(attempt)
        due = min(m.next_attempt_at for m in messages if m.next_attempt_at)
        # Nothing is tried before it is due...
        if due > clock.now():
            clock.set(due - timedelta(microseconds=1))
            tried = len(notifier.tries)
            forum.deliver_pending()
            early = [m for m in messages if m.next_attempt_at and m.next_attempt_at <= clock.now()]
            assert len(notifier.tries) - tried == len(early)
        # ...and everything is tried once the longest wait has passed.
        clock.set(max(m.next_attempt_at for m in messages if m.next_attempt_at))
        waits.append(policy.ceiling(attempt))
        forum.deliver_pending()
        if any(m.attempts == attempt for m in forum.outbox()):
            forum.deliver_pending()
    assert waits == sorted(waits)
    assert waits[0] < waits[-1]
    final = forum.outbox()
    assert {(m.status, m.attempts, m.next_attempt_at) for m in final} == {
        (DeliveryStatus.FAILED, 6, None)
    }


@pytest.mark.parametrize("deliver", ["immediately", "Manual", "", None])
def test_a_misspelt_delivery_mode_is_refused_not_taken_as_manual(deliver: object) -> None:
    with pytest.raises(InvalidInput):
        proforum.open("memory://", deliver=deliver)  # type: ignore[arg-type]
