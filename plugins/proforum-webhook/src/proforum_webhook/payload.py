"""The JSON body of a webhook: written by the notifier, read back by :func:`verify`.

::

    {
      "type": "meetup_announced",
      "timestamp": "2026-12-01T01:00:00Z",
      "data": {
        "message_id": "msg_3f2a…",
        "recipient_id": "mem_91c0…",
        "kind": "meetup_announced",
        "lang": "ko",
        "subject": "[모임 안내] 퍼포먼스 마케터끼리 만나요!",
        "body": "마케팅/PR 커뮤니티에서 모임을 엽니다: …",
        "params": {"meetup_title": "…"}
      }
    }

``params`` is present only with the ``include_params`` option.  The body is
compact UTF-8 JSON with Korean kept as is, and the same bytes on every retry
of a message (the attempt's time is in the ``webhook-timestamp`` header, not
in the body).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from proforum.domain.notification import Message
from proforum.ports.notifier import RenderedMessage
from proforum_webhook.errors import WebhookPayloadInvalid

#: The fields of ``data`` every message has, all strings.
DATA_FIELDS = ("message_id", "recipient_id", "kind", "lang", "subject", "body")


def iso_utc(moment: datetime) -> str:
    """ISO-8601 in UTC with a ``Z``, as the Standard Webhooks examples write it."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def build_payload(message: Message, rendered: RenderedMessage, *, include_params: bool) -> bytes:
    """Return the request body for ``message`` as its recipient reads it."""
    data: dict[str, Any] = {
        "message_id": message.id,
        "recipient_id": message.recipient_id,
        "kind": message.kind.value,
        "lang": rendered.lang,
        "subject": rendered.subject,
        "body": rendered.body,
    }
    if include_params:
        data["params"] = dict(message.params)
    document = {
        "type": message.kind.value,
        # When the forum wrote the message: the same on every retry.
        "timestamp": iso_utc(message.created_at),
        "data": data,
    }
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    # A lone surrogate cannot be UTF-8; it would fail every retry the same way.
    return text.encode("utf-8", errors="replace")


@attrs.frozen
class WebhookEvent:
    """A verified webhook, as :func:`proforum_webhook.verify` returns it.

    ``id`` (the ``webhook-id`` header, equal to ``message_id``) is the
    idempotency key: a message can arrive more than once, so store it and skip
    a message whose id you already have.  The text and the parameters are left
    out of ``repr()``: they may hold a meeting link.
    """

    #: The ``webhook-id`` header: proforum's message id, the same on every retry.
    id: str
    #: The message kind, e.g. ``meetup_announced`` (the payload's ``type``).
    type: str
    #: When the forum wrote the message (the payload's ``timestamp``), in UTC.
    created_at: datetime
    #: When this attempt was signed (the ``webhook-timestamp`` header), in UTC.
    sent_at: datetime
    message_id: str
    recipient_id: str
    kind: str
    #: ``ko`` or ``en``: the language ``subject`` and ``body`` are written in.
    lang: str
    subject: str = attrs.field(repr=False)
    body: str = attrs.field(repr=False)
    #: The message's template parameters, or ``None`` when the sender leaves them out.
    params: Mapping[str, str] | None = attrs.field(repr=False)
    #: The whole decoded document, fields this version does not know included.
    payload: Mapping[str, Any] = attrs.field(repr=False, eq=False)


def parse_payload(webhook_id: str, sent_at: datetime, body: bytes) -> WebhookEvent:
    """Read a signed body back into a :class:`WebhookEvent`.

    Fields this version does not know are kept in ``payload`` and otherwise
    ignored, so a newer sender can add some.

    :raises WebhookPayloadInvalid: naming the first field that is missing or wrong.
    """
    try:
        document = json.loads(body.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError alike
        raise WebhookPayloadInvalid(None, field="(json)") from None
    if not isinstance(document, dict):
        raise WebhookPayloadInvalid(None, field="(json)")
    kind = document.get("type")
    if not isinstance(kind, str) or not kind:
        raise WebhookPayloadInvalid(None, field="type")
    created_at = _timestamp(document.get("timestamp"))
    data = document.get("data")
    if not isinstance(data, dict):
        raise WebhookPayloadInvalid(None, field="data")
    for name in DATA_FIELDS:
        if not isinstance(data.get(name), str):
            raise WebhookPayloadInvalid(None, field=f"data.{name}")
    if data["message_id"] != webhook_id:
        # The header is the idempotency key; a body about another message is a bug.
        raise WebhookPayloadInvalid(None, field="data.message_id")
    params = data.get("params")
    if params is not None and not (
        isinstance(params, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    ):
        raise WebhookPayloadInvalid(None, field="data.params")
    return WebhookEvent(
        id=webhook_id,
        type=kind,
        created_at=created_at,
        sent_at=sent_at,
        message_id=data["message_id"],
        recipient_id=data["recipient_id"],
        kind=data["kind"],
        lang=data["lang"],
        subject=data["subject"],
        body=data["body"],
        params=params,
        payload=document,
    )


def _timestamp(value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise WebhookPayloadInvalid(None, field="timestamp")
    return moment.astimezone(UTC)
