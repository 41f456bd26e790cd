"""Deletion that keeps threads readable, on every backend.

The author, or a moderator or operator of the community, deletes a post or a
comment.  It stays as a tombstone: status ``deleted``, text emptied, author
and time kept; its earlier versions are erased, so nothing its author took
back can be read anywhere in the forum's data.  A deleted post leaves the
feeds and reads as its tombstone; a deleted comment stops counting.
"""

from __future__ import annotations

import json
from datetime import timedelta

import attrs
import pytest

from forum_world import World
from proforum import Role
from proforum.domain.content import SCORE_PER_COMMENT, Post, comment_score_change
from proforum.domain.content_status import ContentStatus
from proforum.domain.reactions import ReactionCounts
from proforum.errors import ContentDeleted, NotACommunityMember


@pytest.fixture
def post(backend_world: World) -> Post:
    w = backend_world
    return w.forum.publish_post(
        w.members[0].id, w.community.id, title="지우고 싶은 제목", body="지우고 싶은 본문"
    )


def _dump(w: World) -> str:
    return json.dumps(w.forum.export_data(), ensure_ascii=False)


def test_the_author_deletes_a_post_and_it_becomes_a_tombstone(
    backend_world: World, post: Post
) -> None:
    w = backend_world
    w.clock.advance(timedelta(minutes=5))
    w.forum.edit_post(post.author_id, post.id, title="고친 제목", body="고친 본문")
    w.forum.react(w.members[1].id, "like", post_id=post.id)
    comment = w.forum.comment(w.members[1].id, post.id, "댓글은 남습니다")
    assert "지우고 싶은 본문" in _dump(w)  # kept as an earlier version until now

    tombstone = w.forum.delete_post(post.author_id, post.id)
    assert (tombstone.status, tombstone.title, tombstone.body) == (ContentStatus.DELETED, "", "")
    assert (tombstone.id, tombstone.author_id, tombstone.published_at) == (
        post.id,
        post.author_id,
        post.published_at,
    )

    view = w.forum.post(w.members[2].id, post.id)
    assert view.deleted
    assert view.post == tombstone
    assert view.author is None
    assert (view.comment_count, view.reactions, view.my_reactions) == (
        0,
        ReactionCounts(),
        frozenset(),
    )
    assert w.forum.feed(w.members[2].id, w.community.id).entries == ()
    assert w.forum.popular_feed(w.members[2].id, w.community.id).entries == ()
    assert w.forum.post_revisions(w.members[2].id, post.id) == []
    # The thread under it still reads.
    assert [e.id for e in w.forum.comments(w.members[2].id, post.id)] == [comment.id]
    # Neither the text as published nor as edited is anywhere in the forum's data.
    dump = _dump(w)
    for text in ("지우고 싶은 제목", "지우고 싶은 본문", "고친 제목", "고친 본문"):
        assert text not in dump


def test_moderators_and_operators_delete_what_others_wrote(
    backend_world: World, post: Post
) -> None:
    w = backend_world
    moderator = w.members[5]
    w.forum.assign_role(w.operator.id, w.community.id, moderator.id, Role.MODERATOR)
    comment = w.forum.comment(w.members[1].id, post.id, "지워질 댓글")
    gone = w.forum.delete_comment(w.operator.id, comment.id)
    assert (gone.status, gone.body, gone.author_id) == (
        ContentStatus.DELETED,
        "",
        w.members[1].id,
    )
    assert w.forum.delete_post(moderator.id, post.id).status is ContentStatus.DELETED


def test_a_deleted_comment_no_longer_counts(backend_world: World, post: Post) -> None:
    w = backend_world
    comments = [w.forum.comment(w.members[i].id, post.id, f"댓글 {i}") for i in (1, 2, 3)]
    view = w.forum.post(w.members[0].id, post.id)
    assert (view.comment_count, view.post.score) == (3, 3 * SCORE_PER_COMMENT)
    w.forum.delete_comment(w.members[2].id, comments[1].id)
    view = w.forum.post(w.members[0].id, post.id)
    assert (view.comment_count, view.post.score) == (2, 2 * SCORE_PER_COMMENT)
    (entry,) = w.forum.feed(w.members[0].id, w.community.id).entries
    assert entry.comment_count == 2


def test_a_comment_hidden_before_deletion_does_not_lower_the_score_twice(
    backend_world: World, post: Post
) -> None:
    """Moderation moves the score when it hides a comment; deleting it then moves nothing."""
    w = backend_world
    comment = w.forum.comment(w.members[1].id, post.id, "숨겨질 댓글")
    with w.forum.storage.unit_of_work() as uow:  # what moderation will do
        stored = uow.comments.get(comment.id)
        assert stored is not None
        uow.comments.update(attrs.evolve(stored, status=ContentStatus.HIDDEN))
        change = comment_score_change(ContentStatus.VISIBLE, ContentStatus.HIDDEN)
        uow.posts.add_to_score(post.id, change)
        uow.commit()
    assert w.forum.post(post.author_id, post.id).post.score == 0
    w.forum.delete_comment(w.members[1].id, comment.id)
    assert w.forum.post(post.author_id, post.id).post.score == 0


def test_an_author_who_left_may_still_delete_but_not_edit(backend_world: World, post: Post) -> None:
    w = backend_world
    author = w.members[1]
    comment = w.forum.comment(author.id, post.id, "나가기 전에 쓴 댓글")
    w.forum.leave_community(author.id, w.community.id)
    with pytest.raises(NotACommunityMember):
        w.forum.edit_comment(author.id, comment.id, "고친 댓글")
    assert w.forum.delete_comment(author.id, comment.id).status is ContentStatus.DELETED
    assert "나가기 전에 쓴 댓글" not in _dump(w)


def test_deleted_content_cannot_be_edited_or_deleted_again(
    backend_world: World, post: Post
) -> None:
    w = backend_world
    comment = w.forum.comment(w.members[1].id, post.id, "댓글")
    w.forum.delete_comment(w.members[1].id, comment.id)
    w.forum.delete_post(post.author_id, post.id)
    with pytest.raises(ContentDeleted):
        w.forum.edit_post(post.author_id, post.id, body="되살리기")
    with pytest.raises(ContentDeleted):
        w.forum.edit_comment(w.members[1].id, comment.id, "되살리기")
    with pytest.raises(ContentDeleted):
        w.forum.delete_post(post.author_id, post.id)
    with pytest.raises(ContentDeleted):
        w.forum.delete_comment(w.operator.id, comment.id)


def test_comment_score_change_counts_only_visible_comments() -> None:
    visible, held = ContentStatus.VISIBLE, ContentStatus.HELD
    assert comment_score_change(None, visible) == SCORE_PER_COMMENT
    assert comment_score_change(None, held) == 0
    assert comment_score_change(visible, ContentStatus.DELETED) == -SCORE_PER_COMMENT
    assert comment_score_change(held, visible) == SCORE_PER_COMMENT
    assert comment_score_change(held, ContentStatus.DELETED) == 0
