"""``proforum demo``: replay the whole meetup story and print it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

import proforum
from proforum.demo import Step, StoryResult, narrate_text, run_story, story_start, summary_rows
from proforum.ports.clock import ManualClock, RandomIds, ReplayableSeeds, SeededIds

_TITLES = {
    "ko": ("proforum 데모 — 마케팅/PR 커뮤니티의 온라인 네트워킹 모임", "요약", "항목", "값"),
    "en": (
        "proforum demo — an online networking meetup of the Marketing/PR community",
        "Summary",
        "Item",
        "Value",
    ),
}
_STORED = {"ko": "저장소", "en": "stored in"}
_ROW_LABELS = {
    "ko": {
        "members": "회원",
        "applicants": "신청자",
        "selected": "당첨",
        "waitlist": "대기",
        "links": "링크 발송",
        "attended": "참석",
        "no_shows": "노쇼",
        "survey_mean": "설문 평균",
        "survey_offline_yes": "오프라인 참여 의향",
        "draw_valid": "추첨 검증",
    },
    "en": {
        "members": "members",
        "applicants": "applicants",
        "selected": "selected",
        "waitlist": "waitlist",
        "links": "links sent",
        "attended": "attended",
        "no_shows": "no-shows",
        "survey_mean": "survey average",
        "survey_offline_yes": "would join offline",
        "draw_valid": "draw valid",
    },
}


def write_outputs(out: Path, result: StoryResult) -> None:
    """Write ``draw.json`` (the public draw record) and ``survey.json`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "draw.json").write_text(
        json.dumps(result.draw_record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / "survey.json").write_text(
        json.dumps(result.survey_report.to_dict(), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )


@click.command("demo")
@click.option(
    "--lang",
    type=click.Choice(["ko", "en"]),
    default="ko",
    show_default=True,
    help="Language of the story.",
)
@click.option("--seed", default=None, help="Make the run reproducible (ids, lottery, choices).")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write draw.json and survey.json into this folder.",
)
@click.option(
    "--db",
    "db",
    default=None,
    help="Storage URL to run the story on (default: a new SQLite file in a temporary folder).",
)
def demo_command(lang: str, seed: str | None, out: Path | None, db: str | None) -> None:
    """Replay the meetup story of the Marketing/PR community end to end."""
    console = Console(highlight=False, soft_wrap=True)
    title, summary, item, value = _TITLES[lang]
    console.rule(f"[bold]{title}")
    clock = ManualClock(story_start())
    ids = SeededIds(f"proforum-demo:{seed}") if seed is not None else RandomIds()
    # A seeded demo draws the same way every run; without --seed, as in production.
    seeds = ReplayableSeeds(f"proforum-demo-lottery:{seed}") if seed is not None else None

    def narrate(step: Step) -> None:
        console.print(narrate_text(step, lang))

    if db is None:
        # The embedded default: a real database file, new for every run so that
        # the story always starts from an empty forum.
        folder = Path(tempfile.mkdtemp(prefix="proforum-demo-"))
        db = f"sqlite:///{folder / 'forum.db'}"
    with proforum.open(db, clock=clock, ids=ids, seeds=seeds) as forum:
        result = run_story(forum, clock, seed=seed or "", narrate=narrate)
    table = Table(title=summary)
    table.add_column(item)
    table.add_column(value, justify="right")
    for key, shown in summary_rows(result):
        table.add_row(_ROW_LABELS[lang][key], shown)
    console.print(table)
    if out is not None:
        write_outputs(out, result)
        console.print(f"→ {out / 'draw.json'}, {out / 'survey.json'}")
    console.print(f"→ {_STORED[lang]}: {db}")
    if not db.startswith("memory:"):
        # The forum outlives the run: say how to look at its survey again.
        console.print(
            f"→ proforum survey report {result.survey_report.survey.id} "
            f"--db '{db}' --as {result.host_id}"
        )
