"""A whole forum delivering by e-mail: pending on failure, retried, failed for good."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pluggy
import proforum_smtp
import pytest
from proforum_smtp import SmtpOptionInvalid

import proforum
from proforum.domain.identity import Member
from proforum.domain.meetup import Meetup
from proforum.domain.notification import DeliveryStatus, Message
from proforum.errors import InvalidEmail
from proforum.services.base import DeliveryReport

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)
LINK = "https://zoom.us/j/81234567890?pwd=secretpasscode"
TITLE = "퍼포먼스 마케터끼리 만나요!"


@attrs.define
class World:
    """The story's cast in one community, with one meetup to announce."""

    forum: proforum.Forum
    clock: proforum.ManualClock
    operator: Member
    host: Member
    members: list[Member]
    meetup: Meetup

    @property
    def everyone(self) -> list[Member]:
        return [self.operator, self.host, *self.members]

    def announce(self) -> None:
        """Tell every member of the community about the meetup (5 messages)."""
        self.forum.announce_meetup(self.host.id, self.meetup.id)

    def send_links(self) -> None:
        """Announce, apply, draw and send the meeting link to the selected members."""
        self.announce()
        for member in self.members:
            self.forum.apply(member.id, self.meetup.id)
        self.clock.set(self.meetup.applications_close_at + timedelta(hours=1))
        self.forum.close_applications(self.host.id, self.meetup.id)
        self.forum.draw(self.host.id, self.meetup.id)
        self.forum.set_meeting(self.host.id, self.meetup.id, options={"join_url": LINK})
        self.forum.send_meeting_links(self.host.id, self.meetup.id)


def build_world(forum: proforum.Forum, clock: proforum.ManualClock) -> World:
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    host = forum.register_member(real_name="박성과", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    forum.join_community(host.id, community.id)
    forum.assign_role(operator.id, community.id, host.id, proforum.Role.HOST)
    members = [
        forum.register_member(real_name="이지은", job_function="marketing-pr"),
        forum.register_member(nickname="퍼포먼스장인", job_function="marketing-pr"),
        forum.register_member(real_name="Jane Doe", job_function="marketing-pr", locale="en"),
    ]
    for member in members:
        forum.join_community(member.id, community.id)
    starts = T0 + timedelta(days=9, hours=9)
    meetup = forum.create_meetup(
        host.id,
        community.id,
        title=TITLE,
        topic="퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=2,
        applications_open_at=T0,
        applications_close_at=T0 + timedelta(days=6),
    )
    return World(forum, clock, operator, host, members, meetup)


OpenForum = Callable[..., World]


@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(proforum_smtp, name="smtp")
    pm.check_pending()
    return pm


@pytest.fixture
def open_forum(plugin_manager: pluggy.PluginManager, certificates: Any) -> Iterator[OpenForum]:
    """Open a memory forum whose notifier is ``smtp``, pointed at ``port``."""
    forums: list[proforum.Forum] = []

    def open_(port: int, *, security: str = "none", **options: Any) -> World:
        settings: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": port,
            "security": security,
            "sender": "리멤버 커뮤니티 <community@example.com>",
            "address_of": lambda member: f"{member.id}@members.example.com",
            "timeout": 5,
            "local_hostname": "forum.example.com",
        }
        if security != "none":
            settings["ssl_context"] = certificates.client()
        settings.update(options.pop("smtp", {}))
        clock = proforum.ManualClock(T0)
        forum = proforum.open(
            "memory://",
            plugin_manager=plugin_manager,
            clock=clock,
            notifier="smtp",
            notifier_options={"smtp": settings},
            **options,
        )
        forums.append(forum)
        return build_world(forum, clock)

    yield open_
    for forum in forums:
        forum.close()


def statuses(forum: proforum.Forum) -> list[tuple[DeliveryStatus, int, str | None]]:
    return [(m.status, m.attempts, m.last_error) for m in forum.outbox()]


