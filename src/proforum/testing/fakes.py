"""Adapters for application tests: a fake video provider and a recording notifier.

Both keep everything they are asked to do so a test can look at it afterwards,
and neither talks to the outside world.  The ``proforum_forum`` fixture of
:mod:`proforum.testing.pytest_plugin` registers them through
:class:`KitAdapters`; outside pytest, register them yourself::

    video, notifier = FakeVideoProvider(), RecordingNotifier()
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(KitAdapters(video, notifier))
    forum = proforum.open("memory://", plugin_manager=pm, notifier="recording")

This module does not need pytest or Hypothesis.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import attrs

from proforum.adapters.inbox import InboxNotifier
from proforum.domain.common import MemberId, Secret
from proforum.domain.identity import Member
from proforum.domain.meetup import MeetingRef
from proforum.domain.notification import Message, MessageKind
from proforum.errors import WebhookRejected
from proforum.plugins import hookimpl
from proforum.ports.context import AdapterContext
from proforum.ports.notifier import Notifier, NotifierFactory, RenderedMessage
from proforum.ports.video import (
    AttendanceEntry,
    AttendanceEvent,
    MeetingRequest,
    Participant,
    Registration,
    VideoProvider,
    VideoProviderFactory,
    WebhookResult,
)

#: Where the fake provider's meetings live; ``.test`` names never resolve.
FAKE_VIDEO_BASE_URL = "https://video.proforum.test"


# --------------------------------------------------------------------------- video


@attrs.frozen
class JoinRequest:
    """One call of :meth:`FakeVideoProvider.join_link`: which meeting, for whom."""

    meeting_id: str
    member_id: MemberId


class FakeVideoProvider:
    """A video provider named ``fake`` that records every request it gets.

    Meetings are numbered ``fake-1``, ``fake-2``...; every member gets a personal
    https link (:meth:`link_for`), so a test can tell whose link a message holds.
    Set :attr:`failure` to an exception to make the next calls raise it, as a
    provider that is down would.
    """

    name = "fake"

    def __init__(self, base_url: str = FAKE_VIDEO_BASE_URL) -> None:
        self.base_url = base_url.rstrip("/")
        #: Every meeting request, in order.
        self.requests: list[MeetingRequest] = []
        #: Every join-link request, in order.
        self.join_requests: list[JoinRequest] = []
        #: Raised by every call while set; ``None`` for a working provider.
        self.failure: Exception | None = None
        #: What :meth:`attendance` reports, per meeting id: set it in a test,
        #: as the provider's report would read after the meeting.
        self.attendance_reports: dict[str, list[AttendanceEntry]] = {}
        self._lock = threading.Lock()

    def create_meeting(self, request: MeetingRequest) -> MeetingRef:
        """Record ``request`` and return the next numbered meeting."""
        with self._lock:
            if self.failure is not None:
                raise self.failure
            self.requests.append(request)
            meeting_id = f"fake-{len(self.requests)}"
        return MeetingRef(
            provider=self.name,
            meeting_id=meeting_id,
            join_url=Secret(f"{self.base_url}/{meeting_id}"),
        )

    def join_link(self, meeting: MeetingRef, member_id: MemberId) -> Secret:
        """Record the request and return ``member_id``'s personal link."""
        with self._lock:
            if self.failure is not None:
                raise self.failure
            self.join_requests.append(JoinRequest(meeting.meeting_id, member_id))
        return Secret(self.link_for(meeting.meeting_id, member_id))

    def attendance(self, meeting: MeetingRef) -> Sequence[AttendanceEntry]:
        """Return the report set in :attr:`attendance_reports` (empty when none was)."""
        with self._lock:
            if self.failure is not None:
                raise self.failure
            return list(self.attendance_reports.get(meeting.meeting_id, ()))

    def link_for(self, meeting_id: str, member_id: str) -> str:
        """Return the link :meth:`join_link` gives ``member_id`` for ``meeting_id``."""
        return f"{self.base_url}/{meeting_id}?member={quote(member_id, safe='')}"

    def __repr__(self) -> str:
        return f"FakeVideoProvider(requests={len(self.requests)})"


