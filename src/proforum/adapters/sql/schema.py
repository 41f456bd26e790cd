"""The schema's version: Alembic migrations shipped inside the package.

* :func:`upgrade` brings a database to a revision (``head`` by default); the
  ``proforum db upgrade --db URL`` command calls it.
* :func:`ensure_schema` runs whenever the SQL storage opens a database.  A
  brand-new database (none of proforum's tables, no version row) is created at
  head.  A database at an older revision raises
  :class:`~proforum.errors.SchemaOutdated` naming the command that upgrades it;
  one at a revision this code does not know raises
  :class:`~proforum.errors.SchemaTooNew`.  Either way the problem is reported
  when the storage opens, not as a failed query later on, and a database that
  is refused is not changed at all: its transaction is rolled back, and a
  SQLite file is switched to WAL only after the check passed.  A database that
  cannot be reached or written raises :class:`~proforum.errors.DatabaseUnavailable`.

The version is kept in its own table, :data:`VERSION_TABLE`, so a host
application can run its own Alembic migrations in the same database.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import URL, Connection, Engine

from proforum.adapters.sql.engine import create_engine, database_error, display_url, use_wal
from proforum.adapters.sql.tables import metadata
from proforum.errors import SchemaOutdated, SchemaTooNew, StorageError

#: Where the migration scripts live inside the installed package.
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: The table Alembic records the schema revision in.
VERSION_TABLE = "proforum_alembic_version"
#: Serialises schema changes of concurrent openers on PostgreSQL.
_PG_LOCK_KEY = 0x70726F66  # "prof"


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic configuration for proforum's migrations.

    :param connection: run on this connection (inside its transaction).
    :param url: otherwise, open this database.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_table", VERSION_TABLE)
    if url is not None:
        # ``%`` would be read as interpolation by configparser.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The revision this version of proforum expects."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise StorageError(None, reason="no schema migrations are installed")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or ``None`` if it has none."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade_command(url: str | URL) -> str:
    """The shell command that upgrades the database at ``url`` (password left out)."""
    return f"proforum db upgrade --db {shlex.quote(display_url(url))}"


def _lock(connection: Connection) -> None:
    # SQLite's BEGIN IMMEDIATE already holds the only write lock; PostgreSQL
    # needs an explicit one so two first openers do not both create tables.
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))


def _upgrade_on(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection=connection), revision)


def upgrade(url: str | URL, revision: str = "head") -> str | None:
    """Upgrade the database at ``url`` to ``revision`` and return the revision it is at.

    :raises SchemaTooNew: the database is at a revision this code does not know.
    :raises DatabaseUnavailable: the database cannot be reached, logged into or written.
    """
    engine = create_engine(url)
    failure: StorageError | None = None
    try:
        with engine.connect() as connection:
            with connection.begin():
                _lock(connection)
                _check_known(connection)
                _upgrade_on(connection, revision)
            return current_revision(connection)
    except sa.exc.DBAPIError as exc:
        # Raised below, outside this block: the driver's exception may hold
        # the password and must not stay reachable as ``__context__``.
        failure = database_error(exc, url)
    except CommandError as exc:  # e.g. an unknown target revision
        raise StorageError(revision, reason=str(exc)) from exc
    finally:
        engine.dispose()
    raise failure


def _check_known(connection: Connection) -> str | None:
    current = current_revision(connection)
    if current is None:
        return None
    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(current)
    except Exception:
        known = None
    if known is None:
        raise SchemaTooNew(current, current=current, head=head_revision())
    return current


def ensure_schema(engine: Engine, url: str | URL | None = None) -> None:
    """Create the schema of a new database; refuse a database at another revision.

    A refused database is left exactly as it was (for SQLite, byte for byte):
    the check runs in a transaction that is rolled back, and the file is
    switched to WAL only once the schema is known to be this proforum's.

    :raises SchemaOutdated: the database is behind this code; the message names
        the ``proforum db upgrade`` command to run.
    :raises SchemaTooNew: the database is ahead of this code.
    :raises DatabaseUnavailable: the database cannot be reached, logged into,
        read or written.
    :raises StorageError: the database holds proforum tables but no revision.
    """
    target = url if url is not None else engine.url
    failure: StorageError | None = None
    try:
        with engine.connect() as connection:
            with connection.begin():
                _lock(connection)
                _create_or_check(connection, target)
            _check_writable(connection)
            use_wal(connection)
    except sa.exc.DBAPIError as exc:
        # Raised below, outside this block: the driver's exception may hold
        # the password and must not stay reachable as ``__context__``.
        failure = database_error(exc, target)
    if failure is not None:
        raise failure


def _check_writable(connection: Connection) -> None:
    """Refuse a read-only database now rather than at the first use case.

    A read-only SQLite file (``mode=ro``) or PostgreSQL session (a standby,
    ``default_transaction_read_only``) still answers every read, so only a
    write shows it: one that changes nothing, in a transaction rolled back.
    """
    version = sa.table(VERSION_TABLE, sa.column("version_num"))
    with connection.begin() as transaction:
        connection.execute(
            sa.update(version).values(version_num=version.c.version_num).where(sa.false())
        )
        transaction.rollback()


def _create_or_check(connection: Connection, url: str | URL) -> None:
    head = head_revision()
    current = _check_known(connection)
    if current == head:
        return
    if current is not None:
        raise SchemaOutdated(
            current, current=current, head=head, command=upgrade_command(display_url(url))
        )
    existing = set(sa.inspect(connection).get_table_names()) & set(metadata.tables)
    if existing:
        raise StorageError(
            None,
            reason=(
                f"the database has proforum tables ({', '.join(sorted(existing))})"
                f" but no schema revision in {VERSION_TABLE}"
            ),
        )
    _upgrade_on(connection, "head")
