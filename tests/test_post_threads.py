"""Threaded comments on every backend: replies, depth, order, placeholders, and cost.

A reply names the comment it answers and sits one level deeper, down to
depth 5; a reply to a comment at depth 5 joins it there, as the next reply to
the same parent.  ``comments()`` lists the thread parents first, siblings
oldest first (ties by id), each with its depth.  Deleted comments with shown
replies stay as placeholders; without, they are left out.  Held and hidden
comments are shown to their author and the community's moderators only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import attrs
import pytest
from sqlalchemy.engine import URL

import proforum
from forum_world import T0, World, build_world
from proforum import ManualClock, Role, SeededIds
from proforum.adapters.sql.storage import SqlStorage
from proforum.domain.common import CommentId, MemberId, PostId
from proforum.domain.content import MAX_REPLY_DEPTH, Comment, Post
from proforum.domain.content_status import ContentStatus
from proforum.domain.reactions import ReactionCounts, ReactionKind
from proforum.domain.threads import ThreadEntry, build_thread, thread_order
from proforum.errors import ContentDeleted
from proforum.testing.contracts import T0 as UTC0
from sql_support import count_statements, postgres_database, postgres_schema, sqlite_url


def _shape(thread: object) -> list[tuple[str, int]]:
    """Each entry's text and depth, in thread order."""
    assert isinstance(thread, tuple)
    return [(entry.text("ko"), entry.depth) for entry in thread]


def _set_status(forum: proforum.Forum, comment_id: CommentId, status: ContentStatus) -> None:
    """What moderation will do: change a comment's status in storage."""
    with forum.storage.unit_of_work() as uow:
        comment = uow.comments.get(comment_id)
        assert comment is not None
        uow.comments.update(attrs.evolve(comment, status=status))
        uow.commit()


@pytest.fixture
def post(backend_world: World) -> Post:
    w = backend_world
    return w.forum.publish_post(w.members[0].id, w.community.id, title="회고", body="본문")


def test_replies_nest_and_the_thread_lists_parents_before_children(
    backend_world: World, post: Post
) -> None:
    w = backend_world
    a, b, c = (m.id for m in w.members[:3])

    def say(actor: MemberId, body: str, reply_to: CommentId | None = None) -> Comment:
        w.clock.advance(timedelta(minutes=1))
        return w.forum.comment(actor, post.id, body, reply_to=reply_to)

    first = say(b, "첫 댓글")
    second = say(c, "둘째 댓글")
    reply = say(a, "첫 댓글에 답", reply_to=first.id)
    deeper = say(b, "답에 답", reply_to=reply.id)
    later_reply = say(c, "첫 댓글에 또 답", reply_to=first.id)
    third = say(a, "셋째 댓글")

    assert (reply.parent_id, reply.depth) == (first.id, 1)
    assert (deeper.parent_id, deeper.depth) == (reply.id, 2)
    thread = w.forum.comments(w.members[3].id, post.id)
    assert _shape(thread) == [
        ("첫 댓글", 0),
        ("첫 댓글에 답", 1),
        ("답에 답", 2),
        ("첫 댓글에 또 답", 1),
        ("둘째 댓글", 0),
        ("셋째 댓글", 0),
    ]
    assert [e.id for e in thread] == [
        first.id,
        reply.id,
        deeper.id,
        later_reply.id,
        second.id,
        third.id,
    ]
    entry = thread[2]
    assert entry.parent_id == reply.id
    assert entry.post_id == post.id
    assert entry.author is not None
    assert entry.author.display_name == w.members[1].display_name
    assert entry.body == "답에 답"
    assert not entry.placeholder
    assert entry.status is ContentStatus.VISIBLE
    assert entry.reactions == ReactionCounts()
    assert entry.my_reactions == frozenset()
    # Every comment counts on the post, replies included.
    assert w.forum.post(a, post.id).comment_count == 6


def test_replies_below_the_deepest_level_join_it(backend_world: World, post: Post) -> None:
    w = backend_world
    chain = [w.forum.comment(w.members[1].id, post.id, "깊이 0")]
    for depth in range(1, MAX_REPLY_DEPTH + 1):
        w.clock.advance(timedelta(seconds=1))
        chain.append(
            w.forum.comment(
                w.members[depth % 3].id, post.id, f"깊이 {depth}", reply_to=chain[-1].id
            )
        )
    assert [c.depth for c in chain] == list(range(MAX_REPLY_DEPTH + 1))
    deepest, above = chain[-1], chain[-2]

    w.clock.advance(timedelta(seconds=1))
    answer = w.forum.comment(w.members[4].id, post.id, "더 깊이", reply_to=deepest.id)
    w.clock.advance(timedelta(seconds=1))
    again = w.forum.comment(w.members[1].id, post.id, "또 더 깊이", reply_to=answer.id)
    # Both land at the deepest level, after the comment they answer, under its parent.
    assert (answer.parent_id, answer.depth) == (above.id, MAX_REPLY_DEPTH)
    assert (again.parent_id, again.depth) == (above.id, MAX_REPLY_DEPTH)
    thread = w.forum.comments(w.members[0].id, post.id)
    assert [e.id for e in thread] == [c.id for c in chain] + [answer.id, again.id]
    assert [e.depth for e in thread][-3:] == [MAX_REPLY_DEPTH] * 3


