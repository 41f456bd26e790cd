"""Bulk import: ``forum.import_data`` of N posts streamed from a generator.

Two rows per SQL backend and size (one on memory):

* **bulk import** — proforum: ``forum.import_data`` of a document holding one
  member, their community and N posts of it, the posts table a *generator*
  of export rows (ISO 8601 times, as a JSON export file holds them), into an
  empty forum.  proforum structures every row with its cattrs converter and
  writes chunks of :data:`~proforum.serialization.IMPORT_CHUNK` rows, one
  ``executemany`` each.  Baseline on SQL databases: one SQLAlchemy Core
  ``executemany`` of the same N rows (already database-shaped: ``datetime``
  objects, no validation) into ``posts``, one transaction; on memory, one
  ``uow.posts.add`` per post through the storage port, one unit of work.  Both
  sides build their rows inside the timed region.  Between repeats every table
  is emptied (untimed) — the memory backend gets a new forum instead.
* **streaming import** (SQL only) — the same import, of M posts, each side
  once in a **subprocess** of its own (``python -m bench.import_``), so that
  the process's peak resident memory (``getrusage(RUSAGE_SELF).ru_maxrss``)
  belongs to that import alone.  Reported: proforum's peak minus its resident
  memory just before the import, against :data:`MEMORY_TARGET_MB`; the
  baseline streams the same rows in chunks of the same size through Core
  ``executemany`` in one transaction.  The memory backend holds every row in
  the process by design, so it has no streaming row.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any

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
    compare,
    open_forum,
)
from proforum.adapters.sql import tables as t
from proforum.adapters.sql.storage import SqlStorage
from proforum.domain.common import CommunityId, MemberId, PostId
from proforum.domain.content import Post
from proforum.serialization import IMPORT_CHUNK
from proforum.services.forum import Forum

TARGET = 1.5
#: The most proforum's streaming import may add to its process's resident memory.
MEMORY_TARGET_MB = 300.0
#: Posts of the streaming row, by size: ten times the bulk row's.
STREAM_SIZES: dict[str, int] = {"tiny": 2_000, "small": 100_000, "full": 1_000_000}
#: The environment variable that passes the database URL (password included) to
#: the subprocess: an argument would show it to every user of the machine.
URL_VARIABLE = "PROFORUM_BENCH_IMPORT_URL"

_BODY = "퍼포먼스 마케팅 회고: 무엇이 통했고 무엇이 안 통했나. " * 12


# --------------------------------------------------------------------------- the rows


def head_document() -> dict[str, Any]:
    """An export with one member and their community (made by the use cases), and no posts."""
    with open_forum("memory://") as source:
        data.founded_community(source)
        return source.export_data()


def _author_and_community(head: dict[str, Any]) -> tuple[str, str]:
    tables = head["tables"]
    return tables["members"][0]["id"], tables["communities"][0]["id"]


def export_rows(head: dict[str, Any], n: int) -> Iterator[dict[str, Any]]:
    """N posts as an export document holds them, one at a time."""
    author, community = _author_and_community(head)
    for i in range(n):
        yield {
            "id": f"pst_{i:032x}",
            "community_id": community,
            "author_id": author,
            "title": f"벤치마크 글 {i}",
            "body": _BODY,
            "published_at": (data.EPOCH + timedelta(seconds=i)).isoformat(),
            "status": "visible",
            "edited_at": None,
            "score": 0,
        }


def table_rows(head: dict[str, Any], n: int) -> Iterator[dict[str, Any]]:
    """The same N posts as rows of the ``posts`` table, one at a time."""
    author, community = _author_and_community(head)
    for i in range(n):
        yield {
            "id": f"pst_{i:032x}",
            "community_id": community,
            "author_id": author,
            "title": f"벤치마크 글 {i}",
            "body": _BODY,
            "published_at": data.EPOCH + timedelta(seconds=i),
            "status": "visible",
            "edited_at": None,
            "score": 0,
        }


def document(head: dict[str, Any], n: int) -> dict[str, Any]:
    """``head`` with N posts, the posts table a generator (nothing is built yet)."""
    return {**head, "tables": {**head["tables"], "posts": export_rows(head, n)}}


def clear(raw: sa.Engine, backend: str) -> None:
    """Empty every proforum table, so the next import finds an empty forum."""
    with raw.begin() as conn:
        if backend == "postgresql":
            names = ", ".join(table.name for table in t.metadata.sorted_tables)
            conn.exec_driver_sql(f"TRUNCATE {names}")
        else:
            for table in reversed(t.metadata.sorted_tables):
                conn.execute(sa.delete(table))


# --------------------------------------------------------------------------- bulk import


def run(database: Database, case: Case) -> list[Result]:
    """Import ``case.n`` posts through proforum against the raw baseline; then stream."""
    head = head_document()
    results = [_bulk(database, case, head)]
    if database.raw is not None:
        results.append(_streaming(database, case))
    return results


def _bulk(database: Database, case: Case, head: dict[str, Any]) -> Result:
    raw = database.raw
    if raw is not None:
        forum = database.forum
        insert = sa.insert(t.posts)

        def empty() -> None:
            clear(raw, database.backend)

        def with_head() -> None:
            clear(raw, database.backend)
            forum.import_data(head)

        def executemany() -> None:
            rows = list(table_rows(head, case.n))
            with raw.begin() as conn:
                conn.execute(insert, rows)

        measured = compare(
            Side(
                lambda: forum.import_data(document(head, case.n)),
                prepare=empty,
                engine=database.engine,
            ),
            Side(executemany, prepare=with_head, engine=raw),
            repeats=case.repeats,
        )
        baseline = "Core executemany of the N rows into posts, one transaction"
    else:
        measured = _bulk_memory(case, head)
        baseline = "posts.add of N posts through the storage port, one unit of work"
    notes = ""
    if measured.statements is not None:
        notes = f"{measured.statements:,} statements for {case.n:,} posts"
        if measured.statements >= case.n:
            notes += ": one per row"
    return Result.of(
        measured,
        benchmark="import",
        operation="bulk import",
        backend=database.backend,
        case=case,
        unit="posts",
        target=TARGET,
        baseline=baseline,
        notes=notes,
    )


def _bulk_memory(case: Case, head: dict[str, Any]) -> Comparison:
    """The memory backend: a new forum for every repeat (there is no port to empty one)."""
    forums: list[Forum] = []

    def fresh() -> None:
        for old in forums:
            old.close()
        forums[:] = [open_forum("memory://")]

    def fresh_with_head() -> None:
        fresh()
        forums[0].import_data(head)

    def through_port() -> None:
        author, community = _author_and_community(head)
        with forums[0].storage.unit_of_work() as uow:
            for i in range(case.n):
                uow.posts.add(
                    Post(
                        id=PostId(f"pst_{i:032x}"),
                        community_id=CommunityId(community),
                        author_id=MemberId(author),
                        title=f"벤치마크 글 {i}",
                        body=_BODY,
                        published_at=data.EPOCH + timedelta(seconds=i),
                    )
                )
            uow.commit()

    try:
        return compare(
            Side(lambda: forums[0].import_data(document(head, case.n)), prepare=fresh),
            Side(through_port, prepare=fresh_with_head),
            repeats=case.repeats,
        )
    finally:
        for old in forums:
            old.close()


# --------------------------------------------------------------------------- streaming import


def _streaming(database: Database, case: Case) -> Result:
    """Each side once, in a subprocess of its own, on this (emptied) database."""
    raw = database.raw
    assert raw is not None  # only SQL databases stream to somewhere outside the process
    n = STREAM_SIZES[case.size]
    url = raw.url.render_as_string(hide_password=False)
    clear(raw, database.backend)
    ours = _subprocess("proforum", url, n)
    clear(raw, database.backend)
    theirs = _subprocess("baseline", url, n)
    clear(raw, database.backend)
    measured = Comparison(
        Timing((ours["seconds"],)),
        Timing((theirs["seconds"],)),
        ours["statements"],
        theirs["statements"],
    )
    return Result.of(
        measured,
        benchmark="import",
        operation="streaming import",
        backend=database.backend,
        case=Case(case.size, n, 1),
        unit="posts",
        target=TARGET,
        baseline=f"Core executemany in chunks of {IMPORT_CHUNK:,}, one transaction",
        notes=(f"baseline peak RSS +{_mb(theirs):,.0f} MB; one run each, in a subprocess"),
        memory_mb=_mb(ours),
        memory_target_mb=MEMORY_TARGET_MB,
    )


def _mb(measured: dict[str, Any]) -> float:
    """Peak resident memory over that just before the import, in MB (10**6 bytes)."""
    return float(measured["rss_peak_kib"] - measured["rss_before_kib"]) * 1024 / 1e6


def _subprocess(side: str, url: str, n: int) -> dict[str, Any]:
    """Run one side in ``python -m bench.import_``; return what it measured."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.import_", "--side", side, "--n", str(n)],
        env={**os.environ, URL_VARIABLE: url},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {side} import subprocess failed:\n{done.stderr}")
    measured: dict[str, Any] = json.loads(done.stdout)
    return measured


