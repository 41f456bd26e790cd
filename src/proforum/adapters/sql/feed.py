"""Internal: a page of the newest feed in one SQL statement.

:meth:`~proforum.ports.storage.PostRepository.feed_entries` on SQL is one
``SELECT``: the page of visible posts (a backward range scan of
``ix_posts_feed`` from the keyset position, stopping at the limit), each
post's author and verified employer joined by primary key, and its visible
comments and its reactions counted by correlated subqueries, which run for
the page's rows only.  It replaces five queries (posts, members,
verifications, comment counts, reactions), each with its own round trip and
per-statement overhead.

Visible comments are counted as ``count(CASE WHEN status = 'visible' …)``
over ``ix_comments_post``, not with ``status = 'visible'`` in the ``WHERE``:
SQLite, which proforum never asks to ``ANALYZE``, would then choose the
one-column ``ix_comments_status`` and walk every visible comment of the
database for each post.

The two statements (first page, later page) are built once, with bind
parameters, so a page does not rebuild SQLAlchemy constructs; each row is
read by position and turned into a :class:`~proforum.domain.content.FeedEntry`
without the ``Member`` and ``EmployerVerification`` objects the card does
not need.  A page's Python work is then about as much as the database's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from proforum.adapters.sql import tables as t
from proforum.adapters.sql.types import UtcDateTime
from proforum.domain.common import CommunityId, MemberId, PostId
from proforum.domain.content import AuthorCard, FeedEntry, Post
from proforum.domain.content_status import ContentKind, ContentStatus
from proforum.domain.reactions import ReactionCounts, ReactionKind

_KINDS = tuple(ReactionKind)
#: The ``ReactionCounts`` field of each kind, in the order of the count columns.
_COUNT_FIELDS = tuple(kind.value for kind in _KINDS)
# The reader's own reactions to a post come back as one number, a bit per
# kind: the reactions key (target, target_id, member_id, kind) lets a member
# react with each kind once, so the sum of the bits is exact.
_BITS = {kind: 1 << i for i, kind in enumerate(_KINDS)}
#: The reader's kinds for each such number, made once: enum look-ups per row
#: would cost more than the row's SQL.
_MINE = tuple(
    frozenset(kind for kind, bit in _BITS.items() if mask & bit) for mask in range(1 << len(_KINDS))
)
#: The counts of a post nobody reacted to (most posts), shared: the value is frozen.
_NO_REACTIONS = ReactionCounts()


def _page_statement(*, keyset: bool) -> sa.Select[Any]:
    p, mem, v = t.posts.c, t.members.c, t.employer_verifications.c
    c, r = t.comments.c, t.reactions.c
    visible = ContentStatus.VISIBLE.value
    on_post = (r.target == ContentKind.POST.value, r.target_id == p.id)
    comment_count = (
        sa.select(sa.func.count(sa.case((c.status == visible, 1))))
        .where(c.post_id == p.id)
        .scalar_subquery()
    )
    kind_counts = [
        sa.select(sa.func.count()).where(*on_post, r.kind == kind.value).scalar_subquery()
        for kind in _KINDS
    ]
    mine = (
        sa.select(sa.func.sum(sa.case(*((r.kind == k.value, bit) for k, bit in _BITS.items()))))
        .where(*on_post, r.member_id == sa.bindparam("reader", type_=r.member_id.type))
        .scalar_subquery()
    )
    where = [
        p.community_id == sa.bindparam("community_id", type_=p.community_id.type),
        p.status == visible,
    ]
    if keyset:
        # A row-value comparison: the range scan of ix_posts_feed starts there.
        where.append(
            sa.tuple_(p.published_at, p.id)
            < sa.tuple_(
                sa.bindparam("before_at", type_=UtcDateTime()),
                sa.bindparam("before_id", type_=p.id.type),
            )
        )
    # The columns in the order entry_from unpacks them.
    return (
        sa.select(
            p.id,
            p.community_id,
            p.author_id,
            p.title,
            p.body,
            p.published_at,
            p.status,
            p.edited_at,
            p.score,
            # NOT NULL in members: NULL here means the author's account is gone.
            mem.identity_kind,
            mem.identity_value,
            mem.job_function,
            mem.company,
            mem.years_of_experience,
            v.member_id,
            v.company,
            v.method,
            comment_count,
            mine,
            *kind_counts,
        )
        .select_from(
            t.posts.outerjoin(t.members, mem.id == p.author_id).outerjoin(
                t.employer_verifications, v.member_id == p.author_id
            )
        )
        .where(*where)
        .order_by(p.published_at.desc(), p.id.desc())
        .limit(sa.bindparam("limit", type_=sa.Integer()))
    )


_FIRST_PAGE = _page_statement(keyset=False)
_LATER_PAGE = _page_statement(keyset=True)


def page_query(
    community_id: CommunityId,
    reader: MemberId,
    *,
    limit: int,
    before: tuple[datetime, PostId] | None,
) -> tuple[sa.Select[Any], dict[str, Any]]:
    """The statement of one feed page and its parameters."""
    params: dict[str, Any] = {
        "community_id": community_id,
        "reader": reader,
        "limit": max(limit, 0),
    }
    if before is None:
        return _FIRST_PAGE, params
    params["before_at"], params["before_id"] = before
    return _LATER_PAGE, params


def entry_from(row: Sequence[Any]) -> FeedEntry:
    """The :class:`FeedEntry` of one row of the page statement, as ``FeedEntry.of`` makes it."""
    (
        post_id,
        community_id,
        author_id,
        title,
        body,
        published_at,
        status,
        edited_at,
        score,
        identity_kind,
        identity_value,
        job_function,
        stated_company,
        years_of_experience,
        verified_member,
        verified_company,
        verification_method,
        comment_count,
        mine,
        *kind_counts,
    ) = row
    post = Post(
        id=post_id,
        community_id=community_id,
        author_id=author_id,
        title=title,
        body=body,
        published_at=published_at,
        status=status,
        edited_at=edited_at,
        score=score,
    )
    author: AuthorCard
    if identity_kind is None:
        author = AuthorCard.former(author_id)
    else:
        verified = verified_member is not None
        author = AuthorCard(
            member_id=author_id,
            # Member.display_name: both kinds of identity show their value.
            display_name=identity_value,
            identity_kind=identity_kind,
            job_function=job_function,
            company=verified_company if verified else stated_company,
            years_of_experience=years_of_experience,
            company_verified=verified,
            verification_method=verification_method if verified else None,
        )
    counts = (
        ReactionCounts(**dict(zip(_COUNT_FIELDS, kind_counts, strict=True)))
        if any(kind_counts)
        else _NO_REACTIONS
    )
    return FeedEntry(post, author, comment_count, counts, _MINE[mine or 0])
