"""A state machine over a drawn meetup's seats: declines, confirmations, deadlines, capacity.

Whatever members and the host do, in any order and at any time:

* the seats taken (selected, confirmed, attended, and open offers) never
  exceed the capacity, so one vacancy is never offered to two people;
* no more offers are made than seats were freed (declines, lapses, added capacity);
* offers go down the waitlist in draw order: nobody waits behind someone who
  was offered a seat;
* while the meetup has not started, a free seat and a waiting member never
  coexist after a use case returns.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import proforum
from forum_world import T0, build_world
from proforum import ApplicationState, ManualClock, SeatRules, SeededIds
from proforum.errors import ProforumError

TAKING = {"selected", "confirmed", "offered", "attended"}


class Seats(RuleBasedStateMachine):
    """One meetup of 3 seats drawn among 8 applicants, then anything goes."""

    @initialize()
    def draw(self) -> None:
        self.clock = ManualClock(T0)
        pm = proforum.get_plugin_manager(load_entrypoints=False)
        self.forum = proforum.open(
            "memory://", clock=self.clock, ids=SeededIds("seats"), plugin_manager=pm
        )
        self.world = build_world(self.forum, self.clock, members=8)
        meetup = self.world.open_meetup(3, seat_rules=SeatRules(offer_ttl=timedelta(hours=4)))
        for member in self.world.members:
            self.forum.apply(member.id, meetup.id)
        self.world.close(meetup)
        self.forum.draw(self.world.host.id, meetup.id)
        self.meetup_id = meetup.id
        self.members = [m.id for m in self.world.members]
        self.waitlist = list(self.forum.draw_record(self.world.host.id, meetup.id)["waitlist"])
        self.freed = 0

    def teardown(self) -> None:
        forum = getattr(self, "forum", None)
        if forum is not None:
            forum.close()

    def _states(self) -> dict[str, str]:
        return {
            a.member_id: a.state.value
            for a in self.forum.applications(self.world.host.id, self.meetup_id)
        }

    def _taken(self) -> int:
        return sum(1 for s in self._states().values() if s in TAKING)

    @rule(n=st.integers(0, 7))
    def decline(self, n: int) -> None:
        before = self._states()[self.members[n]]
        try:
            self.forum.decline(self.members[n], self.meetup_id)
        except ProforumError:
            return
        if before in TAKING:
            self.freed += 1

    @rule(n=st.integers(0, 7))
    def confirm(self, n: int) -> None:
        with contextlib.suppress(ProforumError):
            self.forum.confirm(self.members[n], self.meetup_id)

    @rule(minutes=st.integers(1, 600))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    @rule()
    def deadlines(self) -> None:
        self.freed += self.forum.process_deadlines().expired

    @rule(capacity=st.integers(1, 9))
    def resize(self, capacity: int) -> None:
        meetup = self.forum.meetup(self.world.host.id, self.meetup_id)
        try:
            self.forum.change_capacity(self.world.host.id, self.meetup_id, capacity)
        except ProforumError:
            return
        self.freed += max(capacity - meetup.capacity, 0)

    @invariant()
    def seats_never_overbooked(self) -> None:
        meetup = self.forum.meetup(self.world.host.id, self.meetup_id)
        assert self._taken() <= meetup.capacity

    @invariant()
    def no_more_offers_than_freed_seats(self) -> None:
        offers = [m for m in self.forum.outbox() if m.kind == "offer_made"]
        assert len(offers) <= self.freed

    @invariant()
    def offers_follow_the_waitlist(self) -> None:
        states = self._states()
        waiting = [m for m in self.waitlist if states[m] == ApplicationState.WAITLISTED.value]
        # Someone who left the waitlist (declined) may sit anywhere; an offer may not
        # have jumped over anyone still waiting.
        offered = [m for m in self.waitlist if states[m] in ("offered", "confirmed", "expired")]
        if offered and waiting:
            last_offered = max(self.waitlist.index(m) for m in offered)
            assert all(self.waitlist.index(m) > last_offered for m in waiting)

    @invariant()
    def no_free_seat_beside_a_waiting_member(self) -> None:
        meetup = self.forum.meetup(self.world.host.id, self.meetup_id)
        if self.clock.now() >= meetup.starts_at:
            return
        states = self._states()
        lapsed = any(
            a.offer_lapsed_at(self.clock.now())
            for a in self.forum.applications(self.world.host.id, self.meetup_id)
        )
        if self._taken() < meetup.capacity and not lapsed:
            assert ApplicationState.WAITLISTED.value not in states.values()


TestSeats = Seats.TestCase
TestSeats.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