def test_comments_of_the_same_moment_are_ordered_by_id(backend_world: World, post: Post) -> None:
    """The clock does not move: ties are broken by id, the same way on every backend."""
    w = backend_world
    tops = [w.forum.comment(w.members[i].id, post.id, f"댓글 {i}") for i in range(1, 4)]
    replies = [
        w.forum.comment(w.members[i].id, post.id, f"답 {i}", reply_to=tops[0].id)
        for i in range(2, 5)
    ]
    thread = w.forum.comments(w.members[0].id, post.id)
    expected_tops = sorted(tops, key=lambda c: c.id)
    expected = []
    for top in expected_tops:
        expected.append(top.id)
        if top is tops[0]:
            expected.extend(sorted(r.id for r in replies))
    assert [e.id for e in thread] == expected


def test_a_deleted_comment_with_replies_stays_as_a_placeholder(
    backend_world: World, post: Post
) -> None:
    w = backend_world
    parent = w.forum.comment(w.members[1].id, post.id, "지울 댓글")
    w.clock.advance(timedelta(minutes=1))
    reply = w.forum.comment(w.members[2].id, post.id, "남을 답글", reply_to=parent.id)
    w.forum.react(w.members[3].id, "like", comment_id=parent.id)
    w.forum.delete_comment(w.members[1].id, parent.id)

    thread = w.forum.comments(w.members[0].id, post.id)
    assert _shape(thread) == [("삭제된 댓글입니다.", 0), ("남을 답글", 1)]
    placeholder = thread[0]
    assert placeholder.placeholder
    assert placeholder.id == parent.id
    assert placeholder.status is ContentStatus.DELETED
    assert placeholder.body is None
    assert placeholder.author is None
    assert placeholder.edited_at is None
    assert placeholder.reactions == ReactionCounts()
    assert placeholder.text("en") == "This comment was deleted."
    assert (thread[1].id, thread[1].parent_id) == (reply.id, parent.id)
    # The author sees the same: the text is gone for everybody.
    assert w.forum.comments(w.members[1].id, post.id) == thread
    # Only the reply counts now.
    assert w.forum.post(w.members[0].id, post.id).comment_count == 1


def test_deleted_comments_without_shown_replies_are_left_out(
    backend_world: World, post: Post
) -> None:
    w = backend_world
    kept = w.forum.comment(w.members[1].id, post.id, "남는 댓글")
    alone = w.forum.comment(w.members[2].id, post.id, "혼자 지워질 댓글")
    parent = w.forum.comment(w.members[3].id, post.id, "지울 부모")
    child = w.forum.comment(w.members[4].id, post.id, "지울 답", reply_to=parent.id)
    for actor, comment in ((2, alone), (4, child), (3, parent)):
        w.forum.delete_comment(w.members[actor].id, comment.id)
    thread = w.forum.comments(w.members[0].id, post.id)
    assert [e.id for e in thread] == [kept.id]


def test_held_and_hidden_comments_are_for_their_author_and_moderators(
    backend_world: World, post: Post
) -> None:
    w = backend_world
    moderator = w.members[5]
    w.forum.assign_role(w.operator.id, w.community.id, moderator.id, Role.MODERATOR)
    author, reader = w.members[1], w.members[2]
    held = w.forum.comment(author.id, post.id, "검토 받을 댓글")
    w.clock.advance(timedelta(minutes=1))
    hidden = w.forum.comment(author.id, post.id, "숨겨질 댓글")
    w.clock.advance(timedelta(minutes=1))
    reply = w.forum.comment(reader.id, post.id, "숨겨질 댓글에 답", reply_to=hidden.id)
    _set_status(w.forum, held.id, ContentStatus.HELD)
    _set_status(w.forum, hidden.id, ContentStatus.HIDDEN)

    full = [("검토 받을 댓글", 0), ("숨겨질 댓글", 0), ("숨겨질 댓글에 답", 1)]
    for who in (author, moderator, w.operator):
        thread = w.forum.comments(who.id, post.id)
        assert _shape(thread) == full, who.display_name
        assert [e.status for e in thread][:2] == [ContentStatus.HELD, ContentStatus.HIDDEN]
    # Anyone else: the held one is not there, the hidden one holds its reply's place.
    thread = w.forum.comments(reader.id, post.id)
    assert _shape(thread) == [("운영진이 숨긴 댓글입니다.", 0), ("숨겨질 댓글에 답", 1)]
    assert thread[0].author is None
    assert thread[0].text("en") == "This comment was hidden by the moderators."
    assert [e.id for e in thread] == [hidden.id, reply.id]
    # Neither is counted.
    assert w.forum.post(reader.id, post.id).comment_count == 1


