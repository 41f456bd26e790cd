"""Surveys through the forum: community surveys, every kind of question, reminders,
subgroups, response rates, old exports, and statistics computed by the database.

Bad input is in tests/test_errors_surveys.py; properties of the figures in
tests/test_properties_survey.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import proforum
from forum_world import World
from proforum import ManualClock, SeededIds
from proforum.adapters.sql.storage import SqlStorage
from proforum.domain.notification import MessageKind
from proforum.domain.survey import (
    Audience,
    Choice,
    ExperienceBand,
    HiddenReason,
    Question,
    QuestionKind,
    Survey,
)
from proforum.errors import SurveyAlreadyClosed
from proforum.i18n import render
from sql_support import sqlite_url

TOPICS = [
    Choice("ads", "광고", "Ads"),
    Choice("seo", "검색", "Search"),
    Choice("crm", "CRM", "CRM"),
]
QUESTIONS = [
    Question.rating("rating", "이 커뮤니티에 만족하시나요?", "Are you happy with the community?"),
    Question.nps("nps", "동료에게 추천하시겠어요?", "Would you recommend it?", required=False),
    Question.single_choice("best", "가장 좋은 것은?", "Best part?", TOPICS, required=False),
    Question.multiple_choice("topics", "더 다룰 주제는?", "More of?", TOPICS, required=False),
    Question.yes_no("offline", "오프라인 모임에 참여하시겠어요?", "Would you meet offline?"),
    Question.text("comment", "한마디", "Anything else?"),
]


def community_survey(world: World, **options: object) -> Survey:
    """A survey of the whole community, by its operator, closing in a week."""
    return world.forum.create_community_survey(
        world.operator.id,
        world.community.id,
        title="커뮤니티 만족도 조사",
        questions=QUESTIONS,
        closes_at=world.clock.now() + timedelta(days=7),
        **options,  # type: ignore[arg-type]
    )


def answer(world: World, member_id: str, survey: Survey, n: int) -> None:
    """Member ``member_id`` answers, their answers varying with ``n``."""
    world.forum.answer_survey(
        member_id,
        survey.id,
        {
            "rating": 1 + n % 5,
            "nps": n % 11,
            "best": "seo" if n % 3 else "ads",
            "topics": ["ads", "crm"][: n % 3],
            "offline": n % 4 != 0,
            "comment": f"의견 {n}" if n % 2 else None,
        },
    )


# --------------------------------------------------------------------------- community surveys


def test_a_community_survey_invites_every_member_and_counts_them(world: World) -> None:
    survey = community_survey(world, min_responses=3)
    assert (survey.meetup_id, survey.audience) == (None, Audience.MEMBERS)
    members = {m.member_id for m in world.forum.memberships(world.operator.id, world.community.id)}
    invited = {m.recipient_id for m in world.forum.outbox() if m.kind == "survey_invitation"}
    assert invited == members
    assert world.outsider.id not in invited
    for n, member in enumerate(world.members):
        answer(world, member.id, survey, n)
    result = world.forum.survey_result(world.members[0].id, survey.id)
    assert (result.responses, result.eligible) == (6, len(members))
    assert result.response_rate == round(6 / len(members), 4)
    figures = {q.question_id: q for q in result.questions}
    assert figures["rating"].mean == 2.67  # 1, 2, 3, 4, 5, 1
    assert figures["rating"].distribution == (2, 1, 1, 1, 1)
    assert figures["nps"].nps == round(100 * (0 - 6) / 6, 1)
    assert figures["best"].choices == {"ads": 2, "seo": 4, "crm": 0}
    assert figures["topics"].answered == 4  # those who picked something
    assert figures["topics"].choices == {"ads": 4, "seo": 0, "crm": 2}
    assert figures["offline"].choices == {"yes": 4, "no": 2}
    assert figures["comment"].hidden is HiddenReason.TOO_FEW_TEXT_ANSWERS
    assert figures["comment"].answered == 3
    assert figures["comment"].texts is None
    assert result.bands == ()  # no breakdown asked for


def test_someone_who_left_still_counts_towards_the_response_rate(world: World) -> None:
    survey = community_survey(world)
    leaver = world.members[0].id
    answer(world, leaver, survey, 1)
    world.forum.leave_community(leaver, world.community.id)
    result = world.forum.survey_result(world.operator.id, survey.id)
    members = world.forum.memberships(world.operator.id, world.community.id)
    assert result.eligible == len(members) + 1
    assert result.responses == 1


def test_free_text_is_shown_sorted_from_its_own_threshold(world: World) -> None:
    survey = community_survey(world, min_responses=3, min_text_responses=3)
    for n, member in enumerate(world.members):
        answer(world, member.id, survey, n)
    comment = world.forum.close_survey(world.operator.id, survey.id).question("comment")
    assert comment.texts == ("의견 1", "의견 3", "의견 5")


# --------------------------------------------------------------------------- subgroups


def test_breakdown_records_the_band_and_shows_only_safe_groups(
    world: World,
) -> None:
    forum = world.forum
    years = [1, 2, 0, 7, 8, 9, 13]
    people = []
    for n, y in enumerate(years):
        member = forum.register_member(
            nickname=f"응답{n}", job_function="marketing-pr", years_of_experience=y
        )
        forum.join_community(member.id, world.community.id)
        people.append(member.id)
    survey = community_survey(world, min_responses=3, breakdown="experience")
    for n, member_id in enumerate(people):
        answer(world, member_id, survey, n)
    bands = [
        r["band"] for r in forum.export_data()["tables"]["responses"] if r["survey_id"] == survey.id
    ]
    assert sorted(bands) == sorted(["0-2", "0-2", "0-2", "6-10", "6-10", "6-10", "11+"])
    result = forum.survey_result(world.operator.id, survey.id)
    by_band = {b.band: b for b in result.bands}
    # 0-2 and 6-10 have three each; 11+ has one, so it stays hidden, and so
    # would anything that let it be worked out by subtraction.
    assert by_band[ExperienceBand.FROM_11].hidden is HiddenReason.TOO_FEW_ANSWERS
    assert by_band[ExperienceBand.FROM_3_TO_5].hidden is HiddenReason.TOO_FEW_ANSWERS
    shown = [b for b in result.bands if b.hidden is None]
    left = result.responses - sum(b.respondents or 0 for b in shown)
    assert left == 0 or left >= 3
    for band in result.bands:
        if band.hidden is not None:
            assert band.respondents is None
            assert all(q.mean is None and q.choices is None for q in band.questions)
    assert all(
        q.hidden is HiddenReason.NOT_BROKEN_DOWN
        for b in result.bands
        for q in b.questions
        if q.kind is QuestionKind.TEXT
    )


def test_no_band_is_recorded_without_a_breakdown(world: World) -> None:
    forum = world.forum
    member = forum.register_member(
        nickname="경력자", job_function="marketing-pr", years_of_experience=4
    )
    forum.join_community(member.id, world.community.id)
    survey = community_survey(world)
    answer(world, member.id, survey, 1)
    (row,) = forum.export_data()["tables"]["responses"]
    assert row["band"] is None


# --------------------------------------------------------------------------- reminders


def test_reminders_go_to_who_has_not_answered_and_the_organiser_gets_a_number(
    world: World,
) -> None:
    forum = world.forum
    meetup = world.ended_meetup(capacity=3)
    attendees = world.attendees(meetup)
    survey = forum.create_survey(
        world.host.id,
        meetup.id,
        title="모임 후기",
        question_ko="만족하셨나요?",
        question_en="Were you satisfied?",
        closes_at=world.clock.now() + timedelta(days=3),
    )
    forum.answer_survey(attendees[0], survey.id, 5)
    before = {m.id for m in forum.outbox()}
    assert forum.send_survey_reminders(world.host.id, survey.id) == len(attendees) - 1
    reminders = [m for m in forum.outbox() if m.id not in before]
    assert {m.kind for m in reminders} == {MessageKind.SURVEY_REMINDER}
    assert {m.recipient_id for m in reminders} == set(attendees[1:])
    # The message never says who else answered, or when.
    assert set(reminders[0].params) == {
        "survey_id",
        "survey_title",
        "anonymous",
        "audience",
        "closes_at",
    }
    text = render(reminders[0], "ko", "Asia/Seoul")
    assert "아직 답하지 않으셨다면" in text.body
    assert "익명 설문입니다" in text.body
    for member_id in attendees[1:]:
        forum.answer_survey(member_id, survey.id, 4)
    assert forum.send_survey_reminders(world.operator.id, survey.id) == 0
    world.clock.set(survey.closes_at)
    with pytest.raises(SurveyAlreadyClosed):
        forum.send_survey_reminders(world.host.id, survey.id)


def test_invitations_say_whether_the_survey_is_anonymous(world: World) -> None:
    forum = world.forum
    meetup = world.ended_meetup(capacity=3)
    for anonymous in (True, False):
        forum.create_survey(
            world.host.id,
            meetup.id,
            title="후기",
            question_ko="만족하셨나요?",
            question_en="Were you satisfied?",
            closes_at=world.clock.now() + timedelta(days=3),
            anonymous=anonymous,
        )
    invitations = [m for m in forum.outbox() if m.kind == "survey_invitation"]
    shown = {render(m, "ko", "Asia/Seoul").subject for m in invitations}
    assert shown == {"[익명 설문] 후기", "[기명 설문] 후기"}
    english = {render(m, "en", "Asia/Seoul").body.splitlines()[0] for m in invitations}
    assert any("answers are not linked to who gave them" in line for line in english)
    assert any("who answered is recorded" in line for line in english)
    assert all(line.startswith("Thank you for coming.") for line in english)
    # Members asked about a meetup they did not attend are not thanked for coming.
    community_wide = forum.create_survey(
        world.host.id,
        meetup.id,
        title="모임 평판",
        question_ko="들어 보셨나요?",
        question_en="Did you hear about it?",
        closes_at=world.clock.now() + timedelta(days=3),
        audience="members",
    )
    to_members = [m for m in forum.outbox() if m.params.get("survey_id") == community_wide.id]
    assert {m.recipient_id for m in to_members} == {
        m.member_id for m in forum.memberships(world.host.id, world.community.id)
    }
    assert not render(to_members[0], "en", "Asia/Seoul").body.startswith("Thank you")


# --------------------------------------------------------------------------- old exports


def test_an_export_of_the_previous_version_imports(world: World) -> None:
    """Version-1 exports (one rating question, a rating per response) still import."""
    forum = world.forum
    meetup = world.ended_meetup(capacity=3)
    survey = forum.create_survey(
        world.host.id,
        meetup.id,
        title="모임 후기",
        question_ko="만족하셨나요?",
        question_en="Were you satisfied?",
        closes_at=world.clock.now() + timedelta(days=3),
        min_responses=3,
    )
    for rating, member_id in zip((5, 4, 3), world.attendees(meetup), strict=True):
        forum.answer_survey(member_id, survey.id, rating)
    current = forum.export_data()
    old = json.loads(json.dumps(current))
    old["version"] = 1
    for row in old["tables"]["surveys"]:
        question = row.pop("questions")[0]
        for name in ("community_id", "audience", "min_text_responses", "breakdown"):
            del row[name]
        row["question"] = {k: question[k] for k in ("text_ko", "text_en", "scale")}
    for row in old["tables"]["responses"]:
        row["rating"] = row.pop("answers")[0]["value"]
        del row["band"]
    with proforum.open("memory://", clock=ManualClock(world.clock.now())) as copy:
        copy.import_data(old)
        assert copy.export_data() == current
        assert copy.survey_result(world.host.id, survey.id).mean == 4.0


# --------------------------------------------------------------------------- in the database


@pytest.fixture
def on_sqlite(tmp_path: Path, clock: ManualClock) -> Iterator[proforum.Forum]:
    with proforum.open(
        sqlite_url(tmp_path / "forum.db"),
        clock=clock,
        ids=SeededIds("surveys"),
        plugin_manager=proforum.get_plugin_manager(load_entrypoints=False),
    ) as forum:
        yield forum


def _statements_of(forum: proforum.Forum, action: object) -> list[str]:
    storage = forum.storage
    assert isinstance(storage, SqlStorage)
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    sa.event.listen(storage.engine, "before_cursor_execute", record)
    try:
        action()  # type: ignore[operator]
    finally:
        sa.event.remove(storage.engine, "before_cursor_execute", record)
    return seen


def test_the_database_computes_the_statistics(
    on_sqlite: proforum.Forum, clock: ManualClock
) -> None:
    """No answer is read back to be counted, and the work does not grow with the answers."""
    forum = on_sqlite
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    survey = forum.create_community_survey(
        operator.id,
        community.id,
        title="설문",
        questions=QUESTIONS,
        closes_at=clock.now() + timedelta(days=7),
        min_responses=3,
        min_text_responses=3,
        breakdown="experience",
    )
    counts = []
    for batch in range(2):
        for n in range(10 * batch, 10 * batch + 10):
            member = forum.register_member(
                nickname=f"회원{n}", job_function="marketing-pr", years_of_experience=n % 14
            )
            forum.join_community(member.id, community.id)
            forum.answer_survey(
                member.id,
                survey.id,
                {"rating": 1 + n % 5, "offline": bool(n % 2), "comment": f"글{n}"},
            )
        statements = _statements_of(forum, lambda: forum.survey_result(operator.id, survey.id))
        on_answers = [s for s in statements if "survey_answers" in s]
        assert on_answers, statements
        for sql in on_answers:
            # Aggregates; or, once a free-text question passed its threshold, its texts.
            texts = sql.startswith("SELECT survey_answers.text \n")
            assert "GROUP BY" in sql or texts, sql
        # One GROUP BY per (question, band, value, choice): sums and squares
        # follow from those counts, so no answer row comes back.
        tally = "group by survey_answers.question_id, survey_responses.band, survey_answers.value"
        assert any(tally in " ".join(sql.lower().split()) for sql in on_answers)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    result = forum.survey_result(operator.id, survey.id)
    assert result.responses == 20
    assert result.question("comment").texts == tuple(sorted(f"글{n}" for n in range(20)))
