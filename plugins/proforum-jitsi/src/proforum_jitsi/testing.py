"""Helpers for application tests that assert on the links and tokens the provider issues.

Nothing here is needed in production, and nothing here talks to a server:
Jitsi has no API for the provider to call.  Typical use::

    from proforum_jitsi.testing import generate_key_pair, token_from_link, verify_rs256

    keys = generate_key_pair()
    forum = proforum.open("memory://", video_options={"jitsi": {
        "mode": "jaas", "app_id": "vpaas-magic-cookie-0123456789abcdef",
        "api_key_id": "abc123", "private_key": keys.private_pem}})
    ...
    claims = verify_rs256(token_from_link(link), keys.public_pem, now=clock.now())
    assert claims["context"]["user"]["moderator"] == "false"

The verifiers check the header's ``alg``, the signature and, given ``now``,
``nbf`` and ``exp``; they raise :class:`TokenInvalid` otherwise.
"""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from proforum.domain.common import Secret
from proforum_jitsi.tokens import HMAC_ALGORITHMS, b64url_decode

__all__ = [
    "KeyPair",
    "TokenInvalid",
    "decode_unverified",
    "generate_key_pair",
    "new_shared_secret",
    "token_from_link",
    "verify_hs256",
    "verify_hs512",
    "verify_rs256",
]


class TokenInvalid(ValueError):
    """A token is malformed, signed differently, or outside its validity window."""


@attrs.frozen(repr=False)
class KeyPair:
    """An RSA key pair in PEM, for tests: the private key for the provider, the public one to verify."""

    private_pem: str
    public_pem: str

    def __repr__(self) -> str:
        return "KeyPair(private_pem='***', public_pem=...)"


def generate_key_pair(bits: int = 2048) -> KeyPair:
    """A fresh RSA key pair (unencrypted PKCS#8 private key, SubjectPublicKeyInfo public key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyPair(private.decode("ascii"), public.decode("ascii"))


def new_shared_secret() -> str:
    """A random shared secret for self-hosted tests (48 bytes, base64url)."""
    return secrets.token_urlsafe(48)


def token_from_link(link: str | Secret) -> str:
    """The ``jwt`` query parameter of a join link.

    :raises TokenInvalid: the link carries no token, or more than one.
    """
    text = link.reveal() if isinstance(link, Secret) else link
    values = parse_qs(urlsplit(text).query).get("jwt", [])
    if len(values) != 1:
        raise TokenInvalid("the link carries no single jwt parameter")
    return values[0]


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenInvalid("not a compact JWS: expected three segments")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError:  # also json.JSONDecodeError and UnicodeDecodeError
        raise TokenInvalid("a segment is not base64url JSON") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise TokenInvalid("the header and the claims must be JSON objects")
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(header, claims)`` of ``token`` without checking anything but its shape.

    :raises TokenInvalid: the token is not three base64url segments of JSON objects.
    """
    header, claims, _, _ = _segments(token)
    return header, claims


def _check_times(claims: dict[str, Any], now: datetime | None) -> dict[str, Any]:
    if now is None:
        return claims
    moment = now.timestamp()
    exp, nbf = claims.get("exp"), claims.get("nbf", 0)
    if not isinstance(exp, int) or not isinstance(nbf, int):
        raise TokenInvalid("exp and nbf must be integers")
    if moment >= exp:
        raise TokenInvalid("the token has expired")
    if moment < nbf:
        raise TokenInvalid("the token is not valid yet")
    return claims


def _verify_hmac(token: str, secret: str | bytes, algorithm: str, now: datetime | None) -> Any:
    header, claims, signing_input, signature = _segments(token)
    if header.get("alg") != algorithm:
        raise TokenInvalid(f"the token is not signed with {algorithm}")
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    expected = hmac.digest(key, signing_input, HMAC_ALGORITHMS[algorithm])
    if not hmac.compare_digest(expected, signature):
        raise TokenInvalid("the signature does not match")
    return _check_times(claims, now)


def verify_hs256(token: str, secret: str | bytes, *, now: datetime | None = None) -> dict[str, Any]:
    """The claims of an ``HS256`` token signed with ``secret``; checked against ``now`` if given.

    :raises TokenInvalid: wrong algorithm or signature, malformed, or out of its window.
    """
    claims: dict[str, Any] = _verify_hmac(token, secret, "HS256", now)
    return claims


def verify_hs512(token: str, secret: str | bytes, *, now: datetime | None = None) -> dict[str, Any]:
    """Like :func:`verify_hs256`, for ``algorithm="HS512"``."""
    claims: dict[str, Any] = _verify_hmac(token, secret, "HS512", now)
    return claims


def verify_rs256(
    token: str,
    public_pem: str | bytes,
    *,
    now: datetime | None = None,
    kid: str | None = None,
) -> dict[str, Any]:
    """The claims of an ``RS256`` token, checked with ``public_pem`` (and ``kid`` and ``now`` if given).

    :raises TokenInvalid: wrong algorithm, key id or signature, malformed, or out of its window.
    """
    header, claims, signing_input, signature = _segments(token)
    if header.get("alg") != "RS256":
        raise TokenInvalid("the token is not signed with RS256")
    if kid is not None and header.get("kid") != kid:
        raise TokenInvalid("the token names another key")
    data = public_pem.encode("ascii") if isinstance(public_pem, str) else public_pem
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise TokenInvalid("not an RSA public key")
    try:
        key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise TokenInvalid("the signature does not match") from None
    return _check_times(claims, now)
