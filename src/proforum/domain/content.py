"""Posts and comments, always signed by a member.

A post or comment carries a :class:`~proforum.domain.content_status.ContentStatus`.
Editing replaces its text and records when (the old text becomes a
:class:`~proforum.domain.revisions.Revision`); deleting turns it into a
tombstone: status ``deleted``, text emptied, the author and the place in the
thread kept, so the replies under a deleted comment still read in order.

Comments form threads: a reply names the comment it answers (``parent_id``)
and sits one level deeper, down to :data:`MAX_REPLY_DEPTH`; a reply to a
comment already at that depth joins it at the same depth, as the next reply
to the same parent (:meth:`Comment.reply_position`).

A post's ``score`` orders the popular feed: :data:`SCORE_PER_COMMENT` for each
visible comment and :data:`SCORE_PER_REACTION` for each reaction to the post
itself.  It is stored, and moved by the same transaction as the comment or
reaction that changes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from proforum.domain.common import (
    CommentId,
    CommunityId,
    MemberId,
    PostId,
    optional_utc_validator,
    utc_validator,
)
from proforum.domain.community import Role
from proforum.domain.content_status import ContentStatus
from proforum.domain.employer import EmployerVerification
from proforum.domain.identity import Member
from proforum.domain.reactions import ReactionCounts, ReactionKind, ReactionSummary
from proforum.errors import ContentDeleted, InvalidInput

TITLE_MAX = 100
BODY_MAX = 20_000
COMMENT_MAX = 5_000

#: The deepest a reply sits: top-level comments are at depth 0, replies to
#: them at 1, and so on down to this.  Deeper threads are hard to read on a
#: phone; replies below it join the deepest level instead (see
#: :meth:`Comment.reply_position`).
MAX_REPLY_DEPTH = 5

#: What each visible comment adds to its post's score.
SCORE_PER_COMMENT = 2
#: What each reaction to the post itself adds to its score (reactions to its
#: comments add nothing).
SCORE_PER_REACTION = 1

#: Roles that see content awaiting review or hidden, and may delete anyone's.
MODERATING_ROLES = frozenset({Role.MODERATOR, Role.OPERATOR})


def post_score(visible_comments: int, post_reactions: int) -> int:
    """The score of a post with that many visible comments and reactions to it."""
    return SCORE_PER_COMMENT * visible_comments + SCORE_PER_REACTION * post_reactions


def comment_score_change(before: ContentStatus | None, after: ContentStatus | None) -> int:
    """How much a comment moving from ``before`` to ``after`` changes its post's score.

    ``None`` stands for "not there": a new comment has no ``before``.  Only
    visible comments count, so whoever changes a comment's status (deleting
    it, or moderation holding, hiding or showing it again) moves the score
    by this much in the same transaction.
    """
    was = before is ContentStatus.VISIBLE
    now = after is ContentStatus.VISIBLE
    return SCORE_PER_COMMENT * (int(now) - int(was))


def may_read(
    status: ContentStatus, author_id: MemberId, reader: MemberId, role: Role | None
) -> bool:
    """Tell whether ``reader`` (with ``role`` in the community) sees the text in full.

    Visible content is for every member; content awaiting review or hidden
    only for its author and the community's moderators and operators; a
    deleted one for nobody, its text is gone.
    """
    if status is ContentStatus.VISIBLE:
        return True
    if status is ContentStatus.DELETED:
        return False
    return reader == author_id or role in MODERATING_ROLES


def _score(_instance: Any, _attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(value)


def _depth(_instance: Any, _attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_REPLY_DEPTH:
        raise InvalidInput(value)


@attrs.frozen
class Post:
    """A post in a community; ``author_id`` is never empty, nobody posts anonymously.

    :param status: only ``visible`` posts appear in feeds.
    :param edited_at: when the author last edited it; ``None`` if never.
    :param score: the popular feed's order (see :func:`post_score`).
    """

    id: PostId
    community_id: CommunityId
    author_id: MemberId
    title: str
    body: str
    published_at: datetime = attrs.field(validator=utc_validator)
    status: ContentStatus = attrs.field(default=ContentStatus.VISIBLE, converter=ContentStatus)
    edited_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)
    score: int = attrs.field(default=0, validator=_score)

    def __attrs_post_init__(self) -> None:
        # A tombstone holds no text: deleting erases it.
        if self.status is ContentStatus.DELETED and (self.title or self.body):
            raise InvalidInput(self.status)

    @property
    def is_visible(self) -> bool:
        """Tell whether the post appears in feeds."""
        return self.status is ContentStatus.VISIBLE

    def edited(self, title: str, body: str, at: datetime) -> Post:
        """Return this post with a new title and body, edited at ``at``.

        :raises ContentDeleted: the post was deleted.
        """
        if self.status is ContentStatus.DELETED:
            raise ContentDeleted(self.id, entity="post")
        return attrs.evolve(self, title=title, body=body, edited_at=at)

    def tombstone(self) -> Post:
        """Return this post deleted: title and body emptied, everything else kept.

        :raises ContentDeleted: the post was deleted already.
        """
        if self.status is ContentStatus.DELETED:
            raise ContentDeleted(self.id, entity="post")
        return attrs.evolve(self, title="", body="", status=ContentStatus.DELETED)


@attrs.frozen
class Comment:
    """A comment on a post, or a reply to another comment of the same post.

    :param parent_id: the comment this one answers; ``None`` for a top-level comment.
    :param depth: 0 for a top-level comment, its parent's depth plus one for a
        reply, at most :data:`MAX_REPLY_DEPTH`.
    :param status: a deleted comment is a tombstone with an empty body.
    :param edited_at: when the author last edited it; ``None`` if never.
    """

    id: CommentId
    post_id: PostId
    author_id: MemberId
    body: str
    published_at: datetime = attrs.field(validator=utc_validator)
    parent_id: CommentId | None = None
    depth: int = attrs.field(default=0, validator=_depth)
    status: ContentStatus = attrs.field(default=ContentStatus.VISIBLE, converter=ContentStatus)
    edited_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)

    def __attrs_post_init__(self) -> None:
        # Exactly the replies have a parent, and a comment is not its own parent.
        if (self.parent_id is None) != (self.depth == 0) or self.parent_id == self.id:
            raise InvalidInput(self.parent_id)
        if self.status is ContentStatus.DELETED and self.body:
            raise InvalidInput(self.status)

    @property
    def is_visible(self) -> bool:
        """Tell whether the comment is shown to every member and counts on its post."""
        return self.status is ContentStatus.VISIBLE

    def reply_position(self) -> tuple[CommentId, int]:
        """The parent and depth a reply to this comment gets.

        One level deeper, under this comment; at :data:`MAX_REPLY_DEPTH`, the
        same depth under this comment's own parent, so the reply follows it.
        """
        if self.depth < MAX_REPLY_DEPTH or self.parent_id is None:
            return self.id, self.depth + 1
        return self.parent_id, self.depth

    def edited(self, body: str, at: datetime) -> Comment:
        """Return this comment with a new body, edited at ``at``.

        :raises ContentDeleted: the comment was deleted.
        """
        if self.status is ContentStatus.DELETED:
            raise ContentDeleted(self.id, entity="comment")
        return attrs.evolve(self, body=body, edited_at=at)

    def tombstone(self) -> Comment:
        """Return this comment deleted: body emptied, its place in the thread kept.

        :raises ContentDeleted: the comment was deleted already.
        """
        if self.status is ContentStatus.DELETED:
            raise ContentDeleted(self.id, entity="comment")
        return attrs.evolve(self, body="", status=ContentStatus.DELETED)


@attrs.frozen
class AuthorCard:
    """How an author is shown next to a post: the name they speak under and their work.

    When ``company_verified`` is true, ``company`` is the employer a
    verification proved, and ``verification_method`` says how
    (``company_email``, ``reviewed`` or a verifier plugin's method).
    Otherwise ``company`` is what the member stated, unverified, and must be
    shown as such.  ``years_of_experience`` is always as stated.
    """

    member_id: MemberId
    display_name: str
    identity_kind: str
    job_function: str
    company: str | None = attrs.field(default=None, repr=False)
    years_of_experience: int | None = None
    company_verified: bool = False
    verification_method: str | None = None

    @classmethod
    def of(
        cls,
        member_id: MemberId,
        member: Member | None,
        verification: EmployerVerification | None = None,
    ) -> AuthorCard:
        """The card of ``member``; a placeholder when the account no longer exists.

        With a ``verification`` the card shows the verified company;
        without one, the company the member stated, marked unverified.
        """
        if member is None:
            return cls.former(member_id)
        return cls(
            member_id=member.id,
            display_name=member.display_name,
            identity_kind=member.identity.kind,
            job_function=member.job_function,
            company=member.company if verification is None else verification.company,
            years_of_experience=member.years_of_experience,
            company_verified=verification is not None,
            verification_method=None if verification is None else verification.method,
        )

    @classmethod
    def former(cls, member_id: MemberId) -> AuthorCard:
        """The placeholder card of an author whose account no longer exists."""
        return cls(member_id, "탈퇴한 회원", "former", "-")


@attrs.frozen
class FeedEntry:
    """One post of a feed page with its author, visible comments and reactions.

    :param comment_count: how many visible comments the post has.
    :param reactions: how many members reacted to the post, per kind.
    :param my_reactions: the kinds the reader reacted to the post with.
    """

    post: Post
    author: AuthorCard
    comment_count: int
    reactions: ReactionCounts = attrs.field(factory=ReactionCounts)
    my_reactions: frozenset[ReactionKind] = frozenset()

    @classmethod
    def of(
        cls,
        post: Post,
        author: Member | None,
        verification: EmployerVerification | None,
        comment_count: int,
        reactions: ReactionSummary,
    ) -> FeedEntry:
        """The entry of ``post`` from its author (``None``: erased), their verification and counts."""
        return cls(
            post,
            AuthorCard.of(post.author_id, author, verification),
            comment_count,
            reactions.counts,
            reactions.mine,
        )


@attrs.frozen
class FeedPage:
    """A page of a community feed: visible posts only.

    ``next_before`` is, for the newest feed (:meth:`~proforum.Forum.feed`),
    the keyset position to pass as ``before`` for the next page.
    ``next_cursor`` is, for the popular feed
    (:meth:`~proforum.Forum.popular_feed`), the opaque cursor to pass as
    ``after``.  Each is ``None`` on the last page of its feed, and always
    ``None`` on pages of the other feed.
    """

    entries: tuple[FeedEntry, ...]
    next_before: tuple[datetime, PostId] | None
    next_cursor: str | None = None

    @property
    def posts(self) -> tuple[Post, ...]:
        """The posts of the page, without authors and counts."""
        return tuple(entry.post for entry in self.entries)


@attrs.frozen
class PostView:
    """A post as one reader sees it (:meth:`proforum.Forum.post`).

    A deleted post comes back as its tombstone: ``post.status`` is
    ``deleted``, title and body are empty, ``author`` is ``None`` and nothing
    is counted.

    :param author: the author's card; ``None`` for a tombstone.
    :param comment_count: how many visible comments the post has.
    :param reactions: how many members reacted to the post, per kind.
    :param my_reactions: the kinds the reader reacted to the post with.
    """

    post: Post
    author: AuthorCard | None
    comment_count: int = 0
    reactions: ReactionCounts = attrs.field(factory=ReactionCounts)
    my_reactions: frozenset[ReactionKind] = frozenset()

    @property
    def deleted(self) -> bool:
        """Tell whether this is a deleted post's tombstone."""
        return self.post.status is ContentStatus.DELETED


@attrs.frozen
class PolicyViolation:
    """One reason a content-policy plugin gives for refusing a text.

    :param rule: a stable machine-readable rule name, e.g. ``"accusation"``.
    :param message_ko: what the author is told, in Korean.
    :param message_en: what the author is told, in English.
    """

    rule: str
    message_ko: str
    message_en: str
