"""The receiver helper: every way a request can be refused, and key rotation."""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import Message as EmailHeaders
from typing import TYPE_CHECKING, Any

import pytest
from proforum_webhook import (
    ReplayGuard,
    SigningKey,
    WebhookDeliveryFailed,
    WebhookHeaderInvalid,
    WebhookHeaderMissing,
    WebhookOptionInvalid,
    WebhookPayloadInvalid,
    WebhookReplayed,
    WebhookSignatureMismatch,
    WebhookTimestampOutOfRange,
    WebhookTimestampTooNew,
    WebhookTimestampTooOld,
    WebhookVerificationFailed,
    new_secret,
    sign,
    verify,
    verify_signature,
)
from proforum_webhook.payload import build_payload

from proforum.domain.common import Secret
from proforum.testing.contracts import sample_message, sample_rendered

if TYPE_CHECKING:
    from conftest import MakeNotifier, StartReceiver

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
STAMP = int(NOW.timestamp())
SECRET = new_secret()
OTHER = new_secret()
BODY = build_payload(sample_message(1), sample_rendered(), include_params=False)


def headers(
    body: bytes = BODY,
    *,
    secrets: Any = SECRET,
    webhook_id: str = "msg_0001",
    timestamp: int = STAMP,
) -> dict[str, str]:
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secrets, webhook_id, timestamp, body),
    }


def check(head: Any, body: bytes = BODY, secrets: Any = SECRET, **kwargs: Any) -> Any:
    return verify(head, body, secrets, now=kwargs.pop("now", NOW), **kwargs)


def refused(
    error: type[WebhookVerificationFailed], head: Any, body: bytes = BODY, **kw: Any
) -> Any:
    with pytest.raises(error) as caught:
        check(head, body, **kw)
    assert isinstance(caught.value, WebhookVerificationFailed)
    return caught.value


# --------------------------------------------------------------------------- accepted


def test_a_good_request_gives_the_message() -> None:
    event = check(headers())
    message = sample_message(1)
    rendered = sample_rendered()
    assert (event.id, event.message_id, event.recipient_id) == (
        message.id,
        message.id,
        message.recipient_id,
    )
    assert (event.type, event.kind, event.lang) == ("meeting_link", "meeting_link", "ko")
    assert (event.subject, event.body) == (rendered.subject, rendered.body)
    assert event.created_at == message.created_at
    assert event.sent_at == NOW
    assert event.params is None
    assert "zoom.us" not in repr(event)


def test_the_standard_webhooks_reference_vector() -> None:
    # From the specification's reference libraries: other implementations agree.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected
    head = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": expected,
    }
    signed = verify_signature(head, body, secret, now=datetime.fromtimestamp(1614265330, UTC))
    assert signed.id == "msg_p5jXN8AQM9LWM0D4loKWxJek"


@pytest.mark.parametrize(
    "shape",
    [
        lambda h: {k.upper(): v for k, v in h.items()},
        lambda h: {k.title(): v for k, v in h.items()},
        lambda h: list(h.items()),
        lambda h: [(k.encode(), v.encode()) for k, v in h.items()],  # ASGI raw headers
        lambda h: email_headers(h),  # http.server / http.client
    ],
    ids=["upper", "title", "pairs", "bytes", "HTTPMessage"],
)
def test_headers_in_any_case_and_form(shape: Callable[[dict[str, str]], Any]) -> None:
    assert check(shape(headers())).id == "msg_0001"


def email_headers(values: dict[str, str]) -> EmailHeaders:
    message = EmailHeaders()
    for name, value in values.items():
        message[name] = value
    return message


def test_secret_forms() -> None:
    assert check(headers(), secrets=Secret(SECRET)).id == "msg_0001"
    key = SigningKey(base64.b64decode(SECRET.removeprefix("whsec_")))
    assert check(headers(), secrets=key).id == "msg_0001"
    unpadded = SECRET.rstrip("=")
    assert check(headers(), secrets=unpadded).id == "msg_0001"


