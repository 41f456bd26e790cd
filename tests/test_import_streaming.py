"""Importing streams: a table may be a generator, loaded a chunk at a time.

``Forum.import_data`` takes, for each table of the document, any iterable of
rows and hands them to the storage :data:`~proforum.serialization.IMPORT_CHUNK`
at a time through ``UnitOfWork.load``.  Checked on memory, SQLite and (when
``PROFORUM_TEST_POSTGRES_URL`` is set) PostgreSQL: a generator imports exactly
what the same rows in a list import, a malformed or duplicate row in the
middle of a generator leaves the forum empty (the chunks before it were
written in the same, discarded, transaction), and on SQLite 5,000 posts are a
handful of ``executemany`` statements, not 5,000.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import proforum
from proforum.adapters.sql.storage import SqlStorage
from proforum.errors import InvalidDocument
from proforum.serialization import IMPORT_CHUNK
from sql_support import postgres_database, postgres_schema, sqlite_url

#: More rows than one chunk, and not a multiple of it: the last chunk is partial.
N = 2 * IMPORT_CHUNK + 345
T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL for each import."""
    if request.param == "memory":
        yield "memory://"
    elif request.param == "sqlite":
        yield sqlite_url(tmp_path / "forum.db")
    else:
        with ExitStack() as stack:
            database = stack.enter_context(postgres_database())
            yield stack.enter_context(postgres_schema(database))


def _head() -> dict[str, Any]:
    """A document with one member and their community, from a real forum."""
    with proforum.open("memory://", deliver="manual") as source:
        operator = source.register_member(job_function="development", nickname="스트리머")
        source.create_community(
            operator.id, slug="stream", name="스트리밍", job_function="development"
        )
        return source.export_data()


def _posts(document: dict[str, Any], count: int, *, bad_at: int | None = None) -> Iterator[Any]:
    """``count`` post rows as an export writes them; the row at ``bad_at`` malformed."""
    author = document["tables"]["members"][0]["id"]
    community = document["tables"]["communities"][0]["id"]
    for i in range(count):
        if i == bad_at:
            yield {"id": f"pst_{i:032x}", "title": 42}
            continue
        yield {
            "id": f"pst_{i:032x}",
            "community_id": community,
            "author_id": author,
            "title": f"글 {i}",
            "body": "본문",
            "published_at": (T0 + timedelta(seconds=i)).isoformat(),
        }


def _with_posts(document: dict[str, Any], posts: Any) -> dict[str, Any]:
    return {**document, "tables": {**document["tables"], "posts": posts}}


def test_a_generator_imports_the_same_as_a_list(url: str, tmp_path: Path) -> None:
    head = _head()
    listed = _with_posts(head, list(_posts(head, N)))
    with proforum.open("memory://") as reference:
        reference.import_data(listed)
        expected = reference.export_data()
    with proforum.open(url) as target:
        target.import_data(_with_posts(head, _posts(head, N)))
        assert target.export_data() == expected
    assert len(expected["tables"]["posts"]) == N


@pytest.mark.parametrize("where", ["first chunk", "last chunk"])
def test_a_malformed_row_in_a_generator_leaves_the_forum_empty(url: str, where: str) -> None:
    head = _head()
    bad_at = 10 if where == "first chunk" else N - 3
    with proforum.open(url) as target:
        empty = target.export_data()
        with pytest.raises(InvalidDocument, match="bad row in posts"):
            target.import_data(_with_posts(head, _posts(head, N, bad_at=bad_at)))
        assert target.export_data() == empty


def test_a_duplicate_row_in_a_later_chunk_leaves_the_forum_empty(url: str) -> None:
    head = _head()
    rows = list(_posts(head, N))
    # The same id as a row of the first chunk: only the database's key can tell.
    rows[-1] = {**rows[-1], "id": rows[0]["id"]}
    with proforum.open(url) as target:
        empty = target.export_data()
        with pytest.raises(InvalidDocument, match="bad row in posts: AlreadyExists"):
            target.import_data(_with_posts(head, iter(rows)))
        assert target.export_data() == empty


def test_a_table_that_is_a_mapping_or_a_string_is_refused() -> None:
    head = _head()
    with proforum.open("memory://") as target:
        for table in ({"rows": []}, "posts", 42):
            with pytest.raises(InvalidDocument, match="table posts is not a list"):
                target.import_data(_with_posts(head, table))


def test_importing_5000_posts_on_sqlite_is_a_handful_of_executemany(tmp_path: Path) -> None:
    head = _head()
    count = 5_000
    with proforum.open(sqlite_url(tmp_path / "forum.db")) as target:
        storage = target.storage
        assert isinstance(storage, SqlStorage)
        inserts: list[bool] = []
        statements: list[str] = []

        def seen(
            conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
        ) -> None:
            statements.append(statement)
            if statement.lstrip().upper().startswith("INSERT INTO POSTS"):
                inserts.append(many)

        sa.event.listen(storage.engine, "before_cursor_execute", seen)
        try:
            target.import_data(_with_posts(head, _posts(head, count)))
        finally:
            sa.event.remove(storage.engine, "before_cursor_execute", seen)
        assert len(target.export_data()["tables"]["posts"]) == count
    # One executemany per chunk of IMPORT_CHUNK rows.
    assert len(inserts) == -(-count // IMPORT_CHUNK) == 5
    assert all(inserts)
    # Everything else: the emptiness check (one read per table) and the other tables.
    assert len(statements) < 50
