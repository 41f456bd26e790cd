"""The ``teams`` video provider: Teams online meetings through Microsoft Graph.

Meetings belong to one configured organizer (an Entra user the application
may act for, through an application access policy) and are created with
``createOrGet`` and the meetup id as ``externalId``: a retried or repeated
create returns the meeting made the first time instead of a second one.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from proforum.domain.common import MemberId, Secret
from proforum.domain.meetup import MeetingRef
from proforum.errors import VideoProviderError
from proforum.ports.context import AdapterContext
from proforum.ports.video import AttendanceEntry, MeetingRequest, WebhookResult
from proforum_teams.errors import PROVIDER, TeamsOptionInvalid
from proforum_teams.graph import GraphClient, Response, json_object, malformed, refused, send
from proforum_teams.options import LOBBY_SCOPES, PRESENTERS, TeamsSettings, choice, parse_options
from proforum_teams.retry import Backoff
from proforum_teams.webhooks import verify_notification

log = logging.getLogger("proforum_teams")

#: What a host may pass to ``Forum.set_meeting(..., options=...)`` for one meeting.
MEETING_OPTIONS = frozenset({"lobby_scope", "allowed_presenters"})


def graph_time(moment: datetime) -> str:
    """``moment`` in UTC as Graph's DateTime (``2026-12-10T10:00:00Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_graph_time(value: object) -> datetime | None:
    """Read Graph's DateTime (up to 7 fractional digits, ``Z`` or an offset); ``None`` if not."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if "." in text:
        # Python reads at most microseconds; Graph writes ticks (7 digits).
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[:digits][:6].ljust(6, '0')}{tail[digits:]}"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class TeamsProvider:
    """Creates, moves and deletes Teams meetings; reads their attendance reports.

    Teams has no personal join links, so this provider has no ``register``
    or ``revoke``: :meth:`join_link` gives everyone the meeting's
    ``joinWebUrl``, and proforum hands it only to those entitled to it.  The
    lobby (``lobby_scope``, by default ``organizer``: everyone else waits to be
    admitted) is what keeps out someone the link was forwarded to.
    """

    def __init__(
        self,
        settings: TeamsSettings,
        context: AdapterContext,
        *,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] | None = None,
        transport: Callable[..., Response] = send,
    ) -> None:
        self.settings = settings
        backoff = Backoff(
            max_attempts=settings.max_attempts,
            base=settings.backoff_base,
            cap=settings.backoff_max,
            max_retry_after=settings.max_retry_after,
            sleep=sleep,
            random=random or secrets.SystemRandom().random,
        )
        self._graph = GraphClient(settings, context.clock, backoff, transport)

    def __repr__(self) -> str:
        return f"TeamsProvider(settings={self.settings!r})"

    @property
    def name(self) -> str:
        """``teams``."""
        return PROVIDER

    # ------------------------------------------------------------------ meetings

    def create_meeting(self, request: MeetingRequest) -> MeetingRef:
        """Create (or find again) the meetup's online meeting, then set its lobby.

        ``createOrGet`` takes only the subject, the times and the external id,
        so the lobby and presenter settings follow in a ``PATCH``.  If that
        fails for a meeting this call has just created, the meeting is deleted
        again: a failed create leaves nothing behind.

        :raises VideoProviderError: Graph refused or answered nonsense.
        :raises VideoProviderUnavailable: Graph could not be reached.
        """
        operation = "create_meeting"
        lobby_scope, presenters = self._meeting_options(request.options, operation)
        external_id = f"{self.settings.external_id_prefix}{request.meetup_id}"
        response = self._graph.call(
            operation,
            "POST",
            f"{self._meetings_url()}/createOrGet",
            {
                "externalId": external_id,
                "subject": request.title,
                "startDateTime": graph_time(request.starts_at),
                "endDateTime": graph_time(request.ends_at),
            },
        )
        if response.status not in (200, 201):
            raise refused(operation, response)
        created = response.status == 201
        meeting = json_object(operation, response)
        meeting_id, _ = self._identity(operation, meeting)
        changes: dict[str, Any] = {
            "lobbyBypassSettings": {
                "scope": lobby_scope,
                "isDialInBypassEnabled": self.settings.dial_in_bypass,
            },
            "allowedPresenters": presenters,
        }
        # A meeting found again may carry what an earlier version of the meetup said.
        changes.update(self._differences(meeting, request))
        try:
            updated = self._patch(operation, meeting_id, changes)
        except VideoProviderError:
            if created:
                self._discard(meeting_id)
            raise
        log.info(
            "teams: %s: meeting %s, lobby set", operation, "created" if created else "found again"
        )
        return updated

    def join_link(self, meeting: MeetingRef, member_id: MemberId) -> Secret:
        """The meeting's shared ``joinWebUrl``: Teams has no per-person links."""
        self._own(meeting, "join_link")
        return meeting.join_url

    def update_meeting(self, meeting: MeetingRef, request: MeetingRequest) -> MeetingRef:
        """Move the meeting to the request's times and title.

        Graph requires ``startDateTime`` and ``endDateTime`` together, so both
        are always sent.
        """
        operation = "update_meeting"
        self._own(meeting, operation)
        return self._patch(
            operation,
            meeting.meeting_id,
            {
                "subject": request.title,
                "startDateTime": graph_time(request.starts_at),
                "endDateTime": graph_time(request.ends_at),
            },
            fallback=meeting.join_url,
        )

    def cancel_meeting(self, meeting: MeetingRef) -> None:
        """Delete the meeting; one that is already gone (``404``) is fine."""
        operation = "cancel_meeting"
        self._own(meeting, operation)
        response = self._graph.call(operation, "DELETE", self._meeting_url(meeting.meeting_id))
        if response.status not in (200, 204, 404):
            raise refused(operation, response)

    # ------------------------------------------------------------------ attendance

    def attendance(self, meeting: MeetingRef) -> Sequence[AttendanceEntry]:
        """Everyone in the meeting's attendance reports, once each, with their total time.

        Graph writes one report per session (each time the meeting ends), so
        a person's seconds are added up across reports.  People are told
        apart by ``emailAddress`` (case-insensitively), or by their Teams
        identity when they have none; those without an address are returned
        with ``email=None`` and proforum counts them as unmatched.
        """
        operation = "attendance"
        self._own(meeting, operation)
        base = f"{self._meeting_url(meeting.meeting_id)}/attendanceReports"
        totals: dict[str, int] = {}
        anonymous = itertools.count()
        emails: dict[str, str | None] = {}
        for reports in self._graph.pages(operation, base):
            for report in reports:
                report_id = report.get("id")
                if not isinstance(report_id, str) or not report_id:
                    raise malformed(operation)
                records_url = f"{base}/{quote(report_id, safe='')}/attendanceRecords"
                for records in self._graph.pages(operation, records_url):
                    for record in records:
                        key, email = _person(record)
                        if key is None:
                            # Neither an address nor an identity: nobody to add up with.
                            key = f"anonymous:{next(anonymous)}"
                        totals[key] = totals.get(key, 0) + _seconds(operation, record)
                        emails.setdefault(key, email)
        return [AttendanceEntry(seconds=totals[key], email=emails[key]) for key in totals]

    # ------------------------------------------------------------------ webhooks

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> WebhookResult:
        """Answer a subscription's validation handshake, or check a change notification.

        See :func:`proforum_teams.webhooks.verify_notification`.
        """
        return verify_notification(self.settings.client_state, headers, body)

    # ------------------------------------------------------------------ internals

    def _meetings_url(self) -> str:
        return f"{self._graph.base}/users/{quote(self.settings.organizer, safe='')}/onlineMeetings"

    def _meeting_url(self, meeting_id: str) -> str:
        return f"{self._meetings_url()}/{quote(meeting_id, safe='')}"

    def _own(self, meeting: MeetingRef, operation: str) -> None:
        if meeting.provider != PROVIDER:
            raise VideoProviderError(
                None, provider=PROVIDER, operation=operation, reason="not a Teams meeting"
            )

    def _meeting_options(self, options: Mapping[str, Any], operation: str) -> tuple[str, str]:
        for key in options:
            if key not in MEETING_OPTIONS:
                raise VideoProviderError(
                    None,
                    provider=PROVIDER,
                    operation=operation,
                    reason=f"unknown meeting option '{key}'"
                    if isinstance(key, str) and key.isidentifier()
                    else "unknown meeting option",
                )
        lobby = options.get("lobby_scope", self.settings.lobby_scope)
        presenters = options.get("allowed_presenters", self.settings.allowed_presenters)
        return (
            choice(lobby, "lobby_scope", LOBBY_SCOPES),
            choice(presenters, "allowed_presenters", PRESENTERS),
        )

    @staticmethod
    def _differences(meeting: Mapping[str, Any], request: MeetingRequest) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if meeting.get("subject") != request.title:
            changes["subject"] = request.title
        start = parse_graph_time(meeting.get("startDateTime"))
        end = parse_graph_time(meeting.get("endDateTime"))
        if start != request.starts_at or end != request.ends_at:
            changes["startDateTime"] = graph_time(request.starts_at)
            changes["endDateTime"] = graph_time(request.ends_at)
        return changes

    def _identity(self, operation: str, meeting: Mapping[str, Any]) -> tuple[str, str | None]:
        meeting_id = meeting.get("id")
        link = meeting.get("joinWebUrl")
        if not isinstance(meeting_id, str) or not meeting_id:
            raise malformed(operation)
        if link is not None and (not isinstance(link, str) or not link.startswith("https://")):
            raise malformed(operation)
        return meeting_id, link

    def _patch(
        self,
        operation: str,
        meeting_id: str,
        changes: Mapping[str, Any],
        fallback: Secret | None = None,
    ) -> MeetingRef:
        response = self._graph.call(operation, "PATCH", self._meeting_url(meeting_id), changes)
        if response.status != 200:
            raise refused(operation, response)
        _, link = self._identity(operation, json_object(operation, response))
        join_url = Secret(link) if link else fallback
        if join_url is None:
            raise malformed(operation, "no join link in the response")
        return MeetingRef(PROVIDER, meeting_id, join_url)

    def _discard(self, meeting_id: str) -> None:
        # Best effort: the error that brought us here is the one to report.
        try:
            response = self._graph.call("create_meeting", "DELETE", self._meeting_url(meeting_id))
            if response.status not in (200, 204, 404):
                raise refused("create_meeting", response)
        except VideoProviderError:
            log.warning("teams: create_meeting: could not delete the half-made meeting")


