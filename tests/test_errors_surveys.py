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
from proforum.domain.survey import Choice, Question, Survey
from proforum.errors import (
    AlreadyAnswered,
    IllegalTransition,
    InvalidAnswer,
    InvalidInput,
    InvalidQuestion,
    InvalidRating,
    InvalidSchedule,
    InvalidSurvey,
    InvalidText,
    InvalidThreshold,
    MissingAnswer,
    NotACommunityMember,
    NotAnAttendee,
    NotFound,
    ProforumError,
    RoleRequired,
    SurveyAlreadyClosed,
    SurveyNotOpen,
    SurveyNotYetOpen,
    ThresholdsFrozen,
    UnknownChoice,
    UnknownQuestion,
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
    if "questions" in overrides and "question_ko" not in overrides:
        del kwargs["question_ko"], kwargs["question_en"]
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
        pytest.param("host", {"min_responses": 2}, InvalidThreshold, id="min-responses-2"),
        pytest.param("host", {"min_responses": 0}, InvalidThreshold, id="min-responses-0"),
        pytest.param("host", {"min_responses": True}, InvalidThreshold, id="min-responses-bool"),
        pytest.param("host", {"min_responses": "5"}, InvalidThreshold, id="min-responses-str"),
        pytest.param("host", {"min_responses": 5.0}, InvalidThreshold, id="min-responses-float"),
        pytest.param(
            "host", {"min_text_responses": 4}, InvalidThreshold, id="text-threshold-below-k"
        ),
        pytest.param(
            "host",
            {"min_responses": 6, "min_text_responses": 5},
            InvalidThreshold,
            id="text-threshold-below-own-k",
        ),
        pytest.param("host", {"anonymous": "yes"}, InvalidInput, id="anonymous-str"),
        pytest.param("host", {"audience": "everyone"}, InvalidSurvey, id="audience-unknown"),
        pytest.param("host", {"breakdown": "company"}, InvalidSurvey, id="breakdown-unknown"),
        pytest.param("host", {"questions": []}, InvalidQuestion, id="no-questions"),
        pytest.param("host", {"questions": "q1"}, InvalidQuestion, id="questions-not-a-list"),
        pytest.param(
            "host",
            {"questions": [Question.rating("q1", "질문", "Question")] * 2},
            InvalidQuestion,
            id="question-ids-repeat",
        ),
        pytest.param(
            "host",
            {"questions": [Question.text("q1", "한마디", "Comment")]},
            InvalidQuestion,
            id="nothing-required",
        ),
        pytest.param(
            "host",
            {"questions": [Question.rating("Q 1", "질문", "Question")]},
            InvalidQuestion,
            id="question-id-malformed",
        ),
        pytest.param(
            "host",
            {"questions": [Question.rating("q1", "질문", "Question", scale=11)]},
            InvalidQuestion,
            id="scale-11",
        ),
        pytest.param(
            "host",
            {"questions": [Question.single_choice("q1", "하나", "One", [Choice("a", "가", "A")])]},
            InvalidQuestion,
            id="one-choice-only",
        ),
        pytest.param(
            "host",
            {
                "questions": [
                    Question.single_choice(
                        "q1", "하나", "One", [Choice("a", "가", "A"), Choice("a", "나", "B")]
                    )
                ]
            },
            InvalidQuestion,
            id="choice-ids-repeat",
        ),
        pytest.param(
            "host",
            {
                "questions": [
                    Question("q1", "yes_no", "예?", "Yes?", choices=(Choice("a", "가", "A"),))
                ]
            },
            InvalidQuestion,
            id="choices-on-yes-no",
        ),
        pytest.param(
            "host",
            {
                "questions": [
                    Question.single_choice(
                        "q1", "하나", "One", [Choice("a", "가", "A"), Choice("b", " ", "B")]
                    )
                ]
            },
            InvalidText,
            id="choice-text-blank",
        ),
        pytest.param(
            "host",
            {"questions": [Question.rating("q1", "질문", "Question")], "question_ko": "또"},
            InvalidQuestion,
            id="questions-and-question-ko",
        ),
        pytest.param("host", {"questions": ["q1"]}, InvalidQuestion, id="question-not-a-question"),
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
    assert exc.params == {"min": 1, "max": 5, "question": "q1"}
    # The refused answer did not use up the member's one answer.
    forum.answer_survey(attendee, feedback.survey.id, 5)


@pytest.mark.parametrize(
    ("when", "error"),
    [
        pytest.param("before-open", SurveyNotYetOpen, id="before-open"),
        pytest.param("at-close", SurveyAlreadyClosed, id="at-close"),
        pytest.param("after-close", SurveyAlreadyClosed, id="after-close"),
        pytest.param("closed-by-host", SurveyAlreadyClosed, id="closed-by-host"),
    ],
)
def test_answers_outside_the_survey_window_are_refused(
    world: World, when: str, error: type[SurveyNotOpen]
) -> None:
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
    assert_unchanged(world.forum, lambda: world.forum.answer_survey(attendee, survey.id, 4), error)
    # Reminders are refused the same way, and say as much.
    assert_unchanged(
        world.forum, lambda: world.forum.send_survey_reminders(world.host.id, survey.id), error
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


# --------------------------------------------------------------------------- every kind of question


def every_kind() -> list[Question]:
    """One question of each kind: the rating and yes/no required, the rest optional."""
    topics = [
        Choice("ads", "광고", "Ads"),
        Choice("seo", "검색", "Search"),
        Choice("crm", "CRM", "CRM"),
    ]
    return [
        Question.rating("rating", "만족하셨나요?", "Were you satisfied?"),
        Question.nps("nps", "추천하시겠어요?", "Would you recommend it?", required=False),
        Question.single_choice("best", "가장 좋았던 것은?", "Best part?", topics, required=False),
        Question.multiple_choice("topics", "다룰 주제는?", "Topics?", topics, required=False),
        Question.yes_no("offline", "오프라인 후속 모임에 참여하시겠어요?", "Join offline?"),
        Question.text("comment", "한마디", "Anything else?"),
    ]


GOOD = {"rating": 4, "offline": True}


@pytest.fixture
def full(feedback: Feedback) -> Survey:
    """A second survey of the ended meetup, with every kind of question."""
    w = feedback.world
    return w.forum.create_survey(
        w.host.id,
        feedback.meetup.id,
        title="자세한 후기",
        questions=every_kind(),
        closes_at=w.clock.now() + timedelta(days=3),
        min_responses=3,
    )


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        pytest.param({**GOOD, "rating": 6}, InvalidRating, id="rating-6"),
        pytest.param({**GOOD, "rating": 0}, InvalidRating, id="rating-0"),
        pytest.param({**GOOD, "rating": 4.0}, InvalidRating, id="rating-float"),
        pytest.param({**GOOD, "rating": True}, InvalidRating, id="rating-bool"),
        pytest.param({**GOOD, "nps": 11}, InvalidRating, id="nps-11"),
        pytest.param({**GOOD, "nps": -1}, InvalidRating, id="nps-negative"),
        pytest.param({**GOOD, "nps": "10"}, InvalidRating, id="nps-str"),
        pytest.param({"offline": True}, MissingAnswer, id="rating-missing"),
        pytest.param({"rating": 4}, MissingAnswer, id="yes-no-missing"),
        pytest.param({**GOOD, "offline": None}, MissingAnswer, id="yes-no-none"),
        pytest.param({}, MissingAnswer, id="nothing"),
        pytest.param({**GOOD, "q9": 3}, UnknownQuestion, id="unknown-question"),
        pytest.param({**GOOD, "Rating": 3}, UnknownQuestion, id="question-id-case"),
        pytest.param({**GOOD, 1: 3}, UnknownQuestion, id="question-id-int"),
        pytest.param({**GOOD, "best": "tv"}, UnknownChoice, id="unknown-choice"),
        pytest.param({**GOOD, "topics": ["ads", "tv"]}, UnknownChoice, id="unknown-choice-of-many"),
        pytest.param({**GOOD, "best": ["ads"]}, InvalidAnswer, id="single-choice-list"),
        pytest.param({**GOOD, "best": 1}, InvalidAnswer, id="single-choice-int"),
        pytest.param({**GOOD, "topics": "ads"}, InvalidAnswer, id="multiple-choice-str"),
        pytest.param({**GOOD, "topics": ["ads", "ads"]}, InvalidAnswer, id="choice-twice"),
        pytest.param({**GOOD, "topics": [1]}, InvalidAnswer, id="choice-int"),
        pytest.param({**GOOD, "topics": {"ads": True}}, InvalidAnswer, id="choices-mapping"),
        pytest.param({**GOOD, "offline": "yes"}, InvalidAnswer, id="yes-no-str"),
        pytest.param({**GOOD, "offline": 1}, InvalidAnswer, id="yes-no-int"),
        pytest.param({**GOOD, "comment": " "}, InvalidText, id="text-blank"),
        pytest.param({**GOOD, "comment": "글" * 2001}, InvalidText, id="text-2001"),
        pytest.param({**GOOD, "comment": "좋아요\u202e"}, InvalidText, id="text-bidi"),
        pytest.param({**GOOD, "comment": 5}, InvalidText, id="text-int"),
        pytest.param(True, InvalidRating, id="bare-bool"),
        pytest.param(None, MissingAnswer, id="bare-none"),
        pytest.param([4], InvalidRating, id="bare-list"),
    ],
)
def test_bad_answers_are_refused(
    feedback: Feedback, full: Survey, answers: object, error: type[ProforumError]
) -> None:
    forum, attendee = feedback.world.forum, feedback.who("attendee")
    assert_unchanged(
        forum,
        lambda: forum.answer_survey(attendee, full.id, answers),  # type: ignore[arg-type]
        error,
        "글" * 20,
    )
    # Nothing was recorded: the member's one answer is still to give.
    forum.answer_survey(attendee, full.id, {**GOOD, "topics": [], "comment": None})
    assert_unchanged(forum, lambda: forum.answer_survey(attendee, full.id, GOOD), AlreadyAnswered)


