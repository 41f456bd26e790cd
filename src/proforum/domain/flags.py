"""Flags: members point moderators at a post or comment, weighted by how often they were right.

A member flags a post or comment once, with a :class:`FlagReason` and an
optional note.  A flag stays *open* until a moderator upholds or dismisses
the flags on that content; every flag then carries the outcome, and the
outcomes make up the flagger's :class:`FlaggerRecord` in the community.

A flagger's weight is their record's accuracy, Laplace-smoothed:
``(upheld + 1) / (upheld + dismissed + 2)``.  Someone who never flagged
before counts 1/2; someone whose ten flags were all dismissed counts 1/12;
someone whose flags were always upheld tends to 1.  Content is hidden
automatically once the summed weight of its open flags reaches the
community's threshold (:func:`reaches`).  Weights are exact fractions, so a
sum that equals the threshold is never lost to rounding.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from proforum.domain.common import (
    CommunityId,
    MemberId,
    check_id,
    optional_utc_validator,
    utc_validator,
)
from proforum.domain.content_status import ContentKind
from proforum.errors import InvalidInput, UnknownFlagReason

#: The longest note a flagger may add.
FLAG_NOTE_MAX = 500


class FlagReason(enum.StrEnum):
    """Why a member flags a post or a comment."""

    SPAM = "spam"
    ABUSE = "abuse"
    PERSONAL_DATA = "personal_data"
    OFF_TOPIC = "off_topic"
    OTHER = "other"

    @property
    def label_ko(self) -> str:
        """The reason in Korean."""
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        """The reason in English."""
        return _LABELS[self][1]


_LABELS = {
    FlagReason.SPAM: ("스팸/광고", "spam"),
    FlagReason.ABUSE: ("욕설/비방", "abuse"),
    FlagReason.PERSONAL_DATA: ("개인정보 노출", "personal data"),
    FlagReason.OFF_TOPIC: ("주제와 무관", "off-topic"),
    FlagReason.OTHER: ("기타", "other"),
}


def flag_reason(value: object) -> FlagReason:
    """Return ``value`` as a :class:`FlagReason`.

    :raises UnknownFlagReason: ``value`` is not one of the reasons' values.
    """
    if isinstance(value, str):
        try:
            return FlagReason(value)
        except ValueError:
            pass
    raise UnknownFlagReason(
        value,
        reasons_ko=", ".join(f"{r.label_ko}({r.value})" for r in FlagReason),
        reasons_en=", ".join(r.value for r in FlagReason),
    )


class FlagResolution(enum.StrEnum):
    """How a moderator decided about the flags on a post or comment."""

    #: The flag was right: the content was hidden.
    UPHELD = "upheld"
    #: The flag was wrong: the content stays (or is shown again).
    DISMISSED = "dismissed"


def _optional_resolution(value: FlagResolution | str | None) -> FlagResolution | None:
    return None if value is None else FlagResolution(value)


@attrs.frozen
class Flag:
    """That ``flagger_id`` flagged a post or a comment of ``community_id``.

    :param target: whether ``target_id`` names a post or a comment.
    :param note: what the flagger added in their own words; never shown to the author.
    :param resolution: ``None`` while the flag is open.
    :param resolved_at: when a moderator decided; set exactly when ``resolution`` is.
    """

    target: ContentKind = attrs.field(converter=ContentKind)
    target_id: str = attrs.field(validator=lambda _i, _a, v: check_id("target_id", v))
    flagger_id: MemberId
    community_id: CommunityId
    reason: FlagReason = attrs.field(converter=FlagReason)
    flagged_at: datetime = attrs.field(validator=utc_validator)
    note: str | None = attrs.field(default=None, repr=False)
    resolution: FlagResolution | None = attrs.field(default=None, converter=_optional_resolution)
    resolved_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)

    def __attrs_post_init__(self) -> None:
        # A decision has a time, and an open flag has neither.
        if (self.resolution is None) != (self.resolved_at is None):
            raise InvalidInput(self.resolution)

    @property
    def is_open(self) -> bool:
        """Tell whether no moderator has decided about this flag yet."""
        return self.resolution is None

    def resolved(self, resolution: FlagResolution, at: datetime) -> Flag:
        """Return this flag decided as ``resolution`` at ``at``."""
        return attrs.evolve(self, resolution=resolution, resolved_at=at)


def _count(_instance: Any, _attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(value)


@attrs.frozen
class FlaggerRecord:
    """How a member's decided flags in one community turned out."""

    upheld: int = attrs.field(default=0, validator=_count)
    dismissed: int = attrs.field(default=0, validator=_count)

    @property
    def weight(self) -> Fraction:
        """``(upheld + 1) / (upheld + dismissed + 2)``: 1/2 for someone new."""
        return Fraction(self.upheld + 1, self.upheld + self.dismissed + 2)


def flag_weight(records: Iterable[FlaggerRecord]) -> Fraction:
    """The summed weight of flags by flaggers with ``records``, one record per flag."""
    return sum((r.weight for r in records), Fraction(0))


def reaches(weight: Fraction, threshold: Decimal) -> bool:
    """Tell whether flags weighing ``weight`` hide content at ``threshold``, exactly."""
    return weight >= Fraction(threshold)