def message_ids(outbox: list[Message] | Any) -> set[str]:
    return {f"<{m.id}@proforum>" for m in outbox}


def test_every_member_gets_the_announcement_by_mail(
    start_server: Callable[..., Any], open_forum: OpenForum
) -> None:
    server = start_server("starttls")
    world = open_forum(server.port, security="starttls")
    world.announce()

    outbox = world.forum.outbox()
    assert len(outbox) == 5
    assert {m.channel for m in outbox} == {"smtp"}
    assert statuses(world.forum) == [(DeliveryStatus.SENT, 1, None)] * 5
    mails = server.mailbox.messages()
    assert {str(m["Message-ID"]) for m in mails} == message_ids(outbox)
    names = {m["To"].addresses[0].display_name: m for m in mails}
    assert set(names) == {member.display_name for member in world.everyone}
    assert names["퍼포먼스장인"]["Subject"] == f"[모임 안내] {TITLE}"
    assert names["Jane Doe"]["Subject"] == f"[Meetup] {TITLE}"
    assert names["Jane Doe"]["Content-Language"] == "en"
    for delivery in server.mailbox.delivered:
        assert delivery.tls
        (address,) = delivery.rcpt_tos
        assert address.endswith("@members.example.com")
    # The e-mail replaced the in-app inbox as the channel.
    assert world.forum.inbox(world.host.id) == []


def test_meeting_links_arrive_clickable(
    start_server: Callable[..., Any], open_forum: OpenForum
) -> None:
    server = start_server("tls")
    world = open_forum(server.port, security="tls")
    world.send_links()
    links = [m for m in server.mailbox.messages() if m["X-Proforum-Kind"] == "meeting_link"]
    assert len(links) == 2  # capacity 2
    for mail in links:
        text = mail.get_body(("plain",))
        page = mail.get_body(("html",))
        assert text is not None
        assert page is not None
        assert LINK in text.get_content()
        escaped = LINK.replace("&", "&amp;")
        assert f'<a href="{escaped}">{escaped}</a>' in page.get_content()


def test_a_server_answering_451_keeps_messages_pending_until_it_recovers(
    start_server: Callable[..., Any], open_forum: OpenForum, caplog: pytest.LogCaptureFixture
) -> None:
    server = start_server("none")
    server.mailbox.mode = "tempfail"
    world = open_forum(server.port)
    with caplog.at_level(logging.DEBUG):
        world.announce()
    # The use case succeeded; the messages wait in the outbox.
    assert world.forum.meetup(world.host.id, world.meetup.id).state == "open"
    assert statuses(world.forum) == [(DeliveryStatus.PENDING, 1, "smtp.delivery_failed")] * 5
    assert server.mailbox.delivered == []
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("proforum"))
    assert "members.example.com" not in logged
    assert TITLE not in logged

    server.mailbox.mode = "accept"
    world.clock.advance(timedelta(hours=7))  # past any backoff
    assert world.forum.deliver_pending() == DeliveryReport(sent=5)
    assert statuses(world.forum) == [(DeliveryStatus.SENT, 2, None)] * 5
    assert {str(m["Message-ID"]) for m in server.mailbox.messages()} == message_ids(
        world.forum.outbox()
    )
    world.clock.advance(timedelta(hours=7))  # past any backoff
    assert world.forum.deliver_pending() == DeliveryReport()


def test_a_retry_after_a_dropped_connection_carries_the_same_message_id(
    start_server: Callable[..., Any], open_forum: OpenForum
) -> None:
    server = start_server("starttls")
    server.mailbox.mode = "hangup"
    world = open_forum(server.port, security="starttls")
    world.announce()
    assert statuses(world.forum) == [(DeliveryStatus.PENDING, 1, "smtp.delivery_failed")] * 5
    first_try = {str(d.parsed()["Message-ID"]) for d in server.mailbox.dropped}
    assert first_try == message_ids(world.forum.outbox())

    server.mailbox.mode = "accept"
    world.clock.advance(timedelta(hours=7))  # past any backoff
    assert world.forum.deliver_pending() == DeliveryReport(sent=5)
    second_try = {str(m["Message-ID"]) for m in server.mailbox.messages()}
    assert second_try == first_try  # receivers can drop the duplicates


