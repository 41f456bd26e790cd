"""What each member wants to hear about, on which channel, and when reminders go out.

Members opt out of kinds of message per channel (the inbox, e-mail, a
webhook...).  Some messages concern a member too directly to be switched off:
:data:`MANDATORY_KINDS` are delivered on every channel whatever the member
chose, and trying to switch one off is an error, so a member never believes
they muted the news that their seat was taken away.

Reminders are planned, not sent by hand: :func:`reminder_times` gives the
moments before a meetup at which each seat holder is reminded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import attrs

from proforum.domain.common import MemberId
from proforum.domain.notification import MessageKind
from proforum.errors import InvalidInput, PreferenceLocked

#: Kinds every member gets on every channel: about their own seat, their own
#: offer, their meeting link, the meetup moving or being called off, and codes
#: they asked for.  Switching one off raises :class:`PreferenceLocked`.
MANDATORY_KINDS: frozenset[MessageKind] = frozenset(
    {
        MessageKind.SELECTED,
        MessageKind.WAITLISTED,
        MessageKind.PROMOTED,
        MessageKind.OFFER_MADE,
        MessageKind.OFFER_EXPIRING,
        MessageKind.SEAT_EXPIRED,
        MessageKind.MEETING_LINK,
        MessageKind.MEETUP_RESCHEDULED,
        MessageKind.MEETUP_CANCELLED,
        MessageKind.VERIFICATION_CODE,
    }
)

#: When seat holders are reminded by default: a day and an hour before the start.
DEFAULT_REMINDER_OFFSETS: tuple[timedelta, ...] = (timedelta(days=1), timedelta(hours=1))

#: The longest reminder offset accepted: reminders more than 30 days ahead help nobody.
MAX_REMINDER_OFFSET = timedelta(days=30)


@attrs.frozen
class NotificationPreference:
    """One member's choice for one kind of message on one channel.

    Only choices a member made are stored; every kind is on by default.
    """

    member_id: MemberId
    channel: str
    kind: MessageKind = attrs.field(converter=MessageKind)
    enabled: bool

    def __attrs_post_init__(self) -> None:
        if not self.enabled and self.kind in MANDATORY_KINDS:
            raise PreferenceLocked(self.kind.value, kind=self.kind.value)


def check_reminder_offsets(offsets: object) -> tuple[timedelta, ...]:
    """Return ``offsets`` sorted from the earliest reminder, without duplicates.

    :raises InvalidInput: not a sequence of positive ``timedelta`` values of at
        most :data:`MAX_REMINDER_OFFSET`.
    """
    if isinstance(offsets, (str, bytes)) or not isinstance(offsets, Iterable):
        raise InvalidInput(None)
    checked = []
    for offset in offsets:
        if not isinstance(offset, timedelta) or not timedelta(0) < offset <= MAX_REMINDER_OFFSET:
            raise InvalidInput(None)
        checked.append(offset)
    return tuple(sorted(set(checked), reverse=True))


def reminder_times(
    starts_at: datetime, offsets: Sequence[timedelta], now: datetime
) -> list[tuple[timedelta, datetime]]:
    """The reminders still to come for a meetup starting at ``starts_at``.

    One ``(offset, due time)`` per offset whose time has not passed at
    ``now``: a seat given an hour before the start gets the one-hour
    reminder only, never a late "tomorrow" reminder.
    """
    return [(offset, starts_at - offset) for offset in offsets if starts_at - offset > now]


def offset_label(offset: timedelta) -> str:
    """A stable text for an offset, stored with the reminder (``1d``, ``1h``, ``90m``)."""
    seconds = int(offset.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
