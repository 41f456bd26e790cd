"""Edits kept as history, on every backend.

Only the author edits.  Each edit keeps what it replaced as a numbered
revision (who, when, the old title and body), marks the post or comment
``edited_at``, goes through the content policy like a new text, and leaves
the score and status alone.  Concurrent edits of one post take turns: no
earlier version is lost or numbered twice.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import attrs
import pytest

import proforum
from forum_world import World
from proforum.domain.community import Community
from proforum.domain.content import PolicyViolation, Post
from proforum.domain.content_status import ContentKind, ContentStatus
from proforum.domain.identity import Member
from proforum.domain.revisions import Revision
from proforum.errors import ContentRejected, InvalidInput


@pytest.fixture
def post(backend_world: World) -> Post:
    w = backend_world
    return w.forum.publish_post(w.members[0].id, w.community.id, title="첫 제목", body="첫 본문")


def test_an_edit_keeps_what_it_replaced(backend_world: World, post: Post) -> None:
    w = backend_world
    author = post.author_id
    w.clock.advance(timedelta(hours=1))
    first_edit = w.clock.now()
    edited = w.forum.edit_post(author, post.id, title="둘째 제목", body="둘째 본문")
    assert (edited.title, edited.body) == ("둘째 제목", "둘째 본문")
    assert edited.edited_at == first_edit
    assert edited.published_at == post.published_at
    assert edited.status is ContentStatus.VISIBLE

    w.clock.advance(timedelta(hours=1))
    second_edit = w.clock.now()
    again = w.forum.edit_post(author, post.id, body="셋째 본문")  # the title stays
    assert (again.title, again.body, again.edited_at) == ("둘째 제목", "셋째 본문", second_edit)

    # Any member may read the history, oldest first.
    history = w.forum.post_revisions(w.members[3].id, post.id)
    assert history == [
        Revision(ContentKind.POST, post.id, 1, "첫 제목", "첫 본문", author, first_edit),
        Revision(ContentKind.POST, post.id, 2, "둘째 제목", "둘째 본문", author, second_edit),
    ]
    view = w.forum.post(w.members[3].id, post.id)
    assert view.post == again
    (entry,) = w.forum.feed(w.members[3].id, w.community.id).entries
    assert (entry.post.title, entry.post.edited_at) == ("둘째 제목", second_edit)


def test_an_edit_that_changes_nothing_records_nothing(backend_world: World, post: Post) -> None:
    w = backend_world
    w.clock.advance(timedelta(hours=1))
    # The same text once cleaned (outer spaces) is no change.
    same = w.forum.edit_post(post.author_id, post.id, title="  첫 제목 ", body="첫 본문\n")
    assert same == post
    assert same.edited_at is None
    assert w.forum.post_revisions(post.author_id, post.id) == []


def test_editing_a_comment(backend_world: World, post: Post) -> None:
    w = backend_world
    commenter = w.members[1].id
    comment = w.forum.comment(commenter, post.id, "처음 댓글")
    w.clock.advance(timedelta(minutes=5))
    edited = w.forum.edit_comment(commenter, comment.id, "  고친 댓글  ")
    assert (edited.body, edited.edited_at) == ("고친 댓글", w.clock.now())
    assert (edited.parent_id, edited.depth, edited.published_at) == (
        None,
        0,
        comment.published_at,
    )
    assert w.forum.comment_revisions(w.members[2].id, comment.id) == [
        Revision(ContentKind.COMMENT, comment.id, 1, None, "처음 댓글", commenter, w.clock.now())
    ]
    (entry,) = w.forum.comments(w.members[2].id, post.id)
    assert (entry.body, entry.edited_at) == ("고친 댓글", w.clock.now())
    assert w.forum.edit_comment(commenter, comment.id, "고친 댓글") == edited  # no change


def test_an_edit_leaves_score_and_status_alone(backend_world: World, post: Post) -> None:
    w = backend_world
    w.forum.react(w.members[1].id, "like", post_id=post.id)
    w.forum.comment(w.members[2].id, post.id, "댓글")
    edited = w.forum.edit_post(post.author_id, post.id, body="고친 본문")
    assert edited.score == 3
    assert w.forum.post(post.author_id, post.id).post.score == 3

    # A post awaiting review may be fixed by its author, and stays held.
    with w.forum.storage.unit_of_work() as uow:
        uow.posts.update(attrs.evolve(edited, status=ContentStatus.HELD))
        uow.commit()
    fixed = w.forum.edit_post(post.author_id, post.id, body="다시 고친 본문")
    assert fixed.status is ContentStatus.HELD
    assert w.forum.feed(post.author_id, w.community.id).entries == ()


class Recorder:
    """A content policy that records what it reads and refuses the word 고발."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    @proforum.hookimpl
    def proforum_check_post(
        self, community: Community, author: Member, title: str | None, body: str
    ) -> list[PolicyViolation]:
        self.received.append({"community": community.id, "author": author.id, "title": title})
        self.received[-1]["body"] = body
        if "고발" in body:
            return [PolicyViolation("civility.expose", "고발성 글 금지", "no exposés")]
        return []


def test_the_content_policy_reads_every_edit(backend_world: World, post: Post) -> None:
    w = backend_world
    policy = Recorder()
    w.forum.plugin_manager.register(policy)
    w.forum.edit_post(post.author_id, post.id, title="새 제목")
    # The whole text as it will read: the new title with the body kept.
    assert policy.received[-1] == {
        "community": w.community.id,
        "author": post.author_id,
        "title": "새 제목",
        "body": "첫 본문",
    }
    comment = w.forum.comment(w.members[1].id, post.id, "댓글")
    w.forum.edit_comment(w.members[1].id, comment.id, "고친 댓글")
    assert policy.received[-1]["title"] is None
    assert policy.received[-1]["body"] == "고친 댓글"

    with pytest.raises(ContentRejected) as caught:
        w.forum.edit_post(post.author_id, post.id, body="회사를 고발합니다")
    assert caught.value.value == ["civility.expose"]
    with pytest.raises(ContentRejected) as caught:
        w.forum.edit_comment(w.members[1].id, comment.id, "연락처 010-1234-5678")
    assert caught.value.value == ["phone_number"]
    # Refused edits leave no trace.
    assert w.forum.post(w.members[2].id, post.id).post.body == "첫 본문"
    assert len(w.forum.post_revisions(w.members[2].id, post.id)) == 1
    assert len(w.forum.comment_revisions(w.members[2].id, comment.id)) == 1


def test_an_edit_must_change_something(backend_world: World, post: Post) -> None:
    with pytest.raises(InvalidInput):
        backend_world.forum.edit_post(post.author_id, post.id)


def test_concurrent_edits_take_turns(backend_world: World, post: Post) -> None:
    """Six edits of one post at once: six earlier versions, numbered 1-6, none lost."""
    w = backend_world
    bodies = [f"동시에 고친 본문 {n}" for n in range(6)]
    start = threading.Barrier(len(bodies))
    errors: list[BaseException] = []

    def edit(body: str) -> None:
        try:
            start.wait(timeout=30)
            w.forum.edit_post(post.author_id, post.id, body=body)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=edit, args=(body,)) for body in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    history = w.forum.post_revisions(post.author_id, post.id)
    assert [r.number for r in history] == [1, 2, 3, 4, 5, 6]
    final = w.forum.post(post.author_id, post.id).post.body
    # Every text there ever was appears once: the first, each edit but the last
    # as an earlier version, the last as the post itself.
    assert sorted([r.body for r in history] + [final]) == sorted(["첫 본문", *bodies])
    assert history[0].body == "첫 본문"
