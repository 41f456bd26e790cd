"""Which endpoints answered ``410 Gone``: remembered in memory and, optionally, in a file.

The state file is a small JSON document shared by every process that names it::

    {
      "format": "proforum-webhook/endpoints",
      "version": 1,
      "disabled": {
        "sha256:9f2c…": {"endpoint": "https://hooks.example.com:443",
                         "status": 410, "disabled_at": "2026-12-01T01:00:00Z"}
      }
    }

Endpoints are keyed by the SHA-256 of their URL, so a token in the URL's path
or query never lands on disk; ``endpoint`` keeps only ``scheme://host:port``
for the operator's benefit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from proforum_webhook.errors import WebhookOptionInvalid
from proforum_webhook.payload import iso_utc

log = logging.getLogger("proforum_webhook")

FORMAT = "proforum-webhook/endpoints"
VERSION = 1

Disabled = dict[str, dict[str, Any]]

# Writes are rare (a 410, an operator re-enabling): one lock for all of them is
# enough within a process; the lock file below serialises processes.
_write_lock = threading.Lock()


class StateFileInvalid(Exception):
    """The state file exists but cannot be read as a proforum-webhook state file."""


def fingerprint(url: str) -> str:
    """The key of ``url`` in a state file: its SHA-256, from which the URL cannot be read back."""
    return "sha256:" + hashlib.sha256(url.encode("utf-8")).hexdigest()


def read_state(path: Path) -> Disabled:
    """Return the disabled endpoints recorded in ``path``; a missing file records none.

    :raises StateFileInvalid: the file cannot be read or is not a state file.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError):
        raise StateFileInvalid from None
    try:
        document = json.loads(text)
    except ValueError:
        raise StateFileInvalid from None
    if (
        not isinstance(document, dict)
        or document.get("format") != FORMAT
        or not isinstance(document.get("disabled"), dict)
    ):
        raise StateFileInvalid
    return {
        key: record
        for key, record in document["disabled"].items()
        if isinstance(key, str) and isinstance(record, dict)
    }


def _write_state(path: Path, disabled: Disabled) -> None:
    """Replace ``path`` atomically: readers see the old document or the new one, never half."""
    document = {"format": FORMAT, "version": VERSION, "disabled": disabled}
    data = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    # Same directory as the target: a rename is only atomic within one file system.
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())  # the bytes are on disk before the name points at them
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold the state file's lock: one read-modify-write at a time, across processes."""
    with _write_lock:
        if sys.platform == "win32":
            # No flock(); processes could still lose an update written at the
            # same instant, which only costs one more 410 later.
            yield
            return
        import fcntl

        # A separate lock file: the state file itself is replaced on every
        # write, so a lock on it would guard an inode nobody reads any more.
        with open(path.with_name(path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _update(path: Path, change: Callable[[Disabled], bool], *, strict: bool) -> bool:
    """Apply ``change`` to the file's records under the lock; write only if it changed them."""
    with _exclusive(path):
        try:
            disabled = read_state(path)
        except StateFileInvalid:
            if strict:
                raise
            # Recording a 410 matters more than keeping records nobody can read.
            log.warning("webhook state file is unreadable and is rewritten")
            disabled = {}
        changed = change(disabled)
        if changed:
            _write_state(path, disabled)
        return changed


class EndpointState:
    """Whether one endpoint is disabled, for the notifier that delivers to it.

    Without a state file the memory of a ``410`` lasts as long as the notifier.
    With one, the file is the reference: it is read before every delivery, so
    an endpoint disabled or re-enabled by another process is seen at once.  A
    state file that cannot be read falls back to the memory (and is logged):
    it saves HTTP calls, it is not needed for delivery to be correct.
    """

    def __init__(self, url: str, endpoint: str, state_file: Path | None) -> None:
        self._key = fingerprint(url)
        self._endpoint = endpoint
        self._state_file = state_file
        self._lock = threading.Lock()
        self._disabled = False
        # A 410 the file could not record: the memory outranks the file until
        # the endpoint is re-enabled, or the file would undo it.
        self._unsaved = False

    def __repr__(self) -> str:
        return f"EndpointState(endpoint={self._endpoint!r}, state_file={self._state_file!r})"

    def is_disabled(self) -> bool:
        """Tell whether the endpoint answered ``410 Gone`` and was not re-enabled since."""
        with self._lock:
            if self._state_file is None or self._unsaved:
                return self._disabled
        try:
            disabled = self._key in read_state(self._state_file)
        except StateFileInvalid:
            log.warning("webhook state file is unreadable; using the notifier's memory")
        else:
            with self._lock:
                if not self._unsaved:  # a failed disable() meanwhile keeps its word
                    self._disabled = disabled
        with self._lock:
            return self._disabled

    def disable(self, at: datetime, status: int) -> None:
        """Remember that the endpoint is gone, in memory and in the state file."""
        with self._lock:
            self._disabled = True
        if self._state_file is None:
            return
        record = {
            "endpoint": self._endpoint,
            "status": status,
            "disabled_at": iso_utc(at),
        }

        def add(disabled: Disabled) -> bool:
            disabled[self._key] = record
            return True

        try:
            _update(self._state_file, add, strict=False)
        except OSError as exc:
            # The message is dead-lettered anyway; the memory alone keeps the
            # endpoint disabled, for as long as this notifier lives.
            with self._lock:
                self._unsaved = True
            log.warning("could not record the disabled webhook endpoint: %s", type(exc).__name__)

    def enable(self) -> bool:
        """Deliver to the endpoint again; return whether it was disabled."""
        with self._lock:
            was_disabled = self._disabled
            self._disabled = False
            self._unsaved = False
        if self._state_file is not None:
            was_disabled = _remove(self._state_file, self._key, strict=False) or was_disabled
        return was_disabled


def _remove(path: Path, key: str, *, strict: bool) -> bool:
    def drop(disabled: Disabled) -> bool:
        return disabled.pop(key, None) is not None

    if not path.exists():
        return False
    return _update(path, drop, strict=strict)


def enable_endpoint(url: str, state_file: str | os.PathLike[str]) -> bool:
    """Re-enable the endpoint at ``url`` in ``state_file``, from any process.

    Notifiers using that state file deliver to it again from their next
    message.  ``url`` must be written exactly as in the notifier's ``url``
    option.  A notifier without a state file is re-enabled with
    :meth:`proforum_webhook.WebhookNotifier.enable` instead.

    :return: whether the endpoint was disabled in the file.
    :raises WebhookOptionInvalid: ``state_file`` exists but is not a readable
        proforum-webhook state file (it is left untouched).
    """
    try:
        return _remove(Path(os.fspath(state_file)), fingerprint(url), strict=True)
    except StateFileInvalid:
        raise WebhookOptionInvalid(
            None,
            option="state_file",
            rule_ko="읽을 수 없거나 proforum-webhook 상태 파일이 아닙니다.",
            rule_en="cannot be read, or is not a proforum-webhook state file.",
        ) from None
