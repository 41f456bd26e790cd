"""Exports carry notification choices, addresses and subjects (version 3), seat rules (4),
verified employers, join requests and community requirements (6).

A version-3 export holds the table ``notification_preferences``, each
member's ``email`` and each message's ``subject``, and imports back exactly,
on memory and on SQLite.  A version-2 document (before any of them) imports
as a forum where nobody switched anything off, nobody gave an address and no
message is about anything in particular.  Documents with a table too many or
too few, or a choice twice, are refused without writing anything.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

import proforum
from forum_world import T0, build_world
from proforum import ManualClock, SeededIds, export_versions
from proforum.domain.admission import CommunityRequirements, JoinPolicy
from proforum.domain.common import MemberId
from proforum.domain.notification import MessageKind
from proforum.domain.preferences import NotificationPreference
from proforum.errors import InvalidDocument, NicknameTaken
from proforum.ports.storage import Storage
from proforum.serialization import EXPORT_VERSION, export_storage, import_storage
from proforum.testing.contracts import (
    sample_challenge,
    sample_community,
    sample_join_request,
    sample_meetup,
    sample_member,
    sample_message,
    sample_verification,
)
from sql_support import sqlite_url

ANNOUNCED = MessageKind.MEETUP_ANNOUNCED


def _fill(storage: Storage) -> None:
    """Members with and without an address, messages with and without a subject, choices."""
    with storage.unit_of_work() as uow:
        uow.members.add(attrs.evolve(sample_member(1), email="kim@example.com"))
        uow.members.add(sample_member(2))
        uow.communities.add(sample_community())
        uow.meetups.add(sample_meetup())
        reminder = attrs.evolve(sample_message(1), kind=MessageKind.REMINDER, subject="mtp_0001")
        uow.messages.add_many([reminder, sample_message(2, minute=1, recipient=2)])
        uow.preferences.put(NotificationPreference(MemberId("mem_0001"), "inbox", ANNOUNCED, False))
        uow.preferences.put(NotificationPreference(MemberId("mem_0002"), "smtp", ANNOUNCED, True))
        uow.communities.add(
            attrs.evolve(
                sample_community(2),
                join_policy=JoinPolicy.APPROVAL,
                requirements=CommunityRequirements(real_name_to_post=True),
            )
        )
        uow.join_requests.add(sample_join_request(2, 2))
        uow.verifications.put(sample_verification(1, by=2))
        uow.challenges.add(sample_challenge(2, attempts=1))
        uow.commit()


@pytest.fixture(params=["memory", "sqlite"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where to import to: a memory storage or a SQLite file."""
    return "memory://" if request.param == "memory" else sqlite_url(tmp_path / "copy.db")


@pytest.fixture
def current() -> dict[str, Any]:
    """A version-3 export of a small forum with every new field set, through JSON."""
    source = proforum.open("memory://")
    try:
        _fill(source.storage)
        document: dict[str, Any] = json.loads(json.dumps(source.export_data()))
        return document
    finally:
        source.close()


def _as_version_2(document: dict[str, Any]) -> dict[str, Any]:
    """What proforum wrote before version 3: no such table, no such fields."""
    old = copy.deepcopy(document)
    old["version"] = 2
    del old["tables"]["notification_preferences"]
    for member in old["tables"]["members"]:
        del member["email"]
    for message in old["tables"]["messages"]:
        del message["subject"]
    return old


def test_the_export_holds_the_new_table_and_fields(current: dict[str, Any]) -> None:
    assert current["version"] == EXPORT_VERSION == export_versions.CURRENT == 6
    tables = current["tables"]
    assert tables["notification_preferences"] == [
        {"member_id": "mem_0001", "channel": "inbox", "kind": "meetup_announced", "enabled": False},
        {"member_id": "mem_0002", "channel": "smtp", "kind": "meetup_announced", "enabled": True},
    ]
    assert [m["email"] for m in tables["members"]] == ["kim@example.com", None]
    assert [m["subject"] for m in tables["messages"]] == ["mtp_0001", None]


def test_a_version_3_export_imports_exactly(current: dict[str, Any], url: str) -> None:
    with proforum.open(url) as copy_:
        copy_.import_data(current)
        assert copy_.export_data() == current
        with copy_.storage.unit_of_work() as uow:
            off = uow.preferences.switched_off(ANNOUNCED, ["inbox", "smtp"])
        assert off == {(MemberId("mem_0001"), "inbox")}


