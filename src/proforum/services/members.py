"""Use cases about members and communities."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from proforum.domain.admission import (
    CommunityRequirements,
    JoinPolicy,
    JoinRequest,
    JoinRequestState,
)
from proforum.domain.common import CommunityId, MemberId, check_slug, check_time_zone, clean_text
from proforum.domain.community import Community, Membership, Role
from proforum.domain.events import MemberRegistered
from proforum.domain.identity import Identity, Locale, Member, Nickname, RealName, check_email
from proforum.domain.nickname_history import REASON_MAX, NicknameChange
from proforum.errors import (
    AlreadyExists,
    AlreadyMember,
    InvalidIdentifier,
    InvalidInput,
    InvalidProfile,
    JoinAlreadyRequested,
    LastOperator,
    NicknameLocked,
    NicknameTaken,
    NotFound,
)
from proforum.services.admission import check_requirements_value, parse_join_policy
from proforum.services.base import ForumBase, Tx

COMMUNITY_NAME_MAX = 50
RULES_MAX = 5000


class MemberUseCases(ForumBase):
    """Registering members, and communities with their memberships and roles."""

    def register_member(
        self,
        *,
        job_function: str,
        real_name: str | None = None,
        nickname: str | None = None,
        company: str | None = None,
        years_of_experience: int | None = None,
        locale: Locale = "ko",
        time_zone: str = "Asia/Seoul",
        email: str | None = None,
    ) -> Member:
        """Register a member who speaks under a real name *or* a fixed nickname.

        Exactly one of ``real_name`` and ``nickname`` must be given.  A nickname
        cannot be changed by its owner afterwards.

        :raises InvalidNickname: the nickname is empty, too long or malformed.
        :raises InvalidRealName: the real name is empty, too long or malformed.
        :raises NicknameTaken: another member has this nickname or a look-alike.
        :raises InvalidProfile: the job function, experience or locale is not
            valid, or both or neither of ``real_name`` and ``nickname`` are given.
        :raises InvalidText: the company name is empty, too long or malformed.
        :raises InvalidTimeZone: ``time_zone`` is not an IANA time zone.
        :raises InvalidEmail: ``email`` is not an address e-mail can be delivered to.
        """
        if email is not None:
            check_email(email)
        if (real_name is None) == (nickname is None):
            raise InvalidProfile(
                None,
                field="identity",
                rule_ko="실명과 고정 닉네임 중 정확히 하나를 정해야 합니다",
                rule_en="give exactly one of a real name and a fixed nickname",
            )
        identity: Identity = (
            RealName.parse(real_name) if real_name is not None else Nickname.parse(nickname)
        )
        clean_company = None if company is None else clean_text("company", company, max_len=100)
        with self._transaction() as tx:
            if isinstance(identity, Nickname) and self._nickname_in_use(tx, identity, None):
                raise NicknameTaken(nickname)
            member = Member(
                id=MemberId(tx.ids.new("mem")),
                identity=identity,
                job_function=job_function,
                registered_at=tx.now,
                company=clean_company,
                years_of_experience=years_of_experience,
                locale=locale,
                time_zone=time_zone,
                email=email,
            )
            tx.uow.members.add(member)
            tx.events.append(MemberRegistered(member))
        return member

    def member(self, member_id: MemberId) -> Member:
        """Return a member's public profile.

        :raises NotFound: no such member.
        """
        with self._transaction() as tx:
            return tx.member(member_id)

    def set_email(self, actor: MemberId, email: str | None) -> Member:
        """Set (or, with ``None``, remove) the actor's own e-mail address.

        The address is checked now, so that a typo is refused to the member
        typing it rather than discovered by the relay days later.

        :raises InvalidEmail: not an address e-mail can be delivered to.
        """
        if email is not None:
            check_email(email)
        with self._transaction() as tx:
            member = tx.member(actor)
            changed = attrs.evolve(member, email=email)
            if changed != member:
                tx.uow.members.update(changed)
        return changed

    def change_nickname(self, actor: MemberId, new_nickname: str) -> Member:
        """Refuse, always, for the owner: a fixed nickname is fixed.

        Exists so that host applications surface one clear, translated error
        instead of each inventing their own.

        :raises NicknameLocked: always, for members with a nickname.
        :raises InvalidInput: the member speaks under a real name.
        """
        with self._transaction() as tx:
            member = tx.member(actor)
            if isinstance(member.identity, Nickname):
                raise NicknameLocked(new_nickname)
            raise InvalidInput(new_nickname)

    def rename_nickname(
        self, actor: MemberId, member_id: MemberId, new_nickname: str, *, reason: str
    ) -> Member:
        """Change a member's fixed nickname; site operators only, with a recorded reason.

        The change is kept in the member's :meth:`nickname_history`, and the
        old nickname stays reserved for this member: nobody else can register
        it or a look-alike of it, so it cannot be taken up to speak under a
        name others knew.  The member may be given an old nickname of their
        own back.

        :raises RoleRequired: the actor is not one of the forum's ``site_operators``.
        :raises InvalidNickname: the new nickname breaks a nickname rule.
        :raises InvalidText: the reason is empty or longer than 500 characters.
        :raises NotFound: no such member.
        :raises InvalidProfile: the member speaks under a real name, not a nickname.
        :raises NicknameTaken: another member has, or once had, this nickname or
            a look-alike of it.
        """
        self._require_site_operator(actor)
        nickname = Nickname.parse(new_nickname)
        clean_reason = clean_text("reason", reason, max_len=REASON_MAX, multiline=True)
        with self._transaction() as tx:
            member = tx.member(member_id)
            old = member.identity
            if not isinstance(old, Nickname):
                raise InvalidProfile(
                    None,
                    field="identity",
                    rule_ko="실명으로 활동하는 회원에게는 바꿀 닉네임이 없습니다",
                    rule_en="a member who speaks under a real name has no nickname to change",
                )
            if self._nickname_in_use(tx, nickname, member.id):
                raise NicknameTaken(new_nickname)
            renamed = attrs.evolve(member, identity=nickname)
            tx.uow.members.update(renamed)
            tx.uow.nickname_history.add(
                NicknameChange(
                    id=tx.ids.new("nck"),
                    member_id=member.id,
                    old_nickname=old.value,
                    old_key=old.key,
                    new_nickname=nickname.value,
                    reason=clean_reason,
                    changed_by=actor,
                    changed_at=tx.now,
                )
            )
        return renamed

    def nickname_history(self, actor: MemberId, member_id: MemberId) -> Sequence[NicknameChange]:
        """The changes made to a member's nickname, oldest first.

        Any member may see which nicknames someone spoke under before; the
        reasons are shown only to that member and to site operators (for
        everyone else :attr:`~NicknameChange.reason` is empty).

        :raises NotFound: the actor or the member does not exist.
        """
        with self._transaction() as tx:
            tx.member(actor)
            tx.member(member_id)
            changes = tx.uow.nickname_history.for_member(member_id)
        if actor == member_id or actor in self._site_operators:
            return changes
        return [attrs.evolve(change, reason="") for change in changes]

    @staticmethod
    def _nickname_in_use(tx: Tx, nickname: Nickname, member_id: MemberId | None) -> bool:
        """Tell whether a member other than ``member_id`` has or once had a look-alike."""
        for holder in (
            tx.uow.members.by_nickname_key(nickname.key),
            tx.uow.members.by_nickname_visual_key(nickname.visual_key),
        ):
            if holder is not None and holder.id != member_id:
                return True
        former = tx.uow.nickname_history.holder_of_key(nickname.key)
        return former is not None and former != member_id

    # -- communities ---------------------------------------------------------

    def create_community(
        self,
        actor: MemberId,
        *,
        slug: str,
        name: str,
        job_function: str,
        rules: str = "",
        time_zone: str = "Asia/Seoul",
        join_policy: JoinPolicy | str = JoinPolicy.OPEN,
        requirements: CommunityRequirements | None = None,
    ) -> Community:
        """Create a community for a job function; the creator becomes its operator.

        :param join_policy: ``"open"`` (the default: joining is immediate) or
            ``"approval"`` (joining asks a moderator or an operator).
        :param requirements: what members need to post and to apply to
            meetups (a real name, a verified employer); nothing by default.
            Operators change both later with ``set_community_requirements``.
        :raises AlreadyExists: another community has this slug.
        :raises InvalidIdentifier: the slug or the job-function code is malformed.
        :raises InvalidTimeZone: ``time_zone`` is not an IANA time zone.
        :raises InvalidProfile: ``join_policy`` is neither ``open`` nor ``approval``.
        :raises InvalidInput: ``requirements`` is not a ``CommunityRequirements``.
        """
        check_slug(slug)
        try:
            check_slug(job_function)
        except InvalidIdentifier:
            raise InvalidIdentifier(job_function, field="job_function") from None
        check_time_zone(time_zone)
        clean_name = clean_text("name", name, max_len=COMMUNITY_NAME_MAX)
        clean_rules = clean_text("rules", rules, max_len=RULES_MAX, multiline=True) if rules else ""
        policy = parse_join_policy(join_policy)
        asked = CommunityRequirements() if requirements is None else requirements
        check_requirements_value(asked)
        with self._transaction() as tx:
            tx.member(actor)
            if tx.uow.communities.by_slug(slug) is not None:
                raise AlreadyExists(slug, entity="community")
            community = Community(
                id=CommunityId(tx.ids.new("com")),
                slug=slug,
                name=clean_name,
                job_function=job_function,
                created_at=tx.now,
                rules=clean_rules,
                time_zone=time_zone,
                join_policy=policy,
                requirements=asked,
            )
            tx.uow.communities.add(community)
            tx.uow.memberships.add(Membership(community.id, actor, Role.OPERATOR, tx.now))
        return community

    def community(self, community_id: CommunityId) -> Community:
        """Return a community.

        :raises NotFound: no such community.
        """
        with self._transaction() as tx:
            return tx.community(community_id)

    def community_by_slug(self, slug: str) -> Community:
        """Return the community with ``slug``.

        :raises NotFound: no such community.
        """
        with self._transaction() as tx:
            found = tx.uow.communities.by_slug(slug)
            if found is None:
                raise NotFound(slug, entity="community")
            return found

    def join_community(
        self, actor: MemberId, community_id: CommunityId
    ) -> Membership | JoinRequest:
        """Join a community as an ordinary member, or ask to, if it joins by approval.

        An open community returns the new :class:`Membership` at once.  One
        that joins by approval returns a pending
        :class:`~proforum.domain.admission.JoinRequest` instead, which its
        moderators and operators approve or refuse
        (``approve_join_request``, ``refuse_join_request``); the member is
        told the decision by a message.  Asking again after a refusal is a
        new request.

        :raises AlreadyMember: the actor is already a member.
        :raises JoinAlreadyRequested: the actor's request is still waiting for a decision.
        """
        with self._transaction() as tx:
            tx.member(actor)
            community = tx.community(community_id)
            if tx.uow.memberships.get(community_id, actor) is not None:
                raise AlreadyMember(community_id)
            if community.join_policy is JoinPolicy.APPROVAL:
                return self._ask_to_join(tx, community_id, actor)
            membership = Membership(community_id, actor, Role.MEMBER, tx.now)
            tx.uow.memberships.add(membership)
        return membership

    @staticmethod
    def _ask_to_join(tx: Tx, community_id: CommunityId, actor: MemberId) -> JoinRequest:
        """Leave a pending request, replacing a decided one from before."""
        earlier = tx.uow.join_requests.get(community_id, actor)
        if earlier is not None and earlier.state is JoinRequestState.PENDING:
            raise JoinAlreadyRequested(community_id)
        request = JoinRequest(community_id, actor, tx.now)
        if earlier is None:
            try:
                tx.uow.join_requests.add(request)
            except AlreadyExists:
                # The same member asking twice at once: the same answer as the check.
                raise JoinAlreadyRequested(community_id) from None
        else:
            tx.uow.join_requests.update(request)
        return request

    def leave_community(self, actor: MemberId, community_id: CommunityId) -> None:
        """Leave a community.  The last operator cannot leave.

        :raises NotACommunityMember: the actor is not a member.
        :raises LastOperator: the actor is the only operator left.
        """
        with self._transaction() as tx:
            membership = tx.membership(community_id, actor)
            if membership.role is Role.OPERATOR:
                self._keep_an_operator(tx, community_id, actor)
            tx.uow.memberships.remove(community_id, actor)

    @staticmethod
    def _keep_an_operator(tx: Tx, community_id: CommunityId, leaving: MemberId) -> None:
        """Refuse to let ``leaving`` stop being an operator if nobody else is one."""
        operators = [
            m for m in tx.uow.memberships.for_community(community_id) if m.role is Role.OPERATOR
        ]
        if [m.member_id for m in operators] == [leaving]:
            raise LastOperator(community_id)

    def assign_role(
        self, actor: MemberId, community_id: CommunityId, member_id: MemberId, role: Role | str
    ) -> Membership:
        """Give a member of the community a role; only operators may.

        :raises RoleRequired: the actor is not an operator.
        :raises LastOperator: the change would leave the community without an operator.
        :raises NotACommunityMember: the target is not a member.
        """
        try:
            new_role = Role(role)
        except ValueError:
            raise InvalidProfile(
                role,
                field="role",
                rule_ko="member, host, moderator, operator 중 하나",
                rule_en="one of member, host, moderator, operator",
            ) from None
        with self._transaction() as tx:
            tx.require_role(community_id, actor, Role.OPERATOR)
            target = tx.membership(community_id, member_id)
            if target.role is Role.OPERATOR and new_role is not Role.OPERATOR:
                self._keep_an_operator(tx, community_id, member_id)
            updated = Membership(community_id, member_id, new_role, target.joined_at)
            tx.uow.memberships.update(updated)
        return updated

    def memberships(self, actor: MemberId, community_id: CommunityId) -> Sequence[Membership]:
        """List a community's memberships; members only.

        :raises NotACommunityMember: the actor is not a member.
        """
        with self._transaction() as tx:
            tx.membership(community_id, actor)
            return tx.uow.memberships.for_community(community_id)
