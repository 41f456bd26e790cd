"""A survey's report: its honest figures next to the words of its questions.

:class:`SurveyReport` pairs a :class:`~proforum.domain.survey.Survey` with its
:class:`~proforum.domain.survey_result.SurveyResult` and is the one source of
every way a result leaves proforum: the JSON document (``proforum survey report
--format json`` and the ``survey.json`` of ``proforum demo --out``), the CSV
export, the terminal view (:mod:`proforum.cli.survey_view`) and the chart image
(:mod:`proforum.charts`).  None of them computes a figure of its own, so they
cannot disagree, and a figure the thresholds hide is hidden in all of them.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import Any, TextIO

import attrs

from proforum.domain.survey import Survey
from proforum.domain.survey_questions import ExperienceBand, Question, QuestionKind
from proforum.domain.survey_result import HiddenReason, QuestionResult, SurveyResult
from proforum.errors import Lang
from proforum.serialization import unstructure

#: The ``format`` of the JSON document; a new value means an incompatible change.
REPORT_FORMAT = "proforum-survey-report/1"

#: The columns of :meth:`SurveyReport.write_csv`, in order.
CSV_COLUMNS = (
    "group",
    "question_id",
    "question",
    "kind",
    "answered",
    "item",
    "label",
    "count",
    "mean",
    "ci_low",
    "ci_high",
    "median",
    "nps",
    "hidden",
    "text",
)

#: The group of the CSV rows that cover every respondent (the others are experience bands).
ALL = "all"


@attrs.frozen
class Bar:
    """One bar of a question's chart: an answer value or a choice, and how many gave it."""

    key: str
    label_ko: str
    label_en: str
    count: int

    def label(self, lang: Lang) -> str:
        """The bar's label in ``lang``."""
        return self.label_ko if lang == "ko" else self.label_en


_YES_NO = {"yes": ("예", "Yes"), "no": ("아니요", "No")}


def bars_of(question: Question, result: QuestionResult) -> tuple[Bar, ...] | None:
    """The chart of one question's result; ``None`` when it is hidden or free text."""
    if not result.shown or question.kind is QuestionKind.TEXT:
        return None
    if result.distribution is not None:
        low = question.lowest
        assert low is not None  # a distribution exists only for scales
        return tuple(
            Bar(str(low + i), str(low + i), str(low + i), count)
            for i, count in enumerate(result.distribution)
        )
    if result.choices is None:  # pragma: no cover - every shown non-text result has one
        return None
    if question.kind is QuestionKind.YES_NO:
        return tuple(Bar(key, *_YES_NO[key], result.choices[key]) for key in ("yes", "no"))
    return tuple(Bar(c.id, c.text_ko, c.text_en, result.choices[c.id]) for c in question.choices)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@attrs.frozen