def test_the_window_is_inclusive_on_both_sides() -> None:
    tolerance = timedelta(minutes=5)
    check(headers(timestamp=STAMP - 300))
    check(headers(timestamp=STAMP + 300))
    check(headers(timestamp=STAMP - 59), tolerance=timedelta(minutes=1))
    assert tolerance == timedelta(seconds=300)


# --------------------------------------------------------------------------- refused


@pytest.mark.parametrize("name", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header(name: str) -> None:
    head = headers()
    del head[name]
    assert refused(WebhookHeaderMissing, head).params["header"] == name
    head[name] = "  "
    assert refused(WebhookHeaderMissing, head).params["header"] == name


def test_a_repeated_header_is_refused_rather_than_guessed() -> None:
    pairs = [*headers().items(), ("Webhook-Signature", "v1,AAAA")]
    assert refused(WebhookHeaderInvalid, pairs).params["header"] == "webhook-signature"


@pytest.mark.parametrize("stamp", ["1.5", "-1", "+1764550800", "1e9", "abc", "0x10", "１２３"])
def test_a_malformed_timestamp(stamp: str) -> None:
    head = headers()
    head["webhook-timestamp"] = stamp
    assert refused(WebhookHeaderInvalid, head).params["header"] == "webhook-timestamp"


def test_a_malformed_id() -> None:
    head = headers(webhook_id="msg 0001")
    assert refused(WebhookHeaderInvalid, head).params["header"] == "webhook-id"


def test_an_old_request_is_refused() -> None:
    error = refused(WebhookTimestampTooOld, headers(timestamp=STAMP - 301))
    assert isinstance(error, WebhookTimestampOutOfRange)
    assert error.params["tolerance"] == 300
    # A replay an hour later, perfectly signed, is refused the same way.
    refused(WebhookTimestampTooOld, headers(), now=NOW + timedelta(hours=1))


def test_a_request_from_the_future_is_refused() -> None:
    error = refused(WebhookTimestampTooNew, headers(timestamp=STAMP + 301))
    assert isinstance(error, WebhookTimestampOutOfRange)
    refused(WebhookTimestampTooNew, headers(), now=NOW - timedelta(minutes=10))


def test_a_tampered_body_is_refused() -> None:
    tampered = BODY.replace(b"zoom.us/j/1", b"evil.example/j/1")
    refused(WebhookSignatureMismatch, headers(), tampered)


def test_a_tampered_id_or_timestamp_is_refused() -> None:
    head = headers()
    head["webhook-id"] = "msg_0002"
    refused(WebhookSignatureMismatch, head)
    head = headers()
    head["webhook-timestamp"] = str(STAMP + 1)
    refused(WebhookSignatureMismatch, head)


def test_a_wrong_secret_is_refused() -> None:
    refused(WebhookSignatureMismatch, headers(secrets=OTHER))


@pytest.mark.parametrize(
    "signature",
    [
        "v2,{sig}",  # an unknown version
        "v1a,{sig}",  # the asymmetric scheme, which this helper does not check
        "V1,{sig}",
        "{sig}",
        "v1,{sig}=",  # re-padded: the text is compared as sent
        "v1, {sig}",
        "v1,",
    ],
)
def test_signatures_in_other_forms_do_not_count(signature: str) -> None:
    head = headers()
    sig = head["webhook-signature"].removeprefix("v1,")
    head["webhook-signature"] = signature.format(sig=sig)
    refused(WebhookSignatureMismatch, head)


def test_a_body_that_is_not_a_proforum_message() -> None:
    for body, field in [
        (b"not json", "(json)"),
        (b"\xff\xfe", "(json)"),
        (b"[]", "(json)"),
        (b'{"timestamp": "2026-12-01T01:00:00Z", "data": {}}', "type"),
        (b'{"type": "x", "timestamp": "yesterday", "data": {}}', "timestamp"),
        (b'{"type": "x", "timestamp": "2026-12-01T01:00:00", "data": {}}', "timestamp"),
        (b'{"type": "x", "timestamp": "2026-12-01T01:00:00Z", "data": []}', "data"),
        (b'{"type": "x", "timestamp": "2026-12-01T01:00:00Z", "data": {}}', "data.message_id"),
    ]:
        error = refused(WebhookPayloadInvalid, headers(body), body)
        assert error.params["field"] == field
    document = json.loads(BODY)
    document["data"]["message_id"] = "msg_9999"  # signed, but about another message
    body = json.dumps(document).encode()
    assert refused(WebhookPayloadInvalid, headers(body), body).params["field"] == "data.message_id"
    document = json.loads(BODY)
    document["data"]["params"] = {"link": 1}
    body = json.dumps(document).encode()
    assert refused(WebhookPayloadInvalid, headers(body), body).params["field"] == "data.params"


def test_fields_a_newer_sender_adds_are_kept_and_ignored() -> None:
    document = json.loads(BODY)
    document["data"]["attempt"] = 3
    document["version"] = 2
    body = json.dumps(document, ensure_ascii=False).encode()
    event = check(headers(body), body)
    assert event.payload["version"] == 2
    assert event.payload["data"]["attempt"] == 3


def test_misuse_is_reported_plainly() -> None:
    with pytest.raises(TypeError):
        verify(headers(), BODY.decode(), SECRET, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="aware"):
        verify(headers(), BODY, SECRET, now=NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="positive"):
        verify(headers(), BODY, SECRET, now=NOW, tolerance=timedelta(0))
    for bad in ["", "secret", "whsec_!!!", "whsec_c2hvcnQ=", [], [SECRET, SECRET]]:
        with pytest.raises(WebhookOptionInvalid) as caught:
            verify(headers(), BODY, bad, now=NOW)
        assert caught.value.params["option"].startswith("secrets")
        assert SECRET not in str(caught.value)


# --------------------------------------------------------------------------- rotation


def test_key_rotation_signs_with_every_key_and_accepts_any() -> None:
    head = headers(secrets=[SECRET, OTHER])  # the new key first, the old one still sent
    first, second = head["webhook-signature"].split(" ")
    assert first == sign(SECRET, "msg_0001", STAMP, BODY)
    assert second == sign(OTHER, "msg_0001", STAMP, BODY)
    check(head, secrets=SECRET)  # a receiver already on the new key
    check(head, secrets=OTHER)  # a receiver still on the old key
    check(head, secrets=[new_secret(), OTHER])  # a receiver mid-rotation
    refused(WebhookSignatureMismatch, head, secrets=new_secret())


def test_rotation_end_to_end(start_receiver: StartReceiver, make_notifier: MakeNotifier) -> None:
    from proforum.testing.contracts import sample_member

    old, new = new_secret(), new_secret()
    still_old = start_receiver(secrets=old)
    already_new = start_receiver(secrets=[new, old])
    for receiver in (still_old, already_new):
        notifier = make_notifier(receiver.options(secret=[new, old]))
        notifier.deliver(sample_message(1), sample_member(1), sample_rendered())
        assert [r.error for r in receiver.requests] == [None]
        assert len(receiver.requests[0].headers["webhook-signature"].split()) == 2
    # Once the rotation is over, the old key no longer verifies.
    retired = start_receiver(secrets=old)
    notifier = make_notifier(retired.options(secret=new))
    with pytest.raises(WebhookDeliveryFailed) as caught:  # it answers 401
        notifier.deliver(sample_message(1), sample_member(1), sample_rendered())
    assert caught.value.status == 401
    assert [r.error for r in retired.requests] == ["webhook.signature_mismatch"]


# --------------------------------------------------------------------------- replays


def test_the_guard_refuses_a_second_delivery_of_an_id() -> None:
    guard = ReplayGuard()
    check(headers(), seen=guard)
    error = refused(WebhookReplayed, headers(), seen=guard)
    assert error.params["message_id"] == "msg_0001"
    # A sender's retry has a new timestamp but the same id: refused too, within the window.
    refused(
        WebhookReplayed, headers(timestamp=STAMP + 30), now=NOW + timedelta(seconds=30), seen=guard
    )
    check(
        headers(webhook_id="msg_0002", body=_body_for("msg_0002")),
        _body_for("msg_0002"),
        seen=guard,
    )


def _body_for(message_id: str) -> bytes:
    return BODY.replace(b"msg_0001", message_id.encode())


def test_only_verified_requests_reach_the_guard() -> None:
    guard = ReplayGuard()
    refused(WebhookSignatureMismatch, headers(secrets=OTHER), seen=guard)
    refused(WebhookTimestampTooOld, headers(timestamp=STAMP - 600), seen=guard)
    assert len(guard) == 0
    check(headers(), seen=guard)  # the genuine request is not blocked by the forgeries


def test_forget_lets_a_retry_in_after_a_failure() -> None:
    guard = ReplayGuard()
    event = check(headers(), seen=guard)
    assert guard.forget(event.id) is True
    assert guard.forget(event.id) is False
    check(headers(), seen=guard)


def test_the_guard_forgets_ids_once_their_window_has_passed() -> None:
    guard = ReplayGuard()
    check(headers(), seen=guard)
    later = NOW + timedelta(minutes=5, seconds=1)
    # The old request is refused by its timestamp now; a retry, signed anew, is let in.
    refused(WebhookTimestampTooOld, headers(), now=later, seen=guard)
    check(headers(timestamp=int(later.timestamp())), now=later, seen=guard)
    assert len(guard) == 1


def test_the_guard_is_bounded() -> None:
    guard = ReplayGuard(max_entries=3)
    for n in range(10):
        assert guard.add(f"msg_{n}", expires_at=NOW + timedelta(minutes=n + 1), now=NOW)
        assert len(guard) <= 3
    # The ids closest to leaving the window made room for the newer ones.
    assert not guard.add("msg_9", expires_at=NOW + timedelta(minutes=10), now=NOW)
    assert guard.add("msg_0", expires_at=NOW + timedelta(minutes=10), now=NOW)
    with pytest.raises(ValueError, match="positive"):
        ReplayGuard(max_entries=0)


# --------------------------------------------------------------------------- over HTTP


def test_a_captured_request_replayed_over_http_is_refused(
    start_receiver: StartReceiver, make_notifier: MakeNotifier
) -> None:
    from proforum.testing.contracts import sample_member

    receiver = start_receiver(guard=ReplayGuard())
    make_notifier(receiver.options()).deliver(
        sample_message(1), sample_member(1), sample_rendered()
    )
    (original,) = receiver.requests
    assert original.status == 204

    def resend(body: bytes, **changed: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=2)
        try:
            head = {k: v for k, v in original.headers.items() if k.startswith("webhook-")}
            head.update(changed)
            head["content-type"] = "application/json"
            connection.request("POST", original.path, body=body, headers=head)
            return connection.getresponse().status
        finally:
            connection.close()

    # Byte for byte: the guard knows the id; the receiver answers 200 and ignores it.
    assert resend(original.body) == 200
    assert receiver.requests[-1].error == "webhook.replayed"
    # Edited on the way: the signature no longer matches.
    assert resend(original.body.replace("오후 7시".encode(), "오후 9시".encode())) == 401
    assert receiver.requests[-1].error == "webhook.signature_mismatch"
    assert resend(original.body, **{"webhook-timestamp": "1700000000"}) == 401
    assert receiver.requests[-1].error == "webhook.timestamp_too_old"
    assert [e.id for e in receiver.accepted()] == ["msg_0001"]
