"""Zoom's signed webhooks: URL validation, participant events, and everything refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from proforum_zoom import ZoomProvider, sign
from proforum_zoom.testing import FakeZoom, signed_webhook
from proforum_zoom.webhooks import verify

from proforum.domain.common import Secret
from proforum.errors import WebhookRejected
from proforum.ports.video import AttendanceEvent, WebhookResult

if TYPE_CHECKING:
    from conftest import MakeProvider

NOW = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)
STAMP = int(NOW.timestamp())
SECRET = "fake-webhook-secret-token-42"


def participant_event(kind: str, **participant: Any) -> dict[str, Any]:
    return {
        "event": f"meeting.participant_{kind}",
        "event_ts": STAMP * 1000,
        "payload": {
            "account_id": "acc",
            "object": {
                "id": 81234567890,
                "uuid": "4444AAAiAAAAAiAiAiiAii==",
                "topic": "모임",
                "participant": {"user_name": "참가자", **participant},
            },
        },
    }


def test_url_validation_is_answered_with_the_hmac_of_the_plain_token(
    provider: ZoomProvider,
) -> None:
    headers, body = signed_webhook(
        SECRET,
        {"event": "endpoint.url_validation", "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}},
        STAMP,
    )
    result = provider.verify_webhook(headers, body, NOW)
    expected = hmac.new(SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert result.reply == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}
    assert result.events == ()


def test_joined_and_left_become_attendance_events(provider: ZoomProvider) -> None:
    headers, body = signed_webhook(
        SECRET,
        participant_event(
            "joined", join_time="2026-12-10T01:02:03Z", email="a@example.com", registrant_id="r-1"
        ),
        STAMP,
    )
    joined = provider.verify_webhook(headers, body, NOW)
    assert joined == WebhookResult(
        meeting_id="81234567890",
        events=(
            AttendanceEvent(
                kind="joined",
                at=datetime(2026, 12, 10, 1, 2, 3, tzinfo=UTC),
                registrant_id="r-1",
                email="a@example.com",
            ),
        ),
    )
    # A guest who is not signed in: no address; no leave_time: the event's time.
    headers, body = signed_webhook(SECRET, participant_event("left", email=""), STAMP)
    (left,) = provider.verify_webhook(headers, body, NOW).events
    assert (left.kind, left.at, left.email, left.registrant_id) == ("left", NOW, None, None)


def test_other_events_are_accepted_without_events(provider: ZoomProvider) -> None:
    event = {"event": "meeting.ended", "payload": {"object": {"id": "81234567890"}}}
    headers, body = signed_webhook(SECRET, event, STAMP)
    assert provider.verify_webhook(headers, body, NOW) == WebhookResult(meeting_id="81234567890")


def test_header_names_may_come_in_any_case(provider: ZoomProvider) -> None:
    headers, body = signed_webhook(SECRET, {"event": "meeting.started", "payload": {}}, STAMP)
    shouting = {name.upper(): value for name, value in headers.items()}
    assert provider.verify_webhook(shouting, body, NOW) == WebhookResult()


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda h: h.pop("x-zm-signature"), "missing signature"),
        (lambda h: h.pop("x-zm-request-timestamp"), "missing timestamp"),
        (lambda h: h.update({"x-zm-request-timestamp": "12e3"}), "malformed timestamp"),
        (lambda h: h.update({"x-zm-signature": "v0=00"}), "signature mismatch"),
        (lambda h: h.update({"x-zm-signature": "v0=É"}), "signature mismatch"),
    ],
)
def test_missing_or_wrong_headers_are_rejected(
    provider: ZoomProvider, tamper: Any, reason: str
) -> None:
    headers, body = signed_webhook(SECRET, participant_event("joined"), STAMP)
    tamper(headers)
    with pytest.raises(WebhookRejected) as caught:
        provider.verify_webhook(headers, body, NOW)
    assert caught.value.params == {"provider": "zoom", "reason": reason}


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=-5, seconds=-1), timedelta(minutes=5, seconds=1)]
)
def test_calls_outside_the_window_are_rejected(provider: ZoomProvider, skew: timedelta) -> None:
    signed_at = int((NOW + skew).timestamp())
    headers, body = signed_webhook(SECRET, participant_event("joined"), signed_at)
    with pytest.raises(WebhookRejected) as caught:
        provider.verify_webhook(headers, body, NOW)
    assert caught.value.params["reason"] == "timestamp outside the allowed window"
    inside = int((NOW + skew * 0.99).timestamp())
    headers, body = signed_webhook(SECRET, {"event": "x", "payload": {}}, inside)
    provider.verify_webhook(headers, body, NOW)


def test_the_window_is_an_option(make_provider: MakeProvider) -> None:
    provider = make_provider(webhook_tolerance="30")
    headers, body = signed_webhook(SECRET, {"event": "x"}, STAMP - 31)
    with pytest.raises(WebhookRejected):
        provider.verify_webhook(headers, body, NOW)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"payload": {}}',
        json.dumps(participant_event("joined", join_time="x")).encode(),
    ],
)
def test_signed_nonsense_is_rejected(provider: ZoomProvider, body: bytes) -> None:
    headers, body = signed_webhook(SECRET, body, STAMP)
    with pytest.raises(WebhookRejected):
        provider.verify_webhook(headers, body, NOW)


def test_without_a_webhook_secret_every_call_is_rejected(
    zoom: FakeZoom, make_provider: MakeProvider
) -> None:
    provider = make_provider(webhook_secret=None)
    headers, body = signed_webhook(SECRET, {"event": "x"}, STAMP)
    with pytest.raises(WebhookRejected) as caught:
        provider.verify_webhook(headers, body, NOW)
    assert caught.value.params["reason"] == "no webhook_secret configured"


@given(body=st.binary(max_size=300), data=st.data())
def test_any_single_byte_change_is_rejected(body: bytes, data: st.DataObject) -> None:
    secret = Secret(SECRET)
    headers = {"x-zm-signature": sign(secret, STAMP, body), "x-zm-request-timestamp": str(STAMP)}
    # The untouched body passes the signature (then may fail as JSON, never as a signature).
    reason = None
    try:
        verify(secret, headers, body, NOW, 300)
    except WebhookRejected as exc:
        reason = exc.params["reason"]
    assert reason != "signature mismatch"
    if not body:
        return
    index = data.draw(st.integers(0, len(body) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = body[:index] + bytes([body[index] ^ flip]) + body[index + 1 :]
    with pytest.raises(WebhookRejected) as caught:
        verify(secret, headers, changed, NOW, 300)
    assert caught.value.params["reason"] == "signature mismatch"


@given(plain=st.text(min_size=1, max_size=64), secret=st.text(min_size=8, max_size=64))
def test_sign_matches_the_fake_senders_signature(plain: str, secret: str) -> None:
    body = json.dumps(
        {"event": "endpoint.url_validation", "payload": {"plainToken": plain}}
    ).encode()
    headers, _ = signed_webhook(secret, body, STAMP)
    assert sign(Secret(secret), STAMP, body) == headers["x-zm-signature"]
    result = verify(Secret(secret), headers, body, NOW, 300)
    assert result.reply is not None
    assert result.reply["plainToken"] == plain
