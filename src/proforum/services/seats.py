"""Seats after the draw: confirming, declining, offers from the waitlist, deadlines.

A seat is *taken* by a selected, confirmed or attending participant, and by
an open offer: an offer reserves the seat it offers until it is answered or
lapses, so one vacancy is never offered to two people.  Every change happens
with the meetup locked, so concurrent declines take turns and each vacancy
goes to the one person then first in line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from proforum.domain.common import MeetupId, MemberId
from proforum.domain.lottery import Entrant, seat_allowed
from proforum.domain.meetup import Application, ApplicationState, Meetup, MeetupState
from proforum.domain.notification import MessageKind
from proforum.domain.participation import ParticipationRecord
from proforum.errors import (
    IllegalTransition,
    NotFound,
    OfferExpired,
    PermissionDenied,
    ProforumError,
    TooLate,
)
from proforum.services.base import Tx
from proforum.services.meetups import MeetupUseCases, meetup_params
from proforum.services.reminders import plan_reminders, withdraw_reminders
from proforum.services.retry import retry_transient
from proforum.services.video_links import VideoLinks, log

#: How long before an offer lapses its holder is reminded (at most half its time).
OFFER_WARNING = timedelta(hours=1)

#: Meetup states in which an open offer (made for a follow-up before its draw) may be answered.
_OFFER_ANSWERABLE = frozenset(
    {MeetupState.DRAFT, MeetupState.OPEN, MeetupState.CLOSED, MeetupState.DRAWN}
)


@attrs.frozen
class DeadlineReport:
    """What one pass over the seat deadlines did."""

    #: Offers and unconfirmed selections that lapsed.
    expired: int = 0
    #: Seats offered to the waitlist in their place.
    offered: int = 0
    #: Personal video links the provider confirmed revoked.
    revoked: int = 0


def offer_params(meetup: Meetup, expires_at: datetime) -> dict[str, str]:
    """Template parameters of the offer messages."""
    return meetup_params(meetup) | {"offer_expires_at": expires_at.isoformat()}


class SeatUseCases(VideoLinks):
    """Confirming and declining seats, waitlist offers, capacity and deadlines."""

    def _deliver_personal_links(self, meetup_id: MeetupId, members: Sequence[MemberId]) -> None:
        """Register ``members`` with the provider and send them their own links.

        Called after a use case committed a seat: a provider that fails is
        logged, and the host's next ``send_meeting_links`` sends what is missing.
        """
        try:
            self._register(meetup_id, members)
            with self._transaction() as tx:
                meetup = tx.meetup(meetup_id, for_update=True)
                registered = self._active_registrations(tx, meetup)
                holders = {
                    a.member_id
                    for a in tx.uow.applications.for_meetup(meetup_id)
                    if a.holds_seat and a.member_id in registered
                }
                self._send_links(tx, meetup, [m for m in members if m in holders], registered)
        except ProforumError as exc:
            log.warning("sending personal links for meetup %s failed: %s", meetup_id, exc.code)

    # -- answering a seat -----------------------------------------------------

    @retry_transient
    def confirm(self, actor: MemberId, meetup_id: MeetupId) -> Application:
        """Confirm a seat (참석 확정): a selected one, or one offered from the waitlist.

        Confirming an offer makes the seat the actor's: they are told, their
        reminders are planned, and they get the meeting link if links went out.

        :raises IllegalTransition: the actor holds no seat or offer, or the
            meetup was cancelled.
        :raises OfferExpired: the offer, or the confirmation deadline, has passed.
        :raises TooLate: the meetup has started.
        """
        personal_link = False
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            application = MeetupUseCases._own_application(tx, meetup_id, actor)
            self._check_answerable(tx, meetup, application, "confirmed")
            if application.offer_lapsed_at(tx.now) or (
                application.state is ApplicationState.SELECTED
                and meetup.confirmation_overdue_at(tx.now)
            ):
                raise OfferExpired(meetup_id)
            confirmed = application.move_to(ApplicationState.CONFIRMED, tx.now)
            tx.uow.applications.update(confirmed)
            if application.state is ApplicationState.OFFERED:
                self._withdraw_offer_warning(tx, meetup, [actor])
                tx.notify(actor, MessageKind.PROMOTED, **meetup_params(meetup))
                plan_reminders(tx, meetup, [actor], self._reminder_offsets)
                if meetup.links_sent_at is not None and meetup.meeting is not None:
                    if self._registering(meetup.meeting) is None:
                        self._send_links(tx, meetup, [actor], {})
                    else:
                        personal_link = True
        if personal_link:
            self._deliver_personal_links(meetup_id, [actor])
        return confirmed

    @retry_transient
    def decline(self, actor: MemberId, meetup_id: MeetupId) -> Application:
        """Give up a seat or an offer, or leave the waitlist.

        A freed seat is offered at once to the first person on the waitlist the
        lottery's cap and quotas allow; the offer lapses after the meetup's
        ``seat_rules.offer_ttl``, then goes to the next.

        :raises IllegalTransition: the actor holds no seat, offer or waitlist
            place, or the meetup was cancelled.
        :raises TooLate: the meetup has started.
        """
        revoking = 0
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            application = MeetupUseCases._own_application(tx, meetup_id, actor)
            self._check_answerable(tx, meetup, application, "declined")
            declined = application.move_to(ApplicationState.DECLINED, tx.now)
            tx.uow.applications.update(declined)
            if application.takes_seat:
                withdraw_reminders(tx, meetup, [actor])
                self._withdraw_offer_warning(tx, meetup, [actor])
                revoking = self._ask_revocation(tx, meetup, [actor])
                self._fill_vacancies(tx, meetup)
        if revoking:
            self._send_revocations(meetup_id)
        return declined

    @staticmethod
    def _check_answerable(tx: Tx, meetup: Meetup, application: Application, target: str) -> None:
        if tx.now >= meetup.starts_at:
            raise TooLate(meetup.id)
        # Seats change hands between the draw and the start; only an offer made
        # before the draw (to those who asked for a follow-up) is answered earlier.
        allowed = (
            _OFFER_ANSWERABLE
            if application.state is ApplicationState.OFFERED
            else frozenset({MeetupState.DRAWN})
        )
        if meetup.state not in allowed:
            raise IllegalTransition(
                meetup.id, entity="meetup", source=meetup.state.value, target=target
            )

    # -- offers ---------------------------------------------------------------

    def _fill_vacancies(self, tx: Tx, meetup: Meetup) -> list[MemberId]:
        """Offer every free seat to the next eligible waitlisted people; return them."""
        if meetup.state is not MeetupState.DRAWN or tx.now >= meetup.starts_at:
            return []
        applications = tx.uow.applications.for_meetup(meetup.id)
        taking = [a for a in applications if a.takes_seat]
        free = meetup.capacity - len(taking)
        draw = tx.uow.draws.get(meetup.id)
        if free <= 0 or draw is None:
            return []
        entrants = {e.id: e for e in draw.entrants}
        holders = [entrants.get(a.member_id) or Entrant(id=a.member_id) for a in taking]
        by_member = {a.member_id: a for a in applications}
        expires_at = min(tx.now + meetup.seat_rules.offer_ttl, meetup.starts_at)
        offered: list[Application] = []
        for member_id in draw.waitlist:
            if len(offered) == free:
                break
            waiting = by_member.get(member_id)
            if waiting is None or waiting.state is not ApplicationState.WAITLISTED:
                continue
            candidate = entrants.get(member_id) or Entrant(id=member_id)
            # The cap and the quotas' maximums hold for offers as for the draw.
            if not seat_allowed(candidate, holders, draw.constraints):
                continue
            offered.append(
                attrs.evolve(
                    waiting.offer(tx.now, meetup.seat_rules.offer_ttl), offer_expires_at=expires_at
                )
            )
            holders.append(candidate)
        if not offered:
            return []
        tx.uow.applications.update_many(offered)
        members = [a.member_id for a in offered]
        params = offer_params(meetup, expires_at)
        tx.notify_many(members, MessageKind.OFFER_MADE, **params)
        warning = expires_at - min(OFFER_WARNING, meetup.seat_rules.offer_ttl / 2)
        if warning > tx.now:
            tx.write_messages(
                members, MessageKind.OFFER_EXPIRING, params, subject=meetup.id, not_before=warning
            )
        return members

    @staticmethod
    def _withdraw_offer_warning(tx: Tx, meetup: Meetup, members: Sequence[MemberId]) -> None:
        tx.uow.messages.withdraw(meetup.id, MessageKind.OFFER_EXPIRING, set(members), tx.now)

    def _expire_lapsed(self, tx: Tx, meetup: Meetup) -> int:
        """Expire lapsed offers and, past the deadline, unconfirmed selections."""
        overdue = meetup.state is MeetupState.DRAWN and meetup.confirmation_overdue_at(tx.now)
        lapsed = [
            a
            for a in tx.uow.applications.for_meetup(meetup.id)
            if a.offer_lapsed_at(tx.now)
            or (overdue and a.state is ApplicationState.SELECTED and tx.now < meetup.starts_at)
        ]
        if not lapsed:
            return 0
        tx.uow.applications.update_many(
            [a.move_to(ApplicationState.EXPIRED, tx.now) for a in lapsed]
        )
        members = [a.member_id for a in lapsed]
        withdraw_reminders(tx, meetup, members)
        self._ask_revocation(tx, meetup, members)
        self._withdraw_offer_warning(tx, meetup, members)
        if tx.now < meetup.starts_at and meetup.state is not MeetupState.CANCELLED:
            tx.notify_many(members, MessageKind.SEAT_EXPIRED, **meetup_params(meetup))
        return len(lapsed)

    @retry_transient
    def process_deadlines(self) -> DeadlineReport:
        """Expire lapsed offers and unconfirmed seats, and offer the seats to the waitlist.

        A job for a scheduler (``proforum meetups deadlines``), like the outbox
        relay: it acts for the forum, not for a member.  Each meetup is handled
        in its own transaction with the meetup locked; running it twice, or
        from two workers, does nothing more than once.
        """
        with self._transaction() as tx:
            due = sorted(
                set(tx.uow.applications.lapsed_offers(tx.now))
                | set(tx.uow.meetups.confirmation_due(tx.now))
            )
        expired = offered = 0
        for meetup_id in due:
            with self._transaction() as tx:
                meetup = tx.meetup(meetup_id, for_update=True)
                expired += self._expire_lapsed(tx, meetup)
                offered += len(self._fill_vacancies(tx, meetup))
        # Links of lapsed seats, and revocations that failed before.
        revoked = self._send_revocations()
        return DeadlineReport(expired=expired, offered=offered, revoked=revoked)

    # -- capacity -------------------------------------------------------------

    @retry_transient
    def change_capacity(self, actor: MemberId, meetup_id: MeetupId, capacity: int) -> Meetup:
        """Change how many seats a meetup has; the host and operators only.

        Before applications close any capacity goes.  Once the lottery is
        committed the seats it draws are fixed until the draw; after it, new
        seats are offered to the waitlist at once, and the capacity cannot go
        below the seats already taken.

        :raises InvalidCapacity: below 1 or above the maximum.
        :raises CapacityBelowCommitted: fewer seats than people holding one.
        :raises IllegalTransition: between the close and the draw, or after the end.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(meetup, actor)
            taken = sum(1 for a in tx.uow.applications.for_meetup(meetup_id) if a.takes_seat)
            resized = meetup.with_capacity(capacity, seats_taken=taken)
            if resized == meetup:
                return meetup
            tx.uow.meetups.update(resized)
            self._fill_vacancies(tx, resized)
        return resized

    # -- records --------------------------------------------------------------

    def participation(
        self, actor: MemberId, member_id: MemberId, *, meetup_id: MeetupId | None = None
    ) -> ParticipationRecord:
        """Return a member's record across meetups (applied, selected, attended, no-shows).

        Members see their own.  The host or an operator sees the record of
        someone who applied to a meetup they organise, named by ``meetup_id``.

        :raises PermissionDenied: anyone else.
        """
        with self._transaction() as tx:
            tx.member(actor)
            tx.member(member_id)
            if actor != member_id:
                if meetup_id is None:
                    raise PermissionDenied(member_id)
                meetup = tx.meetup(meetup_id)
                tx.require_organiser(meetup, actor)
                if tx.uow.applications.get(meetup_id, member_id) is None:
                    raise NotFound(meetup_id, entity="application")
            return tx.uow.applications.records([member_id])[member_id]