def test_a_version_2_export_imports_with_nothing_chosen(current: dict[str, Any], url: str) -> None:
    old = _as_version_2(current)
    expected = copy.deepcopy(current)
    expected["tables"]["notification_preferences"] = []
    for member in expected["tables"]["members"]:
        member["email"] = None
    for message in expected["tables"]["messages"]:
        message["subject"] = None
    with proforum.open(url) as copy_:
        copy_.import_data(old)
        assert copy_.export_data() == expected


def test_upgrade_fills_in_what_version_2_lacked(current: dict[str, Any]) -> None:
    old = _as_version_2(current)["tables"]
    upgraded = export_versions.upgrade(2, old)
    assert upgraded["notification_preferences"] == []
    assert [m["email"] for m in upgraded["members"]] == [None, None]
    assert [m["subject"] for m in upgraded["messages"]] == [None, None]
    assert "notification_preferences" not in old  # the document is not changed
    # Version 1 gets the same, on top of its survey rewrite.
    assert export_versions.upgrade(1, old)["notification_preferences"] == []
    # A version-3 document is copied as it is.
    assert export_versions.upgrade(3, current["tables"]) == current["tables"]


def test_the_tables_each_version_has() -> None:
    every = {"members", "messages", "notification_preferences"}
    assert export_versions.tables_of(3, every) == every
    assert export_versions.tables_of(2, every) == {"members", "messages"}
    assert export_versions.tables_of(1, every) == {"members", "messages"}


def _refused(url: str, document: Any) -> None:
    with proforum.open(url) as target:
        empty = target.export_data()
        with pytest.raises(InvalidDocument):
            target.import_data(document)
        assert target.export_data() == empty


def test_a_version_3_document_without_the_preferences_table_is_refused(
    current: dict[str, Any], url: str
) -> None:
    del current["tables"]["notification_preferences"]
    _refused(url, current)


def test_an_old_document_with_an_unknown_or_missing_table_is_refused(
    current: dict[str, Any], url: str
) -> None:
    unknown = _as_version_2(current)
    unknown["tables"]["secrets"] = []
    _refused(url, unknown)
    missing = _as_version_2(current)
    del missing["tables"]["inbox"]
    _refused(url, missing)


def test_an_old_document_already_holding_the_new_table_imports(
    current: dict[str, Any], url: str
) -> None:
    """A version-2 document that has the new table (e.g. edited by hand) is read as it is."""
    old = _as_version_2(current)
    old["tables"]["notification_preferences"] = current["tables"]["notification_preferences"]
    with proforum.open(url) as copy_:
        copy_.import_data(old)
        exported = copy_.export_data()
    assert (
        exported["tables"]["notification_preferences"]
        == (current["tables"]["notification_preferences"])
    )


def test_a_choice_twice_is_refused(current: dict[str, Any], url: str) -> None:
    """``put`` would replace the first; the import refuses the document instead."""
    choices = current["tables"]["notification_preferences"]
    choices.append({**choices[0], "enabled": True})
    _refused(url, current)


@pytest.mark.parametrize(
    "damage",
    [
        {"kind": "selected", "enabled": False},  # a kind every member must get
        {"kind": "bogus"},
        {"enabled": "no"},
        {"channel": 5},
        {"member_id": None},
    ],
    ids=["mandatory-off", "kind", "enabled", "channel", "member"],
)
def test_a_bad_choice_is_refused(current: dict[str, Any], url: str, damage: dict[str, Any]) -> None:
    current["tables"]["notification_preferences"][0].update(damage)
    _refused(url, current)


@pytest.mark.parametrize("email", ["not-an-address", "kim@localhost", 5, ["a@b.co"]])
def test_a_bad_email_is_refused(current: dict[str, Any], url: str, email: Any) -> None:
    current["tables"]["members"][0]["email"] = email
    _refused(url, current)


def test_export_and_import_functions_agree_on_sqlite(tmp_path: Path) -> None:
    """The storage-level functions round-trip the new data between two SQLite files."""
    source = proforum.open(sqlite_url(tmp_path / "source.db"))
    target = proforum.open(sqlite_url(tmp_path / "target.db"))
    try:
        _fill(source.storage)
        document = export_storage(source.storage)
        import_storage(target.storage, json.loads(json.dumps(document)))
        assert export_storage(target.storage) == document
    finally:
        source.close()
        target.close()


