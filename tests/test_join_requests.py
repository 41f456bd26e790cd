"""Joining by approval: requests, decisions by moderators and operators, and the messages.

A community is open (joining is immediate, as it always was) or joins by
approval: ``join_community`` then leaves a pending request that a moderator
or an operator approves or refuses, and the requester is told through the
outbox.  Every test runs on memory, SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest

import proforum
from forum_world import T0, World, assert_unchanged
from proforum import ManualClock, Role
from proforum.domain.admission import JoinPolicy, JoinRequest, JoinRequestState
from proforum.domain.community import Membership
from proforum.domain.notification import MessageKind
from proforum.errors import (
    AlreadyMember,
    JoinAlreadyRequested,
    JoinRequestDecided,
    NotACommunityMember,
    NotFound,
    ProforumError,
    RoleRequired,
)

AT = T0.astimezone(UTC)


@pytest.fixture
def world(backend_world: World) -> World:
    """The cast on every backend, in a community that joins by approval, with a moderator."""
    forum, community = backend_world.forum, backend_world.community
    moderator = backend_world.members[5]
    forum.assign_role(backend_world.operator.id, community.id, moderator.id, Role.MODERATOR)
    forum.set_community_requirements(
        backend_world.operator.id, community.id, join_policy=JoinPolicy.APPROVAL
    )
    return backend_world


def newcomer(world: World, n: int = 0) -> proforum.Member:
    """A member who does not belong to the community yet."""
    return world.forum.register_member(nickname=f"새내기{n}", job_function="marketing-pr")


def messages_to(world: World, member_id: str) -> list[proforum.Message]:
    return [m for m in world.forum.outbox() if m.recipient_id == member_id]


def test_an_open_community_lets_members_in_at_once(backend_world: World) -> None:
    person = backend_world.forum.register_member(nickname="바로가입", job_function="design")
    joined = backend_world.forum.join_community(person.id, backend_world.community.id)
    assert isinstance(joined, Membership)
    assert backend_world.community.join_policy is JoinPolicy.OPEN


def test_joining_leaves_a_pending_request(world: World, clock: ManualClock) -> None:
    person = newcomer(world)
    clock.advance(timedelta(minutes=7))
    request = world.forum.join_community(person.id, world.community.id)
    assert request == JoinRequest(world.community.id, person.id, AT + timedelta(minutes=7))
    assert request.state is JoinRequestState.PENDING
    # Not a member yet: no feed, and the request is all there is.
    with pytest.raises(NotACommunityMember):
        world.forum.feed(person.id, world.community.id)
    assert world.forum.join_requests(world.operator.id, world.community.id) == [request]
    assert messages_to(world, person.id) == []


def test_asking_twice_is_refused(world: World) -> None:
    person = newcomer(world)
    world.forum.join_community(person.id, world.community.id)
    assert_unchanged(
        world.forum,
        lambda: world.forum.join_community(person.id, world.community.id),
        JoinAlreadyRequested,
    )


@pytest.mark.parametrize("decider", ["operator", "moderator"])
def test_a_moderator_or_an_operator_approves(
    world: World, clock: ManualClock, decider: str
) -> None:
    person = newcomer(world)
    world.forum.join_community(person.id, world.community.id)
    actor = world.operator if decider == "operator" else world.members[5]
    clock.advance(timedelta(hours=3))
    membership = world.forum.approve_join_request(actor.id, world.community.id, person.id)
    assert membership == Membership(
        world.community.id, person.id, Role.MEMBER, AT + timedelta(hours=3)
    )
    assert world.forum.feed(person.id, world.community.id).entries == ()
    assert world.forum.join_requests(actor.id, world.community.id) == []
    with world.forum.storage.unit_of_work() as uow:
        stored = uow.join_requests.get(world.community.id, person.id)
    assert stored is not None
    assert (stored.state, stored.decided_by, stored.decided_at) == (
        JoinRequestState.APPROVED,
        actor.id,
        AT + timedelta(hours=3),
    )
    (told,) = messages_to(world, person.id)
    assert told.kind is MessageKind.JOIN_APPROVED
    assert told.params["community_name"] == world.community.name
    (entry,) = world.forum.inbox(person.id)
    assert world.community.name in entry.text.subject
    assert "승인" in entry.text.body  # the newcomer reads Korean by default


def test_a_refusal_is_told_and_the_member_may_ask_again(world: World, clock: ManualClock) -> None:
    person = world.forum.register_member(
        real_name="Jane Park", job_function="marketing-pr", locale="en"
    )
    world.forum.join_community(person.id, world.community.id)
    refused = world.forum.refuse_join_request(world.members[5].id, world.community.id, person.id)
    assert (refused.state, refused.decided_by) == (JoinRequestState.REFUSED, world.members[5].id)
    with pytest.raises(NotACommunityMember):
        world.forum.feed(person.id, world.community.id)
    (told,) = messages_to(world, person.id)
    assert told.kind is MessageKind.JOIN_REFUSED
    (entry,) = world.forum.inbox(person.id)
    assert "not approved" in entry.text.body
    # Deciding again is refused...
    assert_unchanged(
        world.forum,
        lambda: world.forum.approve_join_request(world.operator.id, world.community.id, person.id),
        JoinRequestDecided,
    )
    # ...but the member may ask again: a new pending request.
    clock.advance(timedelta(days=1))
    again = world.forum.join_community(person.id, world.community.id)
    assert again == JoinRequest(world.community.id, person.id, AT + timedelta(days=1))
    assert world.forum.join_requests(world.operator.id, world.community.id) == [again]


def test_approving_twice_is_refused(world: World) -> None:
    person = newcomer(world)
    world.forum.join_community(person.id, world.community.id)
    world.forum.approve_join_request(world.operator.id, world.community.id, person.id)
    for decide in (world.forum.approve_join_request, world.forum.refuse_join_request):
        assert_unchanged(
            world.forum,
            lambda d=decide: d(world.members[5].id, world.community.id, person.id),  # type: ignore[misc]
            JoinRequestDecided,
        )
    # A member who left asks again like anyone else.
    world.forum.leave_community(person.id, world.community.id)
    again = world.forum.join_community(person.id, world.community.id)
    assert isinstance(again, JoinRequest)
    assert again.state is JoinRequestState.PENDING


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("member", RoleRequired),
        ("host", RoleRequired),
        ("outsider", NotACommunityMember),
        ("mem_nobody", NotFound),
    ],
)
@pytest.mark.parametrize("call", ["approve", "refuse", "list"])
def test_only_moderators_and_operators_decide(
    world: World, who: str, error: type[ProforumError], call: str
) -> None:
    person = newcomer(world)
    world.forum.join_community(person.id, world.community.id)
    actor = {
        "member": world.members[0].id,
        "host": world.host.id,
        "outsider": world.outsider.id,
    }.get(who, who)
    actions: dict[str, Any] = {
        "approve": lambda: world.forum.approve_join_request(actor, world.community.id, person.id),
        "refuse": lambda: world.forum.refuse_join_request(actor, world.community.id, person.id),
        "list": lambda: world.forum.join_requests(actor, world.community.id),
    }
    exc = assert_unchanged(world.forum, actions[call], error)
    if error is RoleRequired:
        assert exc.params["roles_en"] == "moderator, operator"


def test_the_requester_cannot_approve_themselves(world: World) -> None:
    person = newcomer(world)
    world.forum.join_community(person.id, world.community.id)
    assert_unchanged(
        world.forum,
        lambda: world.forum.approve_join_request(person.id, world.community.id, person.id),
        NotACommunityMember,
    )


@pytest.mark.parametrize("call", ["approve", "refuse"])
def test_deciding_on_a_request_nobody_made(world: World, call: str) -> None:
    person = newcomer(world)
    decide = (
        world.forum.approve_join_request if call == "approve" else world.forum.refuse_join_request
    )
    exc = assert_unchanged(
        world.forum, lambda: decide(world.operator.id, world.community.id, person.id), NotFound
    )
    assert exc.params["entity"] == "join request"
    assert_unchanged(
        world.forum,
        lambda: decide(world.operator.id, world.community.id, "mem_nobody"),
        NotFound,
    )


def test_a_member_cannot_ask_to_join_again(world: World) -> None:
    assert_unchanged(
        world.forum,
        lambda: world.forum.join_community(world.members[0].id, world.community.id),
        AlreadyMember,
    )


def test_requests_are_listed_oldest_first(world: World, clock: ManualClock) -> None:
    people = [newcomer(world, n) for n in range(3)]
    for person in reversed(people):
        world.forum.join_community(person.id, world.community.id)
        clock.advance(timedelta(minutes=1))
    listed = world.forum.join_requests(world.members[5].id, world.community.id)
    assert [r.member_id for r in listed] == [p.id for p in reversed(people)]
    world.forum.refuse_join_request(world.operator.id, world.community.id, people[1].id)
    listed = world.forum.join_requests(world.members[5].id, world.community.id)
    assert [r.member_id for r in listed] == [people[2].id, people[0].id]


def test_opening_the_community_drops_pending_requests(world: World) -> None:
    waiting, refused = newcomer(world, 1), newcomer(world, 2)
    for person in (waiting, refused):
        world.forum.join_community(person.id, world.community.id)
    world.forum.refuse_join_request(world.operator.id, world.community.id, refused.id)
    opened = world.forum.set_community_requirements(
        world.operator.id, world.community.id, join_policy="open"
    )
    assert opened.join_policy is JoinPolicy.OPEN
    with world.forum.storage.unit_of_work() as uow:
        left = uow.join_requests.all()
    # The waiting one may now simply join; the record of a refusal stays.
    assert [(r.member_id, r.state) for r in left] == [(refused.id, JoinRequestState.REFUSED)]
    assert isinstance(world.forum.join_community(waiting.id, world.community.id), Membership)
    assert world.forum.join_requests(world.operator.id, world.community.id) == []


def test_a_new_community_may_join_by_approval_from_the_start(backend_world: World) -> None:
    forum = backend_world.forum
    community = forum.create_community(
        backend_world.operator.id,
        slug="closed-pr",
        name="PR 비공개",
        job_function="marketing-pr",
        join_policy="approval",
    )
    assert community.join_policy is JoinPolicy.APPROVAL
    assert forum.community(community.id) == community
    request = forum.join_community(backend_world.members[0].id, community.id)
    assert isinstance(request, JoinRequest)
