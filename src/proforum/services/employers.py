"""Use cases about verified employers: a code to a company address, a plugin, an operator.

A member proves where they work in one of three ways, each ending in an
:class:`~proforum.domain.employer.EmployerVerification` shown next to their
posts:

* :meth:`EmployerUseCases.start_employer_verification` sends a one-time code
  to an address at the company's domain, and
  :meth:`EmployerUseCases.confirm_employer_verification` checks it;
* :meth:`EmployerUseCases.verify_employer_with` asks the verifier plugins
  (``proforum_verify_employer``) to vouch for some evidence;
* :meth:`EmployerUseCases.record_employer_verification` records what an
  operator checked by hand.

The code and the address it goes to are personal data and a secret: they are
in no log, no exception message and no ``repr()``; the challenge keeps only a
salted hash of the code and the address's domain, and the outbox erases both
from the message once it is delivered (see
:meth:`~proforum.ports.storage.MessageRepository.erase_secrets`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC
from typing import Any

from proforum.domain.common import CommunityId, MemberId, clean_text
from proforum.domain.community import Role
from proforum.domain.employer import (
    BUILT_IN_METHODS,
    CODE_DIGITS,
    COMPANY_EMAIL,
    REVIEWED,
    SEED_BYTES,
    ChallengeState,
    EmployerChallenge,
    EmployerCheck,
    EmployerVerification,
    VerificationSent,
    check_method,
    code_digest,
    code_from_seed,
    email_domain,
    salt_from_seed,
)
from proforum.domain.identity import COMPANY_MAX, check_email
from proforum.domain.notification import ADDRESS_PARAM, MessageKind
from proforum.errors import (
    AlreadyExists,
    InvalidIdentifier,
    InvalidInput,
    InvalidVerificationCode,
    InvalidVerifierResult,
    NoAddressChannel,
    NoVerificationPending,
    TooManyVerificationCodes,
    TransientConflict,
    VerificationCodeExpired,
    VerificationLocked,
    VerificationRefused,
    WrongVerificationCode,
)
from proforum.services.base import ForumBase, Tx
from proforum.services.retry import retry_transient

_CODE = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")
#: The longest mail domain a verifier plugin may give (DNS's limit).
_DOMAIN_MAX = 253


def _clean_code(code: object) -> str:
    """``code`` without surrounding spaces, if it is :data:`CODE_DIGITS` ASCII digits."""
    text = code.strip() if isinstance(code, str) else None
    if text is None or _CODE.fullmatch(text) is None:
        raise InvalidVerificationCode(None, digits=CODE_DIGITS)
    return text


def _withdraw_code(tx: Tx, challenge: EmployerChallenge) -> None:
    """Withdraw a challenge's undelivered code and erase it from the outbox.

    Called when the code can no longer be used (replaced, typed correctly,
    locked): a relay must not deliver it afterwards, and no row may keep it.
    """
    tx.uow.messages.withdraw(challenge.id, MessageKind.VERIFICATION_CODE, None, tx.now)
    tx.uow.messages.erase_secrets(challenge.id)


class EmployerUseCases(ForumBase):
    """Verifying where members work; the verified company is shown next to their posts."""

    @retry_transient
    def start_employer_verification(
        self, actor: MemberId, *, company: str, email: str
    ) -> VerificationSent:
        """Send the actor a one-time code at ``email``, a company address, to prove they work there.

        The code (six digits) goes through the forum's notifiers that deliver
        to an address (``delivers_to_address``, e.g. ``smtp``), never to the
        in-app inbox, as a ``verification_code`` message.  Only a salted
        HMAC-SHA256 of it is stored, with the address's domain (not the
        address).  It works for the policy's ``code_ttl`` (15 minutes by
        default) and allows ``max_attempts`` wrong entries (5); asking again
        replaces it, withdrawing the previous code.  A member may ask for
        ``codes_per_window`` codes per ``window`` (3 an hour).

        :param company: the company, as it will be shown once verified.
        :param email: an address at the company's own mail domain.
        :raises InvalidText: ``company`` is empty, too long or malformed.
        :raises InvalidEmail: ``email`` is not an address proforum can deliver to.
        :raises FreeMailDomain: ``email`` is at a free or public mail service.
        :raises NoAddressChannel: none of the forum's notifiers delivers to an address.
        :raises TooManyVerificationCodes: the actor asked for too many codes in the window.
        :raises NotFound: the actor does not exist.
        """
        clean_company = clean_text("company", company, max_len=COMPANY_MAX)
        address = check_email(email)
        policy = self._verification
        domain = email_domain(address, policy.free_mail_domains)
        channels = self._address_channels()
        if not channels:
            raise NoAddressChannel(None)
        with self._transaction() as tx:
            tx.member(actor)
            previous = tx.uow.challenges.get_for_update(actor)
            window_start, used = tx.now, 0
            if previous is not None and tx.now < previous.window_started_at + policy.window:
                window_start, used = previous.window_started_at, previous.codes_in_window
            if used >= policy.codes_per_window:
                raise TooManyVerificationCodes(
                    None,
                    limit=policy.codes_per_window,
                    minutes=int(policy.window.total_seconds() // 60),
                )
            seed = self._seeds.seed(SEED_BYTES)
            code, salt = code_from_seed(seed), salt_from_seed(seed)
            challenge = EmployerChallenge(
                id=tx.ids.new("evc"),
                member_id=actor,
                company=clean_company,
                domain=domain,
                code_hash=code_digest(salt, code),
                salt=salt,
                created_at=tx.now,
                expires_at=tx.now + policy.code_ttl,
                window_started_at=window_start,
                codes_in_window=used + 1,
            )
            if previous is None:
                try:
                    tx.uow.challenges.add(challenge)
                except AlreadyExists:
                    # Another request of the same member inserted the first
                    # challenge meanwhile: run again, counting theirs.
                    raise TransientConflict(
                        None, reason="a verification code was sent meanwhile"
                    ) from None
            else:
                _withdraw_code(tx, previous)
                tx.uow.challenges.update(challenge)
            tx.write_messages(
                [actor],
                MessageKind.VERIFICATION_CODE,
                {
                    "code": code,
                    "expires_at": challenge.expires_at.astimezone(UTC).isoformat(),
                    ADDRESS_PARAM: address,
                },
                subject=challenge.id,
                channels=channels,
            )
        return VerificationSent(
            company=clean_company,
            domain=domain,
            expires_at=challenge.expires_at,
            attempts_allowed=policy.max_attempts,
            codes_left=policy.codes_per_window - challenge.codes_in_window,
        )

    @retry_transient
    def confirm_employer_verification(self, actor: MemberId, code: str) -> EmployerVerification:
        """Check the code the actor typed; when it is right, record their verified employer.

        The code is compared with the stored hash in constant time.  A wrong
        code is *counted* (that is the only change a failed confirmation
        makes, so that guessing is not free), and the ``max_attempts``-th
        locks the code.  Two guesses at once take turns on the challenge, so
        the limit holds under concurrency.

        :raises InvalidVerificationCode: ``code`` is not six digits (not counted).
        :raises NoVerificationPending: no code was sent, or it was used already.
        :raises VerificationLocked: too many wrong codes; ask for a new one.
        :raises VerificationCodeExpired: the code expired (at ``expires_at``
            itself too); ask for a new one.
        :raises WrongVerificationCode: the code is not the one sent; the
            attempt was recorded (``params["attempts_left"]``).
        :raises NotFound: the actor does not exist.
        """
        typed = _clean_code(code)
        policy = self._verification
        outcome: EmployerVerification | WrongVerificationCode
        with self._transaction() as tx:
            tx.member(actor)
            challenge = tx.uow.challenges.get_for_update(actor)
            if challenge is None or challenge.state is ChallengeState.USED:
                raise NoVerificationPending(None)
            if challenge.state is ChallengeState.LOCKED:
                raise VerificationLocked(None, max=policy.max_attempts)
            if challenge.expired(tx.now):
                raise VerificationCodeExpired(None)
            if challenge.matches(typed):
                tx.uow.challenges.update(challenge.used())
                _withdraw_code(tx, challenge)
                outcome = EmployerVerification(
                    member_id=actor,
                    company=challenge.company,
                    method=COMPANY_EMAIL,
                    verified_at=tx.now,
                    domain=challenge.domain,
                )
                tx.uow.verifications.put(outcome)
            else:
                counted = challenge.wrong_attempt(policy.max_attempts)
                tx.uow.challenges.update(counted)
                if counted.state is ChallengeState.LOCKED:
                    _withdraw_code(tx, counted)
                left = max(policy.max_attempts - counted.attempts, 0)
                # Raised after the commit: the attempt must be recorded.
                outcome = WrongVerificationCode(None, attempts_left=left)
        if isinstance(outcome, WrongVerificationCode):
            raise outcome
        return outcome

    def verify_employer_with(
        self,
        actor: MemberId,
        method: str,
        evidence: Mapping[str, Any],
        *,
        company: str | None = None,
    ) -> EmployerVerification:
        """Record the actor's employer when a verifier plugin vouches for ``evidence``.

        The ``proforum_verify_employer`` hook is called outside any
        transaction (a verifier may call an identity provider); the first
        plugin that returns an :class:`~proforum.domain.employer.EmployerCheck`
        decides, and its company is recorded with ``method``.  ``evidence``
        is handed to the plugins only: it is neither stored nor logged.

        :param method: the plugin's method name (``business_card``, ``okta``...).
        :param company: the company the actor says they work at, for the
            verifier to check; ``None`` lets the verifier say.
        :raises InvalidIdentifier: ``method`` is malformed or is one proforum
            records itself (``company_email``, ``reviewed``).
        :raises InvalidText: ``company`` is empty, too long or malformed.
        :raises InvalidInput: ``evidence`` is not a mapping.
        :raises VerificationRefused: no plugin vouched.
        :raises InvalidVerifierResult: a plugin returned something else than
            an ``EmployerCheck`` or ``None``, or a malformed one.
        :raises NotFound: the actor does not exist.
        """
        check_method(method)
        if method in BUILT_IN_METHODS:
            raise InvalidIdentifier(method, field="method")
        if not isinstance(evidence, Mapping):
            # Not kept as the error's value either: it may hold a token.
            raise InvalidInput(None)
        stated = None if company is None else clean_text("company", company, max_len=COMPANY_MAX)
        with self._transaction() as tx:
            member = tx.member(actor)
        result = self._pm.hook.proforum_verify_employer(
            member=member, method=method, company=stated, evidence=evidence
        )
        if result is None:
            raise VerificationRefused(None, method=method)
        check = _checked(result)
        with self._transaction() as tx:
            tx.member(actor)
            verification = EmployerVerification(
                member_id=actor,
                company=check.company,
                method=method,
                verified_at=tx.now,
                domain=check.domain,
            )
            tx.uow.verifications.put(verification)
        return verification

    def record_employer_verification(
        self,
        actor: MemberId,
        community_id: CommunityId,
        member_id: MemberId,
        *,
        company: str,
        method: str = REVIEWED,
    ) -> EmployerVerification:
        """Record that an operator checked by hand where a member works (a business card...).

        The actor must be an operator of ``community_id`` and the member a
        member of it; the verification holds for the whole forum and names
        the actor as ``verified_by``, with the time, so that who vouched for
        whom stays on record.  It replaces the member's earlier verification.

        :param method: how it was checked; ``reviewed`` by default, or a more
            precise name such as ``business_card`` (never ``company_email``).
        :raises RoleRequired: the actor is not an operator of the community.
        :raises NotACommunityMember: the actor or the member does not belong to it.
        :raises InvalidIdentifier: ``method`` is malformed or ``company_email``.
        :raises InvalidText: ``company`` is empty, too long or malformed.
        :raises NotFound: no such community or member.
        """
        check_method(method)
        if method == COMPANY_EMAIL:
            raise InvalidIdentifier(method, field="method")
        clean_company = clean_text("company", company, max_len=COMPANY_MAX)
        with self._transaction() as tx:
            tx.require_role(community_id, actor, Role.OPERATOR)
            tx.membership(community_id, member_id)
            verification = EmployerVerification(
                member_id=member_id,
                company=clean_company,
                method=method,
                verified_at=tx.now,
                verified_by=actor,
            )
            tx.uow.verifications.put(verification)
        return verification

    def employer_verification(self, member_id: MemberId) -> EmployerVerification | None:
        """Return a member's verified employer, or ``None``: it is public, like their posts.

        :raises NotFound: no such member.
        """
        with self._transaction() as tx:
            tx.member(member_id)
            return tx.uow.verifications.get(member_id)


def _checked(result: object) -> EmployerCheck:
    """A verifier plugin's answer, checked like anything a member could have typed."""
    if not isinstance(result, EmployerCheck):
        raise InvalidVerifierResult(None)
    try:
        company = clean_text("company", result.company, max_len=COMPANY_MAX)
        domain = result.domain
        if domain is not None:
            domain = clean_text("domain", domain, max_len=_DOMAIN_MAX).lower()
    except Exception:
        raise InvalidVerifierResult(None) from None
    return EmployerCheck(company=company, domain=domain)
