"""Use cases from the draw to the end of a meetup: links, seats, reminders, attendance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    NotSupportedByProvider,
    PermissionDenied,
    TooEarly,
    TooLate,
)
from proforum.ports.video import AttendanceEntry, MeetingRequest, WebhookResult
from proforum.services.base import Tx
from proforum.services.meetups import MeetupUseCases, meetup_params
from proforum.services.reminders import withdraw_reminders
from proforum.services.retry import retry_transient
from proforum.services.seats import SeatUseCases

#: States whose holder could have been in the meeting.
_PRESENT_STATES = frozenset(
    {
        ApplicationState.SELECTED,
        ApplicationState.CONFIRMED,
        ApplicationState.ATTENDED,
        ApplicationState.NO_SHOW,
    }
)


def _email_key(address: str) -> str:
    return address.strip().casefold()


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

    @property
    def no_show_rate(self) -> float:
        """Share of seat holders who did not come (0 when nobody held a seat)."""
        total = len(self.attended) + len(self.no_shows)
        return len(self.no_shows) / total if total else 0.0


@attrs.frozen
class AttendanceImport:
    """What an attendance report from the video provider changed."""

    meetup_id: MeetupId
    #: Seat holders found in the report, with their total seconds in the meeting.
    seconds: Mapping[MemberId, int]
    #: Report lines that matched no seat holder (guests, other addresses).
    unmatched: int


class AttendanceUseCases(SeatUseCases):
    """The meeting, its link, reminders, and who attended."""

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
        meeting = video.create_meeting(MeetingRequest.for_meetup(meetup, options))
        with self._transaction() as tx:
            current = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(current, actor)
            tx.uow.meetups.update(current.with_meeting(meeting))
        return meeting

    def send_meeting_links(self, actor: MemberId, meetup_id: MeetupId) -> int:
        """Send the meeting link to every participant holding a seat, and nobody else.

        With a provider that registers each participant (Zoom, Jitsi), seat
        holders not registered yet are registered first, outside any
        transaction, and each gets their own link; calling this again after a
        provider failure registers the rest.  People who take a seat later get
        the link automatically.

        :return: how many links were sent.
        :raises MeetingNotReady: no meeting has been set up.
        :raises IllegalTransition: the lottery has not been drawn.
        :raises TooLate: the meetup has ended.
        """
        holders = self._links_due(actor, meetup_id)
        self._register(meetup_id, holders)
        return self._write_links(actor, meetup_id)

    def _links_due(self, actor: MemberId, meetup_id: MeetupId) -> list[MemberId]:
        with self._transaction() as tx:
            self._check_links(tx, actor, meetup_id)
            return [a.member_id for a in tx.uow.applications.for_meetup(meetup_id) if a.holds_seat]

    @staticmethod
    def _check_links(tx: Tx, actor: MemberId, meetup_id: MeetupId) -> Meetup:
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
        return meetup

    @retry_transient
    def _write_links(self, actor: MemberId, meetup_id: MeetupId) -> int:
        with self._transaction() as tx:
            meetup = self._check_links(tx, actor, meetup_id)
            meeting = meetup.meeting
            assert meeting is not None  # checked above
            holders = [
                a.member_id for a in tx.uow.applications.for_meetup(meetup_id) if a.holds_seat
            ]
            registered = self._active_registrations(tx, meetup)
            if self._registering(meeting) is not None:
                # Those the provider did not register get nothing rather than a
                # shared link: a later call registers and sends to them.
                holders = [m for m in holders if m in registered]
            self._send_links(tx, meetup, holders, registered)
            tx.uow.meetups.update(attrs.evolve(meetup, links_sent_at=tx.now))
        return len(holders)

    def meeting_link(self, actor: MemberId, meetup_id: MeetupId) -> str:
        """Return the join link; only for the host, operators and seat holders.

        With a provider that registers each participant, the actor's own link
        (registering them first if they were not yet).

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
            if meetup.meeting is None:
                raise MeetingNotReady(meetup_id)
            if self._registering(meetup.meeting) is None:
                return self._shared_link(meetup, actor)
            found = self._active_registrations(tx, meetup).get(actor)
            if found is not None:
                return found.join_url.reveal()
        self._register(meetup_id, [actor])
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            found = self._active_registrations(tx, meetup).get(actor)
            if found is None:  # the seat was given up meanwhile
                raise LinkNotGranted(meetup_id)
            return found.join_url.reveal()

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

    def import_attendance(self, actor: MemberId, meetup_id: MeetupId) -> AttendanceImport:
        """Read the video provider's attendance report into the seat holders' records.

        Each seat holder's intervals in the meeting are added up into
        ``attended_seconds``.  :meth:`end_meetup` then counts as a no-show
        anyone who neither checked in nor stayed ``seat_rules.min_attended_minutes``;
        imported after the end, the report turns such a no-show into attendance.
        The provider is called outside any transaction: a slow or failing API
        leaves the meetup as it was.

        :raises RoleRequired: the actor is neither the host nor an operator.
        :raises MeetingNotReady: the meetup has no video meeting.
        :raises TooEarly: the meetup has not started.
        :raises NotSupportedByProvider: the provider has no attendance report.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            tx.require_organiser(meetup, actor)
            if meetup.meeting is None:
                raise MeetingNotReady(meetup_id)
            if meetup.state not in (MeetupState.DRAWN, MeetupState.ENDED):
                raise IllegalTransition(
                    meetup_id, entity="meetup", source=meetup.state.value, target="attendance"
                )
            if tx.now < meetup.starts_at:
                raise TooEarly(meetup_id)
        provider = self._video_provider(meetup.meeting.provider)
        report = getattr(provider, "attendance", None)
        if report is None:
            raise NotSupportedByProvider(
                meetup_id, provider=meetup.meeting.provider, operation="attendance"
            )
        entries: Sequence[AttendanceEntry] = report(meetup.meeting)
        with self._transaction() as tx:
            current = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(current, actor)
            present = [
                a for a in tx.uow.applications.for_meetup(meetup_id) if a.state in _PRESENT_STATES
            ]
            emails = {
                _email_key(m.email): m.id
                for m in tx.uow.members.get_many([a.member_id for a in present]).values()
                if m.email
            }
            holders = {a.member_id for a in present}
            # Providers that registered each participant report by registrant id.
            by_registrant = {
                r.registrant_id: r.member_id
                for r in tx.uow.registrations.for_meetup(meetup_id)
                if r.registrant_id
            }
            seconds: dict[MemberId, int] = {}
            unmatched = 0
            for entry in entries:
                who = entry.member_id if entry.member_id in holders else None
                if who is None and entry.registrant_id:
                    found = by_registrant.get(entry.registrant_id)
                    who = found if found in holders else None
                if who is None and entry.email:
                    who = emails.get(_email_key(entry.email))
                if who is None:
                    unmatched += 1
                    continue
                seconds[who] = seconds.get(who, 0) + max(int(entry.seconds), 0)
            enough = current.seat_rules.min_attended.total_seconds()
            changed = []
            for application in present:
                if application.member_id not in seconds:
                    continue
                total = seconds[application.member_id]
                updated = attrs.evolve(application, attended_seconds=total)
                if application.state is ApplicationState.NO_SHOW and total >= enough:
                    updated = attrs.evolve(
                        updated.move_to(ApplicationState.ATTENDED, tx.now),
                        attended_seconds=total,
                    )
                if updated != application:
                    changed.append(updated)
            tx.uow.applications.update_many(changed)
        return AttendanceImport(meetup_id, seconds, unmatched)

    def receive_video_webhook(
        self, provider: str, headers: Mapping[str, str], body: bytes
    ) -> WebhookResult:
        """Check and read a call from a video provider; a joined seat holder is checked in.

        For a web app's webhook endpoint: pass the request's headers and raw
        body, answer with ``result.reply`` (a URL-validation challenge) or an
        empty ``200``.  A participant who joined, matched to a seat holder by
        their registration or address, is recorded as attending while check-in
        is open; other events are returned, not stored.

        :raises WebhookRejected: a missing or wrong signature, or a stale call.
        :raises NotSupportedByProvider: the provider sends no webhooks.
        :raises UnknownAdapter: no provider is registered under ``provider``.
        """
        video = self._video_provider(provider)
        verify = getattr(video, "verify_webhook", None)
        if not callable(verify):
            raise NotSupportedByProvider(None, provider=provider, operation="webhooks")
        result: WebhookResult = verify(headers, body, self._clock.now())
        joined = [e for e in result.events if e.kind == "joined"]
        if not joined or result.meeting_id is None:
            return result
        with self._transaction() as tx:
            meetup = tx.uow.meetups.by_meeting(provider, result.meeting_id)
            if meetup is None or not meetup.check_in_open_at(tx.now):
                return result
            tx.meetup(meetup.id, for_update=True)
            by_registrant = {
                r.registrant_id: r.member_id
                for r in self._active_registrations(tx, meetup).values()
                if r.registrant_id
            }
            applications = {a.member_id: a for a in tx.uow.applications.for_meetup(meetup.id)}
            emails = {
                _email_key(m.email): m.id
                for m in tx.uow.members.get_many(list(applications)).values()
                if m.email
            }
            for event in joined:
                who = event.member_id or by_registrant.get(event.registrant_id or "")
                if who is None and event.email:
                    who = emails.get(_email_key(event.email))
                application = applications.get(who) if who else None
                if application is not None and application.holds_seat:
                    attended = application.move_to(ApplicationState.ATTENDED, tx.now)
                    tx.uow.applications.update(attended)
                    applications[attended.member_id] = attended
        return result

    def attendance_report(self, actor: MemberId, meetup_id: MeetupId) -> AttendanceReport:
        """Return who attended and who did not (the no-show rate); host and operators only.

        :raises IllegalTransition: the meetup has not ended.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            tx.require_organiser(meetup, actor)
            if meetup.state is not MeetupState.ENDED:
                raise IllegalTransition(
                    meetup_id, entity="meetup", source=meetup.state.value, target="report"
                )
            applications = tx.uow.applications.for_meetup(meetup_id)
            return AttendanceReport(
                meetup_id,
                tuple(a.member_id for a in applications if a.state is ApplicationState.ATTENDED),
                tuple(a.member_id for a in applications if a.state is ApplicationState.NO_SHOW),
            )

    @retry_transient
    def end_meetup(self, actor: MemberId, meetup_id: MeetupId) -> AttendanceReport:
        """Close the meetup: seat holders who did not check in become no-shows (노쇼).

        A seat holder who did not check in but was in the meeting for at least
        ``seat_rules.min_attended_minutes`` by an imported attendance report
        (:meth:`import_attendance`) attended; open offers lapse.

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
            changed: list[Application] = []
            enough = meetup.seat_rules.min_attended.total_seconds()
            for application in tx.uow.applications.for_meetup(meetup_id):
                if application.holds_seat:
                    # Checked in, or long enough in the meeting by the provider's report.
                    seconds = application.attended_seconds
                    came = seconds is not None and seconds >= enough
                    target = ApplicationState.ATTENDED if came else ApplicationState.NO_SHOW
                    changed.append(application.move_to(target, tx.now))
                    (attended if came else no_shows).append(application.member_id)
                elif application.state is ApplicationState.OFFERED:
                    changed.append(application.move_to(ApplicationState.EXPIRED, tx.now))
                elif application.state is ApplicationState.ATTENDED:
                    attended.append(application.member_id)
            tx.uow.applications.update_many(changed)
            tx.uow.meetups.update(ended)
            withdraw_reminders(tx, ended)
            tx.events.append(MeetupEnded(ended, len(attended), len(no_shows)))
        return AttendanceReport(meetup_id, tuple(attended), tuple(no_shows))
