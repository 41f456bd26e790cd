"""The ``manual`` video provider: the host pastes the meeting link they created.

This is exactly what the story did with its ZOOM link.  The link is checked to
be an absolute ``https`` URL and kept as a :class:`~proforum.domain.common.Secret`;
every selected participant gets the same link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from proforum.domain.common import MemberId, Secret
from proforum.domain.meetup import MeetingRef
from proforum.errors import InvalidMeetingLink
from proforum.ports.context import AdapterContext
from proforum.ports.video import MeetingRequest

MAX_LINK_LENGTH = 2048


def check_meeting_link(value: object) -> str:
    """Return ``value`` if it is an absolute https URL with a host, else raise."""
    if not isinstance(value, str) or len(value) > MAX_LINK_LENGTH:
        raise InvalidMeetingLink(None)
    link = value.strip()
    try:
        parts = urlsplit(link)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError as exc:
        raise InvalidMeetingLink(None) from exc
    if (
        parts.scheme != "https"
        or not parts.hostname
        or not port_ok
        or any(ch.isspace() or ord(ch) < 0x20 for ch in link)
    ):
        raise InvalidMeetingLink(None)
    return link


@attrs.frozen
class ManualVideoProvider:
    """A video provider whose meetings are created by hand, outside proforum."""

    name: str = "manual"

    def create_meeting(self, request: MeetingRequest) -> MeetingRef:
        """Record the ``join_url`` option the host supplied.

        :raises InvalidMeetingLink: the option is missing or not an https URL.
        """
        link = check_meeting_link(request.options.get("join_url"))
        # Named after the meetup, never derived from the link: a hash of a short
        # Zoom link could be reversed by trying every meeting number.
        meeting_id = f"manual-{request.meetup_id}"
        return MeetingRef(provider=self.name, meeting_id=meeting_id, join_url=Secret(link))

    def join_link(self, meeting: MeetingRef, member_id: MemberId) -> Secret:
        """Everyone joins through the one link the host gave."""
        return meeting.join_url


@attrs.frozen
class ManualVideoFactory:
    """Registers :class:`ManualVideoProvider` under the name ``manual``."""

    name: str = "manual"

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> ManualVideoProvider:
        """Build the provider; it has no settings."""
        return ManualVideoProvider()
