"""The benchmark harness: fresh databases, timing, statement counts, results and the table.

Principles (they are the project's):

* A benchmark compares a proforum use case with a raw baseline doing the same
  work, **in the same run, on the same database**, and reports the ratio.  A
  ratio survives a change of machine; an absolute time does not.
* Timing is :func:`time.perf_counter`, best of a few repeats, with the garbage
  collector off while a repeat runs (a collection landing in one repeat but
  not another is noise, not cost).  proforum's and the baseline's repeats
  alternate, after one untimed warm-up each (:func:`compare`), so load from
  elsewhere on a shared machine does not favour one side.
* Every benchmark gets a fresh database: a new SQLite file in a temporary
  directory, a new schema in a throw-away PostgreSQL database, or a new
  ``memory://`` forum.
* Baselines on SQL databases run on a *plain* SQLAlchemy engine of the same
  database (no proforum event hooks, no ``BEGIN IMMEDIATE``, no pre-ping), the
  way a hand-written application would talk to it.  What proforum's own engine
  settings cost is therefore part of the ratio.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import URL, Engine, make_url

import proforum
from proforum.adapters.sql.storage import SqlStorage

#: Size names, smallest first.  ``tiny`` keeps CI fast, ``full`` is the real thing.
SIZES: tuple[str, ...] = ("tiny", "small", "full")
Size = Literal["tiny", "small", "full"]

#: Timed repeats per measurement when ``--repeats`` is not given (best of these).
DEFAULT_REPEATS: dict[str, int] = {"tiny": 1, "small": 3, "full": 3}

BackendKind = Literal["memory", "sqlite", "postgresql"]


# --------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Timing:
    """How long each timed repeat took, in seconds; :attr:`best` is what is reported."""

    runs: tuple[float, ...]

    @property
    def best(self) -> float:
        """The fastest repeat: the least disturbed by the rest of the machine."""
        return min(self.runs)


@dataclass(frozen=True)
class Side:
    """One side of a comparison: what is timed, and how.

    :ivar action: one operation (one use case call, one baseline statement…).
    :ivar calls: operations per timed repeat; times are reported per operation.
    :ivar prepare: runs, untimed, before every repeat (and before the warm-up).
    :ivar engine: the engine whose statements the warm-up counts (``None``: do not count).
    """

    action: Callable[[], object]
    calls: int = 1
    prepare: Callable[[], object] | None = None
    engine: Engine | None = None


@dataclass(frozen=True)
class Comparison:
    """The timings of both sides, and the statements one operation of each sent."""

    proforum: Timing
    baseline: Timing
    statements: int | None
    baseline_statements: int | None


def calls_for(action: Callable[[], object], budget: float, most: int = 200) -> int:
    """How many calls of a quick ``action`` fill about ``budget`` seconds (1 to ``most``).

    Calls ``action`` once, untimed, to find out.  Batching keeps a call of a
    few hundred microseconds from being lost in the timer's and the scheduler's noise.
    """
    start = time.perf_counter()
    action()
    once = time.perf_counter() - start
    return max(1, min(most, int(budget / max(once, 1e-9))))


def _time_once(side: Side) -> float:
    """One timed repeat of ``side``, in seconds per operation, the collector off."""
    if side.prepare is not None:
        side.prepare()
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(side.calls):
            side.action()
        elapsed = time.perf_counter() - start
    finally:
        if was_enabled:
            gc.enable()
    return elapsed / side.calls


def _warm_up(side: Side) -> int | None:
    if side.prepare is not None:
        side.prepare()
    return count_statements(side.engine, side.action)


def compare(
    proforum: Side,
    baseline: Side,
    *,
    repeats: int,
    between: Callable[[], object] | None = None,
) -> Comparison:
    """Time both sides, best of ``repeats`` each, repeats alternating between them.

    Each side first runs once untimed — compiled-statement caches and pools
    warm up — and that run is the one whose statements are counted, so the
    listener never slows a timed repeat.  proforum's warm-up runs first;
    ``between`` runs after it, uncounted, e.g. to read what proforum wrote
    for the baseline to copy.  Alternating the timed repeats keeps a burst of
    load on a shared machine from landing on one side only.
    """
    statements = _warm_up(proforum)
    if between is not None:
        between()
    baseline_statements = _warm_up(baseline)
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(max(repeats, 1)):
        ours.append(_time_once(proforum))
        theirs.append(_time_once(baseline))
    return Comparison(Timing(tuple(ours)), Timing(tuple(theirs)), statements, baseline_statements)


class StatementCounter:
    """Counts the statements an engine sends to the database while it is active.

    Every ``cursor.execute``/``executemany`` counts once (SQLAlchemy's
    ``before_cursor_execute`` event), ``BEGIN`` included when it is sent as a
    statement (proforum's ``BEGIN IMMEDIATE`` on SQLite); ``COMMIT`` goes
    through the driver's ``commit()`` and is not counted.  An ``executemany``
    counts once on SQLite; on PostgreSQL SQLAlchemy batches it into a few
    multi-row ``INSERT`` statements, each counted.
    """

    def __init__(self) -> None:
        self.count = 0

    def _on_execute(self, *_args: object) -> None:
        self.count += 1

    @contextmanager
    def on(self, engine: Engine) -> Iterator[StatementCounter]:
        """Count the statements of ``engine`` inside the ``with`` block."""
        sa.event.listen(engine, "before_cursor_execute", self._on_execute)
        try:
            yield self
        finally:
            sa.event.remove(engine, "before_cursor_execute", self._on_execute)


def count_statements(engine: Engine | None, action: Callable[[], object]) -> int | None:
    """Run ``action`` once and return how many statements ``engine`` sent (``None``: no engine).

    Used for the untimed warm-up run, so the listener never slows a timed repeat.
    """
    if engine is None:
        action()
        return None
    counter = StatementCounter()
    with counter.on(engine):
        action()
    return counter.count


# --------------------------------------------------------------------------- databases


def open_forum(url: str) -> proforum.Forum:
    """Open a forum the way every benchmark does.

    Built-in plugins only (installed third-party plugins would make results
    depend on the machine), and ``deliver="manual"``: messages stay in the
    outbox, so a benchmark times the use case, not the notifier.
    """
    return proforum.open(
        url,
        plugin_manager=proforum.get_plugin_manager(load_entrypoints=False),
        deliver="manual",
    )


@dataclass
class Database:
    """A fresh database for one benchmark: the forum on it and, for SQL, a plain engine.

    :ivar backend: ``memory``, ``sqlite`` or ``postgresql``.
    :ivar forum: the forum under test, opened with :func:`open_forum`.
    :ivar raw: a plain SQLAlchemy engine on the same database, for baselines;
        ``None`` for memory.
    """

    backend: BackendKind
    forum: proforum.Forum
    raw: Engine | None

    @property
    def engine(self) -> Engine | None:
        """The forum's own engine (whose statements are counted), or ``None`` for memory.

        ``SqlStorage.engine`` is not part of the ``Storage`` protocol, hence the check.
        """
        storage = self.forum.storage
        return storage.engine if isinstance(storage, SqlStorage) else None

    def analyze(self) -> None:
        """Refresh planner statistics after a bulk load, as autovacuum would (PostgreSQL only).

        SQLite is left alone: proforum never runs ``ANALYZE`` there, so neither do we.
        """
        if self.backend == "postgresql" and self.raw is not None:
            with self.raw.begin() as conn:
                conn.exec_driver_sql("ANALYZE")


@dataclass
class Backend:
    """A kind of database the suite runs on; :meth:`fresh` makes a new one per benchmark."""

    kind: BackendKind
    #: Where new databases go: a temporary directory (SQLite) or a database URL (PostgreSQL).
    location: str = ""
    #: The server's version, recorded with the machine.
    version: str | None = None
    _counter: int = field(default=0, repr=False)

    @contextmanager
    def fresh(self) -> Iterator[Database]:
        """A new, empty database with a forum on it; closed and deleted afterwards."""
        self._counter += 1
        if self.kind == "memory":
            forum = open_forum("memory://")
            try:
                yield Database("memory", forum, None)
            finally:
                forum.close()
        elif self.kind == "sqlite":
            path = Path(self.location) / f"bench-{self._counter}.db"
            url = f"sqlite:///{path}"
            try:
                with _sql_database("sqlite", url) as database:
                    yield database
            finally:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            with (
                _postgres_schema(make_url(self.location)) as url,
                _sql_database("postgresql", url) as database,
            ):
                yield database


@contextmanager
def _sql_database(kind: BackendKind, url: str) -> Iterator[Database]:
    forum = open_forum(url)
    raw = sa.create_engine(url)
    try:
        yield Database(kind, forum, raw)
    finally:
        raw.dispose()
        forum.close()


def _admin_engine(url: URL) -> Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@contextmanager
def _postgres_schema(database: URL) -> Iterator[str]:
    """A new schema in ``database``; yields a URL whose connections use it (``search_path``)."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(database)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            url = database.update_query_dict({"options": f"-csearch_path={schema}"})
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    finally:
        admin.dispose()


def postgres_url(url: str) -> URL:
    """``url`` with psycopg 3 as the driver when none is named (as proforum does)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


@contextmanager
def open_backends(specs: Sequence[str]) -> Iterator[list[Backend]]:
    """Set up the backends ``specs`` name (``memory``, ``sqlite`` or a PostgreSQL URL).

    SQLite databases go to one temporary directory; PostgreSQL gets one
    throw-away database (``proforum_bench_<random>``) on the server the URL
    names, dropped at the end.
    """
    with ExitStack() as stack:
        backends: list[Backend] = []
        for spec in specs:
            if spec == "memory":
                backends.append(Backend("memory"))
            elif spec == "sqlite":
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="proforum-bench-"))
                backends.append(Backend("sqlite", folder, sqlite3.sqlite_version))
            else:
                server = postgres_url(spec)
                database, version = stack.enter_context(_postgres_database(server))
                backends.append(
                    Backend("postgresql", database.render_as_string(hide_password=False), version)
                )
        yield backends


@contextmanager
def _postgres_database(server: URL) -> Iterator[tuple[URL, str]]:
    name = f"proforum_bench_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(server)
    try:
        with admin.connect() as conn:
            version = str(conn.exec_driver_sql("SHOW server_version").scalar_one())
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        try:
            yield server.set(database=name), version
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        admin.dispose()


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Result:
    """One row of the table: a proforum time, a baseline time and their ratio.

    Times are seconds per operation (``per`` says what one operation is).
    """

    benchmark: str
    operation: str
    backend: str
    size: str
    #: The scale of the data set, e.g. 10000, and what it counts, e.g. "members".
    n: int
    unit: str
    proforum_s: float
    baseline_s: float
    target: float
    #: What the baseline is, in a few words.
    baseline: str
    per: str = "call"
    #: Statements proforum's engine sent for one operation (``None``: not SQL, or not counted).
    statements: int | None = None
    baseline_statements: int | None = None
    notes: str = ""
    #: Every timed repeat, for both sides, in seconds per operation.
    proforum_runs: tuple[float, ...] = ()
    baseline_runs: tuple[float, ...] = ()
    #: For a row that also measures memory: proforum's peak resident memory
    #: during the operation over what the process held just before, in MB
    #: (10**6 bytes), and the most it may be.  ``None``: memory not measured.
    memory_mb: float | None = None
    memory_target_mb: float | None = None

    @classmethod
    def of(
        cls,
        measured: Comparison,
        *,
        benchmark: str,
        operation: str,
        backend: str,
        case: Case,
        unit: str,
        target: float,
        baseline: str,
        per: str = "call",
        notes: str = "",
        memory_mb: float | None = None,
        memory_target_mb: float | None = None,
    ) -> Result:
        """The row for a :class:`Comparison` made by :func:`compare`."""
        return cls(
            benchmark=benchmark,
            operation=operation,
            backend=backend,
            size=case.size,
            n=case.n,
            unit=unit,
            proforum_s=measured.proforum.best,
            baseline_s=measured.baseline.best,
            target=target,
            baseline=baseline,
            per=per,
            statements=measured.statements,
            baseline_statements=measured.baseline_statements,
            notes=notes,
            proforum_runs=measured.proforum.runs,
            baseline_runs=measured.baseline.runs,
            memory_mb=memory_mb,
            memory_target_mb=memory_target_mb,
        )

    @property
    def ratio(self) -> float:
        """The proforum time over the baseline time."""
        return self.proforum_s / self.baseline_s

    @property
    def memory_ok(self) -> bool:
        """Whether the measured memory, if any, stays within :attr:`memory_target_mb`."""
        if self.memory_mb is None or self.memory_target_mb is None:
            return True
        return self.memory_mb <= self.memory_target_mb

    @property
    def ok(self) -> bool:
        """Whether the ratio meets the target (at most :attr:`target`), and the memory its own."""
        return self.ratio <= self.target and self.memory_ok

    @property
    def judged(self) -> bool:
        """Whether the target applies: not at the tiny size, where fixed costs dominate.

        Tiny data sets keep CI fast and give the growth table a first point;
        the issue's targets are for the sizes a service sees.
        """
        return self.size != "tiny"

    def as_json(self) -> dict[str, Any]:
        """The row as JSON-ready data, with the ratio and the verdict."""
        data = asdict(self)
        data["proforum_runs"] = list(self.proforum_runs)
        data["baseline_runs"] = list(self.baseline_runs)
        data["ratio"] = self.ratio
        data["memory_ok"] = self.memory_ok
        data["ok"] = self.ok
        data["judged"] = self.judged
        return data


@dataclass(frozen=True)
class Case:
    """What one benchmark is asked to run: a size, its scale and the repeats."""

    size: str
    n: int
    repeats: int

    @property
    def budget(self) -> float:
        """Seconds one repeat of a quick operation should last (see :func:`calls_for`)."""
        return 0.02 if self.size == "tiny" else 0.25


@dataclass(frozen=True)
class Benchmark:
    """A benchmark group: its sizes and the function that measures it on one database."""

    name: str
    description: str
    #: Scale per size name, e.g. ``{"tiny": 200, "small": 10_000, "full": 100_000}``.
    sizes: Mapping[str, int]
    unit: str
    run: Callable[[Database, Case], list[Result]]


@dataclass
class Failure:
    """A benchmark that raised instead of producing rows."""

    benchmark: str
    backend: str
    size: str
    error: str


def run_suite(
    benchmarks: Sequence[Benchmark],
    backends: Sequence[Backend],
    sizes: Sequence[str],
    *,
    repeats: int | None = None,
    progress: Console | None = None,
) -> tuple[list[Result], list[Failure]]:
    """Run every benchmark at every size on every backend, each on a fresh database.

    A benchmark that raises is recorded as a :class:`Failure` (traceback on
    ``progress``) and the suite carries on.
    """
    results: list[Result] = []
    failures: list[Failure] = []
    for benchmark in benchmarks:
        for size in sizes:
            case = Case(size, benchmark.sizes[size], repeats or DEFAULT_REPEATS[size])
            for backend in backends:
                label = f"{benchmark.name} {size} ({case.n:,} {benchmark.unit}) on {backend.kind}"
                started = time.perf_counter()
                try:
                    with backend.fresh() as database:
                        rows = benchmark.run(database, case)
                except Exception as exc:
                    failures.append(
                        Failure(benchmark.name, backend.kind, size, f"{type(exc).__name__}: {exc}")
                    )
                    if progress is not None:
                        progress.print(f"[red]FAILED[/red] {label}")
                        progress.print(traceback.format_exc(), markup=False, highlight=False)
                    continue
                results.extend(rows)
                if progress is not None:
                    progress.print(f"done {label} in {time.perf_counter() - started:.1f} s")
    return results, failures


# --------------------------------------------------------------------------- the machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_revision() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        found = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607 - git from PATH is intended
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None


def machine_info(backends: Sequence[Backend]) -> dict[str, Any]:
    """What the numbers were measured on: CPU, Python, library and database versions."""
    versions = {b.kind: b.version for b in backends if b.version is not None}
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlite": sqlite3.sqlite_version,
        "postgresql": versions.get("postgresql"),
        "sqlalchemy": sa.__version__,
        "proforum": proforum.__version__,
        "git": _git_revision(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# --------------------------------------------------------------------------- output


def format_seconds(seconds: float) -> str:
    """A duration with a unit that keeps three significant figures readable."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def _statements(result: Result) -> str:
    if result.statements is None:
        return "-"
    baseline = "-" if result.baseline_statements is None else f"{result.baseline_statements:,}"
    return f"{result.statements:,} / {baseline}"


def _notes(result: Result) -> str:
    """The notes, after the memory measurement when there is one (the table has no column)."""
    if result.memory_mb is None:
        return result.notes
    memory = f"peak RSS +{result.memory_mb:,.0f} MB"
    if result.memory_target_mb is not None:
        verdict = "ok" if result.memory_ok else "MISS"
        memory += f" (≤ {result.memory_target_mb:g} MB: {verdict})"
    return f"{memory}; {result.notes}" if result.notes else memory


def _verdict(result: Result) -> str:
    if not result.judged:
        return "-"
    return "ok" if result.ok else "miss"


def _cells(result: Result) -> list[str]:
    return [
        result.operation,
        result.backend,
        f"{result.size} ({result.n:,} {result.unit})",
        format_seconds(result.proforum_s),
        format_seconds(result.baseline_s),
        f"{result.ratio:.2f}",
        f"≤ {result.target:g}" if result.judged else "-",
        _verdict(result),
        _statements(result),
        _notes(result),
    ]


HEADERS = (
    "operation",
    "backend",
    "size",
    "proforum",
    "baseline",
    "ratio",
    "target",
    "ok/miss",
    "statements",
    "notes",
)


def render_table(results: Sequence[Result]) -> Table:
    """The results as one rich table, in the order they were measured."""
    table = Table(
        title="proforum benchmarks: times per operation, best of the repeats;"
        " statements: proforum / baseline, for one operation"
    )
    for header in HEADERS:
        numeric = header in ("proforum", "baseline", "ratio", "target")
        table.add_column(header, justify="right" if numeric else "left")
    for result in results:
        cells = _cells(result)
        verdict = cells[7]
        if result.judged:
            verdict = "[green]ok[/green]" if result.ok else "[red]miss[/red]"
        table.add_row(*cells[:7], verdict, *cells[8:])
    return table


def markdown_table(results: Sequence[Result]) -> str:
    """The same table as Markdown, for ``docs/performance.md``."""
    lines = [
        "| " + " | ".join(HEADERS) + " |",
        "| " + " | ".join("---:" if h in ("ratio", "target") else "---" for h in HEADERS) + " |",
    ]
    lines.extend("| " + " | ".join(_cells(r)) + " |" for r in results)
    return "\n".join(lines) + "\n"


def write_json(
    path: Path,
    results: Sequence[Result],
    failures: Sequence[Failure],
    *,
    machine: Mapping[str, Any],
    settings: Mapping[str, Any],
    growth: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Write the machine, the settings, every row, the growth and every failure to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": dict(machine),
        "settings": dict(settings),
        "results": [r.as_json() for r in results],
        "growth": [dict(g) for g in growth],
        "failures": [asdict(f) for f in failures],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def wide_console(*, stderr: bool = False) -> Console:
    """A console that does not squeeze the table to 80 columns when output is piped."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, width=None if stream.isatty() else 200)
