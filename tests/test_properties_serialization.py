"""Property tests for whole-forum export and import (``proforum.serialization``).

Random forums are built through the use cases only; their export survives JSON and
an import into a new memory forum exactly.  Importing into a forum that holds data,
or importing a damaged document, raises :class:`InvalidDocument` and changes nothing.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import proforum
from forum_world import LINK, T0
from proforum import ManualClock, Role, SeededIds
from proforum.domain.community import Community, Membership
from proforum.domain.content import Comment, Post
from proforum.domain.identity import Member
from proforum.domain.lottery import Commitment, Draw
from proforum.domain.meetup import Application, Meetup
from proforum.domain.notification import InboxItem, Message
from proforum.domain.preferences import NotificationPreference
from proforum.domain.survey import Participation, Response, Survey
from proforum.errors import InvalidDocument, NicknameTaken

HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
LETTERS = st.one_of(HANGUL, st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
TITLE = st.text(st.one_of(LETTERS, st.just(" ")), min_size=1, max_size=30).filter(str.strip)
BODY = st.text(
    st.one_of(LETTERS, st.sampled_from(" \n.,!?0123456789")), min_size=1, max_size=80
).filter(str.strip)
STAGES = ["none", "draft", "open", "drawn", "linked", "ended", "surveyed", "closed", "cancelled"]


@attrs.frozen
class MemberPlan:
    nickname: str | None
    real_name: str
    decomposed: bool
    company: str | None
    years: int | None
    locale: str
    joins: bool


@attrs.frozen
class ForumPlan:
    members: list[MemberPlan]
    posts: list[tuple[int, str, str]]
    comments: list[tuple[int, int, str]]
    stage: str
    capacity: int
    applicants: int
    attendees: int
    ratings: list[int]
    deliver: str
    reads: int


@st.composite
def member_plans(draw: st.DrawFn, index: int) -> MemberPlan:
    nickname = draw(st.none() | st.text(LETTERS, min_size=1, max_size=10), label="nickname")
    return MemberPlan(
        # The index suffix keeps nickname keys distinct between members.
        nickname=None if nickname is None else f"{nickname}{index}",
        real_name=draw(st.text(LETTERS, min_size=1, max_size=12), label="real name"),
        decomposed=draw(st.booleans(), label="typed as NFD"),
        company=draw(st.none() | st.text(LETTERS, min_size=1, max_size=20), label="company"),
        years=draw(st.none() | st.integers(0, 70), label="years"),
        locale=draw(st.sampled_from(["ko", "en"]), label="locale"),
        joins=draw(st.booleans(), label="joins"),
    )


@st.composite
def forum_plans(draw: st.DrawFn) -> ForumPlan:
    count = draw(st.integers(1, 6), label="members")
    members = [draw(member_plans(i)) for i in range(count)]
    posts = draw(st.lists(st.tuples(st.integers(0, 5), TITLE, BODY), max_size=4), label="posts")
    comments = draw(
        st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), BODY), max_size=4),
        label="comments",
    )
    return ForumPlan(
        members=members,
        posts=posts,
        comments=comments,
        stage=draw(st.sampled_from(STAGES), label="stage"),
        capacity=draw(st.integers(1, 4), label="capacity"),
        applicants=draw(st.integers(1, 6), label="applicants"),
        attendees=draw(st.integers(0, 4), label="attendees"),
        ratings=draw(st.lists(st.integers(1, 5), max_size=6), label="ratings"),
        deliver=draw(st.sampled_from(["immediate", "manual"]), label="deliver"),
        reads=draw(st.integers(0, 3), label="reads"),
    )


def new_forum(label: str = "serialization", deliver: str = "immediate") -> proforum.Forum:
    return proforum.open(
        "memory://",
        clock=ManualClock(T0),
        ids=SeededIds(label),
        plugin_manager=proforum.get_plugin_manager(load_entrypoints=False),
        deliver=deliver,  # type: ignore[arg-type]
    )


def build(plan: ForumPlan) -> proforum.Forum:
    """Build a forum through the public use cases only, as far as ``plan`` says."""
    clock = ManualClock(T0)
    forum = proforum.open(
        "memory://",
        clock=clock,
        ids=SeededIds("serialization-source"),
        plugin_manager=proforum.get_plugin_manager(load_entrypoints=False),
        deliver=plan.deliver,  # type: ignore[arg-type]
    )
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    host = forum.register_member(nickname="사회자", job_function="marketing-pr", locale="en")
    community = forum.create_community(
        operator.id,
        slug="marketing-pr",
        name="마케팅/PR",
        job_function="marketing-pr",
        rules="서로 존중합니다.\n광고 금지.",
    )
    forum.join_community(host.id, community.id)
    forum.assign_role(operator.id, community.id, host.id, Role.HOST)

    joined = []
    for p in plan.members:
        clock.advance(timedelta(minutes=7))
        name = p.nickname if p.nickname is not None else p.real_name
        if p.decomposed:
            name = unicodedata.normalize("NFD", name)
        identity = {"nickname": name} if p.nickname is not None else {"real_name": name}
        member = forum.register_member(
            job_function="marketing-pr",
            company=p.company,
            years_of_experience=p.years,
            locale=p.locale,  # type: ignore[arg-type]
            **identity,
        )
        if p.joins:
            forum.join_community(member.id, community.id)
            joined.append(member.id)
    authors = [host.id, operator.id, *joined]

    posts = []
    for author, title, body in plan.posts:
        clock.advance(timedelta(minutes=1))
        posts.append(
            forum.publish_post(authors[author % len(authors)], community.id, title=title, body=body)
        )
    for author, post, body in plan.comments:
        if posts:
            clock.advance(timedelta(seconds=30))
            forum.comment(authors[author % len(authors)], posts[post % len(posts)].id, body)

    if plan.stage != "none":
        start = clock.now() + timedelta(days=9)
        meetup = forum.create_meetup(
            host.id,
            community.id,
            title="퍼포먼스 마케터 모임",
            topic="망해본 이야기\n둘째 줄",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=plan.capacity,
            applications_open_at=clock.now(),
            applications_close_at=clock.now() + timedelta(days=6),
            venue="강남역 근처" if plan.capacity % 2 else None,
        )
        if plan.stage == "cancelled":
            forum.cancel_meetup(host.id, meetup.id)
        elif plan.stage != "draft":
            forum.announce_meetup(host.id, meetup.id)
            applicants = authors[2:][: plan.applicants]
            for member_id in applicants:
                forum.apply(member_id, meetup.id)
            if plan.stage != "open" and applicants:
                clock.set(meetup.applications_close_at + timedelta(hours=1))
                forum.close_applications(host.id, meetup.id)
                forum.draw(host.id, meetup.id)
                if plan.stage != "drawn":
                    forum.set_meeting(host.id, meetup.id, options={"join_url": LINK})
                    forum.send_meeting_links(host.id, meetup.id)
                    forum.send_reminders(host.id, meetup.id)
                if plan.stage in ("ended", "surveyed", "closed"):
                    clock.set(meetup.starts_at)
                    seated = [
                        a.member_id for a in forum.applications(host.id, meetup.id) if a.holds_seat
                    ]
                    for member_id in seated[: plan.attendees]:
                        forum.check_in(member_id, meetup.id)
                    clock.set(meetup.ends_at + timedelta(minutes=30))
                    forum.end_meetup(host.id, meetup.id)
                    if plan.stage != "ended":
                        survey = forum.create_survey(
                            host.id,
                            meetup.id,
                            title="모임 후기",
                            question_ko="만족하셨나요?",
                            question_en="Were you satisfied?",
                            closes_at=clock.now() + timedelta(days=7),
                            anonymous=plan.capacity != 4,
                            min_responses=3,
                        )
                        attended = [
                            a.member_id
                            for a in forum.applications(host.id, meetup.id)
                            if a.state == "attended"
                        ]
                        for member_id, rating in zip(attended, plan.ratings, strict=False):
                            forum.answer_survey(member_id, survey.id, rating)
                        if plan.stage == "closed":
                            forum.close_survey(host.id, survey.id)

    for member_id in authors[: plan.reads]:
        for entry in forum.inbox(member_id)[:1]:
            forum.mark_read(member_id, entry.item.message_id)
    return forum


# --------------------------------------------------------------------------- round trip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forum_plans())
def test_export_json_import_export_is_the_identity(plan: ForumPlan) -> None:
    with build(plan) as source:
        document = source.export_data()
        # The export is JSON-ready as it is: no tuples, datetimes or enums left.
        text = json.dumps(document, ensure_ascii=False)
        assert json.loads(text) == document
        for table in ("posts", "draws", "surveys", "responses", "inbox"):
            event(f"has {table}: {bool(document['tables'][table])}")

        with new_forum("serialization-target") as target:
            target.import_data(json.loads(text))
            assert target.export_data() == document

            # The copy is a working forum: its indexes know the imported rows.
            tables = document["tables"]
            nickname = next(
                m["identity"]["value"]
                for m in tables["members"]
                if m["identity"]["kind"] == "nickname"
            )
            with pytest.raises(NicknameTaken):
                target.register_member(nickname=nickname.upper(), job_function="design")
            for draw in tables["draws"]:
                record = target.draw_record(draw["selected"][0], draw["meetup_id"])
                assert proforum.verify_draw(record).valid


# --------------------------------------------------------------------------- refusals


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forum_plans(), forum_plans())
def test_import_into_a_forum_with_data_is_refused(plan: ForumPlan, other: ForumPlan) -> None:
    with build(plan) as source, build(other) as target:
        document = json.loads(json.dumps(source.export_data()))
        before = target.export_data()
        with pytest.raises(InvalidDocument):
            target.import_data(document)
        assert target.export_data() == before


def test_import_into_a_forum_with_a_single_member_is_refused() -> None:
    with build(ForumPlan([], [], [], "none", 1, 1, 0, [], "manual", 0)) as source:
        document = source.export_data()
    with new_forum("single") as target:
        target.register_member(real_name="혼자", job_function="design")
        before = target.export_data()
        with pytest.raises(InvalidDocument):
            target.import_data(document)
        assert target.export_data() == before


Damage = Callable[[dict[str, Any], st.DataObject], Any]


def _pick_row(doc: dict[str, Any], data: st.DataObject) -> tuple[str, dict[str, Any]]:
    tables = [name for name, rows in doc["tables"].items() if rows]
    name = data.draw(st.sampled_from(sorted(tables)), label="table")
    rows = doc["tables"][name]
    return name, rows[data.draw(st.integers(0, len(rows) - 1), label="row")]


def _whole_document(doc: dict[str, Any], data: st.DataObject) -> Any:
    return data.draw(
        st.sampled_from(
            [
                None,
                [],
                "proforum-export",
                1,
                {"format": "proforum-export"},
                {"tables": doc["tables"]},
            ]
        ),
        label="replacement",
    )


def _format(doc: dict[str, Any], data: st.DataObject) -> Any:
    doc["format"] = data.draw(st.sampled_from(["proforum-backup", "", None, 1]), label="format")
    return doc


def _version(doc: dict[str, Any], data: st.DataObject) -> Any:
    doc["version"] = data.draw(st.sampled_from([0, 7, "6", "4", None, 2.5, True]), label="version")
    return doc


def _tables(doc: dict[str, Any], data: st.DataObject) -> Any:
    kind = data.draw(st.sampled_from(["not a mapping", "unknown table", "table not a list"]))
    if kind == "not a mapping":
        doc["tables"] = list(doc["tables"].items())
    elif kind == "unknown table":
        doc["tables"]["secrets"] = []
    else:
        name = data.draw(st.sampled_from(sorted(doc["tables"])), label="table")
        doc["tables"][name] = {"rows": doc["tables"][name]}
    return doc


def _row_replaced(doc: dict[str, Any], data: st.DataObject) -> Any:
    name, row = _pick_row(doc, data)
    rows = doc["tables"][name]
    rows[rows.index(row)] = data.draw(st.sampled_from([None, 1, "row", [], [row]]), label="row")
    return doc


#: The domain class behind each exported table, to know which fields have defaults.
TABLE_TYPES: dict[str, type] = {
    "members": Member,
    "communities": Community,
    "memberships": Membership,
    "posts": Post,
    "comments": Comment,
    "meetups": Meetup,
    "applications": Application,
    "commitments": Commitment,
    "draws": Draw,
    "surveys": Survey,
    "responses": Response,
    "participations": Participation,
    "messages": Message,
    "inbox": InboxItem,
    "notification_preferences": NotificationPreference,
}


def _field_removed(doc: dict[str, Any], data: st.DataObject) -> Any:
    """Remove a field the row cannot do without (one with no default)."""
    name, row = _pick_row(doc, data)
    required = sorted(
        a.name
        for a in attrs.fields(TABLE_TYPES[name])
        if a.init and a.default is attrs.NOTHING and a.name in row
    )
    del row[data.draw(st.sampled_from(required), label="field")]
    return doc


ENUM_FIELDS = frozenset({"state", "status", "kind", "role", "locale", "format"})


def _field_mangled(doc: dict[str, Any], data: st.DataObject) -> Any:
    """Give one field a value of the wrong type or shape (never a merely different value)."""
    _, row = _pick_row(doc, data)
    field = data.draw(st.sampled_from(sorted(row)), label="field")
    value = row[field]
    choices: list[Any]
    if isinstance(value, str) and value[:2] == "20" and "T" in value:  # a timestamp
        choices = ["yesterday", value.removesuffix("+00:00"), value[:10], 20261201]
    elif field in ENUM_FIELDS:
        choices = ["bogus", 1, None]
    elif isinstance(value, bool):
        choices = ["yes", 1, {"nested": True}]
    elif isinstance(value, int):
        choices = ["three", str(value), float(value) + 0.5, [value], None]
    elif isinstance(value, dict):
        choices = ["flat", 7]
    elif isinstance(value, list):
        choices = [5, None, [1, 2]]
    else:
        # Strings, and None where the field is optional: never another string, which
        # could be a legitimate value.
        choices = [{"nested": True}, [1, 2], 5]
    if value is None:
        # The field is optional and its type unknown here: only values no field takes.
        choices = [{"nested": True}, [1, 2]]
    elif field in ("years_of_experience",):
        choices = [c for c in choices if c is not None]
    row[field] = data.draw(st.sampled_from(choices), label=f"bad {field}")
    return doc


def _identity_mangled(doc: dict[str, Any], data: st.DataObject) -> Any:
    member = data.draw(st.sampled_from(doc["tables"]["members"]), label="member")
    change = data.draw(
        st.sampled_from(
            [
                {"kind": "pseudonym", "value": "익명"},
                {"kind": "nickname", "value": "x"},
                {"kind": "nickname", "value": "닉\u202e네임"},
                {"kind": "real_name", "value": ""},
                {"kind": "nickname"},
                "김운영",
            ]
        ),
        label="identity",
    )
    member["identity"] = change
    return doc


def _row_duplicated(doc: dict[str, Any], data: st.DataObject) -> Any:
    name, row = _pick_row(doc, data)
    doc["tables"][name].append(copy.deepcopy(row))
    return doc


def _nickname_look_alike(doc: dict[str, Any], data: st.DataObject) -> Any:
    members = doc["tables"]["members"]
    original = next(m for m in members if m["identity"]["kind"] == "nickname")
    twin = copy.deepcopy(original)
    twin["id"] = "mem_twin"
    twin["identity"]["value"] = data.draw(
        st.sampled_from(
            [
                original["identity"]["value"].upper(),
                original["identity"]["value"],
                unicodedata.normalize("NFD", original["identity"]["value"]),
            ]
        ),
        label="look-alike",
    )
    members.append(twin)
    return doc


DAMAGES: dict[str, Damage] = {
    "whole document": _whole_document,
    "format": _format,
    "version": _version,
    "tables": _tables,
    "row replaced": _row_replaced,
    "field removed": _field_removed,
    "field mangled": _field_mangled,
    "identity mangled": _identity_mangled,
    "row duplicated": _row_duplicated,
    "nickname look-alike": _nickname_look_alike,
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=forum_plans(), data=st.data())
def test_a_damaged_document_is_refused_and_changes_nothing(
    damage: str, plan: ForumPlan, data: st.DataObject
) -> None:
    with build(plan) as source:
        document = json.loads(json.dumps(source.export_data()))
    good = copy.deepcopy(document)
    damaged = DAMAGES[damage](document, data)
    with new_forum("damaged-target") as target:
        empty = target.export_data()
        with pytest.raises(InvalidDocument):
            target.import_data(damaged)
        assert target.export_data() == empty
        # And the forum still takes the undamaged document afterwards.
        target.import_data(good)
        assert target.export_data() == good
