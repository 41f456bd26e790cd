"""Chart images of a survey report (PNG or SVG), for sharing outside the terminal.

Drawing needs matplotlib, which the core does not depend on: install the
``charts`` extra (``pip install "proforum[charts]"``).  Without it,
:func:`write_chart` raises :class:`~proforum.errors.ExtraNotInstalled` and
nothing else in proforum is affected.

One horizontal bar chart per question whose figures are shown — the same
bars the terminal prints (:func:`proforum.survey_report.bars_of`); hidden
questions appear with the reason instead of bars, so a chart can never show
what the report hides.
"""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from typing import Any

from proforum.errors import ExtraNotInstalled, InvalidChartFormat, Lang
from proforum.survey_report import SurveyReport, bars_of

#: File formats :func:`write_chart` can write, by suffix.
FORMATS = ("png", "svg")

# Fonts that hold Hangul, in order of preference; the first one installed is used.
_HANGUL_FONTS = (
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "NanumGothic",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "AppleGothic",
    "UnDotum",
)


def _pyplot() -> Any:
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError:
        raise ExtraNotInstalled(None, extra="charts", package="matplotlib") from None
    # No display: the Agg canvas writes files without a GUI toolkit.
    matplotlib.use("Agg", force=True)
    return importlib.import_module("matplotlib.pyplot")


def hangul_font() -> str | None:
    """The name of an installed font that can draw Korean, or ``None``."""
    font_manager = importlib.import_module("matplotlib.font_manager")
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in _HANGUL_FONTS if name in installed), None)


def chart_format(path: Path, format: str | None = None) -> str:
    """The image format for ``path``: ``format`` if given, else its suffix.

    :raises InvalidChartFormat: neither names one of :data:`FORMATS`.
    """
    chosen = (format or path.suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise InvalidChartFormat(chosen, formats=", ".join(FORMATS))
    return chosen


def write_chart(
    report: SurveyReport, path: Path, *, lang: Lang = "ko", format: str | None = None
) -> Lang:
    """Draw ``report`` as an image at ``path`` and return the language of its labels.

    SVG keeps its text as text, so any viewer shows Korean with its own
    fonts.  A PNG's letters are drawn into pixels with a font of this
    machine: when none can draw Hangul, a Korean PNG is labelled in English
    instead of in empty boxes, and the returned language says so.

    :raises InvalidChartFormat: the format is neither PNG nor SVG.
    :raises ExtraNotInstalled: matplotlib is not installed.
    """
    chosen = chart_format(path, format)
    plt = _pyplot()
    ticker = importlib.import_module("matplotlib.ticker")
    font = hangul_font()
    if lang == "ko" and chosen == "png" and font is None:
        lang = "en"
    questions = report.questions()
    rc: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": report.survey.id}
    if font is not None:
        rc["font.family"] = [font, "DejaVu Sans"]
    # Without one, an SVG still names DejaVu Sans, and viewers draw the Hangul
    # with a font of their own (browsers fall back glyph by glyph).
    with plt.rc_context(rc), warnings.catch_warnings():
        # Measuring Hangul with a Latin font warns once per glyph; the SVG is right anyway.
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        warnings.filterwarnings("ignore", message="findfont", category=UserWarning)
        figure, axes = plt.subplots(
            len(questions), 1, figsize=(7, 1.2 + 1.6 * len(questions)), squeeze=False
        )
        title = report.survey.title
        if font is None and chosen == "png" and _has_hangul(title):
            title = f"Survey results ({report.result.responses} responses)"
        figure.suptitle(title, fontsize=13)
        for (question, result), ax in zip(questions, axes[:, 0], strict=True):
            text = question.text_ko if lang == "ko" else question.text_en
            ax.set_title(f"{question.id}: {text}", fontsize=10, loc="left")
            bars = bars_of(question, result)
            if bars is None:
                ax.axis("off")
                reason = result.hidden_message(lang) or (
                    "주관식 답변" if lang == "ko" else "free-text answers"
                )
                ax.text(0, 0.5, reason, fontsize=9, color="0.4", va="center")
                continue
            labels = [bar.label(lang) for bar in bars]
            counts = [bar.count for bar in bars]
            positions = list(range(len(bars)))
            drawn = ax.barh(positions, counts, color="#3b6fb6", gid=f"bars-{question.id}")
            for patch, bar in zip(drawn.patches, bars, strict=True):
                patch.set_gid(f"bar-{question.id}-{bar.key}")
            ax.set_yticks(positions, labels)
            ax.invert_yaxis()
            ax.bar_label(drawn, padding=3, fontsize=8)
            ax.set_xlim(0, max(max(counts), 1) * 1.15)
            ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
            ax.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        try:
            figure.savefig(path, format=chosen, metadata=_metadata(chosen))
        finally:
            plt.close(figure)
    return lang


def _has_hangul(text: str) -> bool:
    # Jamo, compatibility jamo and syllables: what a Latin-only font draws as boxes.
    return any(
        "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f" or "\uac00" <= ch <= "\ud7af"
        for ch in text
    )


def _metadata(chosen: str) -> dict[str, Any]:
    # No creation date: the same report gives the same file, byte for byte.
    if chosen == "svg":
        return {"Date": None, "Creator": "proforum"}
    return {"Software": "proforum"}


__all__ = ["FORMATS", "chart_format", "hangul_font", "write_chart"]
