"""Community requirements: a real name and/or a verified employer to post or to apply.

Set when a community is created or later by an operator; posting (posts and
comments) and applying to meetups check them, for every member alike.  A
refusal is a specific error in Korean and English and changes nothing.
Every test runs on memory, SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from forum_world import World, assert_unchanged
from proforum import CommunityRequirements, Role
from proforum.domain.admission import JoinPolicy
from proforum.errors import (
    InvalidInput,
    InvalidProfile,
    NotFound,
    ProforumError,
    RealNameRequired,
    RoleRequired,
    VerifiedEmployerRequired,
)

NOBODY: CommunityRequirements = CommunityRequirements()


@pytest.fixture
def world(backend_world: World) -> World:
    """The cast on every backend, with one post to comment on and an open meetup."""
    backend_world.forum.publish_post(
        backend_world.host.id, backend_world.community.id, title="환영합니다", body="첫 글"
    )
    return backend_world


def require(world: World, **flags: bool) -> None:
    world.forum.set_community_requirements(
        world.operator.id, world.community.id, requirements=CommunityRequirements(**flags)
    )


def verify(world: World, member_id: str) -> None:
    world.forum.record_employer_verification(
        world.operator.id, world.community.id, member_id, company="리멤버앤컴퍼니"
    )


def post(world: World, member_id: str) -> Callable[[], object]:
    return lambda: world.forum.publish_post(
        member_id, world.community.id, title="질문 있습니다", body="본문"
    )


def comment(world: World, member_id: str) -> Callable[[], object]:
    (first,) = world.forum.feed(world.host.id, world.community.id).posts[-1:]
    return lambda: world.forum.comment(member_id, first.id, "좋은 글이네요")


def test_nothing_is_required_by_default(world: World) -> None:
    assert world.community.requirements == NOBODY
    nickname = world.members[1]
    assert post(world, nickname.id)()
    assert comment(world, nickname.id)()
    assert world.forum.apply(nickname.id, world.open_meetup().id)


@pytest.mark.parametrize("writing", [post, comment], ids=["post", "comment"])
def test_a_real_name_may_be_required_to_post(
    world: World, writing: Callable[[World, str], Callable[[], object]]
) -> None:
    require(world, real_name_to_post=True)
    nickname, real_name = world.members[1], world.members[0]
    exc = assert_unchanged(world.forum, writing(world, nickname.id), RealNameRequired)
    assert "실명" in exc.message_ko
    assert exc.message_en == "This community asks for your real name to post and comment."
    assert writing(world, real_name.id)()
    # Applying is not concerned.
    assert world.forum.apply(nickname.id, world.open_meetup().id)


@pytest.mark.parametrize("writing", [post, comment], ids=["post", "comment"])
def test_a_verified_employer_may_be_required_to_post(
    world: World, writing: Callable[[World, str], Callable[[], object]]
) -> None:
    require(world, verified_employer_to_post=True)
    member = world.members[0]
    exc = assert_unchanged(world.forum, writing(world, member.id), VerifiedEmployerRequired)
    assert "재직 인증" in exc.message_ko
    assert "verified employer" in exc.message_en
    verify(world, member.id)
    assert writing(world, member.id)()


def test_requirements_to_apply(world: World) -> None:
    meetup = world.open_meetup()
    require(world, real_name_to_apply=True, verified_employer_to_apply=True)
    nickname, real_name = world.members[1], world.members[2]
    verify(world, nickname.id)
    # The real name is checked first: verified or not, a nickname cannot apply.
    exc = assert_unchanged(
        world.forum, lambda: world.forum.apply(nickname.id, meetup.id), RealNameRequired
    )
    assert exc.params["action_en"] == "to apply to meetups"
    assert_unchanged(
        world.forum, lambda: world.forum.apply(real_name.id, meetup.id), VerifiedEmployerRequired
    )
    verify(world, real_name.id)
    assert world.forum.apply(real_name.id, meetup.id).member_id == real_name.id
    # Posting is not concerned.
    assert post(world, nickname.id)()


def test_operators_and_hosts_are_held_to_them_too(world: World) -> None:
    require(world, verified_employer_to_post=True)
    for person in (world.operator, world.host):
        assert_unchanged(world.forum, post(world, person.id), VerifiedEmployerRequired)


def test_what_was_written_before_stays(world: World) -> None:
    nickname = world.members[1]
    earlier = post(world, nickname.id)()
    require(world, real_name_to_post=True)
    assert earlier in world.forum.feed(world.host.id, world.community.id).posts


def test_a_community_may_require_them_from_its_creation(backend_world: World) -> None:
    forum = backend_world.forum
    strict = CommunityRequirements(real_name_to_post=True, verified_employer_to_apply=True)
    community = forum.create_community(
        backend_world.members[0].id,
        slug="verified-pr",
        name="인증 PR",
        job_function="marketing-pr",
        requirements=strict,
        join_policy=JoinPolicy.OPEN,
    )
    assert forum.community(community.id).requirements == strict
    nickname = backend_world.members[1]
    forum.join_community(nickname.id, community.id)
    assert_unchanged(
        forum,
        lambda: forum.publish_post(nickname.id, community.id, title="안녕", body="하세요"),
        RealNameRequired,
    )


def test_an_operator_changes_them_and_they_stay_changed(world: World) -> None:
    changed = world.forum.set_community_requirements(
        world.operator.id,
        world.community.id,
        requirements=CommunityRequirements(real_name_to_apply=True),
    )
    assert changed.requirements == CommunityRequirements(real_name_to_apply=True)
    assert changed.join_policy is JoinPolicy.OPEN  # not given, kept
    assert world.forum.community(world.community.id) == changed
    policy_only = world.forum.set_community_requirements(
        world.operator.id, world.community.id, join_policy="approval"
    )
    assert policy_only.requirements == changed.requirements  # not given, kept
    assert policy_only.join_policy is JoinPolicy.APPROVAL
    lifted = world.forum.set_community_requirements(
        world.operator.id, world.community.id, requirements=NOBODY
    )
    assert lifted.requirements == NOBODY
    assert world.forum.apply(world.members[1].id, world.open_meetup().id)


@pytest.mark.parametrize(
    ("who", "kwargs", "error"),
    [
        ("host", {"requirements": NOBODY}, RoleRequired),
        ("moderator", {"join_policy": "approval"}, RoleRequired),
        ("member", {"requirements": NOBODY}, RoleRequired),
        ("operator", {}, InvalidInput),
        ("operator", {"requirements": {"real_name_to_post": True}}, InvalidInput),
        ("operator", {"join_policy": "invite-only"}, InvalidProfile),
        ("operator", {"join_policy": "OPEN"}, InvalidProfile),
        ("operator", {"join_policy": 1}, InvalidProfile),
    ],
)
def test_set_community_requirements_refuses(
    world: World, who: str, kwargs: dict[str, Any], error: type[ProforumError]
) -> None:
    world.forum.assign_role(
        world.operator.id, world.community.id, world.members[5].id, Role.MODERATOR
    )
    actor = {
        "host": world.host.id,
        "moderator": world.members[5].id,
        "member": world.members[0].id,
        "operator": world.operator.id,
    }[who]
    assert_unchanged(
        world.forum,
        lambda: world.forum.set_community_requirements(actor, world.community.id, **kwargs),
        error,
    )


def test_set_community_requirements_of_an_unknown_community(world: World) -> None:
    assert_unchanged(
        world.forum,
        lambda: world.forum.set_community_requirements(
            world.operator.id, "com_nowhere", requirements=NOBODY
        ),
        NotFound,
    )


@pytest.mark.parametrize("flag", ["yes", 1, None])
def test_a_requirement_is_a_bool(flag: object) -> None:
    with pytest.raises(InvalidInput):
        CommunityRequirements(real_name_to_post=flag)  # type: ignore[arg-type]
