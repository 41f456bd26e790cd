"""Engines for the SQL backend: URL forms and per-database connection settings.

Accepted URLs:

* ``sqlite:///path/to/forum.db`` (relative) or ``sqlite:////abs/path.db``;
* ``sqlite:///:memory:`` (or ``sqlite://``): one private database living in one
  shared connection, for tests; units of work take turns on it;
* ``postgresql://user@host/db`` or ``postgresql+psycopg://user@host/db``: psycopg 3
  is used when no driver is named (install the ``postgresql`` extra).

SQLite
    Every connection runs ``PRAGMA journal_mode=WAL`` (readers do not block the
    writer), ``busy_timeout`` (:data:`SQLITE_BUSY_TIMEOUT_MS`; a writer waits for
    the lock instead of failing) and ``foreign_keys=ON``.  pysqlite's own
    transaction handling is switched off and every transaction starts with
    ``BEGIN IMMEDIATE``, emitted in the engine's ``begin`` event as the
    SQLAlchemy documentation describes.  A unit of work therefore holds the
    write lock from its first statement: its reads and writes are serialisable,
    and the "database is locked" error a deferred transaction gets when it
    tries to upgrade a stale read snapshot cannot happen.  The price is one
    writer *or* transaction at a time per database file, which is what SQLite
    offers anyway.

PostgreSQL
    Transactions run at the server default, READ COMMITTED.  The use cases
    read, decide and write within one unit of work; two of them racing on the
    same key are stopped by the unique constraints, whose violations become
    :class:`~proforum.errors.AlreadyExists` / :class:`~proforum.errors.NicknameTaken`
    exactly as in the memory backend.  This is the "unique constraints as
    backstops" level of trust-practices §1; seat counting under concurrent
    confirmations will need row locks (``SELECT … FOR UPDATE``) or a
    conditional ``UPDATE`` when that use case is made concurrent.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

from proforum.errors import StorageError

#: How long a SQLite writer waits for the lock before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str | URL) -> URL:
    """Parse ``url`` and pick the driver proforum uses when none is named.

    :raises StorageError: the URL cannot be parsed or names another database.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError, ValueError…
        raise StorageError(None, reason="the database URL cannot be parsed") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql" and "+" not in parsed.drivername:
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend not in ("sqlite", "postgresql"):
        raise StorageError(None, reason=f"unsupported database '{backend}'")
    return parsed


def database_error(exc: sa.exc.DBAPIError) -> StorageError:
    """A :class:`StorageError` for a database failure that is nobody's input mistake.

    The reason names the kind of failure only: driver messages may quote row
    values, and those may be personal data.
    """
    message = str(exc.orig).lower()
    if "locked" in message or "busy" in message:
        reason = "the database stayed locked by another writer; try again"
    elif isinstance(exc, sa.exc.OperationalError):
        reason = f"the database is unavailable ({type(exc.orig).__name__})"
    else:
        reason = f"the database refused the statement ({type(exc.orig).__name__})"
    return StorageError(None, reason=reason)


def display_url(url: str | URL) -> str:
    """The URL as it may be shown to a person: any password left out.

    A URL without a password is shown exactly as given (SQLAlchemy would
    escape the ``:`` of ``sqlite:///:memory:`` or of a Windows drive).
    """
    parsed = make_url(url) if isinstance(url, str) else url
    if isinstance(url, str) and parsed.password is None:
        return url
    # URL.set(password=None) would keep the password: None means "unchanged".
    without = URL.create(
        parsed.drivername,
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return without.render_as_string(hide_password=False)


def is_sqlite_memory(url: URL) -> bool:
    """Tell whether ``url`` names a private in-memory SQLite database."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def create_engine(url: str | URL) -> Engine:
    """Create an engine for ``url`` with the settings described in this module."""
    parsed = normalise_url(url)
    # Parameters are never formatted into exceptions or logs: they may hold
    # meeting links, lottery seeds or personal data.
    options: dict[str, Any] = {"hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        if is_sqlite_memory(parsed):
            options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        engine = sa.create_engine(parsed, **options)
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(parsed, pool_pre_ping=True, **options)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from pysqlite: it would begin only before the first
        # write, so a unit of work's reads could see two different snapshots.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            _use_wal(cursor)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _use_wal(cursor: Any) -> None:
    """Switch a database file to WAL (it stays so); in-memory databases have no journal file.

    Changing the journal mode needs an exclusive lock and SQLite does not wait
    for it through the busy handler, so a first open racing another connection
    retries here until the busy timeout has passed.
    """
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] in ("wal", "memory"):
        return
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)
