"""Meetups (온라인 네트워킹 모임), their state machine, and the applications to them."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, tzinfo
from typing import Self
from zoneinfo import ZoneInfo

import attrs

from proforum.domain.common import (
    CommunityId,
    MeetupId,
    MemberId,
    Secret,
    check_time_zone,
    clean_text,
    optional_utc_validator,
    require_aware,
    utc_validator,
)
from proforum.domain.lottery import Constraints
from proforum.domain.seat_rules import SeatRules
from proforum.errors import (
    CapacityBelowCommitted,
    IllegalTransition,
    InvalidCapacity,
    InvalidConstraints,
    InvalidInput,
    InvalidSchedule,
)

MAX_CAPACITY = 10_000
TITLE_MAX = 200
TOPIC_MAX = 500
VENUE_MAX = 300
#: How long before the start members may check in.
CHECK_IN_OPENS_BEFORE = timedelta(minutes=30)


class MeetupFormat(enum.StrEnum):
    """Where a meetup happens."""

    ONLINE = "online"
    OFFLINE = "offline"
    #: In a room, with a video meeting for those who cannot come.
    HYBRID = "hybrid"


def parse_format(value: object) -> MeetupFormat:
    """Return ``value`` as a :class:`MeetupFormat`; raise :class:`InvalidInput` if it is none."""
    try:
        if isinstance(value, str):
            return MeetupFormat(value)
    except ValueError:
        pass
    raise InvalidInput(value)


class MeetupState(enum.StrEnum):
    """The life of a meetup: draft → open → closed → drawn → ended, or cancelled."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    DRAWN = "drawn"
    ENDED = "ended"
    CANCELLED = "cancelled"


_MEETUP_TRANSITIONS: dict[MeetupState, frozenset[MeetupState]] = {
    MeetupState.DRAFT: frozenset({MeetupState.OPEN, MeetupState.CANCELLED}),
    MeetupState.OPEN: frozenset({MeetupState.CLOSED, MeetupState.CANCELLED}),
    MeetupState.CLOSED: frozenset({MeetupState.DRAWN, MeetupState.CANCELLED}),
    MeetupState.DRAWN: frozenset({MeetupState.ENDED, MeetupState.CANCELLED}),
    MeetupState.ENDED: frozenset(),
    MeetupState.CANCELLED: frozenset(),
}


@attrs.frozen
class MeetingRef:
    """Where the video meeting of a meetup lives; the join URL is a :class:`Secret`.

    The meeting id stays out of ``repr()`` too: for some providers (a Jitsi
    room name, a Zoom meeting number) it is enough to find the meeting.
    """

    provider: str
    meeting_id: str = attrs.field(repr=False)
    join_url: Secret


