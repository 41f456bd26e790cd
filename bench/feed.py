"""Feed page: 20 posts with their authors, comment and reaction counts, first and deep.

* **proforum**: ``forum.feed(actor, community, limit=20)`` for page 1, and with
  ``before=`` the keyset position of a page 90 % of the way down the feed.
  The position is computed from the generated data, and checked against the
  ``next_before`` the API itself returns for the first pages.
* **baseline**: one hand-written statement on a plain engine — the page of
  visible posts with the authors joined, correlated ``count`` subqueries
  of visible comments (over ``ix_comments_post``, the status tested inside
  the count) and of reactions per post, the membership check as an
  ``EXISTS``, the same keyset condition and ``LIMIT 21`` — fetching plain
  rows.  On other storage: the storage port calls a page's entries are made
  of (``posts.feed``, ``members.get_many``, ``verifications.get_many``,
  ``comments.count_for_posts``, ``reactions.summaries``) in one unit of work.

A third row compares proforum's deep page with its first page (keyset
pagination should make them cost the same).

The full size is the issue's community of 1,000,000 posts (and as many
comments); loading them takes a few minutes per backend, most of it SQLite's
search-index triggers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from bench import data
from bench.harness import (
    Benchmark,
    Case,
    Comparison,
    Database,
    Result,
    Side,
    Timing,
    calls_for,
    compare,
)
from proforum.adapters.sql import tables as t
from proforum.adapters.sql.types import UtcDateTime
from proforum.domain.common import CommunityId, MemberId, PostId
from proforum.domain.content import Post
from proforum.domain.content_status import ContentKind

TARGET = 3.0
DEEP_TARGET = 1.5
PAGE = 20

Cursor = tuple[datetime, PostId]


def _cursor(newest_first: list[Post], page: int) -> Cursor | None:
    """The ``before`` that asks for page ``page`` (0 is the first page)."""
    if page == 0:
        return None
    last = newest_first[page * PAGE - 1]
    return (last.published_at, last.id)


def run(database: Database, case: Case) -> list[Result]:
    """Read page 1 and a deep page of a feed of ``case.n`` posts, against one SQL statement each."""
    forum = database.forum
    operator, community = data.founded_community(forum)
    ids = data.SeededIds(2)
    authors = data.members(min(1_000, max(10, case.n // 20)), ids)
    posts = data.posts(community.id, authors, case.n, ids)
    data.load(
        database,
        authors,
        data.memberships(community.id, authors),
        posts,
        data.comments(posts, authors, ids),
    )
    newest_first = posts[::-1]  # generated a second apart, oldest first
    deep_page = max(1, (case.n * 9 // 10) // PAGE)
    if (deep_page + 1) * PAGE > case.n:
        raise ValueError(f"a feed of {case.n} posts is too short for a deep page")
    deep = _cursor(newest_first, deep_page)
    _check_cursors(database, operator.id, community.id, newest_first, deep_page)

    def first() -> None:
        forum.feed(operator.id, community.id, limit=PAGE)

    def deeper() -> None:
        forum.feed(operator.id, community.id, limit=PAGE, before=deep)

    base_first = _baseline(database, operator.id, community.id, None)
    base_deep = _baseline(database, operator.id, community.id, deep)
    sql_baseline = "one hand-written SELECT (join, count subqueries, EXISTS, keyset)"
    port_baseline = "the storage-port calls of a page's entries, one unit of work"

    results: list[Result] = []
    # The deep page's number goes in the notes, not the name: the growth table
    # pairs rows of the same operation across sizes.
    for label, action, baseline, note in (
        ("feed page 1", first, base_first, ""),
        ("feed deep page", deeper, base_deep, f"page {deep_page + 1:,}"),
    ):
        measured = compare(
            Side(action, calls=calls_for(action, case.budget), engine=database.engine),
            Side(baseline, calls=calls_for(baseline, case.budget), engine=database.raw),
            repeats=case.repeats,
        )
        results.append(
            Result.of(
                measured,
                benchmark="feed",
                operation=label,
                backend=database.backend,
                case=case,
                unit="posts",
                target=TARGET,
                baseline=sql_baseline if database.raw is not None else port_baseline,
                notes=note,
            )
        )
    page_1, deep_row = results
    # Keyset pagination: proforum's deep page against its own page 1, same run.
    growth = Comparison(Timing(deep_row.proforum_runs), Timing(page_1.proforum_runs), None, None)
    results.append(
        Result.of(
            growth,
            benchmark="feed",
            operation="feed deep / page 1",
            backend=database.backend,
            case=case,
            unit="posts",
            target=DEEP_TARGET,
            baseline="proforum's own page 1",
            notes=f"baseline's own deep / page 1: {deep_row.baseline_s / page_1.baseline_s:.2f}",
        )
    )
    return results


def _check_cursors(
    database: Database,
    actor: MemberId,
    community: CommunityId,
    newest_first: list[Post],
    deep_page: int,
) -> None:
    """Follow ``next_before`` for two pages: the computed positions must be the API's own."""
    forum = database.forum
    before: Cursor | None = None
    for page in range(min(2, deep_page)):
        result = forum.feed(actor, community, limit=PAGE, before=before)
        expected = newest_first[page * PAGE : (page + 1) * PAGE]
        if [p.id for p in result.posts] != [p.id for p in expected]:
            raise RuntimeError(f"feed page {page + 1} is not the expected posts")
        before = result.next_before
        if before != _cursor(newest_first, page + 1):
            raise RuntimeError(f"next_before of page {page + 1} is not the computed cursor")
    deep = forum.feed(actor, community, limit=PAGE, before=_cursor(newest_first, deep_page))
    expected = newest_first[deep_page * PAGE : (deep_page + 1) * PAGE]
    if [p.id for p in deep.posts] != [p.id for p in expected]:
        raise RuntimeError("the deep page is not the expected posts")


