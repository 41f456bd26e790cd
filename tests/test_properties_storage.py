"""Model-based tests of the memory-backed forum (trust-practices §2, §6; DESIGN §2.8).

A Hypothesis state machine mixes good and bad use cases on one forum and checks,
after every step, the invariants a member could be hurt by: no meetup over
capacity, one application per person, promotions in the published waitlist order,
links only to seat holders, and failed use cases leaving no trace.  Then fault
injection (a write that fails half-way, a plugin that crashes, a notifier that
fails) and threads.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

import proforum
from forum_world import LINK, T0
from proforum import ManualClock, Role, SeededIds, hookimpl
from proforum.adapters import memory_tables
from proforum.domain.common import MeetupId, MemberId, Secret
from proforum.domain.meetup import MeetingRef, Meetup
from proforum.domain.notification import Message
from proforum.errors import ProforumError
from proforum.ports.video import MeetingRequest

SEAT_STATES = frozenset({"selected", "confirmed", "attended"})
#: Seats a meetup gave away, including those whose holder did not come.
# An open offer reserves the seat it offers.
USED_SEAT_STATES = SEAT_STATES | {"no_show", "offered"}
LINK_STATES = frozenset({"selected", "confirmed"})

NICKNAMES = [
    "마케터",
    "MARKETER",
    "marketer",
    "ｍａｒｋｅｔｅｒ",
    "김dev",
    "디자이너",
    unicodedata.normalize("NFD", "디자이너"),
    "x",  # too short
    "한\u200b글",  # zero-width space
]
REAL_NAMES = ["김철수", "이영희", "박지민", " "]
#: Members registered and joined before the machine's first rule.
CAST = 6
#: Who performs an organiser's use case; "member" is an ordinary member (refused).
ORGANISERS = st.sampled_from(["host", "host", "operator", "member"])


def new_forum(
    label: str,
    clock: ManualClock,
    *plugins: object,
    **options: Any,
) -> proforum.Forum:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    for plugin in plugins:
        pm.register(plugin)
    return proforum.open(
        "memory://", clock=clock, ids=SeededIds(label), plugin_manager=pm, **options
    )


# --------------------------------------------------------------------------- the state machine


class ForumMachine(RuleBasedStateMachine):
    """One community, its host and operator, and members who come and go."""

    members = Bundle("members")
    meetups = Bundle("meetups")

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(T0)
        self.forum = new_forum("state-machine", self.clock)
        self.setup_community()
        self.waitlists: dict[str, list[str]] = {}
        #: Members who declined while still waiting: they left, nobody promoted them.
        self.left_waitlist: set[str] = set()
        self.checked_links: set[str] = set()

    def teardown(self) -> None:
        self.forum.close()

    # -- plumbing -----------------------------------------------------------

    def attempt(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one use case; if it fails, the forum must be exactly as before."""
        before = self.forum.export_data()
        try:
            result = action(*args, **kwargs)
        except ProforumError as exc:
            failure: ProforumError | None = exc
        else:
            failure = None
        outcome = "ok" if failure is None else type(failure).__name__
        event(f"{action.__name__}: {outcome}")
        if failure is not None:
            after = self.forum.export_data()
            assert after == before, f"{action.__name__} raised {outcome} after writing"
            return None
        return result

    def organiser(self, who: str, member: str) -> MemberId:
        return {"host": self.host, "operator": self.operator}.get(who, member)  # type: ignore[return-value]

    def states(self, meetup_id: str) -> dict[str, str]:
        return {
            a["member_id"]: a["state"]
            for a in self.forum.export_data()["tables"]["applications"]
            if a["meetup_id"] == meetup_id
        }

    # -- setup --------------------------------------------------------------

    def setup_community(self) -> None:
        """The operator, a host and a cast of members who joined (before any rule)."""
        forum = self.forum
        operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
        host = forum.register_member(real_name="박성과", job_function="marketing-pr")
        community = forum.create_community(
            operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
        )
        forum.join_community(host.id, community.id)
        forum.assign_role(operator.id, community.id, host.id, Role.HOST)
        self.operator, self.host, self.community_id = operator.id, host.id, community.id
        self.cast_ids: list[MemberId] = []
        for i in range(CAST):
            member = forum.register_member(nickname=f"회원{i}", job_function="marketing-pr")
            forum.join_community(member.id, community.id)
            self.cast_ids.append(member.id)

    @initialize(target=members)
    def cast(self) -> Any:
        return multiple(*self.cast_ids)

    @initialize(target=meetups, capacity=st.integers(1, 3), applicants=st.integers(0, 6))
    def first_meetup(self, capacity: int, applicants: int) -> MeetupId:
        meetup = self.plan(self.host, capacity, timedelta(days=1), timedelta(days=1))
        for member in self.cast_ids[:applicants]:
            self.attempt(self.forum.apply, member, meetup)
        return meetup  # type: ignore[no-any-return]

    def plan(
        self, actor: MemberId, capacity: int, close_in: timedelta, start_after_close: timedelta
    ) -> Any:
        now = self.clock.now()
        starts = now + close_in + start_after_close
        meetup = self.attempt(
            self.forum.create_meetup,
            actor,
            self.community_id,
            title="퍼포먼스 마케터 모임",
            topic="망해본 이야기",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=capacity,
            applications_open_at=now,
            applications_close_at=now + close_in,
        )
        if meetup is None:
            return multiple()
        assert self.attempt(self.forum.announce_meetup, actor, meetup.id) is not None
        return meetup.id

    def wait_for(self, meetup: MeetupId, milestone: str) -> None:
        """Move the clock forward to ``milestone`` of ``meetup`` (never backwards)."""
        m: Meetup = self.forum.meetup(self.host, meetup)
        when = {
            "close": m.applications_close_at,
            "check-in": m.starts_at - timedelta(minutes=30),
            "start": m.starts_at,
            "end": m.ends_at,
        }[milestone]
        if when > self.clock.now():
            self.clock.set(when)

    # -- members ------------------------------------------------------------

    @rule(
        target=members,
        nickname=st.sampled_from(NICKNAMES) | st.none(),
        real_name=st.sampled_from(REAL_NAMES),
        join=st.booleans(),
    )
    def register(self, nickname: str | None, real_name: str, join: bool) -> Any:
        identity = {"nickname": nickname} if nickname is not None else {"real_name": real_name}
        member = self.attempt(self.forum.register_member, job_function="marketing-pr", **identity)
        if member is None:
            return multiple()
        if join:
            assert self.attempt(self.forum.join_community, member.id, self.community_id)
        return member.id

    @rule(member=members)
    def join(self, member: MemberId) -> None:
        self.attempt(self.forum.join_community, member, self.community_id)

    # -- meetups ------------------------------------------------------------

    @rule(
        target=meetups,
        capacity=st.integers(0, 4),
        close_in=st.sampled_from([timedelta(hours=2), timedelta(days=1)]),
        start_after_close=st.sampled_from([timedelta(hours=1), timedelta(days=1)]),
        who=ORGANISERS,
        member=members,
    )
    def plan_and_announce(
        self,
        capacity: int,
        close_in: timedelta,
        start_after_close: timedelta,
        who: str,
        member: MemberId,
    ) -> Any:
        return self.plan(self.organiser(who, member), capacity, close_in, start_after_close)

    @rule(member=members, meetup=meetups)
    def apply(self, member: MemberId, meetup: MeetupId) -> None:
        self.attempt(self.forum.apply, member, meetup)

    @rule(meetup=meetups, count=st.integers(1, 6))
    def apply_together(self, meetup: MeetupId, count: int) -> None:
        for member in self.cast_ids[:count]:
            self.attempt(self.forum.apply, member, meetup)

    @rule(member=members, meetup=meetups)
    def withdraw(self, member: MemberId, meetup: MeetupId) -> None:
        self.attempt(self.forum.withdraw, member, meetup)

    @rule(
        meetup=meetups,
        who=ORGANISERS,
        member=members,
        wait=st.booleans(),
    )
    def close_and_draw(self, meetup: MeetupId, who: str, member: MemberId, wait: bool) -> None:
        actor = self.organiser(who, member)
        if wait:
            self.wait_for(meetup, "close")
        self.attempt(self.forum.close_applications, actor, meetup)
        draw = self.attempt(self.forum.draw, actor, meetup)
        if draw is not None:
            assert meetup not in self.waitlists
            self.waitlists[meetup] = list(draw.waitlist)
            record = self.forum.draw_record(self.host, meetup)
            assert proforum.verify_draw(record).valid

    @rule(meetup=meetups, who=ORGANISERS, member=members)
    def send_links(self, meetup: MeetupId, who: str, member: MemberId) -> None:
        actor = self.organiser(who, member)
        self.attempt(self.forum.set_meeting, actor, meetup, options={"join_url": LINK})
        self.attempt(self.forum.send_meeting_links, actor, meetup)

    @rule(member=members, meetup=meetups)
    def confirm(self, member: MemberId, meetup: MeetupId) -> None:
        self.attempt(self.forum.confirm, member, meetup)

    @rule(member=members, meetup=meetups)
    def decline(self, member: MemberId, meetup: MeetupId) -> None:
        self.decline_and_check_promotion(member, meetup)

    def decline_and_check_promotion(self, member: MemberId, meetup: MeetupId) -> None:
        before = self.states(meetup)
        declined = self.attempt(self.forum.decline, member, meetup)
        if declined is None:
            return
        after = self.states(meetup)
        # A seat (or an offer) given up is offered to exactly the first person
        # still waiting, in the draw's order; leaving the waitlist frees no seat
        # and offers nothing.
        waiting = [m for m in self.waitlists.get(meetup, []) if before[m] == "waitlisted"]
        changed = {m for m in after if after[m] != before.get(m)}
        if before[member] == "waitlisted":
            event("left the waitlist")
            self.left_waitlist.add(member)
            assert changed == {member}
        elif waiting:
            event("decline offered the seat to the waitlist")
            assert changed == {member, waiting[0]}
            assert after[waiting[0]] == "offered"
        else:
            assert changed == {member}

    @rule(
        meetup=meetups,
        pick=st.integers(0, 10),
        action=st.sampled_from(["confirm", "decline", "decline", "check_in"]),
        wait=st.booleans(),
    )
    def seat_holder_acts(self, meetup: MeetupId, pick: int, action: str, wait: bool) -> None:
        """A member who holds a seat confirms, gives it up, or checks in."""
        holders = sorted(m for m, s in self.states(meetup).items() if s in LINK_STATES)
        if not holders:
            return
        member = holders[pick % len(holders)]
        if action == "decline":
            self.decline_and_check_promotion(member, meetup)  # type: ignore[arg-type]
            return
        if action == "check_in" and wait:
            self.wait_for(meetup, "check-in")
        self.attempt(getattr(self.forum, action), member, meetup)

    @rule(meetup=meetups, pick=st.integers(0, 10))
    def seat_holder_declines(self, meetup: MeetupId, pick: int) -> None:
        holders = sorted(m for m, s in self.states(meetup).items() if s in LINK_STATES)
        if holders:
            self.decline_and_check_promotion(holders[pick % len(holders)], meetup)  # type: ignore[arg-type]

    @rule(meetup=meetups, pick=st.integers(0, 10), accept=st.booleans())
    def offered_member_answers(self, meetup: MeetupId, pick: int, accept: bool) -> None:
        """Someone offered a freed seat takes it, or passes it on."""
        offered = sorted(m for m, s in self.states(meetup).items() if s == "offered")
        if not offered:
            return
        member = offered[pick % len(offered)]
        if accept:
            self.attempt(self.forum.confirm, member, meetup)
        else:
            self.decline_and_check_promotion(member, meetup)  # type: ignore[arg-type]

    @rule(member=members, meetup=meetups, wait=st.booleans())
    def check_in(self, member: MemberId, meetup: MeetupId, wait: bool) -> None:
        if wait:
            self.wait_for(meetup, "check-in")
        self.attempt(self.forum.check_in, member, meetup)

    @rule(
        meetup=meetups,
        who=ORGANISERS,
        member=members,
        wait=st.booleans(),
    )
    def end(self, meetup: MeetupId, who: str, member: MemberId, wait: bool) -> None:
        if wait:
            self.wait_for(meetup, "end")
        self.attempt(self.forum.end_meetup, self.organiser(who, member), meetup)

    # Mostly refused: a cancelled meetup ends the story early, so keep it rare.
    @rule(meetup=meetups, who=st.sampled_from(["host"] + ["member"] * 5), member=members)
    def cancel(self, meetup: MeetupId, who: str, member: MemberId) -> None:
        self.attempt(self.forum.cancel_meetup, self.organiser(who, member), meetup)

    @rule(meetup=meetups)
    def progress(self, meetup: MeetupId) -> None:
        """The organiser's next good step for this meetup, waiting as long as needed."""
        m: Meetup = self.forum.meetup(self.host, meetup)
        if m.state in ("open", "closed"):
            self.wait_for(meetup, "close")
            if m.state == "open":
                self.attempt(self.forum.close_applications, self.host, meetup)
            draw = self.attempt(self.forum.draw, self.host, meetup)
            if draw is not None:
                self.waitlists[meetup] = list(draw.waitlist)
        elif m.state == "drawn" and m.links_sent_at is None:
            self.attempt(self.forum.set_meeting, self.host, meetup, options={"join_url": LINK})
            self.attempt(self.forum.send_meeting_links, self.host, meetup)
        elif m.state == "drawn" and self.clock.now() < m.starts_at - timedelta(minutes=30):
            self.wait_for(meetup, "check-in")
        elif m.state == "drawn":
            self.wait_for(meetup, "end")
            self.attempt(self.forum.end_meetup, self.host, meetup)

    # -- time ---------------------------------------------------------------

    @rule(
        delta=st.sampled_from(
            [timedelta(minutes=20), timedelta(hours=3), timedelta(hours=12), timedelta(days=1)]
        )
    )
    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)

    @rule(meetup=meetups, milestone=st.sampled_from(["close", "check-in", "start", "end"]))
    def jump_to(self, meetup: MeetupId, milestone: str) -> None:
        self.wait_for(meetup, milestone)

    # -- invariants ---------------------------------------------------------

    @invariant()
    def seats_applications_and_links(self) -> None:
        tables = self.forum.export_data()["tables"]
        keys = [(a["meetup_id"], a["member_id"]) for a in tables["applications"]]
        assert len(keys) == len(set(keys)), "somebody applied twice to one meetup"

        states: dict[str, dict[str, str]] = defaultdict(dict)
        for a in tables["applications"]:
            states[a["meetup_id"]][a["member_id"]] = a["state"]
        meetups = {m["id"]: m for m in tables["meetups"]}
        draws = {d["meetup_id"]: d for d in tables["draws"]}

        for meetup_id, by_member in states.items():
            capacity = meetups[meetup_id]["capacity"]
            counts = Counter(by_member.values())
            holders = sum(counts[s] for s in SEAT_STATES)
            used = sum(counts[s] for s in USED_SEAT_STATES)
            assert holders <= used <= capacity, (meetup_id, counts, capacity)
            if counts["waitlisted"] and meetups[meetup_id]["state"] == "drawn":
                # Nobody waits while a seat is free (once it ended, open offers lapse).
                assert used == capacity, (meetup_id, counts, capacity)
            draw = draws.get(meetup_id)
            if draw is None:
                assert set(counts) <= {"applied", "withdrawn"}, counts
                continue
            assert draw["waitlist"] == self.waitlists[meetup_id]
            assert counts["applied"] == 0
            # Promotions follow the draw's waitlist order: those who moved up are
            # exactly a prefix of the waitlist.
            still_listed = [m for m in draw["waitlist"] if m not in self.left_waitlist]
            moved = [m for m in still_listed if by_member[m] != "waitlisted"]
            assert moved == still_listed[: len(moved)], (draw["waitlist"], by_member)
            assert set(draw["selected"]) | set(draw["waitlist"]) == {
                e["id"] for e in draw["entrants"]
            }
            assert len(draw["selected"]) == min(capacity, len(draw["entrants"]))

        for meetup in meetups.values():
            assert (meetup["id"] in draws) == (
                meetup["state"] in ("drawn", "ended")
                or (meetup["state"] == "cancelled" and meetup["id"] in self.waitlists)
            )

        # Every meeting-link message went to somebody holding a seat when it was
        # written, i.e. at the end of the step that wrote it.
        for message in tables["messages"]:
            if message["kind"] != "meeting_link" or message["id"] in self.checked_links:
                continue
            self.checked_links.add(message["id"])
            event("meeting link checked")
            meetup_id = message["params"]["meetup_id"]
            assert states[meetup_id].get(message["recipient_id"]) in LINK_STATES, message[
                "recipient_id"
            ]


ForumMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestForumMachine = ForumMachine.TestCase


# --------------------------------------------------------------------------- helpers for the rest


@attrs.define
class Scene:
    forum: proforum.Forum
    clock: ManualClock
    host: MemberId
    community: str
    members: list[MemberId]

    def meetup(self, capacity: int) -> Meetup:
        starts = T0 + timedelta(days=9)
        meetup = self.forum.create_meetup(
            self.host,
            self.community,  # type: ignore[arg-type]
            title="모임",
            topic="주제",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=capacity,
            applications_open_at=T0,
            applications_close_at=T0 + timedelta(days=6),
        )
        return self.forum.announce_meetup(self.host, meetup.id)

    def drawn(self, capacity: int, applicants: int) -> Meetup:
        meetup = self.meetup(capacity)
        for member in self.members[:applicants]:
            self.forum.apply(member, meetup.id)
        self.clock.set(meetup.applications_close_at + timedelta(hours=1))
        self.forum.close_applications(self.host, meetup.id)
        self.forum.draw(self.host, meetup.id)
        return meetup


def make_scene(label: str, members: int, *plugins: object, **options: Any) -> Scene:
    clock = ManualClock(T0)
    forum = new_forum(label, clock, *plugins, **options)
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    ids = []
    for i in range(members):
        member = forum.register_member(nickname=f"회원{i:02d}", job_function="marketing-pr")
        forum.join_community(member.id, community.id)
        ids.append(member.id)
    return Scene(forum, clock, operator.id, community.id, ids)


