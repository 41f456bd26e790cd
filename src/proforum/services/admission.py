"""Use cases about who gets into a community and what its members need to post or apply.

Operators set a community's :class:`~proforum.domain.admission.JoinPolicy`
and :class:`~proforum.domain.admission.CommunityRequirements`; moderators and
operators decide on requests to join a community that joins by approval.
:func:`check_requirements` is what publishing, commenting and applying call.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from proforum.domain.admission import (
    Action,
    CommunityRequirements,
    JoinPolicy,
    JoinRequest,
    JoinRequestState,
)
from proforum.domain.common import CommunityId, MemberId
from proforum.domain.community import GATEKEEPER_ROLES, Community, Membership, Role
from proforum.domain.identity import Member
from proforum.domain.notification import MessageKind
from proforum.errors import (
    AlreadyMember,
    InvalidInput,
    InvalidProfile,
    JoinRequestDecided,
    NotFound,
)
from proforum.services.base import ForumBase, Tx

_GATEKEEPERS = tuple(sorted(GATEKEEPER_ROLES))


def check_requirements(tx: Tx, community: Community, member: Member, action: Action) -> None:
    """Refuse ``member`` if ``community`` asks for more than they have to ``action``.

    The member's employer verification is read only when the community needs
    one for ``action``, so communities without requirements cost nothing.

    :raises RealNameRequired: a real name is needed and the member uses a nickname.
    :raises VerifiedEmployerRequired: a verified employer is needed and the member has none.
    """
    requirements = community.requirements
    verified = False
    if requirements.needs_verified_employer(action):
        verified = tx.uow.verifications.get(member.id) is not None
    requirements.check(member, action, verified=verified)


def parse_join_policy(value: object) -> JoinPolicy:
    """Return ``value`` as a :class:`JoinPolicy`.

    :raises InvalidProfile: it is neither ``open`` nor ``approval`` (``field="join_policy"``).
    """
    if isinstance(value, str) and value in set(JoinPolicy):
        return JoinPolicy(value)
    raise InvalidProfile(
        value,
        field="join_policy",
        rule_ko="open 또는 approval",
        rule_en="either 'open' or 'approval'",
    )


def check_requirements_value(value: object) -> CommunityRequirements:
    """Return ``value`` if it is a :class:`CommunityRequirements`, else raise :class:`InvalidInput`."""
    if not isinstance(value, CommunityRequirements):
        raise InvalidInput(None)
    return value


class AdmissionUseCases(ForumBase):
    """Join policies, requirements, and deciding on requests to join."""

    def set_community_requirements(
        self,
        actor: MemberId,
        community_id: CommunityId,
        *,
        requirements: CommunityRequirements | None = None,
        join_policy: JoinPolicy | str | None = None,
    ) -> Community:
        """Change what a community asks of its members, and how they get in; operators only.

        ``requirements`` replaces all four flags (pass
        ``CommunityRequirements(real_name_to_post=True)`` to ask for real names
        to post and nothing else); ``None`` keeps them.  ``join_policy``
        (``"open"`` or ``"approval"``) changes how members join; ``None``
        keeps it.  New requirements hold from now on: what was posted or
        applied for before stays.  When a community opens, its pending
        requests to join are dropped: anyone may now join at once.

        :raises InvalidInput: neither is given, or ``requirements`` is not a
            ``CommunityRequirements``.
        :raises InvalidProfile: ``join_policy`` is neither ``open`` nor ``approval``.
        :raises RoleRequired: the actor is not an operator of the community.
        :raises NotFound: no such community or actor.
        """
        if requirements is None and join_policy is None:
            raise InvalidInput(None)
        new_requirements = None if requirements is None else check_requirements_value(requirements)
        policy = None if join_policy is None else parse_join_policy(join_policy)
        with self._transaction() as tx:
            community = tx.community(community_id)
            tx.require_role(community_id, actor, Role.OPERATOR)
            changed = attrs.evolve(
                community,
                join_policy=community.join_policy if policy is None else policy,
                requirements=(
                    community.requirements if new_requirements is None else new_requirements
                ),
            )
            if changed != community:
                tx.uow.communities.update(changed)
            if (
                community.join_policy is JoinPolicy.APPROVAL
                and changed.join_policy is JoinPolicy.OPEN
            ):
                for request in tx.uow.join_requests.pending(community_id):
                    tx.uow.join_requests.remove(community_id, request.member_id)
        return changed

    def join_requests(self, actor: MemberId, community_id: CommunityId) -> Sequence[JoinRequest]:
        """The community's pending requests to join, oldest first; moderators and operators only.

        :raises RoleRequired: the actor is neither a moderator nor an operator.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises NotFound: no such community or actor.
        """
        with self._transaction() as tx:
            tx.require_role(community_id, actor, *_GATEKEEPERS)
            return tx.uow.join_requests.pending(community_id)

    def approve_join_request(
        self, actor: MemberId, community_id: CommunityId, member_id: MemberId
    ) -> Membership:
        """Let a member who asked to join in, as an ordinary member; moderators and operators only.

        The member is told with a ``join_approved`` message.

        :raises RoleRequired: the actor is neither a moderator nor an operator.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises NotFound: the member never asked to join (``entity="join request"``).
        :raises JoinRequestDecided: the request was approved or refused already.
        :raises AlreadyMember: the member got in some other way meanwhile.
        """
        with self._transaction() as tx:
            community, request = self._pending_request(tx, actor, community_id, member_id)
            if tx.uow.memberships.get(community_id, member_id) is not None:
                raise AlreadyMember(community_id)
            membership = Membership(community_id, member_id, Role.MEMBER, tx.now)
            tx.uow.memberships.add(membership)
            tx.uow.join_requests.update(request.decide(True, actor, tx.now))
            tx.notify(member_id, MessageKind.JOIN_APPROVED, community_name=community.name)
        return membership

    def refuse_join_request(
        self, actor: MemberId, community_id: CommunityId, member_id: MemberId
    ) -> JoinRequest:
        """Turn down a request to join; moderators and operators only.

        The member is told with a ``join_refused`` message, and may ask again
        later (a new request replaces the refused one).

        :raises RoleRequired: the actor is neither a moderator nor an operator.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises NotFound: the member never asked to join (``entity="join request"``).
        :raises JoinRequestDecided: the request was approved or refused already.
        """
        with self._transaction() as tx:
            community, request = self._pending_request(tx, actor, community_id, member_id)
            refused = request.decide(False, actor, tx.now)
            tx.uow.join_requests.update(refused)
            tx.notify(member_id, MessageKind.JOIN_REFUSED, community_name=community.name)
        return refused

    @staticmethod
    def _pending_request(
        tx: Tx, actor: MemberId, community_id: CommunityId, member_id: MemberId
    ) -> tuple[Community, JoinRequest]:
        """The community and ``member_id``'s pending request, once the actor may decide on it."""
        community = tx.community(community_id)
        tx.require_role(community_id, actor, *_GATEKEEPERS)
        tx.member(member_id)
        request = tx.uow.join_requests.get(community_id, member_id)
        if request is None:
            raise NotFound(member_id, entity="join request")
        if request.state is not JoinRequestState.PENDING:
            raise JoinRequestDecided(None)
        return community, request
