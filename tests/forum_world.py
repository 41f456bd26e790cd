"""The story's cast as a test helper: see the ``world`` fixture in conftest.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

import proforum
from proforum import ManualClock
from proforum.domain.community import Community
from proforum.domain.identity import Member
from proforum.domain.meetup import Meetup

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
        self.forum.close_applications(self.host.id, meetup.id, seed=b"s" * 32)

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
