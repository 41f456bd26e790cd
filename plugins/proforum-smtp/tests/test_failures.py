"""Every way delivery can fail raises, safely: nothing secret in the error or the log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from proforum_smtp import (
    EmailAddressInvalid,
    EmailAddressMissing,
    SmtpDeliveryFailed,
    SmtpError,
    SmtpNotConfigured,
    SmtpNotifier,
)

from proforum.errors import PluginError
from proforum.ports.notifier import RenderedMessage
from proforum.testing.contracts import sample_member, sample_message

Make = Callable[[dict[str, Any]], SmtpNotifier]
LINK = "https://zoom.us/j/81234567890?pwd=secretpasscode"
RENDERED = RenderedMessage("ko", "[참가 링크] 모임", f"아래 링크로 입장해 주세요.\n{LINK}")
SECRETS = (LINK, "secretpasscode", "81234567890", "입장해 주세요", "mem_0001@members.example.com")


def check_safe(error: BaseException, caplog: pytest.LogCaptureFixture, *extra: str) -> None:
    """Neither the error nor anything logged shows the text, the link, an address or a secret."""
    assert error.__context__ is None
    assert error.__cause__ is None
    assert isinstance(error, SmtpError)
    assert isinstance(error, PluginError)
    # Only proforum's and the plugin's own records: the test server logs the dialogue.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("proforum"))
    shown = [str(error), repr(error), repr(error.args), repr(dict(error.params)), logged]
    shown += [error.message_ko, error.message_en]
    for text in shown:
        for secret in (*SECRETS, *extra):
            assert secret not in text


def deliver(notifier: SmtpNotifier, caplog: pytest.LogCaptureFixture) -> SmtpDeliveryFailed:
    with caplog.at_level(logging.DEBUG), pytest.raises(SmtpDeliveryFailed) as caught:
        notifier.deliver(sample_message(1), sample_member(1), RENDERED)
    check_safe(caught.value, caplog)
    assert caught.value.params["message_id"] == "msg_0001"
    return caught.value


def test_nothing_listening(
    closed_port: Any, certificates: Any, make_notifier: Make, caplog: pytest.LogCaptureFixture
) -> None:
    options = {
        "host": "127.0.0.1",
        "port": closed_port.port,
        "security": "none",
        "sender": "community@example.com",
        "address_of": lambda m: "mem_0001@members.example.com",
    }
    error = deliver(make_notifier(options), caplog)
    assert error.params == {
        "message_id": "msg_0001",
        "stage": "connect",
        "reason": "ConnectionRefusedError",
        "reply_code": "-",
    }
    assert not error.permanent
    assert "ConnectionRefusedError" in error.message_en
    assert "connect" in error.message_ko


def raw_options(port: int, **overrides: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "리멤버 커뮤니티 <community@example.com>",
        "address_of": lambda m: "mem_0001@members.example.com",
        **overrides,
    }


def test_a_server_that_hangs_up_at_once(
    raw_server: Callable[[str], Any], make_notifier: Make, caplog: pytest.LogCaptureFixture
) -> None:
    server = raw_server("hangup")
    error = deliver(make_notifier(raw_options(server.port)), caplog)
    assert (error.params["stage"], error.params["reason"]) == ("connect", "SMTPServerDisconnected")
    assert server.connections == 1


def test_a_server_that_never_answers_times_out_and_is_hung_up_on(
    raw_server: Callable[[str], Any], make_notifier: Make, caplog: pytest.LogCaptureFixture
) -> None:
    server = raw_server("silent")
    started = time.monotonic()
    error = deliver(make_notifier(raw_options(server.port, timeout=0.3)), caplog)
    assert time.monotonic() - started < 3
    assert (error.params["stage"], error.params["reason"]) == ("connect", "TimeoutError")
    assert server.wait_closed_by_client()  # the socket was closed, not leaked


def test_a_server_that_hangs_up_mid_transaction(
    start_server: Callable[..., Any],
    certificates: Any,
    make_notifier: Make,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = start_server("starttls")
    server.mailbox.mode = "hangup"
    error = deliver(make_notifier(server.options(certificates)), caplog)
    assert (error.params["stage"], error.params["reason"]) == ("send", "SMTPServerDisconnected")
    # The mail went over the wire before the server hung up: the receiver may
    # have it, which is why a retry must carry the same Message-ID.
    (dropped,) = server.mailbox.dropped
    assert dropped.parsed()["Message-ID"] == "<msg_0001@proforum>"
    assert server.mailbox.delivered == []


@pytest.mark.parametrize(
    ("mode", "reason", "reply", "permanent"),
    [
        ("tempfail", "SMTPDataError", 451, False),
        ("reject", "SMTPRecipientsRefused", 550, True),
    ],
)
def test_a_server_that_says_no(
    start_server: Callable[..., Any],
    certificates: Any,
    make_notifier: Make,
    caplog: pytest.LogCaptureFixture,
    mode: str,
    reason: str,
    reply: int,
    permanent: bool,
) -> None:
    server = start_server("tls", auth=True)
    server.mailbox.mode = mode
    notifier = make_notifier(
        server.options(certificates, username=server.USERNAME, password=server.PASSWORD)
    )
    error = deliver(notifier, caplog)
    check_safe(error, caplog, server.PASSWORD, "no such user", "try again later")
    assert error.params["stage"] == "send"
    assert error.params["reason"] == reason
    assert error.params["reply_code"] == reply
    assert error.permanent is permanent
    assert server.mailbox.delivered == []


def test_the_next_attempt_succeeds_once_the_server_does(
    start_server: Callable[..., Any],
    certificates: Any,
    make_notifier: Make,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = start_server("none")
    notifier = make_notifier(server.options(certificates))
    server.mailbox.mode = "tempfail"
    deliver(notifier, caplog)
    server.mailbox.mode = "accept"
    notifier.deliver(sample_message(1), sample_member(1), RENDERED)
    assert [mid for mid, _ in server.mailbox.received()] == ["msg_0001"]


def test_a_member_without_an_address_is_not_skipped_silently(
    closed_port: Any, make_notifier: Make, caplog: pytest.LogCaptureFixture
) -> None:
    # The server is unreachable: reaching it would raise SmtpDeliveryFailed instead.
    notifier = make_notifier(raw_options(closed_port.port, address_of=lambda m: None))
    with caplog.at_level(logging.DEBUG), pytest.raises(EmailAddressMissing) as caught:
        notifier.deliver(sample_message(1), sample_member(1), RENDERED)
    check_safe(caught.value, caplog)
    assert dict(caught.value.params) == {
        "member_id": "mem_0001",
        "message_id": "msg_0001",
        "reason": "rejected",
    }
    assert "mem_0001" in caught.value.message_ko


@pytest.mark.parametrize(
    "address",
    [
        "",
        "kim",
        "kim@",
        "@example.com",
        "kim@@example.com",
        "kim@example..com",
        "kim lee@example.com",
        "김@example.com",
        "kim@예시.kr",
        "Kim <kim@example.com>",
        "kim@example.com\r\nBcc: victim@example.com",
        "kim@example.com, lee@example.com",
        "x" * 65 + "@example.com",
        "kim@" + "a" * 250 + ".com",
        42,
        b"kim@example.com",
    ],
)
def test_a_malformed_address_is_refused(
    closed_port: Any, make_notifier: Make, address: object
) -> None:
    notifier = make_notifier(raw_options(closed_port.port, address_of=lambda m: address))
    with pytest.raises(EmailAddressInvalid) as caught:
        notifier.deliver(sample_message(1), sample_member(1), RENDERED)
    if isinstance(address, str) and "kim" in address:
        assert address not in str(caught.value)


def test_an_error_in_address_of_reaches_the_relay_as_is(
    closed_port: Any, make_notifier: Make
) -> None:
    def directory_down(member: Any) -> str:
        raise LookupError("directory unavailable")

    notifier = make_notifier(raw_options(closed_port.port, address_of=directory_down))
    with pytest.raises(LookupError):
        notifier.deliver(sample_message(1), sample_member(1), RENDERED)


def test_an_unconfigured_notifier_refuses_to_deliver(make_notifier: Make) -> None:
    notifier = make_notifier({})
    assert notifier.settings is None
    assert notifier.name == "smtp"
    with pytest.raises(SmtpNotConfigured) as caught:
        notifier.deliver(sample_message(1), sample_member(1), RENDERED)
    assert "notifier_options" in caught.value.message_en


def test_notifiers_are_immutable(make_notifier: Make) -> None:
    notifier = make_notifier({})
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        notifier.settings = None  # type: ignore[misc]
