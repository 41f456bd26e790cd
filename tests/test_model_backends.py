"""Model-based test: memory, SQLite and PostgreSQL forums agree on every step.

A Hypothesis state machine drives three forums through the same random sequence
of use cases, good and bad input mixed, with one clock and the same id seed.
After every step the three must have returned equal values or raised the same
error, and hold the same observable state (their whole export).  The memory
backend is what application test suites use, so this is what makes it safe to
test an application on memory and run it on a database.

A second machine drives surveys alone, with enough respondents for figures and
subgroups to pass their thresholds: their statistics come from the database's
``GROUP BY`` on SQLite and PostgreSQL and from Python on memory, and must agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

import proforum
from forum_world import LINK, T0
from proforum import CommunityRequirements, ManualClock, ReplayableSeeds, Role, SeededIds
from proforum.adapters.sql import tables
from proforum.domain.survey import Choice, Question
from proforum.errors import ProforumError
from sql_support import postgres_database, postgres_schema, sqlite_url

NICKNAMES = ["마케터", "MARKETER", "ｍａｒｋｅｔｅｒ", "김dev", "x", "한\u200b글", "ROAS요정"]
TITLES = ["첫 주 ROAS 반토막 회고", "연락처 010-1234-5678 공개", ""]
RATINGS = st.sampled_from([1, 2, 3, 4, 5, 0, 6])
TOPICS = [
    Choice("ads", "광고", "Ads"),
    Choice("seo", "검색", "Search"),
    Choice("crm", "CRM", "CRM"),
]
EVERY_KIND = [
    Question.rating("q1", "만족하셨나요?", "Were you satisfied?"),
    Question.nps("nps", "추천하시겠어요?", "Would you recommend us?", required=False),
    Question.single_choice("best", "가장 좋았던 것은?", "Best part?", TOPICS, required=False),
    Question.multiple_choice("topics", "다룰 주제는?", "Topics?", TOPICS, required=False),
    Question.yes_no("offline", "오프라인 모임에 오시겠어요?", "Meet offline?"),
    Question.text("comment", "한마디", "Anything else?"),
]
#: What members send to a survey with every kind of question.
GOOD_ANSWERS = st.fixed_dictionaries(
    {"q1": st.integers(1, 5), "offline": st.booleans()},
    optional={
        "nps": st.integers(0, 10),
        "best": st.sampled_from(["ads", "seo"]),
        "topics": st.lists(st.sampled_from(["ads", "seo", "crm"]), max_size=3, unique=True),
        "comment": st.sampled_from(["좋았어요", "Great", "또 와요"]),
    },
)
#: ... and now and then something wrong with it.
BAD_ANSWERS = st.fixed_dictionaries(
    {"q1": RATINGS, "offline": st.sampled_from([True, None, "yes"])},
    optional={
        "nps": st.integers(-1, 11),
        "best": st.sampled_from(["ads", "tv"]),
        "topics": st.lists(st.sampled_from(["ads", "tv"]), max_size=3),
        "comment": st.sampled_from(["좋았어요", " "]),
        "q9": st.just(1),
    },
)
ANSWERS = st.one_of(GOOD_ANSWERS, GOOD_ANSWERS, GOOD_ANSWERS, BAD_ANSWERS)


def normalise(export: dict[str, Any]) -> dict[str, Any]:
    """The export without what is random by design: survey response ids."""
    tables_ = dict(export["tables"])
    tables_["responses"] = sorted(
        json.dumps([r["survey_id"], r["answers"], r["band"]], ensure_ascii=False)
        for r in tables_["responses"]
    )
    tables_["participations"] = [
        {**p, "response_id": p["response_id"] is not None} for p in tables_["participations"]
    ]
    return tables_


class ThreeForums(RuleBasedStateMachine):
    """A memory, a SQLite and a PostgreSQL forum on one clock, compared after every step."""

    #: Set by the test: where the SQLite files go, and the PostgreSQL URL to reuse.
    tmp: Path
    pg_url: str
    counter = 0

    def __init__(self) -> None:
        super().__init__()
        type(self).counter += 1
        self.clock = ManualClock(T0)
        engine = sa.create_engine(self.pg_url, poolclass=sa.pool.NullPool)
        with engine.begin() as conn:  # PostgreSQL: one schema, emptied per example
            names = ", ".join(t.name for t in tables.metadata.sorted_tables)
            conn.exec_driver_sql(f"TRUNCATE {names}")
        engine.dispose()
        urls = {
            "memory": "memory://",
            "sqlite": sqlite_url(self.tmp / f"model-{self.counter}.db"),
            "postgresql": self.pg_url,
        }
        self.forums = {
            name: proforum.open(
                url,
                clock=self.clock,
                ids=SeededIds("model"),
                # The same seeds in the same order: every backend draws alike.
                seeds=ReplayableSeeds("model"),
                plugin_manager=proforum.get_plugin_manager(load_entrypoints=False),
            )
            for name, url in urls.items()
        }

    def teardown(self) -> None:
        for forum in self.forums.values():
            forum.close()

    def do(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run one use case on every backend and require the same outcome."""
        outcomes: dict[str, tuple[str, Any]] = {}
        for name, forum in self.forums.items():
            try:
                outcomes[name] = ("ok", getattr(forum, method)(*args, **kwargs))
            except ProforumError as exc:
                outcomes[name] = ("error", (type(exc).__name__, exc.code))
        reference = outcomes["memory"]
        for name, outcome in outcomes.items():
            assert outcome == reference, f"{method}: {name} gave {outcome}, memory {reference}"
        return reference[1] if reference[0] == "ok" else None

    @invariant()
    def same_state_everywhere(self) -> None:
        exports = {name: normalise(f.export_data()) for name, f in self.forums.items()}
        for name, state in exports.items():
            assert state == exports["memory"], f"{name} differs from memory"


