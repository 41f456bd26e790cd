"""The SQL storage backend: SQLite and PostgreSQL through SQLAlchemy 2 Core.

Modules, from the inside out:

* :mod:`~proforum.adapters.sql.types` — the aware-UTC datetime column type;
* :mod:`~proforum.adapters.sql.tables` — the tables, with named constraints;
* :mod:`~proforum.adapters.sql.mapping` — rows ↔ domain objects;
* :mod:`~proforum.adapters.sql.engine` — URLs and per-database settings
  (WAL and ``BEGIN IMMEDIATE`` on SQLite, READ COMMITTED on PostgreSQL);
* :mod:`~proforum.adapters.sql.schema` — Alembic migrations: :func:`upgrade`,
  and the check every opened database goes through;
* :mod:`~proforum.adapters.sql.storage` — the repositories and unit of work;
* :mod:`~proforum.adapters.sql.factory` — the ``sql`` factory, importable
  without importing SQLAlchemy.
"""

from __future__ import annotations

from proforum.adapters.sql.factory import SQL_SCHEMES, SqlStorageFactory

__all__ = ["SQL_SCHEMES", "SqlStorageFactory"]