def test_a_server_that_was_down_gets_the_messages_when_it_comes_up(
    closed_port: Any, start_server: Callable[..., Any], open_forum: OpenForum
) -> None:
    world = open_forum(closed_port.port)
    world.announce()
    assert statuses(world.forum) == [(DeliveryStatus.PENDING, 1, "smtp.delivery_failed")] * 5

    server = start_server("none", port=closed_port.release())
    world.clock.advance(timedelta(hours=7))  # past any backoff
    assert world.forum.deliver_pending() == DeliveryReport(sent=5)
    assert len(server.mailbox.delivered) == 5


def test_after_the_last_attempt_messages_are_failed_and_left_alone(
    start_server: Callable[..., Any], open_forum: OpenForum
) -> None:
    server = start_server("none")
    server.mailbox.mode = "tempfail"
    world = open_forum(server.port, max_delivery_attempts=3)
    world.announce()
    world.clock.advance(timedelta(hours=7))  # past any backoff
    assert world.forum.deliver_pending() == DeliveryReport(retrying=5)
    world.clock.advance(timedelta(hours=7))  # past any backoff
    assert world.forum.deliver_pending() == DeliveryReport(failed=5)
    assert statuses(world.forum) == [(DeliveryStatus.FAILED, 3, "smtp.delivery_failed")] * 5

    server.mailbox.mode = "accept"
    world.clock.advance(timedelta(hours=7))  # past any backoff
    assert world.forum.deliver_pending() == DeliveryReport()
    assert server.mailbox.delivered == []


def test_a_recipient_refused_for_good_is_dead_lettered_at_once(
    start_server: Callable[..., Any], open_forum: OpenForum
) -> None:
    server = start_server("none")
    server.mailbox.mode = "reject"  # 550 5.1.1 no such user
    world = open_forum(server.port, max_delivery_attempts=3)
    world.announce()
    assert (
        statuses(world.forum)
        == [(DeliveryStatus.FAILED, 1, "smtp.recipient_refused: SMTPRecipientsRefused")] * 5
    )
    assert server.mailbox.delivered == []


def test_a_member_without_an_address_ends_failed_while_the_others_get_mail(
    start_server: Callable[..., Any], open_forum: OpenForum
) -> None:
    server = start_server("none")
    unknown: set[str] = set()

    def address_of(member: Member) -> str | None:
        return None if member.id in unknown else f"{member.id}@members.example.com"

    world = open_forum(server.port, max_delivery_attempts=2, smtp={"address_of": address_of})
    nobody = world.members[0]
    unknown.add(nobody.id)
    world.announce()

    # Not skipped, not retried: dead-lettered at once, for an operator to see.
    by_recipient = {m.recipient_id: m for m in world.forum.outbox()}
    assert by_recipient[nobody.id].status is DeliveryStatus.FAILED
    assert by_recipient[nobody.id].last_error == "smtp.address_missing: rejected"
    assert len(server.mailbox.delivered) == 4

    world.clock.advance(timedelta(hours=7))  # past any backoff
    assert world.forum.deliver_pending() == DeliveryReport()
    failed = list(world.forum.dead_letters())
    assert [m.recipient_id for m in failed] == [nobody.id]
    assert len(server.mailbox.delivered) == 4


def test_manual_delivery_sends_nothing_until_the_worker_runs(
    start_server: Callable[..., Any], open_forum: OpenForum
) -> None:
    server = start_server("none")
    world = open_forum(server.port, deliver="manual")
    world.announce()
    assert server.mailbox.delivered == []
    world.clock.advance(timedelta(hours=7))  # past any backoff
    assert world.forum.deliver_pending() == DeliveryReport(sent=5)
    assert len(server.mailbox.delivered) == 5


