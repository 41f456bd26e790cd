"""Who may do what with a survey, and its result: the rules the survey use cases share.

Every function works inside one use case's transaction (:class:`Tx`).
"""

from __future__ import annotations

from datetime import datetime

from proforum.domain.common import MemberId
from proforum.domain.community import Role
from proforum.domain.meetup import ApplicationState
from proforum.domain.survey import Audience, Survey, SurveyResult, SurveyState
from proforum.errors import (
    NotACommunityMember,
    NotAnAttendee,
    PermissionDenied,
    SurveyAlreadyClosed,
    SurveyNotOpen,
    SurveyNotYetOpen,
)
from proforum.services.base import Tx


def require_organiser(tx: Tx, survey: Survey, actor: MemberId) -> None:
    """Allow who runs the survey, refuse everyone else.

    That is the meetup's host and the community's operators for a meetup
    survey; the community's operators and hosts for a community survey.

    :raises NotFound: the actor does not exist.
    :raises NotACommunityMember: the actor is not in the community.
    :raises RoleRequired: the actor has no role that runs the survey.
    """
    if survey.meetup_id is not None:
        tx.require_organiser(tx.meetup(survey.meetup_id), actor)
    else:
        tx.require_role(survey.community_id, actor, Role.OPERATOR, Role.HOST)


def is_eligible(tx: Tx, survey: Survey, member_id: MemberId) -> bool:
    """Tell whether ``member_id`` is in the survey's audience now."""
    if survey.audience is Audience.ATTENDEES:
        assert survey.meetup_id is not None  # Survey.create guarantees it
        application = tx.uow.applications.get(survey.meetup_id, member_id)
        return application is not None and application.state is ApplicationState.ATTENDED
    return tx.uow.memberships.get(survey.community_id, member_id) is not None


def not_eligible(survey: Survey, member_id: MemberId) -> PermissionDenied:
    """The error that tells ``member_id`` they are not in the survey's audience."""
    if survey.audience is Audience.ATTENDEES:
        return NotAnAttendee(survey.id)
    return NotACommunityMember(member_id)


def audience(tx: Tx, survey: Survey) -> set[MemberId]:
    """Everyone in the survey's audience now."""
    if survey.audience is Audience.ATTENDEES:
        assert survey.meetup_id is not None  # Survey.create guarantees it
        return {
            a.member_id
            for a in tx.uow.applications.for_meetup(survey.meetup_id)
            if a.state is ApplicationState.ATTENDED
        }
    return {m.member_id for m in tx.uow.memberships.for_community(survey.community_id)}


def not_open(survey: Survey, now: datetime) -> SurveyNotOpen:
    """Why ``survey`` takes no answers at ``now``: not open yet, or closed."""
    if survey.state is SurveyState.OPEN and now < survey.opens_at:
        return SurveyNotYetOpen(survey.id)
    return SurveyAlreadyClosed(survey.id)


def result_of(tx: Tx, survey: Survey) -> SurveyResult:
    """The survey's honest statistics, from the aggregates storage computes.

    Free texts are read only for the questions whose texts will be shown.
    The response rate's divisor counts everyone in the audience now and
    everyone who answered (someone may have left the community since).
    """
    # Without a breakdown no response records a band (Survey.band_of), and
    # not reading the bands spares the database a row per response.
    statistics = tx.uow.responses.statistics(survey.id, by_band=survey.breakdown is not None)
    texts = {
        question_id: tx.uow.responses.texts(survey.id, question_id)
        for question_id in SurveyResult.texts_to_show(survey, statistics)
    }
    eligible = tx.uow.participations.eligible_count(survey)
    return SurveyResult.build(survey, statistics, eligible=eligible, texts=texts)
