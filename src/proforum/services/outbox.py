"""Operating the outbox: relay passes, a long-running relay, and dead letters.

These calls are for the people and processes that run a forum (a worker,
a cron job, an operator's console), not for members: none of them takes an
acting member or checks a role, so a host application must never expose them
to members (for example behind a web route).

Delivery is **at least once**: a relay that dies after a notifier accepted a
message but before the relay recorded it leaves the message claimed until
its lease runs out; then another relay sends it again, with the same
``message.id``.  Receivers drop duplicates by that id.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import Protocol

import attrs

from proforum.domain.common import MessageId, check_id
from proforum.domain.notification import DeliveryStatus, Message
from proforum.errors import (
    IllegalTransition,
    InvalidDeliverySetting,
    InvalidInput,
    NotFound,
    StorageError,
)
from proforum.ports.storage import MessageRepository
from proforum.services.base import DEFAULT_LEASE, DeliveryReport, ForumBase

log = logging.getLogger("proforum")

#: The shortest and the longest lease a relay may take on the messages it claims.
MIN_LEASE = timedelta(seconds=1)
MAX_LEASE = timedelta(days=1)
#: The most dead letters one call lists.
MAX_DEAD_LETTERS = 1000


class StopSignal(Protocol):
    """What :meth:`OutboxUseCases.run_relay` watches to stop: a ``threading.Event`` or alike."""

    def is_set(self) -> bool:
        """Tell whether the relay should stop."""

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep up to ``timeout`` seconds, waking early when the signal is set."""


def _check_limit(limit: object, maximum: int | None = None) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput(limit)
    if maximum is not None and limit > maximum:
        raise InvalidInput(limit)
    return limit


def _check_lease(lease: object) -> timedelta:
    if not isinstance(lease, timedelta) or not MIN_LEASE <= lease <= MAX_LEASE:
        raise InvalidDeliverySetting(
            lease,
            field="lease",
            rule_ko="1초에서 1일 사이의 timedelta여야 합니다",
            rule_en="it must be a timedelta from 1 second to 1 day",
        )
    return lease


def _add(total: DeliveryReport, report: DeliveryReport) -> DeliveryReport:
    return attrs.evolve(
        total,
        sent=total.sent + report.sent,
        retrying=total.retrying + report.retrying,
        failed=total.failed + report.failed,
    )


