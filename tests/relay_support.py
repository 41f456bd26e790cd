"""A notifier for relay tests that several processes share, and helpers to fill an outbox.

``appending`` records every delivery as one line, ``<message id> <pid>``,
appended to the file named by its ``path`` option (``O_APPEND`` writes of a
short line are atomic, so lines of concurrent processes never mix).  Options
are text, as ``proforum notify run --option KEY=VALUE`` passes them:

* ``path``: the record file (required to deliver);
* ``ready``: a file the factory appends ``<pid>`` to when a forum builds the
  notifier, so a test knows the relay process is up;
* ``kill_after``: after recording this many deliveries the process kills
  itself with SIGKILL, before the relay can record the last one as sent;
* ``delay``: seconds to sleep after each delivery (a slow receiver).

Registered as a plugin by ``--plugin relay_support`` (the tests directory is
on ``PYTHONPATH``) or with :func:`plugin_manager` in the test process.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pluggy

import proforum
from proforum.domain.common import MemberId, MessageId
from proforum.domain.identity import Member
from proforum.domain.notification import Message, MessageKind
from proforum.ports.context import AdapterContext
from proforum.ports.notifier import RenderedMessage
from proforum.ports.storage import Storage
from proforum.testing.contracts import sample_member

NAME = "appending"
T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def _append(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


@attrs.define
class AppendingNotifier:
    """Appends ``<message id> <pid>`` to ``path`` for every delivery."""

    path: Path | None
    kill_after: int | None = None
    delay: float = 0.0
    delivered: int = 0
    name: str = NAME

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        if self.path is None:
            raise RuntimeError("the appending notifier has no path")
        _append(self.path, f"{message.id} {os.getpid()}\n")
        self.delivered += 1
        if self.kill_after is not None and self.delivered >= self.kill_after:
            # Sent, but the relay never gets to record it.
            os.kill(os.getpid(), signal.SIGKILL)
        if self.delay:
            time.sleep(self.delay)


@attrs.frozen
class AppendingFactory:
    name: str = NAME

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> AppendingNotifier:
        ready = options.get("ready")
        if ready:
            _append(Path(ready), f"{os.getpid()}\n")
        kill_after = options.get("kill_after")
        path = options.get("path")
        return AppendingNotifier(
            path=Path(path) if path else None,
            kill_after=int(kill_after) if kill_after else None,
            delay=float(options.get("delay", 0)),
        )


@proforum.hookimpl
def proforum_register_notifiers() -> list[AppendingFactory]:
    return [AppendingFactory()]


def plugin_manager() -> pluggy.PluginManager:
    """The built-ins and this module; no entry points."""
    import sys

    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(sys.modules[__name__], name="relay_support")
    return pm


def fill_outbox(storage: Storage, count: int, *, members: int = 30, start: int = 0) -> list[str]:
    """Write ``members`` members (if missing) and ``count`` pending messages for ``appending``."""
    ids = []
    with storage.unit_of_work() as uow:
        for n in range(1, members + 1):
            member = sample_member(n)
            if uow.members.get(member.id) is None:
                uow.members.add(member)
        for n in range(start, start + count):
            message = Message(
                id=MessageId(f"msg_{n:05d}"),
                recipient_id=MemberId(f"mem_{n % members + 1:04d}"),
                kind=MessageKind.APPLICATION_RECEIVED,
                channel=NAME,
                created_at=T0 + timedelta(seconds=n),
                params={"meetup_title": "퍼포먼스 마케터끼리 만나요!"},
            )
            uow.messages.add(message)
            ids.append(message.id)
        uow.commit()
    return ids


def deliveries(path: Path) -> list[tuple[str, int]]:
    """Every recorded delivery, in order: ``(message id, pid)``."""
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        message_id, pid = line.split()
        found.append((message_id, int(pid)))
    return found


def duplicates(path: Path) -> dict[str, int]:
    """Message ids delivered more than once, with how many times."""
    counts = Counter(message_id for message_id, _ in deliveries(path))
    return {message_id: n for message_id, n in counts.items() if n > 1}
