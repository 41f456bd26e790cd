"""``proforum meetups deadlines``: the scheduler's job for seat deadlines (operators only).

Run it every few minutes (cron, a systemd timer): it expires waitlist offers
and unconfirmed seats whose time ran out and offers the seats to the next
people on the waitlist.  It writes messages to the outbox; ``proforum notify
run`` delivers them.  Any number may run at once: each meetup is handled with
the meetup locked.
"""

from __future__ import annotations

import json

import click

import proforum

_DB_HELP = "Storage URL of the forum, e.g. sqlite:///forum.db or postgresql+psycopg://user@host/db."


@click.group("meetups")
def meetups_group() -> None:
    """Jobs that keep meetups moving (for operators, not members)."""


@click.command("deadlines")
@click.option("--db", "db", required=True, help=_DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def deadlines_command(db: str, as_json: bool) -> None:
    """Expire lapsed offers and unconfirmed seats; offer the seats to the waitlist."""
    with proforum.open(db, deliver="manual") as forum:
        report = forum.process_deadlines()
    if as_json:
        click.echo(json.dumps({"expired": report.expired, "offered": report.offered}))
        return
    click.echo(
        f"만료 {report.expired}건, 새 제안 {report.offered}건 / "
        f"{report.expired} expired, {report.offered} offered"
    )


meetups_group.add_command(deadlines_command)
