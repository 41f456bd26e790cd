"""One notifier against a real receiver: the request on the wire, and every way it can fail."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from proforum_webhook import (
    WebhookDeliveryFailed,
    WebhookNotifier,
    verify_signature,
)
from proforum_webhook.notifier import retry_after_seconds

import proforum
from proforum.errors import DeliveryRejected
from proforum.ports.notifier import RenderedMessage
from proforum.testing.contracts import sample_member, sample_message, sample_rendered

if TYPE_CHECKING:
    from conftest import Certificates, MakeNotifier, Receiver, ReservedPort, StartReceiver

TITLE = "퍼포먼스 마케터끼리 만나요!"


def send(notifier: WebhookNotifier, n: int = 1) -> None:
    notifier.deliver(sample_message(n), sample_member(1), sample_rendered())


def failure(notifier: WebhookNotifier, n: int = 1) -> WebhookDeliveryFailed:
    with pytest.raises(WebhookDeliveryFailed) as caught:
        send(notifier, n)
    error = caught.value
    # Retryable: never the permanent refusal that would dead-letter the message.
    assert not isinstance(error, DeliveryRejected)
    assert error.__context__ is None
    assert error.__cause__ is None
    return error


# --------------------------------------------------------------------------- the request


def test_the_post_carries_the_standard_webhooks_headers(
    receiver: Receiver, make_notifier: MakeNotifier, clock: proforum.ManualClock
) -> None:
    notifier = make_notifier(receiver.options(headers={"Authorization": "Bearer abc"}))
    send(notifier)
    (request,) = receiver.requests
    assert request.error is None
    assert request.path == receiver.url().removeprefix(f"http://127.0.0.1:{receiver.port}")
    headers = request.headers
    assert headers["webhook-id"] == "msg_0001"
    assert headers["webhook-timestamp"] == str(int(clock.now().timestamp()))
    assert headers["webhook-signature"].startswith("v1,")
    assert len(headers["webhook-signature"].split()) == 1
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("proforum-webhook/")
    assert headers["authorization"] == "Bearer abc"
    # Signed over exactly what arrived.
    signed = verify_signature(headers, request.body, receiver.secrets, now=clock.now())
    assert (signed.id, signed.timestamp) == ("msg_0001", int(clock.now().timestamp()))


def test_the_payload_is_the_documented_json(
    receiver: Receiver, make_notifier: MakeNotifier
) -> None:
    send(make_notifier(receiver.options()))
    (request,) = receiver.requests
    document = json.loads(request.body)
    message = sample_message(1)
    rendered = sample_rendered()
    assert document == {
        "type": "meeting_link",
        "timestamp": "2026-12-01T01:00:00Z",  # when the forum wrote it, in UTC
        "data": {
            "message_id": message.id,
            "recipient_id": message.recipient_id,
            "kind": "meeting_link",
            "lang": "ko",
            "subject": rendered.subject,
            "body": rendered.body,
        },
    }
    assert list(document) == ["type", "timestamp", "data"]
    assert b" " not in request.body.split(b'"subject"')[0]  # compact separators


def test_params_are_sent_only_when_asked_for(
    receiver: Receiver, make_notifier: MakeNotifier
) -> None:
    send(make_notifier(receiver.options(include_params=True)))
    (event,) = receiver.accepted()
    assert event.params == dict(sample_message(1).params)
    assert event.payload["data"]["params"]["meetup_title"] == TITLE


def test_korean_text_arrives_intact_as_utf8(
    receiver: Receiver, make_notifier: MakeNotifier
) -> None:
    rendered = RenderedMessage(
        "ko",
        "[모임 안내] 퍼포먼스 마케터끼리 만나요! 🎉",
        '마케팅/PR 커뮤니티에서 모임을 엽니다.\n주제: "따옴표"와 \\역슬래시\\, 탭\t끝',
    )
    make_notifier(receiver.options()).deliver(sample_message(1), sample_member(1), rendered)
    (request,) = receiver.requests
    # Not \uXXXX escapes: the UTF-8 bytes themselves.
    assert "퍼포먼스 마케터끼리".encode() in request.body
    assert b"\\u" not in request.body
    (event,) = receiver.accepted()
    assert (event.subject, event.body, event.lang) == (rendered.subject, rendered.body, "ko")


def test_a_retry_has_the_same_id_and_body_and_a_new_timestamp(
    receiver: Receiver, make_notifier: MakeNotifier, clock: proforum.ManualClock
) -> None:
    notifier = make_notifier(receiver.options())
    send(notifier)
    clock.advance(timedelta(minutes=3))
    send(notifier)
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == "msg_0001"
    assert first.body == second.body
    assert int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) == 180
    assert first.headers["webhook-signature"] != second.headers["webhook-signature"]
    assert [r.error for r in receiver.requests] == [None, None]


def test_a_user_agent_of_ones_own_replaces_the_default(
    receiver: Receiver, make_notifier: MakeNotifier
) -> None:
    send(make_notifier(receiver.options(headers={"user-agent": "community-bot/2"})))
    (request,) = receiver.requests
    assert request.headers["user-agent"] == "community-bot/2"


# --------------------------------------------------------------------------- answers


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_any_2xx_is_delivered(receiver: Receiver, make_notifier: MakeNotifier, status: int) -> None:
    receiver.answer(status)
    send(make_notifier(receiver.options()))
    assert [r.status for r in receiver.requests] == [status]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 400, 401, 403, 404, 409, 413, 422])
def test_other_statuses_raise_a_retryable_error(
    receiver: Receiver, make_notifier: MakeNotifier, status: int
) -> None:
    receiver.answer(status)
    notifier = make_notifier(receiver.options())
    error = failure(notifier)
    assert error.code == "webhook.delivery_failed"
    assert dict(error.params) == {"status": status, "reason": "status"}
    assert error.status == status
    assert not notifier.disabled  # only 410 disables the endpoint
    send(notifier, 2)  # the endpoint is still used
    assert len(receiver.requests) == 2


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_failures_and_are_not_followed(
    receiver: Receiver, make_notifier: MakeNotifier, status: int
) -> None:
    receiver.answer(status)
    error = failure(make_notifier(receiver.options()))
    assert error.status == status
    # One request: the signed message was not handed on to the Location.
    assert [r.path for r in receiver.requests] == [receiver.requests[0].path]
    assert "/moved" not in receiver.requests[0].path


def test_a_receiver_that_does_not_answer_in_time_raises_within_the_timeout(
    receiver: Receiver, make_notifier: MakeNotifier
) -> None:
    receiver.answer("slow")
    notifier = make_notifier(receiver.options(timeout=0.3))
    started = time.monotonic()
    error = failure(notifier)
    assert time.monotonic() - started < 2
    assert dict(error.params) == {"status": "-", "reason": "TimeoutError"}
    assert error.status is None
    receiver.release.set()
    send(notifier)  # the next attempt goes through
    # The receiver got it twice (the first answer came too late): same id, so
    # a receiver that deduplicates on webhook-id acts once.
    assert [r.headers["webhook-id"] for r in receiver.requests] == ["msg_0001", "msg_0001"]
    assert {e.message_id for e in receiver.accepted()} == {"msg_0001"}


def test_nothing_listening_is_a_refused_connection(
    closed_port: ReservedPort, make_notifier: MakeNotifier
) -> None:
    error = failure(make_notifier(closed_port.options()))
    assert dict(error.params) == {"status": "-", "reason": "ConnectionRefusedError"}


@pytest.mark.parametrize("behaviour", ["hangup", "reset"])
def test_a_connection_dropped_before_the_answer_raises(
    receiver: Receiver, make_notifier: MakeNotifier, behaviour: str
) -> None:
    receiver.answer(behaviour)  # type: ignore[arg-type]
    error = failure(make_notifier(receiver.options()))
    assert error.params["status"] == "-"
    assert error.params["reason"] in {
        "RemoteDisconnected",
        "ConnectionResetError",
        "BrokenPipeError",
    }
    # The message did reach the receiver: a retry will be a duplicate it must drop.
    assert [r.headers["webhook-id"] for r in receiver.requests] == ["msg_0001"]


def test_https_with_a_trusted_certificate(
    start_receiver: StartReceiver, certificates: Certificates, make_notifier: MakeNotifier
) -> None:
    receiver = start_receiver(tls=True)
    send(make_notifier(receiver.options(ssl_context=certificates.client())))
    assert [e.message_id for e in receiver.accepted()] == ["msg_0001"]


def test_https_with_an_untrusted_certificate_is_refused(
    start_receiver: StartReceiver, make_notifier: MakeNotifier
) -> None:
    receiver = start_receiver(tls=True)
    error = failure(make_notifier(receiver.options()))  # the system CAs know no test CA
    assert dict(error.params) == {"status": "-", "reason": "SSLCertVerificationError"}
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120),
        (" 0 ", 0),
        ("99999999", 86_400),  # capped at a day
        ("Tue, 01 Dec 2026 01:10:00 GMT", 600),
        ("Mon, 30 Nov 2026 01:00:00 GMT", 0),  # in the past: no wait
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header: str, seconds: int | None) -> None:
    now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert retry_after_seconds(header, now) == seconds
