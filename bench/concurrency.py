"""Concurrency on PostgreSQL: 8 processes applying to one meetup at the same time.

* **proforum**: 8 worker processes (``multiprocessing``, ``spawn``), each with
  its own forum on the same database, each calling ``forum.apply`` for its own
  M members, one after the other, on one open meetup.  The workers open their
  forums and warm up first; a barrier then starts all of them (and the clock,
  in the parent) together, and the clock stops when the last one reports.
* **baseline**: the same 8 processes and members, each application what a
  hand-written application would do in one transaction of its own on a plain
  engine: lock the meetup row (``SELECT … FOR UPDATE``, as ``apply`` does, so
  that a later capacity or window check could rely on it), check the
  membership, ``INSERT`` the application and ``INSERT`` its confirmation into
  the outbox.  No retry loop.

Reported per application (``per="application"``): the time, so applications
per second is its inverse, given in the notes with the **share of retries**:
use-case retries (each one a :class:`~proforum.errors.TransientConflict` that
:func:`~proforum.services.retry.retry_transient` ran again, counted from the
log record it writes per retry, ``extra={"proforum_retry": name}``) over
applications.  After every proforum round the benchmark checks that every
application was stored exactly once, in the ``applied`` state, with exactly
one confirmation message: a retried attempt must leave nothing behind.
Statements are counted in the workers (every worker's engine) and reported
per application.

The issue sets no ratio target for this benchmark (it asks for applications
per second and the share of retries); the row carries 3, the suite's usual
write-path target, as a yardstick only.

Only PostgreSQL: SQLite serialises writers on one database lock (nothing
concurrent to measure beyond its busy timeout) and ``memory://`` cannot be
shared between processes.  On those backends the benchmark produces no row.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.synchronize
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from typing import Any

import sqlalchemy as sa

from bench import data
from bench.harness import (
    Benchmark,
    Case,
    Comparison,
    Database,
    Result,
    StatementCounter,
    Timing,
    open_forum,
)
from proforum.adapters.sql import tables as t
from proforum.adapters.sql.storage import SqlStorage
from proforum.domain.common import CommunityId, MeetupId, MemberId
from proforum.domain.meetup import ApplicationState
from proforum.domain.notification import MessageKind

TARGET = 3.0
WORKERS = 8
#: Seconds a worker or the parent waits at the barrier, or for a result, before giving up.
TIMEOUT = 300.0


class RetryCounter(logging.Handler):
    """Counts the retries :func:`proforum.services.retry.retry_transient` logs.

    It writes one INFO record per retry on the ``proforum`` logger, marked with
    ``extra={"proforum_retry": <use case name>}``; other records are ignored.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count ``record`` if it is a retry."""
        if getattr(record, "proforum_retry", None) is not None:
            self.count += 1


@dataclass(frozen=True)
class Round:
    """One round's orders to a worker: which side, which meetup, and for the baseline the outbox row."""

    side: str
    meetup_id: MeetupId
    community_id: CommunityId
    channel: str = ""
    params: dict[str, Any] | None = None


@dataclass(frozen=True)
class Report:
    """What a worker did in one round."""

    applied: int
    retries: int
    statements: int
    error: str | None = None


def _worker(
    url: str,
    members: Sequence[str],
    barrier: multiprocessing.synchronize.Barrier,
    orders: Queue[Round | None],
    reports: Queue[Report],
) -> None:
    """One worker process: open a forum and a plain engine, then run rounds until told to stop."""
    forum = open_forum(url)
    raw = sa.create_engine(url)
    counter = RetryCounter()
    logger = logging.getLogger("proforum")
    logger.addHandler(counter)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the records are counted, not printed
    storage = forum.storage
    assert isinstance(storage, SqlStorage)
    try:
        while (order := orders.get(timeout=TIMEOUT)) is not None:
            statements = StatementCounter()
            engine = storage.engine if order.side == "proforum" else raw
            retries_before = counter.count
            barrier.wait(TIMEOUT)
            try:
                with statements.on(engine):
                    if order.side == "proforum":
                        for member in members:
                            forum.apply(MemberId(member), order.meetup_id)
                    else:
                        _apply_raw(raw, order, members)
            except Exception:
                reports.put(Report(0, 0, 0, traceback.format_exc()))
                continue
            reports.put(Report(len(members), counter.count - retries_before, statements.count))
    finally:
        raw.dispose()
        forum.close()


