"""The record of an operator changing a member's fixed nickname."""

from __future__ import annotations

from datetime import datetime

import attrs

from proforum.domain.common import MemberId, utc_validator

#: The longest reason an operator may give for a change.
REASON_MAX = 500


@attrs.frozen
class NicknameChange:
    """One change of a member's nickname: from what, to what, by whom and why.

    A nickname is fixed for its owner; only a site operator changes it, and
    every change is kept.  The old nickname stays reserved for the member it
    belonged to (:attr:`old_key`), so nobody else can take it up and speak
    under the name others knew.  The reason may name people, so it is kept out
    of ``repr()``.
    """

    id: str
    member_id: MemberId
    old_nickname: str
    old_key: str
    new_nickname: str
    reason: str = attrs.field(repr=False)
    changed_by: MemberId
    changed_at: datetime = attrs.field(validator=utc_validator)