class InjectedFault(Exception):
    """A failure the test provokes, standing for a disk or driver error."""


@contextmanager
def fail_on_write(number: int) -> Iterator[list[int]]:
    """Make the ``number``-th row write (insert, update or delete) raise."""
    count = [0]
    originals = {
        name: getattr(memory_tables.TxTable, name) for name in ("insert", "update", "delete")
    }

    def wrap(name: str) -> Callable[..., None]:
        original = originals[name]

        def faulty(self: Any, *args: Any) -> None:
            count[0] += 1
            if count[0] == number:
                raise InjectedFault(f"write {number} failed")
            original(self, *args)

        return faulty

    for name in originals:
        setattr(memory_tables.TxTable, name, wrap(name))
    try:
        yield count
    finally:
        for name, original in originals.items():
            setattr(memory_tables.TxTable, name, original)


# --------------------------------------------------------------------------- fault injection


def _prepare(use_case: str) -> tuple[proforum.Forum, Callable[[], object]]:
    """A fresh, deterministic forum just before ``use_case``, and the call to make."""
    scene = make_scene("fault-injection", 8, deliver="manual")
    forum, host, clock = scene.forum, scene.host, scene.clock
    if use_case == "announce":
        draft = forum.create_meetup(
            host,
            scene.community,  # type: ignore[arg-type]
            title="새 모임",
            topic="주제",
            starts_at=T0 + timedelta(days=9),
            ends_at=T0 + timedelta(days=9, hours=2),
            capacity=3,
            applications_open_at=T0,
            applications_close_at=T0 + timedelta(days=6),
        )
        return forum, lambda: forum.announce_meetup(host, draft.id)
    meetup = scene.meetup(3)
    for member in scene.members[:6]:
        forum.apply(member, meetup.id)
    clock.set(meetup.applications_close_at + timedelta(hours=1))
    if use_case == "close":
        return forum, lambda: forum.close_applications(host, meetup.id)
    forum.close_applications(host, meetup.id)
    if use_case == "draw":
        return forum, lambda: forum.draw(host, meetup.id)
    forum.draw(host, meetup.id)
    forum.set_meeting(host, meetup.id, options={"join_url": LINK})
    seated = [a.member_id for a in forum.applications(host, meetup.id) if a.holds_seat]
    if use_case == "send_links":
        return forum, lambda: forum.send_meeting_links(host, meetup.id)
    forum.send_meeting_links(host, meetup.id)
    if use_case == "decline_and_promote":
        return forum, lambda: forum.decline(seated[0], meetup.id)
    clock.set(meetup.starts_at)
    forum.check_in(seated[0], meetup.id)
    forum.check_in(seated[1], meetup.id)
    clock.set(meetup.ends_at)
    if use_case == "end":
        return forum, lambda: forum.end_meetup(host, meetup.id)
    forum.end_meetup(host, meetup.id)
    if use_case == "create_survey":
        return forum, lambda: forum.create_survey(
            host,
            meetup.id,
            title="후기",
            question_ko="만족하셨나요?",
            question_en="Satisfied?",
            closes_at=meetup.ends_at + timedelta(days=7),
            min_responses=3,
        )
    survey = forum.create_survey(
        host,
        meetup.id,
        title="후기",
        question_ko="만족하셨나요?",
        question_en="Satisfied?",
        closes_at=meetup.ends_at + timedelta(days=7),
        min_responses=3,
    )
    assert use_case == "answer_survey"
    return forum, lambda: forum.answer_survey(seated[0], survey.id, 5)


