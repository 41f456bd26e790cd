"""The story's cast as a test helper: see the ``world`` fixture in conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import attrs
import pytest

import proforum
from proforum import ManualClock, Role
from proforum.domain.community import Community
from proforum.domain.identity import Member
from proforum.domain.meetup import Meetup
from proforum.errors import ProforumError

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)
LINK = "https://zoom.us/j/81234567890?pwd=secretpasscode"


@attrs.define
class World:
    """The story's cast in one community, and shortcuts through a meetup's life."""

    forum: proforum.Forum
    clock: ManualClock
    operator: Member
    host: Member
    members: list[Member]
    outsider: Member
    community: Community

    def meetup(self, capacity: int = 3, **overrides: Any) -> Meetup:
        starts = T0 + timedelta(days=9, hours=9)  # 19:00 Seoul
        kwargs: dict[str, Any] = {
            "title": "퍼포먼스 마케터끼리 만나요!",
            "topic": "퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            "capacity": capacity,
            "applications_open_at": T0,
            "applications_close_at": T0 + timedelta(days=6),
        }
        kwargs.update(overrides)
        return self.forum.create_meetup(self.host.id, self.community.id, **kwargs)

    def open_meetup(self, capacity: int = 3, **overrides: Any) -> Meetup:
        meetup = self.meetup(capacity, **overrides)
        return self.forum.announce_meetup(self.host.id, meetup.id)

    def applied_meetup(self, capacity: int = 3, applicants: int | None = None) -> Meetup:
        meetup = self.open_meetup(capacity)
        for member in self.members[: applicants if applicants is not None else len(self.members)]:
            self.forum.apply(member.id, meetup.id)
        return meetup

    def close(self, meetup: Meetup) -> None:
        self.clock.set(meetup.applications_close_at + timedelta(hours=1))
        self.forum.close_applications(self.host.id, meetup.id)

    def drawn_meetup(self, capacity: int = 3, applicants: int | None = None) -> Meetup:
        meetup = self.applied_meetup(capacity, applicants)
        self.close(meetup)
        self.forum.draw(self.host.id, meetup.id)
        return meetup

    def linked_meetup(self, capacity: int = 3, applicants: int | None = None) -> Meetup:
        meetup = self.drawn_meetup(capacity, applicants)
        self.forum.set_meeting(self.host.id, meetup.id, options={"join_url": LINK})
        self.forum.send_meeting_links(self.host.id, meetup.id)
        return meetup

    def seat_holders(self, meetup: Meetup) -> list[str]:
        return [
            a.member_id
            for a in self.forum.applications(self.host.id, meetup.id)
            if a.state in ("selected", "confirmed")
        ]

    def ended_meetup(self, capacity: int = 3, *, absent: int = 0) -> Meetup:
        """A meetup that took place: every seat holder but ``absent`` of them checked in."""
        meetup = self.linked_meetup(capacity)
        self.clock.set(meetup.starts_at)
        holders = self.seat_holders(meetup)
        for member_id in holders[absent:]:
            self.forum.check_in(member_id, meetup.id)
        self.clock.set(meetup.ends_at + timedelta(minutes=30))
        self.forum.end_meetup(self.host.id, meetup.id)
        return meetup

    def attendees(self, meetup: Meetup) -> list[str]:
        return [
            a.member_id
            for a in self.forum.applications(self.host.id, meetup.id)
            if a.state == "attended"
        ]


def build_world(forum: proforum.Forum, clock: ManualClock, *, members: int = 6) -> World:
    """The story's cast on ``forum``: an operator, a host, ``members`` members, an outsider."""
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    host = forum.register_member(real_name="박성과", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    forum.join_community(host.id, community.id)
    forum.assign_role(operator.id, community.id, host.id, Role.HOST)
    cast = []
    for i in range(members):
        identity = {"nickname": f"마케터{i}"} if i % 2 else {"real_name": f"이직원{i}"}
        member = forum.register_member(job_function="marketing-pr", **identity)
        forum.join_community(member.id, community.id)
        cast.append(member)
    outsider = forum.register_member(nickname="외부인", job_function="development")
    return World(forum, clock, operator, host, cast, outsider, community)


#: Pieces of the meeting link that must never reach an error message or a log.
LINK_SECRETS = (LINK, "secretpasscode", "81234567890")

E = TypeVar("E", bound=ProforumError)


def check_error(exc: ProforumError, *secrets: str) -> None:
    """Check what every proforum error promises: its code, two messages, no leaks.

    ``str()`` and ``repr()`` must show neither the meeting link, nor any of
    ``secrets``, nor the offending value when it is a string long enough to be
    recognisable (unless the raiser also passed it as a message parameter,
    which is only done for public identifiers such as an adapter's name).
    """
    assert exc.code == type(exc).code
    ko, en = exc.message_ko, exc.message_en
    assert ko.strip()
    assert en.strip()
    assert ko != en
    shown = (str(exc), repr(exc), ko, en)
    hidden = [*LINK_SECRETS, *secrets]
    value = exc.value
    if isinstance(value, str) and len(value.strip()) >= 6 and value not in exc.params.values():
        hidden.append(value)
    for text in shown:
        for secret in hidden:
            assert secret not in text, f"{type(exc).__name__} shows {secret!r}"


def assert_unchanged(
    forum: proforum.Forum, action: Callable[[], object], expected: type[E], *secrets: str
) -> E:
    """Run ``action``, expect exactly ``expected``, and check it changed nothing.

    Nothing means: the exported forum is equal before and after, and the outbox
    holds the same messages.  The error itself must pass :func:`check_error`.
    Returns the error for further checks.
    """
    before = forum.export_data()
    outbox = list(forum.outbox())
    with pytest.raises(expected) as info:
        action()
    exc = info.value
    assert type(exc) is expected, f"raised {type(exc).__name__}, expected {expected.__name__}"
    check_error(exc, *secrets)
    assert forum.export_data() == before, f"{expected.__name__} was raised after a write"
    assert list(forum.outbox()) == outbox
    return exc
