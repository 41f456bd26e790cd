"""Signing keys in the Standard Webhooks form (``whsec_<base64>``) and the ``v1`` signature."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import TypeAlias

import attrs

from proforum.domain.common import Secret
from proforum_webhook.errors import WebhookOptionInvalid

#: What every secret starts with, so that it is recognised as a webhook secret.
SECRET_PREFIX = "whsec_"  # noqa: S105 - the marker secrets start with, not a secret
#: The Standard Webhooks signature scheme this package writes and reads (HMAC-SHA256).
SIGNATURE_VERSION = "v1"
#: The shortest key the specification allows: 24 bytes (192 bits).
MIN_KEY_BYTES = 24


@attrs.frozen(repr=False)
class SigningKey:
    """A decoded ``whsec_`` secret: the HMAC key.  ``repr()`` and ``str()`` hide it."""

    _key: bytes = attrs.field(alias="key")

    def digest(self, webhook_id: str, timestamp: int, body: bytes) -> str:
        """Return the base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``."""
        mac = hmac.new(self._key, signed_content(webhook_id, timestamp, body), hashlib.sha256)
        return base64.b64encode(mac.digest()).decode("ascii")

    def signature(self, webhook_id: str, timestamp: int, body: bytes) -> str:
        """Return ``v1,<base64 HMAC-SHA256>``: one entry of the ``webhook-signature`` header."""
        return f"{SIGNATURE_VERSION},{self.digest(webhook_id, timestamp, body)}"

    def __repr__(self) -> str:
        return "SigningKey('***')"

    def __str__(self) -> str:
        return "***"


#: A secret as callers may give it: the ``whsec_`` text, a Secret holding it, or a parsed key.
SecretLike: TypeAlias = str | Secret | SigningKey
#: One secret, or several for key rotation (the first signs; all are accepted).
Secrets: TypeAlias = SecretLike | Sequence[SecretLike]


def signed_content(webhook_id: str, timestamp: int, body: bytes) -> bytes:
    """The exact bytes a signature covers: ``{id}.{timestamp}.{body}``."""
    return b"%s.%d.%s" % (webhook_id.encode("utf-8"), timestamp, body)


def new_secret(size: int = 32) -> str:
    """Return a fresh random secret in the ``whsec_<base64>`` form, ``size`` bytes long.

    Give the same value to the forum (``secret``) and to the receiving side.
    """
    if size < MIN_KEY_BYTES:
        raise ValueError(f"a webhook secret needs at least {MIN_KEY_BYTES} bytes")
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(size)).decode("ascii")


def _invalid(option: str, rule_ko: str, rule_en: str) -> WebhookOptionInvalid:
    # The secret is never handed to the error, not even as its hidden value.
    return WebhookOptionInvalid(None, option=option, rule_ko=rule_ko, rule_en=rule_en)


def parse_key(value: object, option: str) -> SigningKey:
    """Decode one ``whsec_<base64>`` secret.

    :raises WebhookOptionInvalid: naming ``option``, never showing the value.
    """
    if isinstance(value, SigningKey):
        return value
    text = value.reveal() if isinstance(value, Secret) else value
    if not isinstance(text, str) or not text.startswith(SECRET_PREFIX):
        raise _invalid(
            option,
            f"'{SECRET_PREFIX}'로 시작하는 문자열(Standard Webhooks 비밀 키)이어야 합니다.",
            f"must be a string starting with '{SECRET_PREFIX}' (a Standard Webhooks secret).",
        )
    encoded = text.removeprefix(SECRET_PREFIX)
    # Some tools drop the base64 padding; put it back rather than refuse the key.
    padded = encoded + "=" * (-len(encoded) % 4)
    key: bytes | None
    try:
        # validate=True refuses characters outside the alphabet instead of skipping them.
        key = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        key = None
    if key is None:
        raise _invalid(
            option,
            f"'{SECRET_PREFIX}' 뒤는 base64로 인코딩된 키여야 합니다.",
            f"the part after '{SECRET_PREFIX}' must be base64.",
        )
    if len(key) < MIN_KEY_BYTES:
        raise _invalid(
            option,
            f"키가 너무 짧습니다. 디코딩한 키가 {MIN_KEY_BYTES}바이트 이상이어야 합니다 "
            "(new_secret()으로 만들 수 있습니다).",
            f"the key is too short: it must decode to at least {MIN_KEY_BYTES} bytes "
            "(new_secret() makes one).",
        )
    return SigningKey(key)


def parse_keys(value: object, option: str) -> tuple[SigningKey, ...]:
    """Decode one secret or a non-empty list of them (key rotation), in order.

    :raises WebhookOptionInvalid: naming ``option`` (with the list index).
    """
    if isinstance(value, str | Secret | SigningKey):
        return (parse_key(value, option),)
    if not isinstance(value, list | tuple) or not value:
        raise _invalid(
            option,
            f"'{SECRET_PREFIX}…' 문자열 하나이거나, 키 교체 중이라면 그 목록(첫 번째 키로 서명)이어야 합니다.",
            f"must be one '{SECRET_PREFIX}...' string, or a non-empty list of them while "
            "rotating keys (the first one signs).",
        )
    keys = tuple(parse_key(item, f"{option}[{index}]") for index, item in enumerate(value))
    for index, key in enumerate(keys):
        if key in keys[:index]:
            raise _invalid(
                f"{option}[{index}]",
                "같은 키가 목록에 두 번 들어 있습니다.",
                "the same key appears twice in the list.",
            )
    return keys


def sign(secrets: Secrets, webhook_id: str, timestamp: int, body: bytes) -> str:
    """Return the ``webhook-signature`` header value: one ``v1,…`` per secret, space-separated.

    :param secrets: one ``whsec_`` secret, or a list of them during a key
        rotation; each produces a signature, in order.
    :param webhook_id: the ``webhook-id`` header (the message id).
    :param timestamp: the ``webhook-timestamp`` header, in integer Unix seconds.
    :param body: the request body, exactly as sent.
    :raises WebhookOptionInvalid: a secret is malformed.
    """
    keys = parse_keys(secrets, "secrets")
    return " ".join(key.signature(webhook_id, timestamp, body) for key in keys)
