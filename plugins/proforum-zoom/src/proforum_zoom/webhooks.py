"""Zoom's signed webhooks: checking a call and reading what it says.

Zoom signs each call with the app's *secret token*::

    x-zm-signature: v0=<hex HMAC-SHA256(secret, "v0:{x-zm-request-timestamp}:{raw body}")>

The raw body bytes are signed and checked, never a re-serialised parse:
re-encoding JSON changes spacing and escapes and breaks the match.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from proforum.domain.common import Secret
from proforum.errors import WebhookRejected
from proforum.ports.video import AttendanceEvent, WebhookResult
from proforum_zoom.errors import PROVIDER

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "sign",
    "url_validation_reply",
    "verify",
]

SIGNATURE_HEADER = "x-zm-signature"
TIMESTAMP_HEADER = "x-zm-request-timestamp"
_KINDS = {"meeting.participant_joined": "joined", "meeting.participant_left": "left"}
_TIME_FIELDS = {"joined": "join_time", "left": "leave_time"}


def _digest(secret: Secret, message: bytes) -> str:
    return hmac.new(secret.reveal().encode(), message, hashlib.sha256).hexdigest()


def sign(secret: Secret, timestamp: int | str, body: bytes) -> str:
    """Return the ``x-zm-signature`` value Zoom sends for ``body`` at ``timestamp``."""
    return "v0=" + _digest(secret, b"v0:" + str(timestamp).encode() + b":" + body)


def url_validation_reply(secret: Secret, plain_token: str) -> dict[str, str]:
    """The answer to ``endpoint.url_validation``: the token and its HMAC-SHA256 in hex."""
    return {
        "plainToken": plain_token,
        "encryptedToken": _digest(secret, plain_token.encode()),
    }


def _reject(reason: str) -> WebhookRejected:
    return WebhookRejected(None, provider=PROVIDER, reason=reason)


def verify(
    secret: Secret, headers: Mapping[str, str], body: bytes, now: datetime, tolerance: int
) -> WebhookResult:
    """Check a Zoom webhook's signature and freshness, then read it.

    :param tolerance: how far (seconds, either way) the signed timestamp may
        be from ``now``; a replay of an old call is refused.
    :raises WebhookRejected: a missing or wrong signature, a stale or future
        timestamp, or a body that is not a Zoom event.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    signature = lowered.get(SIGNATURE_HEADER)
    timestamp = lowered.get(TIMESTAMP_HEADER)
    if not signature:
        raise _reject("missing signature")
    if not timestamp:
        raise _reject("missing timestamp")
    stamp = timestamp.strip()
    if not stamp.isdigit() or len(stamp) > 12:
        raise _reject("malformed timestamp")
    expected = sign(secret, stamp, body)
    # Constant time: the comparison must not tell how many leading characters match.
    if not hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace")):
        raise _reject("signature mismatch")
    if abs(now.timestamp() - int(stamp)) > tolerance:
        raise _reject("timestamp outside the allowed window")
    try:
        envelope = json.loads(body)
    except ValueError:
        raise _reject("malformed JSON") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("event"), str):
        raise _reject("not a Zoom event")
    payload = envelope.get("payload")
    payload = payload if isinstance(payload, dict) else {}
    event = envelope["event"]
    if event == "endpoint.url_validation":
        plain = payload.get("plainToken")
        if not isinstance(plain, str) or not plain:
            raise _reject("url validation without plainToken")
        return WebhookResult(reply=url_validation_reply(secret, plain))
    obj = payload.get("object")
    obj = obj if isinstance(obj, dict) else {}
    # Some events carry the meeting id as a number, others as a string.
    raw_id = obj.get("id")
    meeting_id = None if raw_id in (None, "") else str(raw_id)
    kind = _KINDS.get(event)
    if kind is None:
        return WebhookResult(meeting_id=meeting_id)
    participant = obj.get("participant")
    if not isinstance(participant, dict):
        raise _reject("participant event without participant")
    at = _when(participant.get(_TIME_FIELDS[kind]), envelope.get("event_ts"))
    return WebhookResult(
        meeting_id=meeting_id,
        events=(
            AttendanceEvent(
                kind=kind,
                at=at,
                registrant_id=_text(participant.get("registrant_id")),
                # Guests who are not signed in join with an empty address.
                email=_text(participant.get("email")),
            ),
        ),
    )


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _when(value: Any, event_ts: Any) -> datetime:
    """The participant's join or leave time; else the event's own time (ms)."""
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise _reject("malformed participant time") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    if isinstance(event_ts, int | float) and not isinstance(event_ts, bool):
        return datetime.fromtimestamp(event_ts / 1000, UTC)
    raise _reject("participant event without a time")