@attrs.frozen
class Meetup:
    """A meetup inside a community, announced, applied to, drawn and run by a host.

    Build new meetups with :meth:`plan`, which checks every invariant and converts
    every time to UTC; change them only through the transition methods.
    """

    id: MeetupId
    community_id: CommunityId
    host_id: MemberId
    title: str
    topic: str
    format: MeetupFormat = attrs.field(converter=MeetupFormat)
    starts_at: datetime = attrs.field(validator=utc_validator)
    ends_at: datetime = attrs.field(validator=utc_validator)
    time_zone: str
    capacity: int
    applications_open_at: datetime = attrs.field(validator=utc_validator)
    applications_close_at: datetime = attrs.field(validator=utc_validator)
    created_at: datetime = attrs.field(validator=utc_validator)
    state: MeetupState = attrs.field(default=MeetupState.DRAFT, converter=MeetupState)
    venue: str | None = None
    follow_up_of: MeetupId | None = None
    meeting: MeetingRef | None = None
    reminder_sent_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)
    links_sent_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)
    #: Company cap and quotas of the lottery, public from the announcement on.
    lottery: Constraints = attrs.field(factory=Constraints)
    seat_rules: SeatRules = attrs.field(factory=SeatRules)

    @classmethod
    def plan(
        cls,
        *,
        id: MeetupId,
        community_id: CommunityId,
        host_id: MemberId,
        title: str,
        topic: str,
        starts_at: datetime,
        ends_at: datetime,
        capacity: int,
        applications_open_at: datetime,
        applications_close_at: datetime,
        created_at: datetime,
        time_zone: str = "Asia/Seoul",
        format: MeetupFormat = MeetupFormat.ONLINE,
        venue: str | None = None,
        follow_up_of: MeetupId | None = None,
        lottery: Constraints | None = None,
        seat_rules: SeatRules | None = None,
    ) -> Self:
        """Validate every input and return a meetup in the ``draft`` state.

        :raises InvalidCapacity: capacity below 1 or above :data:`MAX_CAPACITY`.
        :raises InvalidSchedule: naive times, an end before the start, an
            application window that does not close before the start, or a
            confirmation deadline outside the time between the two.
        :raises InvalidConstraints: a quota that asks for more than the capacity.
        """
        check_capacity(capacity)
        start = require_aware("starts_at", starts_at)
        end = require_aware("ends_at", ends_at)
        opens = require_aware("applications_open_at", applications_open_at)
        closes = require_aware("applications_close_at", applications_close_at)
        if end <= start:
            raise InvalidSchedule(
                ends_at,
                rule_ko="종료 시각은 시작 시각보다 늦어야 합니다",
                rule_en="the end must come after the start",
            )
        if not opens < closes <= start:
            raise InvalidSchedule(
                applications_close_at,
                rule_ko="신청 기간은 시작 전에 열리고 닫혀야 합니다",
                rule_en="the application window must open and close before the start",
            )
        meetup_format = parse_format(format)
        clean_venue = None
        if venue is not None:
            clean_venue = clean_text("venue", venue, max_len=VENUE_MAX)
        rules = seat_rules or SeatRules()
        _check_confirm_by(rules, closes, start)
        constraints = lottery or Constraints()
        _check_quotas_fit(constraints, capacity)
        return cls(
            id=id,
            community_id=community_id,
            host_id=host_id,
            title=clean_text("title", title, max_len=TITLE_MAX),
            topic=clean_text("topic", topic, max_len=TOPIC_MAX, multiline=True),
            format=meetup_format,
            starts_at=start,
            ends_at=end,
            time_zone=check_time_zone(time_zone),
            capacity=capacity,
            applications_open_at=opens,
            applications_close_at=closes,
            created_at=require_aware("created_at", created_at),
            venue=clean_venue,
            follow_up_of=follow_up_of,
            lottery=constraints,
            seat_rules=rules,
        )

    def _go(self, target: MeetupState) -> Self:
        if target not in _MEETUP_TRANSITIONS[self.state]:
            raise IllegalTransition(
                self.id, entity="meetup", source=self.state.value, target=target.value
            )
        return attrs.evolve(self, state=target)

    def open_applications(self) -> Self:
        """Announce the meetup: members may apply within the window."""
        return self._go(MeetupState.OPEN)

    def close_applications(self) -> Self:
        """Freeze the applicant list ahead of the draw."""
        return self._go(MeetupState.CLOSED)

    def mark_drawn(self) -> Self:
        """Record that the lottery has run."""
        return self._go(MeetupState.DRAWN)

    def end(self) -> Self:
        """Record that the meetup took place and is over."""
        return self._go(MeetupState.ENDED)

    def cancel(self) -> Self:
        """Call the meetup off."""
        return self._go(MeetupState.CANCELLED)

    def move(self, starts_at: datetime, ends_at: datetime, now: datetime) -> Self:
        """Move the meetup to a new time; any time before it has ended or been cancelled.

        The application window stays as it is, so it must still close before the
        new start.

        :raises IllegalTransition: the meetup has ended or been cancelled.
        :raises InvalidSchedule: naive times, an end before the start, a start
            that is not in the future, or a start before applications close.
        """
        if self.state in (MeetupState.ENDED, MeetupState.CANCELLED):
            raise IllegalTransition(
                self.id, entity="meetup", source=self.state.value, target="moved"
            )
        start = require_aware("starts_at", starts_at)
        end = require_aware("ends_at", ends_at)
        if end <= start:
            raise InvalidSchedule(
                ends_at,
                rule_ko="종료 시각은 시작 시각보다 늦어야 합니다",
                rule_en="the end must come after the start",
            )
        if start <= now:
            raise InvalidSchedule(
                starts_at,
                rule_ko="새 시작 시각은 지금보다 뒤여야 합니다",
                rule_en="the new start must be in the future",
            )
        if start < self.applications_close_at:
            raise InvalidSchedule(
                starts_at,
                rule_ko="새 시작 시각은 신청 마감 뒤여야 합니다",
                rule_en="the new start must come after applications close",
            )
        _check_confirm_by(self.seat_rules, self.applications_close_at, start)
        return attrs.evolve(self, starts_at=start, ends_at=end)

    def with_capacity(self, capacity: int, *, seats_taken: int) -> Self:
        """Return this meetup with ``capacity`` seats.

        Before applications close any capacity goes; between the close and the
        draw the committed number of seats is fixed; after the draw the capacity
        can grow (the waitlist gets offers) or shrink down to the seats taken.

        :raises InvalidCapacity: below 1 or above :data:`MAX_CAPACITY`.
        :raises IllegalTransition: the lottery is committed but not drawn, or
            the meetup has ended or been cancelled.
        :raises CapacityBelowCommitted: fewer seats than ``seats_taken``.
        :raises InvalidConstraints: a quota minimum above the new capacity.
        """
        check_capacity(capacity)
        if self.state not in (MeetupState.DRAFT, MeetupState.OPEN, MeetupState.DRAWN):
            raise IllegalTransition(
                self.id, entity="meetup", source=self.state.value, target="capacity"
            )
        if capacity < seats_taken:
            raise CapacityBelowCommitted(capacity, committed=seats_taken)
        _check_quotas_fit(self.lottery, capacity)
        return attrs.evolve(self, capacity=capacity)

    def local_times(self, zone: str | tzinfo | None = None) -> tuple[datetime, datetime]:
        """The start and end as wall-clock times in ``zone`` (default: the meetup's own).

        Times are stored in UTC; each viewer sees them in their own zone, so a
        19:00 Asia/Seoul meetup is 11:00 in Europe/Berlin in winter and 12:00 in
        summer.
        """
        tz = ZoneInfo(self.time_zone) if zone is None else zone
        if isinstance(tz, str):
            tz = ZoneInfo(check_time_zone(tz))
        return self.starts_at.astimezone(tz), self.ends_at.astimezone(tz)

    def with_meeting(self, meeting: MeetingRef) -> Self:
        """Attach the video meeting; only before the meetup has ended or been cancelled."""
        if self.state in (MeetupState.ENDED, MeetupState.CANCELLED):
            raise IllegalTransition(
                self.id, entity="meetup", source=self.state.value, target="meeting"
            )
        return attrs.evolve(self, meeting=meeting)

    def accepts_applications_at(self, now: datetime) -> bool:
        """Tell whether a member may apply at ``now``."""
        return (
            self.state is MeetupState.OPEN
            and self.applications_open_at <= now < self.applications_close_at
        )

    def confirmation_overdue_at(self, now: datetime) -> bool:
        """Tell whether the confirmation deadline (if any) has passed at ``now``."""
        deadline = self.seat_rules.confirm_by
        return deadline is not None and now >= deadline

    def check_in_open_at(self, now: datetime) -> bool:
        """Tell whether attendance can be recorded at ``now``."""
        return (
            self.state is MeetupState.DRAWN
            and self.starts_at - CHECK_IN_OPENS_BEFORE <= now < self.ends_at + timedelta(hours=6)
        )


