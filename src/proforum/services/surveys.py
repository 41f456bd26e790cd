"""Use cases of feedback surveys: create, invite, answer, remind, close, read the result."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime

from proforum.domain.common import CommunityId, MeetupId, MemberId, ResponseId, SurveyId
from proforum.domain.community import Role
from proforum.domain.events import SurveyClosed
from proforum.domain.meetup import MeetupState
from proforum.domain.notification import MessageKind
from proforum.domain.survey import (
    DEFAULT_MIN_RESPONSES,
    Audience,
    Breakdown,
    Participation,
    Question,
    Response,
    Survey,
    SurveyResult,
)
from proforum.errors import (
    AlreadyAnswered,
    AlreadyExists,
    IllegalTransition,
    InvalidQuestion,
    InvalidSchedule,
    PermissionDenied,
)
from proforum.services import survey_rules as rules
from proforum.services.base import ForumBase, Tx
from proforum.services.retry import retry_transient

#: The id of the single question made from ``question_ko`` and ``question_en``.
SINGLE_QUESTION_ID = "q1"


def _questions(
    questions: Sequence[Question] | None, question_ko: str | None, question_en: str | None
) -> Sequence[Question]:
    """The questions given, or one 1-5 rating question made from its two texts."""
    if questions is None:
        # Checked (and refused if empty) by Survey.create like any question.
        return [Question.rating(SINGLE_QUESTION_ID, question_ko, question_en)]  # type: ignore[arg-type]
    if question_ko is not None or question_en is not None:
        raise InvalidQuestion(
            None,
            rule_ko="questions와 question_ko/question_en 가운데 하나만 주세요",
            rule_en="give either questions or question_ko and question_en, not both",
        )
    return questions


class SurveyUseCases(ForumBase):
    """Surveys about a meetup or a community: creating, answering, reminding, closing, reading."""

    def create_survey(
        self,
        actor: MemberId,
        meetup_id: MeetupId,
        *,
        title: str,
        closes_at: datetime,
        questions: Sequence[Question] | None = None,
        question_ko: str | None = None,
        question_en: str | None = None,
        opens_at: datetime | None = None,
        anonymous: bool = True,
        audience: Audience | str = Audience.ATTENDEES,
        min_responses: int = DEFAULT_MIN_RESPONSES,
        min_text_responses: int | None = None,
        breakdown: Breakdown | str | None = None,
    ) -> Survey:
        """Create a survey about an ended meetup and invite its audience.

        Give ``questions`` (see :class:`~proforum.domain.survey.Question`), or
        ``question_ko`` and ``question_en`` for one required 1-5 rating
        question with the id ``"q1"``.  The audience is who attended
        (default) or every member of the community.  Whether the survey is
        anonymous is fixed here, for good; ``breakdown="experience"`` records
        each respondent's experience band to break results down by it.

        :raises IllegalTransition: the meetup has not ended.
        :raises InvalidSchedule: the survey closes before it opens, or in the past.
        :raises InvalidThreshold: ``min_responses`` below 3, or the text threshold below it.
        :raises InvalidQuestion: no questions, two with one id, none required, or a malformed one.
        :raises InvalidText: the title, a question or a choice text is empty or too long.
        :raises InvalidSurvey: an unknown audience or breakdown.
        """
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            tx.require_organiser(meetup, actor)
            if meetup.state is not MeetupState.ENDED:
                raise IllegalTransition(
                    meetup_id, entity="meetup", source=meetup.state.value, target="survey"
                )
            survey = Survey.create(
                id=SurveyId(tx.ids.new("srv")),
                community_id=meetup.community_id,
                meetup_id=meetup_id,
                title=title,
                questions=_questions(questions, question_ko, question_en),
                opens_at=opens_at or tx.now,
                closes_at=closes_at,
                created_at=tx.now,
                anonymous=anonymous,
                audience=audience,
                min_responses=min_responses,
                min_text_responses=min_text_responses,
                breakdown=breakdown,
            )
            self._open(tx, survey, closes_at, meetup_title=meetup.title)
        return survey

    def create_community_survey(
        self,
        actor: MemberId,
        community_id: CommunityId,
        *,
        title: str,
        questions: Sequence[Question],
        closes_at: datetime,
        opens_at: datetime | None = None,
        anonymous: bool = True,
        min_responses: int = DEFAULT_MIN_RESPONSES,
        min_text_responses: int | None = None,
        breakdown: Breakdown | str | None = None,
    ) -> Survey:
        """Create a survey of a whole community and invite every member.

        Only the community's operators and hosts may.  Whether it is anonymous
        is fixed here, for good.

        :raises RoleRequired: the actor is neither operator nor host.
        :raises InvalidSchedule: the survey closes before it opens, or in the past.
        :raises InvalidThreshold: ``min_responses`` below 3, or the text threshold below it.
        :raises InvalidQuestion: no questions, two with one id, none required, or a malformed one.
        :raises InvalidText: the title, a question or a choice text is empty or too long.
        :raises InvalidSurvey: an unknown audience or breakdown.
        """
        with self._transaction() as tx:
            community = tx.community(community_id)
            tx.require_role(community_id, actor, Role.OPERATOR, Role.HOST)
            survey = Survey.create(
                id=SurveyId(tx.ids.new("srv")),
                community_id=community_id,
                meetup_id=None,
                title=title,
                questions=questions,
                opens_at=opens_at or tx.now,
                closes_at=closes_at,
                created_at=tx.now,
                anonymous=anonymous,
                audience=Audience.MEMBERS,
                min_responses=min_responses,
                min_text_responses=min_text_responses,
                breakdown=breakdown,
            )
            self._open(tx, survey, closes_at, community_name=community.name)
        return survey

    @staticmethod
    def _open(tx: Tx, survey: Survey, closes_at: datetime, **about: str) -> None:
        """Store a new survey and invite its audience, in the creating transaction."""
        if survey.closes_at <= tx.now:
            # Nobody could ever answer it, yet its whole audience would be invited.
            raise InvalidSchedule(
                closes_at,
                rule_ko="설문 마감은 지금보다 뒤여야 합니다",
                rule_en="a survey must close in the future",
            )
        tx.uow.surveys.add(survey)
        for member_id in sorted(rules.audience(tx, survey)):
            tx.notify(
                member_id,
                MessageKind.SURVEY_INVITATION,
                **_message_params(survey),
                **about,
            )

    @retry_transient
    def answer_survey(
        self, actor: MemberId, survey_id: SurveyId, answers: Mapping[str, object] | int
    ) -> None:
        """Answer a survey once: ``answers`` maps question ids to values.

        Values by kind of question: a whole number for ratings (1 to the
        scale) and NPS (0-10), a choice id for a single choice, a list of
        choice ids for a multiple choice, ``True``/``False`` for yes/no, a
        string for free text.  Leave an optional question out (or ``None``)
        to skip it.  A bare value instead of a mapping answers the first
        question: ``answer_survey(actor, survey_id, 4)``.

        For an anonymous survey the stored response holds the answers and a
        random id only (and the experience band if the survey breaks results
        down by it): nothing links it to the actor.  That the actor has
        answered is stored apart, with no time, to refuse a second answer.

        :raises NotAnAttendee: an attendee survey and the actor did not attend.
        :raises NotACommunityMember: a members' survey and the actor is not one.
        :raises AlreadyAnswered: the actor answered before.
        :raises SurveyNotYetOpen: the survey has not opened yet.
        :raises SurveyAlreadyClosed: the survey has closed.
        :raises UnknownQuestion: a key is not one of the survey's question ids.
        :raises MissingAnswer: a required question is left unanswered.
        :raises InvalidRating: a rating or NPS answer off its scale.
        :raises UnknownChoice: a choice the question does not have.
        :raises InvalidAnswer: a value of the wrong kind, or a choice picked twice.
        :raises InvalidText: free text that is empty, too long or holds control characters.
        """
        with self._transaction() as tx:
            member = tx.member(actor)
            survey = tx.survey(survey_id, for_update=True)
            # Who may answer is checked before what they answered, so that
            # someone outside the audience learns nothing about the questions.
            if not rules.is_eligible(tx, survey, actor):
                raise rules.not_eligible(survey, actor)
            if tx.uow.participations.exists(survey_id, actor):
                raise AlreadyAnswered(survey_id)
            if not survey.accepts_answers_at(tx.now):
                raise rules.not_open(survey, tx.now)
            given = answers if isinstance(answers, Mapping) else {survey.question.id: answers}
            checked = survey.check_answers(given)
            # From the OS CSPRNG, never the forum's id generator: a seeded or
            # sequential id would let a database reader order the responses.
            response_id = ResponseId("rsp_" + secrets.token_hex(16))
            try:
                tx.uow.participations.add(
                    Participation(survey_id, actor, None if survey.anonymous else response_id)
                )
            except AlreadyExists:
                # The same member answering from two places at once: the
                # second finds the first's row through the unique key.
                raise AlreadyAnswered(survey_id) from None
            tx.uow.responses.add(
                Response(
                    id=response_id,
                    survey_id=survey_id,
                    answers=checked,
                    band=survey.band_of(member.years_of_experience),
                )
            )

    def send_survey_reminders(self, actor: MemberId, survey_id: SurveyId) -> int:
        """Remind everyone in the audience who has not answered yet; return how many.

        The organiser learns only that number: who was reminded goes to the
        outbox as messages to each of them, and nothing else says who has
        not answered.

        :raises SurveyNotYetOpen: the survey has not opened yet.
        :raises SurveyAlreadyClosed: the survey has closed.
        """
        with self._transaction() as tx:
            survey = tx.survey(survey_id)
            rules.require_organiser(tx, survey, actor)
            if not survey.accepts_answers_at(tx.now):
                raise rules.not_open(survey, tx.now)
            answered = {p.member_id for p in tx.uow.participations.for_survey(survey_id)}
            waiting = sorted(rules.audience(tx, survey) - answered)
            for member_id in waiting:
                tx.notify(member_id, MessageKind.SURVEY_REMINDER, **_message_params(survey))
        return len(waiting)

    def change_survey_thresholds(
        self,
        actor: MemberId,
        survey_id: SurveyId,
        *,
        min_responses: int,
        min_text_responses: int | None = None,
    ) -> Survey:
        """Change a survey's minimum group sizes, only while nobody has answered it.

        :raises ThresholdsFrozen: someone has answered already.
        :raises InvalidThreshold: ``min_responses`` below 3, or the text threshold below it.
        """
        with self._transaction() as tx:
            survey = tx.survey(survey_id, for_update=True)
            rules.require_organiser(tx, survey, actor)
            changed = survey.with_thresholds(
                min_responses=min_responses,
                min_text_responses=min_text_responses,
                answered=len(tx.uow.participations.for_survey(survey_id)),
            )
            tx.uow.surveys.update(changed)
        return changed

    def close_survey(self, actor: MemberId, survey_id: SurveyId) -> SurveyResult:
        """Stop accepting answers and return the final result.

        :raises IllegalTransition: the survey is already closed.
        """
        with self._transaction() as tx:
            survey = tx.survey(survey_id, for_update=True)
            rules.require_organiser(tx, survey, actor)
            closed = survey.close()
            tx.uow.surveys.update(closed)
            if closed.anonymous:
                tx.uow.responses.rewrite_in_id_order(closed.id)
            result = rules.result_of(tx, closed)
            tx.events.append(SurveyClosed(closed, result))
        return result

    def survey(self, actor: MemberId, survey_id: SurveyId) -> Survey:
        """Return a survey, its questions and whether it is anonymous; members of its community only."""
        with self._transaction() as tx:
            survey = tx.survey(survey_id)
            tx.membership(survey.community_id, actor)
            return survey

    def survey_result(self, actor: MemberId, survey_id: SurveyId) -> SurveyResult:
        """Return the survey's statistics; for its organisers and its audience.

        Every figure of a group smaller than the survey's thresholds is hidden,
        with the reason.
        """
        with self._transaction() as tx:
            survey = tx.survey(survey_id)
            if not rules.is_eligible(tx, survey, actor):
                try:
                    rules.require_organiser(tx, survey, actor)
                except PermissionDenied:
                    raise rules.not_eligible(survey, actor) from None
            return rules.result_of(tx, survey)


def _message_params(survey: Survey) -> dict[str, str]:
    """What invitations and reminders say about a survey."""
    return {
        "survey_id": survey.id,
        "survey_title": survey.title,
        "anonymous": "yes" if survey.anonymous else "no",
        "audience": survey.audience.value,
        "closes_at": survey.closes_at.isoformat(),
    }
