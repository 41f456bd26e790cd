"""Bad storage URLs and broken databases give clear errors, never a password, never damage.

* An unknown scheme names the storage backends that are installed.
* A PostgreSQL server that does not answer, refuses the login (a real
  password exchange, with a protocol-level fake server: the local test server
  trusts every client and accepts any password), has no such role or database,
  or is read-only; a SQLite file in a directory that does not exist, that is
  read-only, or that is not a database; a missing driver: each raises
  :class:`~proforum.errors.DatabaseUnavailable` with a stable ``kind``, a
  Korean and an English message, and no password in ``str()``, ``repr()``,
  ``params``, the traceback, or any exception chained to it (psycopg keeps
  the password on its connection errors, so those are never chained as is).
* A database upgraded by a newer proforum is refused with ``SchemaTooNew``
  and left exactly as it was: a SQLite file byte for byte, whatever its
  journal mode, and a PostgreSQL schema row for row.
* The PostgreSQL test switch of ``tests/sql_support.py``: skip when
  ``PROFORUM_TEST_POSTGRES_URL`` is unset, fail when it names a dead server.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import sqlite3
import struct
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy.engine import URL, make_url

import proforum
import sql_support
from forum_world import check_error
from proforum.adapters.sql import schema, tables
from proforum.adapters.sql.engine import DriverError, create_engine
from proforum.cli import main
from proforum.errors import (
    DatabaseUnavailable,
    ProforumError,
    SchemaOutdated,
    SchemaTooNew,
    StorageError,
    UnknownAdapter,
)
from sql_support import postgres_database, postgres_schema, sqlite_url

PASSWORD = "s3kret-Pw"
#: A password a URL parser trips over (the traceback shows source lines: keep it out of them).
UNESCAPED_PASSWORD = "pa@ss:wo@rd"


def open_forum(url: str) -> proforum.Forum:
    return proforum.open(url, plugin_manager=proforum.get_plugin_manager(load_entrypoints=False))


def shown_texts(exc: BaseException) -> dict[str, str]:
    """Everything a log, a traceback or a debugger would show of ``exc`` and its chain.

    Follows ``__cause__``, ``__context__`` and SQLAlchemy's ``.orig`` and
    includes each exception's attributes, where psycopg keeps the connection
    settings of a failed connection.
    """
    texts = {"traceback": "".join(traceback.format_exception(exc))}
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        name = type(current).__name__
        texts[f"str({name})"] = str(current)
        texts[f"repr({name})"] = repr(current)
        texts[f"{name}.args"] = repr(current.args)
        texts[f"vars({name})"] = repr(vars(current))
        if isinstance(current, ProforumError):
            texts[f"{name}.params"] = repr(dict(current.params))
            texts[f"{name}.messages"] = current.message_ko + current.message_en
        todo += [current.__cause__, current.__context__, getattr(current, "orig", None)]
    return texts


def assert_hidden(exc: BaseException, *secrets: str) -> None:
    for where, text in shown_texts(exc).items():
        for secret in secrets:
            assert secret not in text, f"{where} shows {secret!r}"


def unavailable(url: str, kind: str, *secrets: str) -> DatabaseUnavailable:
    """Open ``url``; expect :class:`DatabaseUnavailable` of ``kind`` that hides ``secrets``."""
    with pytest.raises(DatabaseUnavailable) as caught:
        open_forum(url)
    error = caught.value
    check_error(error, *secrets)
    assert error.code == "storage.unavailable"
    assert error.params["kind"] == kind, error.message_en
    assert isinstance(error.__cause__, DriverError)  # what the driver said, for operators
    assert_hidden(error, *secrets)
    return error


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens there once the socket is closed


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    "url",
    [
        f"mysql://forum:{PASSWORD}@db.example/forum",
        f"mongodb+srv://forum:{PASSWORD}@db.example/forum",
        "forum.db",  # a path, not a URL
        "",
    ],
)
def test_an_unknown_scheme_names_the_installed_backends(url: str) -> None:
    with pytest.raises(UnknownAdapter) as caught:
        open_forum(url)
    error = caught.value
    check_error(error, PASSWORD)
    assert error.params["kind"] == "storage"
    assert error.params["available"] == "memory, postgresql, sqlite"
    assert "memory, postgresql, sqlite" in error.message_en
    assert "memory, postgresql, sqlite" in error.message_ko
    assert_hidden(error, PASSWORD)


def test_an_unparsable_url_does_not_quote_the_password() -> None:
    # An unescaped "@" and ":" in the password: the parser reads "wo@rd@127.0.0.1"
    # as the port, and its own error message would quote that.
    with pytest.raises(StorageError) as caught:
        open_forum(f"postgresql://forum:{UNESCAPED_PASSWORD}@127.0.0.1/forum")
    error = caught.value
    assert "percent-encode" in error.message_en
    assert_hidden(error, *UNESCAPED_PASSWORD.split(":"))


def test_a_password_that_looks_like_an_ipv6_host_is_not_a_crash() -> None:
    # urlsplit() raises ValueError("Invalid IPv6 URL") on this one.
    url = f"postgresql://forum:[{PASSWORD}@127.0.0.1:{closed_port()}/forum"
    unavailable(url, "unreachable", PASSWORD)


def test_a_missing_driver_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # "import psycopg" now fails
    error = unavailable(f"postgresql://forum:{PASSWORD}@127.0.0.1/forum", "no_driver", PASSWORD)
    assert "pip install 'proforum[postgresql]'" in error.message_en
    assert "pip install 'proforum[postgresql]'" in error.message_ko


# --------------------------------------------------------------------------- PostgreSQL


def test_an_unreachable_postgresql_server() -> None:
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://forum:{PASSWORD}@127.0.0.1:{closed_port()}/forum"
    error = unavailable(url, "unreachable", PASSWORD)
    assert error.params["url"] == url.replace(f":{PASSWORD}", "")
    assert "cannot be reached" in error.message_en
    assert "연결할 수 없습니다" in error.message_ko
    assert "Connection refused" in str(error.__cause__)


class RefusingServer:
    """Just enough of the PostgreSQL protocol to ask for a password and refuse it.

    The local test server trusts every client, so it never checks a password;
    this one does the real exchange with libpq and records what it was sent.
    """

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.passwords: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)  # wakes the accept() below
        self._socket.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._socket.accept()
            except OSError:  # closed
                return
            with conn, contextlib.suppress(OSError, ValueError):
                conn.settimeout(5)
                self._refuse(conn)

    def _refuse(self, conn: socket.socket) -> None:
        while True:
            length, code = struct.unpack("!ii", self._read(conn, 8))
            if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest: no
                conn.sendall(b"N")
                continue
            self._read(conn, length - 8)  # the startup message's parameters
            break
        conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
        if self._read(conn, 1) != b"p":
            return
        (length,) = struct.unpack("!i", self._read(conn, 4))
        self.passwords.append(self._read(conn, length - 4).rstrip(b"\0").decode())
        fields = (
            b'SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "proforum_pw"\0\0'
        )
        conn.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)

    @staticmethod
    def _read(conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = conn.recv(size - len(data))
            if not chunk:
                raise ValueError("the client hung up")
            data += chunk
        return data


@pytest.fixture
def refusing_server() -> Iterator[RefusingServer]:
    pytest.importorskip("psycopg")
    server = RefusingServer()
    yield server
    server.close()


def test_a_wrong_password_is_refused_and_never_shown(refusing_server: RefusingServer) -> None:
    url = f"postgresql+psycopg://proforum_pw:{PASSWORD}@127.0.0.1:{refusing_server.port}/forum"
    error = unavailable(url, "login_refused", PASSWORD)
    assert refusing_server.passwords[:1] == [PASSWORD]  # it really was sent and refused
    assert "refused the login" in error.message_en
    assert "password authentication failed" in str(error.__cause__)


def test_the_command_line_does_not_show_the_password(refusing_server: RefusingServer) -> None:
    url = f"postgresql+psycopg://proforum_pw:{PASSWORD}@127.0.0.1:{refusing_server.port}/forum"
    for command in (["db", "upgrade", "--db", url], ["db", "current", "--db", url]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, result.output
        assert "storage.unavailable" in result.output
        assert "refused the login" in result.output
        assert PASSWORD not in result.output


@pytest.fixture(scope="module")
def pg_server() -> URL:
    """The test server's URL (skips without ``PROFORUM_TEST_POSTGRES_URL``)."""
    with postgres_database():  # skips or fails, as the other PostgreSQL tests do
        pass
    return make_url(sql_support.postgres_server_url())


