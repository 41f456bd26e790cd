"""The ``sql`` storage factory, registered by :mod:`proforum.builtins`.

Kept apart from :mod:`proforum.adapters.sql.storage` so registering it does
not import SQLAlchemy and Alembic (about 0.3 s): ``import proforum`` and the
command line stay fast for forums that run on the memory backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from proforum.adapters.sql.storage import SqlStorage

SQL_SCHEMES = ("sqlite", "postgresql")


@attrs.frozen
class SqlStorageFactory:
    """Opens SQLite and PostgreSQL databases, creating or checking their schema.

    URLs: ``sqlite:///forum.db``, ``sqlite:///:memory:``,
    ``postgresql+psycopg://user@host/db`` (``postgresql://`` means psycopg 3 too).
    """

    name: str = "sql"
    schemes: tuple[str, ...] = SQL_SCHEMES

    def open(self, url: str) -> SqlStorage:
        """Open the database at ``url``; a new, empty one gets the schema at head.

        :raises SchemaOutdated: the database needs ``proforum db upgrade`` first.
        :raises SchemaTooNew: the database was upgraded by a newer proforum.
        :raises StorageError: the URL is malformed or the database unreachable.
        """
        from proforum.adapters.sql.storage import SqlStorage

        return SqlStorage.open(url)
