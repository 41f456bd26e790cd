"""The offline follow-up: who asked, seats offered to them first, contacts by mutual consent.

Issue 4, point 8: after the meetup, participants can say they want to continue
offline; a follow-up (offline or hybrid, with a place and capacity) created
from the original is offered first to those who asked; contact details are
shared between two participants only when both agreed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

import proforum
from forum_world import World, assert_unchanged
from proforum import ApplicationState, MeetupFormat
from proforum.domain.meetup import Meetup
from proforum.errors import IllegalTransition, InvalidInput, NotAnAttendee, RoleRequired


def ended(world: World) -> tuple[Meetup, list[str]]:
    """A meetup of 5 seats that ended with every seat holder but one attending."""
    meetup = world.ended_meetup(5, absent=1)
    return meetup, world.attendees(meetup)


def follow_up(world: World, meetup: Meetup, capacity: int, **extra: object) -> Meetup:
    now = world.clock.now()
    starts = now + timedelta(days=30)
    return world.forum.propose_follow_up(
        world.host.id,
        meetup.id,
        title="오프라인에서 이어가요",
        topic="못다 한 이야기",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=capacity,
        applications_open_at=now + timedelta(days=1),
        applications_close_at=now + timedelta(days=20),
        venue="서울 중구 리멤버 라운지",
        **extra,  # type: ignore[arg-type]
    )


def test_those_who_asked_are_offered_seats_first(backend_world: World) -> None:
    world = backend_world
    meetup, attendees = ended(world)
    first, second, third, fourth = attendees
    for member_id in (third, first, second):  # the order they asked in
        world.clock.advance(timedelta(minutes=5))
        world.forum.want_follow_up(member_id, meetup.id)
    again = world.forum.want_follow_up(third, meetup.id)  # asking twice changes nothing
    assert world.forum.follow_up_interest(world.host.id, meetup.id) == [third, first, second]
    assert again.noted_at < world.clock.now()
    offline = follow_up(world, meetup, 2, format=MeetupFormat.HYBRID)
    assert offline.format is MeetupFormat.HYBRID
    assert offline.follow_up_of == meetup.id
    states = {a.member_id: a.state for a in world.forum.applications(world.host.id, offline.id)}
    # Capacity 2: the first two who asked get an offer; the third waits for the lottery.
    assert states == {third: ApplicationState.OFFERED, first: ApplicationState.OFFERED}
    kinds = {(m.recipient_id, m.kind) for m in world.forum.outbox()}
    assert (third, "offer_made") in kinds
    assert (first, "offer_made") in kinds
    assert (second, "follow_up_proposed") in kinds
    assert (fourth, "follow_up_proposed") in kinds
    assert (third, "follow_up_proposed") not in kinds
    # An offer is answered before the follow-up is even announced.
    world.forum.confirm(third, offline.id)
    # One more seat, for the lottery; the open offer still holds its seat.
    world.forum.change_capacity(world.host.id, offline.id, 3)
    world.forum.announce_meetup(world.host.id, offline.id)
    world.clock.set(offline.applications_open_at + timedelta(hours=1))
    world.forum.apply(second, offline.id)
    world.forum.apply(fourth, offline.id)
    world.clock.set(offline.applications_close_at + timedelta(hours=1))
    commitment = world.forum.close_applications(world.host.id, offline.id)
    assert commitment.seats == 1
    assert set(commitment.applicants) == {second, fourth}


def test_only_attendees_ask_and_only_after_the_end(world: World) -> None:
    meetup = world.drawn_meetup(3)
    holder = world.seat_holders(meetup)[0]
    assert_unchanged(
        world.forum, lambda: world.forum.want_follow_up(holder, meetup.id), IllegalTransition
    )
    world.clock.set(meetup.starts_at)
    world.forum.check_in(holder, meetup.id)
    world.clock.set(meetup.ends_at)
    world.forum.end_meetup(world.host.id, meetup.id)
    no_show = next(
        a.member_id
        for a in world.forum.applications(world.host.id, meetup.id)
        if a.state is ApplicationState.NO_SHOW
    )
    assert_unchanged(
        world.forum, lambda: world.forum.want_follow_up(no_show, meetup.id), NotAnAttendee
    )
    world.forum.want_follow_up(holder, meetup.id)
    with pytest.raises(RoleRequired):
        world.forum.follow_up_interest(holder, meetup.id)


def test_contacts_are_shared_only_both_ways(backend_world: World) -> None:
    world = backend_world
    for n, member in enumerate(world.members):
        world.forum.set_email(member.id, f"person{n}@example.com")
    meetup, attendees = ended(world)
    a, b, c = attendees[:3]
    world.forum.share_contact(a, meetup.id, b)
    world.forum.share_contact(a, meetup.id, c)
    # One-sided: nobody sees anything, not even that the other agreed.
    assert world.forum.shared_contacts(a, meetup.id) == []
    assert world.forum.shared_contacts(b, meetup.id) == []
    world.forum.share_contact(b, meetup.id, a)
    world.forum.share_contact(b, meetup.id, a)  # twice: still one consent
    seen_by_a = world.forum.shared_contacts(a, meetup.id)
    seen_by_b = world.forum.shared_contacts(b, meetup.id)
    assert [s.member_id for s in seen_by_a] == [b]
    assert [s.member_id for s in seen_by_b] == [a]
    assert seen_by_a[0].email is not None
    assert seen_by_a[0].email.endswith("@example.com")
    assert "@" not in repr(seen_by_a[0])  # the address stays out of reprs and logs
    assert world.forum.shared_contacts(c, meetup.id) == []


def test_sharing_needs_two_attendees(world: World) -> None:
    meetup, attendees = ended(world)
    no_show = next(
        a.member_id
        for a in world.forum.applications(world.host.id, meetup.id)
        if a.state is ApplicationState.NO_SHOW
    )
    a = attendees[0]
    assert_unchanged(
        world.forum, lambda: world.forum.share_contact(a, meetup.id, no_show), NotAnAttendee
    )
    assert_unchanged(
        world.forum, lambda: world.forum.share_contact(no_show, meetup.id, a), NotAnAttendee
    )
    assert_unchanged(world.forum, lambda: world.forum.share_contact(a, meetup.id, a), InvalidInput)


def test_when_those_who_asked_fill_the_follow_up_its_lottery_only_orders_the_waitlist(
    world: World,
) -> None:
    meetup, attendees = ended(world)
    for member_id in attendees[:2]:
        world.forum.want_follow_up(member_id, meetup.id)
    offline = follow_up(world, meetup, 2)
    world.forum.announce_meetup(world.host.id, offline.id)
    world.clock.set(offline.applications_open_at + timedelta(hours=1))
    late = attendees[2]
    world.forum.apply(late, offline.id)
    world.clock.set(offline.applications_close_at + timedelta(hours=1))
    commitment = world.forum.close_applications(world.host.id, offline.id)
    assert commitment.seats == 0
    world.forum.draw(world.host.id, offline.id)
    record = world.forum.draw_record(world.host.id, offline.id)
    assert (record["selected"], record["waitlist"]) == ([], [late])
    assert proforum.verify_draw(record).valid
    # One of those offered passes: the seat goes to the waitlist.
    world.forum.decline(attendees[0], offline.id)
    assert world.forum.application(late, offline.id).state is ApplicationState.OFFERED
