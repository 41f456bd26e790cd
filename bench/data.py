"""Bulk set-up: many members, memberships, posts, comments and survey responses, fast.

Set-up is never timed, but a full run loads hundreds of thousands of rows, so
it takes the bulk paths, never one use case per row:

* **SQL databases**: SQLAlchemy Core ``executemany`` into the tables of
  :mod:`proforum.adapters.sql.tables`, in chunks, in one transaction.  Rows are
  built by :mod:`proforum.adapters.sql.mapping` from domain objects, so they
  stay right when a column is added.
* **Other storage** (``memory://``): the storage port, one unit of work per
  chunk (``forum.storage.unit_of_work()``, ``uow.<repository>.add``).
  ``Forum.import_data`` is not used: it needs an empty forum (the benchmarks
  create their heads — community, survey — through use cases first) and
  structures every row with cattrs.  Chunks stay small because the memory
  backend checks unique keys against a transaction's whole overlay, which is
  quadratic in the rows one transaction adds (measured: 4,000 nickname members
  in one unit of work take 2.4 s, 1,000 take 0.27 s); for the same reason bulk
  members are real-name members (no unique nickname key).

Data is deterministic: ids come from a seeded generator shaped like proforum's
random ids (``prefix_`` + 32 hex digits), times from a fixed epoch.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench.harness import Database
from proforum.adapters.sql import mapping
from proforum.adapters.sql import tables as t
from proforum.domain.common import CommentId, CommunityId, MemberId, PostId, SurveyId
from proforum.domain.community import Community, Membership, Role
from proforum.domain.content import Comment, Post
from proforum.domain.identity import Member, RealName
from proforum.domain.survey import Participation, Response
from proforum.ports.storage import UnitOfWork
from proforum.services.forum import Forum

#: When bulk data starts: every generated time is this plus an offset.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

#: Rows per ``executemany`` (SQL) and per unit of work (other storage).
SQL_CHUNK = 10_000
PORT_CHUNK = 1_000

_JOBS = ("development", "design", "marketing-pr", "planning", "sales")
_COMPANIES = ("프로포럼", "Acme", "한빛상사", None)


class SeededIds:
    """Random-looking, reproducible ids: the same data on every backend and run."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets

    def new(self, prefix: str) -> str:
        """Return ``prefix_`` followed by 32 hex digits, like :class:`proforum.RandomIds`."""
        return f"{prefix}_{self._rng.getrandbits(128):032x}"


def members(count: int, ids: SeededIds, *, start: datetime = EPOCH) -> list[Member]:
    """``count`` real-name members with varied profiles, registered a second apart."""
    return [
        Member(
            id=MemberId(ids.new("mem")),
            identity=RealName(f"회원 {i}"),
            job_function=_JOBS[i % len(_JOBS)],
            registered_at=start + timedelta(seconds=i),
            company=_COMPANIES[i % len(_COMPANIES)],
            years_of_experience=i % 31,
        )
        for i in range(count)
    ]


def memberships(
    community_id: CommunityId, people: Sequence[Member], *, start: datetime = EPOCH
) -> list[Membership]:
    """Plain memberships of ``people`` in the community, joined a second apart."""
    return [
        Membership(community_id, person.id, Role.MEMBER, start + timedelta(seconds=i))
        for i, person in enumerate(people)
    ]


def posts(
    community_id: CommunityId,
    authors: Sequence[Member],
    count: int,
    ids: SeededIds,
    *,
    start: datetime = EPOCH,
) -> list[Post]:
    """``count`` posts, oldest first, published a second apart, authors taking turns."""
    body = "퍼포먼스 마케팅 회고: 무엇이 통했고 무엇이 안 통했나. " * 12
    return [
        Post(
            id=PostId(ids.new("pst")),
            community_id=community_id,
            author_id=authors[i % len(authors)].id,
            title=f"벤치마크 글 {i}",
            body=body,
            published_at=start + timedelta(seconds=i),
        )
        for i in range(count)
    ]


def comments(
    on: Sequence[Post], authors: Sequence[Member], ids: SeededIds, *, per_post: int = 3
) -> list[Comment]:
    """Post ``i`` gets ``i % per_post`` comments: about one per post on average."""
    made: list[Comment] = []
    for i, post in enumerate(on):
        for j in range(i % per_post):
            made.append(
                Comment(
                    id=CommentId(ids.new("cmt")),
                    post_id=post.id,
                    author_id=authors[(i + j + 1) % len(authors)].id,
                    body="좋은 글 감사합니다!",
                    published_at=post.published_at + timedelta(milliseconds=j + 1),
                )
            )
    return made


def participations(survey_id: SurveyId, people: Sequence[Member]) -> list[Participation]:
    """That each of ``people`` answered the (anonymous) survey."""
    return [Participation(survey_id, person.id, None) for person in people]


def founded_community(forum: Forum, *, slug: str = "bench") -> tuple[Member, Community]:
    """An operator and their community, made through the use cases (a handful of rows)."""
    operator = forum.register_member(job_function="development", nickname="벤치운영자")
    community = forum.create_community(
        operator.id, slug=slug, name="벤치마크 커뮤니티", job_function="development"
    )
    return operator, community


# --------------------------------------------------------------------------- loading


_SQL: dict[type[Any], tuple[sa.Table, Callable[[Any], dict[str, Any]]]] = {
    Member: (t.members, mapping.member_row),
    Membership: (t.memberships, mapping.membership_row),
    Post: (t.posts, mapping.post_row),
    Comment: (t.comments, mapping.comment_row),
    Participation: (t.survey_participations, mapping.participation_row),
    Response: (t.survey_responses, mapping.response_row),
}

_PORT: dict[type[Any], Callable[[UnitOfWork], Callable[[Any], None]]] = {
    Member: lambda uow: uow.members.add,
    Membership: lambda uow: uow.memberships.add,
    Post: lambda uow: uow.posts.add,
    Comment: lambda uow: uow.comments.add,
    Participation: lambda uow: uow.participations.add,
    Response: lambda uow: uow.responses.add,
}


def _chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def load(database: Database, *batches: Sequence[Any]) -> None:
    """Store every batch (each a list of one entity type), in bulk, committed.

    SQL databases get one transaction of chunked ``executemany`` statements
    (and fresh planner statistics on PostgreSQL); other storage gets one unit
    of work per chunk through the storage port.
    """
    batches = tuple(b for b in batches if b)
    raw = database.raw
    if raw is not None:
        with raw.begin() as conn:
            for batch in batches:
                table, to_row = _SQL[type(batch[0])]
                for chunk in _chunks(batch, SQL_CHUNK):
                    conn.execute(sa.insert(table), [to_row(row) for row in chunk])
                    if isinstance(chunk[0], Response):
                        # A response's answers live in their own table.
                        answers = [a for r in chunk for a in mapping.answer_rows(r)]
                        conn.execute(sa.insert(t.survey_answers), answers)
        database.analyze()
        return
    storage = database.forum.storage
    for batch in batches:
        adder = _PORT[type(batch[0])]
        for chunk in _chunks(batch, PORT_CHUNK):
            with storage.unit_of_work() as uow:
                add = adder(uow)
                for row in chunk:
                    add(row)
                uow.commit()
