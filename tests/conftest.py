"""Shared fixtures: a forum on the memory backend with a controllable clock, and a world.

``world`` builds the story's cast: an operator, a host, six members of the
마케팅/PR community and one outsider; :class:`forum_world.World` has shortcuts
that move a meetup through its life.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import proforum
from forum_world import T0, World
from proforum import ManualClock, Role, SeededIds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def forum(clock: ManualClock) -> Iterator[proforum.Forum]:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open("memory://", clock=clock, ids=SeededIds("tests"), plugin_manager=pm) as f:
        yield f


@pytest.fixture
def world(forum: proforum.Forum, clock: ManualClock) -> World:
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    host = forum.register_member(real_name="박성과", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    forum.join_community(host.id, community.id)
    forum.assign_role(operator.id, community.id, host.id, Role.HOST)
    members = []
    for i in range(6):
        identity = {"nickname": f"마케터{i}"} if i % 2 else {"real_name": f"이직원{i}"}
        member = forum.register_member(job_function="marketing-pr", **identity)
        forum.join_community(member.id, community.id)
        members.append(member)
    outsider = forum.register_member(nickname="외부인", job_function="development")
    return World(forum, clock, operator, host, members, outsider, community)
