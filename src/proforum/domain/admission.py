"""Who may join a community, and what a member needs to post or apply in it.

A community is *open* (joining is immediate) or joins *by approval*: then
``join_community`` leaves a :class:`JoinRequest` that a moderator or an
operator approves or refuses.  Separately, a community may ask for a real
name and/or a verified employer before a member posts (posts and comments) or
applies to its meetups: :class:`CommunityRequirements`.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Literal

import attrs

from proforum.domain.common import CommunityId, MemberId, optional_utc_validator, utc_validator
from proforum.domain.identity import Member
from proforum.errors import InvalidInput, RealNameRequired, VerifiedEmployerRequired


class JoinPolicy(enum.StrEnum):
    """How members get into a community."""

    #: Joining is immediate: today's behaviour, and every community's default.
    OPEN = "open"
    #: Joining leaves a request a moderator or an operator decides on.
    APPROVAL = "approval"


def _flag(instance: Any, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(value)


#: What a requirement is about: writing (posts and comments) or applying to meetups.
Action = Literal["post", "apply"]

#: How each action reads inside the requirement errors' messages.
_ACTION_TEXT: dict[Action, tuple[str, str]] = {
    "post": ("글과 댓글을 쓰려면", "to post and comment"),
    "apply": ("모임에 참가 신청하려면", "to apply to meetups"),
}


@attrs.frozen
class CommunityRequirements:
    """What a member needs before posting or applying in a community; nothing by default.

    Each flag is a ``bool``; "real name" means the member speaks under a real
    name rather than a fixed nickname, "verified employer" that an
    :class:`~proforum.domain.employer.EmployerVerification` is recorded for
    them.  Every member is held to them, moderators and operators included.
    """

    real_name_to_post: bool = attrs.field(default=False, validator=_flag)
    verified_employer_to_post: bool = attrs.field(default=False, validator=_flag)
    real_name_to_apply: bool = attrs.field(default=False, validator=_flag)
    verified_employer_to_apply: bool = attrs.field(default=False, validator=_flag)

    def asks_anything(self, action: Action) -> bool:
        """Tell whether ``action`` needs anything at all (so the use case reads the member)."""
        if action == "post":
            return self.real_name_to_post or self.verified_employer_to_post
        return self.real_name_to_apply or self.verified_employer_to_apply

    def needs_verified_employer(self, action: Action) -> bool:
        """Tell whether ``action`` needs a verified employer (so the use case reads it)."""
        return (
            self.verified_employer_to_post if action == "post" else self.verified_employer_to_apply
        )

    def check(self, member: Member, action: Action, *, verified: bool) -> None:
        """Refuse ``member`` if they lack what ``action`` needs here.

        :param verified: whether an employer verification is recorded for them
            (read only when :meth:`needs_verified_employer`).
        :raises RealNameRequired: a real name is needed and they use a nickname.
        :raises VerifiedEmployerRequired: a verified employer is needed and
            they have none.
        """
        ko, en = _ACTION_TEXT[action]
        real_name = self.real_name_to_post if action == "post" else self.real_name_to_apply
        if real_name and member.identity.kind != "real_name":
            raise RealNameRequired(None, action_ko=ko, action_en=en)
        if self.needs_verified_employer(action) and not verified:
            raise VerifiedEmployerRequired(None, action_ko=ko, action_en=en)


class JoinRequestState(enum.StrEnum):
    """Where a request to join a community stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@attrs.frozen
class JoinRequest:
    """A member's request to join a community that joins by approval.

    One per (community, member): asking again after a refusal, or after
    leaving, replaces the old request with a new pending one.

    :param decided_by: the moderator or operator who approved or refused it.
    """

    community_id: CommunityId
    member_id: MemberId
    requested_at: datetime = attrs.field(validator=utc_validator)
    state: JoinRequestState = attrs.field(
        default=JoinRequestState.PENDING, converter=JoinRequestState
    )
    decided_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)
    decided_by: MemberId | None = None

    def __attrs_post_init__(self) -> None:
        # A decision has a time and a person, and only a decided request has them.
        decided = self.state is not JoinRequestState.PENDING
        if decided != (self.decided_at is not None) or decided != (self.decided_by is not None):
            raise InvalidInput(self.state.value)

    def decide(self, approve: bool, by: MemberId, at: datetime) -> JoinRequest:
        """The request approved (or refused) by ``by`` at ``at``."""
        state = JoinRequestState.APPROVED if approve else JoinRequestState.REFUSED
        return attrs.evolve(self, state=state, decided_at=at, decided_by=by)
