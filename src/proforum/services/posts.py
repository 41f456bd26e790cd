"""Use cases about posts and comments: publishing, threads, edits and deletion.

Who may do what:

* members of the post's community publish, comment, reply and read;
* only the author edits (:class:`~proforum.errors.NotAuthor` otherwise);
* the author, or a moderator or operator of the community, deletes
  (:class:`~proforum.errors.NotAuthorOrModerator` otherwise).  An author who
  has left the community may still delete what they wrote: taking one's words
  back must not depend on staying;
* content awaiting review or hidden is there only for its author and the
  community's moderators and operators; for everyone else it does not exist
  (:class:`~proforum.errors.NotFound`).

Every new post, comment and edit goes through the content checks
(:mod:`proforum.services.content_checks`): a rejected text is refused with
:class:`~proforum.errors.ContentRejected`; a held one is stored with status
``held`` (an edit of visible content makes it ``held``), logged, and its
author told.

Deleted content stays as a tombstone (see :mod:`proforum.domain.content`), so
threads keep their shape; nobody can edit, answer or react to it any more
(:class:`~proforum.errors.ContentDeleted`), and its earlier versions are erased
with its text.  A deleted post's thread stays readable but takes no new
comments or reactions.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from proforum.domain.common import CommentId, CommunityId, MemberId, PostId, check_id, clean_text
from proforum.domain.community import Community, Role
from proforum.domain.content import (
    BODY_MAX,
    COMMENT_MAX,
    MODERATING_ROLES,
    TITLE_MAX,
    AuthorCard,
    Comment,
    Post,
    PostView,
    comment_score_change,
    may_read,
)
from proforum.domain.content_status import ContentKind, ContentStatus
from proforum.domain.events import CommentPublished, PostPublished
from proforum.domain.identity import Member
from proforum.domain.revisions import Revision
from proforum.domain.threads import ThreadEntry, build_thread
from proforum.domain.verdicts import Verdict, VerdictAction
from proforum.errors import (
    CommentNotInPost,
    ContentDeleted,
    ContentNotVisible,
    InvalidInput,
    NotAuthor,
    NotAuthorOrModerator,
    NotFound,
)
from proforum.services.admission import check_requirements
from proforum.services.base import ForumBase, Tx
from proforum.services.content_checks import check_content, excerpt, policy_of, record_hold


def hidden_from(
    status: ContentStatus, author_id: MemberId, actor: MemberId, role: Role | None
) -> bool:
    """Tell whether content awaiting review or hidden is out of ``actor``'s sight.

    Such content is treated as absent for them: looking it up raises
    :class:`NotFound`, as for an id that names nothing.
    """
    return status in (ContentStatus.HELD, ContentStatus.HIDDEN) and not may_read(
        status, author_id, actor, role
    )


def require_open(
    status: ContentStatus,
    author_id: MemberId,
    actor: MemberId,
    role: Role | None,
    value: str,
    entity: str,
) -> None:
    """Refuse answering or reacting to content that is not visible.

    :raises ContentDeleted: it was deleted.
    :raises NotFound: it awaits review or is hidden, and ``actor`` may not see it.
    :raises ContentNotVisible: it awaits review or is hidden, and ``actor`` sees it.
    """
    if status is ContentStatus.VISIBLE:
        return
    if status is ContentStatus.DELETED:
        raise ContentDeleted(value, entity=entity)
    if hidden_from(status, author_id, actor, role):
        raise NotFound(value, entity=entity)
    raise ContentNotVisible(value, entity=entity)


def find_post(tx: Tx, post_id: PostId, *, for_update: bool = False) -> Post:
    """Return the post or raise :class:`NotFound` (any malformed id is simply not found)."""
    found = tx.uow.posts.get_for_update(post_id) if for_update else tx.uow.posts.get(post_id)
    if found is None:
        raise NotFound(post_id, entity="post")
    return found


def find_comment(tx: Tx, comment_id: CommentId, *, for_update: bool = False) -> Comment:
    """Return the comment or raise :class:`NotFound`."""
    check_id("comment_id", comment_id)
    repository = tx.uow.comments
    found = repository.get_for_update(comment_id) if for_update else repository.get(comment_id)
    if found is None:
        raise NotFound(comment_id, entity="comment")
    return found


def _deleter_role(
    tx: Tx, community_id: CommunityId, author_id: MemberId, actor: MemberId
) -> Role | None:
    """The role of whoever deletes in the community; ``None`` for an author who left it.

    :raises NotFound: the actor does not exist.
    :raises NotACommunityMember: the actor is not the author and not a member.
    """
    if actor == author_id:
        tx.member(actor)
        membership = tx.uow.memberships.get(community_id, actor)
    else:
        membership = tx.membership(community_id, actor)
    return None if membership is None else membership.role


class PostUseCases(ForumBase):
    """Publishing, reading, editing and deleting posts and comments under the content policy."""

    def _check(
        self,
        tx: Tx,
        community: Community,
        author: Member,
        kind: ContentKind,
        title: str | None,
        body: str,
        *,
        edit: bool = False,
        role: Role | None = None,
    ) -> Verdict:
        """Run the content checks; for a new post, count the author's earlier ones if needed."""
        earlier: int | None = None
        new_post = kind is ContentKind.POST and not edit and role not in MODERATING_ROLES
        # Counted only when the rule is on: one query fewer for most communities.
        if new_post and policy_of(tx, community.id).hold_first_posts:
            earlier = tx.uow.posts.count_by_author(community.id, author.id)
        return check_content(
            self._pm, tx, community, author, kind, title, body, edit=edit, earlier_posts=earlier
        )

    def publish_post(
        self, actor: MemberId, community_id: CommunityId, *, title: str, body: str
    ) -> Post:
        """Publish a post in a community, signed with the actor's name or nickname.

        :raises NotACommunityMember: the actor is not a member of the community.
        A post the content checks hold is stored with status ``held``: only
        its author and the moderators see it, no feed shows it, and it waits
        in the moderation queue; the author is told (``content_held``).

        :raises InvalidText: the title or body is empty or too long.
        :raises RealNameRequired: the community asks for a real name to post.
        :raises VerifiedEmployerRequired: the community asks for a verified employer to post.
        :raises ContentRejected: the community's policy or a plugin refused it.
        :raises InvalidVerdict: a plugin returned something other than a verdict.
        """
        clean_title = clean_text("title", title, max_len=TITLE_MAX)
        clean_body = clean_text("body", body, max_len=BODY_MAX, multiline=True)
        with self._transaction() as tx:
            community, membership, author = tx.member_in(community_id, actor)
            check_requirements(tx, community, author, "post")
            verdict = self._check(
                tx,
                community,
                author,
                ContentKind.POST,
                clean_title,
                clean_body,
                role=membership.role,
            )
            held = verdict.action is VerdictAction.HOLD
            post = Post(
                id=PostId(tx.ids.new("pst")),
                community_id=community_id,
                author_id=actor,
                title=clean_title,
                body=clean_body,
                published_at=tx.now,
                status=ContentStatus.HELD if held else ContentStatus.VISIBLE,
            )
            tx.uow.posts.add(post)
            if held:
                quoted = excerpt(post.title, post.body)
                record_hold(tx, community, ContentKind.POST, post.id, actor, quoted, verdict)
            else:
                # Plugins hear of a held post when a moderator approves it.
                tx.events.append(PostPublished(post, community))
        return post

    def comment(
        self,
        actor: MemberId,
        post_id: PostId,
        body: str,
        *,
        reply_to: CommentId | None = None,
    ) -> Comment:
        """Comment on a post, or reply to one of its comments; members of its community only.

        A reply sits one level below the comment it answers.  Replying to a
        comment already at :data:`~proforum.domain.content.MAX_REPLY_DEPTH`
        makes the reply the next one at that depth, under the same parent.
        The post's score goes up by
        :data:`~proforum.domain.content.SCORE_PER_COMMENT`.

        :param reply_to: the comment answered; ``None`` for a top-level comment.
        :raises NotFound: no such post, or no such comment to reply to.
        :raises CommentNotInPost: ``reply_to`` is a comment of another post.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises InvalidText: the body is empty or too long.
        :raises InvalidIdentifier: ``reply_to`` is not an id.
        :raises ContentDeleted: the post or the comment answered was deleted.
        :raises ContentNotVisible: it awaits review or is hidden.
        :raises RealNameRequired: the community asks for a real name to post.
        :raises VerifiedEmployerRequired: the community asks for a verified employer to post.
        :raises ContentRejected: the community's policy or a plugin refused it.
        :raises InvalidVerdict: a plugin returned something other than a verdict.
        """
        clean_body = clean_text("body", body, max_len=COMMENT_MAX, multiline=True)
        if reply_to is not None:
            check_id("reply_to", reply_to)
        with self._transaction() as tx:
            # Locked: a post deleted meanwhile takes no comment.  The score's
            # UPDATE below would lock the row anyway, so this costs no waiting.
            post = find_post(tx, post_id, for_update=True)
            community, membership, author = tx.member_in(post.community_id, actor)
            role = membership.role
            require_open(post.status, post.author_id, actor, role, post.id, "post")
            parent_id: CommentId | None = None
            depth = 0
            if reply_to is not None:
                parent = find_comment(tx, reply_to)
                if parent.post_id != post.id:
                    raise CommentNotInPost(reply_to, entity="comment")
                require_open(parent.status, parent.author_id, actor, role, parent.id, "comment")
                parent_id, depth = parent.reply_position()
            check_requirements(tx, community, author, "post")
            verdict = self._check(tx, community, author, ContentKind.COMMENT, None, clean_body)
            held = verdict.action is VerdictAction.HOLD
            comment = Comment(
                id=CommentId(tx.ids.new("cmt")),
                post_id=post.id,
                author_id=actor,
                body=clean_body,
                published_at=tx.now,
                parent_id=parent_id,
                depth=depth,
                status=ContentStatus.HELD if held else ContentStatus.VISIBLE,
            )
            tx.uow.comments.add(comment)
            change = comment_score_change(None, comment.status)
            if change:
                tx.uow.posts.add_to_score(post.id, change)
            if held:
                quoted = excerpt(None, comment.body)
                record_hold(tx, community, ContentKind.COMMENT, comment.id, actor, quoted, verdict)
            else:
                tx.events.append(CommentPublished(comment, post))
        return comment

    def post(self, actor: MemberId, post_id: PostId) -> PostView:
        """Return a post with its author, visible comment count and reactions.

        A deleted post comes back as its tombstone (empty title and body, no
        author card, nothing counted), so links to it still lead somewhere.

        :raises NotFound: no such post, or it awaits review or is hidden and
            the actor is neither its author nor a moderator or operator.
        :raises NotACommunityMember: the actor is not a member of the community.
        """
        with self._transaction() as tx:
            post = find_post(tx, post_id)
            role = tx.membership(post.community_id, actor).role
            if hidden_from(post.status, post.author_id, actor, role):
                raise NotFound(post_id, entity="post")
            if post.status is ContentStatus.DELETED:
                return PostView(post, None)
            author = tx.uow.members.get(post.author_id)
            verification = tx.uow.verifications.get_many([post.author_id]).get(post.author_id)
            count = tx.uow.comments.count_for_posts([post.id])[post.id]
            summary = tx.uow.reactions.summaries(ContentKind.POST, [post.id], actor)[post.id]
        return PostView(
            post,
            AuthorCard.of(post.author_id, author, verification),
            count,
            summary.counts,
            summary.mine,
        )

    def comments(self, actor: MemberId, post_id: PostId) -> Sequence[ThreadEntry]:
        """Return a post's thread: parents before their replies, siblings oldest first.

        Each entry has its depth, author and reactions.  A comment the actor
        may not read (deleted; awaiting review or hidden and not theirs) is a
        placeholder without text or author when replies under it are shown,
        and is left out otherwise (see :mod:`proforum.domain.threads`).  The
        thread takes the same few queries whatever its size.

        :raises NotFound: no such post, or the actor may not see it.
        :raises NotACommunityMember: the actor is not a member of the community.
        """
        with self._transaction() as tx:
            post = find_post(tx, post_id)
            role = tx.membership(post.community_id, actor).role
            if hidden_from(post.status, post.author_id, actor, role):
                raise NotFound(post_id, entity="post")
            found = tx.uow.comments.for_post(post.id)
            readable = [c for c in found if may_read(c.status, c.author_id, actor, role)]
            author_ids = {c.author_id for c in readable}
            authors = tx.uow.members.get_many(author_ids)
            verified = tx.uow.verifications.get_many(author_ids)
            reactions = tx.uow.reactions.summaries(
                ContentKind.COMMENT, [c.id for c in readable], actor
            )
        return build_thread(
            found,
            reader=actor,
            role=role,
            authors=authors,
            reactions=reactions,
            verifications=verified,
        )

    def edit_post(
        self,
        actor: MemberId,
        post_id: PostId,
        *,
        title: str | None = None,
        body: str | None = None,
    ) -> Post:
        """Change a post's title, body or both; its author only.

        The text replaced is kept as a :class:`~proforum.domain.revisions.Revision`
        (who, when, the old title and body) and the post gets ``edited_at``.
        The new text goes through the content checks as a new post would
        (the new-member rule aside); if they hold it, a visible post becomes
        ``held`` until a moderator approves it.  An edit that changes nothing
        records nothing and returns the post as it is.  A post awaiting
        review or hidden may be edited and keeps its status.

        :param title: the new title; ``None`` keeps the current one.
        :param body: the new body; ``None`` keeps the current one.
        :raises InvalidInput: neither ``title`` nor ``body`` is given.
        :raises InvalidText: the title or body is empty or too long.
        :raises NotFound: no such post, or the actor may not see it.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises NotAuthor: the actor did not write it.
        :raises ContentDeleted: the post was deleted.
        :raises ContentRejected: the community's policy or a plugin refused the new text.
        :raises InvalidVerdict: a plugin returned something other than a verdict.
        """
        if title is None and body is None:
            raise InvalidInput(None)
        new_title = None if title is None else clean_text("title", title, max_len=TITLE_MAX)
        new_body = (
            None if body is None else clean_text("body", body, max_len=BODY_MAX, multiline=True)
        )
        with self._transaction() as tx:
            # Locked: two edits take turns, each keeping the text the other left.
            post = find_post(tx, post_id, for_update=True)
            community = tx.community(post.community_id)
            role = tx.membership(post.community_id, actor).role
            if hidden_from(post.status, post.author_id, actor, role):
                raise NotFound(post_id, entity="post")
            if post.author_id != actor:
                raise NotAuthor(post_id, entity="post")
            if post.status is ContentStatus.DELETED:
                raise ContentDeleted(post_id, entity="post")
            final_title = post.title if new_title is None else new_title
            final_body = post.body if new_body is None else new_body
            if (final_title, final_body) == (post.title, post.body):
                return post
            verdict = self._check(
                tx,
                community,
                tx.member(actor),
                ContentKind.POST,
                final_title,
                final_body,
                edit=True,
            )
            earlier = tx.uow.revisions.for_target(ContentKind.POST, post.id)
            tx.uow.revisions.add(
                Revision(
                    ContentKind.POST,
                    post.id,
                    len(earlier) + 1,
                    post.title,
                    post.body,
                    actor,
                    tx.now,
                )
            )
            edited = post.edited(final_title, final_body, tx.now)
            if verdict.action is VerdictAction.HOLD and post.status is ContentStatus.VISIBLE:
                edited = attrs.evolve(edited, status=ContentStatus.HELD)
                quoted = excerpt(edited.title, edited.body)
                record_hold(tx, community, ContentKind.POST, post.id, actor, quoted, verdict)
            tx.uow.posts.update(edited)
        return edited

    def edit_comment(self, actor: MemberId, comment_id: CommentId, body: str) -> Comment:
        """Change a comment's body; its author only.

        As :meth:`edit_post`: the old body is kept as a revision, the comment
        gets ``edited_at``, the content policy reads the new body, and an edit
        that changes nothing records nothing.

        :raises InvalidText: the body is empty or too long.
        :raises InvalidIdentifier: ``comment_id`` is not an id.
        :raises NotFound: no such comment, or the actor may not see it.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises NotAuthor: the actor did not write it.
        :raises ContentDeleted: the comment was deleted.
        :raises ContentRejected: the community's policy or a plugin refused the new body.
        :raises InvalidVerdict: a plugin returned something other than a verdict.
        """
        new_body = clean_text("body", body, max_len=COMMENT_MAX, multiline=True)
        with self._transaction() as tx:
            comment = find_comment(tx, comment_id, for_update=True)
            post = find_post(tx, comment.post_id)
            community = tx.community(post.community_id)
            role = tx.membership(post.community_id, actor).role
            if hidden_from(comment.status, comment.author_id, actor, role):
                raise NotFound(comment_id, entity="comment")
            if comment.author_id != actor:
                raise NotAuthor(comment_id, entity="comment")
            if comment.status is ContentStatus.DELETED:
                raise ContentDeleted(comment_id, entity="comment")
            if new_body == comment.body:
                return comment
            verdict = self._check(
                tx, community, tx.member(actor), ContentKind.COMMENT, None, new_body, edit=True
            )
            earlier = tx.uow.revisions.for_target(ContentKind.COMMENT, comment.id)
            tx.uow.revisions.add(
                Revision(
                    ContentKind.COMMENT,
                    comment.id,
                    len(earlier) + 1,
                    None,
                    comment.body,
                    actor,
                    tx.now,
                )
            )
            edited = comment.edited(new_body, tx.now)
            if verdict.action is VerdictAction.HOLD and comment.status is ContentStatus.VISIBLE:
                edited = attrs.evolve(edited, status=ContentStatus.HELD)
                quoted = excerpt(None, edited.body)
                record_hold(tx, community, ContentKind.COMMENT, comment.id, actor, quoted, verdict)
                tx.uow.posts.add_to_score(
                    post.id, comment_score_change(comment.status, edited.status)
                )
            tx.uow.comments.update(edited)
        return edited

    def delete_post(self, actor: MemberId, post_id: PostId) -> Post:
        """Delete a post; its author, or a moderator or operator of its community.

        The post stays as a tombstone (status ``deleted``, title and body
        emptied, author and time kept): it leaves every feed, and reading it
        gives the tombstone.  Its earlier versions are erased.  Its comments
        stay readable under it but take no new replies or reactions.

        :return: the tombstone.
        :raises NotFound: no such post, or the actor may not see it.
        :raises NotACommunityMember: the actor is neither the author nor a member.
        :raises NotAuthorOrModerator: the actor is neither the author nor a
            moderator or operator.
        :raises ContentDeleted: the post was deleted already.
        """
        with self._transaction() as tx:
            post = find_post(tx, post_id, for_update=True)
            role = _deleter_role(tx, post.community_id, post.author_id, actor)
            if hidden_from(post.status, post.author_id, actor, role):
                raise NotFound(post_id, entity="post")
            if actor != post.author_id and role not in MODERATING_ROLES:
                raise NotAuthorOrModerator(post_id, entity="post")
            tombstone = post.tombstone()
            tx.uow.posts.update(tombstone)
            # Nothing the author took back stays readable.
            tx.uow.revisions.remove(ContentKind.POST, post.id)
        return tombstone

    def delete_comment(self, actor: MemberId, comment_id: CommentId) -> Comment:
        """Delete a comment; its author, or a moderator or operator of the community.

        The comment stays as a tombstone in its thread: replies under it
        still read in place, below a "삭제된 댓글입니다 / This comment was
        deleted" placeholder.  Its earlier versions are erased, and its post's
        score goes down by what the comment had added.

        :return: the tombstone.
        :raises InvalidIdentifier: ``comment_id`` is not an id.
        :raises NotFound: no such comment, or the actor may not see it.
        :raises NotACommunityMember: the actor is neither the author nor a member.
        :raises NotAuthorOrModerator: the actor is neither the author nor a
            moderator or operator.
        :raises ContentDeleted: the comment was deleted already.
        """
        with self._transaction() as tx:
            comment = find_comment(tx, comment_id, for_update=True)
            post = find_post(tx, comment.post_id)
            role = _deleter_role(tx, post.community_id, comment.author_id, actor)
            if hidden_from(comment.status, comment.author_id, actor, role):
                raise NotFound(comment_id, entity="comment")
            if actor != comment.author_id and role not in MODERATING_ROLES:
                raise NotAuthorOrModerator(comment_id, entity="comment")
            tombstone = comment.tombstone()
            tx.uow.comments.update(tombstone)
            tx.uow.revisions.remove(ContentKind.COMMENT, comment.id)
            change = comment_score_change(comment.status, tombstone.status)
            if change:
                tx.uow.posts.add_to_score(post.id, change)
        return tombstone

    def post_revisions(self, actor: MemberId, post_id: PostId) -> Sequence[Revision]:
        """Return a post's earlier versions, oldest first: who edited, when, the old text.

        Members of the community may read them, as they may read the post.
        A deleted post has none: they were erased with it.

        :raises NotFound: no such post, or the actor may not see it.
        :raises NotACommunityMember: the actor is not a member of the community.
        """
        with self._transaction() as tx:
            post = find_post(tx, post_id)
            role = tx.membership(post.community_id, actor).role
            if hidden_from(post.status, post.author_id, actor, role):
                raise NotFound(post_id, entity="post")
            return tx.uow.revisions.for_target(ContentKind.POST, post.id)

    def comment_revisions(self, actor: MemberId, comment_id: CommentId) -> Sequence[Revision]:
        """Return a comment's earlier versions, oldest first (see :meth:`post_revisions`).

        :raises InvalidIdentifier: ``comment_id`` is not an id.
        :raises NotFound: no such comment, or the actor may not see it.
        :raises NotACommunityMember: the actor is not a member of the community.
        """
        with self._transaction() as tx:
            comment = find_comment(tx, comment_id)
            post = find_post(tx, comment.post_id)
            role = tx.membership(post.community_id, actor).role
            if hidden_from(post.status, post.author_id, actor, role) or hidden_from(
                comment.status, comment.author_id, actor, role
            ):
                raise NotFound(comment_id, entity="comment")
            return tx.uow.revisions.for_target(ContentKind.COMMENT, comment.id)
