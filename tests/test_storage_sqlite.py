"""The SQL backend on SQLite keeps the storage contract, and a few promises of its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest
import sqlalchemy as sa

import proforum
from proforum.adapters.sql import tables
from proforum.adapters.sql.storage import SqlStorage, SqlStorageFactory
from proforum.domain.common import CommunityId, MemberId, PostId
from proforum.domain.content import Post
from proforum.errors import AlreadyExists, NicknameTaken, NotFound, StorageError
from proforum.testing.contracts import T0, StorageContract, sample_meetup, sample_member
from sql_support import sqlite_url


@pytest.fixture
def sqlite_storage(tmp_path: Path) -> Iterator[SqlStorage]:
    storage = SqlStorageFactory().open(sqlite_url(tmp_path / "forum.db"))
    yield storage
    storage.close()


class TestSqliteFileStorage(StorageContract):
    @pytest.fixture
    def storage(self, sqlite_storage: SqlStorage) -> SqlStorage:
        return sqlite_storage


class TestSqliteMemoryStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> Iterator[SqlStorage]:
        storage = SqlStorageFactory().open("sqlite:///:memory:")
        yield storage
        storage.close()


def test_each_connection_uses_wal_a_busy_timeout_and_foreign_keys(
    sqlite_storage: SqlStorage,
) -> None:
    with sqlite_storage.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_every_unit_of_work_begins_immediate(sqlite_storage: SqlStorage) -> None:
    statements: list[str] = []
    sa.event.listen(
        sqlite_storage.engine,
        "before_cursor_execute",
        lambda *args: statements.append(args[2]),
    )
    with sqlite_storage.unit_of_work() as uow:
        uow.members.get(MemberId("mem_0001"))
    assert statements[0] == "BEGIN IMMEDIATE"
    assert len(statements) == 2


def test_read_then_write_units_of_work_are_serialised(sqlite_storage: SqlStorage) -> None:
    """Each thread reads the member count, waits, then adds the next member.

    With deferred transactions the threads would read the same count and clash
    (or fail with "database is locked" upgrading a stale snapshot); BEGIN
    IMMEDIATE makes them take turns, so every one of them succeeds.
    """
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with sqlite_storage.unit_of_work() as uow:
                n = len(uow.members.all()) + 1
                time.sleep(0.01)
                uow.members.add(sample_member(n))
                uow.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sqlite_storage.unit_of_work() as uow:
        assert [m.id for m in uow.members.all()] == [f"mem_{n:04d}" for n in range(1, 9)]


def test_a_caught_conflict_leaves_the_unit_of_work_usable(sqlite_storage: SqlStorage) -> None:
    with sqlite_storage.unit_of_work() as uow:
        uow.members.add(sample_member(1, nickname="Kevin"))
        uow.commit()
    with sqlite_storage.unit_of_work() as uow:
        with pytest.raises(NicknameTaken) as caught:
            uow.members.add(sample_member(2, nickname="KEVIN"))
        assert caught.value.value == "kevin"
        with pytest.raises(AlreadyExists) as exists:
            uow.members.add(sample_member(1))
        assert exists.value.params["entity"] == "member"
        uow.members.add(sample_member(3))
        uow.commit()
    with sqlite_storage.unit_of_work() as uow:
        assert [m.id for m in uow.members.all()] == ["mem_0001", "mem_0003"]


def test_updating_into_a_taken_nickname_is_refused(sqlite_storage: SqlStorage) -> None:
    kevin, other = sample_member(1, nickname="Kevin"), sample_member(2, nickname="Other")
    with sqlite_storage.unit_of_work() as uow:
        uow.members.add(kevin)
        uow.members.add(other)
        uow.commit()
    renamed = attrs.evolve(other, identity=kevin.identity)
    with pytest.raises(NicknameTaken), sqlite_storage.unit_of_work() as uow:
        uow.members.update(renamed)


def test_updating_a_missing_row_names_the_entity(sqlite_storage: SqlStorage) -> None:
    with pytest.raises(NotFound) as caught, sqlite_storage.unit_of_work() as uow:
        uow.meetups.update(sample_meetup(7))
    assert caught.value.params["entity"] == "meetup"
    assert caught.value.value == "mtp_0007"


def test_a_nested_unit_of_work_is_refused_instead_of_waiting(sqlite_storage: SqlStorage) -> None:
    with sqlite_storage.unit_of_work(), pytest.raises(StorageError):
        sqlite_storage.unit_of_work().__enter__()
    with sqlite_storage.unit_of_work() as uow:
        assert uow.members.all() == []


def test_times_in_other_zones_are_stored_as_utc(sqlite_storage: SqlStorage) -> None:
    seoul = ZoneInfo("Asia/Seoul")
    posts = [
        Post(
            PostId(f"pst_{i}"),
            CommunityId("com_0001"),
            MemberId("mem_0001"),
            "t",
            "b",
            T0 + timedelta(hours=i),
        )
        for i in range(3)
    ]
    with sqlite_storage.unit_of_work() as uow:
        for post in posts:
            uow.posts.add(post)
        uow.commit()
    with sqlite_storage.unit_of_work() as uow:
        # The keyset position given in Seoul time means the same instant.
        before = (posts[2].published_at.astimezone(seoul), posts[2].id)
        page = uow.posts.feed(CommunityId("com_0001"), limit=10, before=before)
        assert [p.id for p in page] == ["pst_1", "pst_0"]
        assert all(p.published_at.utcoffset() == timedelta(0) for p in page)
    with sqlite_storage.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT published_at FROM posts ORDER BY id").scalar()
        assert stored == "2026-12-01 01:00:00.000000"


def test_a_check_constraint_names_itself_but_not_the_values(sqlite_storage: SqlStorage) -> None:
    bad = attrs.evolve(sample_meetup(1), capacity=0)
    with pytest.raises(StorageError) as caught, sqlite_storage.unit_of_work() as uow:
        uow.meetups.add(bad)
    assert "ck_meetups_capacity" in str(caught.value)
    assert "zoom" not in str(caught.value)


def test_survey_responses_cannot_be_linked_to_anyone(sqlite_storage: SqlStorage) -> None:
    """Trust-practices S1: no time, nothing naming a member, random text keys, no rowid."""
    responses, answers = tables.survey_responses, tables.survey_answers
    assert set(responses.c.keys()) == {"id", "survey_id", "band"}
    assert set(answers.c.keys()) == {
        "response_id",
        "question_id",
        "item",
        "value",
        "choice",
        "text",
    }
    assert [c.name for c in responses.primary_key] == ["id"]
    assert isinstance(responses.c.id.type, sa.String)
    # Participation: who answered, with no time, not even a date.
    participations = tables.survey_participations
    assert set(participations.c.keys()) == {"survey_id", "member_id", "response_id"}
    for table in (responses, answers, participations):
        assert not table.foreign_keys
        assert not any(isinstance(c.type, sa.DateTime | sa.Date | sa.Time) for c in table.c)
    with sqlite_storage.engine.connect() as conn:
        for table in (responses, answers):
            ddl = conn.exec_driver_sql(
                f"SELECT sql FROM sqlite_master WHERE name = '{table.name}'"
            ).scalar()
            columns = conn.exec_driver_sql(f"PRAGMA table_info({table.name})").all()
            assert ddl is not None
            assert ddl.rstrip().endswith("WITHOUT ROWID"), table.name
            assert {c[1] for c in columns} == set(table.c.keys())
            assert not any(
                "DATE" in str(c[2]).upper() or "TIME" in str(c[2]).upper() for c in columns
            )


def test_proforum_open_finds_the_sql_backend(tmp_path: Path) -> None:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    url = sqlite_url(tmp_path / "forum.db")
    with proforum.open(url, plugin_manager=pm) as forum:
        assert forum.storage.name == "sql"
        member = forum.register_member(nickname="ROAS요정", job_function="marketing-pr")
    with proforum.open(url, plugin_manager=pm) as forum:
        assert forum.member(member.id) == member


def test_the_repr_and_url_hide_nothing_secret_and_no_password() -> None:
    storage = SqlStorageFactory().open("sqlite:///:memory:")
    try:
        assert repr(storage) == "SqlStorage('sqlite:///:memory:')"
    finally:
        storage.close()


def test_a_naive_datetime_is_refused_not_guessed(sqlite_storage: SqlStorage) -> None:
    naive = T0.replace(tzinfo=None)
    with pytest.raises(StorageError), sqlite_storage.unit_of_work() as uow:
        uow.posts.feed(CommunityId("com_0001"), limit=5, before=(naive, PostId("pst_1")))
