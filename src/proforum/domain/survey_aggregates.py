"""What storage tells about a survey's answers: integer aggregates, nothing else.

:class:`ResponseStatistics` is what :meth:`ResponseRepository.statistics
<proforum.ports.storage.ResponseRepository.statistics>` returns: per question
and experience band, how many answered, COUNT, SUM and SUM of squares of the
numeric answers, and how many gave each value or picked each choice.  The SQL
backend counts in the database with ``GROUP BY`` and turns the counts into
statistics with :meth:`ResponseStatistics.from_tallies`; the memory backend
with :meth:`ResponseStatistics.of`, the definition every backend must match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import attrs

from proforum.domain.common import SurveyId
from proforum.domain.survey_questions import ExperienceBand

if TYPE_CHECKING:
    from proforum.domain.survey import Response
    from proforum.domain.survey_questions import Answer

#: An experience band, or ``None`` for responses recorded without one.
Band = ExperienceBand | None

#: How many answers to a question from a band gave one value or choice:
#: (question id, band, value, choice, count); text answers have neither.
Tally = tuple[str, Band, int | None, str | None, int]


@attrs.frozen
class AnswerAggregate:
    """Integer aggregates of the answers to one question from one group of respondents.

    ``respondents`` counts responses that answered the question (a multiple
    choice answered with three choices counts once); ``count``, ``total``
    and ``squares`` are COUNT, SUM and SUM of squares of the numeric answers;
    ``values`` and ``choices`` count answers per value and per choice id.
    """

    respondents: int = 0
    count: int = 0
    total: int = 0
    squares: int = 0
    values: Mapping[int, int] = attrs.field(factory=dict)
    choices: Mapping[str, int] = attrs.field(factory=dict)
    texts: int = 0

    def __add__(self, other: AnswerAggregate) -> AnswerAggregate:
        """The aggregate of both groups together."""
        values = dict(self.values)
        for value, n in other.values.items():
            values[value] = values.get(value, 0) + n
        choices = dict(self.choices)
        for choice, n in other.choices.items():
            choices[choice] = choices.get(choice, 0) + n
        return AnswerAggregate(
            respondents=self.respondents + other.respondents,
            count=self.count + other.count,
            total=self.total + other.total,
            squares=self.squares + other.squares,
            values=dict(sorted(values.items())),
            choices=dict(sorted(choices.items())),
            texts=self.texts + other.texts,
        )


@attrs.frozen
class ResponseStatistics:
    """What storage tells about a survey's responses: integer aggregates only.

    ``bands`` counts responses per experience band (``None``: no band
    recorded); ``answers`` holds an :class:`AnswerAggregate` per question id
    and band, for the pairs that have answers.
    """

    survey_id: SurveyId
    responses: int
    bands: Mapping[Band, int] = attrs.field(factory=dict)
    answers: Mapping[tuple[str, Band], AnswerAggregate] = attrs.field(factory=dict)

    def question(self, question_id: str) -> AnswerAggregate:
        """The aggregate of every answer to ``question_id``, whatever the band."""
        found = AnswerAggregate()
        for (qid, _), aggregate in self.answers.items():
            if qid == question_id:
                found = found + aggregate
        return found

    def in_band(self, question_id: str, band: Band) -> AnswerAggregate:
        """The aggregate of the answers to ``question_id`` from respondents in ``band``."""
        return self.answers.get((question_id, band), AnswerAggregate())

    @classmethod
    def of(
        cls, survey_id: SurveyId, responses: Iterable[Response], *, by_band: bool = True
    ) -> ResponseStatistics:
        """Aggregate ``responses`` in Python, as the SQL backend does with GROUP BY.

        With ``by_band=False`` every response counts under ``None``, whatever
        band it recorded: what a survey without a breakdown needs.
        """
        # Split by band first, so the counting below runs on plain answers,
        # as a GROUP BY would, without a band in every key.
        groups: dict[Band, list[tuple[Answer, ...]]] = {}
        if by_band:
            for response in responses:
                groups.setdefault(response.band, []).append(response.answers)
        else:
            groups[None] = [response.answers for response in responses]
        tallies: list[Tally] = []
        respondents: dict[tuple[str, Band], int] = {}
        for band, answered in groups.items():
            rows = Counter(
                (a.question_id, a.value, a.choice) for answers in answered for a in answers
            )
            tallies.extend((q, band, value, choice, n) for (q, value, choice), n in rows.items())
            # A multiple-choice answer is several answers, but one respondent.
            once = Counter(q for answers in answered for q in {a.question_id for a in answers})
            respondents.update(((q, band), n) for q, n in once.items())
        bands = {band: len(answered) for band, answered in groups.items()}
        return cls.from_tallies(survey_id, bands, tallies, respondents)

    @classmethod
    def from_tallies(
        cls,
        survey_id: SurveyId,
        bands: Mapping[Band, int],
        tallies: Iterable[Tally],
        respondents: Mapping[tuple[str, Band], int],
    ) -> ResponseStatistics:
        """The statistics of counted groups of answers, as one ``GROUP BY`` returns them.

        :param bands: how many responses per band; a band counted 0 is left out.
        :param tallies: how many answers per (question id, band, value, choice);
            a text answer has neither a value nor a choice.
        :param respondents: how many responses answered each (question id, band).
        """
        sums: dict[tuple[str, Band], _Tally] = {}
        for question_id, band, value, choice, n in tallies:
            key = (question_id, band)
            tally = sums.get(key)
            if tally is None:
                tally = sums[key] = _Tally()
            # Exactly one of value, choice and text is set (Answer and the SQL
            # schema both refuse anything else), so neither means a text.
            if value is not None:
                tally.values[value] = tally.values.get(value, 0) + n
            elif choice is not None:
                tally.choices[choice] = tally.choices.get(choice, 0) + n
            else:
                tally.texts += n
        return cls(
            survey_id,
            sum(bands.values()),
            dict(sorted(((b, n) for b, n in bands.items() if n), key=_band_key)),
            {
                key: sums[key].aggregate(respondents.get(key, 0))
                for key in sorted(sums, key=_pair_key)
            },
        )


@attrs.define
class _Tally:
    """A mutable counter behind :meth:`ResponseStatistics.from_tallies`."""

    values: dict[int, int] = attrs.field(factory=dict)
    choices: dict[str, int] = attrs.field(factory=dict)
    texts: int = 0

    def aggregate(self, respondents: int) -> AnswerAggregate:
        values = self.values
        return AnswerAggregate(
            respondents=respondents,
            count=sum(values.values()),
            total=sum(v * n for v, n in values.items()),
            squares=sum(v * v * n for v, n in values.items()),
            values=dict(sorted(values.items())),
            choices=dict(sorted(self.choices.items())),
            texts=self.texts,
        )


def _band_key(item: tuple[Band, int]) -> str:
    return "" if item[0] is None else item[0].value


def _pair_key(key: tuple[str, Band]) -> tuple[str, str]:
    return key[0], "" if key[1] is None else key[1].value
