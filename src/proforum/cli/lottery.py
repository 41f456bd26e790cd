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
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"valid", "algorithm", "discrepancy"} as JSON on stdout instead of text.',
)
def verify_command(record: Path, as_json: bool) -> None:
    """Recompute the draw in RECORD (draw.json, v1 or v2); exit 0 when it is valid.

    On a discrepancy the first one found is printed on stderr (or in the JSON
    output) and the exit status is 1.  Beacon randomness is taken as written:
    check it against https://api.drand.sh yourself.
    """
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"not a JSON draw record: {type(exc).__name__}: {exc}") from None
    if not isinstance(data, dict):
        raise click.ClickException("not a JSON draw record: top level is not an object")
    result = verify_record(data)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "valid": result.valid,
                    "algorithm": data.get("algorithm"),
                    "discrepancy": result.discrepancy,
                },
                ensure_ascii=False,
            )
        )
    elif result.valid:
        click.echo("valid")
    else:
        click.echo(f"invalid: {result.discrepancy}", err=True)
    if not result.valid:
        raise SystemExit(1)


lottery_group.add_command(verify_command)
