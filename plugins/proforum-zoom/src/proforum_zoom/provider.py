"""The ``zoom`` video provider: proforum's video port on Zoom's REST API."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import attrs

from proforum.domain.common import MemberId, Secret
from proforum.domain.meetup import MeetingRef
from proforum.errors import ProforumError, VideoProviderError, WebhookRejected
from proforum.ports.context import AdapterContext
from proforum.ports.video import (
    AttendanceEntry,
    MeetingRequest,
    Participant,
    Registration,
    WebhookResult,
)
from proforum_zoom import webhooks
from proforum_zoom.client import Answer, TransientFailure, ZoomClient, utc_now
from proforum_zoom.errors import PROVIDER, refused, unavailable
from proforum_zoom.options import ZoomSettings, parse_options
from proforum_zoom.report import summarise

__all__ = [
    "BATCH_SIZE",
    "MARKER_PREFIX",
    "TOPIC_MAX",
    "ZoomProvider",
    "ZoomProviderFactory",
    "marker",
    "meeting_segment",
]

log = logging.getLogger("proforum_zoom")

#: Zoom's limit on one batch of registrants (Indico's ``BATCH_REGISTRANTS_MAX``).
BATCH_SIZE = 30
#: Zoom meeting topics may be up to 200 characters long.
TOPIC_MAX = 200
#: Registrants' first names: Zoom keeps 64 characters.
FIRST_NAME_MAX = 64
#: The agenda line that ties a Zoom meeting to its meetup (see :func:`marker`).
MARKER_PREFIX = "proforum-meetup:"
#: No report or listing is followed further than this many pages.
MAX_PAGES = 1000


def marker(meetup_id: str) -> str:
    """The agenda line naming the meetup a meeting belongs to.

    A create retried after an ambiguous failure first looks for a meeting
    with this line among the host's upcoming meetings, so that the meetup
    never gets a second meeting.  The meetup id is an opaque, harmless token.
    """
    return f"{MARKER_PREFIX}{meetup_id}"


def meeting_segment(meeting_id: str) -> str:
    """``meeting_id`` as a URL path segment.

    A numeric id goes as it is.  A meeting instance UUID is percent-encoded,
    and **twice** when it starts with ``/`` or contains ``//``, as Zoom asks:
    ``/ajXp112QmuoKj4854875==`` becomes ``%252FajXp112QmuoKj4854875%253D%253D``.
    """
    if meeting_id.isdigit():
        return meeting_id
    once = quote(meeting_id, safe="")
    if meeting_id.startswith("/") or "//" in meeting_id:
        return quote(once, safe="")
    return once


def _utc_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _minutes(request: MeetingRequest) -> int:
    # Whole minutes, rounded up so the meeting never ends before the meetup.
    return max(1, math.ceil((request.ends_at - request.starts_at).total_seconds() / 60))


def _schedule(request: MeetingRequest) -> dict[str, Any]:
    return {
        "topic": request.title[:TOPIC_MAX],
        "start_time": _utc_z(request.starts_at),
        "duration": _minutes(request),
        "timezone": request.time_zone,
    }


def _meeting_id(data: Any) -> str | None:
    raw = data.get("id") if isinstance(data, dict) else None
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return str(raw)
    if isinstance(raw, str) and raw.isdigit():
        return raw
    return None


def _https(value: Any) -> str | None:
    return value if isinstance(value, str) and value.startswith("https://") else None


class ZoomProvider:
    """Meetings, registrants, attendance reports and webhooks on one Zoom account.

    Build it with :class:`ZoomProviderFactory` (``proforum.open`` does).
    Thread-safe: the token cache is locked and nothing else is shared.
    """

    def __init__(self, settings: ZoomSettings, now: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self._now = now
        self.client = ZoomClient(settings, now)
        self._lock = threading.Lock()
        # Registrants this provider registered, to name the member in reports.
        # Only a shortcut: reports are matched by address when it is empty.
        self._members: dict[str, MemberId] = {}
        self._emails: dict[str, str] = {}

    @property
    def name(self) -> str:
        """``zoom``."""
        return PROVIDER

    def __repr__(self) -> str:
        return f"ZoomProvider({self.settings!r})"

    @property
    def _user(self) -> str:
        return quote(self.settings.user, safe="@")

    # ------------------------------------------------------------------ meetings

    def create_meeting(self, request: MeetingRequest) -> MeetingRef:
        """Create a scheduled meeting with registration and a waiting room.

        Before each attempt the host's upcoming meetings are searched for
        this meetup's :func:`marker`: a meeting created by an attempt whose
        answer was lost (or by an earlier call that failed afterwards) is
        adopted, moved to the request's times, and returned.

        :raises VideoProviderError: Zoom refused, or answered unreadably.
        :raises VideoProviderUnavailable: Zoom could not be reached in time.
        """
        operation = "create_meeting"
        body: dict[str, Any] = {
            **_schedule(request),
            "type": 2,  # scheduled, at a fixed time
            "agenda": marker(request.meetup_id),
            "settings": {
                "waiting_room": True,
                "join_before_host": False,
                # 0: registrations approved automatically; registration is on.
                "approval_type": 0,
                # proforum sends the links itself, in the member's language.
                "registrants_email_notification": False,
                "registrants_confirmation_email": False,
            },
        }
        attempts = self.settings.max_attempts
        for attempt in range(1, attempts + 1):
            existing = self._find(operation, request.meetup_id)
            if existing is not None:
                log.info("zoom %s: adopting the meeting an earlier attempt created", operation)
                return self._adopt(operation, existing, request)
            try:
                answer = self.client.call(
                    operation,
                    "POST",
                    f"/users/{self._user}/meetings",
                    body=body,
                    expect=(201,),
                    retry=False,
                )
            except TransientFailure as exc:
                reason = str(exc.params["reason"])
                if attempt == attempts:
                    # The last answer may have been lost after Zoom created it.
                    self._remove_marked(operation, request.meetup_id)
                    raise unavailable(operation, reason) from None
                self.client.pause(operation, attempt, reason, exc.params["retry_after"])
                continue
            except VideoProviderError as exc:
                status = exc.params.get("status")
                if isinstance(status, int) and 200 <= status < 300:
                    # Created, but the answer was unreadable: take it away again.
                    self._remove_marked(operation, request.meetup_id)
                raise
            return self._created(operation, answer)
        raise unavailable(operation, "no attempt left")  # pragma: no cover - loop returns

    def _remove_marked(self, operation: str, meetup_id: str) -> None:
        """Best effort: delete a meeting of ``meetup_id`` a failed create may have left."""
        try:
            found = self._find(operation, meetup_id)
            meeting_id = None if found is None else _meeting_id(found)
        except ProforumError:
            log.warning("zoom %s: could not check for a meeting left behind", operation)
            return
        if meeting_id is not None:
            self._delete_quietly(operation, meeting_id)

    def _created(self, operation: str, answer: Answer) -> MeetingRef:
        meeting_id = _meeting_id(answer.data)
        join_url = _https(answer.data.get("join_url")) if isinstance(answer.data, dict) else None
        if meeting_id is None:
            raise refused(operation, "malformed response", status=answer.status)
        if join_url is None:
            # Unusable: remove it so that nothing is left behind.
            self._delete_quietly(operation, meeting_id)
            raise refused(operation, "malformed response", status=answer.status)
        return MeetingRef(provider=PROVIDER, meeting_id=meeting_id, join_url=Secret(join_url))

    def _delete_quietly(self, operation: str, meeting_id: str) -> None:
        try:
            self.client.call(
                operation, "DELETE", f"/meetings/{meeting_id}", expect=(204, 200), allow=(404,)
            )
        except ProforumError:  # the original failure is what the caller must see
            log.warning("zoom %s: could not remove an unusable meeting", operation)

    def _pages(
        self,
        operation: str,
        path: str,
        key: str,
        query: Mapping[str, str | int] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a ``next_page_token``-paged listing."""
        token = ""
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            params: dict[str, str | int] = {**(query or {}), "page_size": self.settings.page_size}
            if token:
                params["next_page_token"] = token
            answer = self.client.call(operation, "GET", path, query=params)
            data = answer.data
            items = data.get(key) if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise refused(operation, "malformed response", status=answer.status)
            yield from (item for item in items if isinstance(item, dict))
            token = data.get("next_page_token") or ""
            if not isinstance(token, str) or not token:
                return
            if token in seen:  # a server handing the same page back: stop, do not loop
                raise refused(operation, "paging loops", status=answer.status)
            seen.add(token)
        raise refused(operation, "too many pages")

    def _find(self, operation: str, meetup_id: str) -> dict[str, Any] | None:
        line = marker(meetup_id)
        for item in self._pages(
            operation, f"/users/{self._user}/meetings", "meetings", {"type": "upcoming"}
        ):
            agenda = item.get("agenda")
            if isinstance(agenda, str) and line in agenda.splitlines():
                return item
        return None

    def _adopt(
        self, operation: str, found: Mapping[str, Any], request: MeetingRequest
    ) -> MeetingRef:
        meeting_id = _meeting_id(found)
        if meeting_id is None:
            raise refused(operation, "malformed response")
        answer = self.client.call(operation, "GET", f"/meetings/{meeting_id}")
        data = answer.data if isinstance(answer.data, dict) else {}
        join_url = _https(data.get("join_url"))
        if join_url is None:
            raise refused(operation, "malformed response", status=answer.status)
        wanted = _schedule(request)
        if any(data.get(field) != value for field, value in wanted.items()):
            self.client.call(
                operation, "PATCH", f"/meetings/{meeting_id}", body=wanted, expect=(204,)
            )
        return MeetingRef(provider=PROVIDER, meeting_id=meeting_id, join_url=Secret(join_url))

    def join_link(self, meeting: MeetingRef, member_id: MemberId) -> Secret:
        """The meeting's shared link; personal links come from :meth:`register`."""
        return meeting.join_url

    def update_meeting(self, meeting: MeetingRef, request: MeetingRequest) -> MeetingRef:
        """Move the meeting to the request's times, time zone and title.

        The link does not change: the passcode is left alone.

        :raises VideoProviderError: Zoom refused (``404``: the meeting is gone).
        """
        self.client.call(
            "update_meeting",
            "PATCH",
            f"/meetings/{meeting_segment(meeting.meeting_id)}",
            body=_schedule(request),
            expect=(204,),
        )
        return meeting

    def cancel_meeting(self, meeting: MeetingRef) -> None:
        """Delete the meeting; one already deleted (Zoom code ``3001``) is not an error."""
        operation = "cancel_meeting"
        answer = self.client.call(
            operation,
            "DELETE",
            f"/meetings/{meeting_segment(meeting.meeting_id)}",
            expect=(204, 200),
            allow=(400, 404),
        )
        if answer.status == 404 or answer.zoom_code == 3001:
            log.info("zoom %s: the meeting was already gone", operation)
            return
        if answer.status == 400:
            raise refused(
                operation,
                f"HTTP 400, Zoom code {answer.zoom_code}",
                status=400,
                zoom_code=answer.zoom_code,
            )

    # ------------------------------------------------------------------ registrants

    def register(
        self, meeting: MeetingRef, participants: Sequence[Participant]
    ) -> Sequence[Registration]:
        """Register ``participants`` in batches of 30, each with a personal link.

        The host is not registered (Zoom refuses hosts as registrants, code
        3027) and gets the meeting's shared link.  Registering someone again
        is harmless: Zoom hands back the same registrant.

        :raises VideoProviderError: a participant has no address or shares
            one with another, or Zoom refused a batch.  Earlier batches stay
            registered; calling again with the same participants is safe.
        """
        operation = "register"
        seen: set[str] = set()
        guests = [p for p in participants if not p.host]
        for participant in guests:
            address = (participant.email or "").strip().casefold()
            if not address:
                raise refused(operation, "a participant has no e-mail address")
            if address in seen:
                raise refused(operation, "two participants share an e-mail address")
            seen.add(address)
        personal: dict[MemberId, Registration] = {}
        path = f"/meetings/{meeting_segment(meeting.meeting_id)}/batch_registrants"
        for start in range(0, len(guests), BATCH_SIZE):
            batch = guests[start : start + BATCH_SIZE]
            answer = self.client.call(
                operation,
                "POST",
                path,
                body={
                    "auto_approve": True,
                    "registrants_confirmation_email": False,
                    "registrants": [
                        {
                            "email": (p.email or "").strip(),
                            "first_name": p.display_name.strip()[:FIRST_NAME_MAX] or "-",
                        }
                        for p in batch
                    ],
                },
                expect=(201, 200),
            )
            by_email = self._registrants_by_email(operation, answer)
            for participant in batch:
                address = (participant.email or "").strip()
                found = by_email.get(address.casefold())
                if found is None:
                    raise refused(operation, "a registrant is missing from the answer")
                registrant_id, link = found
                with self._lock:
                    self._members[registrant_id] = participant.member_id
                    self._emails[registrant_id] = address
                personal[participant.member_id] = Registration(
                    member_id=participant.member_id,
                    join_url=Secret(link),
                    registrant_id=registrant_id,
                )
        return [
            Registration(member_id=p.member_id, join_url=meeting.join_url)
            if p.host
            else personal[p.member_id]
            for p in participants
        ]

    @staticmethod
    def _registrants_by_email(operation: str, answer: Answer) -> dict[str, tuple[str, str]]:
        data = answer.data
        rows = data.get("registrants") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise refused(operation, "malformed response", status=answer.status)
        found: dict[str, tuple[str, str]] = {}
        for row in rows:
            if not isinstance(row, dict):
                continue
            email = row.get("email")
            registrant_id = row.get("registrant_id") or row.get("id")
            link = _https(row.get("join_url"))
            if isinstance(email, str) and isinstance(registrant_id, str) and link:
                found[email.strip().casefold()] = (registrant_id, link)
        return found

    def revoke(self, meeting: MeetingRef, registration: Registration) -> None:
        """Cancel the registrant: their personal link stops working.

        A registration without a registrant id (the host's shared link) has
        nothing to cancel; a meeting already deleted is not an error.
        """
        operation = "revoke"
        registrant_id = registration.registrant_id
        if registrant_id is None:
            return
        entry: dict[str, str] = {"id": registrant_id}
        with self._lock:
            email = self._emails.get(registrant_id)
        if email:
            entry["email"] = email
        answer = self.client.call(
            operation,
            "PUT",
            f"/meetings/{meeting_segment(meeting.meeting_id)}/registrants/status",
            body={"action": "cancel", "registrants": [entry]},
            expect=(204, 200),
            allow=(404,),
        )
        if answer.status == 404:
            log.info("zoom %s: the meeting was already gone", operation)

    # ------------------------------------------------------------------ attendance

    def attendance(self, meeting: MeetingRef) -> Sequence[AttendanceEntry]:
        """Who was in the meeting and for how long, from Zoom's past-participants report.

        A numeric meeting id reads the latest instance; a meeting instance
        UUID reads that instance.  Each person's intervals are added up into
        one entry (see :func:`proforum_zoom.report.summarise`).  A meeting
        that exists but has no report yet (nobody has joined) gives ``[]``.

        :raises VideoProviderError: Zoom refused, e.g. the meeting is gone
            (``404``, code 3001) or the account has no reports (not Pro).
        """
        operation = "attendance"
        segment = meeting_segment(meeting.meeting_id)
        try:
            rows = list(
                self._pages(operation, f"/past_meetings/{segment}/participants", "participants")
            )
        except VideoProviderError as exc:
            if exc.params.get("status") != 404 or not self._exists(operation, meeting):
                raise
            # The meeting is there but has no report: nobody has been in it yet.
            return []
        with self._lock:
            members = dict(self._members)
            emails = dict(self._emails)
        unnamed = {
            r.get("registrant_id")
            for r in rows
            if r.get("registrant_id") and not r.get("user_email")
        }
        if unnamed - emails.keys() and meeting.meeting_id.isdigit():
            # Registered elsewhere (another process): ask Zoom for their addresses.
            for registrant in self._pages(
                operation, f"/meetings/{segment}/registrants", "registrants"
            ):
                rid, email = registrant.get("id"), registrant.get("email")
                if isinstance(rid, str) and isinstance(email, str) and email:
                    emails.setdefault(rid, email)
        return summarise(rows, members=members, emails=emails)

    def _exists(self, operation: str, meeting: MeetingRef) -> bool:
        if not meeting.meeting_id.isdigit():
            return False
        answer = self.client.call(
            operation, "GET", f"/meetings/{meeting.meeting_id}", allow=(404, 400)
        )
        return answer.status == 200

    # ------------------------------------------------------------------ webhooks

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> WebhookResult:
        """Check a Zoom webhook with the ``webhook_secret`` option, then read it.

        ``endpoint.url_validation`` gets its challenge answer in
        ``WebhookResult.reply``; ``meeting.participant_joined`` and
        ``meeting.participant_left`` give one attendance event each; any
        other event gives a result with no events.

        :raises WebhookRejected: no ``webhook_secret`` is configured, or the
            call's signature, timestamp or body does not check out.
        """
        secret = self.settings.webhook_secret
        if secret is None:
            raise WebhookRejected(None, provider=PROVIDER, reason="no webhook_secret configured")
        return webhooks.verify(secret, headers, body, now, self.settings.webhook_tolerance)


@attrs.frozen
class ZoomProviderFactory:
    """Registers :class:`ZoomProvider` under the name ``zoom``."""

    name: str = PROVIDER

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> ZoomProvider:
        """Check ``options`` (``video_options["zoom"]``) and build the provider.

        :raises ZoomOptionInvalid: an option is missing, unknown or malformed.
        """
        return ZoomProvider(parse_options(options), context.clock.now)
