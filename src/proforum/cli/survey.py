"""``proforum survey report``: a survey's honest figures as a table, CSV, JSON or a chart."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click
from rich.console import Console

import proforum
from proforum.domain.common import MemberId, SurveyId
from proforum.errors import Lang
from proforum.survey_report import SurveyReport


@click.group("survey")
def survey_group() -> None:
    """Anonymous surveys: reports of their results."""


@click.command("report")
@click.argument("survey_id")
@click.option("--db", "db", required=True, help="Storage URL of the forum.")
@click.option(
    "--as",
    "actor",
    required=True,
    metavar="MEMBER_ID",
    help="Who is asking: an organiser of the survey or a member of its audience.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table: for reading in the terminal; csv and json: for other programs.",
)
@click.option(
    "--lang",
    type=click.Choice(["ko", "en"]),
    default="ko",
    show_default=True,
    help="Language of the table, the CSV's question texts and the chart.",
)
@click.option(
    "--chart",
    "chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help='Also draw the report as an image (.png or .svg); needs "proforum[charts]".',
)
def report_command(
    survey_id: str,
    db: str,
    actor: str,
    output_format: str,
    lang: Lang,
    chart: Path | None,
) -> None:
    """Print the result of SURVEY_ID, hiding what its minimum group sizes hide.

    The figures are computed by the database; a group smaller than the
    survey's threshold shows the reason instead of its figures, in every
    format and in the chart.
    """
    with proforum.open(db, deliver="manual") as forum:
        member, survey = MemberId(actor), SurveyId(survey_id)
        report = SurveyReport(forum.survey(member, survey), forum.survey_result(member, survey))
    if chart is not None:
        # Checked and drawn first: a missing extra must not leave half an output behind.
        from proforum.charts import write_chart

        drawn_in = write_chart(report, chart, lang=lang)
        if drawn_in != lang:
            click.echo(
                "no font with Hangul on this machine: the PNG is labelled in English "
                "(an SVG keeps Korean text)",
                err=True,
            )
    if output_format == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    elif output_format == "csv":
        buffer = io.StringIO()
        report.write_csv(buffer, lang)
        sys.stdout.write(buffer.getvalue())
    else:
        from proforum.cli.survey_view import print_report

        print_report(report, Console(), lang)
    if chart is not None:
        click.echo(f"→ {chart}", err=True)


survey_group.add_command(report_command)
