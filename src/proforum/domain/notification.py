"""Notifications: messages to members, written with the change that causes them."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Self

import attrs

from proforum.domain.common import MemberId, MessageId, optional_utc_validator, utc_validator


class MessageKind(enum.StrEnum):
    """What a message is about; each kind has a Korean and an English template."""

    MEETUP_ANNOUNCED = "meetup_announced"
    APPLICATION_RECEIVED = "application_received"
    LOTTERY_COMMITTED = "lottery_committed"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    MEETING_LINK = "meeting_link"
    REMINDER = "reminder"
    SURVEY_INVITATION = "survey_invitation"
    SURVEY_REMINDER = "survey_reminder"
    FOLLOW_UP_PROPOSED = "follow_up_proposed"
    MEETUP_CANCELLED = "meetup_cancelled"


@attrs.frozen
class RetryPolicy:
    """How the relay spaces out attempts: exponential backoff with full jitter.

    After the ``n``-th failed attempt (``n`` from 1) the next one waits a random
    time between 0 and ``min(cap, base * 2 ** (n - 1))``.  Full jitter keeps many
    failing messages from retrying in step against a server that is already down.
    """

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=6)

    def ceiling(self, attempts: int) -> timedelta:
        """The longest wait after ``attempts`` failed attempts."""
        # Compared as numbers first: base * 2**n soon exceeds what timedelta holds.
        doubled = self.base.total_seconds() * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(self.cap.total_seconds(), doubled))

    def delay(self, attempts: int, fraction: float) -> timedelta:
        """The wait after ``attempts`` failures, for a random ``fraction`` in [0, 1)."""
        return self.ceiling(attempts) * fraction


class DeliveryStatus(enum.StrEnum):
    """Where a message is on its way to the member."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


def _frozen_params(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(sorted(value.items()))


@attrs.frozen
class Message:
    """One message to one member through one notifier (``channel``).

    ``params`` fill the template and may hold the meeting link, so they are
    left out of ``repr()``.  ``id`` is stable across retries: receivers use it
    to drop duplicates.
    """

    id: MessageId
    recipient_id: MemberId
    kind: MessageKind = attrs.field(converter=MessageKind)
    channel: str
    created_at: datetime = attrs.field(validator=utc_validator)
    params: Mapping[str, str] = attrs.field(
        factory=dict, converter=_frozen_params, repr=False, eq=True
    )
    status: DeliveryStatus = attrs.field(default=DeliveryStatus.PENDING, converter=DeliveryStatus)
    attempts: int = 0
    sent_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)
    last_error: str | None = None
    #: Not delivered before this time (backoff after a failed attempt); ``None``: now.
    next_attempt_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)

    def sent(self, now: datetime) -> Self:
        """Record a successful delivery."""
        return attrs.evolve(
            self,
            status=DeliveryStatus.SENT,
            attempts=self.attempts + 1,
            sent_at=now,
            last_error=None,
            next_attempt_at=None,
        )

    def failed(self, error: str, *, give_up: bool, retry_at: datetime | None = None) -> Self:
        """Record a failed attempt: retry no earlier than ``retry_at``, or give up for good."""
        return attrs.evolve(
            self,
            status=DeliveryStatus.FAILED if give_up else DeliveryStatus.PENDING,
            attempts=self.attempts + 1,
            last_error=error[:500],
            next_attempt_at=None if give_up else retry_at,
        )

    def due(self, now: datetime) -> bool:
        """Tell whether the relay should try this message at ``now``."""
        return self.status is DeliveryStatus.PENDING and (
            self.next_attempt_at is None or self.next_attempt_at <= now
        )


@attrs.frozen
class InboxItem:
    """A message as it sits in a member's in-app inbox."""

    message_id: MessageId
    recipient_id: MemberId
    kind: MessageKind = attrs.field(converter=MessageKind)
    delivered_at: datetime = attrs.field(validator=utc_validator)
    params: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_params, repr=False)
    read_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)