def test_a_deleted_posts_thread_stays_readable_but_takes_nothing_new(
    backend_world: World, post: Post
) -> None:
    w = backend_world
    comment = w.forum.comment(w.members[1].id, post.id, "댓글")
    w.forum.delete_post(w.members[0].id, post.id)
    thread = w.forum.comments(w.members[2].id, post.id)
    assert _shape(thread) == [("댓글", 0)]
    with pytest.raises(ContentDeleted):
        w.forum.comment(w.members[2].id, post.id, "새 댓글")
    with pytest.raises(ContentDeleted):
        w.forum.comment(w.members[2].id, post.id, "답", reply_to=comment.id)
    with pytest.raises(ContentDeleted):
        w.forum.react(w.members[2].id, "like", comment_id=comment.id)
    assert w.forum.comments(w.members[2].id, post.id) == thread


def test_replies_reach_the_comment_published_hook(backend_world: World, post: Post) -> None:
    w = backend_world
    heard: list[Comment] = []

    class Listener:
        @proforum.hookimpl
        def proforum_comment_published(self, comment: Comment, post: Post) -> None:
            heard.append(comment)

    w.forum.plugin_manager.register(Listener())
    top = w.forum.comment(w.members[1].id, post.id, "댓글")
    reply = w.forum.comment(w.members[2].id, post.id, "답", reply_to=top.id)
    assert heard == [top, reply]
    assert heard[1].parent_id == top.id


# --------------------------------------------------------------------------- the thread as data


def _comment(n: int, *, parent: int | None = None, depth: int = 0, **changes: object) -> Comment:
    comment = Comment(
        CommentId(f"cmt_{n}"),
        PostId("pst_1"),
        MemberId(f"mem_{n}"),
        f"댓글 {n}",
        UTC0 + timedelta(minutes=n),
        parent_id=None if parent is None else CommentId(f"cmt_{parent}"),
        depth=depth,
    )
    return attrs.evolve(comment, **changes)


def test_a_comment_without_its_parent_or_in_a_loop_is_not_lost() -> None:
    """Data proforum never writes (an import by hand) still shows every comment once."""
    orphan = _comment(1, parent=9, depth=1)
    loop_a = _comment(2, parent=3, depth=1)
    loop_b = _comment(3, parent=2, depth=1)
    top = _comment(4)
    ordered = thread_order([loop_b, top, orphan, loop_a])
    assert [(c.id, depth) for c, depth in ordered] == [
        ("cmt_1", 0),
        ("cmt_4", 0),
        ("cmt_2", 0),
        ("cmt_3", 1),
    ]


def test_build_thread_shows_the_readers_own_reactions_and_hides_placeholders_authors() -> None:
    from proforum.domain.reactions import ReactionSummary

    top = _comment(1, status=ContentStatus.DELETED, body="")
    reply = _comment(2, parent=1, depth=1)
    summary = ReactionSummary(ReactionCounts(like=2), frozenset({ReactionKind.LIKE}))
    thread = build_thread(
        [reply, top],
        reader=MemberId("mem_7"),
        role=Role.MEMBER,
        authors={},
        reactions={"cmt_2": summary},
    )
    assert thread == (
        ThreadEntry(
            CommentId("cmt_1"), PostId("pst_1"), None, 0, ContentStatus.DELETED, top.published_at
        ),
        ThreadEntry(
            CommentId("cmt_2"),
            PostId("pst_1"),
            CommentId("cmt_1"),
            1,
            ContentStatus.VISIBLE,
            reply.published_at,
            body="댓글 2",
            author=thread[1].author,
            reactions=ReactionCounts(like=2),
            my_reactions=frozenset({ReactionKind.LIKE}),
        ),
    )
    assert thread[1].author is not None
    assert thread[1].author.display_name == "탈퇴한 회원"  # no such member any more


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


def counted(forum: proforum.Forum, action: Callable[[], object]) -> int:
    """How many SQL statements ``action`` issues on the forum's database."""
    storage = forum.storage
    assert isinstance(storage, SqlStorage)
    return count_statements(storage.engine, action)


def test_a_thread_costs_the_same_statements_for_3_or_60_comments(sql_world: World) -> None:
    w = sql_world
    costs = []
    for size in (3, 60):
        post = w.forum.publish_post(w.members[0].id, w.community.id, title="글", body="본문")
        previous: Comment | None = None
        for i in range(size):
            author = w.members[i % 6].id
            reply_to = previous.id if previous is not None and i % 2 else None
            previous = w.forum.comment(author, post.id, f"댓글 {i}", reply_to=reply_to)
            if i % 3 == 0:
                w.forum.react(w.members[(i + 1) % 6].id, "helpful", comment_id=previous.id)
        costs.append(counted(w.forum, lambda p=post: w.forum.comments(w.members[1].id, p.id)))
        assert len(w.forum.comments(w.members[1].id, post.id)) == size
    assert costs[0] == costs[1] <= 7