#: The secret :class:`RegisteringFakeVideoProvider` signs its webhooks with.
FAKE_WEBHOOK_SECRET = "fake-webhook-secret"  # noqa: S105 - a fake for tests, public on purpose


class RegisteringFakeVideoProvider(FakeVideoProvider):
    """A fake with every optional capability: registrants, moves, deletes, webhooks.

    Named ``fake-registrations``.  Each registered participant gets their own
    link and a registrant id ``reg-<member id>``; revoked registrant ids,
    moved and deleted meetings are recorded.  Webhooks are JSON bodies
    ``{"meeting_id", "event": "joined"|"left", "registrant_id", "at"}`` signed
    with HMAC-SHA256 of the body under :data:`FAKE_WEBHOOK_SECRET`, hex, in the
    ``x-fake-signature`` header (see :func:`sign_fake_webhook`).
    """

    name = "fake-registrations"

    def __init__(self, base_url: str = FAKE_VIDEO_BASE_URL) -> None:
        super().__init__(base_url)
        #: Every batch :meth:`register` was given, as member ids.
        self.registered: list[list[MemberId]] = []
        #: Registrant ids whose links were revoked, in order.
        self.revoked: list[str] = []
        #: Every (meeting id, new start) the provider was asked to move to.
        self.moved: list[tuple[str, datetime]] = []
        #: Meeting ids deleted, in order (a second delete is not an error).
        self.deleted: list[str] = []

    def _check(self) -> None:
        if self.failure is not None:
            raise self.failure

    def update_meeting(self, meeting: MeetingRef, request: MeetingRequest) -> MeetingRef:
        """Record the move; the meeting keeps its id and link."""
        with self._lock:
            self._check()
            self.moved.append((meeting.meeting_id, request.starts_at))
        return meeting

    def cancel_meeting(self, meeting: MeetingRef) -> None:
        """Record the deletion."""
        with self._lock:
            self._check()
            self.deleted.append(meeting.meeting_id)

    def register(
        self, meeting: MeetingRef, participants: Sequence[Participant]
    ) -> Sequence[Registration]:
        """Register ``participants``: each gets ``…?registrant=reg-<member id>``."""
        with self._lock:
            self._check()
            self.registered.append([p.member_id for p in participants])
        return [
            Registration(
                member_id=p.member_id,
                join_url=Secret(
                    f"{self.base_url}/{meeting.meeting_id}?registrant="
                    f"{quote('reg-' + p.member_id, safe='')}"
                ),
                registrant_id=f"reg-{p.member_id}",
            )
            for p in participants
        ]

    def revoke(self, meeting: MeetingRef, registration: Registration) -> None:
        """Record that ``registration``'s link no longer works."""
        with self._lock:
            self._check()
            self.revoked.append(registration.registrant_id or registration.member_id)

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> WebhookResult:
        """Check the ``x-fake-signature`` header, then read the event."""
        given = {k.lower(): v for k, v in headers.items()}.get("x-fake-signature", "")
        expected = sign_fake_webhook(body)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected(None, provider=self.name, reason="bad signature")
        try:
            data = json.loads(body)
            event = AttendanceEvent(
                kind=str(data["event"]),
                at=datetime.fromisoformat(str(data["at"])),
                registrant_id=data.get("registrant_id"),
            )
            meeting_id = str(data["meeting_id"])
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected(None, provider=self.name, reason="malformed body") from None
        return WebhookResult(meeting_id=meeting_id, events=(event,))

    def __repr__(self) -> str:
        return f"RegisteringFakeVideoProvider(requests={len(self.requests)})"


