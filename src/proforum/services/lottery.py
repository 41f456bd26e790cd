"""Use cases of the lottery: commit when applications close, then draw."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from proforum.domain.common import MeetupId, MemberId
from proforum.domain.events import DrawDone
from proforum.domain.lottery import Beacon, Commitment, Draw
from proforum.domain.meetup import ApplicationState, MeetupState, require_transition
from proforum.domain.notification import MessageKind
from proforum.errors import (
    AlreadyDrawn,
    AlreadyExists,
    ApplicationsStillOpen,
    IllegalTransition,
    NotFound,
    ProforumError,
)
from proforum.ports.storage import UnitOfWork
from proforum.services.base import ForumBase
from proforum.services.lottery_entrants import build_entrants
from proforum.services.meetups import meetup_params
from proforum.services.reminders import plan_reminders
from proforum.services.retry import retry_transient

SEED_BYTES = 32


class LotteryUseCases(ForumBase):
    """Closing applications with a commitment, drawing, and publishing the record."""

    @retry_transient
    def close_applications(
        self, actor: MemberId, meetup_id: MeetupId, *, beacon: Beacon | None = None
    ) -> Commitment:
        """Freeze the applicants and commit to the lottery before anyone can know its result.

        The commitment covers the sorted applicants with their weights (from
        the ``proforum_lottery_weight`` hook), company labels and attributes,
        the meetup's constraints, the number of seats, and the SHA-256 of a
        fresh 32-byte seed from the forum's seed source: the caller cannot
        choose the seed.  It is stored and sent to every applicant.

        :param beacon: a future round of public randomness (drand) to mix into
            the seed at the draw, so that not even the operator could know the
            result in advance; its round must come after now.
        :raises RoleRequired: the actor is neither the host nor an operator.
        :raises ApplicationsStillOpen: the application window has not closed yet.
        :raises IllegalTransition: the meetup is not open for applications.
        :raises NoApplicants: nobody applied.
        :raises QuotaInfeasible: the constraints cannot be met by these applicants.
        :raises InvalidWeight: a weight policy returned an unusable weight.
        :raises InvalidBeacon: the beacon round is not in the future.
        """
        raw_seed = self._seeds.seed(SEED_BYTES)
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(meetup, actor)
            if meetup.state is MeetupState.OPEN and tx.now < meetup.applications_close_at:
                raise ApplicationsStillOpen(meetup_id)
            closed = meetup.close_applications()
            applications = tx.uow.applications.for_meetup(meetup_id)
            applicants = [a.member_id for a in applications if a.state is ApplicationState.APPLIED]
            # Seats already taken (offers made to those who asked for a
            # follow-up) are not drawn again.
            taken = sum(1 for a in applications if a.takes_seat)
            entrants = build_entrants(
                meetup,
                applicants,
                tx.uow.members.get_many(applicants),
                tx.uow.applications.records(applicants),
                self._pm,
            )
            commitment = Commitment.make(
                meetup_id=meetup_id,
                seats=meetup.capacity - taken,
                entrants=entrants,
                constraints=meetup.lottery,
                seed=raw_seed,
                committed_at=tx.now,
                beacon=beacon,
            )
            tx.uow.meetups.update(closed)
            tx.uow.commitments.add(commitment)
            params = meetup_params(meetup) | {
                "commitment": commitment.digest,
                "applicants": str(len(commitment.entrants)),
                "seats": str(commitment.seats),
            }
            tx.notify_many(list(commitment.applicants), MessageKind.LOTTERY_COMMITTED, **params)
        return commitment

    @retry_transient
    def draw(
        self, actor: MemberId, meetup_id: MeetupId, *, beacon_randomness: bytes | None = None
    ) -> Draw:
        """Reveal the committed seed and draw; the ranked walk fills the seats.

        Everyone else is waitlisted in draw order and told their position.
        The applications change state in two statements and the messages are
        written in one per kind, whatever the number of applicants.

        :param beacon_randomness: the randomness of the committed beacon round,
            required when the commitment named one.
        :raises RoleRequired: only the meetup's host or an operator draws.
        :raises AlreadyDrawn: the draw has happened; it is never re-run.
        :raises IllegalTransition: applications have not been closed.
        :raises BeaconRequired: the commitment named a beacon round and its
            randomness was not given.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(meetup, actor)
            if tx.uow.draws.get(meetup_id) is not None:
                raise AlreadyDrawn(meetup_id)
            commitment = tx.uow.commitments.get(meetup_id)
            if commitment is None or meetup.state is not MeetupState.CLOSED:
                raise IllegalTransition(
                    meetup_id, entity="meetup", source=meetup.state.value, target="drawn"
                )
            draw = Draw.run(commitment, tx.now, beacon_randomness=beacon_randomness)
            drawn = meetup.mark_drawn()
            tx.uow.meetups.update(drawn)
            try:
                tx.uow.draws.add(draw)
            except AlreadyExists:
                # The unique key caught what the check above missed (a
                # backend without the meetup lock): the same answer.
                raise AlreadyDrawn(meetup_id) from None
            _move_entrants(tx.uow, draw, tx.now)
            params = meetup_params(meetup)
            tx.notify_many(draw.selected, MessageKind.SELECTED, **params)
            plan_reminders(tx, drawn, draw.selected, self._reminder_offsets)
            tx.notify_each(
                MessageKind.WAITLISTED,
                [
                    (member_id, params | {"position": str(position)})
                    for position, member_id in enumerate(draw.waitlist, 1)
                ],
            )
            tx.events.append(DrawDone(drawn, draw))
        return draw

    def commitment(self, actor: MemberId, meetup_id: MeetupId) -> dict[str, Any]:
        """Return the public commitment of a meetup's lottery; community members only.

        :raises NotFound: applications have not been closed yet.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            tx.membership(meetup.community_id, actor)
            found = tx.uow.commitments.get(meetup_id)
            if found is None:
                raise NotFound(meetup_id, entity="commitment")
            return found.public()

    def draw_record(self, actor: MemberId, meetup_id: MeetupId) -> dict[str, Any]:
        """Return the public draw record (``draw.json``); community members only.

        Check it with :func:`proforum.verify_draw` or ``proforum lottery verify``.

        :raises NotFound: the lottery has not been drawn yet.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            tx.membership(meetup.community_id, actor)
            found = tx.uow.draws.get(meetup_id)
            if found is None:
                raise NotFound(meetup_id, entity="draw")
            return found.record()