def _baseline(
    database: Database, actor: MemberId, community: CommunityId, before: Cursor | None
) -> Callable[[], None]:
    raw = database.raw
    if raw is not None:
        stmt = _page_statement(actor, community, before)

        def select_page() -> None:
            with raw.connect() as conn:
                conn.execute(stmt).all()

        return select_page

    storage = database.forum.storage

    def through_port() -> None:
        with storage.unit_of_work() as uow:
            posts = list(uow.posts.feed(community, limit=PAGE + 1, before=before))[:PAGE]
            uow.members.get_many({p.author_id for p in posts})
            uow.verifications.get_many({p.author_id for p in posts})
            uow.comments.count_for_posts([p.id for p in posts])
            uow.reactions.summaries(ContentKind.POST, [p.id for p in posts], actor)

    return through_port


def _page_statement(
    actor: MemberId, community: CommunityId, before: Cursor | None
) -> sa.Select[tuple[object, ...]]:
    """One SELECT for a page: visible posts, their authors, comment and reaction counts."""
    p, m, c, ms, r = t.posts.c, t.members.c, t.comments.c, t.memberships.c, t.reactions.c
    # The status is tested inside the count: with ``status = 'visible'`` in the
    # WHERE, SQLite (no ANALYZE statistics) picks the one-column
    # ix_comments_status over ix_comments_post and walks every visible comment
    # of the database for each post: over 100 times slower at 20,000 comments.
    comment_count = (
        sa.select(sa.func.count(sa.case((c.status == "visible", 1))))
        .where(c.post_id == p.id)
        .scalar_subquery()
    )
    reaction_count = (
        sa.select(sa.func.count()).where(r.target == "post", r.target_id == p.id).scalar_subquery()
    )
    is_member = sa.exists().where(ms.community_id == community, ms.member_id == actor)
    stmt = (
        sa.select(
            p.id,
            p.title,
            p.body,
            p.published_at,
            p.author_id,
            m.identity_kind,
            m.identity_value,
            m.job_function,
            m.company,
            m.years_of_experience,
            comment_count.label("comment_count"),
            reaction_count.label("reaction_count"),
        )
        .select_from(t.posts.outerjoin(t.members, m.id == p.author_id))
        .where(p.community_id == community, p.status == "visible", is_member)
        .order_by(p.published_at.desc(), p.id.desc())
        .limit(PAGE + 1)
    )
    if before is not None:
        at, post_id = before
        stmt = stmt.where(
            sa.tuple_(p.published_at, p.id)
            < sa.tuple_(
                sa.bindparam("before_at", at, type_=UtcDateTime()),
                sa.bindparam("before_id", post_id, type_=p.id.type),
            )
        )
    return stmt


BENCHMARK = Benchmark(
    name="feed",
    description="a feed page of 20 posts (first and deep) vs one hand-written SELECT",
    sizes={"tiny": 500, "small": 20_000, "full": 1_000_000},
    unit="posts",
    run=run,
)
