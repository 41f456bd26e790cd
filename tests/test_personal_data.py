"""A member's copy of their data, and erasure that leaves no trace (issue 8, point 7).

Unique markers are planted in every personal field of two members; one is
erased; then every row of every table, read back raw (SQL) or exported whole
(memory), holds none of the erased member's markers and all of the other's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import proforum
from forum_world import T0, assert_unchanged
from proforum import ManualClock, SeededIds
from proforum.adapters.sql.engine import create_engine, normalise_url
from proforum.adapters.sql.tables import metadata
from proforum.cli import main
from proforum.domain.common import MemberId, Secret
from proforum.domain.notification import MessageKind
from proforum.domain.personal_data import MEMBER_REFERENCES, PSEUDONYM_PREFIX_KO
from proforum.domain.video_registration import VideoRegistration
from proforum.errors import NotFound, RoleRequired
from proforum.serialization import export_storage

SEED = "personal-data"
STAFF = MemberId(SeededIds(SEED).new("mem"))
JOB = "marketing-pr"


def markers(who: str) -> dict[str, str]:
    """A unique string per personal field of member ``who``.

    ``A`` and ``B`` speak under nicknames (renamed once by an operator), ``RA``
    and ``RB`` under real names; ``A`` and ``RA`` are the ones erased.
    """
    if who.startswith("R"):
        return {
            "real_name": f"실명{who}mkname",
            "company": f"회사{who}mkcompany",
            "email": f"mk{who.lower()}mail@example.com",
            "verified_company": f"검증{who}mkverified",
        }
    return {
        "verified_company": f"검증{who}mkverified",
        "flag_note": f"신고{who}mknote",
        "old_nickname": f"옛닉{who}mkold",
        "new_nickname": f"새닉{who}mknew",
        "reason": f"사유{who}mkreason",
        "company": f"회사{who}mkcompany",
        "email": f"mk{who.lower()}mail@example.com",
        "join_url": f"https://zoom.example/w/1?tk=mk{who}link",
    }


class Cast:
    """Two members, A and B, with markers everywhere, and what they share."""

    def __init__(self, forum: proforum.Forum, clock: ManualClock) -> None:
        self.forum, self.clock = forum, clock
        operator = forum.register_member(real_name="운영자", job_function=JOB)
        assert operator.id == STAFF
        community = forum.create_community(STAFF, slug="mkt", name="마케팅", job_function=JOB)
        self.community = community.id
        self.ids: dict[str, MemberId] = {}
        for who in ("A", "B"):
            mark = markers(who)
            member = forum.register_member(
                nickname=mark["old_nickname"],
                job_function=JOB,
                company=mark["company"],
                years_of_experience=7,
                email=mark["email"],
            )
            forum.rename_nickname(STAFF, member.id, mark["new_nickname"], reason=mark["reason"])
            forum.join_community(member.id, community.id)
            forum.set_notification_preference(
                member.id, channel="inbox", kind=MessageKind.SURVEY_REMINDER, enabled=False
            )
            self.ids[who] = member.id
        for who in ("RA", "RB"):
            mark = markers(who)
            member = forum.register_member(
                real_name=mark["real_name"],
                job_function=JOB,
                company=mark["company"],
                email=mark["email"],
            )
            forum.join_community(member.id, community.id)
            self.ids[who] = member.id
        for who, member_id in self.ids.items():
            forum.record_employer_verification(
                STAFF, community.id, member_id, company=markers(who)["verified_company"]
            )
        a, b = self.ids["A"], self.ids["B"]
        flagged = forum.publish_post(
            self.ids["RA"], community.id, title="실명 글", body="안녕하세요"
        )
        for who in ("A", "B"):
            forum.flag(
                self.ids[who], "off_topic", post_id=flagged.id, note=markers(who)["flag_note"]
            )
        self.post = forum.publish_post(a, community.id, title="첫 글", body="일 이야기").id
        forum.comment(b, self.post, "좋은 글이네요")
        forum.comment(a, self.post, "감사합니다")
        self.meetup = self._ended_meetup(a, b)

    def _ended_meetup(self, a: MemberId, b: MemberId) -> str:
        forum, clock = self.forum, self.clock
        start = T0 + timedelta(days=10)
        meetup = forum.create_meetup(
            STAFF,
            self.community,
            title="저녁 모임",
            topic="ROAS",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=5,
            applications_open_at=T0,
            applications_close_at=T0 + timedelta(days=3),
        )
        forum.announce_meetup(STAFF, meetup.id)
        for member in (a, b):
            forum.apply(member, meetup.id)
        clock.set(meetup.applications_close_at + timedelta(hours=1))
        forum.close_applications(STAFF, meetup.id)
        forum.draw(STAFF, meetup.id)
        link = "https://zoom.us/j/81234567890?pwd=secretpasscode"
        forum.set_meeting(STAFF, meetup.id, options={"join_url": link})
        forum.send_meeting_links(STAFF, meetup.id)
        clock.set(meetup.starts_at)
        for member in (a, b):
            forum.check_in(member, meetup.id)
        clock.set(meetup.ends_at + timedelta(minutes=30))
        forum.end_meetup(STAFF, meetup.id)
        for member in (a, b):
            forum.want_follow_up(member, meetup.id)
        forum.share_contact(a, meetup.id, b)
        forum.share_contact(b, meetup.id, a)
        with forum.storage.unit_of_work() as uow:
            links = [
                VideoRegistration(
                    id=f"vrg_{who}",
                    meetup_id=meetup.id,
                    member_id=self.ids[who],
                    provider="zoom",
                    meeting_id="81234567890",
                    join_url=Secret(markers(who)["join_url"]),
                    registrant_id=f"reg-{who}",
                    registered_at=clock.now(),
                )
                for who in ("A", "B")
            ]
            uow.registrations.add_many(links)
            uow.commit()
        return meetup.id


@pytest.fixture
def cast(backend_url: str, clock: ManualClock) -> Iterator[tuple[Cast, str]]:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open(
        backend_url, clock=clock, ids=SeededIds(SEED), plugin_manager=pm, site_operators=[STAFF]
    ) as forum:
        yield Cast(forum, clock), backend_url


def full_dump(forum: proforum.Forum, url: str) -> str:
    """Every value of every row of every table, as one text."""
    if url.startswith("memory"):
        return json.dumps(export_storage(forum.storage), ensure_ascii=False, default=str)
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return "\n".join(
                repr(tuple(row))
                for table in metadata.sorted_tables
                for row in conn.execute(sa.select(table))
            )
    finally:
        engine.dispose()


def test_every_marker_is_stored_before_erasure(cast: tuple[Cast, str]) -> None:
    """The plant worked: without this, finding nothing afterwards would prove nothing."""
    world, url = cast
    dump = full_dump(world.forum, url)
    for who in ("A", "B", "RA", "RB"):
        for field, marker in markers(who).items():
            assert marker in dump, (who, field)


def test_erasure_leaves_none_of_the_markers_and_keeps_threads(cast: tuple[Cast, str]) -> None:
    world, url = cast
    forum, a, b = world.forum, world.ids["A"], world.ids["B"]
    erased = forum.erase_member(STAFF, a)
    forum.erase_member(world.ids["RA"], world.ids["RA"])
    assert erased.id == a
    assert erased.display_name.startswith(PSEUDONYM_PREFIX_KO)
    assert (erased.company, erased.email, erased.years_of_experience) == (None, None, None)

    dump = full_dump(forum, url)
    for who in ("A", "RA"):
        for field, marker in markers(who).items():
            assert marker not in dump, f"{who}'s {field} survived erasure"
    for who in ("B", "RB"):
        for field, marker in markers(who).items():
            assert marker in dump, f"{who}'s {field} was lost"

    # Communities, posts and threads are whole, signed by the pseudonym.
    page = forum.feed(b, world.community)
    entry = next(e for e in page.entries if e.post.id == world.post)
    assert entry.post.author_id == a
    assert entry.author.display_name == erased.display_name
    assert entry.comment_count == 2
    assert [e.author.member_id for e in forum.comments(b, world.post) if e.author] == [b, a]
    assert {m.member_id for m in forum.memberships(b, world.community)} >= {a, b}
    # The lottery record and the meetup's report name members by id, unchanged.
    report = forum.attendance_report(STAFF, world.meetup)
    assert set(report.attended) == {a, b}
    # A's old nicknames are free again; the nickname history of B is untouched.
    forum.register_member(nickname=markers("A")["old_nickname"], job_function=JOB)
    assert [c.reason for c in forum.nickname_history(STAFF, b)] == [markers("B")["reason"]]


def test_erasing_twice_changes_nothing(cast: tuple[Cast, str]) -> None:
    world, _ = cast
    forum, a = world.forum, world.ids["A"]
    first = forum.erase_member(a, a)  # members may erase themselves
    before = forum.export_data()
    assert forum.erase_member(STAFF, a) == first
    assert forum.export_data() == before


def test_the_export_holds_everything_about_the_member_and_nothing_about_others(
    cast: tuple[Cast, str],
) -> None:
    world, _ = cast
    forum, a = world.forum, world.ids["A"]
    document = forum.export_member(a, a)
    assert document["format"] == "proforum-member-export"
    assert set(document["tables"]) == set(MEMBER_REFERENCES)
    text = json.dumps(document, ensure_ascii=False)
    for field, marker in markers("A").items():
        if field == "join_url":
            assert marker not in text  # a credential, not information
        else:
            assert marker in text, field
    for who in ("B", "RA", "RB"):
        for marker in markers(who).values():
            assert marker not in text
    tables = document["tables"]
    assert [m["id"] for m in tables["members"]] == [a]
    assert len(tables["posts"]) == 1
    assert len(tables["comments"]) == 1
    assert len(tables["contact_consents"]) == 2  # given by A, and given to A
    assert tables["applications"][0]["state"] == "attended"
    assert tables["messages"], "messages addressed to A"
    assert all(m["recipient_id"] == a for m in tables["messages"])
    # JSON all the way through.
    assert json.loads(json.dumps(document)) == document


def test_after_erasure_the_export_is_the_pseudonymous_record(cast: tuple[Cast, str]) -> None:
    world, _ = cast
    forum, a = world.forum, world.ids["A"]
    forum.erase_member(STAFF, a)
    text = json.dumps(forum.export_member(STAFF, a), ensure_ascii=False)
    for marker in markers("A").values():
        assert marker not in text


def test_only_the_member_and_site_operators_may_export_or_erase(cast: tuple[Cast, str]) -> None:
    world, _ = cast
    forum, a, b = world.forum, world.ids["A"], world.ids["B"]
    actions: list[tuple[Any, type[Exception]]] = [
        (lambda: forum.export_member(b, a), RoleRequired),
        (lambda: forum.erase_member(b, a), RoleRequired),
        (lambda: forum.erase_member(STAFF, MemberId("mem_nobody")), NotFound),
        (lambda: forum.export_member(STAFF, MemberId("mem_nobody")), NotFound),
    ]
    for action, expected in actions:
        assert_unchanged(forum, action, expected)


def test_plugins_hear_of_the_erasure(backend_url: str, clock: ManualClock) -> None:
    heard: list[tuple[str, str]] = []

    class Mirror:
        @proforum.hookimpl
        def proforum_member_erased(self, forum: proforum.Forum, member: Any) -> None:
            heard.append((member.id, member.display_name))

    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(Mirror())
    with proforum.open(backend_url, clock=clock, plugin_manager=pm) as forum:
        member = forum.register_member(real_name="홍길동", job_function=JOB)
        erased = forum.erase_member(member.id, member.id)
    assert heard == [(member.id, erased.display_name)]


def test_the_command_line_exports_and_erases(tmp_path: Any, clock: ManualClock) -> None:
    url = f"sqlite:///{tmp_path / 'forum.db'}"
    with proforum.open(url, clock=clock) as forum:
        member = forum.register_member(
            real_name="실명mkcli", job_function=JOB, email="mkcli@example.com"
        )
    runner = CliRunner()
    out = tmp_path / "me.json"
    result = runner.invoke(main, ["member", "export", member.id, "--db", url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "실명mkcli" in out.read_text(encoding="utf-8")
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    refused = runner.invoke(main, ["member", "erase", member.id, "--db", url])
    assert refused.exit_code != 0
    assert "--yes" in refused.output
    done = runner.invoke(main, ["member", "erase", member.id, "--db", url, "--yes"])
    assert done.exit_code == 0, done.output
    assert PSEUDONYM_PREFIX_KO in done.output
    again = runner.invoke(main, ["member", "export", member.id, "--db", url])
    assert "mkcli" not in again.output
