"""Writing to and asking about many members costs a fixed number of SQL statements.

A message to a whole community is written with one ``executemany`` ``INSERT``
(``add_many``), the members who switched its kind off are found with one
query (``switched_off``), and the pending messages about a meetup are
withdrawn with one ``UPDATE`` (``withdraw``), whether ten members are
concerned or thousands.  Statements are counted on the storage's engine with a
``before_cursor_execute`` listener, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from proforum.adapters.sql.storage import MAX_LISTED_IDS, SqlStorage, SqlStorageFactory
from proforum.domain.common import MemberId, MessageId
from proforum.domain.notification import DeliveryStatus, Message, MessageKind
from proforum.domain.preferences import NotificationPreference
from proforum.ports.storage import UnitOfWork
from proforum.testing.contracts import T0, sample_member, sample_message
from sql_support import postgres_database, postgres_schema, sqlite_url

KIND = MessageKind.MEETUP_ANNOUNCED
CHANNELS = ("inbox", "smtp")


@pytest.fixture(scope="module")
def pg_database() -> Iterator[URL]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStorage]:
    """An empty SQL storage of each kind."""
    if request.param == "sqlite":
        opened = SqlStorageFactory().open(sqlite_url(tmp_path / "forum.db"))
        yield opened
        opened.close()
        return
    with postgres_schema(request.getfixturevalue("pg_database")) as url:
        opened = SqlStorageFactory().open(url)
        yield opened
        opened.close()


@attrs.define
class Statement:
    """One statement the driver was handed, and whether with many parameter sets."""

    sql: str
    many: bool

    @property
    def verb(self) -> str:
        """``INSERT``, ``SELECT``, ``UPDATE``... (or ``BEGIN``)."""
        return self.sql.lstrip().split(None, 1)[0].upper()


def statements_of(
    storage: SqlStorage, work: Callable[[UnitOfWork], Any]
) -> tuple[list[Statement], Any]:
    """Run ``work`` in a unit of work that already began; return its statements and result.

    The unit of work reads once first, so SQLite's ``BEGIN IMMEDIATE`` is not
    counted as part of ``work``; it commits afterwards.
    """
    seen: list[Statement] = []

    def record(
        _conn: object,
        _cursor: object,
        statement: str,
        _parameters: object,
        _context: object,
        executemany: bool,
    ) -> None:
        seen.append(Statement(statement, executemany))

    with storage.unit_of_work() as uow:
        uow.members.get(MemberId("mem_0000"))
        sa.event.listen(storage.engine, "before_cursor_execute", record)
        try:
            result = work(uow)
        finally:
            sa.event.remove(storage.engine, "before_cursor_execute", record)
        uow.commit()
    return seen, result


def _messages(count: int, *, first: int = 0, subject: str | None = None) -> list[Message]:
    return [
        attrs.evolve(
            sample_message(n, recipient=n),
            id=MessageId(f"msg_{n:06d}"),
            kind=MessageKind.REMINDER,
            subject=subject,
        )
        for n in range(first, first + count)
    ]


def _members(count: int) -> list[MemberId]:
    return [MemberId(f"mem_{n:04d}") for n in range(count)]


# --------------------------------------------------------------------------- add_many


def test_add_many_is_one_executemany_insert(storage: SqlStorage) -> None:
    few, many = _messages(10), _messages(1000, first=10)
    small, _ = statements_of(storage, lambda uow: uow.messages.add_many(few))
    large, _ = statements_of(storage, lambda uow: uow.messages.add_many(many))
    none, _ = statements_of(storage, lambda uow: uow.messages.add_many([]))
    for seen in (small, large):
        assert [(s.verb, s.many) for s in seen] == [("INSERT", True)]
        assert "INTO messages" in seen[0].sql
    assert none == []
    with storage.unit_of_work() as uow:
        stored = uow.messages.all()
    assert len(stored) == 1010
    assert {m.id: m for m in stored} == {m.id: m for m in (*few, *many)}


# --------------------------------------------------------------------------- switched_off


def _fill_preferences(storage: SqlStorage, members: int) -> None:
    """Every third member switched the kind off on one channel, every fifth switched it on."""
    with storage.unit_of_work() as uow:
        for n, member in enumerate(_members(members)):
            if n % 3 == 0:
                uow.preferences.put(NotificationPreference(member, CHANNELS[n % 2], KIND, False))
            elif n % 5 == 0:
                uow.preferences.put(NotificationPreference(member, "smtp", KIND, True))
        uow.commit()


def test_switched_off_is_one_query_whatever_the_number_of_members(storage: SqlStorage) -> None:
    count = 3 * MAX_LISTED_IDS
    _fill_preferences(storage, count)
    everyone = _members(count)
    expected = {(m, CHANNELS[n % 2]) for n, m in enumerate(everyone) if n % 3 == 0}
    outcomes = {}

    def switched_off(uow: UnitOfWork, members: list[MemberId] | None) -> set[tuple[MemberId, str]]:
        return uow.preferences.switched_off(KIND, CHANNELS, members)

    asked: list[tuple[str, list[MemberId] | None]] = [
        ("ten", everyone[:10]),
        ("listed", everyone[:MAX_LISTED_IDS]),
        ("one parameter", everyone),
        ("everyone", None),
    ]
    for label, members in asked:
        seen, off = statements_of(storage, partial(switched_off, members=members))
        assert [(s.verb, s.many) for s in seen] == [("SELECT", False)], label
        outcomes[label] = off
    assert outcomes["ten"] == {pair for pair in expected if pair[0] in everyone[:10]}
    assert outcomes["listed"] == {pair for pair in expected if pair[0] in everyone[:MAX_LISTED_IDS]}
    assert outcomes["one parameter"] == outcomes["everyone"] == expected


def test_more_ids_than_a_statement_may_carry_are_one_query(storage: SqlStorage) -> None:
    """70,000 ids (PostgreSQL takes at most 65,535 parameters) in one read.

    Closing a meetup of that many applicants reads them with
    ``members.get_many``; a long ``IN`` list used to fail on PostgreSQL.
    """
    stored = [sample_member(1), sample_member(2)]
    with storage.unit_of_work() as uow:
        for member in stored:
            uow.members.add(member)
        uow.commit()
    wanted = [MemberId(f"mem_{n:06d}") for n in range(3, 70_003)] + [m.id for m in stored]
    seen, found = statements_of(storage, lambda uow: uow.members.get_many(wanted))
    assert found == {m.id: m for m in stored}
    assert [(s.verb, s.many) for s in seen] == [("SELECT", False)]
    ids = [MessageId(f"msg_{n:06d}") for n in range(70_000)]
    with storage.unit_of_work() as uow:  # the outbox's own lists of ids
        assert uow.messages.release(ids, "nobody") == 0
        assert uow.messages.requeue(ids) == 0
        assert uow.messages.claim(10, T0, timedelta(minutes=1), "nobody", ids=ids) == []


def test_a_choice_is_one_upsert(storage: SqlStorage) -> None:
    member = MemberId("mem_0001")
    off = NotificationPreference(member, "smtp", KIND, False)
    first, _ = statements_of(storage, lambda uow: uow.preferences.put(off))
    again, _ = statements_of(
        storage, lambda uow: uow.preferences.put(attrs.evolve(off, enabled=True))
    )
    for seen in (first, again):
        assert [s.verb for s in seen] == ["INSERT"]
        assert "ON CONFLICT" in seen[0].sql
    with storage.unit_of_work() as uow:
        assert list(uow.preferences.all()) == [attrs.evolve(off, enabled=True)]


# --------------------------------------------------------------------------- withdraw


def test_withdraw_is_one_update_whatever_the_number_of_recipients(storage: SqlStorage) -> None:
    count = 3 * MAX_LISTED_IDS
    with storage.unit_of_work() as uow:
        uow.messages.add_many(_messages(count, subject="mtp_0001"))
        uow.commit()
    recipients = [m.recipient_id for m in _messages(count)]
    asked: list[tuple[str, list[MemberId] | None, int]] = [
        ("ten", recipients[:10], 10),
        ("one parameter", recipients[10 : 10 + 2 * MAX_LISTED_IDS], 2 * MAX_LISTED_IDS),
        ("everyone", None, count - 10 - 2 * MAX_LISTED_IDS),
        ("nobody left", None, 0),
    ]

    def withdraw(uow: UnitOfWork, recipients: list[MemberId] | None) -> int:
        return uow.messages.withdraw("mtp_0001", MessageKind.REMINDER, recipients, T0)

    for label, chosen, withdrawn in asked:
        seen, n = statements_of(storage, partial(withdraw, recipients=chosen))
        assert [(s.verb, s.many) for s in seen] == [("UPDATE", False)], label
        assert n == withdrawn, label
    with storage.unit_of_work() as uow:
        assert {m.status for m in uow.messages.all()} == {DeliveryStatus.CANCELLED}


def test_withdraw_uses_the_subject_index(storage: SqlStorage) -> None:
    """The planner finds the messages about a subject through ``ix_messages_subject``."""
    with storage.unit_of_work() as uow:
        uow.messages.add_many(_messages(200, subject="mtp_0001"))
        uow.messages.add_many(_messages(200, first=200, subject=None))
        uow.commit()
    where = "subject = 'mtp_0001' AND kind = 'reminder' AND status = 'pending'"
    statement = f"UPDATE messages SET status = 'cancelled' WHERE {where}"
    with storage.engine.connect() as conn:
        if storage.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE messages")
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}"))
        else:
            plan = "\n".join(
                str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")
            )
        conn.rollback()
    assert "ix_messages_subject" in plan