FAULT_USE_CASES = [
    "announce",
    "close",
    "draw",
    "send_links",
    "decline_and_promote",
    "end",
    "create_survey",
    "answer_survey",
]


@pytest.mark.parametrize("use_case", FAULT_USE_CASES)
def test_a_write_failing_half_way_leaves_no_partial_change(use_case: str) -> None:
    """Fail every write position in turn: first, second, ... last row written."""
    forum, action = _prepare(use_case)
    with fail_on_write(0) as writes:  # never fails: counts the writes
        action()
    total = writes[0]
    assert total >= 2, f"{use_case} writes {total} row(s): nothing can fail half-way"

    for failing in range(1, total + 1):
        forum, action = _prepare(use_case)
        before = forum.export_data()
        with fail_on_write(failing), pytest.raises(InjectedFault):
            action()
        assert forum.export_data() == before, f"{use_case}: write {failing} of {total}"
        # The forum is not wedged: the same use case succeeds once the fault is gone.
        action()
        assert forum.export_data() != before


class FlakyVideo:
    """A video provider plugin whose ``join_link`` fails from the ``fail_from``-th call."""

    name = "flaky"

    def __init__(self) -> None:
        self.calls = 0
        self.fail_from: int | None = None

    # the factory side
    def create(self, context: object, options: Mapping[str, Any]) -> FlakyVideo:
        return self

    # the provider side
    def create_meeting(self, request: MeetingRequest) -> MeetingRef:
        return MeetingRef(provider=self.name, meeting_id="flaky-1", join_url=Secret(LINK))

    def join_link(self, meeting: MeetingRef, member_id: MemberId) -> Secret:
        self.calls += 1
        if self.fail_from is not None and self.calls >= self.fail_from:
            raise RuntimeError("video service is down")
        return meeting.join_url

    @hookimpl
    def proforum_register_video_providers(self) -> list[Any]:
        return [self]


