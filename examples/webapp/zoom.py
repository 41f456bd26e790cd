"""Zoom webhooks: the signature check, the URL-validation answer, and who joined.

What Zoom sends, per ``shared/reference/video-apis.md`` §A.7:

* headers ``x-zm-signature: v0=<hex>`` and ``x-zm-request-timestamp: <unix seconds>``;
* ``message = "v0:" + timestamp + ":" + raw body`` and
  ``signature = "v0=" + hex(HMAC-SHA256(key=secret token, msg=message))``,
  computed over the **raw bytes** of the body (never re-serialised JSON) and
  compared in constant time;
* ``endpoint.url_validation`` carries ``payload.plainToken``; the answer is
  ``{"plainToken": ..., "encryptedToken": hex(HMAC-SHA256(secret token, plainToken))}``,
  and the validation request is signed like every other one, so it is verified first.

Zoom's pages give no replay window; like the Standard Webhooks reference
verifier (``shared/reference/trust-practices.md`` §3.1, §3.5 W1) we refuse
timestamps more than :data:`TOLERANCE_SECONDS` in the past **or** the future.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Mapping

from proforum.domain.common import MeetupId, MemberId

SIGNATURE_HEADER = "x-zm-signature"
TIMESTAMP_HEADER = "x-zm-request-timestamp"
TRACKING_HEADER = "x-zm-trackingid"
TOLERANCE_SECONDS = 300
_MAX_TIMESTAMP_DIGITS = 12


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the ``x-zm-signature`` value Zoom sends for ``body`` at ``timestamp``."""
    message = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def encrypted_token(secret: str, plain_token: str) -> str:
    """Return the ``encryptedToken`` answering a URL validation for ``plain_token``."""
    return hmac.new(secret.encode("utf-8"), plain_token.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: float) -> bool:
    """Tell whether a request really comes from Zoom and is fresh.

    ``headers`` must look names up case-insensitively (Starlette's do).  False
    when a header is missing or malformed, the timestamp is more than
    :data:`TOLERANCE_SECONDS` away from ``now`` either way, or the signature
    over the raw ``body`` does not match.
    """
    signature = headers.get(SIGNATURE_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    if not signature or not timestamp:
        return False
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > _MAX_TIMESTAMP_DIGITS:
        return False
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, timestamp, body)
    # Starlette decodes header bytes as latin-1, so encoding back cannot fail.
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("latin-1"))


class ZoomDirectory:
    """Which Zoom meeting is which meetup, and which Zoom participant is which member.

    Kept in memory by the application: the server code that creates the Zoom
    meeting (or registers a member as a Zoom registrant) records the pairing
    here.  Members cannot write to it through the web pages, so nobody can
    claim somebody else's Zoom identity.  It is lost when the process restarts.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._meetings: dict[str, MeetupId] = {}
        self._emails: dict[str, MemberId] = {}
        self._registrants: dict[str, MemberId] = {}

    @staticmethod
    def _meeting_key(zoom_meeting_id: object) -> str:
        # Some Zoom events send the meeting id as a string, others as a number.
        return str(zoom_meeting_id).strip()

    def link_meeting(self, zoom_meeting_id: str | int, meetup_id: MeetupId) -> None:
        """Record that the Zoom meeting ``zoom_meeting_id`` is ``meetup_id``."""
        with self._lock:
            self._meetings[self._meeting_key(zoom_meeting_id)] = meetup_id

    def link_participant(
        self, member_id: MemberId, *, email: str | None = None, registrant_id: str | None = None
    ) -> None:
        """Record the Zoom e-mail and/or registrant id under which ``member_id`` joins."""
        with self._lock:
            if email:
                self._emails[email.strip().casefold()] = member_id
            if registrant_id:
                self._registrants[registrant_id.strip()] = member_id

    def meetup_for(self, zoom_meeting_id: object) -> MeetupId | None:
        """Return the meetup of a Zoom meeting, if known."""
        with self._lock:
            return self._meetings.get(self._meeting_key(zoom_meeting_id))

    def member_for(self, participant: Mapping[str, object]) -> MemberId | None:
        """Return the member behind a ``participant`` object, by registrant id then e-mail."""
        registrant = participant.get("registrant_id")
        email = participant.get("email")
        with self._lock:
            if isinstance(registrant, str) and registrant.strip() in self._registrants:
                return self._registrants[registrant.strip()]
            # The e-mail is empty for guests who are not signed in to Zoom.
            if isinstance(email, str) and email.strip():
                return self._emails.get(email.strip().casefold())
        return None
