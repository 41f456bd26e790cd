"""Survey reports: the JSON document, CSV, the terminal view and chart images.

Every output comes from one :class:`SurveyReport`; these tests check that
each one shows exactly the figures of :class:`SurveyResult` — and nothing the
thresholds hide — and that ``proforum survey report`` checks who is asking.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

import proforum
from forum_world import T0
from proforum import ManualClock, SeededIds
from proforum.cli import main
from proforum.cli.survey_view import BAR_WIDTH, chart_lines, render_report
from proforum.domain.survey import Survey
from proforum.errors import ExtraNotInstalled, InvalidChartFormat
from proforum.survey_report import ALL, CSV_COLUMNS, REPORT_FORMAT, Bar, SurveyReport, bars_of
from sql_support import sqlite_url
from test_surveys import QUESTIONS, answer

RESPONDENTS = 20  # enough for figures (k=5) and, with every other one writing, free text (k=10)


def _answered_forum(forum: proforum.Forum, clock: ManualClock) -> tuple[Survey, str, str]:
    """A community survey with every kind of question, answered by 20 members.

    Returns the survey, the operator's id and the id of someone outside the community.
    """
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    survey = forum.create_community_survey(
        operator.id,
        community.id,
        title="커뮤니티 만족도 조사",
        questions=QUESTIONS,
        closes_at=clock.now() + timedelta(days=7),
        breakdown="experience",
    )

    cast = SimpleNamespace(forum=forum)  # all that answer() needs of a World
    for n in range(RESPONDENTS):
        member = forum.register_member(
            nickname=f"회원{n}", job_function="marketing-pr", years_of_experience=4 + n % 2 * 4
        )
        forum.join_community(member.id, community.id)
        answer(cast, member.id, survey, n)  # type: ignore[arg-type]
    outsider = forum.register_member(nickname="외부인", job_function="development")
    return survey, operator.id, outsider.id


@pytest.fixture
def report() -> SurveyReport:
    clock = ManualClock(T0)
    with proforum.open("memory://", clock=clock, ids=SeededIds("report")) as forum:
        survey, operator, _ = _answered_forum(forum, clock)
        return SurveyReport(
            forum.survey(operator, survey.id), forum.survey_result(operator, survey.id)
        )


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str, str]:
    """A SQLite file with the answered survey: (url, survey id, operator id, outsider id)."""
    url = sqlite_url(tmp_path_factory.mktemp("report") / "forum.db")
    clock = ManualClock(T0)
    with proforum.open(url, clock=clock, ids=SeededIds("report-sql")) as forum:
        survey, operator, outsider = _answered_forum(forum, clock)
    return url, survey.id, operator, outsider


# --------------------------------------------------------------------------- JSON


def test_the_document_carries_every_figure_of_the_result(report: SurveyReport) -> None:
    document = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    result = report.result
    assert document["format"] == REPORT_FORMAT
    assert document["survey"]["id"] == result.survey_id
    assert document["survey"]["anonymous"] is True
    assert (document["responses"], document["eligible"]) == (result.responses, result.eligible)
    assert document["response_rate"] == result.response_rate
    for question, shown, raw in zip(
        report.survey.questions, result.questions, document["questions"], strict=True
    ):
        assert raw["question_id"] == question.id
        assert raw["text"] == {"ko": question.text_ko, "en": question.text_en}
        assert raw["required"] is question.required
        assert raw["mean"] == shown.mean
        assert raw["hidden"] == (None if shown.hidden is None else shown.hidden.value)
        bars = bars_of(question, shown)
        assert raw["bars"] == (
            None
            if bars is None
            else [
                {"key": b.key, "label": {"ko": b.label_ko, "en": b.label_en}, "count": b.count}
                for b in bars
            ]
        )
    rating = document["questions"][0]
    assert sum(b["count"] for b in rating["bars"]) == rating["answered"] == RESPONDENTS
    assert [b["count"] for b in rating["bars"]] == list(result.questions[0].distribution or ())
    offline = next(q for q in document["questions"] if q["kind"] == "yes_no")
    assert {b["key"]: b["count"] for b in offline["bars"]} == offline["choices"]
    comment = next(q for q in document["questions"] if q["kind"] == "text")
    assert comment["bars"] is None
    assert comment["texts"] == sorted(comment["texts"])


def test_hidden_figures_stay_hidden_with_the_reason_in_both_languages(
    report: SurveyReport,
) -> None:
    document = report.to_dict()
    # Experience bands: 4-year and 8-year members, six of each; with k=5 the two
    # bands and the rest outside each are large enough, the two empty bands are not.
    hidden_bands = [b for b in document["bands"] if b["hidden"] is not None]
    shown_bands = [b for b in document["bands"] if b["hidden"] is None]
    assert {b["band"] for b in shown_bands} == {"3-5", "6-10"}
    for band in hidden_bands:
        assert band["respondents"] is None
        assert band["hidden_message"]["ko"]
        assert band["hidden_message"]["en"]
        for question in band["questions"]:
            assert question["bars"] is None
            assert question["mean"] is None
            assert question["choices"] is None
    for band in shown_bands:
        text_question = next(q for q in band["questions"] if q["kind"] == "text")
        assert text_question["texts"] is None
        assert "주관식" in text_question["hidden_message"]["ko"]


def test_a_result_of_another_survey_is_refused(report: SurveyReport) -> None:
    import attrs

    other = attrs.evolve(report.result, survey_id="srv_other")
    with pytest.raises(ValueError, match="another survey"):
        SurveyReport(report.survey, other)


# --------------------------------------------------------------------------- CSV


def test_csv_rows_match_the_result(report: SurveyReport) -> None:
    buffer = io.StringIO()
    report.write_csv(buffer, "en")
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS
    overall = [r for r in rows if r["group"] == ALL]
    for question, shown in report.questions():
        mine = [r for r in overall if r["question_id"] == question.id]
        summary, rest = mine[0], mine[1:]
        assert summary["item"] == ""
        assert summary["question"] == question.text_en
        assert summary["answered"] == str(shown.answered)
        bars = bars_of(question, shown) or ()
        assert [(r["item"], int(r["count"])) for r in rest if r["item"] != "text"] == [
            (b.key, b.count) for b in bars
        ]
        assert [r["text"] for r in rest if r["item"] == "text"] == list(shown.texts or ())
        if shown.mean is not None:
            assert float(summary["mean"]) == shown.mean
            assert shown.confidence_interval is not None
            assert float(summary["ci_low"]) == shown.confidence_interval[0]
    hidden = [r for r in rows if r["hidden"]]
    assert hidden, "the empty experience bands are reported as hidden"
    for row in hidden:
        assert row["item"] == ""
        assert row["mean"] == ""
        assert row["count"] == ""
        # Only the summary row: no counts of a hidden group anywhere.
        assert not [
            r
            for r in rows
            if r["group"] == row["group"] and r["question_id"] == row["question_id"] and r["item"]
        ]


def test_csv_keeps_korean_and_quotes_commas(report: SurveyReport) -> None:
    buffer = io.StringIO()
    report.write_csv(buffer, "ko")
    text = buffer.getvalue()
    assert "이 커뮤니티에 만족하시나요?" in text
    assert text.endswith("\r\n")
    parsed = list(csv.reader(io.StringIO(text)))
    assert all(len(row) == len(CSV_COLUMNS) for row in parsed)


# --------------------------------------------------------------------------- terminal


@given(st.lists(st.integers(min_value=0, max_value=240), min_size=1, max_size=11))
def test_bar_lengths_follow_the_counts(counts: list[int]) -> None:
    bars = [Bar(str(i), f"값{i}", f"v{i}", c) for i, c in enumerate(counts)]
    lines = chart_lines(bars, "ko")

    def drawn(line: str) -> float:
        bar = line.split("│", 1)[1][:BAR_WIDTH]
        partial = " ▏▎▍▌▋▊▉"
        return bar.count("█") + sum(partial.index(ch) / 8 for ch in bar if ch in partial[1:])

    lengths = [drawn(line) for line in lines]
    top = max(counts)
    for count, length in zip(counts, lengths, strict=True):
        if top:
            # Within one eighth of a cell of the exact length.
            assert abs(length - count * BAR_WIDTH / top) <= 1 / 16 + 1e-9
        else:
            assert length == 0
    # Counts up to 240 over 30 cells: different counts never draw the same bar.
    for a, la in zip(counts, lengths, strict=True):
        for b, lb in zip(counts, lengths, strict=True):
            if a < b:
                assert la < lb
    # Labels end in the same column whatever their width in cells.
    assert len({cell_len(line.split("│")[0]) for line in lines}) == 1


def test_the_terminal_view_shows_figures_and_reasons(report: SurveyReport) -> None:
    from rich.console import Console

    console = Console(width=120, record=True, color_system=None)
    console.print(render_report(report, "ko"))
    text = console.export_text()
    assert "커뮤니티 만족도 조사" in text
    assert f"응답 {RESPONDENTS}명" in text
    rating = report.result.questions[0]
    assert f"{rating.mean:.2f}" in text
    assert "공개하지 않음" in text  # the empty experience bands
    assert "의견 1" in text  # free text, above its own threshold of 10


# --------------------------------------------------------------------------- command line


def test_cli_report_in_every_format(on_sqlite: tuple[str, str, str, str]) -> None:
    url, survey_id, operator, _ = on_sqlite
    runner = CliRunner()
    base = ["survey", "report", survey_id, "--db", url, "--as", operator]
    table = runner.invoke(main, base)
    assert table.exit_code == 0, table.output
    assert "커뮤니티 만족도 조사" in table.output
    as_json = runner.invoke(main, [*base, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    with proforum.open(url) as forum:
        expected = SurveyReport(
            forum.survey(operator, survey_id), forum.survey_result(operator, survey_id)
        ).to_dict()
    assert json.loads(as_json.output) == json.loads(json.dumps(expected))
    as_csv = runner.invoke(main, [*base, "--format", "csv", "--lang", "en"])
    assert as_csv.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert rows[0]["question"] == "Are you happy with the community?"


def test_cli_report_checks_who_is_asking(on_sqlite: tuple[str, str, str, str]) -> None:
    url, survey_id, _, outsider = on_sqlite
    result = CliRunner().invoke(
        main, ["survey", "report", survey_id, "--db", url, "--as", outsider]
    )
    assert result.exit_code == 1
    assert "permission." in result.output
    assert "Traceback" not in result.output
    unknown = CliRunner().invoke(
        main, ["survey", "report", "srv_nothere", "--db", url, "--as", outsider]
    )
    assert unknown.exit_code == 1
    assert "lookup.not_found" in unknown.output


def test_cli_writes_a_chart(on_sqlite: tuple[str, str, str, str], tmp_path: Path) -> None:
    url, survey_id, operator, _ = on_sqlite
    chart = tmp_path / "report.svg"
    result = CliRunner().invoke(
        main, ["survey", "report", survey_id, "--db", url, "--as", operator, "--chart", str(chart)]
    )
    assert result.exit_code == 0, result.output
    assert chart.read_text(encoding="utf-8").startswith("<?xml")
    refused = CliRunner().invoke(
        main,
        [
            "survey",
            "report",
            survey_id,
            "--db",
            url,
            "--as",
            operator,
            "--chart",
            str(tmp_path / "a.gif"),
        ],
    )
    assert refused.exit_code == 1
    assert "input.chart_format" in refused.output
    assert not (tmp_path / "a.gif").exists()


# --------------------------------------------------------------------------- images


def _bar_widths(svg: str, question_id: str) -> dict[str, float]:
    root = ET.fromstring(svg)
    widths = {}
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        gid = group.get("id", "")
        prefix = f"bar-{question_id}-"
        if not gid.startswith(prefix):
            continue
        path = next(group.iter("{http://www.w3.org/2000/svg}path"))
        xs = [float(x) for x in re.findall(r"([\d.]+) [\d.]+", path.get("d", ""))]
        widths[gid.removeprefix(prefix)] = max(xs) - min(xs)
    return widths


def test_the_svg_draws_the_reported_bars(report: SurveyReport, tmp_path: Path) -> None:
    from proforum.charts import write_chart

    path = tmp_path / "chart.svg"
    assert write_chart(report, path, lang="ko") == "ko"
    svg = path.read_text(encoding="utf-8")
    assert "이 커뮤니티에 만족하시나요?" in svg  # text stays text: viewers draw the Hangul
    for question, shown in report.questions():
        bars = bars_of(question, shown)
        widths = _bar_widths(svg, question.id)
        if bars is None:
            assert widths == {}
            continue
        assert set(widths) == {b.key for b in bars}
        top = max(b.count for b in bars)
        scale = widths[next(b.key for b in bars if b.count == top)] / top
        for bar in bars:
            assert widths[bar.key] == pytest.approx(bar.count * scale, abs=0.01)
    # The same report gives the same file: nothing in it depends on when it was drawn.
    again = tmp_path / "again.svg"
    write_chart(report, again, lang="ko")
    assert again.read_bytes() == path.read_bytes()


def test_a_png_is_an_image_and_falls_back_to_english_without_a_hangul_font(
    report: SurveyReport, tmp_path: Path
) -> None:
    from proforum.charts import hangul_font, write_chart

    path = tmp_path / "chart.png"
    drawn_in = write_chart(report, path, lang="ko")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawn_in == ("ko" if hangul_font() else "en")
    image = __import__("matplotlib.image", fromlist=["imread"]).imread(path)
    height, width = image.shape[:2]
    assert width > 400
    assert height > 200 * len(report.survey.questions) // 2


def test_charts_need_the_extra(
    report: SurveyReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from proforum.charts import write_chart

    # A missing optional package is the one thing that cannot run for real here.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ExtraNotInstalled) as caught:
        write_chart(report, tmp_path / "chart.svg")
    assert "proforum[charts]" in caught.value.message_ko
    assert "proforum[charts]" in caught.value.message_en
    assert not (tmp_path / "chart.svg").exists()


def test_a_chart_format_other_than_png_or_svg_is_refused(
    report: SurveyReport, tmp_path: Path
) -> None:
    from proforum.charts import write_chart

    for name, forced in (("chart.gif", None), ("chart.svg", "pdf"), ("chart", None)):
        with pytest.raises(InvalidChartFormat):
            write_chart(report, tmp_path / name, format=forced)
        assert not (tmp_path / name).exists()
