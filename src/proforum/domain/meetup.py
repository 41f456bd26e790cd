"""Meetups (온라인 네트워킹 모임), their state machine, and the applications to them."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Self

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
from proforum.errors import IllegalTransition, InvalidCapacity, InvalidInput, InvalidSchedule

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
    """Where the video meeting of a meetup lives; the join URL is a :class:`Secret`."""

    provider: str
    meeting_id: str
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
    ) -> Self:
        """Validate every input and return a meetup in the ``draft`` state.

        :raises InvalidCapacity: capacity below 1 or above :data:`MAX_CAPACITY`.
        :raises InvalidSchedule: naive times, an end before the start, or an
            application window that does not close before the start.
        """
        if (
            isinstance(capacity, bool)
            or not isinstance(capacity, int)
            or not (1 <= capacity <= MAX_CAPACITY)
        ):
            raise InvalidCapacity(capacity, max=MAX_CAPACITY)
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
        return attrs.evolve(self, starts_at=start, ends_at=end)

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

    def check_in_open_at(self, now: datetime) -> bool:
        """Tell whether attendance can be recorded at ``now``."""
        return (
            self.state is MeetupState.DRAWN
            and self.starts_at - CHECK_IN_OPENS_BEFORE <= now < self.ends_at + timedelta(hours=6)
        )


class ApplicationState(enum.StrEnum):
    """Where an application (참가 신청) stands."""

    APPLIED = "applied"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


_APPLICATION_TRANSITIONS: dict[ApplicationState, frozenset[ApplicationState]] = {
    ApplicationState.APPLIED: frozenset(
        {ApplicationState.SELECTED, ApplicationState.WAITLISTED, ApplicationState.WITHDRAWN}
    ),
    # Declining from the waitlist means "do not offer me a seat any more".
    ApplicationState.WAITLISTED: frozenset(
        {ApplicationState.SELECTED, ApplicationState.WITHDRAWN, ApplicationState.DECLINED}
    ),
    ApplicationState.SELECTED: frozenset(
        {
            ApplicationState.CONFIRMED,
            ApplicationState.DECLINED,
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
    # Someone who withdrew may change their mind while the window is open.
    ApplicationState.WITHDRAWN: frozenset({ApplicationState.APPLIED}),
}

#: States whose holder has a seat: they receive the meeting link.
SEAT_HOLDING = frozenset({ApplicationState.SELECTED, ApplicationState.CONFIRMED})
#: States that may read the meeting link.
LINK_HOLDING = SEAT_HOLDING | {ApplicationState.ATTENDED}


@attrs.frozen
class Application:
    """One member's application to one meetup."""

    meetup_id: MeetupId
    member_id: MemberId
    state: ApplicationState = attrs.field(converter=ApplicationState)
    applied_at: datetime = attrs.field(validator=utc_validator)
    updated_at: datetime = attrs.field(validator=utc_validator)

    def move_to(self, target: ApplicationState, now: datetime) -> Self:
        """Return this application in ``target``; raise :class:`IllegalTransition` if not allowed."""
        if target not in _APPLICATION_TRANSITIONS[self.state]:
            raise IllegalTransition(
                self.member_id, entity="application", source=self.state.value, target=target.value
            )
        return attrs.evolve(self, state=target, updated_at=now)

    @property
    def holds_seat(self) -> bool:
        """Tell whether this applicant currently holds one of the meetup's seats."""
        return self.state in SEAT_HOLDING

    @property
    def may_read_link(self) -> bool:
        """Tell whether this applicant may read the meeting link."""
        return self.state in LINK_HOLDING
