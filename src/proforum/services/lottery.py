"""Use cases of the lottery: commit when applications close, then draw."""

from __future__ import annotations

from typing import Any

from proforum.domain.common import MeetupId, MemberId
from proforum.domain.events import DrawDone
from proforum.domain.lottery import Beacon, Commitment, Draw
from proforum.domain.meetup import Application, ApplicationState, MeetupState
from proforum.domain.notification import MessageKind
from proforum.errors import (
    AlreadyDrawn,
    AlreadyExists,
    ApplicationsStillOpen,
    IllegalTransition,
    NotFound,
)
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
            by_member = {a.member_id: a for a in tx.uow.applications.for_meetup(meetup_id)}
            moved: list[Application] = []
            for member_id in draw.selected:
                moved.append(
                    _application(by_member, member_id).move_to(ApplicationState.SELECTED, tx.now)
                )
            for member_id in draw.waitlist:
                moved.append(
                    _application(by_member, member_id).move_to(ApplicationState.WAITLISTED, tx.now)
                )
            tx.uow.applications.update_many(moved)
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


def _application(by_member: dict[MemberId, Application], member_id: MemberId) -> Application:
    found = by_member.get(member_id)
    if found is None:  # the commitment names only stored applicants
        raise NotFound(member_id, entity="application")
    return found
