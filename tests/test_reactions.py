"""Reactions on every backend: once per member, target and kind; counts; the score.

Reacting twice with the same kind changes nothing and is no error; taking
back a reaction that is not there changes nothing either.  Counts per kind
come with the post, its feed entry and its thread, with the kinds the reader
chose.  A reaction to a post moves its score by one, in the same transaction;
a reaction to a comment does not.
"""

from __future__ import annotations

import attrs
import pytest

from forum_world import World
from proforum.domain.content import SCORE_PER_REACTION, Post
from proforum.domain.content_status import ContentStatus
from proforum.domain.reactions import (
    ReactionCounts,
    ReactionKind,
    ReactionSummary,
    reaction_kind,
)
from proforum.errors import ContentDeleted, ContentNotVisible, NotFound, UnknownReaction

LIKE, HELPFUL, INSIGHTFUL = ReactionKind.LIKE, ReactionKind.HELPFUL, ReactionKind.INSIGHTFUL


@pytest.fixture
def post(backend_world: World) -> Post:
    w = backend_world
    return w.forum.publish_post(w.members[0].id, w.community.id, title="회고", body="본문")


def _score(w: World, post: Post) -> int:
    return w.forum.post(w.members[0].id, post.id).post.score


def test_reacting_counts_once_per_member_and_kind(backend_world: World, post: Post) -> None:
    w = backend_world
    a, b = w.members[1].id, w.members[2].id
    assert w.forum.react(a, "like", post_id=post.id) == ReactionSummary(
        ReactionCounts(like=1), frozenset({LIKE})
    )
    # Twice is once: no error, nothing counted again.
    assert w.forum.react(a, LIKE, post_id=post.id) == ReactionSummary(
        ReactionCounts(like=1), frozenset({LIKE})
    )
    assert w.forum.react(a, "helpful", post_id=post.id).mine == {LIKE, HELPFUL}
    summary = w.forum.react(b, "like", post_id=post.id)
    assert summary == ReactionSummary(ReactionCounts(like=2, helpful=1), frozenset({LIKE}))
    assert summary.counts.total == 3
    assert _score(w, post) == 3 * SCORE_PER_REACTION

    view = w.forum.post(a, post.id)
    assert view.reactions == ReactionCounts(like=2, helpful=1)
    assert view.my_reactions == {LIKE, HELPFUL}
    assert w.forum.post(w.members[3].id, post.id).my_reactions == frozenset()


def test_taking_a_reaction_back(backend_world: World, post: Post) -> None:
    w = backend_world
    a = w.members[1].id
    w.forum.react(a, "insightful", post_id=post.id)
    w.forum.react(a, "like", post_id=post.id)
    assert _score(w, post) == 2
    assert w.forum.unreact(a, "insightful", post_id=post.id) == ReactionSummary(
        ReactionCounts(like=1), frozenset({LIKE})
    )
    # Not there any more: nothing happens, the score does not go down again.
    assert w.forum.unreact(a, "insightful", post_id=post.id).counts == ReactionCounts(like=1)
    assert w.forum.unreact(w.members[2].id, "like", post_id=post.id).counts == ReactionCounts(
        like=1
    )
    assert _score(w, post) == 1
    # Reacting again after taking it back counts again.
    w.forum.react(a, "insightful", post_id=post.id)
    assert _score(w, post) == 2


def test_reactions_to_comments_are_counted_on_the_comment_only(
    backend_world: World, post: Post
) -> None:
    w = backend_world
    comment = w.forum.comment(w.members[1].id, post.id, "댓글")
    score = _score(w, post)
    for member in w.members[2:5]:
        w.forum.react(member.id, "helpful", comment_id=comment.id)
    w.forum.react(w.members[2].id, "insightful", comment_id=comment.id)
    assert _score(w, post) == score
    assert w.forum.post(w.members[0].id, post.id).reactions == ReactionCounts()
    (entry,) = w.forum.comments(w.members[2].id, post.id)
    assert entry.reactions == ReactionCounts(helpful=3, insightful=1)
    assert entry.my_reactions == {HELPFUL, INSIGHTFUL}
    assert w.forum.unreact(w.members[3].id, "helpful", comment_id=comment.id).counts == (
        ReactionCounts(helpful=2, insightful=1)
    )


