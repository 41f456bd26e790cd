"""``proforum notify``: run the message relay, list and retry dead letters (operators only).

``notify run`` is the worker of a forum opened with ``deliver="manual"``: one
pass (``--once``, the default, for cron) or passes until SIGTERM or Ctrl-C
(``--forever``).  Any number of them may run on one database; claims with a
lease keep them from sending the same message at once.  Delivery is at least
once: receivers drop duplicates by the message id.

``notify dead`` lists messages that failed for good, never their parameters
or links; ``notify retry`` puts them back in the outbox.
"""

from __future__ import annotations

import importlib
import json
import signal
import threading
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

import click
from rich.console import Console
from rich.table import Table

import proforum
from proforum.domain.common import MessageId
from proforum.domain.notification import Message
from proforum.services.base import DEFAULT_LEASE, DeliveryReport

_DB_HELP = "Storage URL of the forum, e.g. sqlite:///forum.db or postgresql+psycopg://user@host/db."


@click.group("notify")
def notify_group() -> None:
    """Run the message relay and handle dead letters (for operators, not members)."""


# --------------------------------------------------------------------------- notifier settings


def _options(values: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE`` pairs as a dict; the value is text, everything after the first ``=``."""
    found: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter("expected KEY=VALUE", param_hint="'--option'")
        found[key.strip()] = text
    return found


def _config(path: Path | None) -> dict[str, dict[str, Any]]:
    """Notifier options from a TOML or JSON file: one table (object) per notifier name."""
    if path is None:
        return {}
    raw = path.read_bytes()
    try:
        if path.suffix.lower() == ".toml":
            document: Any = tomllib.loads(raw.decode("utf-8"))
        else:
            document = json.loads(raw)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        # The file's text is not quoted back: it may hold a password.
        raise click.ClickException(
            f"설정 파일을 읽을 수 없습니다 / the config file cannot be read: {type(exc).__name__}"
        ) from None
    if not isinstance(document, Mapping) or not all(
        isinstance(name, str) and isinstance(options, Mapping) for name, options in document.items()
    ):
        raise click.ClickException(
            "설정 파일은 알림 방식 이름마다 옵션 표를 하나씩 담아야 합니다"
            " / the config file must hold one table of options per notifier name"
        )
    return {name: dict(options) for name, options in document.items()}


def _plugin(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:  # ImportError, or whatever the module raises on import
        raise click.BadParameter(
            f"cannot import {name!r} ({type(exc).__name__})", param_hint="'--plugin'"
        ) from None


def _open(
    db: str,
    *,
    notifier: str = "inbox",
    options: Sequence[str] = (),
    config: Path | None = None,
    plugins: Sequence[str] = (),
) -> proforum.Forum:
    """Open the forum at ``db`` for the relay: manual delivery, the given notifier settings."""
    settings = _config(config)
    if options:
        settings[notifier] = {**settings.get(notifier, {}), **_options(options)}
    pm = proforum.get_plugin_manager()
    for name in plugins:
        module = _plugin(name)
        if not pm.is_registered(module):
            pm.register(module, name=f"cli:{name}")
    return proforum.open(
        db, plugin_manager=pm, notifier=notifier, notifier_options=settings, deliver="manual"
    )


# --------------------------------------------------------------------------- run


def _summary(report: DeliveryReport) -> str:
    return f"sent={report.sent} retrying={report.retrying} failed={report.failed}"


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT (the pass under way finishes first)."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield stop  # only the main thread may set signal handlers
        return
    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@notify_group.command("run")
@click.option("--db", "db", required=True, help=_DB_HELP)
@click.option(
    "--once/--forever",
    default=True,
    show_default=True,
    help="One relay pass, or passes until SIGTERM or Ctrl-C.",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=100,
    show_default=True,
    help="Most messages one pass claims.",
)
@click.option(
    "--interval",
    type=click.FloatRange(0, 3600),
    default=5.0,
    show_default=True,
    help="Seconds to wait after a pass that found little to do (--forever).",
)
@click.option(
    "--lease",
    type=click.FloatRange(1, 86_400),
    default=DEFAULT_LEASE.total_seconds(),
    show_default=True,
    help="Seconds a pass holds its messages before another relay may take them over.",
)
@click.option(
    "--notifier",
    default="inbox",
    show_default=True,
    help="The notifier --option and the forum's new messages refer to.",
)
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A text option of --notifier; repeat for more.",
)
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML (.toml) or JSON file with a table of options per notifier name.",
)
@click.option(
    "--plugin",
    "plugins",
    multiple=True,
    metavar="MODULE",
    help="Import MODULE and register it as a plugin (a notifier without an entry point).",
)
def run_command(
    db: str,
    once: bool,
    limit: int,
    interval: float,
    lease: float,
    notifier: str,
    options: tuple[str, ...],
    config: Path | None,
    plugins: tuple[str, ...],
) -> None:
    """Deliver due messages through their notifiers and print what happened.

    Each message is delivered by the notifier it was written for (its
    channel); --option and --config give notifiers their settings.
    Several relays may run on one database at once.  Delivery is at least
    once: a relay that dies mid-pass leaves its messages to another relay
    after the lease, which may send one again with the same message id.
    """
    with _open(db, notifier=notifier, options=options, config=config, plugins=plugins) as forum:
        span = timedelta(seconds=lease)
        if once:
            report = forum.deliver_pending(limit=limit, lease=span)
        else:
            with _stop_on_signals() as stop:
                report = forum.run_relay(stop=stop, idle_sleep=interval, limit=limit, lease=span)
    click.echo(_summary(report))


# --------------------------------------------------------------------------- dead letters


def _dead_row(message: Message) -> dict[str, Any]:
    """What ``notify dead`` shows of a message: never its parameters (they may hold links)."""
    return {
        "id": message.id,
        "recipient_id": message.recipient_id,
        "kind": message.kind.value,
        "channel": message.channel,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "created_at": message.created_at.isoformat(),
    }


@notify_group.command("dead")
@click.option("--db", "db", required=True, help=_DB_HELP)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table: for reading in the terminal; json: for other programs.",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=50,
    show_default=True,
    help="Most messages to list.",
)
@click.option(
    "--before",
    "before_id",
    metavar="MESSAGE_ID",
    help="List the messages after this one (the last of the previous listing).",
)
def dead_command(db: str, output_format: str, limit: int, before_id: str | None) -> None:
    """List messages that failed for good (dead letters), newest first.

    Shows each message's id, recipient id, kind, channel, attempts, last
    error and creation time; never its parameters, which may hold links.
    """
    with _open(db) as forum:
        before = None if before_id is None else MessageId(before_id)
        rows = [_dead_row(m) for m in forum.dead_letters(limit=limit, before_id=before)]
    if output_format == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False, width=None if Console().is_terminal else 200)
    if not rows:
        console.print("실패한 메시지가 없습니다 / no dead letters")
        return
    table = Table(title="dead letters")
    for column in ("id", "recipient_id", "kind", "channel", "attempts", "last_error", "created_at"):
        table.add_column(column, no_wrap=column != "last_error")
    for row in rows:
        table.add_row(*(str(value if value is not None else "-") for value in row.values()))
    console.print(table)


@notify_group.command("retry")
@click.option("--db", "db", required=True, help=_DB_HELP)
@click.option("--all", "every", is_flag=True, help="Every failed message.")
@click.argument("message_ids", nargs=-1, metavar="[MESSAGE_ID]...")
def retry_command(db: str, every: bool, message_ids: tuple[str, ...]) -> None:
    """Put failed messages back in the outbox, attempts reset to zero.

    Name the messages, or pass --all.  Named messages must all be failed;
    otherwise nothing changes.  The next `proforum notify run` delivers them.
    """
    if every == bool(message_ids):
        raise click.UsageError("name MESSAGE_IDs or pass --all, not both and not neither")
    with _open(db) as forum:
        ids = None if every else [MessageId(m) for m in message_ids]
        count = forum.retry_dead_letters(ids)
    click.echo(
        f"메시지 {count}개를 발송 대기열에 다시 넣었습니다 / {count} message(s) back in the outbox"
    )