def _rss_kib() -> int:
    """The resident memory of this process now, in KiB (Linux ``VmRSS``; else the peak so far)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return _peak_kib()


def _peak_kib() -> int:
    """The process's peak resident memory so far, in KiB (``ru_maxrss`` is KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # macOS reports bytes.
    return peak // 1024 if sys.platform == "darwin" else peak


def _counting(engine: sa.Engine, work: Callable[[], None]) -> tuple[Callable[[], None], list[int]]:
    """``work`` with the statements ``engine`` sends while it runs counted (one per chunk)."""
    counted: list[int] = []

    def count(*_args: object) -> None:
        counted.append(1)

    def counted_work() -> None:
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            work()
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)

    return counted_work, counted


def _stream_proforum(url: str, n: int) -> tuple[Callable[[], None], list[int]]:
    """The proforum side: ``import_data`` of the head and N posts from a generator."""
    forum = open_forum(url)
    head = head_document()
    storage = forum.storage
    assert isinstance(storage, SqlStorage)
    return _counting(storage.engine, lambda: forum.import_data(document(head, n)))


def _stream_baseline(url: str, n: int) -> tuple[Callable[[], None], list[int]]:
    """The baseline: the head through proforum (untimed), then N rows in Core chunks."""
    head = head_document()
    with open_forum(url) as forum:
        forum.import_data(head)
    raw = sa.create_engine(url)
    insert = sa.insert(t.posts)

    def work() -> None:
        chunk: list[dict[str, Any]] = []
        with raw.begin() as conn:
            for row in table_rows(head, n):
                chunk.append(row)
                if len(chunk) >= IMPORT_CHUNK:
                    conn.execute(insert, chunk)
                    chunk = []
            if chunk:
                conn.execute(insert, chunk)

    return _counting(raw, work)


def main(argv: Sequence[str] | None = None) -> int:
    """The subprocess: import N streamed posts on one side; print time and memory as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.import_")
    parser.add_argument("--side", choices=("proforum", "baseline"), required=True)
    parser.add_argument("--n", type=int, required=True)
    args = parser.parse_args(argv)
    url = os.environ[URL_VARIABLE]
    prepare = _stream_proforum if args.side == "proforum" else _stream_baseline
    work, statements = prepare(url, args.n)
    before = _rss_kib()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    peak = _peak_kib()  # read at once: the process's peak, the import's by construction
    print(
        json.dumps(
            {
                "side": args.side,
                "n": args.n,
                "seconds": seconds,
                "rss_before_kib": before,
                "rss_peak_kib": peak,
                "statements": len(statements),
            }
        )
    )
    return 0


BENCHMARK = Benchmark(
    name="import",
    description="import_data of N posts from a generator vs executemany; streaming memory",
    sizes={"tiny": 200, "small": 10_000, "full": 100_000},
    unit="posts",
    run=run,
)


if __name__ == "__main__":
    sys.exit(main())
