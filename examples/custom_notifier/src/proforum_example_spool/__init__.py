"""proforum-example-spool: leave each proforum message as a JSON file in a directory.

Another process (a mailer, a chat bot, a batch job) picks the files up and
deletes them once handled. Install the distribution, then choose the notifier
by name::

    forum = proforum.open(
        "sqlite:///forum.db",
        notifier="spool",
        notifier_options={"spool": {"directory": "/var/spool/proforum"}},
    )

Each message becomes ``<directory>/<message id>.json``. Files are written
atomically (a hidden temporary file in the same directory, then a rename), so
a reader globbing ``*.json`` never sees half a file; and because the name is
the message's id, a retried delivery overwrites its own file instead of adding
a second one.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from importlib import metadata as _metadata
from pathlib import Path
from typing import Any

import attrs

import proforum
from proforum.domain.identity import Member
from proforum.domain.notification import Message
from proforum.errors import PluginError
from proforum.ports.context import AdapterContext
from proforum.ports.notifier import RenderedMessage

try:
    # The version is written once, in pyproject.toml, and read back from the
    # installed distribution's metadata.
    __version__ = _metadata.version("proforum-example-spool")
except _metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "FORMAT",
    "SpoolError",
    "SpoolMessageIdInvalid",
    "SpoolNotConfigured",
    "SpoolNotifier",
    "SpoolNotifierFactory",
    "SpoolOptionInvalid",
    "__version__",
    "proforum_register_notifiers",
]

log = logging.getLogger(__name__)

#: The ``format`` field of every file, for readers to check what they parse.
FORMAT = "proforum-spool-v1"

# Message ids become file names: anything that could leave the directory
# ("../", a drive letter, a path separator) is refused rather than cleaned up.
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_OPTIONS = frozenset({"directory"})


# -- errors: proforum errors with a stable code, Korean and English messages --


class SpoolError(PluginError):
    """Base class of the spool notifier's errors."""

    code = "spool.error"
    template_ko = "스풀 알림 오류가 발생했습니다."
    template_en = "A spool notifier error occurred."


class SpoolOptionInvalid(SpoolError):
    """An entry of ``notifier_options["spool"]`` is unknown or malformed."""

    code = "spool.option_invalid"
    template_ko = "스풀 알림 설정 '{option}'이(가) 올바르지 않습니다."
    template_en = "Spool notifier option '{option}' is not valid."


class SpoolNotConfigured(SpoolError):
    """A message was handed to the notifier of a forum opened without a directory."""

    code = "spool.not_configured"
    template_ko = (
        "스풀 알림의 디렉터리가 설정되지 않았습니다. proforum.open()의 "
        "notifier_options={{'spool': {{'directory': ...}}}}로 넘겨 주세요."
    )
    template_en = (
        "The spool notifier has no directory. Pass it to proforum.open() as "
        "notifier_options={{'spool': {{'directory': ...}}}}."
    )


class SpoolMessageIdInvalid(SpoolError):
    """A message id that cannot safely be used as a file name."""

    code = "spool.message_id_invalid"
    template_ko = "알림 id를 파일 이름으로 쓸 수 없습니다."
    template_en = "The message id cannot be used as a file name."


# -- the notifier -------------------------------------------------------------


@attrs.frozen
class SpoolNotifier:
    """Writes each message to ``<directory>/<message id>.json``, atomically.

    ``directory`` is ``None`` for a forum opened without spool options: such a
    forum opens normally and only a delivery through ``spool`` fails.
    """

    directory: Path | None
    name: str = "spool"

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        """Write ``message`` for ``recipient``; a redelivery replaces the earlier file."""
        if self.directory is None:
            raise SpoolNotConfigured()
        if not _SAFE_ID.fullmatch(message.id):
            raise SpoolMessageIdInvalid(message.id)
        document = {
            "format": FORMAT,
            "message_id": message.id,
            "recipient_id": recipient.id,
            "kind": str(message.kind),
            "created_at": message.created_at.isoformat(),
            "lang": rendered.lang,
            "subject": rendered.subject,
            "body": rendered.body,  # may hold the meeting link: only in the file
        }
        data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_atomically(self.directory / f"{message.id}.json", data)
        # Ids only: the subject and body stay out of logs.
        log.debug("spooled message %s for member %s", message.id, recipient.id)


def _write_atomically(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` so readers see the old file or the new one.

    The temporary file lives in the same directory (a rename is only atomic
    within one file system), starts with a dot and ends in ``.tmp`` so readers
    looking for ``*.json`` skip it, and is readable by its owner only, because
    the body may hold a meeting link.
    """
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())  # the bytes are on disk before the name points at them
        os.replace(temp_name, target)  # atomic, and overwrites an earlier delivery
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open directories."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- the factory: what proforum builds the notifier from -----------------------


@attrs.frozen
class SpoolNotifierFactory:
    """Registers :class:`SpoolNotifier` under the name ``spool``."""

    name: str = "spool"

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> SpoolNotifier:
        """Check the options; touch no file (the directory is made on first delivery).

        A forum that installed this plugin but does not use it passes no options:
        that must not stop the forum from opening.
        """
        unknown = sorted(set(options) - _OPTIONS)
        if unknown:
            raise SpoolOptionInvalid(unknown[0], option=unknown[0])
        directory = options.get("directory")
        if directory is None:
            return SpoolNotifier(None)
        if not isinstance(directory, str | os.PathLike) or not os.fspath(directory):
            raise SpoolOptionInvalid(directory, option="directory")
        return SpoolNotifier(Path(directory))


# -- the hook proforum calls -------------------------------------------------------


@proforum.hookimpl
def proforum_register_notifiers() -> list[SpoolNotifierFactory]:
    """Provide the ``spool`` notifier."""
    return [SpoolNotifierFactory()]
