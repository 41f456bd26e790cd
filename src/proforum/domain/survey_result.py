"""Honest statistics of a survey: figures only for groups large enough, and why not otherwise.

Storage hands over integer aggregates per question and experience band
(:mod:`proforum.domain.survey_aggregates`).  :meth:`SurveyResult.build` turns them
into figures, hiding every figure of a group smaller than the survey's
threshold and saying why (:class:`HiddenReason`):

* a question's figures need ``min_responses`` (k) answers, free text
  ``min_text_responses``;
* a subgroup (experience band) is shown only when it and the rest of the
  respondents both have at least k, and never so that the bands shown,
  subtracted from the whole, would give away a smaller group
  (trust-practices §4.4, S3 and S4).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

import attrs

from proforum.domain.common import SurveyId
from proforum.domain.statistics import (
    exact_mean,
    mean_interval,
    median_of_counts,
    net_promoter_score,
    rate,
    round_half_even,
)
from proforum.domain.survey_aggregates import AnswerAggregate, ResponseStatistics
from proforum.domain.survey_questions import ExperienceBand, Question, QuestionKind

if TYPE_CHECKING:
    from proforum.domain.survey import Survey

G = TypeVar("G")


# --------------------------------------------------------------------------- why hidden


class HiddenReason(enum.StrEnum):
    """Why a figure is not shown; every hidden figure carries one."""

    #: Fewer people than ``min_responses`` answered: a figure could single one out.
    TOO_FEW_ANSWERS = "too_few_answers"
    #: Fewer people than ``min_text_responses`` wrote free text, which is easier to recognise.
    TOO_FEW_TEXT_ANSWERS = "too_few_text_answers"
    #: Showing this subgroup would leave fewer than ``min_responses`` others, whose
    #: answers could then be worked out by subtracting it from the whole.
    REST_TOO_SMALL = "rest_too_small"
    #: Free text is never broken down by subgroup.
    NOT_BROKEN_DOWN = "not_broken_down"

    def message(self, lang: str, threshold: int) -> str:
        """Why, in ``lang`` (``"ko"`` or ``"en"``), for a group threshold of ``threshold``."""
        ko, en = _REASONS[self]
        return (ko if lang == "ko" else en).format(k=threshold)


_REASONS: Mapping[HiddenReason, tuple[str, str]] = {
    HiddenReason.TOO_FEW_ANSWERS: (
        "응답이 {k}명 미만이라 공개하지 않음",
        "not shown: fewer than {k} people answered",
    ),
    HiddenReason.TOO_FEW_TEXT_ANSWERS: (
        "주관식 답변이 {k}개 미만이라 공개하지 않음",
        "not shown: fewer than {k} people wrote an answer",
    ),
    HiddenReason.REST_TOO_SMALL: (
        "공개하면 나머지 {k}명 미만 응답자의 답이 드러나 공개하지 않음",
        "not shown: it would give away the answers of fewer than {k} other people",
    ),
    HiddenReason.NOT_BROKEN_DOWN: (
        "주관식 답변은 집단별로 나누어 보여 주지 않음",
        "not shown: free text is never broken down by group",
    ),
}


def shown_groups(
    sizes: Mapping[G, int], total: int, k: int, order: Sequence[G]
) -> dict[G, HiddenReason | None]:
    """Decide which subgroups of a group of ``total`` people may be shown.

    ``sizes`` are the subgroups that could be shown (people outside all of
    them, such as respondents without a band, still count in ``total``).  A
    subgroup is shown only if it has at least ``k`` people, the rest of the
    group has at least ``k`` too, and the people in no shown subgroup —
    whom anyone can work out by subtracting the shown ones from the whole —
    are either nobody or at least ``k``.  Subgroups are dropped smallest
    first (then in ``order``) until that holds.
    """
    shown = [g for g in order if sizes.get(g, 0) >= k]
    while shown:
        rest = total - sum(sizes[g] for g in shown)
        if 0 < rest < k or (rest == 0 and len(shown) == 1):
            smallest = min(shown, key=lambda g: (sizes[g], order.index(g)))
            shown.remove(smallest)
            continue
        break
    return {
        g: None
        if g in shown
        else (HiddenReason.TOO_FEW_ANSWERS if sizes.get(g, 0) < k else HiddenReason.REST_TOO_SMALL)
        for g in order
    }


# --------------------------------------------------------------------------- results


@attrs.frozen
class QuestionResult:
    """The figures of one question, for everyone or for one subgroup.

    Every figure is ``None`` when ``hidden`` says why it is; ``threshold`` is
    the group size the figures needed.  Which figures a question has depends
    on its kind:

    * rating and NPS: ``mean`` with its 95 % t ``confidence_interval``,
      ``median``, ``distribution`` (how many answered each value, from 1 —
      or 0 for NPS — to the top of the scale); NPS also ``nps`` (percentage
      points of promoters minus detractors);
    * single and multiple choice: ``choices``, how many picked each choice
      (a respondent counts once per choice picked);
    * yes/no: ``choices`` as ``{"yes": n, "no": m}``;
    * free text: ``texts``, sorted (never in the order they arrived).

    ``answered`` is how many answered the question; in a subgroup it is
    hidden along with the figures.
    """

    question_id: str
    kind: QuestionKind
    answered: int | None
    threshold: int
    hidden: HiddenReason | None = None
    scale: int | None = None
    mean: float | None = None
    confidence_interval: tuple[float, float] | None = None
    median: float | None = None
    distribution: tuple[int, ...] | None = None
    nps: float | None = None
    choices: Mapping[str, int] | None = None
    texts: tuple[str, ...] | None = None

    @property
    def shown(self) -> bool:
        """Tell whether the figures are shown."""
        return self.hidden is None

    def hidden_message(self, lang: str = "en") -> str | None:
        """Why the figures are hidden, in ``lang``; ``None`` when they are shown."""
        return None if self.hidden is None else self.hidden.message(lang, self.threshold)

    @classmethod
    def hiding(
        cls, question: Question, reason: HiddenReason, threshold: int, answered: int | None
    ) -> QuestionResult:
        """A result for ``question`` that shows nothing, for ``reason``."""
        return cls(question.id, question.kind, answered, threshold, reason, question.scale)

    @classmethod
    def compute(
        cls,
        question: Question,
        aggregate: AnswerAggregate,
        *,
        threshold: int,
        texts: Sequence[str] = (),
    ) -> QuestionResult:
        """The figures of ``question`` from ``aggregate``, if at least ``threshold`` answered."""
        answered = aggregate.respondents
        if answered < threshold:
            reason = (
                HiddenReason.TOO_FEW_TEXT_ANSWERS
                if question.kind is QuestionKind.TEXT
                else HiddenReason.TOO_FEW_ANSWERS
            )
            return cls.hiding(question, reason, threshold, answered)
        base = cls(question.id, question.kind, answered, threshold, None, question.scale)
        kind = question.kind
        if kind is QuestionKind.TEXT:
            return attrs.evolve(base, texts=tuple(sorted(texts)))
        if kind is QuestionKind.YES_NO:
            return attrs.evolve(
                base,
                choices={"yes": aggregate.values.get(1, 0), "no": aggregate.values.get(0, 0)},
            )
        if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            return attrs.evolve(
                base, choices={c.id: aggregate.choices.get(c.id, 0) for c in question.choices}
            )
        low, high = question.lowest, question.highest
        assert low is not None
        assert high is not None
        return attrs.evolve(
            base,
            mean=round_half_even(exact_mean(aggregate.count, aggregate.total)),
            confidence_interval=mean_interval(
                aggregate.count, aggregate.total, aggregate.squares, low=low, high=high
            ),
            median=median_of_counts(aggregate.values),
            distribution=tuple(aggregate.values.get(v, 0) for v in range(low, high + 1)),
            nps=net_promoter_score(aggregate.values) if kind is QuestionKind.NPS else None,
        )


@attrs.frozen
class BandResult:
    """The figures of one experience band (a subgroup of the respondents).

    ``respondents`` and every question's figures are hidden when the band,
    or the respondents outside it, are fewer than the survey's threshold.
    """

    band: ExperienceBand
    respondents: int | None
    hidden: HiddenReason | None
    questions: tuple[QuestionResult, ...]


@attrs.frozen
class SurveyResult:
    """Honest statistics of a survey: per question, and per subgroup when enabled.

    ``responses`` and ``eligible`` (people who may answer, or did) give the
    ``response_rate``.  Figures of a group smaller than ``min_responses``
    (``min_text_responses`` for free text) are ``None``, with the reason in
    ``hidden``: a figure from two answers would tell each of them what the
    other said.  ``mean``, ``distribution`` and ``scale`` are those of the
    first question, for a one-question survey.
    """

    survey_id: SurveyId
    responses: int
    eligible: int
    response_rate: float | None
    min_responses: int
    min_text_responses: int
    closed: bool
    questions: tuple[QuestionResult, ...]
    breakdown: str | None = None
    bands: tuple[BandResult, ...] = ()

    @property
    def sufficient(self) -> bool:
        """Tell whether enough people answered for any figure to be shown."""
        return self.responses >= self.min_responses

    @property
    def mean(self) -> float | None:
        """The first question's mean, or ``None`` while it is hidden."""
        return self.questions[0].mean if self.questions else None

    @property
    def distribution(self) -> tuple[int, ...] | None:
        """The first question's distribution, or ``None`` while it is hidden."""
        return self.questions[0].distribution if self.questions else None

    @property
    def scale(self) -> int | None:
        """The first question's rating scale (``None`` if it is not a rating)."""
        return self.questions[0].scale if self.questions else None

    def question(self, question_id: str) -> QuestionResult:
        """The result of the question with ``question_id``.

        :raises KeyError: the survey has no such question.
        """
        for result in self.questions:
            if result.question_id == question_id:
                return result
        raise KeyError(question_id)

    @staticmethod
    def texts_to_show(survey: Survey, statistics: ResponseStatistics) -> list[str]:
        """Ids of the free-text questions answered often enough for their texts to be read."""
        return [
            q.id
            for q in survey.questions
            if q.kind is QuestionKind.TEXT
            and statistics.question(q.id).respondents >= survey.min_text_responses
        ]

    @classmethod
    def build(
        cls,
        survey: Survey,
        statistics: ResponseStatistics,
        *,
        eligible: int,
        texts: Mapping[str, Sequence[str]] | None = None,
    ) -> SurveyResult:
        """Turn ``statistics`` into figures, hiding what the thresholds say to hide.

        :param eligible: how many people may answer (or did); the response rate's divisor.
        :param texts: the free texts of the questions in :meth:`texts_to_show`.
        """
        texts = texts or {}
        k, k_text = survey.min_responses, survey.min_text_responses
        questions = tuple(
            QuestionResult.compute(
                q,
                statistics.question(q.id),
                threshold=k_text if q.kind is QuestionKind.TEXT else k,
                texts=texts.get(q.id, ()),
            )
            for q in survey.questions
        )
        bands: tuple[BandResult, ...] = ()
        if survey.breakdown is not None:
            bands = _bands(survey, statistics)
        return cls(
            survey_id=survey.id,
            responses=statistics.responses,
            eligible=eligible,
            response_rate=rate(statistics.responses, eligible),
            min_responses=k,
            min_text_responses=k_text,
            closed=survey.state == "closed",
            questions=questions,
            breakdown=None if survey.breakdown is None else survey.breakdown.value,
            bands=bands,
        )


