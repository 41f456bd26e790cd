"""The first anonymous survey: one 1-5 rating question, unlinkable responses, a mean.

An anonymous response holds only the survey id, a random id and the rating.
Who answered is recorded separately (:class:`Participation`) so nobody answers
twice, with no time and no link to the response.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from fractions import Fraction
from typing import Self

import attrs

from proforum.domain.common import (
    MeetupId,
    MemberId,
    ResponseId,
    SurveyId,
    clean_text,
    require_aware,
    utc_validator,
)
from proforum.errors import IllegalTransition, InvalidInput, InvalidRating, InvalidSchedule

#: Results are hidden below this many responses, so one answer cannot be singled out.
DEFAULT_MIN_RESPONSES = 5
LOWEST_MIN_RESPONSES = 3
QUESTION_MAX = 300


class SurveyState(enum.StrEnum):
    """Whether a survey accepts answers."""

    OPEN = "open"
    CLOSED = "closed"


@attrs.frozen
class RatingQuestion:
    """A 1-to-``scale`` rating question with its text in Korean and English."""

    text_ko: str
    text_en: str
    scale: int = 5

    def check(self, rating: object) -> int:
        """Return ``rating`` if it is a whole number on the scale, else raise :class:`InvalidRating`."""
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= self.scale:
            raise InvalidRating(rating, min=1, max=self.scale)
        return rating


@attrs.frozen
class Survey:
    """A feedback survey (설문) about one meetup.

    ``anonymous`` is fixed at creation: there is no method to change it.
    """

    id: SurveyId
    meetup_id: MeetupId
    title: str
    question: RatingQuestion
    anonymous: bool
    opens_at: datetime = attrs.field(validator=utc_validator)
    closes_at: datetime = attrs.field(validator=utc_validator)
    created_at: datetime = attrs.field(validator=utc_validator)
    min_responses: int = DEFAULT_MIN_RESPONSES
    state: SurveyState = attrs.field(default=SurveyState.OPEN, converter=SurveyState)

    @classmethod
    def create(
        cls,
        *,
        id: SurveyId,
        meetup_id: MeetupId,
        title: str,
        question: RatingQuestion,
        opens_at: datetime,
        closes_at: datetime,
        created_at: datetime,
        anonymous: bool = True,
        min_responses: int = DEFAULT_MIN_RESPONSES,
    ) -> Self:
        """Validate the inputs and return an open survey."""
        if not isinstance(anonymous, bool):
            raise InvalidInput(anonymous)
        opens = require_aware("opens_at", opens_at)
        closes = require_aware("closes_at", closes_at)
        if closes <= opens:
            raise InvalidSchedule(
                closes_at,
                rule_ko="설문 마감은 시작보다 늦어야 합니다",
                rule_en="a survey must close after it opens",
            )
        if (
            isinstance(min_responses, bool)
            or not isinstance(min_responses, int)
            or (min_responses < LOWEST_MIN_RESPONSES)
        ):
            raise InvalidInput(min_responses)
        if not isinstance(question.scale, int) or not 2 <= question.scale <= 10:
            raise InvalidRating(question.scale, min=2, max=10)
        checked = RatingQuestion(
            text_ko=clean_text("question", question.text_ko, max_len=QUESTION_MAX),
            text_en=clean_text("question", question.text_en, max_len=QUESTION_MAX),
            scale=question.scale,
        )
        return cls(
            id=id,
            meetup_id=meetup_id,
            title=clean_text("title", title, max_len=200),
            question=checked,
            anonymous=anonymous,
            opens_at=opens,
            closes_at=closes,
            created_at=require_aware("created_at", created_at),
            min_responses=min_responses,
        )

    def accepts_answers_at(self, now: datetime) -> bool:
        """Tell whether an answer given at ``now`` is accepted."""
        return self.state is SurveyState.OPEN and self.opens_at <= now < self.closes_at

    def close(self) -> Self:
        """Stop accepting answers."""
        if self.state is not SurveyState.OPEN:
            raise IllegalTransition(
                self.id, entity="survey", source=self.state.value, target="closed"
            )
        return attrs.evolve(self, state=SurveyState.CLOSED)


@attrs.frozen
class Response:
    """One answer: no member, no time, a random id.

    Responses never name their author, whatever the survey's kind: storage
    for responses is the same for every survey, so it can be shown to hold
    nothing that identifies anyone.
    """

    id: ResponseId
    survey_id: SurveyId
    rating: int


@attrs.frozen
class Participation:
    """That a member has answered a survey, kept apart from what they answered.

    ``response_id`` links the two only for surveys created as identified
    (``anonymous=False``); for anonymous surveys it is always ``None``.
    """

    survey_id: SurveyId
    member_id: MemberId
    response_id: ResponseId | None = None


@attrs.frozen
class SurveyResult:
    """Honest statistics of a survey.

    ``mean`` and ``distribution`` are ``None`` while fewer than
    ``min_responses`` people have answered: a figure from two answers would
    tell each of them what the other said.
    """

    survey_id: SurveyId
    responses: int
    min_responses: int
    scale: int
    mean: float | None
    distribution: tuple[int, ...] | None
    closed: bool

    @property
    def sufficient(self) -> bool:
        """Tell whether enough people answered for figures to be shown."""
        return self.mean is not None

    @classmethod
    def compute(cls, survey: Survey, ratings: Iterable[int]) -> SurveyResult:
        """Summarise ``ratings`` for ``survey``, hiding figures below its threshold."""
        values = list(ratings)
        count = len(values)
        if count < survey.min_responses:
            return cls(
                survey.id,
                count,
                survey.min_responses,
                survey.question.scale,
                None,
                None,
                survey.state is SurveyState.CLOSED,
            )
        counts = Counter(values)
        # Fraction keeps the mean exact before the single rounding step; converting
        # to float first would round twice (43/40 = 1.075 would show as 1.07).
        mean = float(round(Fraction(sum(values), count), 2))
        distribution = tuple(counts.get(r, 0) for r in range(1, survey.question.scale + 1))
        return cls(
            survey.id,
            count,
            survey.min_responses,
            survey.question.scale,
            mean,
            distribution,
            survey.state is SurveyState.CLOSED,
        )
