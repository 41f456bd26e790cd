"""A member's record across meetups: what the lottery's weight policy may look at."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from proforum.domain.common import MemberId, optional_utc_validator
from proforum.domain.meetup import Application, ApplicationState

#: Final or current states in which the member held a seat.
HELD_A_SEAT = frozenset(
    {
        ApplicationState.SELECTED,
        ApplicationState.CONFIRMED,
        ApplicationState.ATTENDED,
        ApplicationState.NO_SHOW,
    }
)


@attrs.frozen
class ParticipationRecord:
    """How often a member applied, got a seat, came, and did not come.

    :param applied: applications not withdrawn, the current one included.
    :param selected: seats held: selected, confirmed, attended or no-show
        (a seat declined in time is not held).
    :param attended: meetups the member attended.
    :param no_shows: seats the member held and did not use.
    :param last_no_show_at: when the latest no-show was recorded.
    """

    member_id: MemberId
    applied: int = 0
    selected: int = 0
    attended: int = 0
    no_shows: int = 0
    last_no_show_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)

    @property
    def first_time(self) -> bool:
        """Tell whether the member has never held a seat."""
        return self.selected == 0

    @property
    def no_show_rate(self) -> float:
        """No-shows among the seats held (0 when none was held)."""
        return self.no_shows / self.selected if self.selected else 0.0


def participation_record(
    member_id: MemberId, applications: Iterable[Application]
) -> ParticipationRecord:
    """Count ``member_id``'s ``applications`` (of any meetups) into a record."""
    applied = selected = attended = no_shows = 0
    last: datetime | None = None
    for application in applications:
        state = application.state
        if state is ApplicationState.WITHDRAWN:
            continue
        applied += 1
        selected += state in HELD_A_SEAT
        attended += state is ApplicationState.ATTENDED
        if state is ApplicationState.NO_SHOW:
            no_shows += 1
            last = application.updated_at if last is None else max(last, application.updated_at)
    return ParticipationRecord(
        member_id=member_id,
        applied=applied,
        selected=selected,
        attended=attended,
        no_shows=no_shows,
        last_no_show_at=last,
    )
