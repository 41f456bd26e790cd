"""A survey report in the terminal: a table of figures and a bar chart per question."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from proforum.domain.survey_questions import Question
from proforum.domain.survey_result import QuestionResult
from proforum.errors import Lang
from proforum.survey_report import Bar, SurveyReport, band_label, bars_of

#: Width of the longest bar, in terminal cells.
BAR_WIDTH = 30

_WORDS: dict[str, tuple[str, str]] = {
    "anonymous": ("익명 설문", "anonymous survey"),
    "identified": ("기명 설문", "identified survey"),
    "responses": ("응답 {n}명", "{n} responses"),
    "rate": ("응답률 {rate}%", "response rate {rate}%"),
    "rate_unknown": ("응답률 -", "response rate -"),
    "state_open": ("진행 중", "open"),
    "state_closed": ("마감", "closed"),
    "threshold": (
        "{k}명 미만인 집단의 수치는 공개하지 않음 (주관식 {kt}명)",
        "figures of groups under {k} are not shown ({kt} for free text)",
    ),
    "question": ("문항", "question"),
    "answered": ("응답", "answered"),
    "mean": ("평균 (95% 신뢰구간)", "mean (95% CI)"),
    "median": ("중앙값", "median"),
    "nps": ("NPS", "NPS"),
    "bands": ("경력별 ({k}명 이상인 집단만)", "by experience (groups of {k} or more only)"),
    "band": ("경력", "experience"),
    "texts": ("주관식 답변", "written answers"),
}


def _word(key: str, lang: Lang, **values: object) -> str:
    ko, en = _WORDS[key]
    return (ko if lang == "ko" else en).format(**values)


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _mean(result: QuestionResult) -> str:
    if result.mean is None:
        return "-"
    interval = result.confidence_interval
    if interval is None:
        return _figure(result.mean)
    return f"{result.mean:.2f} ({interval[0]:.2f}–{interval[1]:.2f})"


def chart_lines(bars: Sequence[Bar], lang: Lang, width: int = BAR_WIDTH) -> list[str]:
    """A horizontal bar chart as plain lines: label, bar, count and share.

    The longest bar is ``width`` cells; the others are scaled to it, rounding
    to the nearest eighth of a cell, so two counts that differ show different bars.
    """
    total = sum(bar.count for bar in bars)
    top = max((bar.count for bar in bars), default=0)
    # Hangul takes two terminal cells: pad by cells, not by characters.
    label_width = max((cell_len(bar.label(lang)) for bar in bars), default=0)
    lines = []
    for bar in bars:
        eighths = round(bar.count * width * 8 / top) if top else 0
        full, part = divmod(eighths, 8)
        drawn = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
        share = f"{bar.count * 100 / total:.0f}%" if total else "-"
        label = bar.label(lang)
        padding = " " * (label_width - cell_len(label))
        lines.append(f"{padding}{label} │{drawn:<{width}} {bar.count} ({share})")
    return lines


def _question_panel(question: Question, result: QuestionResult, lang: Lang) -> RenderableType:
    title = question.text_ko if lang == "ko" else question.text_en
    bars = bars_of(question, result)
    if bars is not None:
        body: RenderableType = Text("\n".join(chart_lines(bars, lang)))
    elif result.texts is not None:
        body = Text("\n".join(f"• {text}" for text in result.texts))
    else:
        body = Text(result.hidden_message(lang) or "-", style="dim")
    return Panel(body, title=f"{question.id}: {title}", title_align="left")


def _figures_table(
    questions: Sequence[Question], results: Sequence[QuestionResult], lang: Lang
) -> Table:
    table = Table(show_lines=False)
    for key, justify in (
        ("question", "left"),
        ("answered", "right"),
        ("mean", "right"),
        ("median", "right"),
        ("nps", "right"),
    ):
        table.add_column(_word(key, lang), justify=justify)  # type: ignore[arg-type]
    for question, result in zip(questions, results, strict=True):
        answered = "-" if result.answered is None else str(result.answered)
        if result.shown:
            table.add_row(
                question.id, answered, _mean(result), _figure(result.median), _figure(result.nps)
            )
        else:
            reason = Text(result.hidden_message(lang) or "", style="dim")
            table.add_row(question.id, answered, reason, "", "")
    return table


def render_report(report: SurveyReport, lang: Lang = "ko") -> RenderableType:
    """Everything ``proforum survey report`` shows, as one rich renderable."""
    survey, result = report.survey, report.result
    rate = (
        _word("rate_unknown", lang)
        if result.response_rate is None
        else _word("rate", lang, rate=f"{result.response_rate * 100:.0f}")
    )
    header = Text.assemble(
        (survey.title, "bold"),
        "\n",
        " · ".join(
            (
                _word("anonymous" if survey.anonymous else "identified", lang),
                _word(f"state_{survey.state.value}", lang),
                _word("responses", lang, n=result.responses),
                rate,
            )
        ),
        "\n",
        (
            _word("threshold", lang, k=result.min_responses, kt=result.min_text_responses),
            "dim",
        ),
    )
    parts: list[RenderableType] = [header, _figures_table(survey.questions, result.questions, lang)]
    parts += [_question_panel(q, r, lang) for q, r in report.questions()]
    if result.bands:
        bands = Table(title=_word("bands", lang, k=result.min_responses), title_justify="left")
        bands.add_column(_word("band", lang))
        bands.add_column(_word("answered", lang), justify="right")
        for question in survey.questions:
            bands.add_column(question.id, justify="right")
        for band in result.bands:
            cells: list[RenderableType] = [band_label(band.band, lang)]
            cells.append("-" if band.respondents is None else str(band.respondents))
            for band_result in band.questions:
                if band_result.mean is not None:
                    cells.append(_figure(band_result.mean))
                elif band_result.choices is not None:
                    cells.append(" ".join(f"{k} {n}" for k, n in band_result.choices.items()))
                else:
                    cells.append(Text("·", style="dim"))
            bands.add_row(*cells)
        parts.append(bands)
    return Group(*parts)


def print_report(report: SurveyReport, console: Console, lang: Lang = "ko") -> None:
    """Print :func:`render_report` on ``console``."""
    console.print(render_report(report, lang))
