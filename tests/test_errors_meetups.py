"""Meetups, the lottery, links and attendance reject bad input and change nothing.

Most tests are table-driven: a *setup* moves the world's meetup to the state
the case needs and returns the bad call; :func:`forum_world.assert_unchanged`
then checks the exact error and that the forum, outbox included, is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from forum_world import LINK, T0, World, assert_unchanged
from proforum import ApplicationState, MeetupState
from proforum.domain.meetup import Meetup
from proforum.errors import (
    AlreadyApplied,
    AlreadyDrawn,
    ApplicationsStillOpen,
    ApplicationWindowClosed,
    IllegalTransition,
    InvalidCapacity,
    InvalidIdentifier,
    InvalidInput,
    InvalidMeetingLink,
    InvalidSchedule,
    InvalidText,
    InvalidTimeZone,
    LinkNotGranted,
    MeetingNotReady,
    NoApplicants,
    NotACommunityMember,
    NotFound,
    ProforumError,
    RoleRequired,
    TooEarly,
    TooLate,
    UnknownAdapter,
)

Setup = Callable[[World], Callable[[], object]]
START = T0 + timedelta(days=9, hours=9)  # the world's meetups start here (19:00 Seoul)


def by_state(world: World, meetup: Meetup, state: ApplicationState) -> list[str]:
    return [
        a.member_id for a in world.forum.applications(world.host.id, meetup.id) if a.state is state
    ]


def non_applicant(world: World, meetup: Meetup) -> str:
    """A community member who did not apply to ``meetup``."""
    applied = {a.member_id for a in world.forum.applications(world.host.id, meetup.id)}
    return next(m.id for m in world.members if m.id not in applied)


def run_case(world: World, setup: Setup, error: type[ProforumError]) -> ProforumError:
    return assert_unchanged(world.forum, setup(world), error)


# --------------------------------------------------------------------------- create_meetup


@pytest.mark.parametrize(
    "capacity",
    [
        pytest.param(0, id="zero"),
        pytest.param(-1, id="negative"),
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
        pytest.param(10_001, id="10001"),
        pytest.param("3", id="str"),
        pytest.param(2.0, id="float"),
        pytest.param(None, id="none"),
    ],
)
def test_create_meetup_rejects_capacity(world: World, capacity: object) -> None:
    exc = assert_unchanged(world.forum, lambda: world.meetup(capacity), InvalidCapacity)  # type: ignore[arg-type]
    assert exc.value == capacity
    assert exc.params["max"] == 10_000


@pytest.mark.parametrize("capacity", [1, 10_000])
def test_capacity_limits_are_inclusive(world: World, capacity: int) -> None:
    assert world.meetup(capacity).capacity == capacity


NAIVE = datetime(2026, 12, 10, 19, 0)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"starts_at": NAIVE}, id="naive-start"),
        pytest.param({"ends_at": NAIVE + timedelta(hours=2)}, id="naive-end"),
        pytest.param({"applications_open_at": T0.replace(tzinfo=None)}, id="naive-open"),
        pytest.param(
            {"applications_close_at": (T0 + timedelta(days=6)).replace(tzinfo=None)},
            id="naive-close",
        ),
        pytest.param({"starts_at": "2026-12-10T19:00:00+09:00"}, id="start-str"),
        pytest.param({"ends_at": None}, id="end-none"),
        pytest.param({"ends_at": START - timedelta(minutes=1)}, id="end-before-start"),
        pytest.param({"ends_at": START}, id="end-equals-start"),
        pytest.param(
            {"applications_close_at": START + timedelta(minutes=1)}, id="close-after-start"
        ),
        pytest.param({"applications_open_at": T0 + timedelta(days=7)}, id="open-after-close"),
        pytest.param({"applications_open_at": T0 + timedelta(days=6)}, id="open-equals-close"),
        pytest.param(
            {
                "applications_open_at": T0 - timedelta(days=2),
                "applications_close_at": T0 - timedelta(days=1),
            },
            id="window-in-the-past",
        ),
        pytest.param(
            {
                "starts_at": T0 - timedelta(hours=5),
                "ends_at": T0 - timedelta(hours=3),
                "applications_open_at": T0 - timedelta(days=3),
                "applications_close_at": T0 - timedelta(days=1),
            },
            id="meetup-in-the-past",
        ),
        pytest.param({"applications_close_at": T0}, id="closes-now"),
    ],
)
def test_create_meetup_rejects_bad_schedules(world: World, overrides: dict[str, Any]) -> None:
    assert_unchanged(world.forum, lambda: world.meetup(**overrides), InvalidSchedule)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        pytest.param({"title": ""}, InvalidText, id="title-empty"),
        pytest.param({"title": "제" * 201}, InvalidText, id="title-201"),
        pytest.param({"title": "모\n임"}, InvalidText, id="title-newline"),
        pytest.param({"topic": "  "}, InvalidText, id="topic-blank"),
        pytest.param({"topic": "주" * 501}, InvalidText, id="topic-501"),
        pytest.param({"topic": "주제\x00"}, InvalidText, id="topic-nul"),
        pytest.param({"venue": ""}, InvalidText, id="venue-empty"),
        pytest.param({"venue": "장" * 301}, InvalidText, id="venue-301"),
        pytest.param({"time_zone": "Seoul"}, InvalidTimeZone, id="tz-unknown"),
        pytest.param({"time_zone": "../UTC"}, InvalidTimeZone, id="tz-traversal"),
        pytest.param({"format": "metaverse"}, InvalidInput, id="format-unknown"),
        pytest.param({"format": "ONLINE"}, InvalidInput, id="format-upper"),
        pytest.param({"format": 1}, InvalidInput, id="format-int"),
    ],
)
def test_create_meetup_rejects_bad_fields(
    world: World, overrides: dict[str, Any], error: type[ProforumError]
) -> None:
    assert_unchanged(world.forum, lambda: world.meetup(**overrides), error)


def _create_as(actor: str, community: str | None = None, **extra: Any) -> Setup:
    def setup(world: World) -> Callable[[], object]:
        actor_id = {
            "member": world.members[0].id,
            "outsider": world.outsider.id,
            "host": world.host.id,
        }.get(actor, actor)
        extra_ids = {
            k: {"member": world.members[0].id, "outsider": world.outsider.id}.get(v, v)
            for k, v in extra.items()
        }
        kwargs: dict[str, Any] = {
            "title": "t",
            "topic": "t",
            "starts_at": START,
            "ends_at": START + timedelta(hours=2),
            "capacity": 3,
            "applications_open_at": T0,
            "applications_close_at": T0 + timedelta(days=6),
            **extra_ids,
        }
        community_id = community or world.community.id
        return lambda: world.forum.create_meetup(actor_id, community_id, **kwargs)

    return setup


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_create_as("member"), RoleRequired, id="plain-member"),
        pytest.param(_create_as("outsider"), NotACommunityMember, id="outsider"),
        pytest.param(_create_as("mem_nobody"), NotFound, id="unknown-actor"),
        pytest.param(_create_as("host", "com_nowhere"), NotFound, id="unknown-community"),
        pytest.param(_create_as("host", host_id="member"), RoleRequired, id="host-is-plain"),
        pytest.param(
            _create_as("host", host_id="outsider"), NotACommunityMember, id="host-outsider"
        ),
        pytest.param(_create_as("host", host_id="mem_nobody"), NotFound, id="host-unknown"),
    ],
)
def test_create_meetup_rejects_who(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


# --------------------------------------------------------------------------- announce, cancel


def _announce_as_member(world: World) -> Callable[[], object]:
    meetup = world.meetup()
    return lambda: world.forum.announce_meetup(world.members[0].id, meetup.id)


def _announce_as_outsider(world: World) -> Callable[[], object]:
    meetup = world.meetup()
    return lambda: world.forum.announce_meetup(world.outsider.id, meetup.id)


def _announce_twice(world: World) -> Callable[[], object]:
    meetup = world.open_meetup()
    return lambda: world.forum.announce_meetup(world.host.id, meetup.id)


def _announce_after_window(world: World) -> Callable[[], object]:
    meetup = world.meetup()
    world.clock.set(meetup.applications_close_at)
    return lambda: world.forum.announce_meetup(world.host.id, meetup.id)


def _announce_cancelled(world: World) -> Callable[[], object]:
    meetup = world.meetup()
    world.forum.cancel_meetup(world.host.id, meetup.id)
    return lambda: world.forum.announce_meetup(world.host.id, meetup.id)


def _announce_unknown(world: World) -> Callable[[], object]:
    return lambda: world.forum.announce_meetup(world.host.id, "mtp_nowhere")


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_announce_as_member, RoleRequired, id="plain-member"),
        pytest.param(_announce_as_outsider, NotACommunityMember, id="outsider"),
        pytest.param(_announce_twice, IllegalTransition, id="twice"),
        pytest.param(_announce_after_window, InvalidSchedule, id="window-passed"),
        pytest.param(_announce_cancelled, IllegalTransition, id="cancelled"),
        pytest.param(_announce_unknown, NotFound, id="unknown-meetup"),
    ],
)
def test_announce_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


def _cancel_as_member(world: World) -> Callable[[], object]:
    meetup = world.applied_meetup()
    return lambda: world.forum.cancel_meetup(world.members[0].id, meetup.id)


def _cancel_twice(world: World) -> Callable[[], object]:
    meetup = world.applied_meetup()
    world.forum.cancel_meetup(world.host.id, meetup.id)
    return lambda: world.forum.cancel_meetup(world.host.id, meetup.id)


def _cancel_ended(world: World) -> Callable[[], object]:
    meetup = world.ended_meetup()
    return lambda: world.forum.cancel_meetup(world.operator.id, meetup.id)


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_cancel_as_member, RoleRequired, id="plain-member"),
        pytest.param(_cancel_twice, IllegalTransition, id="twice"),
        pytest.param(_cancel_ended, IllegalTransition, id="ended"),
        pytest.param(
            lambda w: lambda: w.forum.cancel_meetup(w.host.id, "mtp_nowhere"),
            NotFound,
            id="unknown",
        ),
        pytest.param(
            lambda w: (lambda m: lambda: w.forum.cancel_meetup(w.outsider.id, m.id))(
                w.open_meetup()
            ),
            NotACommunityMember,
            id="outsider",
        ),
    ],
)
def test_cancel_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


# --------------------------------------------------------------------------- apply, withdraw


def _apply_outsider(world: World) -> Callable[[], object]:
    meetup = world.open_meetup()
    return lambda: world.forum.apply(world.outsider.id, meetup.id)


def _apply_twice(world: World) -> Callable[[], object]:
    meetup = world.open_meetup()
    world.forum.apply(world.members[0].id, meetup.id)
    return lambda: world.forum.apply(world.members[0].id, meetup.id)


def _apply_twice_after_close(world: World) -> Callable[[], object]:
    meetup = world.applied_meetup()
    world.clock.set(meetup.applications_close_at + timedelta(days=1))
    return lambda: world.forum.apply(world.members[0].id, meetup.id)


def _apply_draft(world: World) -> Callable[[], object]:
    meetup = world.meetup()
    return lambda: world.forum.apply(world.members[0].id, meetup.id)


def _apply_before_open(world: World) -> Callable[[], object]:
    meetup = world.open_meetup(
        applications_open_at=T0 + timedelta(days=1),
        applications_close_at=T0 + timedelta(days=6),
    )
    world.clock.set(T0 + timedelta(days=1) - timedelta(seconds=1))
    return lambda: world.forum.apply(world.members[0].id, meetup.id)


def _apply_at_close(world: World) -> Callable[[], object]:
    meetup = world.open_meetup()
    world.clock.set(meetup.applications_close_at)
    return lambda: world.forum.apply(world.members[0].id, meetup.id)


def _apply_after_close(world: World) -> Callable[[], object]:
    meetup = world.open_meetup()
    world.clock.set(meetup.applications_close_at + timedelta(hours=1))
    return lambda: world.forum.apply(world.members[0].id, meetup.id)


def _apply_closed(world: World) -> Callable[[], object]:
    meetup = world.applied_meetup(applicants=2)
    world.close(meetup)
    return lambda: world.forum.apply(world.members[5].id, meetup.id)


def _apply_cancelled(world: World) -> Callable[[], object]:
    meetup = world.open_meetup()
    world.forum.cancel_meetup(world.host.id, meetup.id)
    return lambda: world.forum.apply(world.members[0].id, meetup.id)


def _apply_unknown_member(world: World) -> Callable[[], object]:
    meetup = world.open_meetup()
    return lambda: world.forum.apply("mem_nobody", meetup.id)


def _apply_former_member(world: World) -> Callable[[], object]:
    meetup = world.open_meetup()
    world.forum.leave_community(world.members[0].id, world.community.id)
    return lambda: world.forum.apply(world.members[0].id, meetup.id)


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_apply_outsider, NotACommunityMember, id="not-a-member"),
        pytest.param(_apply_former_member, NotACommunityMember, id="left-the-community"),
        pytest.param(_apply_twice, AlreadyApplied, id="twice"),
        pytest.param(_apply_twice_after_close, AlreadyApplied, id="twice-after-close"),
        pytest.param(_apply_draft, ApplicationWindowClosed, id="not-announced"),
        pytest.param(_apply_before_open, ApplicationWindowClosed, id="before-open"),
        pytest.param(_apply_at_close, ApplicationWindowClosed, id="at-close"),
        pytest.param(_apply_after_close, ApplicationWindowClosed, id="after-close"),
        pytest.param(_apply_closed, ApplicationWindowClosed, id="closed"),
        pytest.param(_apply_cancelled, ApplicationWindowClosed, id="cancelled"),
        pytest.param(_apply_unknown_member, NotFound, id="unknown-member"),
        pytest.param(
            lambda w: lambda: w.forum.apply(w.members[0].id, "mtp_nowhere"),
            NotFound,
            id="unknown-meetup",
        ),
    ],
)
def test_apply_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


def test_the_window_opens_on_the_dot(world: World) -> None:
    meetup = world.open_meetup(applications_open_at=T0 + timedelta(days=1))
    world.clock.set(T0 + timedelta(days=1))
    assert world.forum.apply(world.members[0].id, meetup.id).state is ApplicationState.APPLIED


def _withdraw_non_applicant(world: World) -> Callable[[], object]:
    meetup = world.applied_meetup(applicants=2)
    return lambda: world.forum.withdraw(world.members[5].id, meetup.id)


def _withdraw_outsider(world: World) -> Callable[[], object]:
    meetup = world.applied_meetup()
    return lambda: world.forum.withdraw(world.outsider.id, meetup.id)


def _withdraw_after_close(world: World) -> Callable[[], object]:
    meetup = world.applied_meetup()
    world.clock.set(meetup.applications_close_at)
    return lambda: world.forum.withdraw(world.members[0].id, meetup.id)


def _withdraw_after_draw(world: World) -> Callable[[], object]:
    meetup = world.drawn_meetup()
    member = world.seat_holders(meetup)[0]
    return lambda: world.forum.withdraw(member, meetup.id)


def _withdraw_twice(world: World) -> Callable[[], object]:
    meetup = world.applied_meetup()
    world.forum.withdraw(world.members[0].id, meetup.id)
    return lambda: world.forum.withdraw(world.members[0].id, meetup.id)


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_withdraw_non_applicant, NotFound, id="never-applied"),
        pytest.param(_withdraw_outsider, NotFound, id="outsider"),
        pytest.param(_withdraw_after_close, ApplicationWindowClosed, id="after-close"),
        pytest.param(_withdraw_after_draw, ApplicationWindowClosed, id="after-draw"),
        pytest.param(_withdraw_twice, IllegalTransition, id="twice"),
        pytest.param(
            lambda w: lambda: w.forum.withdraw(w.members[0].id, "mtp_nowhere"),
            NotFound,
            id="unknown-meetup",
        ),
    ],
)
def test_withdraw_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    exc = run_case(world, setup, error)
    if error is NotFound and "nowhere" not in str(exc.value):
        assert exc.params["entity"] == "application"


# --------------------------------------------------------------------------- follow-up


def _follow_up(actor: str = "host", state: str = "ended", **overrides: Any) -> Setup:
    def setup(world: World) -> Callable[[], object]:
        meetup = {
            "ended": world.ended_meetup,
            "open": world.open_meetup,
            "drawn": world.drawn_meetup,
        }[state]()
        now = world.clock.now()
        kwargs: dict[str, Any] = {
            "title": "오프라인에서 또 만나요",
            "topic": "망한 캠페인 2부",
            "starts_at": now + timedelta(days=20),
            "ends_at": now + timedelta(days=20, hours=3),
            "capacity": 10,
            "applications_open_at": now,
            "applications_close_at": now + timedelta(days=14),
            "venue": "서울 강남구",
            **overrides,
        }
        actor_id = {"host": world.host.id, "member": world.members[0].id}.get(actor, actor)
        return lambda: world.forum.propose_follow_up(actor_id, meetup.id, **kwargs)

    return setup


def _follow_up_of_cancelled(world: World) -> Callable[[], object]:
    meetup = world.drawn_meetup()
    world.forum.cancel_meetup(world.host.id, meetup.id)
    return _follow_up_call(world, meetup.id)


def _follow_up_of_unknown(world: World) -> Callable[[], object]:
    return _follow_up_call(world, "mtp_nowhere")


def _follow_up_call(world: World, meetup_id: str) -> Callable[[], object]:
    now = world.clock.now()
    return lambda: world.forum.propose_follow_up(
        world.host.id,
        meetup_id,
        title="t",
        topic="t",
        starts_at=now + timedelta(days=20),
        ends_at=now + timedelta(days=20, hours=2),
        capacity=5,
        applications_open_at=now,
        applications_close_at=now + timedelta(days=10),
    )


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_follow_up(state="open"), IllegalTransition, id="not-ended-open"),
        pytest.param(_follow_up(state="drawn"), IllegalTransition, id="not-ended-drawn"),
        pytest.param(_follow_up_of_cancelled, IllegalTransition, id="cancelled"),
        pytest.param(_follow_up(actor="member"), RoleRequired, id="plain-member"),
        pytest.param(_follow_up(capacity=0), InvalidCapacity, id="capacity-0"),
        pytest.param(_follow_up(capacity="10"), InvalidCapacity, id="capacity-str"),
        pytest.param(
            _follow_up(starts_at=datetime(2027, 1, 1, 19)), InvalidSchedule, id="naive-start"
        ),
        pytest.param(
            # A valid window, but it closed before now (the original has ended).
            _follow_up(applications_open_at=T0, applications_close_at=T0 + timedelta(days=9)),
            InvalidSchedule,
            id="window-in-the-past",
        ),
        pytest.param(_follow_up(format="metaverse"), InvalidInput, id="format-unknown"),
        pytest.param(_follow_up(venue=""), InvalidText, id="venue-empty"),
        pytest.param(_follow_up(title=""), InvalidText, id="title-empty"),
        pytest.param(_follow_up_of_unknown, NotFound, id="unknown-meetup"),
    ],
)
def test_propose_follow_up_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


# --------------------------------------------------------------------------- close_applications


def _after_close(world: World) -> Meetup:
    """A meetup with applicants whose window has closed, before close_applications."""
    meetup = world.applied_meetup()
    world.clock.set(meetup.applications_close_at + timedelta(hours=1))
    return meetup


def _close(actor: str = "host", *, when: str = "after") -> Setup:
    def setup(world: World) -> Callable[[], object]:
        meetup = world.applied_meetup()
        if when == "after":
            world.clock.set(meetup.applications_close_at + timedelta(hours=1))
        elif when == "just-before":
            world.clock.set(meetup.applications_close_at - timedelta(seconds=1))
        actor_id = {
            "host": world.host.id,
            "operator": world.operator.id,
            "member": world.members[0].id,
            "outsider": world.outsider.id,
        }[actor]
        return lambda: world.forum.close_applications(actor_id, meetup.id)

    return setup


def _close_without_applicants(world: World) -> Callable[[], object]:
    meetup = world.open_meetup()
    world.clock.set(meetup.applications_close_at)
    return lambda: world.forum.close_applications(world.host.id, meetup.id)


def _close_after_everyone_withdrew(world: World) -> Callable[[], object]:
    meetup = world.applied_meetup(applicants=2)
    for member in world.members[:2]:
        world.forum.withdraw(member.id, meetup.id)
    world.clock.set(meetup.applications_close_at)
    return lambda: world.forum.close_applications(world.host.id, meetup.id)


def _close_twice(world: World) -> Callable[[], object]:
    meetup = world.applied_meetup()
    world.close(meetup)
    return lambda: world.forum.close_applications(world.host.id, meetup.id)


def _close_draft(world: World) -> Callable[[], object]:
    meetup = world.meetup()
    world.clock.set(meetup.applications_close_at)
    return lambda: world.forum.close_applications(world.host.id, meetup.id)


def _close_cancelled(world: World) -> Callable[[], object]:
    meetup = world.applied_meetup()
    world.forum.cancel_meetup(world.host.id, meetup.id)
    world.clock.set(meetup.applications_close_at)
    return lambda: world.forum.close_applications(world.host.id, meetup.id)


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_close(when="open"), ApplicationsStillOpen, id="window-open"),
        pytest.param(_close(when="just-before"), ApplicationsStillOpen, id="one-second-early"),
        pytest.param(_close("operator", when="open"), ApplicationsStillOpen, id="operator-early"),
        pytest.param(_close("member"), RoleRequired, id="plain-member"),
        pytest.param(_close("outsider"), NotACommunityMember, id="outsider"),
        pytest.param(_close_without_applicants, NoApplicants, id="no-applicants"),
        pytest.param(_close_after_everyone_withdrew, NoApplicants, id="all-withdrew"),
        pytest.param(_close_twice, IllegalTransition, id="twice"),
        pytest.param(_close_draft, IllegalTransition, id="never-announced"),
        pytest.param(_close_cancelled, IllegalTransition, id="cancelled"),
        pytest.param(
            lambda w: lambda: w.forum.close_applications(w.host.id, "mtp_nowhere"),
            NotFound,
            id="unknown-meetup",
        ),
    ],
)
def test_close_applications_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


# --------------------------------------------------------------------------- draw


def _draw(actor: str, state: str) -> Setup:
    def setup(world: World) -> Callable[[], object]:
        meetup = world.applied_meetup()
        if state in ("closed", "drawn", "cancelled-after-draw"):
            world.close(meetup)
        if state in ("drawn", "cancelled-after-draw"):
            world.forum.draw(world.host.id, meetup.id)
        if state in ("cancelled-after-close", "cancelled-after-draw"):
            if state == "cancelled-after-close":
                world.close(meetup)
            world.forum.cancel_meetup(world.host.id, meetup.id)
        actor_id = {
            "host": world.host.id,
            "operator": world.operator.id,
            "member": world.members[0].id,
            "outsider": world.outsider.id,
        }[actor]
        return lambda: world.forum.draw(actor_id, meetup.id)

    return setup


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_draw("host", "drawn"), AlreadyDrawn, id="twice"),
        pytest.param(_draw("operator", "drawn"), AlreadyDrawn, id="twice-by-operator"),
        pytest.param(_draw("host", "cancelled-after-draw"), AlreadyDrawn, id="cancelled-drawn"),
        pytest.param(_draw("member", "closed"), RoleRequired, id="plain-member"),
        pytest.param(_draw("member", "drawn"), RoleRequired, id="plain-member-after-draw"),
        pytest.param(_draw("outsider", "closed"), NotACommunityMember, id="outsider"),
        pytest.param(_draw("host", "open"), IllegalTransition, id="not-closed"),
        pytest.param(_draw("host", "cancelled-after-close"), IllegalTransition, id="cancelled"),
        pytest.param(
            lambda w: lambda: w.forum.draw(w.host.id, "mtp_nowhere"), NotFound, id="unknown"
        ),
    ],
)
def test_draw_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


def test_a_refused_second_draw_keeps_the_first_result(world: World) -> None:
    meetup = world.drawn_meetup()
    record = world.forum.draw_record(world.host.id, meetup.id)
    assert_unchanged(world.forum, lambda: world.forum.draw(world.host.id, meetup.id), AlreadyDrawn)
    assert world.forum.draw_record(world.host.id, meetup.id) == record


# --------------------------------------------------------------------------- set_meeting


@pytest.mark.parametrize(
    "link",
    [
        pytest.param(LINK.replace("https", "http"), id="http"),
        pytest.param(LINK.replace("https", "ftp"), id="ftp"),
        pytest.param(LINK.removeprefix("https://"), id="no-scheme"),
        pytest.param("//zoom.us/j/81234567890?pwd=secretpasscode", id="scheme-relative"),
        pytest.param("https://", id="no-host"),
        pytest.param("https:///j/81234567890?pwd=secretpasscode", id="empty-host"),
        pytest.param("javascript:alert('81234567890')", id="javascript"),
        pytest.param("https://zoom.us:99999/j/81234567890", id="bad-port"),
        pytest.param("https://zoom.us:0/j/81234567890", id="port-zero"),
        pytest.param("https://zoom.us/j/812 34567890", id="inner-space"),
        pytest.param("https://zoom.us/j/81234567890\n?pwd=x", id="newline"),
        pytest.param("https://zoom.us/j/81234567890\x00", id="nul"),
        pytest.param("https://[zoom.us/j/81234567890", id="bad-ipv6"),
        pytest.param("https://zoom.us/j/" + "8" * 2040, id="too-long"),
        pytest.param("", id="empty"),
        pytest.param(81234567890, id="int"),
        pytest.param(None, id="none"),
    ],
)
def test_set_meeting_rejects_links_that_are_not_https(world: World, link: object) -> None:
    meetup = world.drawn_meetup()
    # assert_unchanged checks that the link's number and passcode are not shown.
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.set_meeting(world.host.id, meetup.id, options={"join_url": link}),
        InvalidMeetingLink,
    )
    assert exc.value is None  # even a wrong link may be a real one: never kept


@pytest.mark.parametrize("options", [None, {}, {"url": LINK}])
def test_set_meeting_needs_a_join_url(world: World, options: dict[str, Any] | None) -> None:
    meetup = world.drawn_meetup()
    assert_unchanged(
        world.forum,
        lambda: world.forum.set_meeting(world.host.id, meetup.id, options=options),
        InvalidMeetingLink,
    )


@pytest.mark.parametrize("provider", ["zoom", "", "Manual", "google-meet"])
def test_set_meeting_rejects_unknown_video_providers(world: World, provider: str) -> None:
    meetup = world.drawn_meetup()
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.set_meeting(
            world.host.id, meetup.id, provider=provider, options={"join_url": LINK}
        ),
        UnknownAdapter,
    )
    assert exc.params["name"] == provider
    assert exc.params["kind"] == "video"
    assert "manual" in exc.params["available"]
    assert "manual" in exc.message_en


def _set_meeting(actor: str, state: str) -> Setup:
    def setup(world: World) -> Callable[[], object]:
        meetup = {"drawn": world.drawn_meetup, "ended": world.ended_meetup}[
            state.removesuffix("-cancelled")
        ]()
        if state.endswith("-cancelled"):
            world.forum.cancel_meetup(world.host.id, meetup.id)
        actor_id = {
            "host": world.host.id,
            "member": world.members[0].id,
            "outsider": world.outsider.id,
        }[actor]
        return lambda: world.forum.set_meeting(actor_id, meetup.id, options={"join_url": LINK})

    return setup


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_set_meeting("member", "drawn"), RoleRequired, id="plain-member"),
        pytest.param(_set_meeting("outsider", "drawn"), NotACommunityMember, id="outsider"),
        pytest.param(_set_meeting("host", "ended"), IllegalTransition, id="ended"),
        pytest.param(_set_meeting("host", "drawn-cancelled"), IllegalTransition, id="cancelled"),
        pytest.param(
            lambda w: (
                lambda: w.forum.set_meeting(w.host.id, "mtp_nowhere", options={"join_url": LINK})
            ),
            NotFound,
            id="unknown-meetup",
        ),
    ],
)
def test_set_meeting_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


# --------------------------------------------------------------------------- send_meeting_links


def _send_links_without_meeting(world: World) -> Callable[[], object]:
    meetup = world.drawn_meetup()
    return lambda: world.forum.send_meeting_links(world.host.id, meetup.id)


def _send_links_before_draw(world: World) -> Callable[[], object]:
    meetup = world.applied_meetup()
    world.forum.set_meeting(world.host.id, meetup.id, options={"join_url": LINK})
    return lambda: world.forum.send_meeting_links(world.host.id, meetup.id)


def _send_links_after_end_time(world: World) -> Callable[[], object]:
    meetup = world.drawn_meetup()
    world.forum.set_meeting(world.host.id, meetup.id, options={"join_url": LINK})
    world.clock.set(meetup.ends_at)
    return lambda: world.forum.send_meeting_links(world.host.id, meetup.id)


def _send_links_as(actor: str) -> Setup:
    def setup(world: World) -> Callable[[], object]:
        meetup = world.drawn_meetup()
        world.forum.set_meeting(world.host.id, meetup.id, options={"join_url": LINK})
        actor_id = {"member": world.seat_holders(meetup)[0], "outsider": world.outsider.id}[actor]
        return lambda: world.forum.send_meeting_links(actor_id, meetup.id)

    return setup


def _send_links_cancelled(world: World) -> Callable[[], object]:
    meetup = world.drawn_meetup()
    world.forum.set_meeting(world.host.id, meetup.id, options={"join_url": LINK})
    world.forum.cancel_meetup(world.host.id, meetup.id)
    return lambda: world.forum.send_meeting_links(world.host.id, meetup.id)


def _send_links_ended(world: World) -> Callable[[], object]:
    meetup = world.ended_meetup()
    return lambda: world.forum.send_meeting_links(world.host.id, meetup.id)


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_send_links_without_meeting, MeetingNotReady, id="no-meeting"),
        pytest.param(_send_links_before_draw, IllegalTransition, id="not-drawn"),
        pytest.param(_send_links_after_end_time, TooLate, id="after-the-end"),
        pytest.param(_send_links_as("member"), RoleRequired, id="selected-member"),
        pytest.param(_send_links_as("outsider"), NotACommunityMember, id="outsider"),
        pytest.param(_send_links_cancelled, IllegalTransition, id="cancelled"),
        pytest.param(_send_links_ended, IllegalTransition, id="ended"),
    ],
)
def test_send_meeting_links_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


# --------------------------------------------------------------------------- meeting_link


def _link_for(who: str, *, capacity: int = 3, applicants: int | None = None) -> Setup:
    def setup(world: World) -> Callable[[], object]:
        meetup = world.linked_meetup(capacity, applicants)
        actor = {
            "waitlisted": lambda: by_state(world, meetup, ApplicationState.WAITLISTED)[0],
            "outsider": lambda: world.outsider.id,
            "non-applicant": lambda: non_applicant(world, meetup),
            "unknown": lambda: "mem_nobody",
        }[who]()
        return lambda: world.forum.meeting_link(actor, meetup.id)

    return setup


def _link_after_decline(world: World) -> Callable[[], object]:
    meetup = world.linked_meetup()
    quitter = world.seat_holders(meetup)[0]
    world.forum.decline(quitter, meetup.id)
    return lambda: world.forum.meeting_link(quitter, meetup.id)


def _link_after_end(who: str) -> Setup:
    def setup(world: World) -> Callable[[], object]:
        meetup = world.ended_meetup(absent=1)
        actor = {
            "attendee": lambda: world.attendees(meetup)[0],
            "no-show": lambda: by_state(world, meetup, ApplicationState.NO_SHOW)[0],
            "host": lambda: world.host.id,
        }[who]()
        return lambda: world.forum.meeting_link(actor, meetup.id)

    return setup


def _link_after_cancel(world: World) -> Callable[[], object]:
    meetup = world.linked_meetup()
    holder = world.seat_holders(meetup)[0]
    world.forum.cancel_meetup(world.host.id, meetup.id)
    return lambda: world.forum.meeting_link(holder, meetup.id)


def _link_not_set(world: World) -> Callable[[], object]:
    meetup = world.drawn_meetup()
    holder = world.seat_holders(meetup)[0]
    return lambda: world.forum.meeting_link(holder, meetup.id)


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_link_for("waitlisted"), LinkNotGranted, id="waitlisted"),
        pytest.param(_link_for("outsider"), LinkNotGranted, id="outsider"),
        pytest.param(_link_for("non-applicant", applicants=4), LinkNotGranted, id="non-applicant"),
        pytest.param(_link_after_decline, LinkNotGranted, id="declined"),
        pytest.param(_link_after_end("attendee"), LinkNotGranted, id="ended-attendee"),
        pytest.param(_link_after_end("no-show"), LinkNotGranted, id="ended-no-show"),
        pytest.param(_link_after_end("host"), LinkNotGranted, id="ended-host"),
        pytest.param(_link_after_cancel, LinkNotGranted, id="cancelled"),
        pytest.param(_link_not_set, MeetingNotReady, id="no-meeting-yet"),
        pytest.param(_link_for("unknown"), NotFound, id="unknown-member"),
        pytest.param(
            lambda w: lambda: w.forum.meeting_link(w.host.id, "mtp_nowhere"),
            NotFound,
            id="unknown-meetup",
        ),
    ],
)
def test_meeting_link_is_refused(world: World, setup: Setup, error: type[ProforumError]) -> None:
    exc = run_case(world, setup, error)
    # assert_unchanged already checks str/repr; the error must not carry it anywhere.
    assert LINK not in repr(exc.__dict__)
    assert exc.__cause__ is None or LINK not in str(exc.__cause__)


def test_the_link_is_granted_to_seat_holders_only(world: World) -> None:
    meetup = world.linked_meetup(capacity=3)
    holders = set(world.seat_holders(meetup))
    assert len(holders) == 3
    for member in world.members:
        if member.id in holders:
            assert world.forum.meeting_link(member.id, meetup.id) == LINK
        else:
            with pytest.raises(LinkNotGranted) as info:
                world.forum.meeting_link(member.id, meetup.id)
            assert LINK not in str(info.value)


# --------------------------------------------------------------------------- confirm, decline


def _seat_call(action: str, who: str, *, state: str = "linked", when: str = "before") -> Setup:
    def setup(world: World) -> Callable[[], object]:
        if state == "applied":
            meetup = world.applied_meetup(applicants=4)
            world.close(meetup)
        else:
            meetup = world.linked_meetup(capacity=3, applicants=5)
        actor = {
            "selected": lambda: world.seat_holders(meetup)[0],
            "waitlisted": lambda: by_state(world, meetup, ApplicationState.WAITLISTED)[0],
            "applicant": lambda: world.members[0].id,
            "non-applicant": lambda: non_applicant(world, meetup),
            "outsider": lambda: world.outsider.id,
            "unknown": lambda: "mem_nobody",
        }[who]()
        if state == "confirmed":
            world.forum.confirm(actor, meetup.id)
        if state == "declined":
            world.forum.decline(actor, meetup.id)
        if state == "cancelled":
            world.forum.cancel_meetup(world.host.id, meetup.id)
        if when == "at-start":
            world.clock.set(meetup.starts_at)
        method = getattr(world.forum, action)
        return lambda: method(actor, meetup.id)

    return setup


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_seat_call("confirm", "waitlisted"), IllegalTransition, id="waitlisted"),
        pytest.param(_seat_call("confirm", "non-applicant"), NotFound, id="non-applicant"),
        pytest.param(_seat_call("confirm", "outsider"), NotFound, id="outsider"),
        pytest.param(_seat_call("confirm", "unknown"), NotFound, id="unknown-member"),
        pytest.param(_seat_call("confirm", "selected", when="at-start"), TooLate, id="at-start"),
        pytest.param(
            _seat_call("confirm", "selected", state="confirmed"), IllegalTransition, id="twice"
        ),
        pytest.param(
            _seat_call("confirm", "selected", state="declined"),
            IllegalTransition,
            id="after-decline",
        ),
        pytest.param(
            _seat_call("confirm", "selected", state="cancelled"),
            IllegalTransition,
            id="cancelled",
        ),
        pytest.param(
            _seat_call("confirm", "applicant", state="applied"),
            IllegalTransition,
            id="not-drawn",
        ),
        pytest.param(_seat_call("decline", "non-applicant"), NotFound, id="d-non-applicant"),
        pytest.param(_seat_call("decline", "selected", when="at-start"), TooLate, id="d-at-start"),
        pytest.param(
            _seat_call("decline", "selected", state="declined"), IllegalTransition, id="d-twice"
        ),
        pytest.param(
            _seat_call("decline", "selected", state="cancelled"),
            IllegalTransition,
            id="d-cancelled",
        ),
        pytest.param(
            _seat_call("decline", "applicant", state="applied"),
            IllegalTransition,
            id="d-not-drawn",
        ),
    ],
)
def test_confirm_and_decline_reject(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


def test_declining_a_seat_of_a_cancelled_meetup_promotes_nobody(world: World) -> None:
    # Regression: decline used to promote the waitlist and send it the link
    # even after the meetup was called off.
    meetup = world.linked_meetup(capacity=3, applicants=5)
    holder = world.seat_holders(meetup)[0]
    waiting = by_state(world, meetup, ApplicationState.WAITLISTED)
    world.forum.cancel_meetup(world.host.id, meetup.id)
    assert_unchanged(world.forum, lambda: world.forum.decline(holder, meetup.id), IllegalTransition)
    assert by_state(world, meetup, ApplicationState.WAITLISTED) == waiting
    for member_id in waiting:
        assert all(e.item.kind != "meeting_link" for e in world.forum.inbox(member_id))


# --------------------------------------------------------------------------- send_reminders


def _reminders(actor: str, state: str, *, at_start: bool = False) -> Setup:
    def setup(world: World) -> Callable[[], object]:
        if state == "open":
            meetup = world.applied_meetup()
        elif state == "closed":
            meetup = world.applied_meetup()
            world.close(meetup)
        elif state == "ended":
            meetup = world.ended_meetup()
        else:
            meetup = world.linked_meetup()
        if state == "cancelled":
            world.forum.cancel_meetup(world.host.id, meetup.id)
        if at_start:
            world.clock.set(meetup.starts_at)
        actor_id = {
            "host": world.host.id,
            "member": world.members[0].id,
            "outsider": world.outsider.id,
        }[actor]
        return lambda: world.forum.send_reminders(actor_id, meetup.id)

    return setup


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_reminders("host", "open"), IllegalTransition, id="open"),
        pytest.param(_reminders("host", "closed"), IllegalTransition, id="not-drawn"),
        pytest.param(_reminders("host", "linked", at_start=True), TooLate, id="at-start"),
        pytest.param(_reminders("host", "ended"), IllegalTransition, id="ended"),
        pytest.param(_reminders("host", "cancelled"), IllegalTransition, id="cancelled"),
        pytest.param(_reminders("member", "linked"), RoleRequired, id="plain-member"),
        pytest.param(_reminders("outsider", "linked"), NotACommunityMember, id="outsider"),
    ],
)
def test_send_reminders_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


# --------------------------------------------------------------------------- check_in, attendance


def _check_in(who: str, *, at: str = "start", state: str = "linked") -> Setup:
    def setup(world: World) -> Callable[[], object]:
        if state == "ended":
            meetup = world.ended_meetup(absent=1)
        elif state == "open":
            meetup = world.applied_meetup()
        else:
            meetup = world.linked_meetup(capacity=3, applicants=5)
        if state == "cancelled":
            world.forum.cancel_meetup(world.host.id, meetup.id)
        if state == "declined":
            world.forum.decline(world.seat_holders(meetup)[0], meetup.id)
        moments = {
            "now": world.clock.now(),
            "31-min-before": meetup.starts_at - timedelta(minutes=31),
            "start": meetup.starts_at,
            "check-in-closed": meetup.ends_at + timedelta(hours=6),
        }
        if state != "ended":
            world.clock.set(moments[at])
        actor = {
            "selected": lambda: world.seat_holders(meetup)[0],
            "waitlisted": lambda: by_state(world, meetup, ApplicationState.WAITLISTED)[0],
            "declined": lambda: by_state(world, meetup, ApplicationState.DECLINED)[0],
            "applicant": lambda: world.members[0].id,
            "non-applicant": lambda: non_applicant(world, meetup),
            "outsider": lambda: world.outsider.id,
            "no-show": lambda: by_state(world, meetup, ApplicationState.NO_SHOW)[0],
            "attendee": lambda: world.attendees(meetup)[0],
            "unknown": lambda: "mem_nobody",
        }[who]()
        return lambda: world.forum.check_in(actor, meetup.id)

    return setup


def _check_in_twice(world: World) -> Callable[[], object]:
    meetup = world.linked_meetup()
    world.clock.set(meetup.starts_at)
    holder = world.seat_holders(meetup)[0]
    world.forum.check_in(holder, meetup.id)
    return lambda: world.forum.check_in(holder, meetup.id)


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_check_in("selected", at="now"), TooEarly, id="days-early"),
        pytest.param(_check_in("selected", at="31-min-before"), TooEarly, id="31-minutes-early"),
        pytest.param(_check_in("waitlisted"), IllegalTransition, id="waitlisted"),
        pytest.param(_check_in("declined", state="declined"), IllegalTransition, id="declined"),
        pytest.param(_check_in("non-applicant"), NotFound, id="non-applicant"),
        pytest.param(_check_in("outsider"), NotFound, id="outsider"),
        pytest.param(_check_in("unknown"), NotFound, id="unknown-member"),
        pytest.param(_check_in_twice, IllegalTransition, id="twice"),
        pytest.param(
            _check_in("selected", at="check-in-closed"), IllegalTransition, id="window-closed"
        ),
        pytest.param(
            _check_in("no-show", state="ended"), IllegalTransition, id="no-show-after-end"
        ),
        pytest.param(_check_in("attendee", state="ended"), IllegalTransition, id="attendee-again"),
        pytest.param(_check_in("applicant", state="open"), IllegalTransition, id="not-drawn"),
        pytest.param(_check_in("selected", state="cancelled"), IllegalTransition, id="cancelled"),
    ],
)
def test_check_in_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


def test_only_the_host_corrects_a_no_show(world: World) -> None:
    # Regression: a no-show could check themselves in after the meetup ended,
    # turn into an attendee and then answer the survey.
    meetup = world.ended_meetup(absent=1)
    no_show = by_state(world, meetup, ApplicationState.NO_SHOW)[0]
    assert_unchanged(
        world.forum, lambda: world.forum.check_in(no_show, meetup.id), IllegalTransition
    )
    corrected = world.forum.record_attendance(world.host.id, meetup.id, no_show)
    assert corrected.state is ApplicationState.ATTENDED


def _record(actor: str, who: str, *, at: str = "start", state: str = "linked") -> Setup:
    def setup(world: World) -> Callable[[], object]:
        meetup = world.ended_meetup() if state == "ended" else world.linked_meetup(3, 5)
        if state != "ended":
            world.clock.set(meetup.starts_at if at == "start" else world.clock.now())
        actor_id = {
            "host": world.host.id,
            "operator": world.operator.id,
            "member": world.members[0].id,
            "outsider": world.outsider.id,
        }[actor]
        target = {
            "selected": lambda: world.seat_holders(meetup)[0],
            "self": lambda: world.seat_holders(meetup)[0],
            "waitlisted": lambda: by_state(world, meetup, ApplicationState.WAITLISTED)[0],
            "non-applicant": lambda: non_applicant(world, meetup),
            "attendee": lambda: world.attendees(meetup)[0],
            "unknown": lambda: "mem_nobody",
        }[who]()
        if who == "self":
            actor_id = target
        return lambda: world.forum.record_attendance(actor_id, meetup.id, target)

    return setup


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_record("member", "selected"), RoleRequired, id="plain-member"),
        pytest.param(_record("host", "self"), RoleRequired, id="seat-holder-for-self"),
        pytest.param(_record("outsider", "selected"), NotACommunityMember, id="outsider"),
        pytest.param(_record("host", "non-applicant"), NotFound, id="non-applicant"),
        pytest.param(_record("host", "unknown"), NotFound, id="unknown-member"),
        pytest.param(_record("host", "selected", at="now"), TooEarly, id="too-early"),
        pytest.param(_record("host", "waitlisted"), IllegalTransition, id="waitlisted"),
        pytest.param(
            _record("operator", "attendee", state="ended"), IllegalTransition, id="attended-twice"
        ),
    ],
)
def test_record_attendance_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


# --------------------------------------------------------------------------- end_meetup


def _end(actor: str, state: str, *, at: str = "start") -> Setup:
    def setup(world: World) -> Callable[[], object]:
        if state == "ended":
            meetup = world.ended_meetup()
        elif state == "open":
            meetup = world.applied_meetup()
        elif state == "closed":
            meetup = world.applied_meetup()
            world.close(meetup)
        else:
            meetup = world.linked_meetup()
        if state == "cancelled":
            world.forum.cancel_meetup(world.host.id, meetup.id)
        if at == "start" and state != "ended":
            world.clock.set(meetup.starts_at)
        elif at == "just-before":
            world.clock.set(meetup.starts_at - timedelta(seconds=1))
        actor_id = {
            "host": world.host.id,
            "member": world.members[0].id,
            "outsider": world.outsider.id,
        }[actor]
        return lambda: world.forum.end_meetup(actor_id, meetup.id)

    return setup


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(_end("host", "linked", at="now"), TooEarly, id="days-early"),
        pytest.param(_end("host", "linked", at="just-before"), TooEarly, id="one-second-early"),
        pytest.param(_end("host", "ended"), IllegalTransition, id="twice"),
        pytest.param(_end("host", "open"), IllegalTransition, id="open"),
        pytest.param(_end("host", "closed"), IllegalTransition, id="not-drawn"),
        pytest.param(_end("host", "cancelled"), IllegalTransition, id="cancelled"),
        pytest.param(_end("member", "linked"), RoleRequired, id="plain-member"),
        pytest.param(_end("outsider", "linked"), NotACommunityMember, id="outsider"),
        pytest.param(
            lambda w: lambda: w.forum.end_meetup(w.host.id, "mtp_nowhere"), NotFound, id="unknown"
        ),
    ],
)
def test_end_meetup_rejects(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


def test_a_refused_end_leaves_attendance_open(world: World) -> None:
    meetup = world.linked_meetup()
    world.clock.set(meetup.starts_at - timedelta(minutes=10))
    holder = world.seat_holders(meetup)[0]
    world.forum.check_in(holder, meetup.id)
    assert_unchanged(
        world.forum, lambda: world.forum.end_meetup(world.host.id, meetup.id), TooEarly
    )
    assert world.forum.meetup(world.host.id, meetup.id).state is MeetupState.DRAWN


# --------------------------------------------------------------------------- reads


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param(
            lambda w: (lambda m: lambda: w.forum.meetup(w.outsider.id, m.id))(w.open_meetup()),
            NotACommunityMember,
            id="meetup-outsider",
        ),
        pytest.param(
            lambda w: lambda: w.forum.meetup(w.host.id, "mtp_nowhere"), NotFound, id="meetup"
        ),
        pytest.param(
            lambda w: lambda: w.forum.meetups(w.outsider.id, w.community.id),
            NotACommunityMember,
            id="meetups-outsider",
        ),
        pytest.param(
            lambda w: lambda: w.forum.meetups(w.host.id, "com_nowhere"),
            NotFound,
            id="meetups-unknown-community",
        ),
        pytest.param(
            lambda w: (lambda m: lambda: w.forum.applications(w.members[0].id, m.id))(
                w.applied_meetup()
            ),
            RoleRequired,
            id="applications-plain-member",
        ),
        pytest.param(
            lambda w: (lambda m: lambda: w.forum.application(w.members[5].id, m.id))(
                w.applied_meetup(applicants=2)
            ),
            NotFound,
            id="application-non-applicant",
        ),
        pytest.param(
            lambda w: (lambda m: lambda: w.forum.commitment(w.members[0].id, m.id))(
                w.applied_meetup()
            ),
            NotFound,
            id="commitment-before-close",
        ),
        pytest.param(
            lambda w: (lambda m: lambda: w.forum.commitment(w.outsider.id, m.id))(w.drawn_meetup()),
            NotACommunityMember,
            id="commitment-outsider",
        ),
        pytest.param(
            lambda w: (lambda m: lambda: w.forum.draw_record(w.members[0].id, m.id))(
                _after_close(w)
            ),
            NotFound,
            id="draw-record-before-draw",
        ),
        pytest.param(
            lambda w: (lambda m: lambda: w.forum.draw_record(w.outsider.id, m.id))(
                w.drawn_meetup()
            ),
            NotACommunityMember,
            id="draw-record-outsider",
        ),
    ],
)
def test_meetup_reads_reject(world: World, setup: Setup, error: type[ProforumError]) -> None:
    run_case(world, setup, error)


def test_a_withdrawn_applicant_may_apply_again_while_the_window_is_open(world: World) -> None:
    meetup = world.open_meetup()
    member = world.members[0]
    world.forum.apply(member.id, meetup.id)
    world.forum.withdraw(member.id, meetup.id)
    again = world.forum.apply(member.id, meetup.id)
    assert again.state == "applied"
    assert [a.member_id for a in world.forum.applications(world.host.id, meetup.id)] == [member.id]
    assert_unchanged(world.forum, lambda: world.forum.apply(member.id, meetup.id), AlreadyApplied)


# --------------------------------------------------------------------------- review findings


def test_only_organisers_see_where_the_meeting_is(world: World) -> None:
    meetup = world.linked_meetup(capacity=2)
    waiting = next(
        a.member_id
        for a in world.forum.applications(world.host.id, meetup.id)
        if a.state == "waitlisted"
    )
    outsider_of_meetup = world.members[-1].id
    for reader in (waiting, outsider_of_meetup):
        assert world.forum.meetup(reader, meetup.id).meeting is None
        assert all(m.meeting is None for m in world.forum.meetups(reader, world.community.id))
    assert world.forum.meetup(world.host.id, meetup.id).meeting is not None
    assert world.forum.meetup(world.operator.id, meetup.id).meeting is not None


def test_a_demoted_host_no_longer_organises(world: World) -> None:
    meetup = world.applied_meetup(capacity=2)
    world.forum.assign_role(world.operator.id, world.community.id, world.host.id, "member")
    world.clock.set(meetup.applications_close_at)
    assert_unchanged(
        world.forum,
        lambda: world.forum.close_applications(world.host.id, meetup.id),
        RoleRequired,
    )


def test_a_waitlisted_member_may_leave_the_waitlist_without_freeing_a_seat(
    world: World,
) -> None:
    meetup = world.drawn_meetup(capacity=2)
    draw = world.forum.draw_record(world.host.id, meetup.id)
    first_waiting, second_waiting = draw["waitlist"][:2]
    left = world.forum.decline(first_waiting, meetup.id)
    assert left.state == "declined"
    assert len(world.seat_holders(meetup)) == 2  # nobody was promoted
    # The next vacancy is offered past whoever left the waitlist.
    world.forum.decline(draw["selected"][0], meetup.id)
    assert world.forum.application(second_waiting, meetup.id).state == "offered"


@pytest.mark.parametrize("bad_id", [123, ["mtp_1"], {"id": 1}, None, "has space", ""])
def test_ids_of_the_wrong_shape_are_refused_the_same_on_every_backend(
    world: World, bad_id: object
) -> None:
    for call in (
        lambda: world.forum.meetup(world.host.id, bad_id),  # type: ignore[arg-type]
        lambda: world.forum.member(bad_id),  # type: ignore[arg-type]
        lambda: world.forum.community(bad_id),  # type: ignore[arg-type]
        lambda: world.forum.mark_read(world.host.id, bad_id),  # type: ignore[arg-type]
    ):
        assert_unchanged(world.forum, call, InvalidIdentifier)