def _move_entrants(uow: UnitOfWork, draw: Draw, now: datetime) -> None:
    """Move the selected, then everyone else still applied to the waitlist: two statements.

    Nobody can apply or withdraw once applications are closed, so the
    ``applied`` applications are exactly the draw's entrants; the counts
    prove it.  When they do not match (a row changed behind the lottery's
    back), the slow path names the first application at fault and the
    transaction is rolled back.
    """
    applications = uow.applications
    require_transition(ApplicationState.APPLIED, ApplicationState.SELECTED)
    require_transition(ApplicationState.APPLIED, ApplicationState.WAITLISTED)
    selected = applications.move_applied(
        draw.meetup_id, ApplicationState.SELECTED, now, only=draw.selected
    )
    if selected == len(draw.selected):
        waitlisted = applications.move_applied(draw.meetup_id, ApplicationState.WAITLISTED, now)
        if waitlisted == len(draw.waitlist):
            return
    raise _first_mismatch(uow, draw, now)


def _first_mismatch(uow: UnitOfWork, draw: Draw, now: datetime) -> ProforumError:
    """The error for the first application that kept the draw from moving, in draw order."""
    # Read after the moves that ran: an entrant's application is either still
    # applied, moved by this draw, or the one at fault.
    expected = dict.fromkeys(draw.selected, ApplicationState.SELECTED) | dict.fromkeys(
        draw.waitlist, ApplicationState.WAITLISTED
    )
    stored = {a.member_id: a for a in uow.applications.for_meetup(draw.meetup_id)}
    for member_id, target in expected.items():
        found = stored.get(member_id)
        if found is None:  # the commitment names only stored applicants
            return NotFound(member_id, entity="application")
        if found.state not in (ApplicationState.APPLIED, target):
            return IllegalTransition(
                member_id, entity="application", source=found.state.value, target=target.value
            )
    # Every entrant could move, so the count was off by an application the
    # commitment does not name: one still applied, or swept up by this draw.
    moved_now = {ApplicationState.APPLIED, ApplicationState.SELECTED, ApplicationState.WAITLISTED}
    stray = next(
        (
            member_id
            for member_id, a in stored.items()
            if member_id not in expected
            and a.state in moved_now
            and (a.state is ApplicationState.APPLIED or a.updated_at == now)
        ),
        None,
    )
    return IllegalTransition(
        stray,
        entity="application",
        source=ApplicationState.APPLIED.value,
        target=ApplicationState.WAITLISTED.value,
    )