class BackendsAgree(ThreeForums):
    """Three backends, one story: every step must give the same answer on each."""

    members = Bundle("members")
    meetups = Bundle("meetups")
    surveys = Bundle("surveys")
    posts = Bundle("posts")

    # -- the cast -----------------------------------------------------------

    @initialize(target=members)
    def cast(self) -> Any:
        self.operator = self.do("register_member", real_name="김운영", job_function="marketing-pr")
        self.host = self.do("register_member", real_name="박성과", job_function="marketing-pr")
        community = self.do(
            "create_community",
            self.operator.id,
            slug="marketing-pr",
            name="마케팅/PR",
            job_function="marketing-pr",
        )
        self.community = community.id
        self.do("join_community", self.host.id, self.community)
        self.do("assign_role", self.operator.id, self.community, self.host.id, Role.HOST)
        return multiple(self.operator.id, self.host.id)

    def organiser(self, who: str, member: str) -> str:
        return {"host": self.host.id, "operator": self.operator.id}.get(who, member)

    @rule(
        target=members,
        nickname=st.sampled_from(NICKNAMES),
        real=st.booleans(),
        years=st.none() | st.integers(0, 15),
    )
    def register(self, nickname: str, real: bool, years: int | None) -> Any:
        kwargs: dict[str, Any] = {"real_name": f"이{nickname}"} if real else {"nickname": nickname}
        member = self.do(
            "register_member", job_function="marketing-pr", years_of_experience=years, **kwargs
        )
        return member.id if member is not None else multiple()

    @rule(member=members)
    def join(self, member: str) -> None:
        self.do("join_community", member, self.community)

    # -- joining by approval, requirements, verified employers -------------

    @rule(
        who=st.sampled_from(["operator", "host"]),
        approval=st.booleans(),
        real_name_to_post=st.booleans(),
        verified_to_apply=st.booleans(),
    )
    def require(
        self, who: str, approval: bool, real_name_to_post: bool, verified_to_apply: bool
    ) -> None:
        self.do(
            "set_community_requirements",
            self.organiser(who, who),
            self.community,
            join_policy="approval" if approval else "open",
            requirements=CommunityRequirements(
                real_name_to_post=real_name_to_post, verified_employer_to_apply=verified_to_apply
            ),
        )

    @rule(member=members, approve=st.booleans(), who=st.sampled_from(["operator", "host"]))
    def decide(self, member: str, approve: bool, who: str) -> None:
        decision = "approve_join_request" if approve else "refuse_join_request"
        self.do(decision, self.organiser(who, who), self.community, member)
        self.do("join_requests", self.operator.id, self.community)

    @rule(member=members, who=st.sampled_from(["operator", "member"]), other=members)
    def vouch(self, member: str, who: str, other: str) -> None:
        actor = self.operator.id if who == "operator" else other
        self.do("record_employer_verification", actor, self.community, member, company="리멤버")
        self.do("employer_verification", member)

    @rule(target=posts, member=members, title=st.sampled_from(TITLES))
    def publish(self, member: str, title: str) -> Any:
        post = self.do("publish_post", member, self.community, title=title, body="본문입니다")
        return post.id if post is not None else multiple()

    @rule(member=members, post=posts)
    def comment(self, member: str, post: str) -> None:
        self.do("comment", member, post, "좋은 글 감사합니다")

    @rule(member=members, limit=st.integers(0, 3))
    def read_feed(self, member: str, limit: int) -> None:
        self.do("feed", member, self.community, limit=limit)

    # -- meetups --------------------------------------------------------------

    @rule(
        target=meetups,
        who=st.sampled_from(["host", "operator", "member"]),
        member=members,
        capacity=st.integers(0, 3),
    )
    def plan(self, who: str, member: str, capacity: int) -> Any:
        now = self.clock.now()
        starts = now + timedelta(days=5)
        meetup = self.do(
            "create_meetup",
            self.organiser(who, member),
            self.community,
            title="퍼포먼스 마케터끼리 만나요!",
            topic="나는 이렇게 망해봤다",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=capacity,
            applications_open_at=now,
            applications_close_at=now + timedelta(days=2),
        )
        if meetup is None:
            return multiple()
        self.do("announce_meetup", self.host.id, meetup.id)
        return meetup.id

    @rule(member=members, meetup=meetups)
    def apply(self, member: str, meetup: str) -> None:
        self.do("apply", member, meetup)

    @rule(member=members, meetup=meetups)
    def withdraw(self, member: str, meetup: str) -> None:
        self.do("withdraw", member, meetup)

    @rule(meetup=meetups, who=st.sampled_from(["host", "member"]), member=members)
    def close_and_draw(self, meetup: str, who: str, member: str) -> None:
        actor = self.organiser(who, member)
        self.do("close_applications", actor, meetup)
        self.do("draw", actor, meetup)
        self.do("draw_record", member, meetup)

    @rule(meetup=meetups, member=members)
    def organiser_reads(self, meetup: str, member: str) -> None:
        self.do("applications", self.host.id, meetup)
        self.do("meetup", member, meetup)
        self.do("commitment", member, meetup)

    @rule(meetup=meetups)
    def links(self, meetup: str) -> None:
        self.do("set_meeting", self.host.id, meetup, options={"join_url": LINK})
        self.do("send_meeting_links", self.host.id, meetup)

    @rule(member=members, meetup=meetups, accept=st.booleans())
    def answer_the_draw(self, member: str, meetup: str, accept: bool) -> None:
        self.do("confirm" if accept else "decline", member, meetup)

    @rule(member=members, meetup=meetups)
    def read_link(self, member: str, meetup: str) -> None:
        self.do("meeting_link", member, meetup)

    @rule(member=members, meetup=meetups)
    def check_in(self, member: str, meetup: str) -> None:
        self.do("check_in", member, meetup)

    @rule(meetup=meetups)
    def remind_and_end(self, meetup: str) -> None:
        self.do("send_reminders", self.host.id, meetup)
        self.do("end_meetup", self.host.id, meetup)

    @rule(target=surveys, meetup=meetups)
    def survey(self, meetup: str) -> Any:
        survey = self.do(
            "create_survey",
            self.host.id,
            meetup,
            title="익명 설문",
            question_ko="만족하셨나요?",
            question_en="Were you satisfied?",
            closes_at=self.clock.now() + timedelta(days=2),
            min_responses=3,
        )
        return survey.id if survey is not None else multiple()

    @rule(target=surveys, breakdown=st.booleans(), k=st.sampled_from([3, 4]))
    def community_survey(self, breakdown: bool, k: int) -> Any:
        survey = self.do(
            "create_community_survey",
            self.operator.id,
            self.community,
            title="커뮤니티 설문",
            questions=EVERY_KIND,
            closes_at=self.clock.now() + timedelta(days=2),
            min_responses=k,
            min_text_responses=k,
            breakdown="experience" if breakdown else None,
        )
        return survey.id if survey is not None else multiple()

    @rule(member=members, survey=surveys, rating=RATINGS)
    def answer(self, member: str, survey: str, rating: int) -> None:
        self.do("answer_survey", member, survey, rating)

    @rule(member=members, survey=surveys, answers=ANSWERS)
    def answer_every_kind(self, member: str, survey: str, answers: dict[str, object]) -> None:
        self.do("answer_survey", member, survey, answers)

    @rule(survey=surveys, who=st.sampled_from(["host", "operator"]))
    def remind(self, survey: str, who: str) -> None:
        self.do("send_survey_reminders", self.organiser(who, who), survey)

    @rule(survey=surveys, close=st.booleans(), who=st.sampled_from(["host", "operator"]))
    def results(self, survey: str, close: bool, who: str) -> None:
        self.do("close_survey" if close else "survey_result", self.organiser(who, who), survey)

    @rule(member=members)
    def inbox(self, member: str) -> None:
        self.do("inbox", member)

    @rule(hours=st.sampled_from([1, 20, 49, 24 * 5 - 1, 24 * 5 + 1, 24 * 6]))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))


