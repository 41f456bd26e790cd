"""The video-conferencing port: where a meetup's online meeting is created.

Every provider implements :class:`VideoProvider`: create a meeting and give
a member the link to join it.  What else a video service can do is split into
optional capabilities, each a small protocol proforum checks for with
``getattr`` before it relies on it:

* :class:`MeetingUpdates` — move the meeting when the meetup moves, delete it
  when the meetup is called off;
* :class:`Registrations` — register each participant, so that each gets a
  personal link that can be revoked (Zoom registrants, Jitsi tokens);
* :class:`AttendanceReporting` — who was in the meeting and for how long;
* :class:`WebhookVerification` — check and read a call from the provider.

A provider talking to a remote API raises
:class:`~proforum.errors.VideoProviderError` for a refusal or a malformed
answer and :class:`~proforum.errors.VideoProviderUnavailable` when the service
could not be reached after its retries; messages name the provider and the
operation, never a token, secret or link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, Self

import attrs

from proforum.domain.common import MeetupId, MemberId, Secret
from proforum.domain.meetup import MeetingRef, Meetup
from proforum.ports.context import AdapterContext


@attrs.frozen
class MeetingRequest:
    """What a provider needs to create a meeting for a meetup.

    :param options: provider-specific settings given by the host, e.g. the
        ``join_url`` of the ``manual`` provider.  Left out of ``repr()`` because
        they may hold links or passcodes.
    """

    meetup_id: MeetupId
    title: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    options: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def for_meetup(cls, meetup: Meetup, options: Mapping[str, Any] | None = None) -> Self:
        """The request for ``meetup`` as it is now (its title, times and zone)."""
        return cls(
            meetup_id=meetup.id,
            title=meetup.title,
            starts_at=meetup.starts_at,
            ends_at=meetup.ends_at,
            time_zone=meetup.time_zone,
            options=dict(options or {}),
        )


@attrs.frozen
class AttendanceEntry:
    """One person's time in a meeting, from a provider's attendance report.

    Providers that know who the participant is (a registrant they created
    for the member) give ``member_id``; others give the ``email`` the person
    joined with, which proforum matches against members' addresses.  A
    person who joined several times appears once per interval; proforum adds
    the intervals up.

    :param seconds: time in the meeting, in whole seconds.
    """

    seconds: int
    member_id: MemberId | None = None
    email: str | None = attrs.field(default=None, repr=False)
    #: The provider's id of the registrant who joined, when it registered them.
    registrant_id: str | None = None


@attrs.frozen
class Participant:
    """Someone entitled to join a meeting: a seat holder, or the host.

    The name and address are personal data: kept out of ``repr()``.
    """

    member_id: MemberId
    display_name: str = attrs.field(repr=False)
    email: str | None = attrs.field(default=None, repr=False)
    #: The meetup's host: moderator rights where the provider has them.
    host: bool = False


@attrs.frozen
class Registration:
    """A participant registered with the provider, and their personal link."""

    member_id: MemberId
    join_url: Secret
    #: The provider's id for this registrant, to revoke it and to read reports.
    registrant_id: str | None = None


@attrs.frozen
class AttendanceEvent:
    """Someone joined or left a meeting, as a provider's webhook reported it."""

    kind: str  # "joined" or "left"
    at: datetime
    registrant_id: str | None = None
    member_id: MemberId | None = None
    email: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class WebhookResult:
    """What a verified incoming webhook said, and what to answer.

    :param reply: the JSON body to answer with (Zoom's URL-validation
        challenge), or ``None``.
    :param reply_text: a plain-text body to answer with instead (Microsoft
        Graph's ``validationToken`` handshake), or ``None``.  With neither, the
        answer is an empty ``200``.
    """

    meeting_id: str | None = None
    events: tuple[AttendanceEvent, ...] = ()
    reply: Mapping[str, Any] | None = attrs.field(default=None, repr=False)
    reply_text: str | None = attrs.field(default=None, repr=False)


class VideoProvider(Protocol):
    """A video service (manual link, Zoom, Teams, Jitsi...)."""

    @property
    def name(self) -> str:
        """The name configuration refers to this adapter by."""
        raise NotImplementedError

    def create_meeting(self, request: MeetingRequest) -> MeetingRef:
        """Create the meeting and return where it lives."""

    def join_link(self, meeting: MeetingRef, member_id: MemberId) -> Secret:
        """Return the link ``member_id`` uses to join (personal where the provider can)."""


class MeetingUpdates(Protocol):
    """A provider that can move and delete the meetings it created."""

    def update_meeting(self, meeting: MeetingRef, request: MeetingRequest) -> MeetingRef:
        """Move ``meeting`` to the request's times (and title); return it as it is now."""

    def cancel_meeting(self, meeting: MeetingRef) -> None:
        """Delete ``meeting``; one already deleted is not an error."""


class Registrations(Protocol):
    """A provider that registers each participant and gives each a personal link.

    A provider whose links are only valid for the meeting's times (signed
    tokens) sets the class attribute ``reissue_links_on_move = True``: when the
    meetup moves, proforum revokes the links and registers every seat holder
    again, sending them the new link.
    """

    def register(
        self, meeting: MeetingRef, participants: Sequence[Participant]
    ) -> Sequence[Registration]:
        """Register ``participants``; one :class:`Registration` each, in the same order."""

    def revoke(self, meeting: MeetingRef, registration: Registration) -> None:
        """Make ``registration``'s link stop working (where the provider can)."""


class WebhookVerification(Protocol):
    """A provider whose service calls back, signed."""

    def verify_webhook(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> WebhookResult:
        """Check the call's signature and freshness, then read it.

        :param headers: the request headers (names in any case).
        :param body: the raw request body, exactly as received.
        :raises WebhookRejected: a missing or wrong signature, or a stale call.
        """


class AttendanceReporting(Protocol):
    """What a provider that reports attendance adds to :class:`VideoProvider`.

    Optional: proforum checks for the method and, without it, records
    attendance from check-ins only.
    """

    def attendance(self, meeting: MeetingRef) -> Sequence[AttendanceEntry]:
        """Return who was in the meeting and for how long, once it has happened."""


class VideoProviderFactory(Protocol):
    """What ``proforum_register_video_providers`` returns."""

    @property
    def name(self) -> str:
        """The name configuration refers to this adapter by."""
        raise NotImplementedError

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> VideoProvider:
        """Build the provider for one forum."""
