"""``proforum member export`` and ``proforum member erase``: one member's personal data.

These are operator commands: whoever can run them can read the database
anyway.  They act on the member's behalf, as the member could through
:meth:`~proforum.Forum.export_member` and :meth:`~proforum.Forum.erase_member`.
"""

from __future__ import annotations

import json
import os
import sys

import click

import proforum
from proforum.domain.common import MemberId, check_id


@click.group("member")
def member_group() -> None:
    """A member's right of access and right to erasure."""


@member_group.command("export")
@click.option("--db", "db", required=True, help="Storage URL to read.")
@click.option(
    "--out",
    "target",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="Where to write the JSON (default: standard output).",
)
@click.argument("member_id")
def export_member_command(db: str, target: str, member_id: str) -> None:
    """Write everything stored about MEMBER_ID as JSON."""
    member = MemberId(check_id("member_id", member_id))
    with proforum.open(db, deliver="manual") as forum:
        document = forum.export_member(member, member)
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if target == "-":
        sys.stdout.write(text)
        return
    # Personal data: readable by its owner only, whatever the umask.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


@member_group.command("erase")
@click.option("--db", "db", required=True, help="Storage URL to change.")
@click.option("--yes", is_flag=True, help="Do it: erasure cannot be undone.")
@click.argument("member_id")
def erase_member_command(db: str, yes: bool, member_id: str) -> None:
    """Erase MEMBER_ID's personal data, keeping their posts under a pseudonym."""
    member = MemberId(check_id("member_id", member_id))
    if not yes:
        raise click.UsageError(
            "erasure cannot be undone: add --yes / 되돌릴 수 없습니다: --yes를 붙이세요"
        )
    with proforum.open(db, deliver="manual") as forum:
        erased = forum.erase_member(member, member)
    click.echo(f"erased {erased.id}: now shown as {erased.display_name}")
