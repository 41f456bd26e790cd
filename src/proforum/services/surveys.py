"""Use cases of the anonymous feedback survey."""

from __future__ import annotations

import secrets
from datetime import datetime

from proforum.domain.common import MeetupId, MemberId, ResponseId, SurveyId
from proforum.domain.events import SurveyClosed
from proforum.domain.meetup import ApplicationState, MeetupState
from proforum.domain.notification import MessageKind
from proforum.domain.survey import (
    DEFAULT_MIN_RESPONSES,
    Participation,
    RatingQuestion,
    Response,
    Survey,
    SurveyResult,
)
from proforum.errors import (
    AlreadyAnswered,
    AlreadyExists,
    IllegalTransition,
    InvalidSchedule,
    NotAnAttendee,
    PermissionDenied,
    SurveyNotOpen,
)
from proforum.services.base import ForumBase, Tx
from proforum.services.retry import retry_transient


class SurveyUseCases(ForumBase):
    """Creating, answering and closing the post-meetup survey."""

    def create_survey(
        self,
        actor: MemberId,
        meetup_id: MeetupId,
        *,
        title: str,
        question_ko: str,
        question_en: str,
        closes_at: datetime,
        opens_at: datetime | None = None,
        anonymous: bool = True,
        min_responses: int = DEFAULT_MIN_RESPONSES,
    ) -> Survey:
        """Create a survey about an ended meetup and invite everyone who attended.

        Whether it is anonymous is fixed here, for good.

        :raises IllegalTransition: the meetup has not ended.
        :raises InvalidSchedule: the survey closes before it opens, or in the past.
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
                meetup_id=meetup_id,
                title=title,
                question=RatingQuestion(question_ko, question_en),
                opens_at=opens_at or tx.now,
                closes_at=closes_at,
                created_at=tx.now,
                anonymous=anonymous,
                min_responses=min_responses,
            )
            if survey.closes_at <= tx.now:
                # Nobody could ever answer it, yet every attendee would be invited.
                raise InvalidSchedule(
                    closes_at,
                    rule_ko="설문 마감은 지금보다 뒤여야 합니다",
                    rule_en="a survey must close in the future",
                )
            tx.uow.surveys.add(survey)
            for application in tx.uow.applications.for_meetup(meetup_id):
                if application.state is ApplicationState.ATTENDED:
                    tx.notify(
                        application.member_id,
                        MessageKind.SURVEY_INVITATION,
                        survey_id=survey.id,
                        survey_title=survey.title,
                        meetup_title=meetup.title,
                    )
        return survey

    @staticmethod
    def _attended(tx: Tx, survey: Survey, member_id: MemberId) -> bool:
        application = tx.uow.applications.get(survey.meetup_id, member_id)
        return application is not None and application.state is ApplicationState.ATTENDED

    @retry_transient
    def answer_survey(self, actor: MemberId, survey_id: SurveyId, rating: int) -> None:
        """Answer a survey once; only people who attended the meetup may.

        For an anonymous survey the stored response holds the rating and a
        random id only: nothing links it to the actor.  That the actor has
        answered is stored apart, to refuse a second answer.

        :raises NotAnAttendee: the actor did not attend.
        :raises AlreadyAnswered: the actor answered before.
        :raises SurveyNotOpen: the survey is not open now.
        :raises InvalidRating: the rating is not on the scale.
        """
        with self._transaction() as tx:
            tx.member(actor)
            survey = tx.survey(survey_id)
            # Who may answer is checked before what they answered, so that a
            # non-attendee learns nothing about the question from the error.
            if not self._attended(tx, survey, actor):
                raise NotAnAttendee(survey_id)
            if tx.uow.participations.exists(survey_id, actor):
                raise AlreadyAnswered(survey_id)
            if not survey.accepts_answers_at(tx.now):
                raise SurveyNotOpen(survey_id)
            checked = survey.question.check(rating)
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
            tx.uow.responses.add(Response(id=response_id, survey_id=survey_id, rating=checked))

    def close_survey(self, actor: MemberId, survey_id: SurveyId) -> SurveyResult:
        """Stop accepting answers and return the final result.

        :raises IllegalTransition: the survey is already closed.
        """
        with self._transaction() as tx:
            survey = tx.survey(survey_id)
            tx.require_organiser(tx.meetup(survey.meetup_id), actor)
            closed = survey.close()
            tx.uow.surveys.update(closed)
            result = SurveyResult.compute(
                closed, (r.rating for r in tx.uow.responses.for_survey(survey_id))
            )
            tx.events.append(SurveyClosed(closed, result))
        return result

    def survey(self, actor: MemberId, survey_id: SurveyId) -> Survey:
        """Return a survey; members of the meetup's community only."""
        with self._transaction() as tx:
            survey = tx.survey(survey_id)
            tx.membership(tx.meetup(survey.meetup_id).community_id, actor)
            return survey

    def survey_result(self, actor: MemberId, survey_id: SurveyId) -> SurveyResult:
        """Return the survey's statistics; for its organisers and attendees.

        Figures stay hidden until ``min_responses`` people have answered.
        """
        with self._transaction() as tx:
            survey = tx.survey(survey_id)
            meetup = tx.meetup(survey.meetup_id)
            if not self._attended(tx, survey, actor):
                try:
                    tx.require_organiser(meetup, actor)
                except PermissionDenied:
                    raise NotAnAttendee(survey_id) from None
            return SurveyResult.compute(
                survey, (r.rating for r in tx.uow.responses.for_survey(survey_id))
            )