def test_an_unknown_role_is_a_refused_login(pg_server: URL) -> None:
    # A wrong password cannot be shown on a server that trusts local clients
    # (see the fake server above); a role that does not exist can.
    url = pg_server.set(username="proforum_no_such_role", password=PASSWORD)
    error = unavailable(url.render_as_string(hide_password=False), "login_refused", PASSWORD)
    assert "proforum_no_such_role" in error.params["url"]


def test_a_database_that_does_not_exist(pg_server: URL) -> None:
    url = pg_server.set(password=PASSWORD, database="proforum_no_such_database")
    error = unavailable(url.render_as_string(hide_password=False), "no_database", PASSWORD)
    assert "create it first" in error.message_en


@pytest.fixture(scope="module")
def pg_database() -> Iterator[URL]:
    with postgres_database() as url:
        yield url


@pytest.mark.parametrize("schema_exists", [False, True], ids=["new", "at-head"])
def test_a_read_only_postgresql_database(pg_database: URL, schema_exists: bool) -> None:
    """A standby, or a role whose sessions are read-only: refused when opened."""
    with postgres_schema(pg_database) as url:
        if schema_exists:
            open_forum(url).close()
        parsed = make_url(url)
        options = f"{parsed.query['options']} -cdefault_transaction_read_only=on"
        read_only = parsed.update_query_dict({"options": options}).set(password=PASSWORD)
        unavailable(read_only.render_as_string(hide_password=False), "read_only", PASSWORD)


