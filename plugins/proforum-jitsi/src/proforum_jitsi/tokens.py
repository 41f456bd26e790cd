"""JSON Web Tokens, written out by hand: base64url, compact JSON, one signature.

Only what Jitsi needs is here: the JWS compact serialization (RFC 7515) of a
JSON claims object, signed with HMAC-SHA256/512 (a shared secret, the
self-hosted default) or RSASSA-PKCS1-v1_5 with SHA-256 (``RS256``, 8x8 JaaS).
No parsing or verification: the issuer never reads its own tokens back
(:mod:`proforum_jitsi.testing` does, for tests).

The signers keep their keys out of ``repr()``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, Final, Literal, Protocol

import attrs
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = [
    "HMAC_ALGORITHMS",
    "HmacSigner",
    "RsaSigner",
    "Signer",
    "b64url_decode",
    "b64url_encode",
    "encode",
]

HmacAlgorithm = Literal["HS256", "HS512"]
#: The HMAC algorithms a Prosody ``token`` module accepts, with their hash.
HMAC_ALGORITHMS: Final[Mapping[str, Any]] = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2), as every JWT segment is written."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Read a base64url segment with or without padding; raise ``ValueError`` if it is not one."""
    if not text.isascii() or any(c not in _B64URL for c in text) or len(text) % 4 == 1:
        raise ValueError("not a base64url segment")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _compact_json(value: Mapping[str, Any]) -> bytes:
    # Compact, UTF-8 (names stay readable in Korean and cost fewer bytes in a
    # URL than \uXXXX escapes); key order as given, so the header reads
    # alg/kid/typ like the JaaS samples.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Signer(Protocol):
    """Something that signs a JWT's signing input."""

    @property
    def algorithm(self) -> str:
        """The JOSE ``alg`` value, e.g. ``HS256``."""
        raise NotImplementedError

    @property
    def key_id(self) -> str | None:
        """The JOSE ``kid`` header, or ``None`` to leave it out."""
        raise NotImplementedError

    def sign(self, data: bytes) -> bytes:
        """Return the signature of ``data``."""
        raise NotImplementedError


@attrs.frozen(repr=False)
class HmacSigner:
    """Signs with a shared secret (``HS256`` by default), like Prosody's ``app_secret``."""

    secret: bytes
    algorithm: HmacAlgorithm = "HS256"
    key_id: str | None = None

    def sign(self, data: bytes) -> bytes:
        """HMAC of ``data`` under the secret."""
        return hmac.digest(self.secret, data, HMAC_ALGORITHMS[self.algorithm])

    def __repr__(self) -> str:
        return f"HmacSigner(algorithm={self.algorithm!r}, secret='***')"


@attrs.frozen(repr=False)
class RsaSigner:
    """Signs with an RSA private key (``RS256``); ``key_id`` names the public key."""

    private_key: rsa.RSAPrivateKey
    key_id: str | None
    algorithm: Literal["RS256"] = "RS256"

    def sign(self, data: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3)."""
        return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def __repr__(self) -> str:
        return f"RsaSigner(algorithm='RS256', key_id={self.key_id!r}, private_key='***')"


def encode(claims: Mapping[str, Any], signer: Signer) -> str:
    """Return ``claims`` as a signed compact JWT: ``header.payload.signature``."""
    header: dict[str, str] = {"alg": signer.algorithm}
    if signer.key_id is not None:
        header["kid"] = signer.key_id
    header["typ"] = "JWT"
    signing_input = f"{b64url_encode(_compact_json(header))}.{b64url_encode(_compact_json(claims))}"
    signature = signer.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"