def _person(record: Mapping[str, Any]) -> tuple[str | None, str | None]:
    email = record.get("emailAddress")
    if isinstance(email, str) and email.strip():
        return "email:" + email.strip().casefold(), email.strip()
    identity = record.get("identity")
    person = identity.get("id") if isinstance(identity, dict) else None
    if isinstance(person, str) and person:
        return "id:" + person, None
    return None, None


def _seconds(operation: str, record: Mapping[str, Any]) -> int:
    total = record.get("totalAttendanceInSeconds")
    if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
        return total
    # Without the total, the intervals add up to the same number.
    intervals = record.get("attendanceIntervals")
    if total is None and isinstance(intervals, list):
        seconds = 0
        for interval in intervals:
            duration = interval.get("durationInSeconds") if isinstance(interval, dict) else None
            if not isinstance(duration, int) or isinstance(duration, bool) or duration < 0:
                raise malformed(operation)
            seconds += duration
        return seconds
    raise malformed(operation)


class TeamsProviderFactory:
    """Builds the ``teams`` provider from ``video_options["teams"]``."""

    @property
    def name(self) -> str:
        """``teams``."""
        return PROVIDER

    def __repr__(self) -> str:
        return "TeamsProviderFactory()"

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> TeamsProvider:
        """Check ``options`` and build the provider.

        ``sleep`` and ``random`` may be given as objects (for tests); every
        other option is described in the README.

        :raises TeamsOptionInvalid: an unknown, missing or malformed option.
        """
        settings = parse_options(options)
        sleep = options.get("sleep", time.sleep)
        random = options.get("random")
        if not callable(sleep):
            raise parse_error("sleep")
        if random is not None and not callable(random):
            raise parse_error("random")
        return TeamsProvider(settings, context, sleep=sleep, random=random)


def parse_error(option: str) -> TeamsOptionInvalid:
    """The error for an option that should have been a function."""
    return TeamsOptionInvalid(
        None, option=option, rule_en="must be a function", rule_ko="함수여야 합니다"
    )


__all__ = [
    "MEETING_OPTIONS",
    "TeamsProvider",
    "TeamsProviderFactory",
    "graph_time",
    "parse_graph_time",
]