def test_a_provider_crash_while_sending_links_rolls_everything_back() -> None:
    video = FlakyVideo()
    scene = make_scene("flaky-video", 6, video, deliver="manual")
    forum, host = scene.forum, scene.host
    meetup = scene.drawn(capacity=3, applicants=6)
    forum.set_meeting(host, meetup.id, provider="flaky")
    video.fail_from = 2  # the first holder's link is written, then the provider fails

    before = forum.export_data()
    with pytest.raises(RuntimeError):
        forum.send_meeting_links(host, meetup.id)
    assert video.calls == 2
    assert forum.export_data() == before
    assert not [m for m in forum.outbox() if m.kind == "meeting_link"]


def test_a_provider_crash_while_confirming_an_offer_changes_nothing() -> None:
    video = FlakyVideo()
    scene = make_scene("flaky-promotion", 6, video, deliver="manual")
    forum, host = scene.forum, scene.host
    meetup = scene.drawn(capacity=3, applicants=6)
    forum.set_meeting(host, meetup.id, provider="flaky")
    assert forum.send_meeting_links(host, meetup.id) == 3
    seated = [a.member_id for a in forum.applications(host, meetup.id) if a.holds_seat]

    forum.decline(seated[0], meetup.id)
    first = forum.draw_record(host, meetup.id)["waitlist"][0]
    assert forum.application(first, meetup.id).state == "offered"
    video.fail_from = video.calls + 1  # the link of whoever takes the offer fails
    before = forum.export_data()
    with pytest.raises(RuntimeError):
        forum.confirm(first, meetup.id)
    assert forum.export_data() == before
    assert forum.application(first, meetup.id).state == "offered"

    video.fail_from = None
    forum.confirm(first, meetup.id)
    assert forum.application(first, meetup.id).state == "confirmed"