def test_a_full_answer_is_taken(feedback: Feedback, full: Survey) -> None:
    forum = feedback.world.forum
    forum.answer_survey(
        feedback.who("attendee"),
        full.id,
        {
            "rating": 5,
            "nps": 10,
            "best": "seo",
            "topics": ("crm", "ads"),
            "offline": False,
            "comment": "  첫 주 ROAS 이야기가 좋았어요\n다음에도 올게요 ",
        },
    )
    (row,) = [r for r in forum.export_data()["tables"]["responses"] if r["survey_id"] == full.id]
    assert [(a["question_id"], a["value"], a["choice"]) for a in row["answers"]] == [
        ("best", None, "seo"),
        ("comment", None, None),
        ("nps", 10, None),
        ("offline", 0, None),
        ("rating", 5, None),
        ("topics", None, "ads"),
        ("topics", None, "crm"),
    ]
    assert row["answers"][1]["text"] == "첫 주 ROAS 이야기가 좋았어요\n다음에도 올게요"


# --------------------------------------------------------------------------- thresholds


def test_thresholds_change_only_before_the_first_answer(feedback: Feedback) -> None:
    forum, host, survey = feedback.world.forum, feedback.world.host.id, feedback.survey
    changed = forum.change_survey_thresholds(host, survey.id, min_responses=4)
    assert (changed.min_responses, changed.min_text_responses) == (4, 10)
    forum.answer_survey(feedback.who("attendee"), survey.id, 5)
    for k, k_text in ((3, None), (4, 12), (50, None)):
        exc = assert_unchanged(
            forum,
            lambda k=k, k_text=k_text: forum.change_survey_thresholds(
                host, survey.id, min_responses=k, min_text_responses=k_text
            ),
            ThresholdsFrozen,
        )
        assert exc.code == "state.thresholds_frozen"
    assert forum.survey(host, survey.id).min_responses == 4