# --------------------------------------------------------------------------- version 3 → 4


def _as_version_3(document: dict[str, Any]) -> dict[str, Any]:
    """What proforum wrote before version 4: no seat rules, offers or follow-up tables."""
    old = copy.deepcopy(document)
    old["version"] = 3
    del old["tables"]["follow_up_interests"]
    del old["tables"]["contact_consents"]
    del old["tables"]["video_registrations"]
    del old["tables"]["reactions"]
    del old["tables"]["revisions"]
    for meetup in old["tables"]["meetups"]:
        del meetup["lottery"]
        del meetup["seat_rules"]
    for application in old["tables"]["applications"]:
        del application["offer_expires_at"]
        del application["attended_seconds"]
    return old


def test_a_version_3_export_imports_with_default_seat_rules(
    current: dict[str, Any], url: str
) -> None:
    assert current["tables"]["meetups"][0]["seat_rules"] == export_versions.V3_SEAT_RULES
    assert current["tables"]["meetups"][0]["lottery"] == {"company_cap": None, "quotas": []}
    with proforum.open(url) as copy_:
        copy_.import_data(_as_version_3(current))
        assert copy_.export_data() == current


def test_a_version_3_lottery_reads_as_entrants_of_weight_one() -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from proforum.domain.lottery import Commitment, Constraints, Entrant
    from proforum.serialization import structure

    row = {
        "meetup_id": "mtp_0001",
        "seats": 1,
        "applicants": ["mem_0001", "mem_0002"],
        "applicants_digest": "0" * 64,
        "seed_digest": "0" * 64,
        "digest": "0" * 64,
        "committed_at": datetime(2026, 12, 1, tzinfo=UTC).isoformat(),
        "seed": "00" * 32,
        "algorithm": "proforum-lottery-v1",
    }
    upgraded = export_versions.upgrade(3, {"commitments": [row]})["commitments"][0]
    assert "applicants" not in upgraded
    commitment = structure(upgraded, Commitment)
    assert commitment.entrants == (Entrant(id="mem_0001"), Entrant(id="mem_0002"))  # type: ignore[arg-type]
    assert {e.weight for e in commitment.entrants} == {Decimal(1)}
    assert commitment.constraints == Constraints()
    assert commitment.beacon is None


# --------------------------------------------------------------------------- version 6


