"""Engines for the SQL backend: URL forms and per-database connection settings.

Accepted URLs:

* ``sqlite:///path/to/forum.db`` (relative) or ``sqlite:////abs/path.db``;
* ``sqlite:///:memory:`` (or ``sqlite://``): one private database living in one
  shared connection, for tests; units of work take turns on it;
* ``postgresql://user@host/db`` or ``postgresql+psycopg://user@host/db``: psycopg 3
  is used when no driver is named (install the ``postgresql`` extra).

SQLite
    Every connection runs ``busy_timeout`` (:data:`SQLITE_BUSY_TIMEOUT_MS`; a
    writer waits for the lock instead of failing) and ``foreign_keys=ON``.  The
    file is switched to ``journal_mode=WAL`` (readers do not block the writer;
    the mode stays with the file) by :func:`use_wal`, which the storage calls
    only once it has checked the schema: a file proforum refuses to open (a
    newer schema, another program's data) is left exactly as it was.  pysqlite's own
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
    exactly as in the memory backend.  Use cases that change a meetup, its
    seats or its draw lock the meetup row first (``SELECT … FOR UPDATE``,
    ``meetups.get_for_update``), so they take turns per meetup.  Serialization
    failures, deadlocks and lock timeouts (:data:`TRANSIENT_SQLSTATES`) become
    :class:`~proforum.errors.TransientConflict`, which the use cases retry.

Failures
    A database that cannot be opened or used (server down, login refused, no
    such database or directory, read-only, not a database, driver missing)
    raises :class:`~proforum.errors.DatabaseUnavailable` whose ``kind`` says
    which (:func:`database_error`).  Driver exceptions are never chained as
    they are: psycopg keeps the connection settings, password included, on the
    exception (``exc.pgconn``).  The cause is a :class:`DriverError` holding
    the driver's message with any password taken out.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

from proforum.errors import DatabaseUnavailable, StorageError, TransientConflict

#: How long a SQLite writer waits for the lock before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000

#: PostgreSQL SQLSTATEs after which the whole transaction may simply be run
#: again (PostgreSQL manual, "Serialization Failure Handling"); they become
#: :class:`~proforum.errors.TransientConflict`.
TRANSIENT_SQLSTATES: dict[str, str] = {
    "40001": "serialization failure",
    "40P01": "deadlock detected",
    "55P03": "lock wait timed out",
}


class DriverError(Exception):
    """What the database driver said, with any password taken out.

    The ``__cause__`` of the storage errors raised when a database cannot be
    opened, in place of the driver's exception: that one may carry the
    connection settings, password included.
    """


def _parse(url: str | URL) -> URL | None:
    """``make_url(url)``, or ``None`` when it cannot be parsed.

    The parser's exception is dropped, not chained: its message can quote part
    of the password (an unescaped ``@`` or ``:`` in it moves the rest into
    the port).
    """
    try:
        return make_url(url)
    except Exception:  # sqlalchemy raises ArgumentError, ValueError…
        return None


def normalise_url(url: str | URL) -> URL:
    """Parse ``url`` and pick the driver proforum uses when none is named.

    :raises StorageError: the URL cannot be parsed or names another database.
    """
    parsed = _parse(url)
    if parsed is None:
        raise StorageError(
            None,
            reason=(
                "the database URL cannot be parsed"
                " (percent-encode @, :, / and % in the user name and password)"
            ),
        )
    parsed = parsed.set(drivername=parsed.drivername.lower())
    backend = parsed.get_backend_name()
    if backend == "postgresql" and "+" not in parsed.drivername:
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend not in ("sqlite", "postgresql"):
        raise StorageError(None, reason=f"unsupported database '{backend}'")
    return parsed


#: What each kind of :class:`DatabaseUnavailable` tells the reader, in Korean and English.
UNAVAILABLE_REASONS: dict[str, tuple[str, str]] = {
    "unreachable": (
        "서버에 연결할 수 없습니다. 서버가 실행 중인지, 호스트와 포트가 맞는지 확인하세요",
        "the server cannot be reached; check that it is running and that the host"
        " and port are right",
    ),
    "login_refused": (
        "서버가 로그인을 거부했습니다. 사용자 이름과 비밀번호를 확인하세요",
        "the server refused the login; check the user name and password",
    ),
    "no_database": (
        "서버에 이 이름의 데이터베이스가 없습니다. 먼저 만드세요",
        "the server has no database by that name; create it first",
    ),
    "no_directory": (
        "데이터베이스 파일을 둘 디렉터리가 없습니다. 먼저 만드세요",
        "the directory of the database file does not exist; create it first",
    ),
    "cannot_open": (
        "데이터베이스 파일을 열 수 없습니다. 파일과 디렉터리의 권한을 확인하세요",
        "the database file cannot be opened; check the permissions of the file and its directory",
    ),
    "read_only": (
        "데이터베이스가 읽기 전용입니다. proforum은 데이터베이스에 쓸 수 있어야 합니다",
        "the database is read-only, and proforum needs to write to it",
    ),
    "not_a_database": (
        "SQLite 데이터베이스 파일이 아니거나 손상된 파일입니다",
        "the file is not a SQLite database, or it is damaged",
    ),
    "no_driver": (
        "URL이 가리키는 데이터베이스 드라이버가 설치되어 있지 않습니다"
        " (PostgreSQL: pip install 'proforum[postgresql]')",
        "the database driver the URL names is not installed"
        " (PostgreSQL: pip install 'proforum[postgresql]')",
    ),
    "bad_option": (
        "URL에 드라이버가 모르는 연결 옵션이 있습니다",
        "the URL has a connection option the driver does not know",
    ),
    "unavailable": (
        "데이터베이스가 오류를 보고했습니다 (원인은 __cause__ 참고)",
        "the database reported an error (see the cause)",
    ),
}

_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "timeout expired",
    "timed out",
    "failed to resolve host",
    "could not translate host name",
    "name or service not known",
    "no route to host",
    "network is unreachable",
    "server closed the connection unexpectedly",
    "the database system is starting up",
    "the database system is shutting down",
)
_LOGIN_REFUSED = (
    "password authentication failed",
    "authentication failed",
    "no pg_hba.conf entry",
    "no password supplied",
    "password is required",
)


def _failure_kind(exc: sa.exc.DBAPIError, url: URL | None) -> str | None:
    """Which :class:`DatabaseUnavailable` ``exc`` is, or ``None`` for another failure."""
    text = str(exc.orig).lower()
    state = str(getattr(exc.orig, "sqlstate", None) or "")
    if "locked" in text or "busy" in text:
        return None  # a writer holds the lock: worth retrying, the database is fine
    if state in ("28P01", "28000") or any(s in text for s in _LOGIN_REFUSED):
        return "login_refused"
    if "does not exist" in text and 'role "' in text:
        return "login_refused"
    if state == "3D000" or ("does not exist" in text and 'database "' in text):
        return "no_database"
    if (
        state.startswith("08")
        or state in ("57P01", "57P03")
        or any(s in text for s in _UNREACHABLE)
    ):
        return "unreachable"
    if state in ("25006", "42501") or "readonly" in text or "read-only" in text:
        return "read_only"
    if "not a database" in text or "malformed" in text:
        return "not_a_database"
    if "invalid connection option" in text or "invalid dsn" in text:
        return "bad_option"
    if "unable to open database file" in text:
        path = (url.database or "") if url is not None else ""
        parent = Path(path.removeprefix("file:")).parent
        return "cannot_open" if parent.is_dir() else "no_directory"
    if isinstance(exc, sa.exc.OperationalError):
        return "unavailable"
    return None


def _scrub(text: str, url: URL | None) -> str:
    """``text`` with the password of ``url`` (as typed or percent-encoded) taken out."""
    password = url.password if url is not None else None
    if password:
        for form in {str(password), quote(str(password), safe="")}:
            text = text.replace(form, "***")
    return text


def database_error(exc: sa.exc.DBAPIError, url: str | URL | None = None) -> StorageError:
    """A :class:`StorageError` for a database failure that is nobody's input mistake.

    With the database's ``url``, a database that cannot be opened or used
    becomes :class:`DatabaseUnavailable`, naming the URL without its password
    and the kind of failure.  Its ``__cause__`` is a :class:`DriverError` with
    the driver's message, password taken out; raise it outside the ``except``
    block that caught ``exc`` so that ``__context__`` does not keep the
    driver's exception either.  Other reasons name the kind of failure only:
    driver messages may quote row values, and those may be personal data.
    """
    parsed = None
    if url is not None:
        parsed = make_url(url) if isinstance(url, str) else url
    kind = _failure_kind(exc, parsed)
    error: StorageError
    transient = TRANSIENT_SQLSTATES.get(str(getattr(exc.orig, "sqlstate", None)))
    if transient is not None:
        # Another transaction got in the way: running the use case again may
        # succeed (proforum.services.retry does so).  Nothing was written.
        error = TransientConflict(None, reason=transient)
    elif kind is not None and url is not None:
        ko, en = UNAVAILABLE_REASONS[kind]
        error = DatabaseUnavailable(
            None, url=display_url(url), kind=kind, reason_ko=ko, reason_en=en
        )
    elif "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower():
        # SQLite, after waiting the whole busy timeout for another writer.
        error = TransientConflict(None, reason="the database stayed locked by another writer")
    elif isinstance(exc, sa.exc.OperationalError):
        error = StorageError(
            None, reason=f"the database is unavailable ({type(exc.orig).__name__})"
        )
    else:
        error = StorageError(
            None, reason=f"the database refused the statement ({type(exc.orig).__name__})"
        )
    error.__cause__ = DriverError(_scrub(str(exc.orig).strip(), parsed))
    return error


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
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and is_sqlite_memory(parsed):
        options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    elif not sqlite:
        options.update(pool_pre_ping=True)
    missing: str | None = None
    try:
        engine = sa.create_engine(parsed, **options)
    except (ImportError, sa.exc.NoSuchModuleError) as exc:  # psycopg not installed…
        missing = f"{type(exc).__name__}: {exc}"
    if missing is not None:
        ko, en = UNAVAILABLE_REASONS["no_driver"]
        error = DatabaseUnavailable(
            None, url=display_url(url), kind="no_driver", reason_ko=ko, reason_en=en
        )
        error.__cause__ = DriverError(missing)
        raise error
    if sqlite:
        _configure_sqlite(engine)
    return engine


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
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def use_wal(connection: Connection) -> None:
    """Switch the SQLite database of ``connection`` to WAL; nothing for PostgreSQL.

    Call it outside any transaction (SQLite refuses to change the journal mode
    inside one) and only once the database is known to be proforum's at the
    expected revision: the switch rewrites the file's header.

    :raises sqlalchemy.exc.OperationalError: the file cannot be switched (it
        is read-only, or stayed locked for the whole busy timeout).
    """
    if connection.dialect.name != "sqlite":
        return
    # The driver's own cursor: a statement through SQLAlchemy would begin a
    # transaction (BEGIN IMMEDIATE, see _configure_sqlite) first.
    cursor = connection.connection.cursor()
    try:
        _use_wal(cursor)
    except sqlite3.Error as exc:
        raise sa.exc.OperationalError("PRAGMA journal_mode = WAL", None, exc) from exc
    finally:
        cursor.close()


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