@pytest.mark.parametrize(
    ("who", "k", "k_text", "error"),
    [
        pytest.param("host", 2, None, InvalidThreshold, id="k-2"),
        pytest.param("host", 0, None, InvalidThreshold, id="k-0"),
        pytest.param("host", True, None, InvalidThreshold, id="k-bool"),
        pytest.param("host", 3.5, None, InvalidThreshold, id="k-float"),
        pytest.param("host", 5, 4, InvalidThreshold, id="text-below-k"),
        pytest.param("host", 5, 2, InvalidThreshold, id="text-2"),
        pytest.param("attendee", 5, None, RoleRequired, id="attendee"),
        pytest.param("outsider", 5, None, NotACommunityMember, id="outsider"),
        pytest.param("unknown", 5, None, NotFound, id="unknown-member"),
    ],
)
def test_change_thresholds_rejects(
    feedback: Feedback, who: str, k: object, k_text: object, error: type[ProforumError]
) -> None:
    forum, actor = feedback.world.forum, feedback.who(who)
    exc = assert_unchanged(
        forum,
        lambda: forum.change_survey_thresholds(
            actor,
            feedback.survey.id,
            min_responses=k,  # type: ignore[arg-type]
            min_text_responses=k_text,  # type: ignore[arg-type]
        ),
        error,
    )
    if error is InvalidThreshold:
        assert exc.params["min"] >= 3


