"""The schema's version: Alembic migrations shipped inside the package.

* :func:`upgrade` brings a database to a revision (``head`` by default); the
  ``proforum db upgrade --db URL`` command calls it.
* :func:`ensure_schema` runs whenever the SQL storage opens a database.  A
  brand-new database (none of proforum's tables, no version row) is created at
  head.  A database at an older revision raises
  :class:`~proforum.errors.SchemaOutdated` naming the command that upgrades it;
  one at a revision this code does not know raises
  :class:`~proforum.errors.SchemaTooNew`.  Either way the problem is reported
  when the storage opens, not as a failed query later on.

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

from proforum.adapters.sql.engine import create_engine, database_error, display_url
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
    """
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            with connection.begin():
                _lock(connection)
                _check_known(connection)
                _upgrade_on(connection, revision)
            return current_revision(connection)
    except sa.exc.DBAPIError as exc:
        raise database_error(exc) from exc
    except CommandError as exc:  # e.g. an unknown target revision
        raise StorageError(revision, reason=str(exc)) from exc
    finally:
        engine.dispose()


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

    :raises SchemaOutdated: the database is behind this code; the message names
        the ``proforum db upgrade`` command to run.
    :raises SchemaTooNew: the database is ahead of this code.
    :raises StorageError: the database holds proforum tables but no revision.
    """
    shown = display_url(url if url is not None else engine.url)
    head = head_revision()
    with engine.connect() as connection, connection.begin():
        _lock(connection)
        current = _check_known(connection)
        if current == head:
            return
        if current is not None:
            raise SchemaOutdated(
                current, current=current, head=head, command=upgrade_command(shown)
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