def _apply_raw(raw: sa.Engine, order: Round, members: Sequence[str]) -> None:
    """The baseline: per member one transaction that locks, checks and writes two rows."""
    lock = sa.select(t.meetups.c.state).where(t.meetups.c.id == order.meetup_id).with_for_update()
    membership = sa.select(sa.literal(1)).where(
        t.memberships.c.community_id == order.community_id,
        t.memberships.c.member_id == sa.bindparam("m"),
    )
    for member in members:
        now = datetime.now(UTC)
        with raw.begin() as conn:
            conn.execute(lock).scalar_one()
            conn.execute(membership, {"m": member}).scalar_one()
            conn.execute(
                sa.insert(t.applications),
                {
                    "meetup_id": order.meetup_id,
                    "member_id": member,
                    "state": ApplicationState.APPLIED.value,
                    "applied_at": now,
                    "updated_at": now,
                },
            )
            conn.execute(
                sa.insert(t.messages),
                {
                    "id": f"msg_{uuid.uuid4().hex}",
                    "recipient_id": member,
                    "kind": MessageKind.APPLICATION_RECEIVED.value,
                    "channel": order.channel,
                    "created_at": now,
                    "params": order.params or {},
                    "status": "pending",
                    "attempts": 0,
                },
            )


@dataclass
class _Pool:
    """The worker processes, their barrier and queues."""

    processes: Sequence[multiprocessing.process.BaseProcess]
    barrier: multiprocessing.synchronize.Barrier
    orders: list[Queue[Round | None]]
    reports: Queue[Report]

    def round(self, orders: Sequence[Round]) -> tuple[float, list[Report]]:
        """Start every worker on its order together; the wall time until the last reports."""
        for queue, order in zip(self.orders, orders, strict=True):
            queue.put(order)
        self.barrier.wait(TIMEOUT)
        start = time.perf_counter()
        found = [self.reports.get(timeout=TIMEOUT) for _ in self.processes]
        elapsed = time.perf_counter() - start
        errors = [r.error for r in found if r.error is not None]
        if errors:
            raise RuntimeError(f"a worker failed:\n{errors[0]}")
        return elapsed, found

    def stop(self) -> None:
        for queue in self.orders:
            queue.put(None)
        for process in self.processes:
            process.join(30)
            if process.is_alive():
                process.terminate()


def run(database: Database, case: Case) -> list[Result]:
    """8 processes apply ``case.n // 8`` members each to one meetup, proforum then baseline."""
    if database.backend != "postgresql" or database.raw is None:
        return []  # skipped: see the module's docstring
    forum = database.forum
    operator, community = data.founded_community(forum)
    per_worker = case.n // WORKERS
    people = data.members(per_worker * WORKERS, data.SeededIds(5))
    data.load(database, people, data.memberships(community.id, people))
    ids = [str(p.id) for p in people]
    url = database.raw.url.render_as_string(hide_password=False)

    def meetup() -> MeetupId:
        now = forum.clock.now()
        made = forum.create_meetup(
            operator.id,
            community.id,
            title="동시 신청 벤치마크",
            topic="8개 프로세스가 동시에 신청",
            starts_at=now + timedelta(days=14),
            ends_at=now + timedelta(days=14, hours=2),
            capacity=30,
            applications_open_at=now,
            applications_close_at=now + timedelta(days=7),
        )
        forum.announce_meetup(operator.id, made.id)
        return made.id

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS + 1)
    reports: Queue[Report] = context.Queue()
    orders: list[Queue[Round | None]] = [context.Queue() for _ in range(WORKERS)]
    processes = [
        context.Process(
            target=_worker,
            args=(url, ids[i * per_worker : (i + 1) * per_worker], barrier, orders[i], reports),
            daemon=True,
        )
        for i in range(WORKERS)
    ]
    for process in processes:
        process.start()
    pool = _Pool(processes, barrier, orders, reports)
    try:
        return [_measure(database, case, pool, meetup, community.id, len(ids))]
    finally:
        pool.stop()