def sign_fake_webhook(body: bytes) -> str:
    """The ``x-fake-signature`` of ``body`` for :class:`RegisteringFakeVideoProvider`."""
    return hmac.new(FAKE_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


@attrs.frozen
class FakeVideoFactory:
    """Hands the forum one given :class:`FakeVideoProvider` under its name."""

    provider: FakeVideoProvider

    @property
    def name(self) -> str:
        """The provider's name, ``fake`` by default."""
        return self.provider.name

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> VideoProvider:
        """Return the provider itself, so the test sees what the forum asked of it."""
        return self.provider


# --------------------------------------------------------------------------- notifier


@attrs.frozen
class Delivery:
    """One message as a notifier received it: the message, its recipient, its text.

    ``repr()`` shows neither the text nor the message parameters (they may hold
    a meeting link) nor the recipient's real name.
    """

    message: Message
    recipient: Member
    rendered: RenderedMessage

    @property
    def kind(self) -> MessageKind:
        """What the message is about."""
        return self.message.kind

    @property
    def recipient_id(self) -> MemberId:
        """Who the message was for."""
        return self.recipient.id

    @property
    def text(self) -> str:
        """The subject and the body, as the member would read them."""
        return f"{self.rendered.subject}\n{self.rendered.body}"


class RecordingNotifier:
    """A notifier named ``recording`` that keeps every message it is handed.

    Set :attr:`failure` to an exception to make deliveries fail (the forum then
    keeps the message pending and retries it, see ``Forum.deliver_pending``).
    """

    name = "recording"

    def __init__(self) -> None:
        #: Every delivery, in order; a retried message appears once per attempt.
        self.deliveries: list[Delivery] = []
        #: Raised by :meth:`deliver` while set; ``None`` for a working notifier.
        self.failure: Exception | None = None
        self._lock = threading.Lock()

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        """Record the message, or raise :attr:`failure` when it is set."""
        with self._lock:
            if self.failure is not None:
                raise self.failure
            self.deliveries.append(Delivery(message, recipient, rendered))

    def to(self, member_id: str) -> list[Delivery]:
        """Return what ``member_id`` received, oldest first."""
        with self._lock:
            return [d for d in self.deliveries if d.recipient_id == member_id]

    def kinds(self, member_id: str | None = None) -> list[MessageKind]:
        """Return the kinds of messages received (by ``member_id`` if given), oldest first."""
        with self._lock:
            return [
                d.kind for d in self.deliveries if member_id is None or d.recipient_id == member_id
            ]

    def clear(self) -> None:
        """Forget everything received so far."""
        with self._lock:
            self.deliveries.clear()

    def __repr__(self) -> str:
        return f"RecordingNotifier(deliveries={len(self.deliveries)})"


@attrs.frozen
class _RecordThenInbox:
    """What a forum delivers through: record, then put the message in the inbox.

    Keeping the inbox filled means ``Forum.inbox`` behaves in tests as it does
    with the default ``inbox`` notifier in production.
    """

    recorder: RecordingNotifier
    inbox: InboxNotifier = attrs.field(repr=False)

    @property
    def name(self) -> str:
        return self.recorder.name

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        self.recorder.deliver(message, recipient, rendered)
        self.inbox.deliver(message, recipient, rendered)


@attrs.frozen
class RecordingNotifierFactory:
    """Hands the forum one given :class:`RecordingNotifier` under its name.

    The forum's messages are recorded and then also put in the member's in-app
    inbox, exactly as the built-in ``inbox`` notifier would.
    """

    recorder: RecordingNotifier

    @property
    def name(self) -> str:
        """The notifier's name, ``recording`` by default."""
        return self.recorder.name

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> Notifier:
        """Return a notifier that records into :attr:`recorder`, then fills the inbox."""
        return _RecordThenInbox(self.recorder, InboxNotifier(context))


# --------------------------------------------------------------------------- the plugin


@attrs.frozen
class KitAdapters:
    """A plugin registering one :class:`FakeVideoProvider` and one :class:`RecordingNotifier`."""

    video: FakeVideoProvider
    notifier: RecordingNotifier

    @hookimpl
    def proforum_register_video_providers(self) -> list[VideoProviderFactory]:
        """Provide the fake video provider."""
        return [FakeVideoFactory(self.video)]

    @hookimpl
    def proforum_register_notifiers(self) -> list[NotifierFactory]:
        """Provide the recording notifier."""
        return [RecordingNotifierFactory(self.notifier)]
