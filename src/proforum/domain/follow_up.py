"""After a meetup: who wants to continue offline, and who agreed to swap contacts.

Contact details are personal data.  A participant's consent names one other
participant, and details are shown only where the consent goes both ways: a
one-sided wish reveals nothing, not even that it was made.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from proforum.domain.common import MeetupId, MemberId, utc_validator


@attrs.frozen
class FollowUpInterest:
    """A participant of ``meetup_id`` said they would like to continue offline."""

    meetup_id: MeetupId
    member_id: MemberId
    noted_at: datetime = attrs.field(validator=utc_validator)


@attrs.frozen
class ContactConsent:
    """``member_id`` agreed that ``with_member_id`` may see their contact details."""

    meetup_id: MeetupId
    member_id: MemberId
    with_member_id: MemberId
    given_at: datetime = attrs.field(validator=utc_validator)


@attrs.frozen
class SharedContact:
    """Contact details two participants agreed to exchange.

    ``email`` is personal data and stays out of ``repr()``.
    """

    member_id: MemberId
    display_name: str
    company: str | None = attrs.field(repr=False)
    email: str | None = attrs.field(repr=False)
