"""Use cases of reactions: a member likes, finds helpful or insightful a post or a comment.

A member reacts at most once per target and kind.  Reacting again with the
same kind is not an error and changes nothing (a double click, or a request
sent twice, must not count twice); taking back a reaction that is not there
changes nothing either.  Each reaction to a post itself moves its score by
:data:`~proforum.domain.content.SCORE_PER_REACTION`, in the same transaction.
"""

from __future__ import annotations

from proforum.domain.common import CommentId, MemberId, PostId, check_id
from proforum.domain.community import Role
from proforum.domain.content import SCORE_PER_REACTION, Post
from proforum.domain.content_status import ContentKind
from proforum.domain.reactions import Reaction, ReactionKind, ReactionSummary, reaction_kind
from proforum.errors import InvalidInput
from proforum.services.base import ForumBase, Tx
from proforum.services.posts import find_comment, find_post, require_open


def target_of(post_id: PostId | None, comment_id: CommentId | None) -> tuple[ContentKind, str]:
    """The target named by exactly one of ``post_id`` and ``comment_id``.

    :raises InvalidInput: both or neither are given.
    :raises InvalidIdentifier: the one given is not an id.
    """
    if (post_id is None) == (comment_id is None):
        raise InvalidInput(None)
    if post_id is not None:
        return ContentKind.POST, check_id("post_id", post_id)
    return ContentKind.COMMENT, check_id("comment_id", comment_id)


class ReactionUseCases(ForumBase):
    """Reacting to posts and comments, and taking reactions back."""

    def _open_target(self, tx: Tx, actor: MemberId, target: ContentKind, target_id: str) -> Post:
        """Check the target may take reactions from ``actor``; return its post.

        The target is read locked, so a reaction never lands on something
        deleted meanwhile; a post's row is locked by the score's update anyway.
        """
        if target is ContentKind.POST:
            post = find_post(tx, PostId(target_id), for_update=True)
            role: Role | None = tx.membership(post.community_id, actor).role
            require_open(post.status, post.author_id, actor, role, post.id, "post")
            return post
        comment = find_comment(tx, CommentId(target_id), for_update=True)
        post = find_post(tx, comment.post_id)
        role = tx.membership(post.community_id, actor).role
        # A deleted or hidden post's thread is read-only.
        require_open(post.status, post.author_id, actor, role, post.id, "post")
        require_open(comment.status, comment.author_id, actor, role, comment.id, "comment")
        return post

    def react(
        self,
        actor: MemberId,
        kind: ReactionKind | str,
        *,
        post_id: PostId | None = None,
        comment_id: CommentId | None = None,
    ) -> ReactionSummary:
        """React to a post or a comment (name exactly one) with ``kind``.

        Reacting again with the same kind changes nothing.  Reactions to a
        post raise its score (:data:`~proforum.domain.content.SCORE_PER_REACTION`).

        :param kind: ``"like"``, ``"helpful"`` or ``"insightful"``.
        :return: the target's reactions afterwards, as the actor sees them.
        :raises UnknownReaction: ``kind`` is not one of the kinds.
        :raises InvalidInput: not exactly one of ``post_id`` and ``comment_id`` is given.
        :raises InvalidIdentifier: the id given is not an id.
        :raises NotFound: no such post or comment, or the actor may not see it.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises ContentDeleted: the target (or the post of a comment) was deleted.
        :raises ContentNotVisible: it awaits review or is hidden.
        """
        chosen = reaction_kind(kind)
        target, target_id = target_of(post_id, comment_id)
        with self._transaction() as tx:
            post = self._open_target(tx, actor, target, target_id)
            added = tx.uow.reactions.add(Reaction(target, target_id, actor, chosen, tx.now))
            if added and target is ContentKind.POST:
                tx.uow.posts.add_to_score(post.id, SCORE_PER_REACTION)
            return tx.uow.reactions.summaries(target, [target_id], actor)[target_id]

    def unreact(
        self,
        actor: MemberId,
        kind: ReactionKind | str,
        *,
        post_id: PostId | None = None,
        comment_id: CommentId | None = None,
    ) -> ReactionSummary:
        """Take back the actor's reaction of ``kind`` to a post or a comment (name exactly one).

        Taking back a reaction that is not there changes nothing.

        :return: the target's reactions afterwards, as the actor sees them.
        :raises UnknownReaction: ``kind`` is not one of the kinds.
        :raises InvalidInput: not exactly one of ``post_id`` and ``comment_id`` is given.
        :raises InvalidIdentifier: the id given is not an id.
        :raises NotFound: no such post or comment, or the actor may not see it.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises ContentDeleted: the target (or the post of a comment) was deleted.
        :raises ContentNotVisible: it awaits review or is hidden.
        """
        chosen = reaction_kind(kind)
        target, target_id = target_of(post_id, comment_id)
        with self._transaction() as tx:
            post = self._open_target(tx, actor, target, target_id)
            removed = tx.uow.reactions.remove(target, target_id, actor, chosen)
            if removed and target is ContentKind.POST:
                tx.uow.posts.add_to_score(post.id, -SCORE_PER_REACTION)
            return tx.uow.reactions.summaries(target, [target_id], actor)[target_id]
