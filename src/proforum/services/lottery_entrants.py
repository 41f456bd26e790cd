"""Turning applicants into the lottery's published entrants.

What the commitment says about each applicant is exactly what the draw may
use: a weight, an opaque company label for the cap, and the attributes
quotas are defined over.  Company names stay private: labels (``c1``,
``c2``...) only tell which applicants share an employer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pluggy

from proforum.domain.common import MemberId
from proforum.domain.identity import Member
from proforum.domain.lottery import Constraints, Entrant, check_weight
from proforum.domain.meetup import Meetup
from proforum.domain.participation import ParticipationRecord
from proforum.errors import InvalidConstraints, InvalidWeight

#: Years-of-experience bands quotas can name, as ``(first year, last year, label)``.
EXPERIENCE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 2, "0-2"),
    (3, 5, "3-5"),
    (6, 9, "6-9"),
    (10, None, "10+"),
)
#: The band of a member who did not say.
UNKNOWN_BAND = "unknown"
#: The attributes quotas can be defined over.
QUOTA_ATTRIBUTES = ("job_function", "experience")

_WEIGHT_PLACES = Decimal("0.000001")


def experience_band(years: int | None) -> str:
    """The band ``years`` of experience fall in (``"3-5"``), or ``"unknown"``."""
    if years is None:
        return UNKNOWN_BAND
    for first, last, label in EXPERIENCE_BANDS:
        if years >= first and (last is None or years <= last):
            return label
    return UNKNOWN_BAND


def check_quota_attributes(constraints: Constraints) -> Constraints:
    """Refuse quotas over an attribute proforum does not publish, or an unknown band."""
    bands = {label for _, _, label in EXPERIENCE_BANDS} | {UNKNOWN_BAND}
    for quota in constraints.quotas:
        if quota.attribute not in QUOTA_ATTRIBUTES:
            raise InvalidConstraints(
                quota.attribute,
                rule_ko=f"할당 기준은 {', '.join(QUOTA_ATTRIBUTES)} 중 하나여야 합니다",
                rule_en=f"quotas are over one of {', '.join(QUOTA_ATTRIBUTES)}",
            )
        if quota.attribute == "experience" and quota.value not in bands:
            raise InvalidConstraints(
                quota.value,
                rule_ko=f"경력 구간은 {', '.join(sorted(bands))} 중 하나여야 합니다",
                rule_en=f"experience bands are {', '.join(sorted(bands))}",
            )
    return constraints


def _company_key(name: str | None) -> str | None:
    if name is None:
        return None
    # "ACME", "Acme " and full-width "ＡＣＭＥ" are one employer.
    key = unicodedata.normalize("NFKC", name).casefold().strip()
    return key or None


def combined_weight(results: Iterable[object]) -> Decimal:
    """Multiply the hook's results (``None`` is 1) and round to six places.

    :raises InvalidWeight: a result, or the product, is not a usable weight.
    """
    weight = Decimal(1)
    for result in results:
        if result is None:
            continue
        weight *= check_weight(result)
    rounded = weight.quantize(_WEIGHT_PLACES, rounding=ROUND_HALF_EVEN)
    if rounded <= 0:
        raise InvalidWeight(weight, max=1000, places=6)
    return check_weight(rounded.normalize())


def build_entrants(
    meetup: Meetup,
    applicants: Sequence[MemberId],
    members: Mapping[MemberId, Member],
    records: Mapping[MemberId, ParticipationRecord],
    pm: pluggy.PluginManager,
) -> list[Entrant]:
    """The published entrants of ``meetup``'s lottery, in member-id order."""
    ordered = sorted(set(applicants))
    labels: dict[str, str] = {}
    entrants = []
    weigh: Any = pm.hook.proforum_lottery_weight
    for member_id in ordered:
        member = members[member_id]
        key = _company_key(member.company)
        label = None
        if key is not None:
            label = labels.setdefault(key, f"c{len(labels) + 1}")
        weight = combined_weight(weigh(meetup=meetup, member=member, record=records[member_id]))
        entrants.append(
            Entrant(
                id=member_id,
                weight=weight,
                company=label,
                attributes={
                    "job_function": member.job_function,
                    "experience": experience_band(member.years_of_experience),
                },
            )
        )
    return entrants