def test_the_author_may_react_to_their_own_post(backend_world: World, post: Post) -> None:
    """Allowed: one point per kind at most, so it cannot game the popular feed."""
    w = backend_world
    for kind in ReactionKind:
        w.forum.react(post.author_id, kind, post_id=post.id)
    assert _score(w, post) == len(ReactionKind)


def test_feed_entries_carry_reactions_and_the_readers_own(backend_world: World, post: Post) -> None:
    w = backend_world
    other = w.forum.publish_post(w.members[1].id, w.community.id, title="둘째", body="본문")
    w.forum.react(w.members[2].id, "like", post_id=post.id)
    w.forum.react(w.members[3].id, "like", post_id=post.id)
    w.forum.react(w.members[2].id, "insightful", post_id=other.id)
    page = w.forum.feed(w.members[2].id, w.community.id)
    found = {e.post.id: (e.reactions, e.my_reactions) for e in page.entries}
    assert found == {
        post.id: (ReactionCounts(like=2), frozenset({LIKE})),
        other.id: (ReactionCounts(insightful=1), frozenset({INSIGHTFUL})),
    }
    popular = w.forum.popular_feed(w.members[3].id, w.community.id)
    assert [(e.post.id, e.my_reactions) for e in popular.entries] == [
        (post.id, frozenset({LIKE})),
        (other.id, frozenset()),
    ]


def test_deleted_and_hidden_targets_take_no_reactions(backend_world: World, post: Post) -> None:
    w = backend_world
    comment = w.forum.comment(w.members[1].id, post.id, "댓글")
    w.forum.react(w.members[2].id, "like", comment_id=comment.id)
    w.forum.delete_comment(w.members[1].id, comment.id)
    with pytest.raises(ContentDeleted):
        w.forum.react(w.members[3].id, "like", comment_id=comment.id)
    with pytest.raises(ContentDeleted):
        w.forum.unreact(w.members[2].id, "like", comment_id=comment.id)

    with w.forum.storage.unit_of_work() as uow:
        stored = uow.posts.get(post.id)
        assert stored is not None
        uow.posts.update(attrs.evolve(stored, status=ContentStatus.HIDDEN))
        uow.commit()
    # Others do not see a hidden post at all; its author and moderators do.
    with pytest.raises(NotFound):
        w.forum.react(w.members[3].id, "like", post_id=post.id)
    with pytest.raises(ContentNotVisible):
        w.forum.react(post.author_id, "like", post_id=post.id)
    with pytest.raises(ContentNotVisible):
        w.forum.react(w.operator.id, "like", post_id=post.id)


# --------------------------------------------------------------------------- the kinds


def test_every_kind_has_a_count_and_korean_and_english_labels() -> None:
    assert [f.name for f in attrs.fields(ReactionCounts)] == [k.value for k in ReactionKind]
    assert [(k.label_ko, k.label_en) for k in ReactionKind] == [
        ("좋아요", "Like"),
        ("도움돼요", "Helpful"),
        ("인사이트 있어요", "Insightful"),
    ]
    counts = ReactionCounts.of({HELPFUL: 4})
    assert counts["helpful"] == counts[HELPFUL] == 4
    assert counts.items() == ((LIKE, 0), (HELPFUL, 4), (INSIGHTFUL, 0))


@pytest.mark.parametrize("value", ["love", "LIKE", "", None, 1, ContentStatus.VISIBLE])
def test_an_unknown_kind_names_the_kinds_there_are(value: object) -> None:
    with pytest.raises(UnknownReaction) as caught:
        reaction_kind(value)
    assert "like, helpful, insightful" in caught.value.message_en
    assert "좋아요(like)" in caught.value.message_ko
