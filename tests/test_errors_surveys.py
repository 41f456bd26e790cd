"""The anonymous feedback survey rejects bad input with the specific error and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest

from forum_world import World, assert_unchanged
from proforum import ApplicationState
from proforum.domain.meetup import Meetup
from proforum.domain.survey import Survey
from proforum.errors import (
    AlreadyAnswered,
    IllegalTransition,
    InvalidInput,
    InvalidRating,
    InvalidSchedule,
    InvalidText,
    NotACommunityMember,
    NotAnAttendee,
    NotFound,
    ProforumError,
    RoleRequired,
    SurveyNotOpen,
)


@attrs.define
class Feedback:
    """An ended meetup (one seat holder absent), its open survey, and a member who stayed away."""

    world: World
    meetup: Meetup
    survey: Survey
    bystander: str

    def of(self, state: ApplicationState) -> list[str]:
        return [
            a.member_id
            for a in self.world.forum.applications(self.world.host.id, self.meetup.id)
            if a.state is state
        ]

    def who(self, name: str) -> str:
        w = self.world
        return {
            "attendee": lambda: self.of(ApplicationState.ATTENDED)[0],
            "attendee2": lambda: self.of(ApplicationState.ATTENDED)[1],
            "no-show": lambda: self.of(ApplicationState.NO_SHOW)[0],
            "waitlisted": lambda: self.of(ApplicationState.WAITLISTED)[0],
            "host": lambda: w.host.id,
            "operator": lambda: w.operator.id,
            "outsider": lambda: w.outsider.id,
            "non-applicant": lambda: self.bystander,
            "unknown": lambda: "mem_nobody",
        }[name]()


@pytest.fixture
def feedback(world: World) -> Feedback:
    meetup = world.ended_meetup(capacity=3, absent=1)
    survey = world.forum.create_survey(
        world.host.id,
        meetup.id,
        title="모임 만족도",
        question_ko="오늘 모임은 어떠셨나요?",
        question_en="How was the meetup?",
        closes_at=world.clock.now() + timedelta(days=3),
        min_responses=3,
    )
    bystander = world.forum.register_member(nickname="구경꾼", job_function="marketing-pr")
    world.forum.join_community(bystander.id, world.community.id)
    return Feedback(world, meetup, survey, bystander.id)


# --------------------------------------------------------------------------- create_survey


def _create(feedback: Feedback, actor: str = "host", **overrides: Any) -> Callable[[], object]:
    w = feedback.world
    now = w.clock.now()
    kwargs: dict[str, Any] = {
        "title": "두 번째 설문",
        "question_ko": "다시 오시겠어요?",
        "question_en": "Would you come again?",
        "closes_at": now + timedelta(days=3),
        **overrides,
    }
    meetup_id = kwargs.pop("meetup_id", feedback.meetup.id)
    return lambda: w.forum.create_survey(feedback.who(actor), meetup_id, **kwargs)


NOW_PLUS = timedelta(days=3)


@pytest.mark.parametrize(
    ("actor", "overrides", "error"),
    [
        pytest.param("no-show", {}, RoleRequired, id="plain-member"),
        pytest.param("attendee", {}, RoleRequired, id="attendee"),
        pytest.param("outsider", {}, NotACommunityMember, id="outsider"),
        pytest.param("unknown", {}, NotFound, id="unknown-actor"),
        pytest.param("host", {"meetup_id": "mtp_nowhere"}, NotFound, id="unknown-meetup"),
        pytest.param(
            "host", {"closes_at": datetime(2026, 12, 20, 12)}, InvalidSchedule, id="naive-close"
        ),
        pytest.param(
            "host", {"opens_at": datetime(2026, 12, 10, 22)}, InvalidSchedule, id="naive-open"
        ),
        pytest.param("host", {"closes_at": "2026-12-20"}, InvalidSchedule, id="close-str"),
        pytest.param("host", {"closes_at": None}, InvalidSchedule, id="close-none"),
        pytest.param(
            "host",
            {"opens_at": "long-ago", "closes_at": "past"},
            InvalidSchedule,
            id="closes-in-the-past",
        ),
        pytest.param(
            "host", {"opens_at": "long-ago", "closes_at": "now"}, InvalidSchedule, id="closes-now"
        ),
        pytest.param("host", {"closes_at": "past"}, InvalidSchedule, id="closes-before-now-open"),
        pytest.param("host", {"opens_at": "after-close"}, InvalidSchedule, id="close-before-open"),
        pytest.param("host", {"opens_at": "at-close"}, InvalidSchedule, id="close-equals-open"),
        pytest.param("host", {"min_responses": 2}, InvalidInput, id="min-responses-2"),
        pytest.param("host", {"min_responses": 0}, InvalidInput, id="min-responses-0"),
        pytest.param("host", {"min_responses": True}, InvalidInput, id="min-responses-bool"),
        pytest.param("host", {"min_responses": "5"}, InvalidInput, id="min-responses-str"),
        pytest.param("host", {"min_responses": 5.0}, InvalidInput, id="min-responses-float"),
        pytest.param("host", {"title": ""}, InvalidText, id="title-empty"),
        pytest.param("host", {"title": "설" * 201}, InvalidText, id="title-201"),
        pytest.param("host", {"question_ko": " "}, InvalidText, id="question-ko-blank"),
        pytest.param("host", {"question_en": "q" * 301}, InvalidText, id="question-en-301"),
        pytest.param("host", {"question_ko": "질문\u202e"}, InvalidText, id="question-bidi"),
    ],
)
def test_create_survey_rejects(
    feedback: Feedback, actor: str, overrides: dict[str, Any], error: type[ProforumError]
) -> None:
    now = feedback.world.clock.now()
    moments = {
        "long-ago": now - timedelta(days=1),
        "past": now - timedelta(minutes=1),
        "now": now,
        "after-close": now + NOW_PLUS + timedelta(minutes=1),
        "at-close": now + NOW_PLUS,
    }
    resolved = {k: moments.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}
    if "opens_at" in resolved and "closes_at" not in resolved:
        resolved["closes_at"] = now + NOW_PLUS
    assert_unchanged(feedback.world.forum, _create(feedback, actor, **resolved), error)


@pytest.mark.parametrize("state", ["open", "drawn", "cancelled"])
def test_create_survey_needs_an_ended_meetup(world: World, state: str) -> None:
    meetup = world.open_meetup() if state == "open" else world.drawn_meetup()
    if state == "cancelled":
        world.forum.cancel_meetup(world.host.id, meetup.id)
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.create_survey(
            world.host.id,
            meetup.id,
            title="설문",
            question_ko="질문",
            question_en="Question",
            closes_at=world.clock.now() + timedelta(days=30),
        ),
        IllegalTransition,
    )
    assert exc.params["source"] == state


# --------------------------------------------------------------------------- answer_survey


@pytest.mark.parametrize(
    ("who", "error"),
    [
        pytest.param("no-show", NotAnAttendee, id="no-show"),
        pytest.param("waitlisted", NotAnAttendee, id="waitlisted"),
        pytest.param("non-applicant", NotAnAttendee, id="non-applicant"),
        pytest.param("outsider", NotAnAttendee, id="outsider"),
        pytest.param("host", NotAnAttendee, id="host-did-not-check-in"),
        pytest.param("operator", NotAnAttendee, id="operator"),
        pytest.param("unknown", NotFound, id="unknown-member"),
    ],
)
def test_only_attendees_answer(feedback: Feedback, who: str, error: type[ProforumError]) -> None:
    actor = feedback.who(who)
    assert_unchanged(
        feedback.world.forum,
        lambda: feedback.world.forum.answer_survey(actor, feedback.survey.id, 4),
        error,
    )


@pytest.mark.parametrize("second", [4, 1, 5])
def test_answering_twice_is_refused(feedback: Feedback, second: int) -> None:
    forum, attendee = feedback.world.forum, feedback.who("attendee")
    forum.answer_survey(attendee, feedback.survey.id, 4)
    assert_unchanged(
        forum, lambda: forum.answer_survey(attendee, feedback.survey.id, second), AlreadyAnswered
    )
    assert forum.close_survey(feedback.world.host.id, feedback.survey.id).responses == 1


@pytest.mark.parametrize(
    "rating",
    [
        pytest.param(0, id="zero"),
        pytest.param(6, id="six"),
        pytest.param(-1, id="negative"),
        pytest.param(4.5, id="half"),
        pytest.param(4.0, id="float-whole"),
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
        pytest.param("3", id="str"),
        pytest.param(None, id="none"),
        pytest.param(10**100, id="huge"),
    ],
)
def test_ratings_off_the_scale_are_refused(feedback: Feedback, rating: object) -> None:
    forum = feedback.world.forum
    attendee = feedback.who("attendee")
    exc = assert_unchanged(
        forum,
        lambda: forum.answer_survey(attendee, feedback.survey.id, rating),  # type: ignore[arg-type]
        InvalidRating,
    )
    assert exc.params == {"min": 1, "max": 5}
    # The refused answer did not use up the member's one answer.
    forum.answer_survey(attendee, feedback.survey.id, 5)


@pytest.mark.parametrize("when", ["before-open", "at-close", "after-close", "closed-by-host"])
def test_answers_outside_the_survey_window_are_refused(world: World, when: str) -> None:
    meetup = world.ended_meetup(capacity=3)
    now = world.clock.now()
    survey = world.forum.create_survey(
        world.host.id,
        meetup.id,
        title="설문",
        question_ko="질문",
        question_en="Question",
        opens_at=now + timedelta(hours=1),
        closes_at=now + timedelta(days=1),
    )
    if when == "at-close":
        world.clock.set(survey.closes_at)
    elif when == "after-close":
        world.clock.set(survey.closes_at + timedelta(days=1))
    elif when == "closed-by-host":
        world.clock.set(survey.opens_at)
        world.forum.close_survey(world.host.id, survey.id)
    attendee = world.attendees(meetup)[0]
    assert_unchanged(
        world.forum, lambda: world.forum.answer_survey(attendee, survey.id, 4), SurveyNotOpen
    )


def test_answering_an_unknown_survey(feedback: Feedback) -> None:
    forum = feedback.world.forum
    exc = assert_unchanged(
        forum, lambda: forum.answer_survey(feedback.who("attendee"), "srv_nowhere", 4), NotFound
    )
    assert exc.params["entity"] == "survey"


# --------------------------------------------------------------------------- close_survey


@pytest.mark.parametrize(
    ("who", "error"),
    [
        pytest.param("attendee", RoleRequired, id="attendee"),
        pytest.param("non-applicant", RoleRequired, id="plain-member"),
        pytest.param("outsider", NotACommunityMember, id="outsider"),
        pytest.param("unknown", NotFound, id="unknown-member"),
    ],
)
def test_close_survey_rejects_who(feedback: Feedback, who: str, error: type[ProforumError]) -> None:
    forum, actor = feedback.world.forum, feedback.who(who)
    assert_unchanged(forum, lambda: forum.close_survey(actor, feedback.survey.id), error)


def test_closing_twice_is_refused(feedback: Feedback) -> None:
    forum, host = feedback.world.forum, feedback.world.host.id
    forum.close_survey(host, feedback.survey.id)
    assert_unchanged(forum, lambda: forum.close_survey(host, feedback.survey.id), IllegalTransition)


def test_closing_an_unknown_survey(feedback: Feedback) -> None:
    forum = feedback.world.forum
    assert_unchanged(
        forum, lambda: forum.close_survey(feedback.world.host.id, "srv_nowhere"), NotFound
    )


# --------------------------------------------------------------------------- results and reads


@pytest.mark.parametrize(
    ("who", "error"),
    [
        pytest.param("no-show", NotAnAttendee, id="no-show"),
        pytest.param("waitlisted", NotAnAttendee, id="waitlisted"),
        pytest.param("non-applicant", NotAnAttendee, id="plain-member"),
        pytest.param("outsider", NotAnAttendee, id="outsider"),
        pytest.param("unknown", NotFound, id="unknown-member"),
    ],
)
def test_survey_result_rejects(feedback: Feedback, who: str, error: type[ProforumError]) -> None:
    forum, actor = feedback.world.forum, feedback.who(who)
    assert_unchanged(forum, lambda: forum.survey_result(actor, feedback.survey.id), error)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(
            lambda f: f.world.forum.survey_result(f.world.host.id, "srv_nowhere"),
            NotFound,
            id="result-unknown-survey",
        ),
        pytest.param(
            lambda f: f.world.forum.survey(f.world.outsider.id, f.survey.id),
            NotACommunityMember,
            id="survey-outsider",
        ),
        pytest.param(
            lambda f: f.world.forum.survey(f.world.host.id, "srv_nowhere"),
            NotFound,
            id="survey-unknown",
        ),
    ],
)
def test_survey_reads_reject(
    feedback: Feedback, call: Callable[[Feedback], object], error: type[ProforumError]
) -> None:
    assert_unchanged(feedback.world.forum, lambda: call(feedback), error)
