"""Time zones done right (issue 4, point 9).

A meetup at 19:00 Asia/Seoul is stored as 10:00 UTC and shown in each
viewer's zone; windows and deadlines are checked against the injected clock,
including across daylight-saving changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from forum_world import World
from proforum.errors import ApplicationWindowClosed, InvalidTimeZone

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def test_seven_pm_in_seoul_is_ten_am_utc_and_local_time_for_each_viewer(world: World) -> None:
    starts = datetime(2026, 12, 10, 19, 0, tzinfo=SEOUL)
    meetup = world.meetup(starts_at=starts, ends_at=starts + timedelta(hours=2))
    stored = world.forum.meetup(world.host.id, meetup.id)
    assert stored.starts_at == datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    assert stored.starts_at.utcoffset() == timedelta(0)
    assert stored.local_times()[0].hour == 19  # in the meetup's own zone
    assert stored.local_times("America/New_York")[0] == datetime(
        2026, 12, 10, 5, 0, tzinfo=NEW_YORK
    )
    assert stored.local_times(BERLIN)[0].hour == 11
    with pytest.raises(InvalidTimeZone):
        stored.local_times("Mars/Olympus_Mons")


def test_the_same_seoul_time_moves_for_a_viewer_whose_zone_changes_its_clocks(
    world: World,
) -> None:
    """Seoul keeps no daylight saving; New York does: 19:00 Seoul is 05:00 or 06:00 there."""
    winter = world.meetup(
        starts_at=datetime(2026, 12, 10, 19, 0, tzinfo=SEOUL),
        ends_at=datetime(2026, 12, 10, 21, 0, tzinfo=SEOUL),
    )
    summer = world.meetup(
        starts_at=datetime(2027, 7, 8, 19, 0, tzinfo=SEOUL),
        ends_at=datetime(2027, 7, 8, 21, 0, tzinfo=SEOUL),
        applications_close_at=datetime(2027, 7, 1, tzinfo=SEOUL),
    )
    assert winter.local_times(NEW_YORK)[0].hour == 5
    assert summer.local_times(NEW_YORK)[0].hour == 6
    assert summer.starts_at.hour == winter.starts_at.hour == 10  # UTC does not move


def test_messages_show_times_in_each_members_own_zone(world: World) -> None:
    abroad = world.forum.register_member(
        real_name="뉴욕지사", job_function="marketing-pr", time_zone="America/New_York", locale="en"
    )
    world.forum.join_community(abroad.id, world.community.id)
    starts = datetime(2026, 12, 10, 19, 0, tzinfo=SEOUL)
    meetup = world.meetup(starts_at=starts, ends_at=starts + timedelta(hours=2))
    world.forum.announce_meetup(world.host.id, meetup.id)
    inbox_seoul = world.forum.inbox(world.members[0].id)
    inbox_ny = world.forum.inbox(abroad.id)
    seoul_text = next(e.text.body for e in inbox_seoul if "오후 7시" in e.text.body)
    ny_text = next(e.text.body for e in inbox_ny if "5:00 AM" in e.text.body)
    assert "12월 10일" in seoul_text
    assert "America/New_York" in ny_text


def test_a_window_closing_on_the_night_clocks_go_back_uses_the_instant_given(
    world: World,
) -> None:
    """02:30 happens twice in Berlin on 25 October 2026; ``fold`` says which one is meant.

    The first 02:30 (summer time) is 00:30 UTC, the second (winter time)
    01:30 UTC.  An application at 00:45 UTC is late for the first and on time
    for the second: the window is checked against the clock's instant, not
    against a wall-clock reading.
    """
    first = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN)
    second = first.replace(fold=1)
    assert first.astimezone(UTC).hour == 0
    assert second.astimezone(UTC).hour == 1
    world.clock.set(datetime(2026, 10, 20, tzinfo=UTC))
    starts = datetime(2026, 10, 30, 19, 0, tzinfo=BERLIN)
    kwargs = {
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "applications_open_at": datetime(2026, 10, 21, tzinfo=UTC),
        "time_zone": "Europe/Berlin",
    }
    early = world.open_meetup(applications_close_at=first, **kwargs)
    late = world.open_meetup(applications_close_at=second, **kwargs)
    assert early.applications_close_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert late.applications_close_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    world.clock.set(datetime(2026, 10, 25, 0, 45, tzinfo=UTC))
    with pytest.raises(ApplicationWindowClosed):
        world.forum.apply(world.members[0].id, early.id)
    assert world.forum.apply(world.members[0].id, late.id).state == "applied"


def test_reminders_keep_their_distance_across_the_clock_change(world: World) -> None:
    """A reminder a day before a meetup the morning after clocks go forward is 24 real hours before."""
    world.clock.set(datetime(2027, 3, 20, tzinfo=UTC))
    starts = datetime(2027, 3, 28, 19, 0, tzinfo=BERLIN)  # summer time began at 02:00 that day
    meetup = world.open_meetup(
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        applications_open_at=datetime(2027, 3, 20, 1, tzinfo=UTC),
        applications_close_at=datetime(2027, 3, 25, tzinfo=UTC),
        time_zone="Europe/Berlin",
    )
    assert meetup.starts_at == datetime(2027, 3, 28, 17, 0, tzinfo=UTC)
    world.clock.set(datetime(2027, 3, 21, tzinfo=UTC))
    for member in world.members:
        world.forum.apply(member.id, meetup.id)
    world.close(meetup)
    world.forum.draw(world.host.id, meetup.id)
    due = sorted(
        {m.next_attempt_at for m in world.forum.outbox() if m.kind == "reminder"},
        key=lambda d: d or datetime.min.replace(tzinfo=UTC),
    )
    assert due == [meetup.starts_at - timedelta(days=1), meetup.starts_at - timedelta(hours=1)]
    # On the wall clock the day-before reminder is at 18:00, not 19:00: a day is 24 hours.
    assert due[0] is not None
    assert due[0].astimezone(BERLIN).hour == 18