def test_bad_options_stop_the_forum_from_opening(plugin_manager: pluggy.PluginManager) -> None:
    with pytest.raises(SmtpOptionInvalid) as caught:
        proforum.open(
            "memory://",
            plugin_manager=plugin_manager,
            notifier="smtp",
            notifier_options={"smtp": {"host": "smtp.example.com", "sender": "not an address"}},
        )
    assert caught.value.params["option"] == "sender"


def test_without_address_of_mail_goes_to_the_address_members_set(
    start_server: Callable[..., Any], open_forum: OpenForum
) -> None:
    """The default: Member.email, checked when the member set it, not at delivery."""
    server = start_server("none")
    world = open_forum(server.port, smtp={"address_of": None}, deliver="manual")
    forum = world.forum
    forum.set_email(world.members[0].id, "jieun@example.co.kr")
    forum.set_email(world.members[2].id, "jane@example.com")
    with pytest.raises(InvalidEmail):
        forum.set_email(world.members[1].id, "퍼포먼스@example.com")
    world.announce()
    world.clock.advance(timedelta(hours=7))
    report = forum.deliver_pending()
    # Two members have an address; the other three are refused for good, not retried.
    assert report == DeliveryReport(sent=2, failed=3)
    assert sorted(to for d in server.mailbox.delivered for to in d.rcpt_tos) == [
        "jane@example.com",
        "jieun@example.co.kr",
    ]


def test_a_forum_that_does_not_use_mail_opens_without_smtp_options(
    plugin_manager: pluggy.PluginManager,
) -> None:
    with proforum.open("memory://", plugin_manager=plugin_manager) as forum:
        member = forum.register_member(real_name="김운영", job_function="marketing-pr")
        assert forum.inbox(member.id) == []


def test_choosing_smtp_without_options_keeps_messages_visible_as_failed(
    plugin_manager: pluggy.PluginManager,
) -> None:
    clock = proforum.ManualClock(T0)
    with proforum.open(
        "memory://",
        plugin_manager=plugin_manager,
        clock=clock,
        notifier="smtp",
        max_delivery_attempts=1,
    ) as forum:
        world = build_world(forum, clock)
        world.announce()
        assert statuses(forum) == [(DeliveryStatus.FAILED, 1, "smtp.not_configured")] * 5


def test_a_verification_code_goes_to_the_company_address_only(
    start_server: Callable[..., Any], open_forum: OpenForum
) -> None:
    """The code reaches the address it names, not ``address_of``, and leaves the outbox."""
    server = start_server("starttls")
    world = open_forum(server.port, security="starttls")
    member = world.members[0]
    sent = world.forum.start_employer_verification(
        member.id, company="리멤버앤컴퍼니", email="jieun.lee@remember-corp.co.kr"
    )
    assert sent.domain == "remember-corp.co.kr"
    (delivery,) = server.mailbox.delivered
    assert delivery.rcpt_tos == ["jieun.lee@remember-corp.co.kr"]
    (mail,) = server.mailbox.messages()
    assert mail["To"].addresses[0].addr_spec == "jieun.lee@remember-corp.co.kr"
    assert mail["X-Proforum-Kind"] == "verification_code"
    body = mail.get_body(("plain",))
    assert body is not None
    code = next(word for word in body.get_content().split() if word.isdigit() and len(word) == 6)
    assert code not in str(mail["Subject"])
    # Delivered: the outbox keeps neither the code nor the address.
    (message,) = world.forum.outbox()
    assert message.status is DeliveryStatus.SENT
    assert set(message.params) == {"expires_at"}
    verified = world.forum.confirm_employer_verification(member.id, code)
    assert (verified.company, verified.domain) == ("리멤버앤컴퍼니", "remember-corp.co.kr")
