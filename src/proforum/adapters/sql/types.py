"""Column types of the SQL backend.

:class:`UtcDateTime` is the only way the backend stores a point in time.  The
domain works with aware UTC datetimes only, and so must everything read back:

* on PostgreSQL the column is ``TIMESTAMP WITH TIME ZONE``; values are sent
  aware and whatever the session's ``TimeZone`` is, they come back converted
  to UTC;
* on SQLite, which has no date type, the value is converted to UTC and stored
  naive in SQLAlchemy's fixed-width text form (``2026-12-01 01:00:00.000000``),
  so that text order is time order and keyset comparisons work; it is read
  back as aware UTC.

A naive datetime is refused when it is written: guessing its zone would
silently shift the time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.types import TypeEngine


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """An aware UTC datetime, whatever the database."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Use ``TIMESTAMP WITH TIME ZONE`` where it exists, a plain datetime elsewhere."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.DateTime(timezone=True))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC; strip the zone where the database cannot keep it."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("refusing to store a naive datetime")
        utc = value.astimezone(UTC)
        return utc if dialect.name == "postgresql" else utc.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def identifier() -> sa.types.TypeEngine[str]:
    """The type of every id column: ``VARCHAR(64)``, compared byte by byte.

    On PostgreSQL the column gets the ``"C"`` collation, so ``ORDER BY id``
    sorts by code point, exactly like Python's ``sorted`` in the memory backend,
    whatever the database's default locale is.  SQLite compares text bytewise
    already.
    """
    return sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
