"""Publish one post: the use case against one raw INSERT and a commit.

* **proforum**: ``forum.publish_post`` K times in a row (K is the size), each
  its own transaction: text checks, the community and membership look-ups,
  the built-in content policy hook, the insert, the commit, the
  ``post_published`` event.
* **baseline**: K times one ``INSERT`` into ``posts`` and a commit on a plain
  engine (SQL); on other storage, K units of work each adding one post through
  the storage port.

Times are per post.  Every commit is durable on SQLite and PostgreSQL (their
default synchronous settings), on both sides, so a slow disk pulls the ratio
towards 1.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from bench import data
from bench.harness import Benchmark, Case, Database, Result, Side, compare
from proforum.adapters.sql import tables as t
from proforum.domain.common import CommunityId, MemberId, PostId
from proforum.domain.content import Post

TARGET = 3.0

TITLE = "퍼포먼스 마케팅, 나는 이렇게 망해봤다"
BODY = "지난 분기 캠페인에서 배운 것들을 정리했습니다. 전환 추적부터 예산 배분까지. " * 10


def run(database: Database, case: Case) -> list[Result]:
    """Publish ``case.n`` posts one by one, against as many single INSERTs with a commit."""
    forum = database.forum
    operator, community = data.founded_community(forum)

    def publish_one() -> None:
        forum.publish_post(operator.id, community.id, title=TITLE, body=BODY)

    measured = compare(
        Side(publish_one, calls=case.n, engine=database.engine),
        Side(_baseline(database, operator.id, community.id), calls=case.n, engine=database.raw),
        repeats=case.repeats,
    )
    return [
        Result.of(
            measured,
            benchmark="publish",
            operation="publish one post",
            backend=database.backend,
            case=case,
            unit="posts",
            target=TARGET,
            baseline=(
                "one INSERT + commit on a plain engine"
                if database.raw is not None
                else "one post added through the storage port, one unit of work"
            ),
            per="post",
        )
    ]


def _baseline(database: Database, author: MemberId, community: CommunityId) -> Callable[[], None]:
    raw = database.raw
    if raw is not None:
        insert = sa.insert(t.posts)

        def insert_one() -> None:
            row = {
                "id": f"pst_{uuid.uuid4().hex}",
                "community_id": community,
                "author_id": author,
                "title": TITLE,
                "body": BODY,
                "published_at": datetime.now(UTC),
                "status": "visible",
                "edited_at": None,
                "score": 0,
            }
            with raw.begin() as conn:
                conn.execute(insert, row)

        return insert_one

    storage = database.forum.storage

    def add_one() -> None:
        post = Post(
            id=PostId(f"pst_{uuid.uuid4().hex}"),
            community_id=community,
            author_id=author,
            title=TITLE,
            body=BODY,
            published_at=datetime.now(UTC),
        )
        with storage.unit_of_work() as uow:
            uow.posts.add(post)
            uow.commit()

    return add_one


BENCHMARK = Benchmark(
    name="publish",
    description="publish_post vs one INSERT + commit, per post",
    sizes={"tiny": 20, "small": 200, "full": 1_000},
    unit="posts",
    run=run,
)
