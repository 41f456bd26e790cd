"""Members and the name they speak under: a real name or a fixed nickname."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Literal

import attrs
import regex

from proforum.domain.common import (
    MemberId,
    check_id,
    check_slug,
    check_time_zone,
    has_forbidden_characters,
    utc_validator,
)
from proforum.domain.confusables import confusable_key, visual_key
from proforum.domain.personal_data import PSEUDONYM_PREFIX_KO
from proforum.errors import InvalidEmail, InvalidNickname, InvalidProfile, InvalidRealName

NICKNAME_MIN = 2
NICKNAME_MAX = 20
REAL_NAME_MAX = 50
COMPANY_MAX = 100
MAX_YEARS_OF_EXPERIENCE = 70

Locale = Literal["ko", "en"]

# Erased members are shown as "탈퇴회원 …": nobody may pose as one.
_RESERVED_PREFIX_KEY = confusable_key(PSEUDONYM_PREFIX_KO)

# Extended grapheme clusters (UAX #29): what a reader sees as one character.
_GRAPHEME = regex.compile(r"\X")


#: The most code points one user-perceived character of a nickname may hold
#: (a base letter and its marks, an emoji with its skin tone, a flag).  More is
#: marks stacked to draw over the neighbouring characters.
CLUSTER_MAX = 4


def graphemes(text: str) -> list[str]:
    """Split ``text`` into user-perceived characters (UAX #29 extended grapheme clusters)."""
    return _GRAPHEME.findall(text)


def grapheme_count(text: str) -> int:
    """Count the user-perceived characters of ``text``."""
    return len(graphemes(text))


def _normalise_name(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return unicodedata.normalize("NFC", value).strip()


@attrs.frozen
class RealName:
    """A member's real name (실명), shown as given after NFC normalisation.

    The name is personal data, so ``repr()`` masks it.
    """

    value: str = attrs.field(repr=False)

    kind: Literal["real_name"] = attrs.field(default="real_name", init=False)

    @classmethod
    def parse(cls, raw: object) -> RealName:
        """Validate and normalise ``raw``; raise :class:`InvalidRealName` when it cannot be a name."""
        text = _normalise_name(raw)
        if not text or len(text) > REAL_NAME_MAX or has_forbidden_characters(text):
            raise InvalidRealName(raw, max=REAL_NAME_MAX)
        return cls(text)

    @property
    def display(self) -> str:
        """The name as shown next to posts."""
        return self.value


@attrs.frozen
class Nickname:
    """A fixed nickname (고정 닉네임): chosen once, stored in NFC, unique by :attr:`key`."""

    value: str

    kind: Literal["nickname"] = attrs.field(default="nickname", init=False)

    @classmethod
    def parse(cls, raw: object) -> Nickname:
        """Validate and normalise ``raw``; raise :class:`InvalidNickname` when it is not allowed.

        The length is counted in grapheme clusters after NFC normalisation: a
        Hangul syllable counts once whether typed precomposed or as jamo, and
        so does a letter with its combining marks.
        """
        text = _normalise_name(raw)
        clusters = graphemes(text) if text is not None else []
        if text is None or not NICKNAME_MIN <= len(clusters) <= NICKNAME_MAX:
            raise InvalidNickname(
                raw,
                min=NICKNAME_MIN,
                max=NICKNAME_MAX,
                rule_ko=f"닉네임은 {NICKNAME_MIN}자 이상 {NICKNAME_MAX}자 이하입니다",
                rule_en=f"a nickname is {NICKNAME_MIN} to {NICKNAME_MAX} characters long",
            )
        if has_forbidden_characters(text):
            raise InvalidNickname(
                raw,
                min=NICKNAME_MIN,
                max=NICKNAME_MAX,
                rule_ko="보이지 않는 문자, 제어 문자, 글자 방향 제어 문자는 쓸 수 없습니다",
                rule_en="invisible, control and text-direction characters are not allowed",
            )
        if any(len(cluster) > CLUSTER_MAX for cluster in clusters):
            raise InvalidNickname(
                raw,
                min=NICKNAME_MIN,
                max=NICKNAME_MAX,
                rule_ko="한 글자에 결합 문자를 여러 개 겹쳐 쓸 수 없습니다",
                rule_en="a character may not carry a stack of combining marks",
            )
        if confusable_key(text).startswith(_RESERVED_PREFIX_KEY):
            raise InvalidNickname(
                raw,
                min=NICKNAME_MIN,
                max=NICKNAME_MAX,
                rule_ko=f"'{PSEUDONYM_PREFIX_KO}'(으)로 시작하는 닉네임은 탈퇴한 회원에게만 쓰입니다",
                rule_en=f"nicknames starting with '{PSEUDONYM_PREFIX_KO}' are kept for erased members",
            )
        if "  " in text or any(ch.isspace() and ch != " " for ch in text):
            raise InvalidNickname(
                raw,
                min=NICKNAME_MIN,
                max=NICKNAME_MAX,
                rule_ko="공백은 글자 사이에 한 칸씩만 쓸 수 있습니다",
                rule_en="only single spaces between characters are allowed",
            )
        return cls(text)

    @property
    def key(self) -> str:
        """The comparison form used for uniqueness (see :func:`confusable_key`).

        Width, case and look-alike characters fold together: a full-width
        letter, the Kelvin sign, a Cyrillic ``а`` for a Latin ``a`` or the digit
        ``1`` for ``l`` give the key of the plain name, so nobody can register a
        look-alike of an existing nickname.  Hangul syllables are kept whole,
        and Hangul mixed with Latin is allowed.
        """
        return confusable_key(self.value)

    @property
    def visual_key(self) -> str:
        """The second uniqueness key: the skeleton with case kept (see :func:`visual_key`).

        ``PayPaI`` with a capital ``I`` has the visual key of ``PayPal``.
        """
        return visual_key(self.value)

    @property
    def display(self) -> str:
        """The nickname as shown next to posts."""
        return self.value


Identity = RealName | Nickname


def _check_company(
    instance: Member, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None and (
        not value or len(value) > COMPANY_MAX or has_forbidden_characters(value)
    ):
        raise InvalidProfile(
            value,
            field="company",
            rule_ko=f"회사명은 1자 이상 {COMPANY_MAX}자 이하입니다",
            rule_en=f"a company name is 1 to {COMPANY_MAX} characters",
        )


def _check_years(
    instance: Member, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None and (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_YEARS_OF_EXPERIENCE
    ):
        raise InvalidProfile(
            value,
            field="years_of_experience",
            rule_ko=f"경력은 0년에서 {MAX_YEARS_OF_EXPERIENCE}년 사이입니다",
            rule_en=f"years of experience are between 0 and {MAX_YEARS_OF_EXPERIENCE}",
        )


def _check_job(instance: Member, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        check_slug(value)
    except Exception as exc:
        raise InvalidProfile(
            value,
            field="job_function",
            rule_ko="직무 코드는 영문 소문자, 숫자, 하이픈으로 씁니다",
            rule_en="a job-function code uses lowercase letters, digits and hyphens",
        ) from exc


#: The longest e-mail address SMTP can carry (RFC 5321 path limit less the brackets).
EMAIL_MAX = 254
# A conservative ASCII address: dot-atom local part, a host name with at least
# two labels.  Quoted local parts, address literals and internationalised
# addresses are refused when the address is set, rather than failing at delivery.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})+")


def check_email(value: object) -> str:
    """Return ``value`` if it is an e-mail address proforum can deliver to.

    :raises InvalidEmail: not a string, longer than :data:`EMAIL_MAX`, a local
        part over 64 characters, or not of the form ``local@host.domain``.
    """
    if (
        not isinstance(value, str)
        or len(value) > EMAIL_MAX
        or _EMAIL.fullmatch(value) is None
        or len(value.rsplit("@", 1)[0]) > 64
    ):
        raise InvalidEmail(None, max=EMAIL_MAX)
    return value


def _check_email(instance: Member, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None:
        check_email(value)


def _check_member_id(instance: Member, attribute: attrs.Attribute[MemberId], value: str) -> None:
    check_id("member_id", value)


def _check_locale(instance: Member, attribute: attrs.Attribute[Locale], value: str) -> None:
    if value not in ("ko", "en"):
        raise InvalidProfile(
            value, field="locale", rule_ko="ko 또는 en", rule_en="either 'ko' or 'en'"
        )


def _check_tz(instance: Member, attribute: attrs.Attribute[str], value: str) -> None:
    check_time_zone(value)


@attrs.frozen
class Member:
    """A person in the forum, always speaking under :attr:`identity`.

    There is no way to post without an identity, so nobody posts anonymously.
    The identity cannot be changed through this class: a nickname is fixed.
    """

    id: MemberId = attrs.field(validator=_check_member_id)
    identity: Identity
    job_function: str = attrs.field(validator=_check_job)
    registered_at: datetime = attrs.field(validator=utc_validator)
    company: str | None = attrs.field(default=None, validator=_check_company, repr=False)
    years_of_experience: int | None = attrs.field(default=None, validator=_check_years)
    locale: Locale = attrs.field(default="ko", validator=_check_locale)
    time_zone: str = attrs.field(default="Asia/Seoul", validator=_check_tz)
    #: Where e-mail notifiers write to; personal data, so never in ``repr()``.
    email: str | None = attrs.field(default=None, validator=_check_email, repr=False)

    @property
    def display_name(self) -> str:
        """The name shown to other members."""
        return self.identity.display

    @property
    def nickname_key(self) -> str | None:
        """The uniqueness key of the nickname, or ``None`` for a real-name member."""
        return self.identity.key if isinstance(self.identity, Nickname) else None

    @property
    def nickname_visual_key(self) -> str | None:
        """The case-keeping look-alike key of the nickname, or ``None`` for a real name."""
        return self.identity.visual_key if isinstance(self.identity, Nickname) else None
