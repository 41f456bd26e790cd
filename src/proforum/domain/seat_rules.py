"""How seats change hands after the draw: offers, confirmations, attendance.

A meetup carries one :class:`SeatRules`.  The defaults suit the story: a
waitlist offer stays open for a day, confirming a seat is optional, and a
participant who was in the meeting for less than ten minutes counts as a
no-show.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from proforum.domain.common import optional_utc_validator, require_aware
from proforum.errors import InvalidSeatRule

MIN_OFFER_TTL = timedelta(minutes=5)
MAX_OFFER_TTL = timedelta(days=14)
MAX_ATTENDED_MINUTES = 24 * 60


def _check_ttl(instance: object, attribute: attrs.Attribute[timedelta], value: object) -> None:
    if not isinstance(value, timedelta) or not MIN_OFFER_TTL <= value <= MAX_OFFER_TTL:
        raise InvalidSeatRule(
            value,
            rule_ko="자리 제안의 응답 기한은 5분 이상 14일 이하여야 합니다",
            rule_en="an offer must stay open between 5 minutes and 14 days",
        )


def _check_minutes(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_ATTENDED_MINUTES
    ):
        raise InvalidSeatRule(
            value,
            rule_ko="최소 참석 시간은 0분 이상 1440분 이하의 정수여야 합니다",
            rule_en="the minimum attendance must be a whole number of minutes from 0 to 1440",
        )


def _to_utc(value: datetime | None) -> datetime | None:
    return None if value is None else require_aware("confirm_by", value)


@attrs.frozen
class SeatRules:
    """The rules a meetup's seats follow between the draw and the end.

    :param offer_ttl: how long a waitlisted member has to accept a freed seat
        before it is offered to the next person.
    :param confirm_by: when set, selected participants who have not confirmed
        by then lose their seat, which is offered to the waitlist.
    :param min_attended_minutes: a seat holder in the meeting for less than
        this (by the video provider's report) and not checked in is a no-show.
    """

    offer_ttl: timedelta = attrs.field(default=timedelta(hours=24), validator=_check_ttl)
    confirm_by: datetime | None = attrs.field(
        default=None, converter=_to_utc, validator=optional_utc_validator
    )
    min_attended_minutes: int = attrs.field(default=10, validator=_check_minutes)

    @property
    def min_attended(self) -> timedelta:
        """:attr:`min_attended_minutes` as a duration."""
        return timedelta(minutes=self.min_attended_minutes)
