"""Use cases of the lottery: commit when applications close, then draw."""

from __future__ import annotations

import secrets
from typing import Any

from proforum.domain.common import MeetupId, MemberId
from proforum.domain.events import DrawDone
from proforum.domain.lottery import Commitment, Draw, check_seed
from proforum.domain.meetup import ApplicationState, MeetupState
from proforum.domain.notification import MessageKind
from proforum.errors import (
    AlreadyDrawn,
    AlreadyExists,
    ApplicationsStillOpen,
    IllegalTransition,
    NotFound,
)
from proforum.services.base import ForumBase, Tx
from proforum.services.meetups import meetup_params
from proforum.services.reminders import plan_reminders
from proforum.services.retry import retry_transient

SEED_BYTES = 32


class LotteryUseCases(ForumBase):
    """Closing applications with a commitment, drawing, and publishing the record."""

    @retry_transient
    def close_applications(
        self, actor: MemberId, meetup_id: MeetupId, *, seed: bytes | None = None
    ) -> Commitment:
        """Freeze the applicant list and commit to the lottery seed.

        The commitment (SHA-256 of the seed, the sorted applicant list and the
        number of seats) is stored and sent to every applicant *before* the draw,
        so nobody can re-run the draw until they like the result.

        :param seed: the secret seed (at least 16 bytes); by default 32 bytes from
            the operating system's CSPRNG.  Pass one only to make a demo or a test
            reproducible.
        :raises RoleRequired: the actor is neither the host nor an operator.
        :raises ApplicationsStillOpen: the application window has not closed yet.
        :raises IllegalTransition: the meetup is not open for applications.
        :raises NoApplicants: nobody applied.
        """
        raw_seed = secrets.token_bytes(SEED_BYTES) if seed is None else check_seed(seed)
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(meetup, actor)
            if meetup.state is MeetupState.OPEN and tx.now < meetup.applications_close_at:
                raise ApplicationsStillOpen(meetup_id)
            closed = meetup.close_applications()
            applicants = [
                a.member_id
                for a in tx.uow.applications.for_meetup(meetup_id)
                if a.state is ApplicationState.APPLIED
            ]
            commitment = Commitment.make(
                meetup_id=meetup_id,
                seats=meetup.capacity,
                applicants=applicants,
                seed=raw_seed,
                committed_at=tx.now,
            )
            tx.uow.meetups.update(closed)
            tx.uow.commitments.add(commitment)
            params = meetup_params(meetup) | {
                "commitment": commitment.digest,
                "applicants": str(len(commitment.applicants)),
                "seats": str(commitment.seats),
            }
            for member_id in commitment.applicants:
                tx.notify(member_id, MessageKind.LOTTERY_COMMITTED, **params)
        return commitment

    @retry_transient
    def draw(self, actor: MemberId, meetup_id: MeetupId) -> Draw:
        """Reveal the committed seed and draw: the first ``capacity`` are selected.

        Everyone else is waitlisted in draw order.  Each applicant is told the
        outcome; waitlisted people learn their position.

        :raises RoleRequired: only the meetup's host or an operator draws.
        :raises AlreadyDrawn: the draw has happened; it is never re-run.
        :raises IllegalTransition: applications have not been closed.
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
            draw = Draw.run(commitment, tx.now)
            drawn = meetup.mark_drawn()
            tx.uow.meetups.update(drawn)
            try:
                tx.uow.draws.add(draw)
            except AlreadyExists:
                # The unique key caught what the check above missed (a
                # backend without the meetup lock): the same answer.
                raise AlreadyDrawn(meetup_id) from None
            params = meetup_params(meetup)
            for member_id in draw.selected:
                self._move(tx, meetup_id, member_id, ApplicationState.SELECTED)
            tx.notify_many(draw.selected, MessageKind.SELECTED, **params)
            plan_reminders(tx, drawn, draw.selected, self._reminder_offsets)
            for position, member_id in enumerate(draw.waitlist, 1):
                self._move(tx, meetup_id, member_id, ApplicationState.WAITLISTED)
                tx.notify(member_id, MessageKind.WAITLISTED, **params, position=str(position))
            tx.events.append(DrawDone(drawn, draw))
        return draw

    @staticmethod
    def _move(tx: Tx, meetup_id: MeetupId, member_id: MemberId, state: ApplicationState) -> None:
        application = tx.uow.applications.get(meetup_id, member_id)
        if application is None:  # the commitment names only stored applicants
            raise NotFound(member_id, entity="application")
        tx.uow.applications.update(application.move_to(state, tx.now))

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
