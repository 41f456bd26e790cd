"""The receiving side: check a request's Standard Webhooks signature and read its message.

Use it in the web application that receives proforum's webhooks::

    from proforum_webhook import ReplayGuard, WebhookReplayed, WebhookVerificationFailed, verify

    guard = ReplayGuard()

    def receive(headers, body: bytes) -> int:
        try:
            event = verify(headers, body, SECRET, seen=guard)
        except WebhookReplayed:
            return 200  # already handled: answer 2xx so the sender stops retrying
        except WebhookVerificationFailed:
            return 401
        ...  # act on event, deduplicated on event.id
        return 204
"""

from __future__ import annotations

import heapq
import hmac
import re
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeAlias

import attrs

from proforum_webhook.errors import (
    WebhookHeaderInvalid,
    WebhookHeaderMissing,
    WebhookReplayed,
    WebhookSignatureMismatch,
    WebhookTimestampTooNew,
    WebhookTimestampTooOld,
)
from proforum_webhook.keys import SIGNATURE_VERSION, Secrets, parse_keys
from proforum_webhook.payload import WebhookEvent, parse_payload

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
_HEADERS = (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)

#: How far a request's time may be from the receiver's clock, either way.
DEFAULT_TOLERANCE = timedelta(minutes=5)
#: Signatures read from one header at most: a rotation needs two or three.
MAX_SIGNATURES = 32

# Visible ASCII: proforum's ids are far narrower, and nothing else is a valid header.
_ID = re.compile(r"[\x21-\x7e]{1,256}")
# Integer Unix seconds only: no sign, fraction, exponent or spaces.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class _HasItems(Protocol):
    def items(self) -> Iterable[tuple[Any, Any]]: ...


#: Request headers in any common form: a dict, a case-insensitive mapping
#: (Starlette, Werkzeug, ``http.client.HTTPMessage``) or ``(name, value)``
#: pairs, as ``str`` or as ``bytes`` (ASGI's raw headers).
HeadersLike: TypeAlias = Mapping[str, str] | _HasItems | Iterable[tuple[Any, Any]]


def _text(value: object) -> str:
    # ASGI hands headers over as latin-1 bytes.
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _collect(headers: HeadersLike) -> dict[str, list[str]]:
    """The three webhook headers by lower-case name, every occurrence kept."""
    items = headers.items() if hasattr(headers, "items") else headers
    found: dict[str, list[str]] = {}
    for name, value in items:
        key = _text(name).lower()
        if key in _HEADERS:
            found.setdefault(key, []).append(_text(value))
    return found


def _single(found: dict[str, list[str]], name: str) -> str:
    values = found.get(name, [])
    if len(values) > 1:
        # Two values leave it to the framework which one is read; refuse instead.
        raise WebhookHeaderInvalid(None, header=name)
    value = values[0].strip() if values else ""
    if not value:
        raise WebhookHeaderMissing(None, header=name)
    return value


