"""A tiny application built on proforum: what its test suite in this folder tests.

Two features a community site would write on top of the library:

- :func:`meetup_digest`: the upcoming meetups of a community as a member sees
  them (when, what, whether they may still apply, where their application stands);
- :func:`who_may_still_apply`: for the organiser, the members who have not
  applied yet while the window is open (to nudge them).

Only proforum's public API is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import proforum
from proforum import ApplicationState, MeetupState
from proforum.domain.common import CommunityId, MeetupId, MemberId
from proforum.domain.identity import Member
from proforum.domain.meetup import Meetup
from proforum.errors import Lang, NotFound
from proforum.i18n import format_time

_LABELS = {
    "ko": {
        "seats": "{n}석",
        "open": "신청 가능 ({closes} 마감)",
        "closed": "신청 마감",
        "mine": "내 신청: {state}",
    },
    "en": {
        "seats": "{n} seats",
        "open": "applications open until {closes}",
        "closed": "applications closed",
        "mine": "my application: {state}",
    },
}

_VISIBLE = (MeetupState.OPEN, MeetupState.CLOSED, MeetupState.DRAWN)


def digest_line(
    meetup: Meetup,
    now: datetime,
    *,
    lang: Lang = "ko",
    time_zone: str | None = None,
    mine: ApplicationState | None = None,
) -> str:
    """One line of the digest: start time, title, seats, the application window, mine."""
    labels = _LABELS[lang]
    zone = time_zone or meetup.time_zone
    window = (
        labels["open"].format(closes=format_time(meetup.applications_close_at, zone, lang))
        if meetup.accepts_applications_at(now)
        else labels["closed"]
    )
    parts = [
        format_time(meetup.starts_at, zone, lang),
        meetup.title,
        labels["seats"].format(n=meetup.capacity),
        window,
    ]
    if mine is not None:
        parts.append(labels["mine"].format(state=mine.value))
    return " · ".join(parts)


def meetup_digest(forum: proforum.Forum, reader: MemberId, community_id: CommunityId) -> list[str]:
    """The community's upcoming meetups, soonest first, in the reader's language and zone.

    Drafts, cancelled and ended meetups are left out.
    """
    member = forum.member(reader)
    now = forum.clock.now()
    lines = []
    for meetup in forum.meetups(reader, community_id):
        if meetup.state not in _VISIBLE or meetup.ends_at <= now:
            continue
        try:
            mine: ApplicationState | None = forum.application(reader, meetup.id).state
        except NotFound:
            mine = None
        lines.append(
            digest_line(meetup, now, lang=member.locale, time_zone=member.time_zone, mine=mine)
        )
    return lines


def who_may_still_apply(
    forum: proforum.Forum, organiser: MemberId, meetup_id: MeetupId
) -> Sequence[Member]:
    """Members of the community who could apply right now but have not (the host aside)."""
    meetup = forum.meetup(organiser, meetup_id)
    if not meetup.accepts_applications_at(forum.clock.now()):
        return []
    applied = {
        a.member_id
        for a in forum.applications(organiser, meetup_id)
        if a.state is not ApplicationState.WITHDRAWN
    }
    return [
        forum.member(m.member_id)
        for m in forum.memberships(organiser, meetup.community_id)
        if m.member_id not in applied and m.member_id != meetup.host_id
    ]
