"""Channels and preferences: every channel gets a copy unless the member switched it off.

A forum here delivers through two channels: the built-in ``inbox`` and an
``email`` notifier that records what it is handed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import proforum
from forum_world import T0, World, assert_unchanged, build_world
from proforum import ManualClock, SeededIds, hookimpl
from proforum.domain.notification import MessageKind
from proforum.domain.preferences import MANDATORY_KINDS
from proforum.errors import (
    InvalidEmail,
    InvalidInput,
    InvalidPreference,
    PreferenceLocked,
    UnknownAdapter,
)
from proforum.ports.context import AdapterContext
from proforum.testing.fakes import RecordingNotifier
from sql_support import sqlite_url


class EmailRecorder(RecordingNotifier):
    """Stands in for an e-mail notifier: records, under the channel name ``email``."""

    name = "email"


class _EmailFactory:
    name = "email"

    def __init__(self, recorder: EmailRecorder) -> None:
        self.recorder = recorder

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> EmailRecorder:
        return self.recorder


class _EmailPlugin:
    def __init__(self, recorder: EmailRecorder) -> None:
        self.recorder = recorder

    @hookimpl
    def proforum_register_notifiers(self) -> list[_EmailFactory]:
        return [_EmailFactory(self.recorder)]


def _open(url: str, recorder: EmailRecorder, **options: Any) -> proforum.Forum:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(_EmailPlugin(recorder))
    return proforum.open(
        url,
        clock=ManualClock(T0),
        ids=SeededIds("channels"),
        plugin_manager=pm,
        notifier=("inbox", "email"),
        **options,
    )


def _cast(forum: proforum.Forum, members: int) -> World:
    clock = forum.clock
    assert isinstance(clock, ManualClock)
    return build_world(forum, clock, members=members)


@pytest.fixture
def email() -> EmailRecorder:
    return EmailRecorder()


@pytest.fixture
def two_channels(email: EmailRecorder) -> Iterator[World]:
    forum = _open("memory://", email)
    yield _cast(forum, 4)
    forum.close()


def test_every_channel_gets_a_copy_by_default(two_channels: World, email: EmailRecorder) -> None:
    world = two_channels
    world.open_meetup()
    everyone = [world.operator, world.host, *world.members]
    for member in everyone:
        assert email.kinds(member.id) == [MessageKind.MEETUP_ANNOUNCED]
        assert [e.item.kind for e in world.forum.inbox(member.id)] == ["meetup_announced"]
    # One message per channel, each with its own id (its own idempotency key).
    announced = [m for m in world.forum.outbox() if m.kind is MessageKind.MEETUP_ANNOUNCED]
    assert sorted(m.channel for m in announced) == sorted(["email", "inbox"] * len(everyone))
    assert len({m.id for m in announced}) == len(announced)


def test_a_member_switches_a_kind_off_on_one_channel(
    two_channels: World, email: EmailRecorder
) -> None:
    world = two_channels
    quiet, other = world.members[0], world.members[1]
    world.forum.set_notification_preference(
        quiet.id, channel="email", kind="meetup_announced", enabled=False
    )
    world.open_meetup()
    assert email.kinds(quiet.id) == []
    assert [e.item.kind for e in world.forum.inbox(quiet.id)] == ["meetup_announced"]
    assert email.kinds(other.id) == [MessageKind.MEETUP_ANNOUNCED]
    settings = world.forum.notification_preferences(quiet.id)
    assert settings.channels == ("inbox", "email")
    assert not settings.enabled("email", "meetup_announced")
    assert settings.enabled("inbox", "meetup_announced")
    assert settings.enabled("email", MessageKind.REMINDER)
    assert len(settings.preferences) == 2 * len(MessageKind)
    # And back on.
    world.forum.set_notification_preference(
        quiet.id, channel="email", kind="meetup_announced", enabled=True
    )
    assert world.forum.notification_preferences(quiet.id).enabled("email", "meetup_announced")


def test_what_a_member_must_get_arrives_whatever_they_chose(
    two_channels: World, email: EmailRecorder
) -> None:
    world = two_channels
    member = world.members[0]
    for kind in MessageKind:
        if kind not in MANDATORY_KINDS:
            world.forum.set_notification_preference(
                member.id, channel="email", kind=kind, enabled=False
            )
    meetup = world.drawn_meetup(capacity=4)
    world.forum.cancel_meetup(world.host.id, meetup.id)
    kinds = email.kinds(member.id)
    assert MessageKind.SELECTED in kinds
    assert MessageKind.MEETUP_CANCELLED in kinds
    assert MessageKind.MEETUP_ANNOUNCED not in kinds
    assert MessageKind.APPLICATION_RECEIVED not in kinds


@pytest.mark.parametrize("kind", sorted(MANDATORY_KINDS))
def test_switching_off_a_mandatory_kind_is_refused_and_stores_nothing(
    two_channels: World, kind: MessageKind
) -> None:
    world = two_channels
    member = world.members[0]
    error = assert_unchanged(
        world.forum,
        lambda: world.forum.set_notification_preference(
            member.id, channel="email", kind=kind, enabled=False
        ),
        PreferenceLocked,
    )
    assert error.params["kind"] == kind.value


@pytest.mark.parametrize(
    ("channel", "kind", "enabled", "field"),
    [
        ("sms", "meetup_announced", False, "channel"),
        ("email", "weekly_digest", False, "kind"),
        ("email", "meetup_announced", "no", "enabled"),
        ("email", "meetup_announced", 0, "enabled"),
    ],
)
def test_a_bad_preference_is_refused_and_changes_nothing(
    two_channels: World, channel: str, kind: str, enabled: object, field: str
) -> None:
    world = two_channels
    error = assert_unchanged(
        world.forum,
        lambda: world.forum.set_notification_preference(
            world.members[0].id,
            channel=channel,
            kind=kind,
            enabled=enabled,  # type: ignore[arg-type]
        ),
        InvalidPreference,
    )
    assert error.params["field"] == field


def test_an_email_address_is_checked_when_it_is_set(two_channels: World) -> None:
    world = two_channels
    member = world.members[0]
    for bad in ("kim", "kim@localhost", "김@example.com", "kim min@example.com"):
        assert_unchanged(
            world.forum, lambda bad=bad: world.forum.set_email(member.id, bad), InvalidEmail
        )
    changed = world.forum.set_email(member.id, "kim@example.co.kr")
    assert changed.email == "kim@example.co.kr"
    assert "kim@example.co.kr" not in repr(changed)
    assert world.forum.member(member.id).email == "kim@example.co.kr"
    assert world.forum.set_email(member.id, None).email is None
    before = world.forum.export_data()
    with pytest.raises(InvalidEmail):
        world.forum.register_member(nickname="새회원", job_function="marketing-pr", email="x@y")
    assert world.forum.export_data() == before


def test_opening_with_an_unknown_or_repeated_channel_fails(email: EmailRecorder) -> None:
    with pytest.raises(UnknownAdapter):
        _open_bad(email, ("inbox", "sms"))
    with pytest.raises(InvalidInput):
        _open_bad(email, ("inbox", "inbox"))


def _open_bad(recorder: EmailRecorder, channels: tuple[str, ...]) -> None:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(_EmailPlugin(recorder))
    proforum.open("memory://", plugin_manager=pm, notifier=channels).close()


# --------------------------------------------------------------------------- fan-out


def _statements(engine: sa.Engine) -> list[str]:
    seen: list[str] = []
    sa.event.listen(
        engine, "before_cursor_execute", lambda *args: seen.append(str(args[2])), named=False
    )
    return seen


@pytest.mark.parametrize("size", [30, 600])
def test_announcing_to_a_community_is_a_constant_number_of_statements(
    tmp_path: Path, email: EmailRecorder, size: int
) -> None:
    forum = _open(sqlite_url(tmp_path / "forum.db"), email, deliver="manual")
    world = _cast(forum, size)
    world.forum.set_notification_preference(
        world.members[0].id, channel="email", kind="meetup_announced", enabled=False
    )
    meetup = world.meetup()
    engine = forum.storage.engine  # type: ignore[attr-defined]
    seen = _statements(engine)
    forum.announce_meetup(world.host.id, meetup.id)
    inserts = [s for s in seen if s.lstrip().upper().startswith("INSERT INTO MESSAGES")]
    preference_reads = [s for s in seen if "notification_preferences" in s]
    assert len(inserts) == 1, inserts  # one executemany, not one INSERT per member
    assert len(preference_reads) == 1
    assert len(seen) <= 12, seen  # the same whatever the community's size
    announced = [m for m in forum.outbox() if m.kind is MessageKind.MEETUP_ANNOUNCED]
    assert len(announced) == 2 * (size + 2) - 1
    forum.close()