class ExplodingPolicy:
    """A content-policy plugin with a bug: it raises instead of returning violations."""

    @hookimpl
    def proforum_check_post(
        self, community: object, author: object, title: object, body: str
    ) -> None:
        if "boom" in body:
            raise ValueError("policy plugin bug")


def test_a_crashing_policy_plugin_publishes_nothing() -> None:
    scene = make_scene("exploding-policy", 2, ExplodingPolicy(), deliver="manual")
    forum, member = scene.forum, scene.members[0]
    post = forum.publish_post(member, scene.community, title="안녕하세요", body="첫 글")  # type: ignore[arg-type]
    before = forum.export_data()
    with pytest.raises(ValueError, match="policy plugin bug"):
        forum.publish_post(member, scene.community, title="제목", body="boom")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="policy plugin bug"):
        forum.comment(member, post.id, "boom")
    assert forum.export_data() == before


class BrokenNotifier:
    """A notifier plugin whose deliveries fail until it is repaired."""

    name = "broken"

    def __init__(self) -> None:
        self.repaired = False
        self.delivered: list[str] = []

    def create(self, context: object, options: Mapping[str, Any]) -> BrokenNotifier:
        return self

    def deliver(self, message: Message, recipient: object, rendered: object) -> None:
        if not self.repaired:
            raise ConnectionError("smtp down")
        self.delivered.append(message.id)

    @hookimpl
    def proforum_register_notifiers(self) -> list[Any]:
        return [self]


