"""Survey questions, the answers they accept, and the coarse subgroup a respondent is in.

Six kinds of question (:class:`QuestionKind`): a 1-to-``scale`` rating (Likert,
1-5 by default), a 0-10 Net Promoter question, a single choice, a multiple
choice, yes/no, and free text.  Each question has its text in Korean and
English and is required or optional.

:func:`check_answers` turns what a respondent sent — ``{question id: value}`` —
into :class:`Answer` values, or raises the specific error for the first thing
wrong with it, before anything is stored.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Self

import attrs

from proforum.domain.common import clean_text
from proforum.errors import (
    InvalidAnswer,
    InvalidQuestion,
    InvalidRating,
    MissingAnswer,
    UnknownChoice,
    UnknownQuestion,
)

QUESTION_MAX = 300
CHOICE_MAX = 100
TEXT_ANSWER_MAX = 2000
MAX_CHOICES = 20
#: NPS answers run from 0 to this.
NPS_MAX = 10
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class QuestionKind(enum.StrEnum):
    """What a question asks for, and so what its answer must be."""

    #: A whole number from 1 to the question's ``scale`` (a Likert item).
    RATING = "rating"
    #: "How likely are you to recommend…?", a whole number from 0 to 10.
    NPS = "nps"
    #: The id of exactly one of the question's choices.
    SINGLE_CHOICE = "single_choice"
    #: A collection of distinct choice ids, at least one.
    MULTIPLE_CHOICE = "multiple_choice"
    #: ``True`` (yes) or ``False`` (no).
    YES_NO = "yes_no"
    #: Free text, up to 2,000 characters.
    TEXT = "text"


#: Kinds whose answers are numbers, summarised with a mean and a distribution.
NUMERIC_KINDS = frozenset({QuestionKind.RATING, QuestionKind.NPS})
#: Kinds that carry a list of choices.
CHOICE_KINDS = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})


class ExperienceBand(enum.StrEnum):
    """A coarse band of years of professional experience (경력 구간).

    The one attribute a survey may break its results down by: coarse enough
    that a band of a community holds many people, honest enough to matter for
    feedback about work talk.  Recorded on a response only when the survey
    enables the breakdown, and then only the band, never the number of years.
    """

    UP_TO_2 = "0-2"
    FROM_3_TO_5 = "3-5"
    FROM_6_TO_10 = "6-10"
    FROM_11 = "11+"

    @classmethod
    def of(cls, years: int | None) -> ExperienceBand | None:
        """The band of ``years`` of experience; ``None`` when unknown."""
        if years is None:
            return None
        if years <= 2:
            return cls.UP_TO_2
        if years <= 5:
            return cls.FROM_3_TO_5
        if years <= 10:
            return cls.FROM_6_TO_10
        return cls.FROM_11

    @property
    def label_ko(self) -> str:
        """How the band reads in Korean."""
        return "11년 이상" if self is ExperienceBand.FROM_11 else f"{self.value}년"

    @property
    def label_en(self) -> str:
        """How the band reads in English."""
        return "11+ years" if self is ExperienceBand.FROM_11 else f"{self.value} years"


class Breakdown(enum.StrEnum):
    """The subgroup attribute a survey's results may be broken down by."""

    #: The respondent's :class:`ExperienceBand`, taken from their profile when they answer.
    EXPERIENCE = "experience"


def _choice_tuple(value: Iterable[Choice]) -> tuple[Choice, ...]:
    return tuple(value)


@attrs.frozen
class Choice:
    """One choice of a choice question: a short id and its text in Korean and English."""

    id: str
    text_ko: str
    text_en: str


