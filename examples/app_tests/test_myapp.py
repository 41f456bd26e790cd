"""The test suite of ``myapp``, written only with proforum's testing kit.

No conftest.py: installing proforum makes the ``proforum_*`` fixtures available
(the ``pytest11`` entry point) and registers the Hypothesis strategies for the
domain types (the ``hypothesis`` entry point).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

import proforum
from proforum import ApplicationState, ManualClock, MeetupState
from proforum.domain.meetup import Meetup
from proforum.testing import strategies
from proforum.testing.factories import CommunityFactory, MeetupFactory, MemberFactory
from proforum.testing.fakes import RecordingNotifier

from .myapp import digest_line, meetup_digest, who_may_still_apply

# --------------------------------------------------------------------------- meetup_digest


def test_digest_shows_an_open_meetup_in_the_readers_language(
    proforum_forum: proforum.Forum,
    proforum_make_community: CommunityFactory,
    proforum_make_meetup: MeetupFactory,
    proforum_make_member: MemberFactory,
) -> None:
    community = proforum_make_community()
    proforum_make_meetup(community, capacity=20)
    korean = proforum_make_member(community=community)
    english = proforum_make_member(community=community, locale="en", time_zone="Europe/Berlin")

    (line_ko,) = meetup_digest(proforum_forum, korean.id, community.id)
    (line_en,) = meetup_digest(proforum_forum, english.id, community.id)

    assert "퍼포먼스 마케터끼리 만나요!" in line_ko
    assert "20석" in line_ko
    assert "신청 가능" in line_ko
    assert "(Europe/Berlin)" in line_en
    assert "applications open until" in line_en


def test_digest_shows_my_application_and_hides_drafts_and_cancelled(
    proforum_forum: proforum.Forum,
    proforum_make_community: CommunityFactory,
    proforum_make_meetup: MeetupFactory,
    proforum_make_member: MemberFactory,
) -> None:
    community = proforum_make_community()
    me = proforum_make_member(community=community)
    applied = proforum_make_meetup(community, title="신청한 모임", applicants=[me])
    proforum_make_meetup(community, title="아직 초안", announce=False)
    cancelled = proforum_make_meetup(community, title="취소된 모임")
    proforum_forum.cancel_meetup(community.host.id, cancelled.id)

    lines = meetup_digest(proforum_forum, me.id, community.id)

    assert len(lines) == 1
    assert applied.title in lines[0]
    assert "내 신청: applied" in lines[0]


def test_digest_follows_the_clock(
    proforum_forum: proforum.Forum,
    proforum_clock: ManualClock,
    proforum_make_community: CommunityFactory,
    proforum_make_meetup: MeetupFactory,
) -> None:
    community = proforum_make_community()
    meetup = proforum_make_meetup(community)
    reader = community.host.id

    proforum_clock.set(meetup.applications_close_at)
    (line,) = meetup_digest(proforum_forum, reader, community.id)
    assert "신청 마감" in line

    proforum_clock.set(meetup.ends_at + timedelta(minutes=1))
    assert meetup_digest(proforum_forum, reader, community.id) == []


@given(strategies.meetups(), strategies.utc_datetimes())
def test_digest_line_says_open_exactly_when_applications_are_accepted(
    meetup: Meetup, now: datetime
) -> None:
    # A pure function: strategies, no fixtures (Hypothesis runs the body many times).
    line = digest_line(meetup, now, lang="en")
    assert meetup.title in line
    assert ("applications open until" in line) == meetup.accepts_applications_at(now)


@given(st.from_type(Meetup), st.sampled_from(ApplicationState))
def test_digest_line_in_korean_always_names_the_seats(
    meetup: Meetup, mine: ApplicationState
) -> None:
    line = digest_line(meetup, meetup.created_at, mine=mine)
    assert f"{meetup.capacity}석" in line
    assert line.endswith(f"내 신청: {mine.value}")


# --------------------------------------------------------------------------- who_may_still_apply


def test_everyone_but_the_host_may_apply_at_first(
    proforum_forum: proforum.Forum,
    proforum_make_community: CommunityFactory,
    proforum_make_meetup: MeetupFactory,
) -> None:
    community = proforum_make_community(members=3)
    meetup = proforum_make_meetup(community)

    people = who_may_still_apply(proforum_forum, community.host.id, meetup.id)

    assert {m.id for m in people} == {community.operator.id, *(m.id for m in community.members)}


def test_applicants_drop_out_and_come_back_when_they_withdraw(
    proforum_forum: proforum.Forum,
    proforum_make_community: CommunityFactory,
    proforum_make_meetup: MeetupFactory,
) -> None:
    community = proforum_make_community(members=3)
    first, second, third = community.members
    meetup = proforum_make_meetup(community, applicants=[first, second])
    proforum_forum.withdraw(second.id, meetup.id)

    people = who_may_still_apply(proforum_forum, community.host.id, meetup.id)

    assert {m.id for m in people} == {community.operator.id, second.id, third.id}


def test_nobody_once_the_window_closed(
    proforum_forum: proforum.Forum,
    proforum_clock: ManualClock,
    proforum_make_community: CommunityFactory,
    proforum_make_meetup: MeetupFactory,
) -> None:
    community = proforum_make_community(members=2)
    meetup = proforum_make_meetup(community)
    proforum_clock.set(meetup.applications_close_at)
    assert who_may_still_apply(proforum_forum, community.host.id, meetup.id) == []


def test_the_nudge_reaches_only_those_people(
    proforum_forum: proforum.Forum,
    proforum_notifier: RecordingNotifier,
    proforum_make_community: CommunityFactory,
    proforum_make_meetup: MeetupFactory,
) -> None:
    # The announcement went to everyone; the recording notifier shows who got what.
    community = proforum_make_community(members=2)
    meetup = proforum_make_meetup(community, applicants=community.members[:1])
    assert meetup.state is MeetupState.OPEN
    announced = {
        d.recipient_id for d in proforum_notifier.deliveries if d.kind == "meetup_announced"
    }
    nudge = {m.id for m in who_may_still_apply(proforum_forum, community.host.id, meetup.id)}
    assert nudge < announced
    assert community.members[0].id not in nudge
