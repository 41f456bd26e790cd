"""Notifications: messages to members, written with the change that causes them."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Self

import attrs

from proforum.domain.common import MemberId, MessageId, optional_utc_validator, utc_validator
from proforum.errors import InvalidIdentifier


class MessageKind(enum.StrEnum):
    """What a message is about; each kind has a Korean and an English template."""

    MEETUP_ANNOUNCED = "meetup_announced"
    APPLICATION_RECEIVED = "application_received"
    LOTTERY_COMMITTED = "lottery_committed"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    OFFER_MADE = "offer_made"
    OFFER_EXPIRING = "offer_expiring"
    #: A seat or an offer lapsed unanswered and went to the next person.
    SEAT_EXPIRED = "seat_expired"
    MEETING_LINK = "meeting_link"
    REMINDER = "reminder"
    SURVEY_INVITATION = "survey_invitation"
    SURVEY_REMINDER = "survey_reminder"
    FOLLOW_UP_PROPOSED = "follow_up_proposed"
    MEETUP_RESCHEDULED = "meetup_rescheduled"
    MEETUP_CANCELLED = "meetup_cancelled"
    VERIFICATION_CODE = "verification_code"
    #: A moderator let the member into the community they asked to join.
    JOIN_APPROVED = "join_approved"
    #: A moderator turned the member's request to join down.
    JOIN_REFUSED = "join_refused"
    #: The author's post or comment is awaiting review by the moderators.
    CONTENT_HELD = "content_held"
    #: A moderator approved the author's held post or comment: it is shown now.
    CONTENT_APPROVED = "content_approved"
    #: A moderator removed the author's post or comment (held, or flagged and upheld).
    CONTENT_REMOVED = "content_removed"
    #: Flags hid the author's post or comment until a moderator decides.
    CONTENT_HIDDEN = "content_hidden"
    #: A moderator dismissed the flags: the author's post or comment is shown again.
    CONTENT_RESTORED = "content_restored"


#: The message parameter holding the e-mail address a message must go to
#: instead of the member's own: a code proving control of a company mailbox
#: must reach that mailbox and nowhere else.  Only notifiers that say
#: ``delivers_to_address = True`` (see :mod:`proforum.ports.notifier`) are
#: given such messages.
ADDRESS_PARAM = "to_address"

#: Parameters that are only needed until the message is delivered: a one-time
#: code and the address it goes to.  Once the message is no longer pending
#: (sent, withdrawn, given up) they are erased from the outbox
#: (:meth:`~proforum.ports.storage.MessageRepository.erase_secrets`), so the
#: code does not stay readable there.
ONE_TIME_PARAMS: frozenset[str] = frozenset({"code", ADDRESS_PARAM})


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
    #: Dead-lettered: every attempt failed, or the receiver refused it for good.
    FAILED = "failed"
    #: Withdrawn before delivery, such as a reminder for a meetup that was cancelled or moved.
    CANCELLED = "cancelled"


def _frozen_params(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(sorted(value.items()))


#: The longest name a relay may claim messages under.
MAX_CLAIMER_LENGTH = 128


def _optional_claimer(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Attrs validator: ``None`` or a printable name of 1 to 128 characters."""
    if value is None:
        return
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= MAX_CLAIMER_LENGTH
        or not value.isprintable()
    ):
        raise InvalidIdentifier(value, field=attribute.name)


@attrs.frozen
class Message:
    """One message to one member through one notifier (``channel``).

    ``params`` fill the template and may hold the meeting link, so they are
    left out of ``repr()``.  ``id`` is stable across retries: receivers use it
    to drop duplicates.

    ``claimed_by`` and ``claimed_until`` are the relay's lease on a pending
    message (:meth:`~proforum.ports.storage.MessageRepository.claim`): while
    ``claimed_until`` lies in the future, no other relay picks the message up.
    Both are ``None`` for a message nobody is delivering right now.
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
    #: The relay delivering it right now (see :meth:`claimed`); ``None``: nobody.
    claimed_by: str | None = attrs.field(default=None, validator=_optional_claimer, repr=False)
    #: When that relay's lease runs out and another relay may take the message over.
    claimed_until: datetime | None = attrs.field(
        default=None, validator=optional_utc_validator, repr=False
    )
    #: What the message is about (a meetup's id for reminders), so that messages
    #: still pending can be withdrawn when it changes; ``None`` for most messages.
    subject: str | None = None

    def __attrs_post_init__(self) -> None:
        # A lease has an owner and an end, or neither.
        if (self.claimed_by is None) != (self.claimed_until is None):
            raise InvalidIdentifier(self.claimed_by, field="claimed_by")

    def sent(self, now: datetime) -> Self:
        """Record a successful delivery; the claim is released."""
        return attrs.evolve(
            self,
            status=DeliveryStatus.SENT,
            attempts=self.attempts + 1,
            sent_at=now,
            last_error=None,
            next_attempt_at=None,
            claimed_by=None,
            claimed_until=None,
        )

    @property
    def one_time(self) -> bool:
        """Tell whether the message carries :data:`ONE_TIME_PARAMS` (a code, an address)."""
        return not ONE_TIME_PARAMS.isdisjoint(self.params)

    def failed(self, error: str, *, give_up: bool, retry_at: datetime | None = None) -> Self:
        """Record a failed attempt: retry no earlier than ``retry_at``, or give up for good.

        The claim is released either way.  A :attr:`one_time` message given
        up is withdrawn (``cancelled``) rather than dead-lettered: its code
        has expired by the time anyone could retry it, and the member asks
        for a new one instead.
        """
        if give_up:
            status = DeliveryStatus.CANCELLED if self.one_time else DeliveryStatus.FAILED
        else:
            status = DeliveryStatus.PENDING
        return attrs.evolve(
            self,
            status=status,
            attempts=self.attempts + 1,
            last_error=error[:500],
            next_attempt_at=None if give_up else retry_at,
            claimed_by=None,
            claimed_until=None,
        )

    def claimed(self, claimer: str, until: datetime) -> Self:
        """Return the message leased to the relay ``claimer`` until ``until``."""
        return attrs.evolve(self, claimed_by=claimer, claimed_until=until)

    def requeued(self) -> Self:
        """Return a dead-lettered message pending again, with its attempts reset.

        ``last_error`` is kept, to show why it had failed, until the next attempt.
        """
        return attrs.evolve(
            self,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=None,
            claimed_by=None,
            claimed_until=None,
        )

    def held(self, now: datetime) -> bool:
        """Tell whether a relay's lease on this message is still running at ``now``."""
        return self.claimed_until is not None and self.claimed_until > now

    def due(self, now: datetime) -> bool:
        """Tell whether a relay should try this message at ``now``.

        It must be pending, past its backoff, and not leased to another relay.
        """
        return (
            self.status is DeliveryStatus.PENDING
            and (self.next_attempt_at is None or self.next_attempt_at <= now)
            and not self.held(now)
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