@attrs.frozen
class Question:
    """One question of a survey.

    Build questions with the constructors (:meth:`rating`, :meth:`nps`,
    :meth:`single_choice`, :meth:`multiple_choice`, :meth:`yes_no`,
    :meth:`text`); :meth:`checked` validates one and is applied by
    :meth:`proforum.domain.survey.Survey.create`.

    ``scale`` is set for ratings only; ``choices`` for choice questions only.
    """

    id: str
    kind: QuestionKind = attrs.field(converter=QuestionKind)
    text_ko: str
    text_en: str
    required: bool = True
    scale: int | None = None
    choices: tuple[Choice, ...] = attrs.field(default=(), converter=_choice_tuple)

    # -- constructors ---------------------------------------------------------

    @classmethod
    def rating(
        cls, id: str, text_ko: str, text_en: str, *, scale: int = 5, required: bool = True
    ) -> Self:
        """A rating from 1 to ``scale`` (5 by default: a Likert item)."""
        return cls(id, QuestionKind.RATING, text_ko, text_en, required, scale)

    @classmethod
    def nps(cls, id: str, text_ko: str, text_en: str, *, required: bool = True) -> Self:
        """A 0-10 "would you recommend" question, summarised as a Net Promoter Score."""
        return cls(id, QuestionKind.NPS, text_ko, text_en, required)

    @classmethod
    def single_choice(
        cls,
        id: str,
        text_ko: str,
        text_en: str,
        choices: Sequence[Choice],
        *,
        required: bool = True,
    ) -> Self:
        """Pick exactly one of ``choices``."""
        return cls(id, QuestionKind.SINGLE_CHOICE, text_ko, text_en, required, None, choices)

    @classmethod
    def multiple_choice(
        cls,
        id: str,
        text_ko: str,
        text_en: str,
        choices: Sequence[Choice],
        *,
        required: bool = True,
    ) -> Self:
        """Pick one or more of ``choices``."""
        return cls(id, QuestionKind.MULTIPLE_CHOICE, text_ko, text_en, required, None, choices)

    @classmethod
    def yes_no(cls, id: str, text_ko: str, text_en: str, *, required: bool = True) -> Self:
        """Answer yes (``True``) or no (``False``)."""
        return cls(id, QuestionKind.YES_NO, text_ko, text_en, required)

    @classmethod
    def text(cls, id: str, text_ko: str, text_en: str, *, required: bool = False) -> Self:
        """Free text; optional unless ``required`` (free text is never forced by default)."""
        return cls(id, QuestionKind.TEXT, text_ko, text_en, required)

    # -- validation -----------------------------------------------------------

    def checked(self) -> Self:
        """Return this question with its texts normalised, or raise what is wrong.

        :raises InvalidQuestion: a malformed id, a scale off 2-10, choices on a
            question that takes none, fewer than 2 or more than 20 choices,
            or two choices with one id.
        :raises InvalidText: a text is empty, too long or holds control characters.
        """
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise InvalidQuestion(
                self.id,
                rule_ko="질문 id는 영문 소문자, 숫자, '_', '-'로 된 32자 이하여야 합니다",
                rule_en="a question id is up to 32 lowercase letters, digits, '_' or '-'",
            )
        if not isinstance(self.required, bool):
            raise InvalidQuestion(
                self.required,
                rule_ko="required는 True 또는 False여야 합니다",
                rule_en="required must be True or False",
            )
        scale = self.scale
        if self.kind is QuestionKind.RATING:
            if isinstance(scale, bool) or not isinstance(scale, int) or not 2 <= scale <= 10:
                raise InvalidQuestion(
                    scale,
                    rule_ko="평점 척도는 2점에서 10점 사이여야 합니다",
                    rule_en="a rating scale runs to between 2 and 10",
                )
        elif scale is not None:
            raise InvalidQuestion(
                scale,
                rule_ko="척도는 평점 질문에만 있습니다",
                rule_en="only rating questions have a scale",
            )
        choices = self._checked_choices()
        return attrs.evolve(
            self,
            text_ko=clean_text("question", self.text_ko, max_len=QUESTION_MAX),
            text_en=clean_text("question", self.text_en, max_len=QUESTION_MAX),
            choices=choices,
        )

    def _checked_choices(self) -> tuple[Choice, ...]:
        if self.kind not in CHOICE_KINDS:
            if self.choices:
                raise InvalidQuestion(
                    None,
                    rule_ko="선택지는 선택형 질문에만 있습니다",
                    rule_en="only choice questions have choices",
                )
            return ()
        if not 2 <= len(self.choices) <= MAX_CHOICES:
            raise InvalidQuestion(
                len(self.choices),
                rule_ko=f"선택지는 2개에서 {MAX_CHOICES}개까지입니다",
                rule_en=f"a choice question has 2 to {MAX_CHOICES} choices",
            )
        checked: list[Choice] = []
        for choice in self.choices:
            if not isinstance(choice, Choice) or not isinstance(choice.id, str):
                raise InvalidQuestion(
                    None, rule_ko="선택지 형식이 올바르지 않습니다", rule_en="a choice is malformed"
                )
            if not _ID.match(choice.id):
                raise InvalidQuestion(
                    choice.id,
                    rule_ko="선택지 id는 영문 소문자, 숫자, '_', '-'로 된 32자 이하여야 합니다",
                    rule_en="a choice id is up to 32 lowercase letters, digits, '_' or '-'",
                )
            checked.append(
                Choice(
                    choice.id,
                    clean_text("choice", choice.text_ko, max_len=CHOICE_MAX),
                    clean_text("choice", choice.text_en, max_len=CHOICE_MAX),
                )
            )
        if len({c.id for c in checked}) != len(checked):
            raise InvalidQuestion(
                None,
                rule_ko="한 질문의 선택지 id는 서로 달라야 합니다",
                rule_en="the choices of a question need distinct ids",
            )
        return tuple(checked)

    # -- answers --------------------------------------------------------------

    @property
    def lowest(self) -> int | None:
        """The smallest numeric answer (1 for ratings, 0 for NPS and yes/no)."""
        if self.kind is QuestionKind.RATING:
            return 1
        if self.kind in (QuestionKind.NPS, QuestionKind.YES_NO):
            return 0
        return None

    @property
    def highest(self) -> int | None:
        """The largest numeric answer (the scale, 10 for NPS, 1 for yes/no)."""
        if self.kind is QuestionKind.RATING:
            return self.scale
        if self.kind is QuestionKind.NPS:
            return NPS_MAX
        if self.kind is QuestionKind.YES_NO:
            return 1
        return None

    def answers_for(self, value: object) -> tuple[Answer, ...]:
        """The stored answers for ``value`` given to this question (not ``None``).

        :raises InvalidRating: a rating or NPS answer that is not a whole number on the scale.
        :raises UnknownChoice: a choice id that is not one of the question's.
        :raises InvalidAnswer: a value of the wrong kind (text for yes/no, a repeated choice…).
        :raises InvalidText: free text that is empty, too long or holds control characters.
        """
        kind = self.kind
        if kind in NUMERIC_KINDS:
            low, high = self.lowest, self.highest
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or low is None
                or high is None
                or not low <= value <= high
            ):
                raise InvalidRating(value, min=low, max=high, question=self.id)
            return (Answer(self.id, value=value),)
        if kind is QuestionKind.YES_NO:
            if not isinstance(value, bool):
                raise InvalidAnswer(
                    value,
                    question=self.id,
                    rule_ko="예(True) 또는 아니오(False)로 답해야 합니다",
                    rule_en="the answer must be yes (True) or no (False)",
                )
            return (Answer(self.id, value=int(value)),)
        if kind is QuestionKind.TEXT:
            text = clean_text(self.id, value, max_len=TEXT_ANSWER_MAX, multiline=True)
            return (Answer(self.id, text=text),)
        known = {c.id for c in self.choices}
        if kind is QuestionKind.SINGLE_CHOICE:
            if not isinstance(value, str):
                raise InvalidAnswer(
                    value,
                    question=self.id,
                    rule_ko="선택지 하나의 id로 답해야 합니다",
                    rule_en="the answer must be the id of one choice",
                )
            if value not in known:
                raise UnknownChoice(value, question=self.id)
            return (Answer(self.id, choice=value),)
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Collection):
            raise InvalidAnswer(
                value,
                question=self.id,
                rule_ko="선택지 id의 목록으로 답해야 합니다",
                rule_en="the answer must be a list of choice ids",
            )
        picked = list(value)
        for choice in picked:
            if not isinstance(choice, str):
                raise InvalidAnswer(
                    value,
                    question=self.id,
                    rule_ko="선택지 id의 목록으로 답해야 합니다",
                    rule_en="the answer must be a list of choice ids",
                )
            if choice not in known:
                raise UnknownChoice(choice, question=self.id)
        if len(set(picked)) != len(picked):
            raise InvalidAnswer(
                value,
                question=self.id,
                rule_ko="같은 선택지를 두 번 고를 수 없습니다",
                rule_en="a choice can be picked only once",
            )
        return tuple(Answer(self.id, choice=c) for c in sorted(picked))


