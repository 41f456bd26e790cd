"""``proforum export`` and ``proforum import``: a whole forum as one JSON document."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

import proforum
from proforum.errors import ProforumError


@click.command("export")
@click.option("--db", "db", required=True, help="Storage URL to read.")
@click.argument("target", type=click.Path(dir_okay=False, allow_dash=True), default="-")
def export_command(db: str, target: str) -> None:
    """Write the forum at --db as JSON to TARGET (default: standard output)."""
    with proforum.open(db, deliver="manual") as forum:
        document = forum.export_data()
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if target == "-":
        sys.stdout.write(text)
    else:
        # An export holds meeting links, unrevealed lottery seeds and real names:
        # readable by its owner only, whatever the umask.
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)


@click.command("import")
@click.option("--db", "db", required=True, help="Storage URL to load into (must be empty).")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def import_command(db: str, source: str) -> None:
    """Load a JSON export from SOURCE into the empty forum at --db."""
    raw = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"not JSON / JSON이 아닙니다: line {exc.lineno}") from None
    with proforum.open(db, deliver="manual") as forum:
        try:
            forum.import_data(document)
        except ProforumError as exc:
            raise click.ClickException(str(exc)) from None
        counts = {name: len(rows) for name, rows in forum.export_data()["tables"].items()}
    click.echo(" ".join(f"{name}={n}" for name, n in counts.items() if n))
