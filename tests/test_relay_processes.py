"""Several relay processes on one database: claims share the work and never double-send.

Real processes run ``proforum notify run`` (the installed command line) with
the ``appending`` notifier of :mod:`relay_support`, which records each
delivery, with the pid that made it, in a file every process appends to.

* Four relays run ``--forever`` on one database; 300 messages are written
  once all four are up.  Every message is delivered exactly once, by more
  than one process, and SIGTERM stops each relay cleanly.
* A relay killed (SIGKILL) after its notifier sent a message but before the
  relay recorded it: a second relay leaves the message alone while the
  lease runs, then sends it again with the same id (at least once), and the
  message ends ``sent``.

Both run on a SQLite file and on PostgreSQL (skipped without a server).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

import proforum
from proforum import DeliveryReport
from proforum.domain.notification import DeliveryStatus
from relay_support import deliveries, duplicates, fill_outbox, plugin_manager
from sql_support import postgres_database, postgres_schema, sqlite_url

TESTS = Path(__file__).resolve().parent
MESSAGES = 300
RELAYS = 4
#: Seconds any one step may take before the test gives up.
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def pg_database() -> Iterator[URL]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database with proforum's schema, of each kind."""
    if request.param == "sqlite":
        found = sqlite_url(tmp_path / "forum.db")
        proforum.open(found, plugin_manager=plugin_manager()).close()
        yield found
    else:
        with postgres_schema(request.getfixturevalue("pg_database")) as found:
            proforum.open(found, plugin_manager=plugin_manager()).close()
            yield found


def relay_command(url: str, record: Path, *options: str) -> list[str]:
    """``proforum notify run`` on ``url`` with the appending notifier, as a command line."""
    script = shutil.which("proforum", path=str(Path(sys.executable).parent))
    command = (
        [script] if script else [sys.executable, "-c", "from proforum.cli import main; main()"]
    )
    return [
        *command,
        "notify",
        "run",
        "--db",
        url,
        "--plugin",
        "relay_support",
        "--notifier",
        "appending",
        "--option",
        f"path={record}",
        *options,
    ]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    return env


def start(command: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=environment(), capture_output=True, text=True, timeout=TIMEOUT
    )


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_four_relays_share_the_outbox_and_send_each_message_once(url: str, tmp_path: Path) -> None:
    record, ready = tmp_path / "delivered.txt", tmp_path / "ready.txt"
    command = relay_command(
        url,
        record,
        "--option",
        f"ready={ready}",
        "--forever",
        "--limit",
        "5",
        "--interval",
        "0.05",
        "--lease",
        "30",
    )
    relays = [start(command) for _ in range(RELAYS)]
    try:
        # Every relay is up and polling an empty outbox before the messages arrive.
        def started() -> bool:
            if any(r.poll() is not None for r in relays):
                return True  # one died: reported below
            return ready.exists() and len(ready.read_text().split()) == RELAYS

        wait_for(started, "the relays to start")
        assert all(r.poll() is None for r in relays), [r.communicate() for r in relays]
        with proforum.open(url, plugin_manager=plugin_manager(), deliver="manual") as forum:
            ids = fill_outbox(forum.storage, MESSAGES)

            def all_sent() -> bool:
                return all(m.status is DeliveryStatus.SENT for m in forum.outbox())

            wait_for(all_sent, "every message to be sent")
            outbox = forum.outbox()
    finally:
        for relay in relays:
            if relay.poll() is None:
                relay.send_signal(signal.SIGTERM)
        outputs = [relay.communicate(timeout=TIMEOUT) for relay in relays]
    for relay, (_out, err) in zip(relays, outputs, strict=True):
        assert relay.returncode == 0, err
    delivered = deliveries(record)
    assert {message_id for message_id, _ in delivered} == set(ids)  # at least once
    assert duplicates(record) == {}  # and, with working claims, exactly once
    assert len(delivered) == MESSAGES
    by_process = Counter(pid for _, pid in delivered)
    print(f"deliveries per relay process: {sorted(by_process.values())}")
    assert len(by_process) > 1, "one relay did all the work"
    assert all((m.claimed_by, m.claimed_until) == (None, None) for m in outbox)
    # What each relay reports adds up to the messages delivered.
    reported = [dict(part.split("=") for part in out.split()) for out, _ in outputs]
    assert sum(int(r["sent"]) for r in reported) == MESSAGES
    assert {int(r["failed"]) for r in reported} == {0}


def test_a_relay_killed_before_recording_is_taken_over_after_its_lease(
    url: str, tmp_path: Path
) -> None:
    record = tmp_path / "delivered.txt"
    with proforum.open(url, plugin_manager=plugin_manager(), deliver="manual") as forum:
        first, *others = fill_outbox(forum.storage, 3)
        killed = run(
            relay_command(url, record, "--once", "--lease", "2", "--option", "kill_after=1")
        )
        assert killed.returncode == -signal.SIGKILL
        assert deliveries(record) == [(first, deliveries(record)[0][1])]
        claimed_at = time.monotonic()
        held = {m.id: m for m in forum.outbox()}
        assert held[first].status is DeliveryStatus.PENDING  # sent, but never recorded
        assert {m.claimed_by for m in held.values()} != {None}  # the dead relay's lease

        # While the lease runs, another relay leaves the messages alone...
        early = forum.deliver_pending()
        if time.monotonic() - claimed_at < 2:
            assert early == DeliveryReport()
            assert len(deliveries(record)) == 1

        # ...and takes them over once it has run out.
        time.sleep(max(0.0, 2.1 - (time.monotonic() - claimed_at)))
        late = run(relay_command(url, record, "--once"))
        assert late.returncode == 0, late.stderr
        outbox = {m.id: m for m in forum.outbox()}
    assert duplicates(record) == {first: 2}  # the same id twice: at least once
    assert {message_id for message_id, _ in deliveries(record)} == {first, *others}
    assert {m.status for m in outbox.values()} == {DeliveryStatus.SENT}
    assert outbox[first].attempts == 1
    assert all(m.claimed_by is None for m in outbox.values())
