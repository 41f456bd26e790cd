"""TLS (STARTTLS and implicit), certificate checks and AUTH against real servers."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from typing import Any

import pytest
from proforum_smtp import SmtpDeliveryFailed, SmtpNotifier

from proforum.domain.common import Secret
from proforum.testing.contracts import sample_member, sample_message, sample_rendered

Make = Callable[[dict[str, Any]], SmtpNotifier]


def send_one(notifier: SmtpNotifier) -> None:
    notifier.deliver(sample_message(1), sample_member(1), sample_rendered())


def failure(notifier: SmtpNotifier) -> SmtpDeliveryFailed:
    with pytest.raises(SmtpDeliveryFailed) as caught:
        send_one(notifier)
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None
    return caught.value


@pytest.mark.parametrize(
    ("security", "encrypted"), [("none", False), ("starttls", True), ("tls", True)]
)
def test_each_security_mode_delivers_encrypted_or_not(
    start_server: Callable[..., Any],
    certificates: Any,
    make_notifier: Make,
    security: str,
    encrypted: bool,
) -> None:
    server = start_server(security)
    send_one(make_notifier(server.options(certificates)))
    (delivery,) = server.mailbox.delivered
    assert delivery.tls is encrypted
    assert server.mailbox.quits == 1  # the connection is closed politely after a success


@pytest.mark.parametrize("security", ["starttls", "tls"])
@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_login_over_tls(
    start_server: Callable[..., Any],
    certificates: Any,
    make_notifier: Make,
    security: str,
    mechanism: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    other = {"LOGIN": "PLAIN", "PLAIN": "LOGIN"}[mechanism]
    server = start_server(security, auth=True, exclude=(other,))
    notifier = make_notifier(
        server.options(certificates, username=server.USERNAME, password=server.PASSWORD)
    )
    with caplog.at_level(logging.DEBUG):
        send_one(notifier)
    assert server.mailbox.logins == [(mechanism, "community")]
    assert [d.tls for d in server.mailbox.delivered] == [True]
    assert server.PASSWORD not in repr(notifier)
    assert server.PASSWORD not in repr(notifier.settings)
    assert server.PASSWORD not in caplog.text


def test_a_password_can_be_given_as_a_secret(
    start_server: Callable[..., Any], certificates: Any, make_notifier: Make
) -> None:
    server = start_server("starttls", auth=True)
    password = Secret(server.PASSWORD)
    send_one(make_notifier(server.options(certificates, username="community", password=password)))
    assert [login for _, login in server.mailbox.logins] == ["community"]


def test_a_server_that_requires_login_refuses_an_anonymous_sender(
    start_server: Callable[..., Any], certificates: Any, make_notifier: Make
) -> None:
    server = start_server("starttls", auth=True)
    error = failure(make_notifier(server.options(certificates)))
    assert error.params["stage"] == "send"
    assert error.params["reply_code"] == 530
    assert server.mailbox.delivered == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_wrong_password_fails_without_showing_it(
    start_server: Callable[..., Any],
    certificates: Any,
    make_notifier: Make,
    security: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = start_server(security, auth=True)
    wrong = "wr0ng-Pa55-9e2c"
    notifier = make_notifier(server.options(certificates, username="community", password=wrong))
    with caplog.at_level(logging.DEBUG):
        error = failure(notifier)
    assert error.params["stage"] == "login"
    assert error.params["reason"] == "SMTPAuthenticationError"
    assert error.params["reply_code"] == 535
    assert error.permanent
    for shown in (str(error), repr(error), repr(error.args), repr(dict(error.params)), caplog.text):
        assert wrong not in shown
        assert "zoom.us" not in shown
    assert wrong not in repr(notifier)
    assert server.mailbox.delivered == []


def test_starttls_is_never_skipped(
    start_server: Callable[..., Any], certificates: Any, make_notifier: Make
) -> None:
    server = start_server("none")  # offers no STARTTLS
    options = server.options(certificates, security="starttls", ssl_context=certificates.client())
    error = failure(make_notifier(options))
    assert (error.params["stage"], error.params["reason"]) == ("starttls", "SMTPNotSupportedError")
    assert server.mailbox.delivered == []


@pytest.mark.parametrize(("security", "stage"), [("starttls", "starttls"), ("tls", "connect")])
def test_an_untrusted_certificate_is_refused(
    start_server: Callable[..., Any],
    certificates: Any,
    make_notifier: Make,
    security: str,
    stage: str,
) -> None:
    server = start_server(security)
    options = server.options(certificates)
    del options["ssl_context"]  # the system's CAs do not know the test CA
    error = failure(make_notifier(options))
    assert (error.params["stage"], error.params["reason"]) == (stage, "SSLCertVerificationError")
    assert server.mailbox.delivered == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_for_another_host_is_refused(
    start_server: Callable[..., Any], certificates: Any, make_notifier: Make, security: str
) -> None:
    other = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificates.ca.issue_cert("mail.example.test").configure_cert(other)
    server = start_server(security, server_context=other)
    error = failure(make_notifier(server.options(certificates)))  # trusts the CA
    assert error.params["reason"] == "SSLCertVerificationError"
    assert server.mailbox.delivered == []