def _answer_key(answer: Answer) -> tuple[str, str, int, str]:
    return (
        answer.question_id,
        answer.choice or "",
        -1 if answer.value is None else answer.value,
        answer.text or "",
    )


def sorted_answers(answers: Collection[Answer]) -> tuple[Answer, ...]:
    """``answers`` in their one canonical order: by question id, then choice."""
    return tuple(sorted(answers, key=_answer_key))


@attrs.frozen
class Answer:
    """One stored answer to one question: a number, a choice id or a text.

    Ratings and NPS answers are their number, yes/no is 1 or 0, a single
    choice is one answer with its choice id, a multiple choice one answer per
    picked choice, free text one answer with the text.  Exactly one of
    ``value``, ``choice`` and ``text`` is set.
    """

    question_id: str
    value: int | None = None
    choice: str | None = None
    text: str | None = None

    def __attrs_post_init__(self) -> None:
        set_ = [v for v in (self.value, self.choice, self.text) if v is not None]
        if len(set_) != 1:
            raise InvalidAnswer(
                None,
                question=self.question_id,
                rule_ko="답은 숫자, 선택지, 글 가운데 하나여야 합니다",
                rule_en="an answer is exactly one of a number, a choice or a text",
            )
        if isinstance(self.value, bool):
            raise InvalidAnswer(
                None,
                question=self.question_id,
                rule_ko="숫자 답은 정수여야 합니다",
                rule_en="a numeric answer is a whole number",
            )


