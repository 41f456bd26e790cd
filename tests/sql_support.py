"""Databases for the SQL storage tests: SQLite files and throw-away PostgreSQL schemas.

PostgreSQL tests need a server: ``PROFORUM_TEST_POSTGRES_URL`` names it, by
default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``.  When it
cannot be reached the tests fail instead of skipping: CI always has one.

Each test module gets its own database, created with an ICU ``en-US`` default
collation where the server has ICU (so orderings that would differ from
Python's are caught); each test gets a fresh schema in it, selected through the
connection's ``search_path``, and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

POSTGRES_SERVER_URL = os.environ.get(
    "PROFORUM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _server() -> sa.Engine:
    url = make_url(POSTGRES_SERVER_URL)
    if "+" not in url.drivername:
        url = url.set(drivername="postgresql+psycopg")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@contextmanager
def postgres_database() -> Iterator[URL]:
    """Create a new database on the test server; drop it afterwards."""
    name = f"proforum_test_{uuid.uuid4().hex[:12]}"
    server = _server()
    try:
        with server.connect() as conn:
            try:
                conn.exec_driver_sql(
                    f"CREATE DATABASE {name} TEMPLATE template0"
                    " LOCALE_PROVIDER icu ICU_LOCALE 'en-US' ENCODING 'UTF8'"
                )
            except sa.exc.DBAPIError:  # a server built without ICU
                conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE template0")
        try:
            yield server.url.set(database=name)
        finally:
            with server.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        server.dispose()


@contextmanager
def postgres_schema(database: URL) -> Iterator[str]:
    """Create an empty schema in ``database``; yield a URL whose connections use it."""
    schema = f"s_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(database, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            url = database.update_query_dict({"options": f"-csearch_path={schema}"})
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    finally:
        admin.dispose()


def sqlite_url(path: os.PathLike[str] | str) -> str:
    """The URL of a SQLite database file."""
    return f"sqlite:///{os.fspath(path)}"
