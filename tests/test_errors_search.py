"""Search rejects bad input with the specific error and changes nothing."""

from __future__ import annotations

import base64
import json

import pytest

from forum_world import World, assert_unchanged
from proforum.domain.content import Post
from proforum.domain.search import QUERY_MAX
from proforum.errors import (
    InvalidCursor,
    InvalidInput,
    InvalidText,
    NotACommunityMember,
    NotFound,
)
from proforum.services.search import decode_search_cursor, encode_search_cursor


@pytest.fixture
def post(world: World) -> Post:
    return world.forum.publish_post(
        world.members[0].id, world.community.id, title="연봉 협상", body="이직할 때 물어보세요."
    )


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="empty"),
        pytest.param("   \u3000 ", id="spaces-only"),
        pytest.param("연" * (QUERY_MAX + 1), id="101-chars"),
        pytest.param(" " + "a" * (QUERY_MAX + 1) + " ", id="101-inside-spaces"),
        pytest.param("연봉\n협상", id="line-break"),
        pytest.param("연봉\x00", id="nul"),
        pytest.param("\u202e연봉", id="bidi-override"),
        pytest.param(None, id="none"),
        pytest.param(42, id="int"),
        pytest.param(b"abc", id="bytes"),
    ],
)
def test_search_rejects_bad_queries(world: World, post: Post, query: object) -> None:
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.search(world.members[1].id, world.community.id, query),  # type: ignore[arg-type]
        InvalidText,
    )
    assert exc.params["field"] == "query"
    assert exc.params["max"] == QUERY_MAX


def test_query_limits_are_inclusive(world: World, post: Post) -> None:
    longest = "연" * QUERY_MAX
    assert world.forum.search(world.members[1].id, world.community.id, longest).entries == ()
    # Outer spaces do not count, one character is enough.
    page = world.forum.search(world.members[1].id, world.community.id, f"  {'연' * 1}  ")
    assert page.posts == (post,)


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param(0, id="0"),
        pytest.param(-1, id="negative"),
        pytest.param(101, id="101"),
        pytest.param(True, id="bool"),
        pytest.param("20", id="str"),
        pytest.param(2.5, id="float"),
        pytest.param(None, id="none"),
    ],
)
def test_search_rejects_bad_limits(world: World, post: Post, limit: object) -> None:
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.search(world.members[1].id, world.community.id, "연봉", limit=limit),  # type: ignore[arg-type]
        InvalidInput,
    )
    assert exc.value == limit


def _raw(text: str) -> str:
    return "s1." + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "after",
    [
        pytest.param("", id="empty"),
        pytest.param("junk", id="no-prefix"),
        pytest.param("s1.", id="prefix-only"),
        pytest.param("s1.!!!", id="not-base64"),
        pytest.param(_raw("not json"), id="not-json"),
        pytest.param(_raw("[]"), id="empty-list"),
        pytest.param(_raw('["2026-12-01T00:00:00+00:00"]'), id="no-id"),
        pytest.param(_raw('["2026-12-01T00:00:00", "pst_x"]'), id="naive-time"),
        pytest.param(_raw('["yesterday", "pst_x"]'), id="bad-time"),
        pytest.param(_raw('["2026-12-01T00:00:00+00:00", 5]'), id="id-not-str"),
        pytest.param(_raw('["2026-12-01T00:00:00+00:00", ""]'), id="empty-id"),
        pytest.param(_raw('["0001-01-01T00:00:00+09:00", "pst_x"]'), id="before-year-1"),
        pytest.param("p1." + _raw('["2026-12-01T00:00:00+00:00", "pst_x"]')[3:], id="popular"),
        pytest.param("s1." + "A" * 300, id="too-long"),
        pytest.param(["s1.x"], id="list"),
        pytest.param(7, id="int"),
    ],
)
def test_search_rejects_malformed_cursors(world: World, post: Post, after: object) -> None:
    assert_unchanged(
        world.forum,
        lambda: world.forum.search(world.members[1].id, world.community.id, "연봉", after=after),  # type: ignore[arg-type]
        InvalidCursor,
    )


def test_the_search_cursor_round_trips(post: Post) -> None:
    cursor = encode_search_cursor(post.published_at, post.id)
    assert cursor.startswith("s1.")
    assert json.loads(base64.urlsafe_b64decode(cursor[3:] + "==")) == [
        post.published_at.isoformat(),
        post.id,
    ]
    assert decode_search_cursor(cursor) == (post.published_at, post.id)


def test_only_members_search_a_community(world: World, post: Post) -> None:
    assert_unchanged(
        world.forum,
        lambda: world.forum.search(world.outsider.id, world.community.id, "연봉"),
        NotACommunityMember,
    )


@pytest.mark.parametrize(
    ("who", "community"),
    [
        pytest.param("mem_nobody", "community", id="unknown-member"),
        pytest.param("member", "com_nowhere", id="unknown-community"),
    ],
)
def test_search_needs_a_member_and_a_community_that_exist(
    world: World, post: Post, who: str, community: str
) -> None:
    actor = world.members[1].id if who == "member" else who
    where = world.community.id if community == "community" else community
    assert_unchanged(
        world.forum,
        lambda: world.forum.search(actor, where, "연봉"),  # type: ignore[arg-type]
        NotFound,
    )


def test_a_member_who_left_can_no_longer_search(world: World, post: Post) -> None:
    member = world.members[2]
    world.forum.leave_community(member.id, world.community.id)
    assert_unchanged(
        world.forum,
        lambda: world.forum.search(member.id, world.community.id, "연봉"),
        NotACommunityMember,
    )