def check_capacity(capacity: object) -> int:
    """Return ``capacity`` if it is a whole number of seats from 1 to :data:`MAX_CAPACITY`."""
    if (
        isinstance(capacity, bool)
        or not isinstance(capacity, int)
        or not (1 <= capacity <= MAX_CAPACITY)
    ):
        raise InvalidCapacity(capacity, max=MAX_CAPACITY)
    return capacity


def _check_quotas_fit(constraints: Constraints, capacity: int) -> None:
    for quota in constraints.quotas:
        if quota.min > capacity:
            raise InvalidConstraints(
                quota.min,
                rule_ko=f"'{quota.label}'의 최소 인원이 정원({capacity}명)보다 많습니다",
                rule_en=f"the minimum of '{quota.label}' is above the capacity ({capacity})",
            )


def _check_confirm_by(rules: SeatRules, closes: datetime, starts: datetime) -> None:
    deadline = rules.confirm_by
    if deadline is not None and not closes <= deadline < starts:
        raise InvalidSchedule(
            deadline,
            rule_ko="참석 확정 기한은 신청 마감과 시작 사이여야 합니다",
            rule_en="the confirmation deadline must fall between the close of applications and the start",
        )


class ApplicationState(enum.StrEnum):
    """Where an application (참가 신청) stands."""

    APPLIED = "applied"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    #: A freed seat was offered from the waitlist; it expires at ``offer_expires_at``.
    OFFERED = "offered"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    #: An offer or a selection lapsed unanswered; the seat went to someone else.
    EXPIRED = "expired"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


