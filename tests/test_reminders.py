"""Reminders planned in the outbox: due at their offsets, once, withdrawn and re-planned.

The clock is a ManualClock; tests move it past each reminder's time and run
the relay, as a worker would.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import proforum
from forum_world import T0, World, assert_unchanged
from proforum import ManualClock, Role, SeededIds
from proforum.domain.meetup import Meetup
from proforum.domain.notification import DeliveryStatus, Message, MessageKind
from proforum.errors import IllegalTransition, InvalidSchedule, ProforumError, RoleRequired
from sql_support import sqlite_url

DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def reminders(forum: proforum.Forum, meetup: Meetup) -> list[Message]:
    return [m for m in forum.outbox() if m.kind is MessageKind.REMINDER and m.subject == meetup.id]


def delivered(forum: proforum.Forum, meetup: Meetup) -> list[Message]:
    return [m for m in reminders(forum, meetup) if m.status is DeliveryStatus.SENT]


def run_relay_at(world: World, when: object) -> None:
    world.clock.set(when)  # type: ignore[arg-type]
    world.forum.deliver_pending()


def test_seat_holders_are_reminded_a_day_and_an_hour_before(world: World) -> None:
    meetup = world.drawn_meetup(capacity=3)
    holders = set(world.seat_holders(meetup))
    planned = reminders(world.forum, meetup)
    assert {m.recipient_id for m in planned} == holders
    assert sorted((m.params["reminder"], m.next_attempt_at) for m in planned) == sorted(
        [("1d", meetup.starts_at - DAY)] * 3 + [("1h", meetup.starts_at - HOUR)] * 3
    )
    # Written at the draw, delivered only when due.
    assert delivered(world.forum, meetup) == []
    run_relay_at(world, meetup.starts_at - DAY - timedelta(minutes=1))
    assert delivered(world.forum, meetup) == []
    run_relay_at(world, meetup.starts_at - DAY)
    sent = delivered(world.forum, meetup)
    assert {(m.recipient_id, m.params["reminder"]) for m in sent} == {(h, "1d") for h in holders}
    # Waitlisted members hold no seat: no reminder.
    waitlisted = {m.id for m in world.members} - holders
    assert not any(m.recipient_id in waitlisted for m in reminders(world.forum, meetup))
    run_relay_at(world, meetup.starts_at - HOUR + timedelta(minutes=5))
    assert Counter(m.params["reminder"] for m in delivered(world.forum, meetup)) == {
        "1d": 3,
        "1h": 3,
    }
    # The member reads it in their inbox, with the start in their own time zone.
    entries = [e for e in world.forum.inbox(next(iter(holders))) if e.item.kind == "reminder"]
    assert len(entries) == 2
    assert "오후 7시" in entries[0].text.body


def test_a_restarted_worker_never_reminds_twice(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "forum.db")
    clock = ManualClock(T0)

    def open_forum() -> proforum.Forum:
        return proforum.open(url, clock=clock, ids=SeededIds("restart"), deliver="manual")

    forum = open_forum()
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    members = []
    for i in range(4):
        member = forum.register_member(nickname=f"참가자{i}", job_function="marketing-pr")
        forum.join_community(member.id, community.id)
        members.append(member.id)
    starts = T0 + timedelta(days=9)
    meetup = forum.create_meetup(
        operator.id,
        community.id,
        title="모임",
        topic="주제",
        starts_at=starts,
        ends_at=starts + 2 * HOUR,
        capacity=2,
        applications_open_at=T0,
        applications_close_at=T0 + timedelta(days=6),
    )
    forum.announce_meetup(operator.id, meetup.id)
    for member_id in members:
        forum.apply(member_id, meetup.id)
    clock.set(meetup.applications_close_at + HOUR)
    forum.close_applications(operator.id, meetup.id)
    forum.draw(operator.id, meetup.id)
    forum.close()
    for _ in range(3):  # three workers, one after another, each restarted
        clock.set(starts - DAY + timedelta(minutes=10))
        worker = open_forum()
        worker.deliver_pending()
        worker.close()
    forum = open_forum()
    sent = delivered(forum, meetup)
    assert Counter((m.recipient_id, m.params["reminder"]) for m in sent).most_common(1)[0][1] == 1
    assert len(sent) == 2  # two seats, the one-day reminder each
    forum.close()


def test_declining_withdraws_the_reminders_and_whoever_takes_the_offer_gets_their_own(
    world: World,
) -> None:
    meetup = world.drawn_meetup(capacity=2, applicants=4)
    leaver, stayer = world.seat_holders(meetup)
    world.clock.set(meetup.starts_at - 3 * HOUR)  # too late for the one-day reminder
    world.forum.decline(leaver, meetup.id)
    promoted = world.forum.draw_record(world.host.id, meetup.id)["waitlist"][0]
    # An offer gets no reminders until it is taken.
    assert not [m for m in reminders(world.forum, meetup) if m.recipient_id == promoted]
    world.forum.confirm(promoted, meetup.id)
    by_member = {
        member: sorted(
            (m.params["reminder"], m.status)
            for m in reminders(world.forum, meetup)
            if m.recipient_id == member
        )
        for member in (leaver, stayer, promoted)
    }
    assert by_member[leaver] == [
        ("1d", DeliveryStatus.CANCELLED),
        ("1h", DeliveryStatus.CANCELLED),
    ]
    assert by_member[stayer] == [("1d", DeliveryStatus.PENDING), ("1h", DeliveryStatus.PENDING)]
    # Given the seat three hours before: only the reminder still ahead.
    assert by_member[promoted] == [("1h", DeliveryStatus.PENDING)]
    run_relay_at(world, meetup.starts_at - HOUR)
    assert {m.recipient_id for m in delivered(world.forum, meetup)} == {stayer, promoted}


def test_cancelling_withdraws_every_pending_reminder(world: World) -> None:
    meetup = world.drawn_meetup(capacity=3)
    holders = world.seat_holders(meetup)
    world.forum.cancel_meetup(world.host.id, meetup.id)
    assert {m.status for m in reminders(world.forum, meetup)} == {DeliveryStatus.CANCELLED}
    run_relay_at(world, meetup.starts_at - HOUR)
    assert delivered(world.forum, meetup) == []
    for holder in holders:
        kinds = [e.item.kind for e in world.forum.inbox(holder)]
        assert MessageKind.MEETUP_CANCELLED in kinds
        assert MessageKind.REMINDER not in kinds


def test_ending_withdraws_what_is_left(world: World) -> None:
    meetup = world.ended_meetup(capacity=3)
    assert DeliveryStatus.PENDING not in {m.status for m in reminders(world.forum, meetup)}


def test_moving_a_meetup_replans_its_reminders_and_tells_everyone_taking_part(
    world: World,
) -> None:
    meetup = world.drawn_meetup(capacity=3)
    holders = set(world.seat_holders(meetup))
    later = meetup.starts_at + timedelta(days=7)
    moved = world.forum.move_meetup(
        world.host.id, meetup.id, starts_at=later, ends_at=later + 2 * HOUR
    )
    assert (moved.starts_at, moved.ends_at) == (later, later + 2 * HOUR)
    planned = reminders(world.forum, meetup)
    old = [m for m in planned if m.status is DeliveryStatus.CANCELLED]
    new = [m for m in planned if m.status is DeliveryStatus.PENDING]
    assert len(old) == len(new) == 6
    assert {m.next_attempt_at for m in new} == {later - DAY, later - HOUR}
    assert {m.recipient_id for m in new} == holders
    assert all(m.params["starts_at"] == later.isoformat() for m in new)
    # Nothing at the old time; the new reminders at the new one.
    run_relay_at(world, meetup.starts_at - HOUR)
    assert delivered(world.forum, meetup) == []
    run_relay_at(world, later - HOUR)
    assert len(delivered(world.forum, meetup)) == 6
    # Everyone still taking part was told, the old and new times in their zone.
    told = {
        m.recipient_id for m in world.forum.outbox() if m.kind is MessageKind.MEETUP_RESCHEDULED
    }
    assert told == {m.id for m in world.members}  # seat holders and the waitlist
    entry = next(
        e for e in world.forum.inbox(world.members[0].id) if e.item.kind == "meetup_rescheduled"
    )
    assert "12월 10일" in entry.text.body
    assert "12월 17일" in entry.text.body


def test_moving_to_the_same_time_changes_nothing(world: World) -> None:
    meetup = world.drawn_meetup(capacity=3)
    before = world.forum.export_data()
    same = world.forum.move_meetup(
        world.host.id, meetup.id, starts_at=meetup.starts_at, ends_at=meetup.ends_at
    )
    assert (same.starts_at, same.ends_at, same.state) == (
        meetup.starts_at,
        meetup.ends_at,
        "drawn",
    )
    assert world.forum.export_data() == before


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("end before start", InvalidSchedule),
        ("start in the past", InvalidSchedule),
        ("start before applications close", InvalidSchedule),
        ("naive", InvalidSchedule),
        ("not the host", RoleRequired),
        ("cancelled", IllegalTransition),
    ],
)
def test_a_bad_move_is_refused_and_changes_nothing(
    world: World, case: str, error: type[ProforumError]
) -> None:
    meetup = world.drawn_meetup(capacity=3)
    actor, starts, ends = world.host.id, meetup.starts_at + DAY, meetup.ends_at + DAY
    if case == "end before start":
        ends = starts - HOUR
    elif case == "start in the past":
        starts, ends = world.clock.now() - HOUR, world.clock.now() + HOUR
    elif case == "start before applications close":
        starts = meetup.applications_close_at - HOUR
        ends = starts + HOUR
    elif case == "naive":
        starts = starts.replace(tzinfo=None)
    elif case == "not the host":
        actor = world.members[0].id
    elif case == "cancelled":
        world.forum.cancel_meetup(world.host.id, meetup.id)
    assert_unchanged(
        world.forum,
        lambda: world.forum.move_meetup(actor, meetup.id, starts_at=starts, ends_at=ends),
        error,
    )


def test_an_operator_may_move_a_meetup(world: World) -> None:
    meetup = world.open_meetup()
    later = meetup.starts_at + DAY
    moved = world.forum.move_meetup(
        world.operator.id, meetup.id, starts_at=later, ends_at=later + HOUR
    )
    assert moved.starts_at == later
    assert world.forum.meetup(world.host.id, meetup.id).starts_at == later
    # Before the draw nobody holds a seat: nothing to remind yet.
    assert reminders(world.forum, meetup) == []


# --------------------------------------------------------------------------- property

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["advance", "decline", "move", "relay"]),
        st.integers(min_value=0, max_value=5),
    ),
    max_size=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=ACTIONS)
def test_nobody_is_reminded_twice_of_the_same_start_or_without_a_seat(
    actions: list[tuple[str, int]],
) -> None:
    clock = ManualClock(T0)
    forum = proforum.open("memory://", clock=clock, ids=SeededIds("prop"), deliver="manual")
    world = _world(forum, clock)
    meetup = world.drawn_meetup(capacity=3, applicants=6)
    current = meetup
    received: list[tuple[str, str, str]] = []
    for action, n in actions:
        if action == "advance":
            target = clock.now() + timedelta(hours=5 * (n + 1))
            clock.set(min(target, current.starts_at - timedelta(minutes=1)))
        elif action == "decline":
            holders = world.seat_holders(current)
            if holders and clock.now() < current.starts_at:
                forum.decline(holders[n % len(holders)], meetup.id)
        elif action == "move":
            later = current.starts_at + timedelta(hours=6 * (n + 1))
            current = forum.move_meetup(
                world.host.id, meetup.id, starts_at=later, ends_at=later + HOUR
            )
        else:
            holders_before = set(world.seat_holders(current))
            before = {m.id for m in delivered(forum, meetup)}
            forum.deliver_pending()
            for m in delivered(forum, meetup):
                if m.id not in before:
                    # Delivered only to someone holding a seat, about the current start.
                    assert m.recipient_id in holders_before
                    assert m.params["starts_at"] == current.starts_at.isoformat()
                    received.append((m.recipient_id, m.params["starts_at"], m.params["reminder"]))
    assert len(received) == len(set(received))
    forum.close()


def _world(forum: proforum.Forum, clock: ManualClock) -> World:
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    host = forum.register_member(real_name="박성과", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    forum.join_community(host.id, community.id)
    forum.assign_role(operator.id, community.id, host.id, Role.HOST)
    members = []
    for i in range(6):
        member = forum.register_member(nickname=f"마케터{i}", job_function="marketing-pr")
        forum.join_community(member.id, community.id)
        members.append(member)
    outsider = forum.register_member(nickname="외부인", job_function="development")
    return World(forum, clock, operator, host, members, outsider, community)
