"""Reminders planned in the outbox: written ahead, delivered when due, withdrawn when moot.

A seat holder's reminders are outbox messages written the moment they get
their seat, each due at one of the forum's reminder offsets before the start
(``next_attempt_at``), and tagged with the meetup as their ``subject``.  The
relay leaves a message alone until it is due, and a message is sent once —
so a restarted worker never reminds anybody twice.  When a seat is given up,
or the meetup is moved or called off, the reminders still pending are
withdrawn (``cancelled``) in the same transaction, and planned again for the
new time if the meetup moved.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta

from proforum.domain.common import MemberId
from proforum.domain.meetup import Meetup
from proforum.domain.notification import MessageKind
from proforum.domain.preferences import offset_label, reminder_times
from proforum.services.base import Tx


def plan_reminders(
    tx: Tx, meetup: Meetup, members: Collection[MemberId], offsets: Sequence[timedelta]
) -> int:
    """Write the reminders still to come for ``members`` about ``meetup``; return how many."""
    if not members:
        return 0
    written = 0
    # Imported here: the meetup use cases import this module.
    from proforum.services.meetups import meetup_params

    params = meetup_params(meetup)
    for offset, due in reminder_times(meetup.starts_at, offsets, tx.now):
        written += len(
            tx.write_messages(
                sorted(members),
                MessageKind.REMINDER,
                params | {"reminder": offset_label(offset)},
                subject=meetup.id,
                not_before=due,
            )
        )
    return written


def withdraw_reminders(tx: Tx, meetup: Meetup, members: Collection[MemberId] | None = None) -> int:
    """Withdraw the pending reminders about ``meetup`` (for ``members``, or everyone)."""
    return tx.uow.messages.withdraw(
        meetup.id, MessageKind.REMINDER, None if members is None else set(members), tx.now
    )
