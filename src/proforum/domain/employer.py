"""Verified employers: who checked that a member works where they say, and how.

A member *states* a company on their profile; a verification *proves* it.
Three ways lead to an :class:`EmployerVerification`:

* ``company_email`` — the member receives a one-time code at an address of the
  company's own domain and types it back (an :class:`EmployerChallenge`);
* ``reviewed`` — an operator checked it by hand (a business card, a letter)
  and is recorded as :attr:`EmployerVerification.verified_by`;
* any other method a verifier plugin vouches for (an identity provider),
  through the ``proforum_verify_employer`` hook.

The code itself is never stored: a challenge keeps an HMAC-SHA256 of it under
a random salt of its own, compared in constant time.  Six digits are few, so
the hash alone would not hold against someone reading the database; what
protects a code is that it lives :attr:`VerificationPolicy.code_ttl` (15
minutes) and allows :attr:`VerificationPolicy.max_attempts` (5) guesses, and
that the outbox forgets it once it is delivered.

Nothing here reads the clock or draws random bytes: use cases pass ``now``
and the seed material in.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import attrs

from proforum.domain.common import MemberId, check_id, utc_validator
from proforum.errors import FreeMailDomain, InvalidIdentifier, InvalidVerificationSetting

#: The method of a verification by a code sent to a company address.
COMPANY_EMAIL = "company_email"
#: The method of a verification an operator checked by hand.
REVIEWED = "reviewed"
#: Methods only proforum itself records: a plugin cannot vouch under these names.
BUILT_IN_METHODS = frozenset({COMPANY_EMAIL, REVIEWED})

#: How many digits a verification code has.
CODE_DIGITS = 6
#: Bytes of seed material a challenge uses: 8 for the code, 16 for the salt.
SEED_BYTES = 24
_SALT_BYTES = 16

#: Public and free mail services: an address there says nothing about an employer.
#: Korean portals first, then the international ones.  A subdomain of one
#: (``mail.naver.com``) is refused too.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "naver.com",
        "daum.net",
        "hanmail.net",
        "kakao.com",
        "nate.com",
        "empas.com",
        "korea.com",
        "dreamwiz.com",
        "hanmir.com",
        "lycos.co.kr",
        "paran.com",
        "chol.com",
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.co.kr",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "mail.com",
        "zoho.com",
        "yandex.com",
        "qq.com",
        "163.com",
    }
)

_METHOD = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def check_method(value: object) -> str:
    """Return ``value`` if it can name a verification method (``business_card``, ``okta``...).

    Lowercase ASCII letters, digits, ``_`` and ``-``, starting with a letter,
    at most 32 characters.

    :raises InvalidIdentifier: it cannot (``field="method"``).
    """
    if not isinstance(value, str) or not _METHOD.match(value):
        raise InvalidIdentifier(value, field="method")
    return value


def email_domain(address: str, free_domains: Collection[str] = FREE_MAIL_DOMAINS) -> str:
    """The lowercased domain of a (checked) company address, refusing free mail services.

    :raises FreeMailDomain: the domain, or a domain it is under, is in ``free_domains``.
    """
    domain = address.rsplit("@", 1)[1].lower()
    labels = domain.split(".")
    # gmail.com, but also mail.naver.com: every suffix of two labels or more.
    if any(".".join(labels[i:]) in free_domains for i in range(len(labels) - 1)):
        raise FreeMailDomain(None)
    return domain


def code_from_seed(seed: bytes) -> str:
    """The :data:`CODE_DIGITS`-digit code drawn from the first 8 bytes of ``seed``.

    Reducing 64 random bits modulo a million leaves a bias below 10⁻¹³.
    """
    return f"{int.from_bytes(seed[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def salt_from_seed(seed: bytes) -> str:
    """The challenge's salt, hex, from bytes 8 to 24 of ``seed``."""
    return seed[8 : 8 + _SALT_BYTES].hex()


def code_digest(salt: str, code: str) -> str:
    """HMAC-SHA256 of ``code`` keyed with the challenge's ``salt``, hex."""
    return hmac.new(bytes.fromhex(salt), code.encode("ascii"), hashlib.sha256).hexdigest()


def _positive_duration(instance: Any, attribute: attrs.Attribute[timedelta], value: object) -> None:
    lowest, highest = _DURATIONS[attribute.name]
    if not isinstance(value, timedelta) or not lowest <= value <= highest:
        raise InvalidVerificationSetting(
            value,
            field=attribute.name,
            rule_ko=f"{lowest}에서 {highest} 사이의 timedelta여야 합니다",
            rule_en=f"it must be a timedelta from {lowest} to {highest}",
        )


def _count(instance: Any, attribute: attrs.Attribute[int], value: object) -> None:
    highest = _COUNTS[attribute.name]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= highest:
        raise InvalidVerificationSetting(
            value,
            field=attribute.name,
            rule_ko=f"1에서 {highest} 사이의 정수여야 합니다",
            rule_en=f"it must be a whole number from 1 to {highest}",
        )


def _domains(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Collection):
        raise InvalidVerificationSetting(
            None,
            field="free_mail_domains",
            rule_ko="도메인 문자열의 모음이어야 합니다",
            rule_en="it must be a collection of domain names",
        )
    if not all(isinstance(d, str) and "." in d and d == d.strip().lower() for d in value):
        raise InvalidVerificationSetting(
            None,
            field="free_mail_domains",
            rule_ko="소문자 도메인 이름(예: gmail.com)이어야 합니다",
            rule_en="each must be a lowercase domain name such as gmail.com",
        )
    return frozenset(value)


_DURATIONS = {
    "code_ttl": (timedelta(minutes=1), timedelta(hours=24)),
    "window": (timedelta(minutes=1), timedelta(days=1)),
}
_COUNTS = {"max_attempts": 20, "codes_per_window": 100}


