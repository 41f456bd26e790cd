"""Meeting links and the video provider: who gets which link, and revoking it.

Providers come in two kinds.  Most give one link for everyone (``manual``,
Teams): proforum hands it only to those entitled.  Some register each
participant and give each a personal link (Zoom registrants, Jitsi tokens):
proforum registers a seat holder the first time they need a link, keeps the
link (:class:`~proforum.domain.video_registration.VideoRegistration`), and
revokes it when the seat is given up.

A provider is a remote service: it is never called inside a transaction.
The pattern is always read, call, write: a provider that fails or is slow
leaves the forum as it was, and the use case can simply be run again.  A
revocation is first recorded (``revoke_requested_at``) in the transaction
that frees the seat, then sent; one that fails is retried by
:meth:`~proforum.services.seats.SeatUseCases.process_deadlines`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence

import attrs

from proforum.domain.common import MeetupId, MemberId
from proforum.domain.meetup import MeetingRef, Meetup
from proforum.domain.notification import MessageKind
from proforum.domain.video_registration import VideoRegistration
from proforum.errors import MeetingNotReady, ProforumError
from proforum.ports.video import Participant, Registration, Registrations
from proforum.services.base import ForumBase, Tx
from proforum.services.meetups import meetup_params

log = logging.getLogger("proforum")


def registers(provider: object) -> bool:
    """Tell whether ``provider`` gives each participant a personal link."""
    return callable(getattr(provider, "register", None))


class VideoLinks(ForumBase):
    """Links, registrations and revocations, shared by the seat and attendance use cases."""

    def _registering(self, meeting: MeetingRef) -> Registrations | None:
        provider = self._video_provider(meeting.provider)
        return provider if registers(provider) else None  # type: ignore[return-value]

    @staticmethod
    def _active_registrations(tx: Tx, meetup: Meetup) -> dict[MemberId, VideoRegistration]:
        meeting = meetup.meeting
        if meeting is None:
            return {}
        return {
            r.member_id: r
            for r in tx.uow.registrations.for_meetup(meetup.id)
            if r.meeting_id == meeting.meeting_id and r.active
        }

    def _shared_link(self, meetup: Meetup, member_id: MemberId) -> str:
        if meetup.meeting is None:
            raise MeetingNotReady(meetup.id)
        video = self._video_provider(meetup.meeting.provider)
        return video.join_link(meetup.meeting, member_id).reveal()

    def _send_links(
        self,
        tx: Tx,
        meetup: Meetup,
        members: Sequence[MemberId],
        registered: Mapping[MemberId, VideoRegistration],
    ) -> None:
        """Write each member's link message: their own registration's, or the shared link."""
        params = meetup_params(meetup)
        items = []
        for member_id in members:
            registration = registered.get(member_id)
            link = (
                registration.join_url.reveal()
                if registration is not None
                else self._shared_link(meetup, member_id)
            )
            items.append((member_id, params | {"link": link}))
        tx.notify_each(MessageKind.MEETING_LINK, items)

    def _register(self, meetup_id: MeetupId, members: Collection[MemberId]) -> int:
        """Register ``members`` who hold a seat and have no registration; return how many.

        Read, call the provider, write: the provider is called outside any
        transaction.  Someone who gave up their seat meanwhile is registered
        and revoked at once rather than given a link.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            meeting = meetup.meeting
            if meeting is None:
                raise MeetingNotReady(meetup_id)
            provider = self._registering(meeting)
            if provider is None:
                return 0
            have = self._active_registrations(tx, meetup)
            wanted = [m for m in dict.fromkeys(members) if m not in have]
            if not wanted:
                return 0
            profiles = tx.uow.members.get_many(wanted)
            participants = [
                Participant(
                    member_id=m,
                    display_name=profiles[m].display_name,
                    email=profiles[m].email,
                    host=m == meetup.host_id,
                )
                for m in wanted
                if m in profiles
            ]
        registrations: Sequence[Registration] = provider.register(meeting, participants)
        with self._transaction() as tx:
            current = tx.meetup(meetup_id, for_update=True)
            still = self._active_registrations(tx, current)
            holders = {
                a.member_id for a in tx.uow.applications.for_meetup(meetup_id) if a.may_read_link
            } | {current.host_id}
            rows = []
            for registration in registrations:
                if registration.member_id in still:
                    continue  # registered by a concurrent call: keep the first
                gone = registration.member_id not in holders or current.meeting != meeting
                rows.append(
                    VideoRegistration(
                        id=tx.ids.new("vrg"),
                        meetup_id=meetup_id,
                        member_id=registration.member_id,
                        provider=meeting.provider,
                        meeting_id=meeting.meeting_id,
                        join_url=registration.join_url,
                        registrant_id=registration.registrant_id,
                        registered_at=tx.now,
                        revoke_requested_at=tx.now if gone else None,
                    )
                )
            tx.uow.registrations.add_many(rows)
        return len(rows)

    def _after_meeting_moved(self, meetup_id: MeetupId) -> None:
        """Reissue personal links whose validity follows the schedule (Jitsi tokens).

        A provider says so with ``reissue_links_on_move = True``.  The old links
        are revoked, and if links went out, every seat holder is registered
        again and sent the new one.  A provider failure is logged: the host's
        next ``send_meeting_links`` sends what is missing.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            meeting = meetup.meeting
            provider = None if meeting is None else self._registering(meeting)
            if provider is None or not getattr(provider, "reissue_links_on_move", False):
                return
            active = self._active_registrations(tx, meetup)
            self._ask_revocation(tx, meetup, list(active))
            holders = [
                a.member_id for a in tx.uow.applications.for_meetup(meetup_id) if a.holds_seat
            ]
            resend = meetup.links_sent_at is not None
        self._send_revocations(meetup_id)
        if not resend or not holders:
            return
        try:
            self._register(meetup_id, holders)
            with self._transaction() as tx:
                meetup = tx.meetup(meetup_id, for_update=True)
                registered = self._active_registrations(tx, meetup)
                still = {
                    a.member_id
                    for a in tx.uow.applications.for_meetup(meetup_id)
                    if a.holds_seat and a.member_id in registered
                }
                self._send_links(tx, meetup, [m for m in holders if m in still], registered)
        except ProforumError as exc:
            log.warning("reissuing links for meetup %s failed: %s", meetup_id, exc.code)

    @staticmethod
    def _ask_revocation(tx: Tx, meetup: Meetup, members: Collection[MemberId]) -> int:
        """Record that the links of ``members`` must stop working; sent after the commit."""
        wanted = set(members)
        asked = [
            attrs.evolve(r, revoke_requested_at=tx.now)
            for r in tx.uow.registrations.for_meetup(meetup.id)
            if r.member_id in wanted and r.active
        ]
        for registration in asked:
            tx.uow.registrations.update(registration)
        return len(asked)

    def _send_revocations(self, meetup_id: MeetupId | None = None) -> int:
        """Tell providers about the revocations asked for; return how many they confirmed.

        A provider that fails is logged and tried again on the next call.
        """
        with self._transaction() as tx:
            pending = [
                r
                for r in tx.uow.registrations.pending_revocations()
                if meetup_id is None or r.meetup_id == meetup_id
            ]
        done = 0
        for registration in pending:
            provider = self._video_provider(registration.provider)
            meeting = MeetingRef(
                provider=registration.provider,
                meeting_id=registration.meeting_id,
                join_url=registration.join_url,
            )
            revoke = getattr(provider, "revoke", None)
            try:
                if callable(revoke):
                    revoke(
                        meeting,
                        Registration(
                            member_id=registration.member_id,
                            join_url=registration.join_url,
                            registrant_id=registration.registrant_id,
                        ),
                    )
            except ProforumError as exc:
                # Kept pending: the next pass tries again.  The code says what
                # went wrong; the link itself never reaches the log.
                log.warning(
                    "revoking a video registration of meetup %s failed: %s",
                    registration.meetup_id,
                    exc.code,
                )
                continue
            with self._transaction() as tx:
                tx.uow.registrations.update(attrs.evolve(registration, revoked_at=tx.now))
            done += 1
        return done