@attrs.frozen
class SignedRequest:
    """A request whose signature and timestamp are good, before its body is read."""

    #: The ``webhook-id`` header: the idempotency key.
    id: str
    #: The ``webhook-timestamp`` header, in Unix seconds.
    timestamp: int

    @property
    def sent_at(self) -> datetime:
        """The ``webhook-timestamp`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp, UTC)


def _checked_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return now


def _checked_tolerance(tolerance: timedelta) -> timedelta:
    if not isinstance(tolerance, timedelta) or tolerance <= timedelta(0):
        raise ValueError("tolerance must be a positive timedelta")
    return tolerance


def verify_signature(
    headers: HeadersLike,
    body: bytes,
    secrets: Secrets,
    *,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    now: datetime | None = None,
) -> SignedRequest:
    """Check the ``webhook-*`` headers against ``body``, without parsing the body.

    The lower-level half of :func:`verify`, for bodies of any kind.  Checks,
    in order: the three headers are present once each; the timestamp is an
    integer within ``tolerance`` of ``now`` (past or future); one of the
    header's ``v1`` signatures matches ``body`` under one of ``secrets``
    (compared in constant time).

    :param headers: the request's headers; names are matched case-insensitively.
    :param body: the raw request body, exactly as received (not re-serialised JSON).
    :param secrets: the ``whsec_`` secret, or a list of them during a key rotation.
    :param tolerance: how far the request's time may be from ``now``.
    :param now: the receiver's time (aware); the system clock by default.
    :raises WebhookHeaderMissing: a header is missing or empty.
    :raises WebhookHeaderInvalid: a header is malformed or repeated.
    :raises WebhookTimestampTooOld: the request is older than ``tolerance``.
    :raises WebhookTimestampTooNew: the request is further in the future than ``tolerance``.
    :raises WebhookSignatureMismatch: no signature matches.
    :raises WebhookOptionInvalid: a secret is malformed (a receiver misconfiguration).
    """
    raw: object = body  # callers without type checking do pass text
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError("body must be the raw request bytes, not text")
    body = bytes(raw)
    keys = parse_keys(secrets, "secrets")
    window = _checked_tolerance(tolerance)
    current = _checked_now(now)
    found = _collect(headers)
    webhook_id = _single(found, ID_HEADER)
    stamp = _single(found, TIMESTAMP_HEADER)
    signatures = _single(found, SIGNATURE_HEADER)
    if not _ID.fullmatch(webhook_id):
        raise WebhookHeaderInvalid(None, header=ID_HEADER)
    if not _TIMESTAMP.fullmatch(stamp):
        raise WebhookHeaderInvalid(None, header=TIMESTAMP_HEADER)
    timestamp = int(stamp)
    seconds = window.total_seconds()
    if timestamp < current.timestamp() - seconds:
        raise WebhookTimestampTooOld(None, tolerance=int(seconds))
    if timestamp > current.timestamp() + seconds:
        raise WebhookTimestampTooNew(None, tolerance=int(seconds))
    # Only v1 (HMAC-SHA256) entries count; others (e.g. v1a, asymmetric) are skipped.
    # The base64 text is compared as sent: a re-encoded or padded variant is a change.
    prefix = f"{SIGNATURE_VERSION},"
    candidates = [
        entry.removeprefix(prefix).encode("ascii")
        for entry in signatures.split()[:MAX_SIGNATURES]
        if entry.startswith(prefix) and entry.isascii()
    ]
    for key in keys:
        expected = key.digest(webhook_id, timestamp, body).encode("ascii")
        # Constant time: a comparison that stops at the first wrong byte would
        # tell an attacker how much of a forged signature is right.
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return SignedRequest(webhook_id, timestamp)
    raise WebhookSignatureMismatch(None)


def verify(
    headers: HeadersLike,
    body: bytes,
    secrets: Secrets,
    *,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    now: datetime | None = None,
    seen: ReplayGuard | None = None,
) -> WebhookEvent:
    """Verify a webhook proforum sent and return its message.

    Runs :func:`verify_signature`, reads the signed JSON body, and finally, when
    ``seen`` is given, records the ``webhook-id`` there, refusing an id it
    already holds.  Only requests that passed every other check are recorded,
    so forged requests cannot fill the guard.

    :param headers: the request's headers; names are matched case-insensitively.
    :param body: the raw request body, exactly as received.
    :param secrets: the ``whsec_`` secret, or a list of them during a key rotation.
    :param tolerance: how far the request's time may be from ``now``, either way.
    :param now: the receiver's time (aware); the system clock by default.
    :param seen: a :class:`ReplayGuard` shared by the receiver's requests.
    :raises WebhookVerificationFailed: through one of its subclasses (see
        :func:`verify_signature`), or :class:`WebhookPayloadInvalid` for a body
        that is not a proforum message, or :class:`WebhookReplayed` for an id
        ``seen`` already holds.
    """
    current = _checked_now(now)
    signed = verify_signature(headers, body, secrets, tolerance=tolerance, now=current)
    event = parse_payload(signed.id, signed.sent_at, bytes(body))
    if seen is not None and not seen.add(
        signed.id, expires_at=signed.sent_at + tolerance, now=current
    ):
        raise WebhookReplayed(None, message_id=signed.id)
    return event


class ReplayGuard:
    """The ``webhook-id`` values accepted recently, to refuse a request sent twice.

    In memory, thread-safe and bounded.  An id is kept until its request's
    timestamp leaves the tolerance window; after that :func:`verify` refuses
    the request as too old anyway.  When ``max_entries`` ids are kept, the one
    closest to leaving the window makes room.

    It is a guard against replayed requests, not a store of what was handled: a
    sender retries a message with a new timestamp, possibly hours later, so keep
    the ids you acted on in your own database too.  If acting on a verified
    request fails, call :meth:`forget` before answering with an error, so that
    the sender's retry is not refused as a replay.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError("max_entries must be a positive integer")
        self._max = max_entries
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []

    def __repr__(self) -> str:
        return f"ReplayGuard(entries={len(self)}, max_entries={self._max})"

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)

    def add(self, webhook_id: str, *, expires_at: datetime, now: datetime) -> bool:
        """Record ``webhook_id`` until ``expires_at``; return ``False`` if it is already held."""
        expiry = expires_at.timestamp()
        moment = now.timestamp()
        with self._lock:
            self._drop_expired(moment)
            if webhook_id in self._expiry:
                return False
            while len(self._expiry) >= self._max:
                self._drop_soonest()
            self._expiry[webhook_id] = expiry
            heapq.heappush(self._heap, (expiry, webhook_id))
            if len(self._heap) > 2 * self._max:
                # forget() leaves stale heap entries behind; rebuild before they pile up.
                self._heap = [(e, i) for i, e in self._expiry.items()]
                heapq.heapify(self._heap)
            return True

    def forget(self, webhook_id: str) -> bool:
        """Drop ``webhook_id`` so that its next delivery is accepted; return whether it was held."""
        with self._lock:
            return self._expiry.pop(webhook_id, None) is not None

    def _drop_expired(self, moment: float) -> None:
        while self._heap and self._heap[0][0] <= moment:
            self._pop_live()

    def _drop_soonest(self) -> None:
        while self._heap and not self._pop_live():
            pass

    def _pop_live(self) -> bool:
        """Pop the heap's head; drop its id if the entry is current, and say so."""
        expiry, webhook_id = heapq.heappop(self._heap)
        if self._expiry.get(webhook_id) == expiry:
            del self._expiry[webhook_id]
            return True
        return False
