"""In-memory tables with unique and grouping indexes and copy-on-write transactions.

A :class:`Table` holds committed rows.  A :class:`TxTable` is one transaction's
view of it: writes go to a private overlay, reads see the overlay first, and
:meth:`TxTable.apply` publishes the overlay at commit.  Rows are immutable attrs
instances, so sharing them between the table and callers is safe.

Commit and rollback cost is proportional to what the transaction wrote, not to
the size of the table, so application test suites with large fixtures stay fast.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

from proforum.errors import AlreadyExists, NotFound, ProforumError

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_DELETED = object()

UniqueViolation = Callable[[object], ProforumError]


class Table(Generic[K, V]):
    """Committed rows of one entity type.

    :param entity: the entity name used in :class:`AlreadyExists` errors.
    :param key: extracts the primary key of a row.
    :param unique: secondary unique keys; a function returning ``None`` means the
        row does not take part in that index (like a NULL in SQL).
    :param groups: non-unique grouping keys for fast "all rows of X" lookups.
    :param on_unique: builds the error raised when a unique index would clash.
    """

    def __init__(
        self,
        entity: str,
        key: Callable[[V], K],
        *,
        unique: dict[str, Callable[[V], Hashable | None]] | None = None,
        groups: dict[str, Callable[[V], Hashable]] | None = None,
        on_unique: dict[str, UniqueViolation] | None = None,
    ) -> None:
        self.entity = entity
        self.key = key
        self.unique = unique or {}
        self.groups = groups or {}
        self.on_unique = on_unique or {}
        self.rows: dict[K, V] = {}
        self.unique_index: dict[str, dict[Hashable, K]] = {name: {} for name in self.unique}
        self.group_index: dict[str, dict[Hashable, dict[K, None]]] = {n: {} for n in self.groups}

    def _unindex(self, key: K, row: V) -> None:
        for name, fn in self.unique.items():
            value = fn(row)
            if value is not None:
                self.unique_index[name].pop(value, None)
        for name, gfn in self.groups.items():
            bucket = self.group_index[name].get(gfn(row))
            if bucket is not None:
                bucket.pop(key, None)

    def _index(self, key: K, row: V) -> None:
        for name, fn in self.unique.items():
            value = fn(row)
            if value is not None:
                self.unique_index[name][value] = key
        for name, gfn in self.groups.items():
            self.group_index[name].setdefault(gfn(row), {})[key] = None

    def write(self, key: K, row: object) -> None:
        """Store (or delete, for the private sentinel) one committed row."""
        old = self.rows.get(key)
        if old is not None:
            self._unindex(key, old)
        if row is _DELETED:
            self.rows.pop(key, None)
            return
        new: V = row  # type: ignore[assignment]
        self.rows[key] = new
        self._index(key, new)


class TxTable(Generic[K, V]):
    """One transaction's view of a :class:`Table`."""

    def __init__(self, table: Table[K, V]) -> None:
        self._table = table
        self._overlay: dict[K, object] = {}

    # -- reads ---------------------------------------------------------------

    def table_key(self, row: V) -> K:
        """The primary key of ``row`` in this table."""
        return self._table.key(row)

    def get(self, key: K) -> V | None:
        """Return the row with primary key ``key`` as this transaction sees it."""
        if key in self._overlay:
            row = self._overlay[key]
            return None if row is _DELETED else row  # type: ignore[return-value]
        return self._table.rows.get(key)

    def find(self, index: str, value: Hashable) -> V | None:
        """Return the row whose unique ``index`` equals ``value``."""
        fn = self._table.unique[index]
        for row in self._overlay.values():
            if row is not _DELETED and fn(row) == value:  # type: ignore[arg-type]
                return row  # type: ignore[return-value]
        key = self._table.unique_index[index].get(value)
        if key is None or key in self._overlay:
            return None
        return self._table.rows.get(key)

    def group(self, index: str, value: Hashable) -> list[V]:
        """Return every row whose grouping ``index`` equals ``value`` (unordered)."""
        fn = self._table.groups[index]
        result: list[V] = []
        for key in self._table.group_index[index].get(value, {}):
            if key not in self._overlay:
                result.append(self._table.rows[key])
        for row in self._overlay.values():
            if row is not _DELETED and fn(row) == value:  # type: ignore[arg-type]
                result.append(row)  # type: ignore[arg-type]
        return result

    def values(self) -> Iterator[V]:
        """Every row as this transaction sees it (unordered)."""
        for key, row in self._table.rows.items():
            if key not in self._overlay:
                yield row
        for pending in self._overlay.values():
            if pending is not _DELETED:
                yield pending  # type: ignore[misc]

    # -- writes --------------------------------------------------------------

    def _check_unique(self, key: K, row: V) -> None:
        for name, fn in self._table.unique.items():
            value = fn(row)
            if value is None:
                continue
            other = self.find(name, value)
            if other is not None and self._table.key(other) != key:
                make = self._table.on_unique.get(name)
                raise make(value) if make else AlreadyExists(value, entity=self._table.entity)

    def insert(self, row: V) -> None:
        """Add a new row; raise :class:`AlreadyExists` if the key or a unique index clashes."""
        key = self._table.key(row)
        if self.get(key) is not None:
            raise AlreadyExists(key, entity=self._table.entity)
        self._check_unique(key, row)
        self._overlay[key] = row

    def update(self, row: V) -> None:
        """Replace an existing row; the row must exist."""
        key = self._table.key(row)
        if self.get(key) is None:
            raise NotFound(key, entity=self._table.entity)
        self._check_unique(key, row)
        self._overlay[key] = row

    def delete(self, key: K) -> None:
        """Remove the row with primary key ``key`` if it exists."""
        if self.get(key) is not None:
            self._overlay[key] = _DELETED

    # -- commit --------------------------------------------------------------

    def apply(self) -> None:
        """Publish this transaction's writes to the committed table."""
        for key, row in self._overlay.items():
            self._table.write(key, row)
        self._overlay.clear()

    def discard(self) -> None:
        """Forget this transaction's writes."""
        self._overlay.clear()
