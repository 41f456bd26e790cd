"""What the e-mail looks like once it went through a real SMTP server and was parsed back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.headerregistry import Address
from email.utils import parsedate_to_datetime
from typing import Any

import attrs
import pytest
from proforum_smtp import ID_HEADER, SmtpNotifier, message_id
from proforum_smtp.compose import compose, html_body, linkify

from proforum.domain.common import MemberId, MessageId
from proforum.domain.identity import Member, Nickname
from proforum.domain.notification import Message, MessageKind
from proforum.ports.notifier import RenderedMessage
from proforum.testing.contracts import sample_member, sample_message, sample_rendered

SUBJECT = (
    "[참가 링크] 리멤버에서 퍼포먼스 마케터끼리 만나요! — 퍼포먼스 마케팅, 나는 이렇게 망해봤다!"
)
BODY = (
    "2026년 12월 10일 (목) 오후 7시에 아래 링크로 입장해 주세요.\n"
    "https://zoom.us/j/81234567890?pwd=abc&x=1.\n"
    '<script>alert("x")</script> & 링크는 본인만 사용해 주세요.'
)


@pytest.fixture
def plain(
    start_server: Callable[..., Any],
    certificates: Any,
    make_notifier: Callable[[dict[str, Any]], SmtpNotifier],
) -> tuple[Any, SmtpNotifier]:
    server = start_server("none")
    return server, make_notifier(server.options(certificates))


def nickname_member() -> Member:
    return attrs.evolve(sample_member(2), identity=Nickname.parse("퍼포먼스장인"))


def test_korean_subject_and_names_survive_the_round_trip(plain: tuple[Any, SmtpNotifier]) -> None:
    server, notifier = plain
    member = sample_member(1)
    notifier.deliver(sample_message(1), member, RenderedMessage("ko", SUBJECT, BODY))

    (delivery,) = server.mailbox.delivered
    mail = delivery.parsed()
    assert mail["Subject"] == SUBJECT
    (sender,) = mail["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("리멤버 커뮤니티", "community@example.com")
    (to,) = mail["To"].addresses
    assert to.display_name == member.display_name == "회원1"
    assert to.addr_spec == "mem_0001@members.example.com"
    # The envelope matches the headers.
    assert delivery.mail_from == "community@example.com"
    assert delivery.rcpt_tos == ["mem_0001@members.example.com"]
    # Every header line is ASCII: non-ASCII text went out RFC 2047-encoded.
    head = delivery.data.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    assert "리멤버".encode() not in delivery.data


def test_nickname_members_are_addressed_by_their_nickname(
    plain: tuple[Any, SmtpNotifier],
) -> None:
    server, notifier = plain
    notifier.deliver(sample_message(1), nickname_member(), sample_rendered())
    (mail,) = server.mailbox.messages()
    assert mail["To"].addresses[0].display_name == "퍼포먼스장인"


def test_text_and_html_parts_are_both_there(plain: tuple[Any, SmtpNotifier]) -> None:
    server, notifier = plain
    notifier.deliver(sample_message(1), sample_member(1), RenderedMessage("ko", SUBJECT, BODY))

    (mail,) = server.mailbox.messages()
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",))
    page = mail.get_body(("html",))
    assert text is not None
    assert page is not None
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert text.get_content_charset() == page.get_content_charset() == "utf-8"
    assert text.get_content().rstrip("\n") == BODY
    html = page.get_content()
    # Escaped, never live.
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 링크는" in html
    # The link is clickable; the full stop after it is not part of it.
    url = "https://zoom.us/j/81234567890?pwd=abc&amp;x=1"
    assert f'<a href="{url}">{url}</a>.<br>' in html
    assert '<html lang="ko">' in html
    assert f"<title>{SUBJECT}</title>" in html


def test_headers_carry_the_stable_id_and_say_the_mail_is_automatic(
    plain: tuple[Any, SmtpNotifier],
) -> None:
    server, notifier = plain
    message = sample_message(7)
    notifier.deliver(message, sample_member(1), sample_rendered())

    (mail,) = server.mailbox.messages()
    assert mail["Message-ID"] == "<msg_0007@proforum>"
    assert mail[ID_HEADER] == "msg_0007"
    assert mail["X-Proforum-Kind"] == "meeting_link"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert mail["Content-Language"] == "ko"
    date = parsedate_to_datetime(str(mail["Date"]))
    assert date == message.created_at
    assert date.utcoffset() is not None
    assert str(date.utcoffset()) == "9:00:00"  # shown in the member's time zone


def test_english_members_get_english_markup(plain: tuple[Any, SmtpNotifier]) -> None:
    server, notifier = plain
    member = sample_member(3)
    assert member.locale == "en"
    notifier.deliver(sample_message(1), member, RenderedMessage("en", "[Your link] Meetup", "Hi"))
    (mail,) = server.mailbox.messages()
    assert mail["Content-Language"] == "en"
    assert mail["Subject"] == "[Your link] Meetup"
    page = mail.get_body(("html",))
    assert page is not None
    assert '<html lang="en">' in page.get_content()


def test_a_line_break_in_a_subject_cannot_add_a_header(plain: tuple[Any, SmtpNotifier]) -> None:
    server, notifier = plain
    rendered = RenderedMessage("ko", "모임\r\nBcc: victim@example.com", "본문")
    notifier.deliver(sample_message(1), sample_member(1), rendered)
    (delivery,) = server.mailbox.delivered
    mail = delivery.parsed()
    assert mail["Bcc"] is None
    assert mail["Subject"] == "모임 Bcc: victim@example.com"
    assert delivery.rcpt_tos == ["mem_0001@members.example.com"]


def test_a_retry_builds_the_same_bytes() -> None:
    sender = Address("리멤버 커뮤니티", "community", "example.com")
    to = Address("", "kim", "example.com")
    first = compose(sample_message(1), sample_member(1), sample_rendered(), sender=sender, to=to)
    again = compose(sample_message(1), sample_member(1), sample_rendered(), sender=sender, to=to)
    assert first.as_bytes() == again.as_bytes()
    other = compose(sample_message(2), sample_member(1), sample_rendered(), sender=sender, to=to)
    assert other["Message-ID"] != first["Message-ID"]
    assert other.get_boundary() != first.get_boundary()


@pytest.mark.parametrize(
    ("proforum_id", "expected"),
    [
        ("msg_0123456789abcdef0123456789abcdef", "<msg_0123456789abcdef0123456789abcdef@proforum>"),
        ("msg.1-2_3", "<msg.1-2_3@proforum>"),
    ],
)
def test_message_ids_are_used_as_they_are(proforum_id: str, expected: str) -> None:
    assert message_id(proforum_id) == expected


@pytest.mark.parametrize("odd", ["msg 1", "msg<1>", "메시지1", "msg..1", ".msg", "a@b", ""])
def test_odd_message_ids_are_hashed_into_a_valid_message_id(odd: str) -> None:
    value = message_id(odd)
    assert value.startswith("<sha256.")
    assert value.endswith("@proforum>")
    assert value == message_id(odd)
    assert value.isascii()
    assert " " not in value


def test_an_odd_id_still_reaches_the_receiver(plain: tuple[Any, SmtpNotifier]) -> None:
    server, notifier = plain
    message = Message(
        id=MessageId("msg 42"),
        recipient_id=MemberId("mem_0001"),
        kind=MessageKind.REMINDER,
        channel="smtp",
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    notifier.deliver(message, sample_member(1), sample_rendered())
    assert server.mailbox.received()[0][0] == "msg 42"


@pytest.mark.parametrize(
    ("line", "html"),
    [
        ("no link", "no link"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        (
            "(https://example.com/a_(b))",
            '(<a href="https://example.com/a_(b)">https://example.com/a_(b)</a>)',
        ),
        (
            "https://example.com/x에서 만나요",
            '<a href="https://example.com/x">https://example.com/x</a>에서 만나요',
        ),
        (
            'see "https://a.example/?q=1&r=2", then',
            'see &quot;<a href="https://a.example/?q=1&amp;r=2">https://a.example/?q=1&amp;r=2</a>&quot;, then',
        ),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("ftp://example.com/file", "ftp://example.com/file"),
        ("https:// nothing", "https:// nothing"),
        (
            "http://a.example/'onmouseover='x'",
            '<a href="http://a.example/">http://a.example/</a>&#x27;onmouseover=&#x27;x&#x27;',
        ),
    ],
)
def test_links_and_escaping(line: str, html: str) -> None:
    assert linkify(line) == html


def test_html_attributes_cannot_be_broken_out_of() -> None:
    page = html_body(RenderedMessage("ko", "t", 'http://a.example/"><img src=x onerror=alert(1)>'))
    assert "<img" not in page
    assert 'href="http://a.example/"' in page