def _bands(survey: Survey, statistics: ResponseStatistics) -> tuple[BandResult, ...]:
    """Per-band results: bands, then each question, pass :func:`shown_groups`."""
    k = survey.min_responses
    order = list(ExperienceBand)
    sizes = {b: statistics.bands.get(b, 0) for b in order}
    band_shown = shown_groups(sizes, statistics.responses, k, order)
    per_question = {
        q.id: shown_groups(
            {b: statistics.in_band(q.id, b).respondents for b in order},
            statistics.question(q.id).respondents,
            k,
            order,
        )
        for q in survey.questions
        if q.kind is not QuestionKind.TEXT
    }
    results = []
    for band in order:
        reason = band_shown[band]
        questions = []
        for q in survey.questions:
            if q.kind is QuestionKind.TEXT:
                questions.append(QuestionResult.hiding(q, HiddenReason.NOT_BROKEN_DOWN, k, None))
                continue
            why = reason or per_question[q.id][band]
            if why is not None:
                questions.append(QuestionResult.hiding(q, why, k, None))
            else:
                questions.append(
                    QuestionResult.compute(q, statistics.in_band(q.id, band), threshold=k)
                )
        results.append(
            BandResult(
                band=band,
                respondents=None if reason is not None else sizes[band],
                hidden=reason,
                questions=tuple(questions),
            )
        )
    return tuple(results)
