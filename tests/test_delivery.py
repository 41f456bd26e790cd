"""Messages leave the outbox after commit, and a delivery failure never undoes a use case."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs
import pytest

import proforum
from forum_world import T0
from proforum.adapters.memory import MemoryStorage, MemoryUnitOfWork
from proforum.domain.identity import Member
from proforum.domain.notification import DeliveryStatus, Message
from proforum.errors import StorageError
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
