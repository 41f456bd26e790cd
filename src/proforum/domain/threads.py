"""A post's comments as a thread: parents before children, siblings oldest first.

:func:`build_thread` orders comments depth first, each comment followed by
its replies, siblings by (published time, id).  What a reader gets of each
comment depends on its status (:func:`~proforum.domain.content.may_read`):

* a comment the reader may read comes in full, with its author and reactions;
* one the reader may not read (deleted, or awaiting review or hidden and not
  theirs) still comes as a *placeholder* when replies under it are shown, so
  those replies keep their place ("삭제된 댓글입니다 / This comment was
  deleted"): no text, no author, no reactions;
* and is left out when nothing under it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from proforum.domain.common import CommentId, MemberId, PostId
from proforum.domain.community import Role
from proforum.domain.content import AuthorCard, Comment, may_read
from proforum.domain.content_status import ContentStatus
from proforum.domain.employer import EmployerVerification
from proforum.domain.identity import Member
from proforum.domain.reactions import ReactionCounts, ReactionKind, ReactionSummary

#: What a placeholder says instead of the text, by status: Korean, English.
PLACEHOLDERS: Mapping[ContentStatus, tuple[str, str]] = {
    ContentStatus.DELETED: ("삭제된 댓글입니다.", "This comment was deleted."),
    ContentStatus.HIDDEN: (
        "운영진이 숨긴 댓글입니다.",
        "This comment was hidden by the moderators.",
    ),
    ContentStatus.HELD: ("검토 중인 댓글입니다.", "This comment is awaiting review."),
}


@attrs.frozen
class ThreadEntry:
    """One comment of a thread as one reader sees it.

    :param depth: 0 for a top-level comment, one more per level of reply.
    :param body: the text; ``None`` for a placeholder.
    :param author: the author's card; ``None`` for a placeholder.
    :param edited_at: when the author last edited it (``None`` for a placeholder).
    :param reactions: how many members reacted, per kind (none for a placeholder).
    :param my_reactions: the kinds the reader reacted with.
    """

    id: CommentId
    post_id: PostId
    parent_id: CommentId | None
    depth: int
    status: ContentStatus
    published_at: datetime
    body: str | None = None
    author: AuthorCard | None = None
    edited_at: datetime | None = None
    reactions: ReactionCounts = attrs.field(factory=ReactionCounts)
    my_reactions: frozenset[ReactionKind] = frozenset()

    @property
    def placeholder(self) -> bool:
        """Tell whether this stands in for a comment the reader may not read."""
        return self.body is None

    def text(self, lang: str = "ko") -> str:
        """The body, or for a placeholder what to show instead, in ``lang`` (``ko``, ``en``)."""
        if self.body is not None:
            return self.body
        ko, en = PLACEHOLDERS[self.status]
        return en if lang == "en" else ko


def thread_order(comments: Sequence[Comment]) -> list[tuple[Comment, int]]:
    """Each comment with its depth in the thread, parents first, siblings oldest first.

    A comment whose parent is not among ``comments`` counts as top-level, and
    so does one caught in a loop of parents (neither happens to comments
    written through proforum): no comment is ever lost.
    """
    by_time = sorted(comments, key=lambda c: (c.published_at, c.id))
    known = {c.id for c in by_time}
    children: dict[CommentId | None, list[Comment]] = {}
    for comment in by_time:
        parent = comment.parent_id if comment.parent_id in known else None
        children.setdefault(parent, []).append(comment)
    ordered: list[tuple[Comment, int]] = []
    seen: set[CommentId] = set()
    roots = children.get(None, [])
    # Loops of parents are reachable from no root: visit them afterwards, as roots.
    for root in [*roots, *by_time]:
        if root.id in seen:
            continue
        stack = [(root, 0)]
        while stack:
            comment, depth = stack.pop()
            if comment.id in seen:
                continue
            seen.add(comment.id)
            ordered.append((comment, depth))
            # Reversed onto the stack, so the oldest reply is visited first.
            for child in reversed(children.get(comment.id, [])):
                stack.append((child, depth + 1))
    return ordered


def build_thread(
    comments: Sequence[Comment],
    *,
    reader: MemberId,
    role: Role | None,
    authors: Mapping[MemberId, Member],
    reactions: Mapping[str, ReactionSummary],
    verifications: Mapping[MemberId, EmployerVerification] | None = None,
) -> tuple[ThreadEntry, ...]:
    """The thread of ``comments`` as ``reader`` (with ``role`` in the community) sees it.

    :param authors: the comments' authors that still exist, by id.
    :param verifications: the authors' verified employers, by member id.
    :param reactions: the reactions to each comment as the reader sees them, by comment id.
    """
    ordered = thread_order(comments)
    readable = {c.id: may_read(c.status, c.author_id, reader, role) for c, _ in ordered}
    # A comment is shown if it is readable or anything below it is shown:
    # walking backwards, every reply is decided before its parent.
    shown: set[CommentId] = set()
    for comment, _ in reversed(ordered):
        if readable[comment.id] or comment.id in shown:
            shown.add(comment.id)
            if comment.parent_id is not None:
                shown.add(comment.parent_id)
    entries = []
    for comment, depth in ordered:
        if comment.id not in shown:
            continue
        if not readable[comment.id]:
            entries.append(
                ThreadEntry(
                    id=comment.id,
                    post_id=comment.post_id,
                    parent_id=comment.parent_id,
                    depth=depth,
                    status=comment.status,
                    published_at=comment.published_at,
                )
            )
            continue
        summary = reactions.get(comment.id, ReactionSummary())
        entries.append(
            ThreadEntry(
                id=comment.id,
                post_id=comment.post_id,
                parent_id=comment.parent_id,
                depth=depth,
                status=comment.status,
                published_at=comment.published_at,
                body=comment.body,
                author=AuthorCard.of(
                    comment.author_id,
                    authors.get(comment.author_id),
                    (verifications or {}).get(comment.author_id),
                ),
                edited_at=comment.edited_at,
                reactions=summary.counts,
                my_reactions=summary.mine,
            )
        )
    return tuple(entries)
