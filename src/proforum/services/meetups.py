"""Use cases about meetups: planning, announcing, applying, cancelling, following up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from proforum.domain.common import CommunityId, MeetupId, MemberId
from proforum.domain.community import Role
from proforum.domain.events import ApplicationMade
from proforum.domain.lottery import Constraints
from proforum.domain.meetup import (
    Application,
    ApplicationState,
    Meetup,
    MeetupFormat,
    MeetupState,
    parse_format,
)
from proforum.domain.notification import MessageKind
from proforum.domain.seat_rules import SeatRules
from proforum.errors import (
    AlreadyApplied,
    AlreadyExists,
    ApplicationWindowClosed,
    IllegalTransition,
    InvalidSchedule,
    NotFound,
    PermissionDenied,
)
from proforum.ports.video import MeetingRequest
from proforum.services.admission import check_requirements
from proforum.services.base import ForumBase, Tx
from proforum.services.lottery_entrants import check_quota_attributes
from proforum.services.reminders import plan_reminders, withdraw_reminders
from proforum.services.retry import retry_transient

#: Applications that still take part in the meetup and hear about changes.
ACTIVE_STATES = frozenset(
    {
        ApplicationState.APPLIED,
        ApplicationState.SELECTED,
        ApplicationState.WAITLISTED,
        ApplicationState.OFFERED,
        ApplicationState.CONFIRMED,
    }
)


def meetup_params(meetup: Meetup) -> dict[str, str]:
    """Template parameters every message about ``meetup`` can use."""
    return {
        "meetup_id": meetup.id,
        "meetup_title": meetup.title,
        "topic": meetup.topic,
        "starts_at": meetup.starts_at.isoformat(),
        "closes_at": meetup.applications_close_at.isoformat(),
        "capacity": str(meetup.capacity),
        "venue": meetup.venue or "-",
    }


class MeetupUseCases(ForumBase):
    """Planning meetups and applying to them."""

    def create_meetup(
        self,
        actor: MemberId,
        community_id: CommunityId,
        *,
        title: str,
        topic: str,
        starts_at: datetime,
        ends_at: datetime,
        capacity: int,
        applications_open_at: datetime,
        applications_close_at: datetime,
        host_id: MemberId | None = None,
        time_zone: str | None = None,
        format: MeetupFormat | str = MeetupFormat.ONLINE,
        venue: str | None = None,
        lottery: Constraints | None = None,
        seat_rules: SeatRules | None = None,
    ) -> Meetup:
        """Plan a meetup (in ``draft``); hosts and operators of the community only.

        ``host_id`` (default: the actor) must be a host or operator of the
        community.  Times must be aware datetimes; they are stored in UTC and
        shown in ``time_zone`` (default: the community's).  ``lottery`` sets a
        company cap and quotas over ``job_function`` and ``experience`` bands
        (public from the announcement on, see ``docs/lottery.md``);
        ``seat_rules`` how long waitlist offers last, an optional confirmation
        deadline, and how long a participant must attend not to be a no-show.

        :raises RoleRequired: the actor or the host is not a host or operator.
        :raises InvalidCapacity: capacity below 1.
        :raises InvalidSchedule: naive or out-of-order times, or a start in the past.
        :raises InvalidInput: ``format`` is not ``online``, ``offline`` or ``hybrid``.
        :raises InvalidConstraints: a quota over an unknown attribute, or above the capacity.
        :raises InvalidSeatRule: see :class:`~proforum.domain.seat_rules.SeatRules`.
        """
        if lottery is not None:
            check_quota_attributes(lottery)
        with self._transaction() as tx:
            community = tx.community(community_id)
            tx.require_role(community_id, actor, Role.HOST, Role.OPERATOR)
            host = host_id or actor
            tx.require_role(community_id, host, Role.HOST, Role.OPERATOR)
            meetup = Meetup.plan(
                id=MeetupId(tx.ids.new("mtp")),
                community_id=community_id,
                host_id=host,
                title=title,
                topic=topic,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=capacity,
                applications_open_at=applications_open_at,
                applications_close_at=applications_close_at,
                created_at=tx.now,
                time_zone=time_zone or community.time_zone,
                format=parse_format(format),
                venue=venue,
                lottery=lottery,
                seat_rules=seat_rules,
            )
            self._check_future(tx, meetup)
            tx.uow.meetups.add(meetup)
        return meetup

    @staticmethod
    def _check_future(tx: Tx, meetup: Meetup) -> None:
        if meetup.applications_close_at <= tx.now:
            raise InvalidSchedule(
                meetup.applications_close_at,
                rule_ko="신청 마감은 지금보다 뒤여야 합니다",
                rule_en="applications must close in the future",
            )

    @retry_transient
    def announce_meetup(self, actor: MemberId, meetup_id: MeetupId) -> Meetup:
        """Open applications and tell every member of the community.

        :raises RoleRequired: the actor is neither the host nor an operator.
        :raises IllegalTransition: the meetup is not a draft.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(meetup, actor)
            self._check_future(tx, meetup)
            opened = meetup.open_applications()
            tx.uow.meetups.update(opened)
            community = tx.community(meetup.community_id)
            params = meetup_params(opened) | {"community_name": community.name}
            memberships = tx.uow.memberships.for_community(meetup.community_id)
            members = [m.member_id for m in memberships]
            tx.notify_many(members, MessageKind.MEETUP_ANNOUNCED, **params)
        return opened

    def meetup(self, actor: MemberId, meetup_id: MeetupId) -> Meetup:
        """Return a meetup; members of its community only.

        Only the host and operators see where the meeting is (``meeting``);
        everyone else gets ``meeting=None`` and asks :meth:`meeting_link`, which
        checks that they hold a seat.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            tx.membership(meetup.community_id, actor)
            return _as_seen_by(tx, meetup, actor)

    def meetups(self, actor: MemberId, community_id: CommunityId) -> Sequence[Meetup]:
        """List a community's meetups by start time; members only (meetings as in :meth:`meetup`)."""
        with self._transaction() as tx:
            tx.membership(community_id, actor)
            return [_as_seen_by(tx, m, actor) for m in tx.uow.meetups.for_community(community_id)]

    @retry_transient
    def apply(self, actor: MemberId, meetup_id: MeetupId) -> Application:
        """Apply (참가 신청) to a meetup during its application window.

        :raises NotACommunityMember: only members of the meetup's community apply.
        :raises RealNameRequired: the community asks for a real name to apply.
        :raises VerifiedEmployerRequired: the community asks for a verified employer to apply.
        :raises ApplicationWindowClosed: outside the window, or the meetup is not open.
        :raises AlreadyApplied: the actor has an application that was not withdrawn.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            tx.membership(meetup.community_id, actor)
            community = tx.community(meetup.community_id)
            if community.requirements.asks_anything("apply"):
                check_requirements(tx, community, tx.member(actor), "apply")
            earlier = tx.uow.applications.get(meetup_id, actor)
            if earlier is not None and earlier.state is not ApplicationState.WITHDRAWN:
                raise AlreadyApplied(meetup_id)
            if not meetup.accepts_applications_at(tx.now):
                raise ApplicationWindowClosed(meetup_id)
            if earlier is not None:
                # Applying again after withdrawing: the lottery does not depend
                # on when people applied, so nothing is gained or lost by it.
                application = attrs.evolve(
                    earlier.move_to(ApplicationState.APPLIED, tx.now), applied_at=tx.now
                )
                tx.uow.applications.update(application)
            else:
                application = Application(
                    meetup_id=meetup_id,
                    member_id=actor,
                    state=ApplicationState.APPLIED,
                    applied_at=tx.now,
                    updated_at=tx.now,
                )
                try:
                    tx.uow.applications.add(application)
                except AlreadyExists:
                    # The unique key caught what the check above missed (a
                    # backend without the meetup lock): the same answer.
                    raise AlreadyApplied(meetup_id) from None
            tx.notify(actor, MessageKind.APPLICATION_RECEIVED, **meetup_params(meetup))
            tx.events.append(ApplicationMade(application, meetup))
        return application

    @retry_transient
    def withdraw(self, actor: MemberId, meetup_id: MeetupId) -> Application:
        """Withdraw an application while the window is still open.

        :raises NotFound: the actor has not applied.
        :raises ApplicationWindowClosed: the window has closed (decline a seat instead).
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            application = self._own_application(tx, meetup_id, actor)
            if not meetup.accepts_applications_at(tx.now):
                raise ApplicationWindowClosed(meetup_id)
            withdrawn = application.move_to(ApplicationState.WITHDRAWN, tx.now)
            tx.uow.applications.update(withdrawn)
        return withdrawn

    @staticmethod
    def _own_application(tx: Tx, meetup_id: MeetupId, actor: MemberId) -> Application:
        tx.member(actor)
        application = tx.uow.applications.get(meetup_id, actor)
        if application is None:
            raise NotFound(meetup_id, entity="application")
        return application

    def application(self, actor: MemberId, meetup_id: MeetupId) -> Application:
        """Return the actor's own application to a meetup.

        :raises NotFound: the actor has not applied.
        """
        with self._transaction() as tx:
            return self._own_application(tx, meetup_id, actor)

    def applications(self, actor: MemberId, meetup_id: MeetupId) -> Sequence[Application]:
        """List every application to a meetup; the host and operators only."""
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            tx.require_organiser(meetup, actor)
            return tx.uow.applications.for_meetup(meetup_id)

    @retry_transient
    def cancel_meetup(self, actor: MemberId, meetup_id: MeetupId) -> Meetup:
        """Call a meetup off and tell everyone still taking part.

        The video meeting, if the provider can delete meetings, is deleted
        first, outside any transaction: if the provider fails, nothing changes
        and the call can be made again (a meeting already deleted is fine).

        :raises IllegalTransition: the meetup has already ended or been cancelled.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            tx.require_organiser(meetup, actor)
            meetup.cancel()  # refused here, before the provider is called
        if meetup.meeting is not None:
            delete = getattr(self._video_provider(meetup.meeting.provider), "cancel_meeting", None)
            if callable(delete):
                delete(meetup.meeting)
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(meetup, actor)
            cancelled = meetup.cancel()
            tx.uow.meetups.update(cancelled)
            withdraw_reminders(tx, cancelled)
            tx.uow.messages.withdraw(meetup_id, MessageKind.OFFER_EXPIRING, None, tx.now)
            for application in tx.uow.applications.for_meetup(meetup_id):
                if application.state in ACTIVE_STATES:
                    tx.notify(
                        application.member_id, MessageKind.MEETUP_CANCELLED, **meetup_params(meetup)
                    )
        return cancelled

    @retry_transient
    def move_meetup(
        self, actor: MemberId, meetup_id: MeetupId, *, starts_at: datetime, ends_at: datetime
    ) -> Meetup:
        """Move a meetup to a new time and tell everyone still taking part.

        Reminders planned for the old time are withdrawn and planned again for
        the new one; the application window stays as it was.

        :raises RoleRequired: the actor is neither the host nor an operator.
        :raises IllegalTransition: the meetup has ended or been cancelled.
        :raises InvalidSchedule: see :meth:`Meetup.move <proforum.domain.meetup.Meetup.move>`.

        A provider that can move meetings is told first, outside any
        transaction; if it fails, the meetup stays where it was and the call
        can be made again.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            tx.require_organiser(meetup, actor)
            planned = meetup.move(starts_at, ends_at, tx.now)  # refused before the provider
        meeting = planned.meeting
        updated = None
        if meeting is not None and planned != meetup:
            update = getattr(self._video_provider(meeting.provider), "update_meeting", None)
            if callable(update):
                updated = update(meeting, MeetingRequest.for_meetup(planned))
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id, for_update=True)
            tx.require_organiser(meetup, actor)
            moved = meetup.move(starts_at, ends_at, tx.now)
            if updated is not None and meetup.meeting == meeting:
                moved = moved.with_meeting(updated)
            if moved == meetup:
                return meetup
            tx.uow.meetups.update(moved)
            params = meetup_params(moved) | {"previous_starts_at": meetup.starts_at.isoformat()}
            applications = tx.uow.applications.for_meetup(meetup_id)
            taking_part = [a.member_id for a in applications if a.state in ACTIVE_STATES]
            tx.notify_many(taking_part, MessageKind.MEETUP_RESCHEDULED, **params)
            # Reminders for the old time are withdrawn, new ones planned for the
            # seat holders, each due at its offset before the new start.
            withdraw_reminders(tx, moved)
            holders = [a.member_id for a in applications if a.holds_seat]
            plan_reminders(tx, moved, holders, self._reminder_offsets)
        if moved.meeting is not None:
            self._after_meeting_moved(meetup_id)
        return moved

    def propose_follow_up(
        self,
        actor: MemberId,
        meetup_id: MeetupId,
        *,
        title: str,
        topic: str,
        starts_at: datetime,
        ends_at: datetime,
        capacity: int,
        applications_open_at: datetime,
        applications_close_at: datetime,
        venue: str | None = None,
        format: MeetupFormat | str = MeetupFormat.OFFLINE,
        lottery: Constraints | None = None,
        seat_rules: SeatRules | None = None,
    ) -> Meetup:
        """Propose a follow-up (offline by default, or hybrid) to an ended meetup.

        The follow-up is a new draft meetup in the same community, linked by
        ``follow_up_of``.  It is offered first to those who asked to continue
        (:meth:`want_follow_up`): each of them, in the order they asked and up
        to the capacity, is offered a seat that lapses after
        ``seat_rules.offer_ttl``.  Every other attendee hears about it, and
        the seats left go to the lottery once it is announced.

        :raises IllegalTransition: the original meetup has not ended.
        """
        if lottery is not None:
            check_quota_attributes(lottery)
        with self._transaction() as tx:
            original = tx.meetup(meetup_id)
            tx.require_organiser(original, actor)
            if original.state is not MeetupState.ENDED:
                raise IllegalTransition(
                    meetup_id, entity="meetup", source=original.state.value, target="follow_up"
                )
            host_membership = tx.uow.memberships.get(original.community_id, original.host_id)
            host = (
                original.host_id
                if host_membership is not None and host_membership.may_organise()
                else actor
            )
            follow_up = attrs.evolve(
                Meetup.plan(
                    id=MeetupId(tx.ids.new("mtp")),
                    community_id=original.community_id,
                    host_id=host,
                    title=title,
                    topic=topic,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    capacity=capacity,
                    applications_open_at=applications_open_at,
                    applications_close_at=applications_close_at,
                    created_at=tx.now,
                    time_zone=original.time_zone,
                    format=parse_format(format),
                    venue=venue,
                    lottery=lottery,
                    seat_rules=seat_rules,
                ),
                follow_up_of=original.id,
            )
            self._check_future(tx, follow_up)
            tx.uow.meetups.add(follow_up)
            interested = [i.member_id for i in tx.uow.interests.for_meetup(meetup_id)]
            first = interested[: follow_up.capacity]
            expires_at = min(tx.now + follow_up.seat_rules.offer_ttl, follow_up.starts_at)
            for member_id in first:
                tx.uow.applications.add(
                    Application(
                        meetup_id=follow_up.id,
                        member_id=member_id,
                        state=ApplicationState.OFFERED,
                        applied_at=tx.now,
                        updated_at=tx.now,
                        offer_expires_at=expires_at,
                    )
                )
            params = meetup_params(follow_up)
            tx.notify_many(
                first, MessageKind.OFFER_MADE, **params, offer_expires_at=expires_at.isoformat()
            )
            offered = set(first)
            attendees = [
                a.member_id
                for a in tx.uow.applications.for_meetup(meetup_id)
                if a.state is ApplicationState.ATTENDED and a.member_id not in offered
            ]
            tx.notify_many(attendees, MessageKind.FOLLOW_UP_PROPOSED, **params)
        return follow_up


def _as_seen_by(tx: Tx, meetup: Meetup, actor: MemberId) -> Meetup:
    """``meetup`` without its meeting (and so its link) unless ``actor`` organises it."""
    if meetup.meeting is None:
        return meetup
    try:
        tx.require_organiser(meetup, actor)
    except PermissionDenied:
        return attrs.evolve(meetup, meeting=None)
    return meetup