def check_answers(questions: Sequence[Question], answers: object) -> tuple[Answer, ...]:
    """Turn a respondent's ``{question id: value}`` into the answers to store.

    A missing key or ``None`` leaves a question unanswered, which only an
    optional question may be; so may an empty multiple choice.  Checked in
    this order: unknown question ids, then each question in turn.

    :raises InvalidAnswer: ``answers`` is not a mapping.
    :raises UnknownQuestion: a key is not the id of one of ``questions``.
    :raises MissingAnswer: a required question is left unanswered.
    :raises InvalidRating: a rating or NPS answer off its scale.
    :raises UnknownChoice: a choice the question does not have.
    :raises InvalidText: free text that is empty, too long or holds control characters.
    """
    if not isinstance(answers, Mapping):
        raise InvalidAnswer(
            None,
            question="-",
            rule_ko="답은 {질문 id: 값} 형태여야 합니다",
            rule_en="answers must map question ids to values",
        )
    by_id = {q.id: q for q in questions}
    for key in answers:
        if key not in by_id:
            raise UnknownQuestion(key)
    stored: list[Answer] = []
    for question in questions:
        value = answers.get(question.id)
        empty = value is None or (
            question.kind is QuestionKind.MULTIPLE_CHOICE
            and isinstance(value, Collection)
            and not isinstance(value, str | bytes | Mapping)
            and len(value) == 0
        )
        if empty:
            if question.required:
                raise MissingAnswer(None, question=question.id)
            continue
        stored.extend(question.answers_for(value))
    return sorted_answers(stored)
