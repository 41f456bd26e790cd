"""The installed distribution is found through its entry point, with nothing else to set up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from importlib.metadata import entry_points
from typing import Any
from zoneinfo import ZoneInfo

import proforum_smtp
from proforum_smtp import SmtpNotifierFactory

import proforum
from proforum.domain.identity import Member
from proforum.domain.meetup import Meetup
from proforum.domain.notification import DeliveryStatus

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Seoul"))


def test_the_entry_point_is_declared() -> None:
    (point,) = [ep for ep in entry_points(group="proforum") if ep.name == "smtp"]
    assert point.value == "proforum_smtp"
    assert point.dist is not None
    assert point.dist.name == "proforum-smtp"
    assert point.load() is proforum_smtp


def test_the_default_plugin_manager_loads_it() -> None:
    pm = proforum.get_plugin_manager()
    assert pm.get_plugin("smtp") is proforum_smtp
    assert "smtp" in dict(pm.list_name_plugin())
    factories = [f for batch in pm.hook.proforum_register_notifiers() for f in batch]
    assert {f.name for f in factories} >= {"inbox", "smtp"}
    assert [f for f in factories if isinstance(f, SmtpNotifierFactory)] == [SmtpNotifierFactory()]


def test_built_in_only_managers_do_not_load_it() -> None:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    assert pm.get_plugin("smtp") is None


def test_installed_forums_still_open_without_smtp_settings() -> None:
    # proforum builds every installed notifier for every forum (the smtp one
    # included, unconfigured): opening must not fail, and the inbox stays default.
    with proforum.open("memory://", clock=proforum.ManualClock(T0)) as forum:
        operator, _ = announce(forum)
        assert [m.channel for m in forum.outbox()] == ["inbox"]
        assert len(forum.inbox(operator.id)) == 1


def test_a_forum_opened_by_name_alone_sends_mail(
    start_server: Callable[..., Any], certificates: Any
) -> None:
    server = start_server("starttls")
    with proforum.open(
        "memory://",
        clock=proforum.ManualClock(T0),
        notifier="smtp",
        notifier_options={"smtp": server.options(certificates)},
    ) as forum:
        _, meetup = announce(forum)
        (message,) = forum.outbox()
        assert (message.channel, message.status) == ("smtp", DeliveryStatus.SENT)
    (mail,) = server.mailbox.messages()
    assert mail["Message-ID"] == f"<{message.id}@proforum>"
    assert mail["Subject"] == f"[모임 안내] {meetup.title}"


def announce(forum: proforum.Forum) -> tuple[Member, Meetup]:
    """An operator announces a meetup in a community of one: one message."""
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    starts = T0 + timedelta(days=9, hours=9)
    meetup = forum.create_meetup(
        operator.id,
        community.id,
        title="퍼포먼스 마케터끼리 만나요!",
        topic="퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=20,
        applications_open_at=T0,
        applications_close_at=T0 + timedelta(days=6),
    )
    return operator, forum.announce_meetup(operator.id, meetup.id)
