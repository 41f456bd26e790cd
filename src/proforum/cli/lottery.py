"""``proforum lottery verify``: check a public draw record without any database."""

from __future__ import annotations

import json
from pathlib import Path

import click

from proforum.domain.lottery import verify_record


@click.group("lottery")
def lottery_group() -> None:
    """Tools for the meetup lottery."""


@click.command("verify")
@click.argument("record", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(record: Path) -> None:
    """Recompute the draw in RECORD (draw.json); exit 0 when it is valid."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"not a JSON draw record: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise click.ClickException("not a JSON draw record: top level is not an object")
    result = verify_record(data)
    if result.valid:
        click.echo("valid")
        return
    click.echo(f"invalid: {result.discrepancy}", err=True)
    raise SystemExit(1)


lottery_group.add_command(verify_command)
