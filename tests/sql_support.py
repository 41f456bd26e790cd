"""Databases for the SQL storage tests: SQLite files and throw-away PostgreSQL schemas.

PostgreSQL tests need a server, named by the ``PROFORUM_TEST_POSTGRES_URL``
environment variable (a database there the test role may ``CREATE DATABASE``
from, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``):

* **unset** (or empty): every PostgreSQL test is skipped, and the skip reason
  says how to turn them on; SQLite and memory tests still run;
* **set**: the server must answer.  If it does not, the tests *fail*: CI sets
  the variable (see ``.ci/run``) and must never pass by skipping them.

Each test module gets its own database, created with an ICU ``en-US`` default
collation where the server has ICU (so orderings that would differ from
Python's are caught); each test gets a fresh schema in it, selected through the
connection's ``search_path``, and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

#: The environment variable naming the PostgreSQL test server.
POSTGRES_URL_VARIABLE = "PROFORUM_TEST_POSTGRES_URL"
#: What to set it to on a local server that trusts local connections.
EXAMPLE_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_server_url() -> str:
    """The test server's URL; skips the calling test when none is configured."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not url:
        pytest.skip(
            f"PostgreSQL tests are off: set {POSTGRES_URL_VARIABLE} to a server"
            f" where the tests may create databases, e.g."
            f" {POSTGRES_URL_VARIABLE}={EXAMPLE_POSTGRES_URL}"
        )
    return url


def _server() -> sa.Engine:
    url = make_url(postgres_server_url())
    if "+" not in url.drivername:
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    problem: str | None = None
    try:
        with engine.connect():
            pass
    except sa.exc.DBAPIError as exc:
        problem = str(exc.orig).strip()
    if problem is not None:
        engine.dispose()
        shown = url.render_as_string(hide_password=True)
        pytest.fail(
            f"{POSTGRES_URL_VARIABLE} is set ({shown}) but the PostgreSQL server"
            f" cannot be used: {problem}\nStart the server, or unset"
            f" {POSTGRES_URL_VARIABLE} to skip the PostgreSQL tests.",
            pytrace=False,
        )
    return engine


@contextmanager
def postgres_database() -> Iterator[URL]:
    """Create a new database on the test server; drop it afterwards.

    Skips when :data:`POSTGRES_URL_VARIABLE` is unset; fails when the server
    it names cannot be reached.
    """
    server = _server()
    name = f"proforum_test_{uuid.uuid4().hex[:12]}"
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


def count_statements(engine: sa.Engine, action: Callable[[], Any]) -> int:
    """How many SQL statements ``action`` sends through ``engine`` (an N+1 shows up here)."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)
