"""What storage tells about a survey's answers: integer aggregates, nothing else.

:class:`ResponseStatistics` is what :meth:`ResponseRepository.statistics
<proforum.ports.storage.ResponseRepository.statistics>` returns: per question
and experience band, how many answered, COUNT, SUM and SUM of squares of the
numeric answers, and how many gave each value or picked each choice.  The SQL
backend computes them in the database with ``GROUP BY``; the memory backend
with :meth:`ResponseStatistics.of`, the definition every backend must match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import attrs

from proforum.domain.common import SurveyId
from proforum.domain.survey_questions import ExperienceBand

if TYPE_CHECKING:
    from proforum.domain.survey import Response

#: An experience band, or ``None`` for responses recorded without one.
Band = ExperienceBand | None


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
    def of(cls, survey_id: SurveyId, responses: Iterable[Response]) -> ResponseStatistics:
        """Aggregate ``responses`` in Python, as the SQL backend does with GROUP BY."""
        count = 0
        bands: dict[Band, int] = {}
        tallies: dict[tuple[str, Band], _Tally] = {}
        for response in responses:
            count += 1
            bands[response.band] = bands.get(response.band, 0) + 1
            answered: set[str] = set()
            for answer in response.answers:
                tally = tallies.setdefault((answer.question_id, response.band), _Tally())
                if answer.question_id not in answered:
                    answered.add(answer.question_id)
                    tally.respondents += 1
                if answer.value is not None:
                    tally.values[answer.value] = tally.values.get(answer.value, 0) + 1
                if answer.choice is not None:
                    tally.choices[answer.choice] = tally.choices.get(answer.choice, 0) + 1
                if answer.text is not None:
                    tally.texts += 1
        return cls(
            survey_id,
            count,
            dict(sorted(bands.items(), key=_band_key)),
            {key: tallies[key].aggregate() for key in sorted(tallies, key=_pair_key)},
        )


@attrs.define
class _Tally:
    """A mutable counter behind :meth:`ResponseStatistics.of`."""

    respondents: int = 0
    values: dict[int, int] = attrs.field(factory=dict)
    choices: dict[str, int] = attrs.field(factory=dict)
    texts: int = 0

    def aggregate(self) -> AnswerAggregate:
        values = self.values
        return AnswerAggregate(
            respondents=self.respondents,
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
