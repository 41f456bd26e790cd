"""The newest and the popular feed on every backend: visible posts, in order, each once.

The newest feed pages by ``(published_at, id)`` with a tuple position; the
popular feed by ``(score, published_at, id)`` with an opaque cursor.  Held,
hidden and deleted posts are in neither.  A Hypothesis property pages
through both, with any page size, over posts whose times and scores tie; and
a page costs the same few statements whatever its size.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import URL

import proforum
from forum_world import T0, World, build_world
from proforum import ManualClock, Role, SeededIds
from proforum.adapters.sql.storage import SqlStorage
from proforum.domain.common import CommunityId, MemberId, PostId
from proforum.domain.community import Community, Membership
from proforum.domain.content import FeedPage, Post
from proforum.domain.content_status import ContentStatus
from proforum.domain.reactions import ReactionCounts
from proforum.services.feeds import decode_popular_cursor, encode_popular_cursor
from sql_support import count_statements, postgres_database, postgres_schema, sqlite_url


def _set_status(forum: proforum.Forum, post: Post, status: ContentStatus) -> None:
    """What moderation will do: change a post's status in storage."""
    with forum.storage.unit_of_work() as uow:
        uow.posts.update(attrs.evolve(post, status=status))
        uow.commit()


def _titles(page: FeedPage) -> list[str]:
    return [entry.post.title for entry in page.entries]


def test_the_newest_feed_shows_visible_posts_only(backend_world: World) -> None:
    w = backend_world
    posts = []
    for n in range(5):
        w.clock.advance(timedelta(minutes=1))
        posts.append(
            w.forum.publish_post(w.members[n].id, w.community.id, title=f"글 {n}", body="본문")
        )
    _set_status(w.forum, posts[1], ContentStatus.HELD)
    _set_status(w.forum, posts[2], ContentStatus.HIDDEN)
    w.forum.delete_post(posts[3].author_id, posts[3].id)
    # Even their authors and the operator do not see them in the feed.
    for reader in (w.members[1], w.members[2], w.operator):
        page = w.forum.feed(reader.id, w.community.id)
        assert _titles(page) == ["글 4", "글 0"]
        assert page.next_before is None
        assert page.next_cursor is None
        assert _titles(w.forum.popular_feed(reader.id, w.community.id)) == ["글 4", "글 0"]


def test_the_popular_feed_orders_by_score_then_time(backend_world: World) -> None:
    w = backend_world
    posts = {}
    for n in range(5):
        w.clock.advance(timedelta(minutes=1))
        posts[n] = w.forum.publish_post(
            w.members[n].id, w.community.id, title=f"글 {n}", body="본문"
        )
    # Scores: 글 1 = 2 (a comment), 글 3 = 2 (two reactions), 글 4 = 1, the rest 0.
    w.forum.comment(w.members[0].id, posts[1].id, "댓글")
    w.forum.react(w.members[0].id, "like", post_id=posts[3].id)
    w.forum.react(w.members[1].id, "helpful", post_id=posts[3].id)
    w.forum.react(w.members[0].id, "insightful", post_id=posts[4].id)

    first = w.forum.popular_feed(w.members[5].id, w.community.id, limit=2)
    assert _titles(first) == ["글 3", "글 1"]  # equal scores: the newer first
    assert [e.post.score for e in first.entries] == [2, 2]
    assert first.next_before is None
    assert first.next_cursor is not None
    second = w.forum.popular_feed(w.members[5].id, w.community.id, limit=2, after=first.next_cursor)
    assert _titles(second) == ["글 4", "글 2"]
    third = w.forum.popular_feed(w.members[5].id, w.community.id, limit=2, after=second.next_cursor)
    assert _titles(third) == ["글 0"]
    assert third.next_cursor is None
    (entry,) = [e for e in first.entries if e.post.id == posts[3].id]
    assert entry.reactions == ReactionCounts(like=1, helpful=1)
    assert entry.author.display_name == w.members[3].display_name
    assert first.entries[1].comment_count == 1


def test_the_popular_cursor_holds_its_position() -> None:
    at = datetime(2026, 12, 1, 1, 2, 3, 456789, tzinfo=UTC)
    cursor = encode_popular_cursor(17, at, PostId("pst_abc"))
    assert cursor.startswith("p1.")
    assert decode_popular_cursor(cursor) == (17, at, "pst_abc")


# --------------------------------------------------------------------------- every post once


@settings(max_examples=40, deadline=None)
@given(
    score=st.integers(0, 2**31 - 1),
    at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    post_id=st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}\Z"),
)
def test_any_popular_position_survives_its_cursor(score: int, at: datetime, post_id: str) -> None:
    assert decode_popular_cursor(encode_popular_cursor(score, at, PostId(post_id))) == (
        score,
        at,
        post_id,
    )


