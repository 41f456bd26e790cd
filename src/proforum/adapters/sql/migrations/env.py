"""Alembic environment of proforum's SQL storage.

Run through :mod:`proforum.adapters.sql.schema` (``proforum db upgrade``), which
hands over a connection already inside a transaction; with a URL instead, the
engine is made by :func:`proforum.adapters.sql.engine.create_engine` so SQLite
gets the same settings as at run time.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from proforum.adapters.sql.engine import create_engine
from proforum.adapters.sql.search import include_object
from proforum.adapters.sql.tables import metadata

config = context.config
version_table = config.get_main_option("version_table") or "proforum_alembic_version"


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=version_table,
        render_as_batch=True,
        compare_type=True,
        # The search index is SQL of revision 0011's own, not in tables.py.
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Write the SQL to standard output instead of running it (``--sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        version_table=version_table,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the given connection, or on a new one."""
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url to migrate")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
