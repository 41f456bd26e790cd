"""The SQL backend on PostgreSQL keeps the storage contract, and a few promises of its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from proforum.adapters.sql.storage import SqlStorage, SqlStorageFactory
from proforum.domain.common import MemberId
from proforum.errors import AlreadyExists, NicknameTaken, StorageError
from proforum.testing.contracts import T0, StorageContract, sample_meetup, sample_member
from sql_support import postgres_database, postgres_schema


@pytest.fixture(scope="module")
def database() -> Iterator[URL]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def pg_url(database: URL) -> Iterator[str]:
    with postgres_schema(database) as url:
        yield url


@pytest.fixture
def pg_storage(pg_url: str) -> Iterator[SqlStorage]:
    storage = SqlStorageFactory().open(pg_url)
    yield storage
    storage.close()


class TestPostgresStorage(StorageContract):
    @pytest.fixture
    def storage(self, pg_storage: SqlStorage) -> SqlStorage:
        return pg_storage


def test_the_session_runs_read_committed(pg_storage: SqlStorage) -> None:
    with pg_storage.engine.connect() as conn:
        level = conn.exec_driver_sql("SHOW transaction_isolation").scalar()
    assert level == "read committed"


def test_ids_sort_by_code_point_whatever_the_database_collation(pg_storage: SqlStorage) -> None:
    # Under an en-US collation "alpha" < "a_b" < "Zed"; by code point it is the reverse.
    ids = ["alpha", "a_b", "a-b", "Zed", "a.b", "B9"]
    members = [attrs.evolve(sample_member(1), id=MemberId(i), registered_at=T0) for i in ids]
    with pg_storage.unit_of_work() as uow:
        for member in members:
            uow.members.add(member)
        uow.commit()
    with pg_storage.unit_of_work() as uow:
        assert [m.id for m in uow.members.all()] == sorted(ids)


def test_after_a_conflict_nothing_is_committed_until_rollback(pg_storage: SqlStorage) -> None:
    """PostgreSQL discards the transaction on a failed statement: say so, never commit half."""
    with pg_storage.unit_of_work() as uow:
        uow.members.add(sample_member(1, nickname="Kevin"))
        uow.commit()
    with pg_storage.unit_of_work() as uow:
        uow.members.add(sample_member(2))
        with pytest.raises(NicknameTaken):
            uow.members.add(sample_member(3, nickname="kevin"))
        with pytest.raises(StorageError, match="roll back"):
            uow.members.add(sample_member(4))
        with pytest.raises(StorageError, match="roll back"):
            uow.commit()
        uow.rollback()
        with pytest.raises(AlreadyExists):  # the unit of work works again after rollback
            uow.members.add(sample_member(1))
        uow.rollback()
        uow.members.add(sample_member(5))
        uow.commit()
    with pg_storage.unit_of_work() as uow:
        assert [m.id for m in uow.members.all()] == ["mem_0001", "mem_0005"]


def test_datetimes_come_back_aware_utc_whatever_the_session_zone(pg_url: str) -> None:
    url = sa.make_url(pg_url)
    options = url.query["options"]
    seoul = url.update_query_dict({"options": f"{options} -ctimezone=Asia/Seoul"})
    storage = SqlStorageFactory().open(seoul.render_as_string(hide_password=False))
    try:
        meetup = sample_meetup(1)
        with storage.unit_of_work() as uow:
            uow.meetups.add(meetup)
            uow.commit()
        with storage.unit_of_work() as uow:
            got = uow.meetups.get(meetup.id)
        assert got == meetup
        assert got is not None
        assert got.starts_at.utcoffset() == timedelta(0)
        assert got.starts_at.tzinfo is not None
    finally:
        storage.close()


def test_a_check_constraint_names_itself_but_not_the_values(pg_storage: SqlStorage) -> None:
    bad = attrs.evolve(sample_meetup(1), capacity=0)
    with pytest.raises(StorageError) as caught, pg_storage.unit_of_work() as uow:
        uow.meetups.add(bad)
    assert "ck_meetups_capacity" in str(caught.value)
    assert "zoom" not in str(caught.value)
