"""Use cases from the draw to the end of a meetup: links, seats, reminders, attendance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from proforum.domain.common import MeetupId, MemberId
from proforum.domain.events import MeetupEnded
from proforum.domain.meetup import (
    Application,
    ApplicationState,
    MeetingRef,
    Meetup,
    MeetupState,
)
from proforum.domain.notification import MessageKind
from proforum.errors import (
    IllegalTransition,
    LinkNotGranted,
    MeetingNotReady,
    PermissionDenied,
    TooEarly,
    TooLate,
)
from proforum.ports.video import MeetingRequest
from proforum.services.base import ForumBase, Tx
from proforum.services.meetups import MeetupUseCases, meetup_params
from proforum.services.reminders import plan_reminders, withdraw_reminders
from proforum.services.retry import retry_transient


@attrs.frozen
class AttendanceReport:
    """How a meetup went: who came among those who held a seat."""

    meetup_id: MeetupId
    attended: tuple[MemberId, ...]
    no_shows: tuple[MemberId, ...]

    @property
    def show_rate(self) -> float:
        """Share of seat holders who came (0 when nobody held a seat)."""
        total = len(self.attended) + len(self.no_shows)
        return len(self.attended) / total if total else 0.0


class AttendanceUseCases(ForumBase):
    """The meeting link, confirmations, the waitlist, reminders and attendance."""

    def set_meeting(
        self,
        actor: MemberId,
        meetup_id: MeetupId,
        *,
        provider: str = "manual",
        options: Mapping[str, Any] | None = None,
    ) -> MeetingRef:
        """Create the meetup's video meeting with a registered provider.

        With the built-in ``manual`` provider pass ``options={"join_url": ...}``:
        the link the host created in Zoom or elsewhere.

        :raises UnknownAdapter: no provider is registered under ``provider``.
        :raises InvalidMeetingLink: the manual link is not an https URL.
        :raises RoleRequired: the actor is neither the host nor an operator.
        """
        video = self._video_provider(provider)
        # Read, call the provider outside any transaction (it may be a slow remote
        # API), then write: a provider failure leaves the meetup untouched.
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            tx.require_organiser(meetup, actor)
            if meetup.state in (MeetupState.ENDED, MeetupState.CANCELLED):
                raise IllegalTransition(
                    meetup_id, entity="meetup", source=meetup.state.value, target="meeting"
                )
        meeting = video.create_meeting(
            MeetingRequest(
                meetup_id=meetup.id,
                title=meetup.title,
                starts_at=meetup.starts_at,
                ends_at=meetup.ends_at,
                time_zone=meetup.time_zone,
                options=dict(options or {}),
            )
        )
        with self._transaction() as tx:
            current = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(current, actor)
            tx.uow.meetups.update(current.with_meeting(meeting))
        return meeting

    def _link_for(self, meetup: Meetup, member_id: MemberId) -> str:
        if meetup.meeting is None:
            raise MeetingNotReady(meetup.id)
        video = self._video_provider(meetup.meeting.provider)
        return video.join_link(meetup.meeting, member_id).reveal()

    def _send_link(self, tx: Tx, meetup: Meetup, member_id: MemberId) -> None:
        tx.notify(
            member_id,
            MessageKind.MEETING_LINK,
            **meetup_params(meetup),
            link=self._link_for(meetup, member_id),
        )

    @retry_transient
    def send_meeting_links(self, actor: MemberId, meetup_id: MeetupId) -> int:
        """Send the meeting link to every participant holding a seat, and nobody else.

        People promoted from the waitlist later get the link automatically.

        :return: how many links were sent.
        :raises MeetingNotReady: no meeting has been set up.
        :raises IllegalTransition: the lottery has not been drawn.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(meetup, actor)
            if meetup.meeting is None:
                raise MeetingNotReady(meetup_id)
            if meetup.state is not MeetupState.DRAWN:
                raise IllegalTransition(
                    meetup_id, entity="meetup", source=meetup.state.value, target="links"
                )
            if tx.now >= meetup.ends_at:
                raise TooLate(meetup_id)
            holders = [a for a in tx.uow.applications.for_meetup(meetup_id) if a.holds_seat]
            for application in holders:
                self._send_link(tx, meetup, application.member_id)
            tx.uow.meetups.update(attrs.evolve(meetup, links_sent_at=tx.now))
        return len(holders)

    def meeting_link(self, actor: MemberId, meetup_id: MeetupId) -> str:
        """Return the join link; only for the host, operators and seat holders.

        :raises LinkNotGranted: the actor was not given a seat.
        :raises MeetingNotReady: no meeting has been set up.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            tx.member(actor)
            application = tx.uow.applications.get(meetup_id, actor)
            if application is None or not application.may_read_link:
                try:
                    tx.require_organiser(meetup, actor)
                except PermissionDenied:
                    raise LinkNotGranted(meetup_id) from None
            if meetup.state in (MeetupState.CANCELLED, MeetupState.ENDED):
                raise LinkNotGranted(meetup_id)
            return self._link_for(meetup, actor)

    @retry_transient
    def confirm(self, actor: MemberId, meetup_id: MeetupId) -> Application:
        """Confirm a selected seat (참석 확정).

        :raises IllegalTransition: the actor was not selected, or the meetup was cancelled.
        :raises TooLate: the meetup has started.
        """
        with self._transaction() as tx:
            _, _, confirmed = self._answer_seat(tx, meetup_id, actor, ApplicationState.CONFIRMED)
        return confirmed

    @retry_transient
    def decline(self, actor: MemberId, meetup_id: MeetupId) -> Application:
        """Give up a seat, or leave the waitlist.

        A freed seat goes at once to the first person still on the waitlist.

        :raises IllegalTransition: the actor holds no seat, or the meetup was cancelled.
        :raises TooLate: the meetup has started.
        """
        with self._transaction() as tx:
            meetup, before, declined = self._answer_seat(
                tx, meetup_id, actor, ApplicationState.DECLINED
            )
            if before.holds_seat:
                withdraw_reminders(tx, meetup, [actor])
                self._promote_next(tx, meetup)
        return declined

    def _answer_seat(
        self, tx: Tx, meetup_id: MeetupId, actor: MemberId, target: ApplicationState
    ) -> tuple[Meetup, Application, Application]:
        """Move the actor's application to ``target`` between the draw and the start.

        Returns the meetup and the application before and after, all read after
        the meetup was locked: a state read earlier could already be stale.
        """
        # Locked first: seat changes take turns, so each decline promotes the one
        # person then first on the waitlist, and nobody twice.
        meetup = tx.meetup(meetup_id, for_update=True)
        application = MeetupUseCases._own_application(tx, meetup_id, actor)
        if tx.now >= meetup.starts_at:
            raise TooLate(meetup_id)
        self._require_drawn(meetup, target.value)
        moved = application.move_to(target, tx.now)
        tx.uow.applications.update(moved)
        return meetup, application, moved

    @staticmethod
    def _require_drawn(meetup: Meetup, target: str) -> None:
        # Seats only change hands between the draw and the end: a cancelled
        # meetup must not promote anyone or send out its link.
        if meetup.state is not MeetupState.DRAWN:
            raise IllegalTransition(
                meetup.id, entity="meetup", source=meetup.state.value, target=target
            )

    def _promote_next(self, tx: Tx, meetup: Meetup) -> MemberId | None:
        draw = tx.uow.draws.get(meetup.id)
        if draw is None:
            return None
        for member_id in draw.waitlist:
            waiting = tx.uow.applications.get(meetup.id, member_id)
            if waiting is not None and waiting.state is ApplicationState.WAITLISTED:
                tx.uow.applications.update(waiting.move_to(ApplicationState.SELECTED, tx.now))
                tx.notify(member_id, MessageKind.PROMOTED, **meetup_params(meetup))
                plan_reminders(tx, meetup, [member_id], self._reminder_offsets)
                if meetup.links_sent_at is not None:
                    self._send_link(tx, meetup, member_id)
                return member_id
        return None

    @retry_transient
    def send_reminders(self, actor: MemberId, meetup_id: MeetupId) -> int:
        """Remind every seat holder before the start; once per meetup.

        :return: how many reminders were written (0 if they were sent before).
        :raises TooLate: the meetup has started.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(meetup, actor)
            if meetup.state is not MeetupState.DRAWN:
                raise IllegalTransition(
                    meetup_id, entity="meetup", source=meetup.state.value, target="reminders"
                )
            if tx.now >= meetup.starts_at:
                raise TooLate(meetup_id)
            if meetup.reminder_sent_at is not None:
                return 0
            holders = [a for a in tx.uow.applications.for_meetup(meetup_id) if a.holds_seat]
            for application in holders:
                tx.notify(application.member_id, MessageKind.REMINDER, **meetup_params(meetup))
            tx.uow.meetups.update(attrs.evolve(meetup, reminder_sent_at=tx.now))
        return len(holders)

    @retry_transient
    def check_in(self, actor: MemberId, meetup_id: MeetupId) -> Application:
        """Record the actor's own attendance, from 30 minutes before the start.

        :raises TooEarly: check-in has not opened.
        :raises IllegalTransition: the actor holds no seat, or check-in has closed
            (a no-show is corrected by the host with :meth:`record_attendance`).
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            application = MeetupUseCases._own_application(tx, meetup_id, actor)
            return self._mark_attended(tx, meetup, application, may_correct=False)

    @retry_transient
    def record_attendance(
        self, actor: MemberId, meetup_id: MeetupId, member_id: MemberId
    ) -> Application:
        """Record that ``member_id`` attended; the host and operators only.

        Also corrects a no-show recorded by mistake after the meetup ended.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(meetup, actor)
            application = MeetupUseCases._own_application(tx, meetup_id, member_id)
            return self._mark_attended(tx, meetup, application, may_correct=True)

    @staticmethod
    def _mark_attended(
        tx: Tx, meetup: Meetup, application: Application, *, may_correct: bool
    ) -> Application:
        # Only organisers correct a recorded no-show: a member checking in after
        # the end would otherwise turn their own no-show into attendance.
        correcting = (
            may_correct
            and meetup.state is MeetupState.ENDED
            and application.state is ApplicationState.NO_SHOW
        )
        if not correcting and not meetup.check_in_open_at(tx.now):
            if meetup.state is MeetupState.DRAWN and tx.now < meetup.starts_at:
                raise TooEarly(meetup.id)
            raise IllegalTransition(
                meetup.id, entity="meetup", source=meetup.state.value, target="attendance"
            )
        attended = application.move_to(ApplicationState.ATTENDED, tx.now)
        tx.uow.applications.update(attended)
        return attended

    @retry_transient
    def end_meetup(self, actor: MemberId, meetup_id: MeetupId) -> AttendanceReport:
        """Close the meetup: seat holders who did not check in become no-shows (노쇼).

        :raises TooEarly: the meetup has not started.
        :raises IllegalTransition: the meetup was not drawn, or already ended.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(meetup, actor)
            if meetup.state is MeetupState.DRAWN and tx.now < meetup.starts_at:
                raise TooEarly(meetup_id)
            ended = meetup.end()
            attended: list[MemberId] = []
            no_shows: list[MemberId] = []
            for application in tx.uow.applications.for_meetup(meetup_id):
                if application.holds_seat:
                    tx.uow.applications.update(
                        application.move_to(ApplicationState.NO_SHOW, tx.now)
                    )
                    no_shows.append(application.member_id)
                elif application.state is ApplicationState.ATTENDED:
                    attended.append(application.member_id)
            tx.uow.meetups.update(ended)
            withdraw_reminders(tx, ended)
            tx.events.append(MeetupEnded(ended, len(attended), len(no_shows)))
        return AttendanceReport(meetup_id, tuple(attended), tuple(no_shows))