class SurveyReport:
    """A survey and its result, ready to be printed, exported or charted.

    Build it with what :meth:`Forum.survey <proforum.Forum.survey>` and
    :meth:`Forum.survey_result <proforum.Forum.survey_result>` return (both
    check who is asking): the report itself reads no storage.
    """

    survey: Survey
    result: SurveyResult = attrs.field()

    @result.validator
    def _same_survey(self, _: attrs.Attribute[SurveyResult], result: SurveyResult) -> None:
        if result.survey_id != self.survey.id:
            raise ValueError("the result belongs to another survey")

    def questions(self) -> Sequence[tuple[Question, QuestionResult]]:
        """Each question with its result for every respondent, in the survey's order."""
        return tuple(zip(self.survey.questions, self.result.questions, strict=True))

    def bars(self, question_id: str) -> tuple[Bar, ...] | None:
        """The chart of one question, or ``None`` when it is hidden or free text.

        :raises KeyError: the survey has no such question.
        """
        for question, result in self.questions():
            if question.id == question_id:
                return bars_of(question, result)
        raise KeyError(question_id)

    # ------------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``--format json`` prints).

        Every field of :class:`SurveyResult` is there under its own name,
        and each question also carries its text in both languages, whether it
        was required, why it is hidden (both languages) and its ``bars``.
        """
        survey = self.survey
        document: dict[str, Any] = {
            "format": REPORT_FORMAT,
            "survey": {
                "id": survey.id,
                "title": survey.title,
                "community_id": survey.community_id,
                "meetup_id": survey.meetup_id,
                "anonymous": survey.anonymous,
                "audience": survey.audience.value,
                "opens_at": survey.opens_at.isoformat(),
                "closes_at": survey.closes_at.isoformat(),
                "state": survey.state.value,
            },
        }
        document.update(unstructure(self.result))
        document["questions"] = [
            self._question_dict(q, r, raw)
            for (q, r), raw in zip(self.questions(), document["questions"], strict=True)
        ]
        for band, raw_band in zip(self.result.bands, document["bands"], strict=True):
            raw_band["label"] = {"ko": band.band.label_ko, "en": band.band.label_en}
            raw_band["hidden_message"] = _both_messages(band.hidden, self.result.min_responses)
            raw_band["questions"] = [
                self._question_dict(q, r, raw)
                for q, r, raw in zip(
                    survey.questions, band.questions, raw_band["questions"], strict=True
                )
            ]
        return document

    @staticmethod
    def _question_dict(
        question: Question, result: QuestionResult, raw: dict[str, Any]
    ) -> dict[str, Any]:
        bars = bars_of(question, result)
        raw.update(
            text={"ko": question.text_ko, "en": question.text_en},
            required=question.required,
            hidden_message=_both_messages(result.hidden, result.threshold),
            bars=None
            if bars is None
            else [
                {"key": b.key, "label": {"ko": b.label_ko, "en": b.label_en}, "count": b.count}
                for b in bars
            ],
        )
        return raw

    # ------------------------------------------------------------------ CSV

    def csv_rows(self, lang: Lang = "ko") -> list[dict[str, str]]:
        """The report in long form, one dict per CSV row (keys: :data:`CSV_COLUMNS`).

        Per group (``all``, then each experience band when the survey is broken
        down) and question: a summary row with the figures (``item`` empty),
        then a row per bar (``item`` the value or choice id, ``count``), then
        for free text a row per answer (``item`` ``text``).  A hidden result
        has only its summary row, with the reason in ``hidden``.
        """
        rows: list[dict[str, str]] = []
        groups: list[tuple[str, Sequence[QuestionResult]]] = [(ALL, self.result.questions)]
        groups += [(band.band.value, band.questions) for band in self.result.bands]
        for group, results in groups:
            for question, result in zip(self.survey.questions, results, strict=True):
                rows.extend(self._csv_question(group, question, result, lang))
        return rows

    @staticmethod
    def _csv_question(
        group: str, question: Question, result: QuestionResult, lang: Lang
    ) -> list[dict[str, str]]:
        text = question.text_ko if lang == "ko" else question.text_en
        base = dict.fromkeys(CSV_COLUMNS, "")
        base.update(group=group, question_id=question.id, question=text, kind=question.kind.value)
        interval = result.confidence_interval
        summary = {
            **base,
            "answered": "" if result.answered is None else str(result.answered),
            "mean": _number(result.mean),
            "ci_low": "" if interval is None else _number(interval[0]),
            "ci_high": "" if interval is None else _number(interval[1]),
            "median": _number(result.median),
            "nps": _number(result.nps),
            "hidden": "" if result.hidden is None else result.hidden.value,
        }
        rows = [summary]
        for bar in bars_of(question, result) or ():
            rows.append(
                {**base, "item": bar.key, "label": bar.label(lang), "count": str(bar.count)}
            )
        for answer in result.texts or ():
            rows.append({**base, "item": "text", "text": answer})
        return rows

    def write_csv(self, stream: TextIO, lang: Lang = "ko") -> None:
        """Write :meth:`csv_rows` with a header line to ``stream`` (RFC 4180 quoting)."""
        writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(self.csv_rows(lang))


def _both_messages(reason: HiddenReason | None, threshold: int) -> dict[str, str] | None:
    return (
        None if reason is None else {lang: reason.message(lang, threshold) for lang in ("ko", "en")}
    )


def band_label(band: ExperienceBand, lang: Lang) -> str:
    """An experience band as a reader of ``lang`` expects it."""
    return band.label_ko if lang == "ko" else band.label_en


__all__ = ["ALL", "CSV_COLUMNS", "REPORT_FORMAT", "Bar", "SurveyReport", "band_label", "bars_of"]
