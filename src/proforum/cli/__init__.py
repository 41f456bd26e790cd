"""The ``proforum`` command line: ``demo``, ``export``, ``import``, ``member``, ``lottery verify``, ``meetups deadlines``, ``survey report``, ``notify``, ``db`` and ``plugins``."""

from __future__ import annotations

from typing import Any

import click

from proforum import __version__
from proforum.cli.data import export_command, import_command
from proforum.cli.db import db_group
from proforum.cli.demo import demo_command
from proforum.cli.lottery import lottery_group
from proforum.cli.meetups import meetups_group
from proforum.cli.member import member_group
from proforum.cli.notify import notify_group
from proforum.cli.plugins import plugins_command
from proforum.cli.survey import survey_group
from proforum.errors import ProforumError


class ProforumGroup(click.Group):
    """A command group that reports proforum errors as one clean line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the chosen command; a :class:`ProforumError` becomes a click error (exit 1)."""
        try:
            return super().invoke(ctx)
        except ProforumError as exc:
            # str() carries the code and both messages, and never the offending value.
            raise click.ClickException(str(exc)) from None


@click.group(cls=ProforumGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="proforum")
def main() -> None:
    """proforum: professional communities, meetups, lotteries and anonymous surveys."""


main.add_command(demo_command)
main.add_command(export_command)
main.add_command(import_command)
main.add_command(lottery_group)
main.add_command(meetups_group)
main.add_command(member_group)
main.add_command(db_group)
main.add_command(plugins_command)
main.add_command(notify_group)
main.add_command(survey_group)

__all__ = ["main"]
