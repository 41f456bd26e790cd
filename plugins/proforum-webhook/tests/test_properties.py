"""Properties of signing and verifying, for arbitrary bodies, ids, times, keys and edits."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from proforum_webhook import (
    ReplayGuard,
    WebhookSignatureMismatch,
    sign,
    verify,
    verify_signature,
)
from proforum_webhook.payload import build_payload

from proforum.domain.common import MemberId, MessageId
from proforum.domain.notification import Message, MessageKind
from proforum.ports.notifier import RenderedMessage

TOLERANCE = timedelta(minutes=5)

keys = st.binary(min_size=24, max_size=64).map(
    lambda raw: "whsec_" + base64.b64encode(raw).decode()
)
# Any id a header can carry: visible ASCII, as the receiver accepts it.
ids = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=80)
# From 1970 to the year 3000: the signature covers the integer as written.
timestamps = st.integers(min_value=0, max_value=32_503_680_000)
skews = st.integers(min_value=-300, max_value=300)
bodies = st.binary(max_size=2048)


def header_set(secret: object, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, webhook_id, timestamp, body),  # type: ignore[arg-type]
    }


def at(timestamp: int, skew: int = 0) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC) + timedelta(seconds=skew)


@given(key=keys, webhook_id=ids, timestamp=timestamps, skew=skews, body=bodies)
def test_whatever_is_signed_verifies(
    key: str, webhook_id: str, timestamp: int, skew: int, body: bytes
) -> None:
    head = header_set(key, webhook_id, timestamp, body)
    signed = verify_signature(head, body, key, now=at(timestamp, skew))
    assert (signed.id, signed.timestamp) == (webhook_id, timestamp)


@given(key=keys, webhook_id=ids, timestamp=timestamps, body=bodies, data=st.data())
def test_any_single_byte_change_of_the_body_fails(
    key: str, webhook_id: str, timestamp: int, body: bytes, data: st.DataObject
) -> None:
    assume(body)
    index = data.draw(st.integers(0, len(body) - 1), label="index")
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != body[index]), label="byte")
    changed = body[:index] + bytes([byte]) + body[index + 1 :]
    head = header_set(key, webhook_id, timestamp, body)
    with pytest.raises(WebhookSignatureMismatch):
        verify_signature(head, changed, key, now=at(timestamp))


@given(key=keys, webhook_id=ids, timestamp=timestamps, body=bodies, data=st.data())
def test_any_single_byte_change_of_the_signature_fails(
    key: str, webhook_id: str, timestamp: int, body: bytes, data: st.DataObject
) -> None:
    head = header_set(key, webhook_id, timestamp, body)
    raw = head["webhook-signature"].encode("latin-1")
    index = data.draw(st.integers(0, len(raw) - 1), label="index")
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != raw[index]), label="byte")
    head["webhook-signature"] = (raw[:index] + bytes([byte]) + raw[index + 1 :]).decode("latin-1")
    with pytest.raises(WebhookSignatureMismatch):
        verify_signature(head, body, key, now=at(timestamp))


@given(
    rotation=st.lists(keys, min_size=1, max_size=4, unique=True),
    data=st.data(),
    webhook_id=ids,
    timestamp=timestamps,
    body=bodies,
)
def test_during_a_rotation_any_of_the_keys_verifies(
    rotation: list[str], data: st.DataObject, webhook_id: str, timestamp: int, body: bytes
) -> None:
    head = header_set(rotation, webhook_id, timestamp, body)
    assert len(head["webhook-signature"].split(" ")) == len(rotation)
    receivers_key = data.draw(st.sampled_from(rotation), label="receiver's key")
    verify_signature(head, body, receivers_key, now=at(timestamp))


@given(key=keys, other=keys, webhook_id=ids, timestamp=timestamps, body=bodies)
def test_another_key_never_verifies(
    key: str, other: str, webhook_id: str, timestamp: int, body: bytes
) -> None:
    assume(key != other)
    head = header_set(key, webhook_id, timestamp, body)
    with pytest.raises(WebhookSignatureMismatch):
        verify_signature(head, body, other, now=at(timestamp))


texts = st.text(max_size=300)  # any Unicode, Hangul, emoji, quotes and controls included


@given(
    key=keys,
    number=st.integers(0, 10**6),
    kind=st.sampled_from(list(MessageKind)),
    lang=st.sampled_from(["ko", "en"]),
    subject=texts,
    body=texts,
    params=st.dictionaries(st.text(max_size=20), texts, max_size=4),
    include_params=st.booleans(),
    skew=skews,
)
def test_a_message_round_trips_through_the_payload(
    key: str,
    number: int,
    kind: MessageKind,
    lang: str,
    subject: str,
    body: str,
    params: dict[str, str],
    include_params: bool,
    skew: int,
) -> None:
    created = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    message = Message(
        id=MessageId(f"msg_{number:032x}"),
        recipient_id=MemberId("mem_0001"),
        kind=kind,
        channel="webhook",
        created_at=created,
        params=params,
    )
    payload = build_payload(
        message, RenderedMessage(lang, subject, body), include_params=include_params
    )
    timestamp = int(created.timestamp()) + 60
    event = verify(
        header_set(key, message.id, timestamp, payload), payload, key, now=at(timestamp, skew)
    )
    assert (event.id, event.kind, event.type, event.lang) == (message.id, kind, kind, lang)
    assert (event.subject, event.body) == (subject, body)
    assert event.params == (dict(params) if include_params else None)
    assert event.created_at == created


IDS = [f"msg_{n}" for n in range(12)]


@given(
    events=st.lists(st.tuples(st.sampled_from(IDS), st.integers(0, 900)), max_size=60),
    capacity=st.integers(1, 2 * len(IDS)),
)
def test_the_replay_guard_stays_bounded_and_refuses_ids_it_holds(
    events: list[tuple[str, int]], capacity: int
) -> None:
    guard = ReplayGuard(max_entries=capacity)
    clock = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    expiry: dict[str, datetime] = {}
    for webhook_id, step in events:
        clock += timedelta(seconds=step)
        added = guard.add(webhook_id, expires_at=clock + TOLERANCE, now=clock)
        live = webhook_id in expiry and expiry[webhook_id] > clock
        if capacity >= len(IDS):
            # Room for every id: nothing is evicted, so exactly the expired come back.
            assert added is not live
        elif not live:
            assert added  # an id nobody holds is always let in
        if added:
            expiry[webhook_id] = clock + TOLERANCE
        assert len(guard) <= capacity
        assert not guard.add(webhook_id, expires_at=clock + TOLERANCE, now=clock)