#: Years of experience of the survey machine's respondents: two bands of four, and the rest.
YEARS = [0, 1, 2, 1, 3, 4, 5, 4, 7, 8, 12, None]


class SurveysAgree(ThreeForums):
    """Surveys in depth: enough members answer for figures and subgroups to show.

    The figures come from the database's GROUP BY on SQLite and PostgreSQL and
    from Python on memory; every result must be equal.
    """

    surveys = Bundle("surveys")

    @initialize()
    def cast(self) -> None:
        self.operator = self.do("register_member", real_name="김운영", job_function="marketing-pr")
        community = self.do(
            "create_community",
            self.operator.id,
            slug="marketing-pr",
            name="마케팅/PR",
            job_function="marketing-pr",
        )
        self.community = community.id
        self.opened = 0
        self.people = []
        for n, years in enumerate(YEARS):
            member = self.do(
                "register_member",
                nickname=f"응답자{n}",
                job_function="marketing-pr",
                years_of_experience=years,
            )
            self.do("join_community", member.id, self.community)
            self.people.append(member.id)

    @precondition(lambda self: self.opened < 2)
    @rule(
        target=surveys,
        breakdown=st.booleans(),
        k=st.sampled_from([3, 4]),
        k_text=st.sampled_from([None, 4]),
        anonymous=st.booleans(),
    )
    def open_survey(self, breakdown: bool, k: int, k_text: int | None, anonymous: bool) -> Any:
        self.opened += 1
        survey = self.do(
            "create_community_survey",
            self.operator.id,
            self.community,
            title="커뮤니티 설문",
            questions=EVERY_KIND,
            closes_at=self.clock.now() + timedelta(days=5),
            anonymous=anonymous,
            min_responses=k,
            min_text_responses=k_text,
            breakdown="experience" if breakdown else None,
        )
        return survey.id if survey is not None else multiple()

    @rule(
        survey=surveys,
        who=st.lists(st.integers(0, len(YEARS) - 1), min_size=1, max_size=len(YEARS), unique=True),
        answers=st.lists(ANSWERS, min_size=len(YEARS), max_size=len(YEARS)),
    )
    def answer(self, survey: str, who: list[int], answers: list[dict[str, object]]) -> None:
        for person, given in zip(who, answers, strict=False):
            self.do("answer_survey", self.people[person], survey, given)

    @rule(survey=surveys, k=st.integers(2, 5))
    def change_thresholds(self, survey: str, k: int) -> None:
        self.do("change_survey_thresholds", self.operator.id, survey, min_responses=k)

    @rule(survey=surveys)
    def remind(self, survey: str) -> None:
        self.do("send_survey_reminders", self.operator.id, survey)

    @rule(survey=surveys, close=st.booleans(), who=st.integers(0, len(YEARS) - 1))
    def results(self, survey: str, close: bool, who: int) -> None:
        self.do("survey_result", self.people[who], survey)
        self.do("close_survey" if close else "survey_result", self.operator.id, survey)

    @rule(hours=st.sampled_from([1, 30, 24 * 6]))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_database() as database, postgres_schema(database) as url:
        proforum.open(url).close()  # creates the schema once; examples only empty it
        yield url


def test_surveys_agree_on_every_backend(pg_url: str, tmp_path: Path) -> None:
    machine: Callable[[], SurveysAgree] = type(
        "Machine", (SurveysAgree,), {"tmp": tmp_path, "pg_url": pg_url}
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_memory_sqlite_and_postgresql_agree(pg_url: str, tmp_path: Path) -> None:
    machine: Callable[[], BackendsAgree] = type(
        "Machine", (BackendsAgree,), {"tmp": tmp_path, "pg_url": pg_url}
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
