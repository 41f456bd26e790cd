"""A participant registered with a meetup's video provider: their personal link.

Providers that register each participant (Zoom registrants, Jitsi tokens)
hand back one link per person.  proforum keeps it, so that the person gets
the same link every time they ask, and so that a seat given up can have its
link revoked at the provider.  The link is a :class:`Secret`.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from proforum.domain.common import MeetupId, MemberId, Secret, optional_utc_validator, utc_validator


@attrs.frozen
class VideoRegistration:
    """``member_id``'s registration in ``meeting_id`` of ``meetup_id``.

    :param revoke_requested_at: the seat was given up; the provider still has
        to be told (a revocation that failed is retried).
    :param revoked_at: the provider confirmed the link no longer works.
    """

    #: proforum's id of this registration: a member registered again after a
    #: move or a revocation gets a new one, and the old one stays on record.
    id: str
    meetup_id: MeetupId
    member_id: MemberId
    provider: str
    meeting_id: str
    join_url: Secret = attrs.field(repr=False)
    registered_at: datetime = attrs.field(validator=utc_validator)
    registrant_id: str | None = None
    revoke_requested_at: datetime | None = attrs.field(
        default=None, validator=optional_utc_validator
    )
    revoked_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)

    @property
    def active(self) -> bool:
        """Tell whether the link is meant to work (no revocation asked for)."""
        return self.revoke_requested_at is None
