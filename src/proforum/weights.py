"""A ready-made lottery weight policy: first-timers up, recent no-shows down.

Nothing is weighted unless a forum registers a policy::

    forum.plugin_manager.register(FirstTimersAndNoShows())

The weights end up in the published commitment, so applicants can see the
rule applied to each of them; see ``docs/lottery.md``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs

from proforum.domain.identity import Member
from proforum.domain.lottery import check_weight
from proforum.domain.meetup import Meetup
from proforum.domain.participation import ParticipationRecord
from proforum.plugins import hookimpl


@attrs.frozen
class FirstTimersAndNoShows:
    """Weigh members who never held a seat up, and recent no-shows down.

    :param first_time: weight of a member who never held a seat.
    :param recent_no_show: weight of a member whose last no-show is at most
        ``window`` before the meetup's applications closed.
    :param window: how long a no-show counts against a member.
    """

    first_time: Decimal = attrs.field(default=Decimal(2), converter=check_weight)
    recent_no_show: Decimal = attrs.field(default=Decimal("0.5"), converter=check_weight)
    window: timedelta = timedelta(days=180)

    @hookimpl
    def proforum_lottery_weight(
        self, meetup: Meetup, member: Member, record: ParticipationRecord
    ) -> Decimal | None:
        """Return this policy's weight for ``member``, or ``None`` for the default 1."""
        if record.first_time:
            return self.first_time
        last = record.last_no_show_at
        if last is not None and meetup.applications_close_at - last <= self.window:
            return self.recent_no_show
        return None