def test_a_failing_notifier_neither_fails_nor_half_does_the_use_case() -> None:
    """Delivery happens after the commit: the use case is whole, the message waits."""
    notifier = BrokenNotifier()
    scene = make_scene("broken-notifier", 3, notifier, notifier="broken")
    forum = scene.forum
    meetup = scene.meetup(2)

    application = forum.apply(scene.members[0], meetup.id)
    assert forum.application(scene.members[0], meetup.id) == application
    received = [m for m in forum.outbox() if m.kind == "application_received"]
    assert len(received) == 1
    assert received[0].status == "pending"
    assert received[0].attempts == 1
    assert received[0].last_error == "ConnectionError"
    assert not notifier.delivered

    notifier.repaired = True
    scene.clock.advance(timedelta(hours=7))  # past the backoff of the failed attempt
    report = forum.deliver_pending()
    assert report.sent >= 1
    assert received[0].id in notifier.delivered
    assert [m.status for m in forum.outbox() if m.id == received[0].id] == ["sent"]


# --------------------------------------------------------------------------- threads


def _run_threads(count: int, target: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            target(i)
        except BaseException as exc:  # collected and re-checked by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def test_eight_threads_applying_are_each_recorded_exactly_once() -> None:
    scene = make_scene("threads-apply", 8)
    forum = scene.forum
    meetup = scene.meetup(3)
    already: list[str] = []

    def apply_twice(i: int) -> None:
        member = scene.members[i]
        forum.apply(member, meetup.id)
        try:
            forum.apply(member, meetup.id)
        except proforum.errors.AlreadyApplied:
            already.append(member)

    assert _run_threads(8, apply_twice) == []
    applications = forum.applications(scene.host, meetup.id)
    assert Counter(a.member_id for a in applications) == Counter(scene.members)
    assert sorted(already) == sorted(scene.members)
    received = Counter(m.recipient_id for m in forum.outbox() if m.kind == "application_received")
    assert received == Counter(scene.members)
    for member in scene.members:
        assert [e.item.kind for e in forum.inbox(member)].count("application_received") == 1


def test_concurrent_declines_offer_in_waitlist_order_without_overbooking() -> None:
    scene = make_scene("threads-decline", 12)
    forum = scene.forum
    meetup = scene.drawn(capacity=4, applicants=12)
    record = forum.draw_record(scene.host, meetup.id)
    selected, waitlist = record["selected"], record["waitlist"]

    def decline(i: int) -> None:
        forum.decline(selected[i], meetup.id)

    assert _run_threads(4, decline) == []
    states = {a.member_id: a.state for a in forum.applications(scene.host, meetup.id)}
    assert {m for m, s in states.items() if s == "declined"} == set(selected)
    assert [m for m in waitlist if states[m] == "offered"] == waitlist[:4]
    assert all(states[m] == "waitlisted" for m in waitlist[4:])
    assert sum(s in {*SEAT_STATES, "offered"} for s in states.values()) == 4