# --------------------------------------------------------------------------- reminders


@pytest.mark.parametrize(
    ("who", "error"),
    [
        pytest.param("attendee", RoleRequired, id="attendee"),
        pytest.param("non-applicant", RoleRequired, id="plain-member"),
        pytest.param("outsider", NotACommunityMember, id="outsider"),
        pytest.param("unknown", NotFound, id="unknown-member"),
    ],
)
def test_reminders_reject_who(feedback: Feedback, who: str, error: type[ProforumError]) -> None:
    forum, actor = feedback.world.forum, feedback.who(who)
    assert_unchanged(forum, lambda: forum.send_survey_reminders(actor, feedback.survey.id), error)


def test_reminders_for_an_unknown_survey(feedback: Feedback) -> None:
    forum = feedback.world.forum
    assert_unchanged(
        forum, lambda: forum.send_survey_reminders(feedback.world.host.id, "srv_nowhere"), NotFound
    )


# --------------------------------------------------------------------------- community surveys


def _community_survey(world: World, actor: str, **overrides: Any) -> Callable[[], object]:
    kwargs: dict[str, Any] = {
        "title": "커뮤니티 설문",
        "questions": [Question.yes_no("offline", "오프라인 모임을 원하세요?", "Meet offline?")],
        "closes_at": world.clock.now() + timedelta(days=7),
        **overrides,
    }
    community_id = kwargs.pop("community_id", world.community.id)
    return lambda: world.forum.create_community_survey(actor, community_id, **kwargs)


@pytest.mark.parametrize(
    ("who", "overrides", "error"),
    [
        pytest.param("member", {}, RoleRequired, id="plain-member"),
        pytest.param("outsider", {}, NotACommunityMember, id="outsider"),
        pytest.param("unknown", {}, NotFound, id="unknown-member"),
        pytest.param("operator", {"community_id": "com_nowhere"}, NotFound, id="unknown-community"),
        pytest.param("operator", {"questions": []}, InvalidQuestion, id="no-questions"),
        pytest.param("operator", {"min_responses": 2}, InvalidThreshold, id="threshold-2"),
        pytest.param("operator", {"closes_at": "past"}, InvalidSchedule, id="closes-in-the-past"),
    ],
)
def test_create_community_survey_rejects(
    world: World, who: str, overrides: dict[str, Any], error: type[ProforumError]
) -> None:
    actor = {
        "member": world.members[0].id,
        "outsider": world.outsider.id,
        "unknown": "mem_nobody",
        "operator": world.operator.id,
    }[who]
    if overrides.get("closes_at") == "past":
        overrides = {**overrides, "closes_at": world.clock.now() - timedelta(minutes=1)}
    assert_unchanged(world.forum, _community_survey(world, actor, **overrides), error)


@pytest.mark.parametrize(
    ("who", "error"),
    [
        pytest.param("outsider", NotACommunityMember, id="outsider"),
        pytest.param("unknown", NotFound, id="unknown-member"),
    ],
)
def test_only_members_answer_a_community_survey(
    world: World, who: str, error: type[ProforumError]
) -> None:
    survey = _community_survey(world, world.operator.id)()
    assert isinstance(survey, Survey)
    actor = world.outsider.id if who == "outsider" else "mem_nobody"
    assert_unchanged(
        world.forum, lambda: world.forum.answer_survey(actor, survey.id, {"offline": True}), error
    )
    assert_unchanged(world.forum, lambda: world.forum.survey_result(actor, survey.id), error)
