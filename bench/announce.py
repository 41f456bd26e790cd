"""Announce fan-out: announcing a meetup writes one outbox message per community member.

* **proforum**: ``forum.announce_meetup`` on a forum opened with
  ``deliver="manual"`` (the messages stay in the outbox), in a community of N
  members.
* **baseline**: the same N outbox rows written in one transaction — one
  SQLAlchemy Core ``executemany`` into ``messages`` on SQL databases; on other
  storage one ``messages.add_many`` through the storage port.  The baseline
  builds its rows (fresh ids, the kind, channel and parameters of a message
  the announcement wrote) inside the timed region, as any real implementation
  would.

The statements proforum sends for one announcement are counted too: a count
that grows with N (compare the sizes) is an N+1.

Between repeats the outbox is emptied (untimed) so every repeat writes into
the same table size; the memory backend has no port for that, so there the
outbox keeps growing (inserts into a dict do not slow down with its size).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bench import data
from bench.harness import Benchmark, Case, Database, Result, Side, compare
from proforum.adapters.sql import tables as t
from proforum.domain.common import MemberId, MessageId
from proforum.domain.meetup import Meetup
from proforum.domain.notification import Message

TARGET = 2.0


def _clear_outbox(database: Database) -> None:
    if database.raw is None:
        return
    with database.raw.begin() as conn:
        if database.backend == "postgresql":
            conn.exec_driver_sql("TRUNCATE messages")
        else:
            conn.execute(sa.delete(t.messages))


def run(database: Database, case: Case) -> list[Result]:
    """Announce to ``case.n`` members, against writing the same outbox rows directly."""
    forum = database.forum
    operator, community = data.founded_community(forum)
    people = data.members(case.n - 1, data.SeededIds(1))
    data.load(database, people, data.memberships(community.id, people))
    recipients = [operator.id, *(p.id for p in people)]

    drafts: list[Meetup] = []
    sample: list[Message] = []

    def prepare() -> None:
        _clear_outbox(database)
        now = forum.clock.now()
        drafts.append(
            forum.create_meetup(
                operator.id,
                community.id,
                title="퍼포먼스 마케터끼리 만나요!",
                topic="퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
                starts_at=now + timedelta(days=14),
                ends_at=now + timedelta(days=14, hours=2),
                capacity=30,
                applications_open_at=now,
                applications_close_at=now + timedelta(days=7),
            )
        )

    def announce() -> None:
        forum.announce_meetup(operator.id, drafts[-1].id)

    measured = compare(
        Side(announce, prepare=prepare, engine=database.engine),
        Side(
            _baseline(database, recipients, sample),
            prepare=lambda: _clear_outbox(database),
            engine=database.raw,
        ),
        repeats=case.repeats,
        # After proforum's warm-up: the baseline copies one of the messages it wrote.
        between=lambda: sample.append(_one_message(database)),
    )
    notes = ""
    if measured.statements is not None:
        notes = f"{measured.statements:,} statements for {case.n:,} members"
        if measured.statements >= case.n:
            notes += ": N+1"
    return [
        Result.of(
            measured,
            benchmark="announce",
            operation="announce fan-out",
            backend=database.backend,
            case=case,
            unit="members",
            target=TARGET,
            baseline=(
                "Core executemany of N messages, one transaction"
                if database.raw is not None
                else "messages.add_many of N messages through the storage port"
            ),
            notes=notes,
        )
    ]


def _one_message(database: Database) -> Message:
    """A message the announcement wrote: the baseline copies its kind, channel and parameters."""
    with database.forum.storage.unit_of_work() as uow:
        found = uow.messages.pending(1)
    if not found:
        raise RuntimeError("announce_meetup wrote no message")
    return found[0]


def _baseline(
    database: Database, recipients: Sequence[MemberId], sample: Sequence[Message]
) -> Callable[[], None]:
    """Write one message per recipient like ``sample[0]`` (read after proforum's warm-up)."""
    raw = database.raw
    if raw is not None:
        insert = sa.insert(t.messages)

        def executemany() -> None:
            kind, channel, params = sample[0].kind, sample[0].channel, dict(sample[0].params)
            now = datetime.now(UTC)
            rows = [
                {
                    "id": f"msg_{uuid.uuid4().hex}",
                    "recipient_id": recipient,
                    "kind": kind.value,
                    "channel": channel,
                    "created_at": now,
                    "params": params,
                    "status": "pending",
                    "attempts": 0,
                }
                for recipient in recipients
            ]
            with raw.begin() as conn:
                conn.execute(insert, rows)

        return executemany

    storage = database.forum.storage

    def through_port() -> None:
        kind, channel, params = sample[0].kind, sample[0].channel, dict(sample[0].params)
        now = datetime.now(UTC)
        messages = [
            Message(
                id=MessageId(f"msg_{uuid.uuid4().hex}"),
                recipient_id=recipient,
                kind=kind,
                channel=channel,
                created_at=now,
                params=params,
            )
            for recipient in recipients
        ]
        with storage.unit_of_work() as uow:
            uow.messages.add_many(messages)
            uow.commit()

    return through_port


BENCHMARK = Benchmark(
    name="announce",
    description="announce_meetup to N members vs executemany of N outbox rows",
    sizes={"tiny": 200, "small": 10_000, "full": 100_000},
    unit="members",
    run=run,
)
