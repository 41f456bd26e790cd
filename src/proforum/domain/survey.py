"""Feedback surveys (설문) about a meetup or a community, with unlinkable answers.

A survey has one or more questions (:mod:`proforum.domain.survey_questions`),
an opening and a closing time, an audience — who may answer — and two
minimum group sizes below which no figure is shown
(:mod:`proforum.domain.survey_result`).  Whether it is anonymous is fixed
when it is created: no method changes it.  Its thresholds can change only
while nobody has answered.

A response holds the survey id, a random id and the answers — and, when the
survey breaks its results down by experience, the respondent's coarse band.
Nothing in it names or dates the respondent.  Who answered is recorded apart
(:class:`Participation`), with no time, so nobody answers twice.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Self

import attrs

from proforum.domain.common import (
    CommunityId,
    MeetupId,
    MemberId,
    ResponseId,
    SurveyId,
    clean_text,
    require_aware,
    utc_validator,
)
from proforum.domain.survey_aggregates import AnswerAggregate, ResponseStatistics
from proforum.domain.survey_questions import (
    QUESTION_MAX,
    Answer,
    Breakdown,
    Choice,
    ExperienceBand,
    Question,
    QuestionKind,
    check_answers,
    sorted_answers,
)
from proforum.domain.survey_result import BandResult, HiddenReason, QuestionResult, SurveyResult
from proforum.errors import (
    IllegalTransition,
    InvalidInput,
    InvalidQuestion,
    InvalidSchedule,
    InvalidSurvey,
    InvalidThreshold,
    ThresholdsFrozen,
)

#: Figures are hidden below this many answers, so one answer cannot be singled out.
DEFAULT_MIN_RESPONSES = 5
#: No survey may show figures from fewer people than this.
LOWEST_MIN_RESPONSES = 3
#: Free text is shown only from this many answers on: it is easier to recognise.
DEFAULT_MIN_TEXT_RESPONSES = 10
MAX_QUESTIONS = 30
TITLE_MAX = 200


class SurveyState(enum.StrEnum):
    """Whether a survey accepts answers."""

    OPEN = "open"
    CLOSED = "closed"


class Audience(enum.StrEnum):
    """Who may answer a survey (and who counts towards its response rate)."""

    #: The people who attended the survey's meetup (the default for meetup surveys).
    ATTENDEES = "attendees"
    #: The members of the survey's community (the default, and only choice, for community surveys).
    MEMBERS = "members"


def _threshold(field: str, value: object, lowest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        raise InvalidThreshold(value, field=field, min=lowest)
    return value


def check_thresholds(min_responses: object, min_text_responses: object) -> tuple[int, int]:
    """Validate a survey's two minimum group sizes; ``None`` text threshold means the default.

    :raises InvalidThreshold: ``min_responses`` is not a whole number of at
        least 3, or ``min_text_responses`` is below ``min_responses``.
    """
    k = _threshold("min_responses", min_responses, LOWEST_MIN_RESPONSES)
    if min_text_responses is None:
        min_text_responses = max(DEFAULT_MIN_TEXT_RESPONSES, k)
    return k, _threshold("min_text_responses", min_text_responses, k)


def _check_questions(questions: object) -> tuple[Question, ...]:
    if isinstance(questions, str | bytes) or not isinstance(questions, Sequence):
        raise InvalidQuestion(
            None, rule_ko="질문 목록이 필요합니다", rule_en="a list of questions is needed"
        )
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise InvalidQuestion(
            len(questions),
            rule_ko=f"설문에는 질문이 1개에서 {MAX_QUESTIONS}개까지 있어야 합니다",
            rule_en=f"a survey has 1 to {MAX_QUESTIONS} questions",
        )
    checked: list[Question] = []
    for question in questions:
        if not isinstance(question, Question):
            raise InvalidQuestion(
                None, rule_ko="질문 형식이 올바르지 않습니다", rule_en="a question is malformed"
            )
        checked.append(question.checked())
    if len({q.id for q in checked}) != len(checked):
        raise InvalidQuestion(
            None,
            rule_ko="한 설문의 질문 id는 서로 달라야 합니다",
            rule_en="the questions of a survey need distinct ids",
        )
    if not any(q.required for q in checked):
        raise InvalidQuestion(
            None,
            rule_ko="필수 질문이 하나 이상 있어야 합니다",
            rule_en="at least one question must be required",
        )
    return tuple(checked)


def _question_tuple(value: Iterable[Question]) -> tuple[Question, ...]:
    return tuple(value)


@attrs.frozen
class Survey:
    """A feedback survey about a meetup (``meetup_id`` set) or a whole community.

    ``anonymous`` is fixed at creation: there is no method to change it.
    ``min_responses`` (k) and ``min_text_responses`` (k for free text) can
    change only while nobody has answered (:meth:`with_thresholds`).
    """

    id: SurveyId
    community_id: CommunityId
    meetup_id: MeetupId | None
    title: str
    questions: tuple[Question, ...] = attrs.field(converter=_question_tuple)
    anonymous: bool
    audience: Audience = attrs.field(converter=Audience)
    opens_at: datetime = attrs.field(validator=utc_validator)
    closes_at: datetime = attrs.field(validator=utc_validator)
    created_at: datetime = attrs.field(validator=utc_validator)
    min_responses: int = DEFAULT_MIN_RESPONSES
    min_text_responses: int = DEFAULT_MIN_TEXT_RESPONSES
    breakdown: Breakdown | None = attrs.field(
        default=None, converter=attrs.converters.optional(Breakdown)
    )
    state: SurveyState = attrs.field(default=SurveyState.OPEN, converter=SurveyState)

    @classmethod
    def create(
        cls,
        *,
        id: SurveyId,
        community_id: CommunityId,
        meetup_id: MeetupId | None,
        title: str,
        questions: Sequence[Question],
        opens_at: datetime,
        closes_at: datetime,
        created_at: datetime,
        anonymous: bool = True,
        audience: Audience | str | None = None,
        min_responses: int = DEFAULT_MIN_RESPONSES,
        min_text_responses: int | None = None,
        breakdown: Breakdown | str | None = None,
    ) -> Self:
        """Validate the inputs and return an open survey.

        ``audience`` defaults to the attendees of the meetup, or to the
        members of the community for a community survey.

        :raises InvalidInput: ``anonymous`` is not a bool.
        :raises InvalidSchedule: naive times, or closing no later than opening.
        :raises InvalidThreshold: a minimum group size below 3, or free text below k.
        :raises InvalidQuestion: no questions, too many, two with one id, none
            required, or one malformed.
        :raises InvalidSurvey: an attendee survey without a meetup, or an
            unknown audience or breakdown.
        :raises InvalidText: the title or a question text is empty or too long.
        """
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
        k, k_text = check_thresholds(min_responses, min_text_responses)
        checked = _check_questions(questions)
        return cls(
            id=id,
            community_id=community_id,
            meetup_id=meetup_id,
            title=clean_text("title", title, max_len=TITLE_MAX),
            questions=checked,
            anonymous=anonymous,
            audience=_audience(audience, meetup_id),
            opens_at=opens,
            closes_at=closes,
            created_at=require_aware("created_at", created_at),
            min_responses=k,
            min_text_responses=k_text,
            breakdown=_breakdown(breakdown),
        )

    # -- reading --------------------------------------------------------------

    @property
    def question(self) -> Question:
        """The first question: the only one of a one-question survey."""
        return self.questions[0]

    def question_by_id(self, question_id: str) -> Question | None:
        """The question with ``question_id``, or ``None``."""
        return next((q for q in self.questions if q.id == question_id), None)

    def accepts_answers_at(self, now: datetime) -> bool:
        """Tell whether an answer given at ``now`` is accepted."""
        return self.state is SurveyState.OPEN and self.opens_at <= now < self.closes_at

    def check_answers(self, answers: object) -> tuple[Answer, ...]:
        """The answers to store for ``{question id: value}``; see :func:`check_answers`."""
        return check_answers(self.questions, answers)

    def band_of(self, years_of_experience: int | None) -> ExperienceBand | None:
        """The band to record with a response: only when the survey breaks results down."""
        if self.breakdown is Breakdown.EXPERIENCE:
            return ExperienceBand.of(years_of_experience)
        return None

    # -- changing -------------------------------------------------------------

    def close(self) -> Self:
        """Stop accepting answers."""
        if self.state is not SurveyState.OPEN:
            raise IllegalTransition(
                self.id, entity="survey", source=self.state.value, target="closed"
            )
        return attrs.evolve(self, state=SurveyState.CLOSED)

    def with_thresholds(
        self, *, min_responses: int, min_text_responses: int | None, answered: int
    ) -> Self:
        """Change the minimum group sizes while nobody has answered (``answered == 0``).

        Once a response has arrived they are frozen: lowering them afterwards
        would show figures the respondents were promised would stay hidden.

        :raises ThresholdsFrozen: someone has answered already.
        :raises InvalidThreshold: a size below 3, or free text below k.
        """
        if answered > 0:
            raise ThresholdsFrozen(self.id)
        k, k_text = check_thresholds(min_responses, min_text_responses)
        return attrs.evolve(self, min_responses=k, min_text_responses=k_text)


def _audience(value: object, meetup_id: MeetupId | None) -> Audience:
    if value is None:
        return Audience.ATTENDEES if meetup_id is not None else Audience.MEMBERS
    try:
        audience = Audience(str(value) if isinstance(value, str) else "")
    except ValueError:
        raise InvalidSurvey(
            value, rule_ko="알 수 없는 응답 대상입니다", rule_en="unknown audience"
        ) from None
    if audience is Audience.ATTENDEES and meetup_id is None:
        raise InvalidSurvey(
            value,
            rule_ko="커뮤니티 설문에는 모임 참석자가 없습니다",
            rule_en="a community survey has no meetup attendees",
        )
    return audience


def _breakdown(value: object) -> Breakdown | None:
    if value is None:
        return None
    try:
        return Breakdown(str(value) if isinstance(value, str) else "")
    except ValueError:
        raise InvalidSurvey(
            value, rule_ko="알 수 없는 세부 분석 기준입니다", rule_en="unknown breakdown"
        ) from None


@attrs.frozen
class Response:
    """One respondent's answers: no member, no time, a random id.

    Responses never name their author, whatever the survey's kind: storage
    for responses is the same for every survey, so it can be shown to hold
    nothing that identifies anyone.  ``band`` is set only when the survey
    breaks its results down by experience.
    """

    id: ResponseId
    survey_id: SurveyId
    answers: tuple[Answer, ...] = attrs.field(converter=sorted_answers)
    band: ExperienceBand | None = attrs.field(
        default=None, converter=attrs.converters.optional(ExperienceBand)
    )


@attrs.frozen
class Participation:
    """That a member has answered a survey, kept apart from what they answered.

    It holds no time, not even a date.  ``response_id`` links the two only
    for surveys created as identified (``anonymous=False``); for anonymous
    surveys it is always ``None``.
    """

    survey_id: SurveyId
    member_id: MemberId
    response_id: ResponseId | None = None


__all__ = [
    "DEFAULT_MIN_RESPONSES",
    "DEFAULT_MIN_TEXT_RESPONSES",
    "LOWEST_MIN_RESPONSES",
    "MAX_QUESTIONS",
    "QUESTION_MAX",
    "Answer",
    "AnswerAggregate",
    "Audience",
    "BandResult",
    "Breakdown",
    "Choice",
    "ExperienceBand",
    "HiddenReason",
    "Participation",
    "Question",
    "QuestionKind",
    "QuestionResult",
    "Response",
    "ResponseStatistics",
    "Survey",
    "SurveyResult",
    "SurveyState",
    "check_thresholds",
]
