"""Constants, people and a JWT decoder of our own, shared by the tests.

The tests read tokens back with :func:`decode` and check signatures with
:func:`hs_signature_ok` / :func:`rs256_signature_ok`, written here from the
RFCs with the standard library and ``cryptography`` alone, so that a mistake
in the plugin's encoder (or in ``proforum_jitsi.testing``) cannot hide itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from proforum.domain.common import MeetupId, MemberId
from proforum.ports.video import MeetingRequest, Participant

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
STARTS = T0 + timedelta(days=9, hours=9)
ENDS = STARTS + timedelta(hours=2)
#: Distinctive, so that a leak anywhere is easy to spot.
SECRET = "shared-app-secret-Zq8vX3kP9wL2mN5rT7yB4cF6hJ1dG0sA"
APP_ID = "proforum-app"
JAAS_APP = "vpaas-magic-cookie-0123456789abcdef0123456789abcdef"
JAAS_KEY = "4f4910"
BASE = "https://meet.example.com"

HOST = Participant(MemberId("mem_host"), "김운영", "host@example.com", host=True)
GUEST = Participant(MemberId("mem_guest"), "Jane Doe", "jane@example.com")
QUIET = Participant(MemberId("mem_quiet"), "퍼포먼스장인")  # no e-mail address


def b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def decode(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a compact JWT, read independently of the plugin."""
    header, payload, _ = token.split(".")
    return json.loads(b64url(header)), json.loads(b64url(payload))


def hs_signature_ok(token: str, secret: str, digest: Any = hashlib.sha256) -> bool:
    header, payload, signature = token.split(".")
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), digest).digest()
    return hmac.compare_digest(expected, b64url(signature))


def rs256_signature_ok(token: str, public_pem: str) -> bool:
    header, payload, signature = token.split(".")
    key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    try:
        key.verify(
            b64url(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature:
        return False
    return True


def token_of(link: str) -> str:
    """The token in a join link, split by hand: ``{base}/{room}?jwt={token}``."""
    url, sep, token = link.partition("?jwt=")
    assert sep
    assert "?" not in url
    assert "&" not in token
    return token


def request(
    starts: datetime = STARTS, ends: datetime = ENDS, meetup: str = "mtp_0001"
) -> MeetingRequest:
    return MeetingRequest(
        meetup_id=MeetupId(meetup),
        title="퍼포먼스 마케터끼리 만나요!",
        starts_at=starts,
        ends_at=ends,
        time_zone="Asia/Seoul",
    )