@attrs.frozen
class VerificationPolicy:
    """How company-e-mail verification behaves; ``proforum.open(..., verification=...)``.

    :param code_ttl: how long a code works after it is sent (15 minutes); it
        is expired from ``sent + code_ttl`` on, that instant included.
    :param max_attempts: wrong codes allowed before the code stops working (5).
    :param codes_per_window: codes a member may ask for per ``window`` (3);
        asking again replaces the previous code.
    :param window: the rate-limit window (an hour).  It starts with the first
        code asked for and ends ``window`` later, when the count starts again.
    :param free_mail_domains: domains refused as company addresses
        (:data:`FREE_MAIL_DOMAINS` by default; pass a larger set to add some).
    """

    code_ttl: timedelta = attrs.field(default=timedelta(minutes=15), validator=_positive_duration)
    max_attempts: int = attrs.field(default=5, validator=_count)
    codes_per_window: int = attrs.field(default=3, validator=_count)
    window: timedelta = attrs.field(default=timedelta(hours=1), validator=_positive_duration)
    free_mail_domains: frozenset[str] = attrs.field(
        default=FREE_MAIL_DOMAINS, converter=_domains, repr=False
    )


class ChallengeState(enum.StrEnum):
    """Where a company-e-mail code is in its short life."""

    #: Sent, waiting for the member to type it (unless it has expired).
    PENDING = "pending"
    #: Too many wrong codes: it no longer works.
    LOCKED = "locked"
    #: Typed correctly once: the verification is recorded.
    USED = "used"


def _check_identifier(instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    check_id(attribute.name, value)


def _hex(length: int) -> Any:
    def check(instance: Any, attribute: attrs.Attribute[str], value: object) -> None:
        if not isinstance(value, str) or not re.fullmatch(rf"[0-9a-f]{{{length}}}", value):
            raise InvalidIdentifier(None, field=attribute.name)

    return check


def _not_negative(instance: Any, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidIdentifier(value, field=attribute.name)


@attrs.frozen
class EmployerChallenge:
    """The code most recently sent to a member for company-e-mail verification.

    One per member: asking for a new code replaces it (keeping the rate-limit
    window and count).  The code is kept only as :attr:`code_hash`; the
    address it went to is not kept at all, only its :attr:`domain`.  The
    hash and the salt are left out of ``repr()``.
    """

    #: The challenge's own id: the subject of the message carrying its code.
    id: str = attrs.field(validator=_check_identifier)
    member_id: MemberId = attrs.field(validator=_check_identifier)
    company: str = attrs.field(repr=False)
    domain: str = attrs.field(repr=False)
    code_hash: str = attrs.field(validator=_hex(64), repr=False)
    salt: str = attrs.field(validator=_hex(2 * _SALT_BYTES), repr=False)
    created_at: datetime = attrs.field(validator=utc_validator)
    expires_at: datetime = attrs.field(validator=utc_validator)
    #: When the current rate-limit window began, and how many codes it has seen.
    window_started_at: datetime = attrs.field(validator=utc_validator)
    codes_in_window: int = attrs.field(validator=_not_negative)
    #: Wrong codes entered so far.
    attempts: int = attrs.field(default=0, validator=_not_negative)
    state: ChallengeState = attrs.field(default=ChallengeState.PENDING, converter=ChallengeState)

    def expired(self, now: datetime) -> bool:
        """Tell whether the code has expired at ``now`` (``expires_at`` itself included)."""
        return now >= self.expires_at

    def matches(self, code: str) -> bool:
        """Tell, in constant time, whether ``code`` is the code that was sent."""
        return hmac.compare_digest(code_digest(self.salt, code), self.code_hash)

    def wrong_attempt(self, max_attempts: int) -> EmployerChallenge:
        """Count one wrong code; the ``max_attempts``-th locks the challenge."""
        attempts = self.attempts + 1
        state = ChallengeState.LOCKED if attempts >= max_attempts else self.state
        return attrs.evolve(self, attempts=attempts, state=state)

    def used(self) -> EmployerChallenge:
        """The challenge after its code was typed correctly: it cannot be used again."""
        return attrs.evolve(self, state=ChallengeState.USED)


@attrs.frozen
class EmployerVerification:
    """That a member's employer was verified: which company, how, when and by whom.

    One per member; a new verification replaces the previous one.

    :param domain: for ``company_email``, the domain of the address the code
        went to (the address itself is not kept); a verifier plugin may give
        one too.
    :param verified_by: the operator who checked it by hand (``reviewed``),
        ``None`` for a code or a plugin.
    """

    member_id: MemberId = attrs.field(validator=_check_identifier)
    company: str = attrs.field(repr=False)
    method: str = attrs.field(validator=lambda _i, _a, v: check_method(v))
    verified_at: datetime = attrs.field(validator=utc_validator)
    domain: str | None = attrs.field(default=None, repr=False)
    verified_by: MemberId | None = None


@attrs.frozen
class EmployerCheck:
    """What a verifier plugin returns from ``proforum_verify_employer`` when it vouches.

    :param company: the company it vouches the member works at.
    :param domain: the company's mail domain, if the verifier knows it.
    """

    company: str
    domain: str | None = None


@attrs.frozen
class VerificationSent:
    """What :meth:`~proforum.Forum.start_employer_verification` tells the caller.

    Neither the code nor the address: only what the member should be shown.
    """

    company: str
    #: The domain the code went to, to remind the member where to look.
    domain: str
    expires_at: datetime = attrs.field(validator=utc_validator)
    #: Wrong codes the member may enter before this code stops working.
    attempts_allowed: int
    #: Codes the member may still ask for in the current window.
    codes_left: int