def _with_history(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with one member renamed from a look-alike of ``paypal``."""
    doc = copy.deepcopy(document)
    doc["tables"]["members"][1]["identity"] = {"kind": "nickname", "value": "새이름"}
    doc["tables"]["nickname_history"] = [
        {
            "id": "nck_0001",
            "member_id": "mem_0002",
            "old_nickname": "paypa1",
            "old_key": "paypal",
            "new_nickname": "새이름",
            "reason": "사칭 신고 / reported as impersonation",
            "changed_by": "mem_0001",
            "changed_at": "2026-12-01T02:00:00+00:00",
        }
    ]
    return doc


def test_a_version_6_export_with_nickname_history_imports_exactly(
    current: dict[str, Any], url: str
) -> None:
    """The history comes back, and the old key stays reserved for its holder."""
    document = _with_history(current)
    with proforum.open(url) as copy_:
        copy_.import_data(document)
        assert copy_.export_data() == document
        with pytest.raises(NicknameTaken):
            copy_.register_member(job_function="development", nickname="PayPal")


def test_a_version_5_export_imports_with_an_empty_history(
    current: dict[str, Any], url: str
) -> None:
    old = _as_version_5(current)
    expected = copy.deepcopy(current)
    expected["tables"]["members"] = current["tables"]["members"]
    with proforum.open(url) as copy_:
        copy_.import_data(old)
        assert copy_.export_data()["tables"]["nickname_history"] == []
        assert copy_.export_data()["tables"]["members"] == current["tables"]["members"]


def test_an_old_export_with_nicknames_that_now_look_alike_is_refused(
    current: dict[str, Any], url: str
) -> None:
    """Keys are derived on import with today's rule: two look-alikes cannot both come in."""
    old = _as_version_5(current)
    old["tables"]["members"][0]["identity"] = {"kind": "nickname", "value": "paypal"}
    old["tables"]["members"][1]["identity"] = {"kind": "nickname", "value": "p\u0430ypal"}
    with proforum.open(url) as copy_:
        with pytest.raises((NicknameTaken, InvalidDocument)):
            copy_.import_data(old)
        assert copy_.export_data()["tables"]["members"] == []


# --------------------------------------------------------------------------- version 5 → 6


def _as_version_5(document: dict[str, Any]) -> dict[str, Any]:
    """What proforum wrote before version 6.

    No nickname history, verifications, join requests, reactions or
    revisions; communities without join policy or requirements; visible,
    flat posts and comments only.
    """
    old = copy.deepcopy(document)
    old["version"] = 5
    tables = old["tables"]
    for table in export_versions.TABLES_ADDED[6]:
        del tables[table]
    for community in tables["communities"]:
        del community["join_policy"]
        del community["requirements"]
    tables["posts"] = [p for p in tables["posts"] if p["status"] == "visible"]
    tables["comments"] = [c for c in tables["comments"] if c["status"] == "visible"]
    for post in tables["posts"]:
        for field in ("status", "edited_at", "score"):
            del post[field]
    for comment in tables["comments"]:
        for field in ("parent_id", "depth", "status", "edited_at"):
            del comment[field]
    return old


def test_version_6_holds_verifications_requests_and_requirements(current: dict[str, Any]) -> None:
    tables = current["tables"]
    assert [c["join_policy"] for c in tables["communities"]] == ["open", "approval"]
    assert tables["communities"][1]["requirements"] == {
        **export_versions.V5_REQUIREMENTS,
        "real_name_to_post": True,
    }
    assert [r["state"] for r in tables["join_requests"]] == ["pending"]
    assert [v["verified_by"] for v in tables["employer_verifications"]] == ["mem_0002"]
    (challenge,) = tables["employer_challenges"]
    # The code is exported as it is stored: hashed, never in clear.
    assert "123456" not in json.dumps(challenge)
    assert challenge["attempts"] == 1


def test_a_version_5_export_imports_open_and_without_requirements(
    current: dict[str, Any], url: str
) -> None:
    expected = copy.deepcopy(current)
    for table in export_versions.TABLES_ADDED[6]:
        expected["tables"][table] = []
    for community in expected["tables"]["communities"]:
        community.update(join_policy="open", requirements=dict(export_versions.V5_REQUIREMENTS))
    with proforum.open(url) as copy_:
        copy_.import_data(_as_version_5(current))
        assert copy_.export_data() == expected


def test_a_version_6_document_without_the_new_tables_is_refused(
    current: dict[str, Any], url: str
) -> None:
    del current["tables"]["join_requests"]
    _refused(url, current)


# --------------------------------------------------------------------------- threads (version 6)


@pytest.fixture
def threads() -> dict[str, Any]:
    """A version-6 export of a forum with a thread, reactions, edits and deletions, through JSON."""
    clock = ManualClock(T0)
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open("memory://", clock=clock, ids=SeededIds("v6"), plugin_manager=pm) as forum:
        world = build_world(forum, clock, members=3)
        a, b, c = world.members
        post = forum.publish_post(a.id, world.community.id, title="첫 주 회고", body="ROAS 반토막")
        clock.advance(timedelta(minutes=1))
        first = forum.comment(b.id, post.id, "저도요")
        clock.advance(timedelta(minutes=1))
        reply = forum.comment(c.id, post.id, "어떻게 버티셨어요?", reply_to=first.id)
        forum.react(b.id, "like", post_id=post.id)
        forum.react(a.id, "insightful", comment_id=reply.id)
        forum.edit_post(a.id, post.id, title="첫 주 ROAS 회고")
        forum.edit_comment(c.id, reply.id, "어떻게 버티셨나요?")
        forum.delete_comment(b.id, first.id)
        gone = forum.publish_post(b.id, world.community.id, title="지울 글", body="본문")
        forum.delete_post(world.operator.id, gone.id)
        document: dict[str, Any] = json.loads(json.dumps(forum.export_data()))
    return document


def test_a_version_6_export_holds_threads_reactions_and_history(
    threads: dict[str, Any], url: str
) -> None:
    tables = threads["tables"]
    assert threads["version"] == 6
    assert [(r["target"], r["kind"]) for r in tables["reactions"]] == [
        ("comment", "insightful"),
        ("post", "like"),
    ]
    assert [(r["target"], r["number"], r["title"]) for r in tables["revisions"]] == [
        ("comment", 1, None),
        ("post", 1, "첫 주 회고"),
    ]
    assert [p["status"] for p in tables["posts"]] == ["visible", "deleted"]
    assert tables["posts"][0]["score"] == 2 * 1 + 1  # the reply, the like; not the deleted one
    assert tables["posts"][0]["edited_at"] is not None
    assert [(c["status"], c["depth"]) for c in tables["comments"]] == [
        ("deleted", 0),
        ("visible", 1),
    ]
    with proforum.open(url) as copy_:
        copy_.import_data(threads)
        assert copy_.export_data() == threads


def test_a_version_5_export_imports_as_visible_flat_posts(
    threads: dict[str, Any], url: str
) -> None:
    old = _as_version_5(threads)
    (post,) = old["tables"]["posts"]
    (reply,) = old["tables"]["comments"]
    with proforum.open(url) as copy_:
        copy_.import_data(old)
        exported = copy_.export_data()
    assert exported["tables"]["reactions"] == []
    assert exported["tables"]["revisions"] == []
    assert exported["tables"]["posts"] == [
        {**post, "status": "visible", "edited_at": None, "score": 2}
    ]
    assert exported["tables"]["comments"] == [
        {**reply, "parent_id": None, "depth": 0, "status": "visible", "edited_at": None}
    ]


def test_upgrade_gives_version_5_posts_two_points_per_comment() -> None:
    tables = {
        "posts": [{"id": "pst_1"}, {"id": "pst_2"}, {"id": ["not", "an", "id"]}],
        "comments": [{"post_id": "pst_1"}, {"post_id": "pst_1"}, {"post_id": 7}],
    }
    upgraded = export_versions.upgrade(5, tables)
    assert [p["score"] for p in upgraded["posts"]] == [4, 0, 0]
    assert {c["depth"] for c in upgraded["comments"]} == {0}
    assert upgraded["reactions"] == upgraded["revisions"] == []
    assert "score" not in tables["posts"][0]  # the document is not changed
    assert export_versions.tables_of(5, {"posts", "reactions", "revisions"}) == {"posts"}


def test_a_version_6_document_without_the_reactions_table_is_refused(
    threads: dict[str, Any], url: str
) -> None:
    del threads["tables"]["reactions"]
    _refused(url, threads)


@pytest.mark.parametrize(
    ("table", "damage"),
    [
        ("communities", {"join_policy": "invite-only"}),
        ("communities", {"requirements": {"real_name_to_post": "yes"}}),
        ("join_requests", {"state": "approved"}),  # a decision without who and when
        ("employer_verifications", {"method": "Company Email"}),
        ("employer_challenges", {"code_hash": "123456"}),
        ("employer_challenges", {"attempts": -1}),
    ],
    ids=["policy", "requirement", "decision", "method", "hash", "attempts"],
)
def test_a_bad_new_row_is_refused(
    current: dict[str, Any], url: str, table: str, damage: dict[str, Any]
) -> None:
    current["tables"][table][-1].update(damage)
    _refused(url, current)


@pytest.mark.parametrize(
    ("table", "damage"),
    [
        ("reactions", {"kind": "love"}),
        ("reactions", {"target": "meetup"}),
        ("revisions", {"number": 0}),
        ("revisions", {"title": None}),  # a post's earlier version has a title
        ("posts", {"status": "spam"}),
        ("posts", {"score": -1}),
        ("comments", {"depth": 9}),
        ("comments", {"parent_id": None}),  # a reply at depth 1 without its parent
    ],
    ids=["kind", "target", "number", "title", "status", "score", "depth", "parent"],
)
def test_a_bad_thread_row_is_refused(
    threads: dict[str, Any], url: str, table: str, damage: dict[str, Any]
) -> None:
    rows = threads["tables"][table]
    row = next(r for r in rows if table != "revisions" or r["target"] == "post")
    if table == "comments":
        row = next(r for r in rows if r["depth"] == 1)
    row.update(damage)
    _refused(url, threads)