def test_paging_either_feed_visits_every_visible_post_once_in_order(backend_url: str) -> None:
    """Whatever the page size, each feed, through the use cases, shows every visible post once.

    A Hypothesis property over a community's posts (a few times and scores,
    so many tie; some held, hidden or deleted), the page size and the feed.
    Each example fills a new community of the same storage, which the reader
    belongs to.
    """
    reader = MemberId("mem_reader")
    communities = itertools.count(1)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    statuses = st.sampled_from([ContentStatus.VISIBLE] * 3 + list(ContentStatus))
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open(backend_url, clock=ManualClock(at), plugin_manager=pm) as forum:

        @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            layout=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), statuses), max_size=24),
            size=st.integers(1, 8),
            popular=st.booleans(),
        )
        def page_through(
            layout: list[tuple[int, int, ContentStatus]], size: int, popular: bool
        ) -> None:
            n = next(communities)
            community = CommunityId(f"com_{n:04d}")
            posts = [
                Post(
                    PostId(f"pst_{n:04d}_{i:03d}"),
                    community,
                    MemberId(f"mem_{i % 3}"),
                    "" if status is ContentStatus.DELETED else f"제목 {i}",
                    "" if status is ContentStatus.DELETED else "본문",
                    at + timedelta(minutes=minute),
                    status=status,
                    score=score,
                )
                for i, (minute, score, status) in enumerate(layout)
            ]
            with forum.storage.unit_of_work() as uow:
                uow.communities.add(
                    Community(community, f"community-{n}", "마케팅/PR", "marketing-pr", at)
                )
                uow.memberships.add(Membership(community, reader, Role.MEMBER, at))
                for post in posts:
                    uow.posts.add(post)
                uow.commit()

            def position(p: Post) -> tuple[Any, ...]:
                return (p.score, p.published_at, p.id) if popular else (p.published_at, p.id)

            visible = [p for p in posts if p.status is ContentStatus.VISIBLE]
            expected = sorted(visible, key=position, reverse=True)
            seen: list[Post] = []
            before: tuple[datetime, PostId] | None = None
            after: str | None = None
            while True:
                if popular:
                    page = forum.popular_feed(reader, community, limit=size, after=after)
                else:
                    page = forum.feed(reader, community, limit=size, before=before)
                assert len(page.entries) <= size
                seen.extend(page.posts)
                before, after = page.next_before, page.next_cursor
                if (after if popular else before) is None:
                    break
                assert len(page.entries) == size
            assert seen == expected

        page_through()


# --------------------------------------------------------------------------- cost


@pytest.fixture(scope="module")
def pg_database() -> Iterator[URL]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The cast on an SQL backend, SQLite or PostgreSQL."""
    clock = ManualClock(T0)
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "forum.db")
        with proforum.open(url, clock=clock, ids=SeededIds("cost"), plugin_manager=pm) as f:
            yield build_world(f, clock)
        return
    database = request.getfixturevalue("pg_database")
    with (
        postgres_schema(database) as url,
        proforum.open(url, clock=clock, ids=SeededIds("cost"), plugin_manager=pm) as f,
    ):
        yield build_world(f, clock)


def test_a_feed_page_costs_the_same_statements_for_3_or_60_posts(sql_world: World) -> None:
    """No N+1, for any page.

    The newest feed reads the membership, then the page with its authors and
    counts in one query (plus ``BEGIN IMMEDIATE`` on SQLite); the popular feed
    reads authors, verifications, comment counts and reactions in one query each.
    """
    w = sql_world
    costs: dict[str, list[int]] = {"feed": [], "popular": []}
    for size in (3, 60):
        community = w.forum.create_community(
            w.operator.id, slug=f"size-{size}", name="마케팅/PR", job_function="marketing-pr"
        )
        for i in range(size):
            author = w.members[i % 6]
            if size == 3 or i < 6:
                w.forum.join_community(author.id, community.id)
            post = w.forum.publish_post(author.id, community.id, title=f"글 {i}", body="본문")
            if i % 2:
                w.forum.comment(author.id, post.id, "댓글")
            if i % 3:
                w.forum.react(w.operator.id, "like", post_id=post.id)
        storage = w.forum.storage
        assert isinstance(storage, SqlStorage)

        def newest(c: CommunityId = community.id, n: int = size) -> None:
            assert len(w.forum.feed(w.operator.id, c, limit=100).entries) == n

        def popular(c: CommunityId = community.id, n: int = size) -> None:
            assert len(w.forum.popular_feed(w.operator.id, c, limit=100).entries) == n

        costs["feed"].append(count_statements(storage.engine, newest))
        costs["popular"].append(count_statements(storage.engine, popular))
    assert costs["feed"][0] == costs["feed"][1] <= 3
    assert costs["popular"][0] == costs["popular"][1] <= 8


def test_reading_a_post_costs_a_fixed_number_of_statements(sql_world: World) -> None:
    w = sql_world
    post = w.forum.publish_post(w.members[0].id, w.community.id, title="글", body="본문")
    storage = w.forum.storage
    assert isinstance(storage, SqlStorage)
    before = count_statements(storage.engine, lambda: w.forum.post(w.members[1].id, post.id))
    for member in w.members:
        w.forum.comment(member.id, post.id, "댓글")
        w.forum.react(member.id, "like", post_id=post.id)
    after = count_statements(storage.engine, lambda: w.forum.post(w.members[1].id, post.id))
    assert before == after <= 7
    view = w.forum.post(w.members[1].id, post.id)
    assert (view.comment_count, view.reactions.like, view.post.score) == (6, 6, 18)
