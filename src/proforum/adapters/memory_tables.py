"""In-memory tables with unique and grouping indexes and copy-on-write transactions.

A :class:`Table` holds committed rows.  A :class:`TxTable` is one transaction's
view of it: writes go to a private overlay, reads see the overlay first, and
:meth:`TxTable.apply` publishes the overlay at commit.  Rows are immutable attrs
instances, so sharing them between the table and callers is safe.

Commit and rollback cost is proportional to what the transaction wrote, not to
the size of the table, so application test suites with large fixtures stay fast.
An *ordered* index keeps a group's rows sorted (:meth:`TxTable.descending`),
so reading the first rows below a keyset position costs a binary search and
those rows, not a sort of the whole group: a feed page costs the same on page
one and deep down, like a range scan of a database index.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, TypeVar

from proforum.errors import AlreadyExists, NotFound, ProforumError

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_DELETED = object()

UniqueViolation = Callable[[object], ProforumError]
#: An ordered index: the group a row belongs to (``None``: left out of the
#: index) and the row's sort key within the group.
Ordering = tuple[Callable[[V], Hashable | None], Callable[[V], Any]]


class Table(Generic[K, V]):
    """Committed rows of one entity type.

    :param entity: the entity name used in :class:`AlreadyExists` errors.
    :param key: extracts the primary key of a row.
    :param unique: secondary unique keys; a function returning ``None`` means the
        row does not take part in that index (like a NULL in SQL).
    :param groups: non-unique grouping keys for fast "all rows of X" lookups.
    :param ordered: groups whose rows are kept sorted by a key, for
        :meth:`TxTable.descending`; the sort keys of one group must be
        comparable with each other.
    :param on_unique: builds the error raised when a unique index would clash.
    """

    def __init__(
        self,
        entity: str,
        key: Callable[[V], K],
        *,
        unique: dict[str, Callable[[V], Hashable | None]] | None = None,
        groups: dict[str, Callable[[V], Hashable]] | None = None,
        ordered: dict[str, Ordering[V]] | None = None,
        on_unique: dict[str, UniqueViolation] | None = None,
    ) -> None:
        self.entity = entity
        self.key = key
        self.unique = unique or {}
        self.groups = groups or {}
        self.ordered = ordered or {}
        self.on_unique = on_unique or {}
        self.rows: dict[K, V] = {}
        self.unique_index: dict[str, dict[Hashable, K]] = {name: {} for name in self.unique}
        self.group_index: dict[str, dict[Hashable, dict[K, None]]] = {n: {} for n in self.groups}
        #: Per ordered index and group: ``(sort key, primary key)`` pairs, ascending.
        self.ordered_index: dict[str, dict[Hashable, list[tuple[Any, K]]]] = {
            name: {} for name in self.ordered
        }

    def _unindex(self, key: K, row: V) -> None:
        for name, fn in self.unique.items():
            value = fn(row)
            if value is not None:
                self.unique_index[name].pop(value, None)
        for name, gfn in self.groups.items():
            bucket = self.group_index[name].get(gfn(row))
            if bucket is not None:
                bucket.pop(key, None)
        for name, (group_of, order_of) in self.ordered.items():
            group = group_of(row)
            if group is None:
                continue
            entries = self.ordered_index[name][group]
            entry = (order_of(row), key)
            del entries[bisect.bisect_left(entries, entry)]
            if not entries:
                del self.ordered_index[name][group]

    def _index(self, key: K, row: V) -> None:
        for name, fn in self.unique.items():
            value = fn(row)
            if value is not None:
                self.unique_index[name][value] = key
        for name, gfn in self.groups.items():
            self.group_index[name].setdefault(gfn(row), {})[key] = None
        for name, (group_of, order_of) in self.ordered.items():
            group = group_of(row)
            if group is not None:
                bisect.insort(self.ordered_index[name].setdefault(group, []), (order_of(row), key))

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

    def descending(self, index: str, group: Hashable, *, below: Any = None) -> Iterator[V]:
        """The rows of ``group`` in the ordered ``index``, highest sort key first.

        With ``below``, only rows whose sort key is strictly less than it.  The
        rows come lazily: taking the first few costs a binary search and those
        rows, however large the group.
        """
        group_of, order_of = self._table.ordered[index]
        entries = self._table.ordered_index[index].get(group, [])
        # (below,) sorts before every (below, key) pair: the cut keeps keys < below.
        end = len(entries) if below is None else bisect.bisect_left(entries, (below,))
        # This transaction's own writes are merged in; the committed rows they
        # replace or delete are skipped.
        written: list[V] = [
            row  # type: ignore[misc]
            for row in self._overlay.values()
            if row is not _DELETED
            and group_of(row) == group  # type: ignore[arg-type]
            and (below is None or order_of(row) < below)  # type: ignore[arg-type]
        ]
        committed = self._committed_descending(entries, end)
        if not written:
            return committed
        written.sort(key=order_of, reverse=True)
        return heapq.merge(committed, written, key=order_of, reverse=True)

    def _committed_descending(self, entries: list[tuple[Any, K]], end: int) -> Iterator[V]:
        rows, overlay = self._table.rows, self._overlay
        for i in range(end - 1, -1, -1):
            key = entries[i][1]
            if key not in overlay:
                yield rows[key]

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
