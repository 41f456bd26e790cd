"""The video-conferencing port: where a meetup's online meeting is created."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import attrs

from proforum.domain.common import MeetupId, MemberId, Secret
from proforum.domain.meetup import MeetingRef
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
