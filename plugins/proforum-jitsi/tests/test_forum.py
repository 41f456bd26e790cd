"""A whole forum picks the provider up by name and stores its meeting."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pluggy
import proforum_jitsi
import pytest
from jitsi_support import SECRET, token_of
from proforum_jitsi import JitsiNotConfigured, JitsiOptionInvalid, is_room_name
from proforum_jitsi.testing import verify_hs256

import proforum
from proforum.domain.identity import Member
from proforum.domain.meetup import Meetup

OpenForum = Callable[..., tuple[proforum.Forum, Member, Meetup]]


@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(proforum_jitsi, name="jitsi")
    pm.check_pending()
    return pm


@pytest.fixture
def open_forum(
    plugin_manager: pluggy.PluginManager, clock: proforum.ManualClock
) -> Iterator[OpenForum]:
    """Open a memory forum with ``video_options={"jitsi": options}`` and plan one meetup."""
    forums: list[proforum.Forum] = []

    def open_(options: dict[str, Any] | None) -> tuple[proforum.Forum, Member, Meetup]:
        forum = proforum.open(
            "memory://",
            plugin_manager=plugin_manager,
            clock=clock,
            video_options=None if options is None else {"jitsi": options},
        )
        forums.append(forum)
        host = forum.register_member(real_name="김운영", job_function="marketing-pr")
        community = forum.create_community(
            host.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
        )
        starts = clock.now() + timedelta(days=9, hours=9)
        meetup = forum.create_meetup(
            host.id,
            community.id,
            title="퍼포먼스 마케터끼리 만나요!",
            topic="퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=2,
            applications_open_at=clock.now(),
            applications_close_at=clock.now() + timedelta(days=6),
        )
        return forum, host, meetup

    yield open_
    for forum in forums:
        forum.close()


def test_set_meeting_creates_a_jitsi_room_for_the_meetup(
    open_forum: OpenForum, self_hosted: dict[str, Any]
) -> None:
    forum, host, meetup = open_forum(self_hosted)
    meeting = forum.set_meeting(host.id, meetup.id, provider="jitsi")
    assert meeting.provider == "jitsi"
    assert is_room_name(meeting.meeting_id)
    assert meeting.join_url.reveal() == f"https://meet.example.com/{meeting.meeting_id}"
    stored = forum.meetup(host.id, meetup.id).meeting
    assert stored is not None
    assert stored.meeting_id == meeting.meeting_id


def test_the_host_gets_a_personal_moderator_link(
    open_forum: OpenForum, self_hosted: dict[str, Any]
) -> None:
    forum, host, meetup = open_forum(self_hosted)
    meeting = forum.set_meeting(host.id, meetup.id, provider="jitsi")
    # proforum registers the host with the provider the first time they ask.
    link = forum.meeting_link(host.id, meetup.id)
    assert link.startswith(f"https://meet.example.com/{meeting.meeting_id}?jwt=")
    claims = verify_hs256(token_of(link), SECRET, now=meetup.starts_at)
    assert claims["room"] == meeting.meeting_id
    assert claims["context"]["user"] == {"id": host.id, "name": "김운영", "moderator": "true"}
    # The provider saw the meetup's times when the forum created the meeting.
    assert claims["nbf"] == int((meetup.starts_at - timedelta(minutes=30)).timestamp())
    assert claims["exp"] == int((meetup.ends_at + timedelta(minutes=30)).timestamp())
    # proforum keeps the link: asking again gives the same one.
    assert forum.meeting_link(host.id, meetup.id) == link


def test_bad_or_missing_settings_leave_the_meetup_without_a_meeting(
    open_forum: OpenForum, self_hosted: dict[str, Any]
) -> None:
    forum, host, meetup = open_forum({**self_hosted, "secret": "short"})
    with pytest.raises(JitsiOptionInvalid) as caught:
        forum.set_meeting(host.id, meetup.id, provider="jitsi")
    assert caught.value.params["option"] == "secret"
    assert forum.meetup(host.id, meetup.id).meeting is None

    forum, host, meetup = open_forum(None)
    with pytest.raises(JitsiNotConfigured):
        forum.set_meeting(host.id, meetup.id, provider="jitsi")
    assert forum.meetup(host.id, meetup.id).meeting is None


def test_the_installed_plugin_is_found_without_registering_it(
    self_hosted: dict[str, Any], clock: proforum.ManualClock
) -> None:
    with proforum.open("memory://", clock=clock, video_options={"jitsi": self_hosted}) as forum:
        host = forum.register_member(real_name="김운영", job_function="marketing-pr")
        community = forum.create_community(
            host.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
        )
        starts = clock.now() + timedelta(days=2)
        meetup = forum.create_meetup(
            host.id,
            community.id,
            title="온라인 모임",
            topic="주제",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            capacity=2,
            applications_open_at=clock.now(),
            applications_close_at=clock.now() + timedelta(days=1),
        )
        assert forum.set_meeting(host.id, meetup.id, provider="jitsi").provider == "jitsi"
