"""The memory backend keeps the storage contract every backend keeps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from proforum.adapters.memory import MemoryStorage, MemoryStorageFactory
from proforum.errors import StorageError
from proforum.testing.contracts import StorageContract, sample_member


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> Iterator[MemoryStorage]:
        storage = MemoryStorageFactory().open("memory://")
        yield storage
        storage.close()


def test_each_memory_url_opens_a_separate_storage() -> None:
    factory = MemoryStorageFactory()
    first, second = factory.open("memory://"), factory.open("memory://")
    with first.unit_of_work() as uow:
        uow.members.add(sample_member(1))
        uow.commit()
    with second.unit_of_work() as uow:
        assert uow.members.all() == []


def test_a_nested_unit_of_work_is_refused_instead_of_deadlocking() -> None:
    storage = MemoryStorage()
    with storage.unit_of_work(), pytest.raises(StorageError):
        storage.unit_of_work().__enter__()
    with storage.unit_of_work() as uow:  # the lock was released
        assert uow.members.all() == []