def test_a_connection_lost_half_way_through_a_use_case_leaves_nothing(
    pg_database: URL,
) -> None:
    """The server ends the session after the second row a draw writes."""
    with postgres_schema(pg_database) as url, open_forum(url) as forum:
        engine: sa.Engine = forum.storage.engine  # type: ignore[attr-defined]
        operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
        writes: list[str] = []

        def kill_after_second_write(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
                writes.append(statement)
                if len(writes) == 2:
                    pid = conn.connection.dbapi_connection.info.backend_pid
                    admin = sa.create_engine(pg_database, poolclass=sa.pool.NullPool)
                    with admin.connect() as c:
                        c.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                    admin.dispose()

        before = forum.export_data()
        sa.event.listen(engine, "after_cursor_execute", kill_after_second_write)
        with pytest.raises(StorageError):
            forum.create_community(
                operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
            )
        sa.event.remove(engine, "after_cursor_execute", kill_after_second_write)
        assert len(writes) == 2
        assert forum.export_data() == before
        # The pool dropped the dead connection: the next use case just works.
        forum.create_community(
            operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
        )
        assert len(forum.export_data()["tables"]["communities"]) == 1


# --------------------------------------------------------------------------- SQLite


def fingerprint(path: Path) -> tuple[str, list[str]]:
    """The file's SHA-256 and the names of the files beside it (journals, WAL)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, sorted(p.name for p in path.parent.iterdir())


def test_a_directory_that_does_not_exist_is_named_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    error = unavailable(sqlite_url(missing / "forum.db"), "no_directory")
    assert "directory" in error.message_en
    assert "디렉터리" in error.message_ko
    assert str(missing / "forum.db") in error.params["url"]
    assert not (tmp_path / "no").exists()


@pytest.fixture
def forum_file(tmp_path: Path) -> Path:
    """A proforum SQLite database at head, with one member, closed."""
    path = tmp_path / "forum.db"
    with open_forum(sqlite_url(path)) as forum:
        forum.register_member(nickname="마케터", job_function="marketing-pr")
    return path


def test_a_read_only_sqlite_database_is_refused_untouched(forum_file: Path) -> None:
    before = fingerprint(forum_file)[0]
    error = unavailable(f"sqlite:///file:{forum_file}?mode=ro&uri=true", "read_only")
    assert "read-only" in error.message_en
    assert "읽기 전용" in error.message_ko
    # Any reader of a WAL database leaves its -shm and -wal beside it; the
    # database file itself is as it was.
    assert fingerprint(forum_file)[0] == before


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="file permissions do not stop root; the mode=ro test covers read-only files",
)
def test_a_write_protected_sqlite_file_is_refused_untouched(forum_file: Path) -> None:
    before = fingerprint(forum_file)
    forum_file.chmod(0o444)
    forum_file.parent.chmod(0o555)
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            open_forum(sqlite_url(forum_file))
        assert caught.value.params["kind"] in ("read_only", "cannot_open")
    finally:
        forum_file.parent.chmod(0o755)
        forum_file.chmod(0o644)
    assert fingerprint(forum_file) == before


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes("회의록: 다음 모임은 성수동에서\n".encode() * 200)
    before = fingerprint(path)
    unavailable(sqlite_url(path), "not_a_database")
    assert fingerprint(path) == before


def test_a_directory_given_as_the_database_file(tmp_path: Path) -> None:
    unavailable(sqlite_url(tmp_path), "cannot_open")


# --------------------------------------------------------------------------- newer schema


def stamp(path: Path, revision: str, journal_mode: str) -> None:
    """Pretend another proforum left the file at ``revision``, with the standard library only."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"UPDATE {schema.VERSION_TABLE} SET version_num = ?", (revision,))
        conn.commit()
        conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    finally:
        conn.close()


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_a_newer_sqlite_database_is_refused_byte_for_byte_unchanged(
    forum_file: Path, journal_mode: str
) -> None:
    """Also when it is not in WAL mode: switching it would rewrite the header."""
    stamp(forum_file, "9999_future", journal_mode)
    before = fingerprint(forum_file)
    url = sqlite_url(forum_file)

    with pytest.raises(SchemaTooNew) as caught:
        open_forum(url)
    check_error(caught.value)
    assert caught.value.params["current"] == "9999_future"
    assert caught.value.params["head"] == schema.head_revision()
    assert fingerprint(forum_file) == before

    with pytest.raises(SchemaTooNew):
        schema.upgrade(url)
    result = CliRunner().invoke(main, ["db", "upgrade", "--db", url])
    assert result.exit_code == 1
    assert "storage.schema_too_new" in result.output
    assert fingerprint(forum_file) == before


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_an_outdated_sqlite_database_is_refused_byte_for_byte_unchanged(
    forum_file: Path, journal_mode: str
) -> None:
    head = ScriptDirectory.from_config(schema.alembic_config()).get_revision(schema.head_revision())
    if not isinstance(head.down_revision, str):
        pytest.skip("only one schema revision exists: nothing is older")
    stamp(forum_file, head.down_revision, journal_mode)
    before = fingerprint(forum_file)
    with pytest.raises(SchemaOutdated):
        open_forum(sqlite_url(forum_file))
    assert fingerprint(forum_file) == before


def test_a_newer_postgresql_database_is_refused_unchanged(pg_database: URL) -> None:
    with postgres_schema(pg_database) as url:
        with open_forum(url) as forum:
            forum.register_member(nickname="마케터", job_function="marketing-pr")
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    sa.text(f"UPDATE {schema.VERSION_TABLE} SET version_num = '9999_future'")
                )

            def dump() -> dict[str, Any]:
                with engine.connect() as conn:
                    found = {
                        t.name: conn.execute(sa.select(t)).all()
                        for t in tables.metadata.sorted_tables
                    }
                    found[schema.VERSION_TABLE] = conn.execute(
                        sa.text(f"SELECT version_num FROM {schema.VERSION_TABLE}")
                    ).all()
                    found["tables"] = sorted(sa.inspect(conn).get_table_names())
                return found

            before = dump()
            with pytest.raises(SchemaTooNew):
                open_forum(url)
            with pytest.raises(SchemaTooNew):
                schema.upgrade(url)
            assert dump() == before
        finally:
            engine.dispose()


# --------------------------------------------------------------------------- the test switch


def test_postgresql_tests_skip_with_instructions_when_no_server_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for value in (None, "", "  "):
        if value is None:
            monkeypatch.delenv(sql_support.POSTGRES_URL_VARIABLE, raising=False)
        else:
            monkeypatch.setenv(sql_support.POSTGRES_URL_VARIABLE, value)
        with pytest.raises(pytest.skip.Exception) as caught, postgres_database():
            raise AssertionError("no database without a server")
        reason = str(caught.value)
        assert "PROFORUM_TEST_POSTGRES_URL=postgresql+psycopg://" in reason


def test_postgresql_tests_fail_when_the_named_server_is_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:{closed_port()}/postgres"
    monkeypatch.setenv(sql_support.POSTGRES_URL_VARIABLE, url)
    with pytest.raises(pytest.fail.Exception) as caught, postgres_database():
        raise AssertionError("no database without a server")
    message = str(caught.value)
    assert "PROFORUM_TEST_POSTGRES_URL is set" in message
    assert "cannot be used" in message
    assert PASSWORD not in message