def _measure(
    database: Database,
    case: Case,
    pool: _Pool,
    meetup: Callable[[], MeetupId],
    community_id: CommunityId,
    total: int,
) -> Result:
    def proforum_round() -> tuple[float, list[Report]]:
        meetup_id = meetup()
        found = pool.round([Round("proforum", meetup_id, community_id)] * WORKERS)
        _check(database, meetup_id, total)
        return found

    # Warm-up rounds, untimed: the workers' pools, caches and imports settle.
    proforum_round()
    channel, params = _confirmation(database)

    def baseline_round() -> tuple[float, list[Report]]:
        meetup_id = meetup()
        order = Round(
            "baseline", meetup_id, community_id, channel, params | {"meetup_id": meetup_id}
        )
        return pool.round([order] * WORKERS)

    baseline_round()
    ours: list[float] = []
    theirs: list[float] = []
    retries = 0
    statements = baseline_statements = 0
    for _ in range(max(case.repeats, 1)):
        elapsed, reports = proforum_round()
        ours.append(elapsed / total)
        retries += sum(r.retries for r in reports)
        statements = sum(r.statements for r in reports)
        elapsed, reports = baseline_round()
        theirs.append(elapsed / total)
        baseline_statements = sum(r.statements for r in reports)
    applications = total * max(case.repeats, 1)
    measured = Comparison(
        Timing(tuple(ours)),
        Timing(tuple(theirs)),
        round(statements / total),
        round(baseline_statements / total),
    )
    best = min(ours)
    return Result.of(
        measured,
        benchmark="concurrency",
        operation=f"{WORKERS} processes apply",
        backend=database.backend,
        case=case,
        unit="applications",
        target=TARGET,
        baseline="per application: SELECT … FOR UPDATE, membership check, two INSERTs,"
        " one transaction, plain engine, no retries",
        per="application",
        notes=(
            f"{1 / best:,.0f} applications/s (baseline {1 / min(theirs):,.0f});"
            f" retries {retries:,} of {applications:,} applications"
            f" ({retries / applications:.1%}); every application stored once;"
            " target: yardstick, none in the issue"
        ),
    )


def _confirmation(database: Database) -> tuple[str, dict[str, Any]]:
    """The channel and parameters of a confirmation proforum wrote, for the baseline to copy."""
    assert database.raw is not None
    with database.raw.connect() as conn:
        row = conn.execute(
            sa.select(t.messages.c.channel, t.messages.c.params)
            .where(t.messages.c.kind == MessageKind.APPLICATION_RECEIVED.value)
            .limit(1)
        ).one()
    return str(row.channel), dict(row.params)


def _check(database: Database, meetup_id: MeetupId, total: int) -> None:
    """Every application stored exactly once, applied, with exactly one confirmation."""
    assert database.raw is not None
    a = t.applications
    with database.raw.connect() as conn:
        stored = conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(sa.distinct(a.c.member_id)),
                sa.func.count().filter(a.c.state == ApplicationState.APPLIED.value),
            ).where(a.c.meetup_id == meetup_id)
        ).one()
        confirmations = conn.execute(
            sa.select(sa.func.count(), sa.func.count(sa.distinct(t.messages.c.recipient_id))).where(
                t.messages.c.kind == MessageKind.APPLICATION_RECEIVED.value,
                t.messages.c.params["meetup_id"].as_string() == meetup_id,
            )
        ).one()
    if tuple(stored) != (total, total, total):
        raise RuntimeError(f"applications (rows, members, applied) = {tuple(stored)}, not {total}")
    if tuple(confirmations) != (total, total):
        raise RuntimeError(
            f"confirmations (rows, recipients) = {tuple(confirmations)}, not {total}"
        )


BENCHMARK = Benchmark(
    name="concurrency",
    description="8 processes applying to one meetup at once (PostgreSQL only)",
    sizes={"tiny": 8 * 10, "small": 8 * 100, "full": 8 * 500},
    unit="applications",
    run=run,
)
