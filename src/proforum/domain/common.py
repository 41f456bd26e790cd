"""Small building blocks shared by every aggregate: ids, times, secrets, text rules."""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any, NewType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from proforum.errors import InvalidIdentifier, InvalidSchedule, InvalidText, InvalidTimeZone

MemberId = NewType("MemberId", str)
CommunityId = NewType("CommunityId", str)
PostId = NewType("PostId", str)
CommentId = NewType("CommentId", str)
MeetupId = NewType("MeetupId", str)
SurveyId = NewType("SurveyId", str)
ResponseId = NewType("ResponseId", str)
MessageId = NewType("MessageId", str)

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")

# Characters that render as nothing or reorder text: they let two different strings
# look identical, so no user-facing name may contain them.
_INVISIBLE = frozenset(
    [
        *(0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x180E, 0x2800, 0x3164, 0xFEFF, 0xFFA0),
        *range(0x200B, 0x2010),
        *range(0x202A, 0x202F),
        *range(0x2060, 0x2070),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),  # variation selectors 17..256
    ]
)


def check_id(field: str, value: object) -> str:
    """Return ``value`` if it is a well-formed identifier, else raise :class:`InvalidIdentifier`."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise InvalidIdentifier(value, field=field)
    return value


def check_slug(value: object) -> str:
    """Return ``value`` if it is a lowercase slug such as ``marketing-pr``."""
    if not isinstance(value, str) or not _SLUG_RE.match(value):
        raise InvalidIdentifier(value, field="slug")
    return value


@functools.lru_cache(maxsize=4096)
def _forbidden(ch: str) -> bool:
    return ord(ch) in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")


def has_forbidden_characters(text: str, *, allow_newlines: bool = False) -> bool:
    """Tell whether ``text`` holds control, invisible or bidirectional-override characters."""
    # Each distinct character is looked at once: a Korean post of 2,000
    # characters has a few hundred distinct ones, most of them seen before.
    for ch in set(text):
        if allow_newlines and ch in "\n\t":
            continue
        if _forbidden(ch):
            return True
    return False


def clean_text(field: str, value: object, *, max_len: int, multiline: bool = False) -> str:
    """Normalise ``value`` to NFC with outer spaces removed and check its length.

    :raises InvalidText: when the text is empty, too long, not a string, or holds
        control characters (newlines are allowed when ``multiline``).
    """
    if not isinstance(value, str):
        raise InvalidText(value, field=field, max=max_len)
    text = unicodedata.normalize("NFC", value).strip()
    if multiline:
        text = text.replace("\r\n", "\n")
    if not text or len(text) > max_len or has_forbidden_characters(text, allow_newlines=multiline):
        raise InvalidText(value, field=field, max=max_len)
    return text


def require_aware(field: str, value: datetime) -> datetime:
    """Return ``value`` converted to UTC, refusing naive datetimes."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidSchedule(
            value,
            rule_ko=f"'{field}'에는 시간대가 있는 시각이 필요합니다",
            rule_en=f"'{field}' needs a time-zone-aware datetime",
        )
    return value.astimezone(ZoneInfo("UTC"))


def check_time_zone(value: object) -> str:
    """Return ``value`` if it names an IANA time zone such as ``Asia/Seoul``."""
    if not isinstance(value, str) or not value or ".." in value or value.startswith("/"):
        raise InvalidTimeZone(value)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidTimeZone(value) from exc
    return value


def utc_validator(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Attrs validator: the datetime must be aware and already in UTC."""
    if not isinstance(value, datetime) or value.utcoffset() != timedelta(0):
        raise InvalidSchedule(
            value,
            rule_ko=f"'{attribute.name}'은(는) UTC 시각이어야 합니다",
            rule_en=f"'{attribute.name}' must be an aware UTC datetime",
        )


def optional_utc_validator(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Attrs validator: like :func:`utc_validator` but ``None`` is allowed."""
    if value is not None:
        utc_validator(instance, attribute, value)


@attrs.frozen(repr=False)
class Secret:
    """A string that must never be shown by accident: meeting links, seeds, tokens.

    ``repr()`` and ``str()`` print a mask; call :meth:`reveal` where the value is
    really needed, at the last possible moment.
    """

    _value: str = attrs.field(alias="value")

    def reveal(self) -> str:
        """Return the secret value itself."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"
