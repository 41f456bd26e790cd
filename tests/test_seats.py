"""Seats after the draw: expiring waitlist offers, confirmation deadlines, capacity changes.

Issue 4, points 6 and 10: a freed seat is offered to the next eligible person
on the waitlist for a limited time, then to the next; no seat is ever offered
to two people for the same vacancy; a capacity change below the seats taken is
refused and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from forum_world import LINK, World, assert_unchanged
from proforum import ApplicationState, Constraints, SeatRules
from proforum.domain.meetup import Meetup
from proforum.errors import (
    CapacityBelowCommitted,
    IllegalTransition,
    InvalidCapacity,
    InvalidSchedule,
    InvalidSeatRule,
    LinkNotGranted,
    OfferExpired,
    TooLate,
)

TTL = timedelta(hours=6)


def states(world: World, meetup: Meetup) -> dict[str, ApplicationState]:
    return {a.member_id: a.state for a in world.forum.applications(world.host.id, meetup.id)}


def in_state(world: World, meetup: Meetup, state: ApplicationState) -> list[str]:
    return [m for m, s in states(world, meetup).items() if s is state]


def waitlist(world: World, meetup: Meetup) -> tuple[str, ...]:
    return tuple(world.forum.draw_record(world.host.id, meetup.id)["waitlist"])


def kinds_to(world: World, member_id: str) -> list[str]:
    return [m.kind for m in world.forum.outbox() if m.recipient_id == member_id]


def drawn(world: World, capacity: int = 3, **overrides: object) -> Meetup:
    meetup = world.open_meetup(capacity, seat_rules=SeatRules(offer_ttl=TTL), **overrides)
    for member in world.members:
        world.forum.apply(member.id, meetup.id)
    world.close(meetup)
    world.forum.draw(world.host.id, meetup.id)
    return meetup


def test_a_declined_seat_is_offered_to_the_first_on_the_waitlist_until_it_expires(
    backend_world: World,
) -> None:
    world = backend_world
    meetup = drawn(world)
    first, second = waitlist(world, meetup)[:2]
    leaver = in_state(world, meetup, ApplicationState.SELECTED)[0]
    world.clock.advance(timedelta(hours=1))
    world.forum.decline(leaver, meetup.id)
    offer = world.forum.application(first, meetup.id)
    assert offer.state is ApplicationState.OFFERED
    assert offer.offer_expires_at == world.clock.now() + TTL
    assert "offer_made" in kinds_to(world, first)
    # The warning before the offer runs out is planned, not sent yet.
    warning = [m for m in world.forum.outbox() if m.kind == "offer_expiring"]
    assert [m.recipient_id for m in warning] == [first]
    assert warning[0].next_attempt_at == offer.offer_expires_at - timedelta(hours=1)
    assert world.forum.application(second, meetup.id).state is ApplicationState.WAITLISTED
    # Three seats: two selected and one open offer; nobody else is offered it.
    taken = [s for s in states(world, meetup).values() if s in ("selected", "offered")]
    assert len(taken) == 3

    world.clock.advance(TTL)
    report = world.forum.process_deadlines()
    assert (report.expired, report.offered) == (1, 1)
    assert world.forum.application(first, meetup.id).state is ApplicationState.EXPIRED
    assert "seat_expired" in kinds_to(world, first)
    assert world.forum.application(second, meetup.id).state is ApplicationState.OFFERED
    # A second pass finds nothing left to do.
    assert world.forum.process_deadlines().expired == 0


def test_confirming_an_offer_takes_the_seat_and_sends_the_link(world: World) -> None:
    meetup = drawn(world)
    world.forum.set_meeting(world.host.id, meetup.id, options={"join_url": LINK})
    world.forum.send_meeting_links(world.host.id, meetup.id)
    first = waitlist(world, meetup)[0]
    world.forum.decline(in_state(world, meetup, ApplicationState.SELECTED)[0], meetup.id)
    assert world.forum.application(first, meetup.id).state is ApplicationState.OFFERED
    with pytest.raises(LinkNotGranted):  # an offer is not a seat yet
        world.forum.meeting_link(first, meetup.id)
    confirmed = world.forum.confirm(first, meetup.id)
    assert confirmed.state is ApplicationState.CONFIRMED
    assert confirmed.offer_expires_at is None
    assert {"promoted", "meeting_link"} <= set(kinds_to(world, first))
    assert world.forum.meeting_link(first, meetup.id) == LINK
    # The warning about the offer running out is withdrawn with it.
    assert all(
        m.status == "cancelled"
        for m in world.forum.outbox()
        if m.kind == "offer_expiring" and m.recipient_id == first
    )


def test_an_expired_offer_cannot_be_confirmed_and_nothing_changes(world: World) -> None:
    meetup = drawn(world)
    first = waitlist(world, meetup)[0]
    world.forum.decline(in_state(world, meetup, ApplicationState.SELECTED)[0], meetup.id)
    world.clock.advance(TTL)
    assert_unchanged(world.forum, lambda: world.forum.confirm(first, meetup.id), OfferExpired)


def test_declining_an_offer_passes_it_on_at_once(world: World) -> None:
    meetup = drawn(world)
    first, second = waitlist(world, meetup)[:2]
    world.forum.decline(in_state(world, meetup, ApplicationState.SELECTED)[0], meetup.id)
    world.forum.decline(first, meetup.id)
    assert world.forum.application(first, meetup.id).state is ApplicationState.DECLINED
    assert world.forum.application(second, meetup.id).state is ApplicationState.OFFERED


def test_an_offer_never_outlives_the_start(world: World) -> None:
    meetup = drawn(world)
    first = waitlist(world, meetup)[0]
    world.clock.set(meetup.starts_at - timedelta(hours=2))
    world.forum.decline(in_state(world, meetup, ApplicationState.SELECTED)[0], meetup.id)
    assert world.forum.application(first, meetup.id).offer_expires_at == meetup.starts_at


def test_unconfirmed_seats_lapse_at_the_confirmation_deadline(backend_world: World) -> None:
    world = backend_world
    deadline = world.meetup().starts_at - timedelta(days=1)
    meetup = world.open_meetup(3, seat_rules=SeatRules(offer_ttl=TTL, confirm_by=deadline))
    for member in world.members:
        world.forum.apply(member.id, meetup.id)
    world.close(meetup)
    world.forum.draw(world.host.id, meetup.id)
    selected = in_state(world, meetup, ApplicationState.SELECTED)
    world.forum.confirm(selected[0], meetup.id)
    world.clock.set(deadline)
    with pytest.raises(OfferExpired):
        world.forum.confirm(selected[1], meetup.id)
    report = world.forum.process_deadlines()
    assert (report.expired, report.offered) == (2, 2)
    now = states(world, meetup)
    assert now[selected[0]] is ApplicationState.CONFIRMED
    assert now[selected[1]] is now[selected[2]] is ApplicationState.EXPIRED
    assert [m for m in waitlist(world, meetup) if now[m] is ApplicationState.OFFERED] == list(
        waitlist(world, meetup)[:2]
    )
    assert world.forum.process_deadlines() == type(report)()


def test_a_confirmation_deadline_must_fall_between_close_and_start(world: World) -> None:
    start = world.meetup().starts_at
    for deadline in (start, start + timedelta(hours=1), world.clock.now()):
        with pytest.raises(InvalidSchedule):
            world.meetup(seat_rules=SeatRules(confirm_by=deadline))
    with pytest.raises(InvalidSeatRule):
        SeatRules(offer_ttl=timedelta(minutes=1))
    with pytest.raises(InvalidSeatRule):
        SeatRules(min_attended_minutes=-1)


def test_offers_respect_the_company_cap(world: World) -> None:
    """A waitlisted member whose employer is at the cap is passed over for the next one."""
    companies = ["ACME", "ACME", "ａｃｍｅ ", "Beta", "Gamma", "Delta"]
    cast = []
    for n, company in enumerate(companies):
        member = world.forum.register_member(
            real_name=f"지원자{n}", job_function="marketing-pr", company=company
        )
        world.forum.join_community(member.id, world.community.id)
        cast.append(member.id)
    meetup = world.open_meetup(3, lottery=Constraints(company_cap=1))
    for member_id in cast:
        world.forum.apply(member_id, meetup.id)
    world.close(meetup)
    world.forum.draw(world.host.id, meetup.id)
    record = world.forum.draw_record(world.host.id, meetup.id)
    label = {e["id"]: e["company"] for e in record["entrants"]}
    acme = set(cast[:3])
    # "ACME" and full-width "ａｃｍｅ " are one employer, published as one label.
    assert len({label[m] for m in acme}) == 1
    assert "ACME" not in str(record)
    assert "Beta" not in str(record)
    selected = in_state(world, meetup, ApplicationState.SELECTED)
    assert len([m for m in selected if m in acme]) <= 1
    acme_holder = next((m for m in selected if m in acme), None)
    leaver = next(m for m in selected if m != acme_holder)
    world.forum.decline(leaver, meetup.id)
    offered = in_state(world, meetup, ApplicationState.OFFERED)
    eligible = [
        m
        for m in waitlist(world, meetup)
        if states(world, meetup)[m] in ("waitlisted", "offered")
        and (acme_holder is None or m not in acme)
    ]
    assert offered == eligible[:1]


# --------------------------------------------------------------------------- capacity


def test_more_capacity_after_the_draw_is_offered_to_the_waitlist(backend_world: World) -> None:
    world = backend_world
    meetup = drawn(world)
    resized = world.forum.change_capacity(world.host.id, meetup.id, 5)
    assert resized.capacity == 5
    assert set(in_state(world, meetup, ApplicationState.OFFERED)) == set(
        waitlist(world, meetup)[:2]
    )


def test_capacity_cannot_go_below_the_seats_taken(world: World) -> None:
    meetup = drawn(world)
    world.forum.confirm(in_state(world, meetup, ApplicationState.SELECTED)[0], meetup.id)
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.change_capacity(world.host.id, meetup.id, 2),
        CapacityBelowCommitted,
    )
    assert exc.params["committed"] == 3
    assert_unchanged(
        world.forum,
        lambda: world.forum.change_capacity(world.host.id, meetup.id, 0),
        InvalidCapacity,
    )


def test_capacity_is_fixed_between_the_commitment_and_the_draw(world: World) -> None:
    meetup = world.applied_meetup()
    assert world.forum.change_capacity(world.host.id, meetup.id, 4).capacity == 4
    world.close(meetup)
    assert world.forum.commitment(world.host.id, meetup.id)["seats"] == 4
    assert_unchanged(
        world.forum,
        lambda: world.forum.change_capacity(world.host.id, meetup.id, 5),
        IllegalTransition,
    )


def test_nothing_changes_hands_after_the_start(world: World) -> None:
    meetup = drawn(world)
    world.clock.set(meetup.starts_at)
    holder = in_state(world, meetup, ApplicationState.SELECTED)[0]
    assert_unchanged(world.forum, lambda: world.forum.decline(holder, meetup.id), TooLate)
