"""Who is acting: a session cookie signed with HMAC-SHA256, and a CSRF token derived from it.

The cookie is ``<payload>.<signature>``, where the payload is the URL-safe base64
of ``"<member id>|<issued at, unix seconds>"`` and the signature is the hex
HMAC-SHA256 of a purpose label and the payload under the server secret.  The
member id is *only* ever read from a cookie whose signature verifies, compared
in constant time with :func:`hmac.compare_digest`; a member id in a form field
or a query string is never looked at.

The CSRF token of a session is another HMAC of the cookie under the same secret
with a different purpose label: forms carry it in a hidden field, and every
POST made by a signed-in member must present it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import timedelta

from proforum.domain.common import MemberId
from proforum.ports.clock import Clock

COOKIE_NAME = "proforum_session"
#: A session is honoured for this long after sign-up.
DEFAULT_MAX_AGE = timedelta(days=14)
#: Cookies issued this far in the future (clock skew) are still accepted.
_FUTURE_SKEW_SECONDS = 60
_SESSION_LABEL = b"proforum-webapp/session/v1\x00"
_CSRF_LABEL = b"proforum-webapp/csrf/v1\x00"
_MAX_COOKIE_LENGTH = 512


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Issues and checks session cookies and their CSRF tokens.

    :param secret: the server secret (at least 32 bytes); by default 32 random
        bytes, which signs everyone out whenever the process restarts.
    :param clock: where the issue time and the expiry are read.
    """

    def __init__(
        self, clock: Clock, secret: bytes | None = None, max_age: timedelta = DEFAULT_MAX_AGE
    ) -> None:
        if secret is not None and len(secret) < 32:
            raise ValueError("the session secret must be at least 32 bytes long")
        self._key = secret if secret is not None else secrets.token_bytes(32)
        self._clock = clock
        self._max_age = max_age

    @property
    def max_age(self) -> timedelta:
        """How long a session lasts."""
        return self._max_age

    def _mac(self, label: bytes, data: str) -> str:
        return hmac.new(self._key, label + data.encode("ascii"), hashlib.sha256).hexdigest()

    def issue(self, member_id: MemberId) -> str:
        """Return a cookie value that says ``member_id`` is acting, from now on."""
        issued = int(self._clock.now().timestamp())
        payload = _b64encode(f"{member_id}|{issued}".encode())
        return f"{payload}.{self._mac(_SESSION_LABEL, payload)}"

    def verify(self, cookie: str | None) -> MemberId | None:
        """Return the member a cookie speaks for, or ``None`` if it is missing, forged or expired."""
        if not cookie or len(cookie) > _MAX_COOKIE_LENGTH or not cookie.isascii():
            return None
        payload, dot, signature = cookie.rpartition(".")
        if not dot:
            return None
        expected = self._mac(_SESSION_LABEL, payload)
        if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
            return None
        try:
            member_id, _, issued_text = _b64decode(payload).decode("utf-8").rpartition("|")
            issued = int(issued_text)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        now = self._clock.now().timestamp()
        if not member_id or issued > now + _FUTURE_SKEW_SECONDS:
            return None
        if now - issued > self._max_age.total_seconds():
            return None
        return MemberId(member_id)

    def csrf_token(self, cookie: str) -> str:
        """Return the CSRF token that forms of the session ``cookie`` must carry."""
        return self._mac(_CSRF_LABEL, cookie)

    def check_csrf(self, cookie: str, token: str | None) -> bool:
        """Tell, in constant time, whether ``token`` is the CSRF token of ``cookie``."""
        if not token or not token.isascii():
            return False
        return hmac.compare_digest(self.csrf_token(cookie).encode("ascii"), token.encode("ascii"))