_APPLICATION_TRANSITIONS: dict[ApplicationState, frozenset[ApplicationState]] = {
    ApplicationState.APPLIED: frozenset(
        {ApplicationState.SELECTED, ApplicationState.WAITLISTED, ApplicationState.WITHDRAWN}
    ),
    # Declining from the waitlist means "do not offer me a seat any more".
    ApplicationState.WAITLISTED: frozenset(
        {ApplicationState.OFFERED, ApplicationState.WITHDRAWN, ApplicationState.DECLINED}
    ),
    ApplicationState.OFFERED: frozenset(
        {ApplicationState.CONFIRMED, ApplicationState.DECLINED, ApplicationState.EXPIRED}
    ),
    ApplicationState.SELECTED: frozenset(
        {
            ApplicationState.CONFIRMED,
            ApplicationState.DECLINED,
            ApplicationState.EXPIRED,
            ApplicationState.ATTENDED,
            ApplicationState.NO_SHOW,
        }
    ),
    ApplicationState.CONFIRMED: frozenset(
        {ApplicationState.DECLINED, ApplicationState.ATTENDED, ApplicationState.NO_SHOW}
    ),
    # A host may correct a no-show they recorded by mistake.
    ApplicationState.NO_SHOW: frozenset({ApplicationState.ATTENDED}),
    ApplicationState.ATTENDED: frozenset(),
    ApplicationState.DECLINED: frozenset(),
    ApplicationState.EXPIRED: frozenset(),
    # Someone who withdrew may change their mind while the window is open.
    ApplicationState.WITHDRAWN: frozenset({ApplicationState.APPLIED}),
}

#: States whose holder has a seat: they receive the meeting link.
SEAT_HOLDING = frozenset({ApplicationState.SELECTED, ApplicationState.CONFIRMED})
#: States that may read the meeting link.
LINK_HOLDING = SEAT_HOLDING | {ApplicationState.ATTENDED}
#: States that take one of the capacity's seats: an open offer reserves the
#: seat it offers, so one vacancy is never offered to two people.
SEAT_TAKING = SEAT_HOLDING | {ApplicationState.OFFERED, ApplicationState.ATTENDED}


def require_transition(
    source: ApplicationState, target: ApplicationState, subject: object = None
) -> None:
    """Raise :class:`IllegalTransition` unless an application may go from ``source`` to ``target``.

    :param subject: what the error names (a member id), if anything.
    """
    if target not in _APPLICATION_TRANSITIONS[source]:
        raise IllegalTransition(
            subject, entity="application", source=source.value, target=target.value
        )


@attrs.frozen
class Application:
    """One member's application to one meetup."""

    meetup_id: MeetupId
    member_id: MemberId
    state: ApplicationState = attrs.field(converter=ApplicationState)
    applied_at: datetime = attrs.field(validator=utc_validator)
    updated_at: datetime = attrs.field(validator=utc_validator)
    #: When an open offer lapses; ``None`` unless the state is ``offered``.
    offer_expires_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)
    #: Seconds in the meeting by the video provider's attendance report.
    attended_seconds: int | None = None

    def move_to(self, target: ApplicationState, now: datetime) -> Self:
        """Return this application in ``target``; raise :class:`IllegalTransition` if not allowed."""
        require_transition(self.state, target, self.member_id)
        return attrs.evolve(self, state=target, updated_at=now, offer_expires_at=None)

    def offer(self, now: datetime, ttl: timedelta) -> Self:
        """Offer this waitlisted applicant a freed seat until ``now + ttl``."""
        offered = self.move_to(ApplicationState.OFFERED, now)
        return attrs.evolve(offered, offer_expires_at=now + ttl)

    def offer_lapsed_at(self, now: datetime) -> bool:
        """Tell whether this is an open offer whose time ran out at ``now``."""
        return (
            self.state is ApplicationState.OFFERED
            and self.offer_expires_at is not None
            and now >= self.offer_expires_at
        )

    @property
    def takes_seat(self) -> bool:
        """Tell whether this application counts against the capacity (offers included)."""
        return self.state in SEAT_TAKING

    @property
    def holds_seat(self) -> bool:
        """Tell whether this applicant currently holds one of the meetup's seats."""
        return self.state in SEAT_HOLDING

    @property
    def may_read_link(self) -> bool:
        """Tell whether this applicant may read the meeting link."""
        return self.state in LINK_HOLDING