class OutboxUseCases(ForumBase):
    """Relaying the outbox through the notifiers, and handling dead letters (operators only)."""

    def deliver_pending(
        self, *, limit: int = 1000, lease: timedelta = DEFAULT_LEASE
    ) -> DeliveryReport:
        """Deliver up to ``limit`` due messages through their notifiers: one relay pass.

        Forums opened with ``deliver="manual"`` call this from a worker (or
        :meth:`run_relay`); by default every use case delivers its own
        messages right after commit, and this call only retries those that
        failed.  Several processes may call it on one database at once: each
        message is claimed by one pass only, for ``lease``
        (:data:`~proforum.services.base.DEFAULT_LEASE`, 5 minutes, by
        default).  Choose a lease longer than delivering ``limit`` messages
        can take: a message still undelivered when its lease runs out is left
        for another relay, and one delivered but not yet recorded by then may
        be sent twice.  For operators and workers, not members.

        :raises InvalidInput: ``limit`` is not a whole number of at least 1.
        :raises InvalidDeliverySetting: ``lease`` is not a timedelta from 1
            second to 1 day.
        """
        limit = _check_limit(limit)
        lease = _check_lease(lease)
        return self._relay(None, limit, lease)

    def run_relay(
        self,
        *,
        stop: StopSignal | None = None,
        max_passes: int | None = None,
        idle_sleep: float = 1.0,
        limit: int = 100,
        lease: timedelta = DEFAULT_LEASE,
    ) -> DeliveryReport:
        """Run relay passes until ``stop`` is set or ``max_passes`` passes are done.

        The long-running worker of a forum opened with ``deliver="manual"``.
        Each pass is :meth:`deliver_pending` with ``limit`` and ``lease``.  A
        pass that claimed a full ``limit`` is followed at once by the next;
        otherwise the relay sleeps ``idle_sleep`` seconds (waking early when
        ``stop`` is set), so an empty outbox is not polled in a tight loop.
        ``stop`` is checked between passes: a pass that has begun finishes
        and records every message it claimed.  With neither ``stop`` nor
        ``max_passes`` it runs until the process is interrupted.

        A pass that fails on a storage error (the database restarting, a
        transient conflict) is logged and the relay carries on after the
        pause; any other exception ends it.  Several relays may run on one
        database: claims keep them from sending the same message at once.
        For operators and workers, not members.

        :return: the sum of every pass's report.
        :raises InvalidInput: ``limit`` is not a whole number of at least 1.
        :raises InvalidDeliverySetting: ``lease``, ``idle_sleep`` or
            ``max_passes`` is out of range.
        """
        limit = _check_limit(limit)
        lease = _check_lease(lease)
        if (
            isinstance(idle_sleep, bool)
            or not isinstance(idle_sleep, int | float)
            or not math.isfinite(idle_sleep)
            or not 0 <= idle_sleep <= 3600
        ):
            raise InvalidDeliverySetting(
                idle_sleep,
                field="idle_sleep",
                rule_ko="0초에서 3600초 사이의 수여야 합니다",
                rule_en="it must be a number of seconds from 0 to 3600",
            )
        if max_passes is not None and (
            isinstance(max_passes, bool) or not isinstance(max_passes, int) or max_passes < 1
        ):
            raise InvalidDeliverySetting(
                max_passes,
                field="max_passes",
                rule_ko="1 이상의 정수이거나 None이어야 합니다",
                rule_en="it must be a whole number of at least 1, or None",
            )
        total = DeliveryReport()
        passes = 0
        while stop is None or not stop.is_set():
            claimed = 0
            try:
                report, claimed = self._relay_pass(None, limit, lease)
                total = _add(total, report)
            except StorageError as exc:
                log.warning("a relay pass failed: %s; trying again after a pause", exc.code)
            passes += 1
            if max_passes is not None and passes >= max_passes:
                break
            if claimed >= limit:
                continue  # a full pass: more messages are probably due
            if stop is not None:
                stop.wait(idle_sleep)
            else:
                time.sleep(idle_sleep)
        return total

    def outbox(self) -> Sequence[Message]:
        """Every message ever written, oldest first (for operators and tests)."""
        with self._transaction() as tx:
            return tx.uow.messages.all()

    def dead_letters(
        self, *, limit: int = 50, before_id: MessageId | None = None
    ) -> Sequence[Message]:
        """Messages that failed for good (dead letters), newest first.

        To see more, pass the id of the last message of a page as
        ``before_id``.  Each message keeps its ``attempts`` and
        ``last_error`` (the kind of failure, never its text).  For operators,
        not members: messages hold other members' links and data.

        :raises InvalidInput: ``limit`` is not a whole number from 1 to 1000.
        :raises InvalidIdentifier: ``before_id`` is malformed.
        :raises NotFound: no message has the id ``before_id``.
        """
        limit = _check_limit(limit, MAX_DEAD_LETTERS)
        if before_id is not None:
            before_id = MessageId(check_id("before_id", before_id))
        with self._transaction() as tx:
            before = None
            if before_id is not None:
                anchor = tx.uow.messages.get(before_id)
                if anchor is None:
                    raise NotFound(before_id, entity="message")
                before = (anchor.created_at, anchor.id)
            return tx.uow.messages.dead(limit, before)

    def retry_dead_letter(self, message_id: MessageId) -> Message:
        """Put one failed message back in the outbox: pending, attempts reset to 0.

        The next relay pass delivers it (with immediate delivery too: nothing
        is sent by this call).  ``last_error`` keeps the reason it had failed
        until the next attempt.  For operators, not members.

        :raises InvalidIdentifier: ``message_id`` is malformed.
        :raises NotFound: no such message.
        :raises IllegalTransition: the message is not failed (pending, sent
            or cancelled).
        """
        message_id = MessageId(check_id("message_id", message_id))
        with self._transaction() as tx:
            (message,) = _failed(tx.uow.messages, [message_id])
            tx.uow.messages.requeue([message_id])
        return message.requeued()

    def retry_dead_letters(self, message_ids: Collection[MessageId] | None = None) -> int:
        """Put failed messages back in the outbox, attempts reset; return how many.

        :param message_ids: these messages, all of which must be failed: one
            that is not, or does not exist, stops the call before anything
            changes.  ``None`` (the default) takes every failed message, in
            one statement whatever their number.

        Fix what made them fail first (a wrong password, a mail server that
        was down) or they fail again after another ``max_delivery_attempts``
        attempts.  For operators, not members.

        :raises InvalidIdentifier: an id is malformed.
        :raises NotFound: no message has one of the ids.
        :raises IllegalTransition: one of the messages is not failed.
        """
        ids = None
        if message_ids is not None:
            if isinstance(message_ids, str) or not isinstance(message_ids, Collection):
                raise InvalidInput(message_ids)
            ids = sorted({MessageId(check_id("message_id", m)) for m in message_ids})
        with self._transaction() as tx:
            if ids is not None:
                _failed(tx.uow.messages, ids)
            return tx.uow.messages.requeue(ids)


def _failed(messages: MessageRepository, ids: Sequence[MessageId]) -> list[Message]:
    """The messages ``ids``, each of which must exist and be failed."""
    found = []
    for message_id in ids:
        message = messages.get(message_id)
        if message is None:
            raise NotFound(message_id, entity="message")
        if message.status is not DeliveryStatus.FAILED:
            raise IllegalTransition(
                message_id,
                entity="message",
                source=message.status.value,
                target=DeliveryStatus.PENDING.value,
            )
        found.append(message)
    return found
