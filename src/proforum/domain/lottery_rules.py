"""The rules of ``proforum-lottery-v2``: who takes part, with what weight, under which limits.

This module holds the parts of the v2 draw that do not depend on commitments:
the published :class:`Entrant`, :class:`Quota` and :class:`Constraints`, the
public-randomness :class:`Beacon`, the weighted ranking (:func:`rank`) and the
selection walk (:func:`select`).  Everything is a pure function of its inputs;
nothing uses the :mod:`random` module.  ``docs/lottery.md`` describes the
algorithm precisely enough to re-implement it.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import operator
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal, InvalidOperation, localcontext
from typing import Any

import attrs

from proforum.domain.common import MemberId, check_id, has_forbidden_characters
from proforum.errors import (
    InvalidBeacon,
    InvalidConstraints,
    InvalidDocument,
    InvalidText,
    InvalidWeight,
    QuotaInfeasible,
)

#: The largest weight an entrant may have.
MAX_WEIGHT = Decimal(1000)
#: The most decimal places a weight may have.
MAX_WEIGHT_PLACES = 6
#: The longest attribute value, in characters.
MAX_ATTRIBUTE_VALUE = 64
#: Decimal digits used first for the exact rank keys; raised when a key is too close to call.
KEY_PRECISION = 80

_TWO_64 = Decimal(2**64)
_TWO_256 = 2**256
_WEIGHT_TEXT = re.compile(r"\A[0-9]+(\.[0-9]+)?\Z")
_CHAIN_HASH = re.compile(r"\A[0-9a-f]{64}\Z")
_INVERT = bytes(range(255, -1, -1))


def _constraint_error(en: str, ko: str) -> InvalidConstraints:
    return InvalidConstraints(None, rule_ko=ko, rule_en=en)


def _beacon_error(en: str, ko: str) -> InvalidBeacon:
    return InvalidBeacon(None, rule_ko=ko, rule_en=en)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --------------------------------------------------------------------------- weights


def check_weight(value: object) -> Decimal:
    """Return ``value`` as a canonical :class:`~decimal.Decimal` weight.

    Decimals, integers, floats (read through their shortest ``repr``) and plain
    decimal strings such as ``"2.5"`` are accepted.  Booleans, NaN, infinities,
    values not above 0 or above :data:`MAX_WEIGHT`, and values with more than
    :data:`MAX_WEIGHT_PLACES` decimal places raise :class:`InvalidWeight`.
    """
    kind = type(value)
    # A draw reads every entrant's weight back, and they are nearly all the
    # same few values: remember the answers.  Only exact types whose hash is
    # safe go through the cache (a signalling NaN cannot be hashed; ``bool``
    # is not one of these types, so ``True`` never meets the cached ``1``).
    if kind in _CACHEABLE_WEIGHTS and (kind is not Decimal or value.is_finite()):  # type: ignore[attr-defined]
        return _cached_weight(kind.__name__, value)
    return _parse_weight(value)


_CACHEABLE_WEIGHTS = frozenset({str, int, float, Decimal})


@functools.lru_cache(maxsize=512)
def _cached_weight(kind: str, value: Any) -> Decimal:
    # ``kind`` is part of the key so that ``1``, ``1.0`` and ``Decimal(1)``
    # each keep their own entry, as equal keys of different types would
    # otherwise share one.
    return _parse_weight(value)


def _parse_weight(value: object) -> Decimal:
    def invalid() -> InvalidWeight:
        return InvalidWeight(value, max=str(MAX_WEIGHT), places=MAX_WEIGHT_PLACES)

    number: Decimal
    if isinstance(value, bool):
        raise invalid()
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        try:
            number = Decimal(repr(value))
        except InvalidOperation:  # pragma: no cover - repr of a float always parses
            raise invalid() from None
    elif isinstance(value, str) and _WEIGHT_TEXT.match(value):
        number = Decimal(value)
    else:
        raise invalid()
    if not number.is_finite() or number <= 0 or number > MAX_WEIGHT:
        raise invalid()
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if exponent + trailing < -MAX_WEIGHT_PLACES:
        raise invalid()
    with localcontext() as ctx:
        ctx.prec = 40
        canonical = number.normalize()
        if canonical.as_tuple().exponent > 0:  # type: ignore[operator]
            canonical = canonical.quantize(Decimal(1))
    return canonical


def weight_text(weight: Decimal) -> str:
    """The canonical decimal string of a weight: no exponent, no trailing zeros."""
    return format(check_weight(weight), "f")


# --------------------------------------------------------------------------- entrants


@functools.lru_cache(maxsize=1024)
def _check_attribute(key: str, value: str) -> None:
    # Cached: a draw of thousands reads the same few pairs ("job_function":
    # "개발") once per entrant.  Only plain strings reach the cache, and a
    # pair that fails raises, so only valid pairs are remembered.
    check_id("attribute", key)
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= MAX_ATTRIBUTE_VALUE
        or has_forbidden_characters(value)
    ):
        raise InvalidText(None, field="attribute value", max=MAX_ATTRIBUTE_VALUE)


class Attributes(Mapping[str, str]):
    """An immutable, hashable mapping of attribute names to values, kept sorted by name."""

    __slots__ = ("_data",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = dict(items.items() if isinstance(items, Mapping) else items)
        for key, value in pairs.items():
            if type(key) is str and type(value) is str:
                _check_attribute(key, value)
            else:
                _check_attribute.__wrapped__(key, value)
        self._data: dict[str, str] = dict(sorted(pairs.items()))

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"Attributes({self._data!r})"


def _to_attributes(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> Attributes:
    return value if isinstance(value, Attributes) else Attributes(value)


def _check_member_id(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    check_id("member_id", value)


def _check_company(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        check_id("company", value)


@attrs.frozen
class Entrant:
    """One applicant as the draw publishes them.

    ``company`` is an opaque label chosen by the publisher (``"c1"``), never a
    company name; ``attributes`` are the values quotas look at, such as
    ``{"job_function": "개발"}``.
    """

    id: MemberId = attrs.field(validator=_check_member_id)
    weight: Decimal = attrs.field(default=Decimal(1), converter=check_weight)
    company: str | None = attrs.field(default=None, validator=_check_company)
    attributes: Mapping[str, str] = attrs.field(factory=Attributes, converter=_to_attributes)

    def public(self) -> dict[str, Any]:
        """The entrant as written in the record: ``{id, weight, company, attributes}``."""
        return {
            "id": self.id,
            "weight": weight_text(self.weight),
            "company": self.company,
            "attributes": dict(self.attributes),
        }

    @classmethod
    def from_public(cls, obj: object) -> Entrant:
        """Read :meth:`public` output back; a bare string is a v1 applicant of weight 1."""
        if isinstance(obj, str):
            return cls(MemberId(obj))
        if not isinstance(obj, Mapping) or "id" not in obj:
            raise InvalidDocument(None, reason="an entrant is not an object with an id")
        unknown = set(obj) - {"id", "weight", "company", "attributes"}
        if unknown:
            raise InvalidDocument(None, reason=f"unknown entrant fields {sorted(unknown)}")
        attributes = obj.get("attributes") or {}
        if not isinstance(attributes, Mapping):
            raise InvalidDocument(None, reason="entrant attributes are not an object")
        return cls(
            id=MemberId(obj["id"]),
            weight=obj.get("weight", Decimal(1)),
            company=obj.get("company"),
            attributes=attributes,
        )


# --------------------------------------------------------------------------- constraints


_BY_ID = operator.attrgetter("id")
_BY_WEIGHT = operator.attrgetter("weight")


class SortedEntrants(tuple[Entrant, ...]):
    """Entrants in id order, each id once: what commitments and draws hold.

    Only :func:`sorted_entrants` makes them, so converting them again is
    free: a draw of a million entrants neither sorts nor checks them a
    second time.  Otherwise a plain tuple (equal to one, shown as one).
    """

    __slots__ = ()


def sorted_entrants(values: Iterable[Entrant | str]) -> SortedEntrants:
    """Entrants sorted by id; bare ids (v1 rows) become entrants of weight 1.

    :raises InvalidConstraints: an id appears twice.
    """
    if type(values) is SortedEntrants:
        return values
    people = [v if isinstance(v, Entrant) else Entrant.from_public(v) for v in values]
    people.sort(key=_BY_ID)
    if any(a.id == b.id for a, b in itertools.pairwise(people)):
        raise InvalidConstraints(
            None,
            rule_ko="같은 신청자가 두 번 들어 있습니다",
            rule_en="an applicant appears twice",
        )
    return SortedEntrants(people)


def _check_quota(quota: Quota) -> None:
    check_id("attribute", quota.attribute)
    if not isinstance(quota.value, str) or not quota.value:
        raise _constraint_error("a quota needs a value", "할당 조건에는 값이 있어야 합니다")
    if not _is_int(quota.min) or quota.min < 0:
        raise _constraint_error(
            "a quota minimum must be a whole number of at least 0",
            "할당 최소 인원은 0 이상의 정수여야 합니다",
        )
    if quota.max is not None and (not _is_int(quota.max) or quota.max < 1):
        raise _constraint_error(
            "a quota maximum must be a whole number of at least 1",
            "할당 최대 인원은 1 이상의 정수여야 합니다",
        )
    if quota.max is not None and quota.min > quota.max:
        raise _constraint_error(
            "a quota minimum may not exceed its maximum",
            "할당 최소 인원이 최대 인원보다 클 수 없습니다",
        )
    if quota.min == 0 and quota.max is None:
        raise _constraint_error(
            "a quota needs a minimum above 0 or a maximum",
            "할당 조건에는 1 이상의 최소 인원이나 최대 인원이 있어야 합니다",
        )


@attrs.frozen
class Quota:
    """At least ``min`` and at most ``max`` seats for entrants whose ``attribute`` is ``value``."""

    attribute: str
    value: str
    min: int = 0
    max: int | None = None

    def __attrs_post_init__(self) -> None:
        _check_quota(self)

    @property
    def label(self) -> str:
        """The quota as people read it, such as ``job_function=개발``."""
        return f"{self.attribute}={self.value}"

    def matches(self, entrant: Entrant) -> bool:
        """Tell whether ``entrant`` counts towards this quota."""
        return entrant.attributes.get(self.attribute) == self.value

    def public(self) -> dict[str, Any]:
        """The quota as written in the record."""
        return {"attribute": self.attribute, "value": self.value, "min": self.min, "max": self.max}

    @classmethod
    def from_public(cls, obj: object) -> Quota:
        """Read :meth:`public` output back."""
        if not isinstance(obj, Mapping) or set(obj) - {"attribute", "value", "min", "max"}:
            raise InvalidDocument(
                None, reason="a quota is not an object of attribute/value/min/max"
            )
        return cls(
            attribute=obj.get("attribute"),  # type: ignore[arg-type]
            value=obj.get("value"),  # type: ignore[arg-type]
            min=obj.get("min", 0),
            max=obj.get("max"),
        )


def _sorted_quotas(quotas: Iterable[Quota]) -> tuple[Quota, ...]:
    return tuple(sorted(quotas, key=lambda q: (q.attribute, q.value)))


@attrs.frozen
class Constraints:
    """Limits on the selection: at most ``company_cap`` per company label, and quotas.

    Quotas are kept sorted by ``(attribute, value)``, so two equal sets of
    quotas compare and hash equal whatever order they were given in.
    """

    company_cap: int | None = None
    quotas: tuple[Quota, ...] = attrs.field(default=(), converter=_sorted_quotas)

    def __attrs_post_init__(self) -> None:
        if self.company_cap is not None and (not _is_int(self.company_cap) or self.company_cap < 1):
            raise _constraint_error(
                "the company cap must be a whole number of at least 1",
                "회사별 상한은 1 이상의 정수여야 합니다",
            )
        seen: set[tuple[str, str]] = set()
        for quota in self.quotas:
            if not isinstance(quota, Quota):
                raise _constraint_error("quotas must be Quota objects", "할당 조건 형식 오류")
            if (quota.attribute, quota.value) in seen:
                raise _constraint_error(
                    f"the quota {quota.label} is given twice",
                    f"할당 조건 {quota.label}이(가) 두 번 있습니다",
                )
            seen.add((quota.attribute, quota.value))

    def public(self) -> dict[str, Any]:
        """The constraints as written in the record and hashed into the commitment."""
        return {"company_cap": self.company_cap, "quotas": [q.public() for q in self.quotas]}

    @classmethod
    def from_public(cls, obj: object) -> Constraints:
        """Read :meth:`public` output back; ``None`` means no constraints (v1 rows)."""
        if obj is None:
            return cls()
        if not isinstance(obj, Mapping) or set(obj) - {"company_cap", "quotas"}:
            raise InvalidDocument(
                None, reason="constraints are not an object of company_cap/quotas"
            )
        quotas = obj.get("quotas") or []
        if not isinstance(quotas, list | tuple):
            raise InvalidDocument(None, reason="quotas are not a list")
        return cls(
            company_cap=obj.get("company_cap"),
            quotas=tuple(Quota.from_public(q) for q in quotas),
        )


# --------------------------------------------------------------------------- beacon


def _check_beacon(beacon: Beacon) -> None:
    if not isinstance(beacon.chain, str) or not _CHAIN_HASH.match(beacon.chain):
        raise _beacon_error(
            "the chain hash must be 64 lowercase hexadecimal digits",
            "체인 해시는 소문자 16진수 64자리여야 합니다",
        )
    if not _is_int(beacon.round) or beacon.round < 1:
        raise _beacon_error(
            "the round must be a whole number of at least 1",
            "회차는 1 이상의 정수여야 합니다",
        )
    if not _is_int(beacon.period_seconds) or beacon.period_seconds < 1:
        raise _beacon_error(
            "the period must be a whole number of seconds, at least 1",
            "주기는 1초 이상의 정수여야 합니다",
        )
    genesis = beacon.genesis_time
    if (
        not isinstance(genesis, datetime)
        or genesis.utcoffset() != timedelta(0)
        or genesis.microsecond
    ):
        raise _beacon_error(
            "the genesis time must be a whole second in UTC",
            "제네시스 시각은 초 단위의 UTC 시각이어야 합니다",
        )
    if not isinstance(beacon.source, str) or not beacon.source:
        raise _beacon_error("the source must be named", "공개 난수 출처가 있어야 합니다")


@attrs.frozen
class Beacon:
    """A future round of a public randomness beacon (drand), named in the commitment."""

    chain: str
    round: int
    genesis_time: datetime
    period_seconds: int
    source: str = "drand"

    def __attrs_post_init__(self) -> None:
        _check_beacon(self)

    @property
    def round_time(self) -> datetime:
        """When the round's randomness is published: ``genesis + (round - 1) * period``."""
        return self.genesis_time + timedelta(seconds=(self.round - 1) * self.period_seconds)

    def public(self) -> dict[str, Any]:
        """The beacon as committed: genesis time in whole Unix seconds."""
        return {
            "source": self.source,
            "chain": self.chain,
            "round": self.round,
            "genesis_time": int(self.genesis_time.timestamp()),
            "period_seconds": self.period_seconds,
        }

    @classmethod
    def from_public(cls, obj: object) -> Beacon:
        """Read :meth:`public` output back."""
        fields = {"source", "chain", "round", "genesis_time", "period_seconds"}
        if not isinstance(obj, Mapping) or set(obj) != fields:
            raise InvalidDocument(None, reason=f"a beacon is an object of {sorted(fields)}")
        genesis = obj["genesis_time"]
        if not _is_int(genesis) or genesis < 0:
            raise _beacon_error(
                "the genesis time must be whole Unix seconds",
                "제네시스 시각은 유닉스 초 단위 정수여야 합니다",
            )
        return cls(
            chain=obj["chain"],
            round=obj["round"],
            genesis_time=datetime.fromtimestamp(genesis, UTC),
            period_seconds=obj["period_seconds"],
            source=obj["source"],
        )


# --------------------------------------------------------------------------- ranking


def _prefix(entropy: bytes, meetup_id: str) -> Any:
    return hashlib.sha256(entropy + b"\x00" + meetup_id.encode() + b"\x00")


def entrant_hash(entropy: bytes, meetup_id: str, member_id: str) -> bytes:
    """``SHA-256(entropy ‖ 0x00 ‖ meetup_id ‖ 0x00 ‖ member_id)``, ids in UTF-8."""
    h = _prefix(entropy, meetup_id)
    h.update(member_id.encode())
    digest: bytes = h.digest()
    return digest


def exponential_key(digest: bytes, weight: Decimal) -> int:
    """The exact rank key ``floor(2^64 · (−ln u) / weight)`` with ``u = (U + 1) / 2^256``.

    ``U`` is ``digest`` read as a big-endian integer.  The value is computed
    with :data:`KEY_PRECISION` decimal digits and an error bound; when the
    bound straddles an integer the precision is doubled, so the floor returned
    is the mathematical one.  (``−ln u`` is irrational unless ``u = 1``, so the
    loop ends.)
    """
    numerator = int.from_bytes(digest, "big") + 1
    if numerator == _TWO_256:
        return 0
    weight = check_weight(weight)
    precision = KEY_PRECISION
    while True:
        with localcontext() as ctx:
            ctx.prec = precision
            u = Decimal(numerator) / Decimal(_TWO_256)
            x = -u.ln() * _TWO_64 / weight
            bound = (_TWO_64 / weight + x) * Decimal(10) ** (3 - precision)
            low = (x - bound).to_integral_value(rounding=ROUND_FLOOR)
            high = (x + bound).to_integral_value(rounding=ROUND_FLOOR)
        if low == high:
            return int(low)
        precision *= 2  # pragma: no cover - needs a key within 1e-50 of an integer


def rank_exact(entropy: bytes, meetup_id: str, entrants: Iterable[Entrant]) -> list[Entrant]:
    """Rank by ``(key ascending, U descending, id)`` with the exact exponential keys."""

    def sort_key(entrant: Entrant) -> tuple[int, bytes, str]:
        digest = entrant_hash(entropy, meetup_id, entrant.id)
        return exponential_key(digest, entrant.weight), digest.translate(_INVERT), entrant.id

    return sorted(entrants, key=sort_key)


def rank_equal_weights(
    entropy: bytes, meetup_id: str, entrants: Iterable[Entrant]
) -> list[Entrant]:
    """Rank by ``(U descending, id)``: the exact order whenever all weights are equal.

    With one weight the key is a non-increasing function of ``U``, so sorting by
    key with ties broken by descending ``U`` is sorting by descending ``U``.
    Sorting by the digest alone, in reverse, does it with one bytes key per
    entrant: Python's sort is stable in reverse too, so entrants put in id
    order first keep that order among equal digests, which is the tie-break.
    """
    copy = _prefix(entropy, meetup_id).copy
    people = sorted_entrants(entrants)

    def sort_key(entrant: Entrant) -> bytes:
        h = copy()
        h.update(entrant.id.encode())
        digest: bytes = h.digest()
        return digest

    return sorted(people, key=sort_key, reverse=True)


def rank(entropy: bytes, meetup_id: str, entrants: Iterable[Entrant]) -> list[Entrant]:
    """Every entrant in v2 rank order (an exact Efraimidis–Spirakis exponential race)."""
    people = sorted_entrants(entrants)
    if len(set(map(_BY_WEIGHT, people))) <= 1:
        return rank_equal_weights(entropy, meetup_id, people)
    return rank_exact(entropy, meetup_id, people)


# --------------------------------------------------------------------------- selection


class _Tally:
    """Running counts of a selection: per company label and per quota."""

    def __init__(self, constraints: Constraints) -> None:
        self.constraints = constraints
        self.index = {(q.attribute, q.value): i for i, q in enumerate(constraints.quotas)}
        self.by_attribute: dict[str, list[int]] = {}
        for i, quota in enumerate(constraints.quotas):
            self.by_attribute.setdefault(quota.attribute, []).append(i)
        self.companies: Counter[str] = Counter()
        self.counts = [0] * len(constraints.quotas)
        self.taken = 0

    def matching(self, entrant: Entrant) -> list[int]:
        found = (self.index.get(item) for item in entrant.attributes.items())
        return [i for i in found if i is not None]

    def allowed(self, entrant: Entrant, matching: Sequence[int]) -> bool:
        cap = self.constraints.company_cap
        if (
            cap is not None
            and entrant.company is not None
            and self.companies[entrant.company] >= cap
        ):
            return False
        quotas = self.constraints.quotas
        return all(quotas[i].max is None or self.counts[i] < quotas[i].max for i in matching)  # type: ignore[operator]

    def add(self, entrant: Entrant, matching: Sequence[int], step: int = 1) -> None:
        if entrant.company is not None:
            self.companies[entrant.company] += step
        for i in matching:
            self.counts[i] += step
        self.taken += step

    def reserve(self) -> int:
        quotas = self.constraints.quotas
        return max(
            (
                sum(max(0, quotas[i].min - self.counts[i]) for i in indexes)
                for indexes in self.by_attribute.values()
            ),
            default=0,
        )

    def shortfalls(self) -> tuple[str, ...]:
        return tuple(
            q.label for i, q in enumerate(self.constraints.quotas) if self.counts[i] < q.min
        )


def seat_allowed(candidate: Entrant, holders: Iterable[Entrant], constraints: Constraints) -> bool:
    """Tell whether ``candidate`` may take a seat next to ``holders``.

    Only the company cap and the quota maximums are checked: used when a freed
    seat is offered down the waitlist.
    """
    tally = _Tally(constraints)
    for holder in holders:
        tally.add(holder, tally.matching(holder))
    return tally.allowed(candidate, tally.matching(candidate))


def select(
    order: Sequence[Entrant], seats: int, constraints: Constraints
) -> tuple[tuple[Entrant, ...], tuple[Entrant, ...], tuple[str, ...]]:
    """Walk the ranked ``order`` and fill ``seats`` under ``constraints``.

    Returns ``(selected, waitlist, shortfalls)``: the selected entrants and the
    waitlist, both in rank order, and the labels of quotas whose minimum could
    not be met.  An entrant is taken when a seat is left, their company is
    under the cap, every quota they match is under its maximum, and taking them
    still leaves as many seats as the unmet minimums need (the *reserve*).  If
    seats remain after that pass, a second pass ignores the reserve.
    """
    tally = _Tally(constraints)
    taken = [False] * len(order)
    last = -1
    for position, entrant in enumerate(order):
        if tally.taken >= seats:
            break
        matching = tally.matching(entrant)
        if not tally.allowed(entrant, matching):
            continue
        tally.add(entrant, matching)
        if seats - tally.taken < tally.reserve():
            tally.add(entrant, matching, -1)
            continue
        taken[position] = True
        last = position
    if tally.taken < seats:
        for position, entrant in enumerate(order):
            if tally.taken >= seats:
                break
            matching = tally.matching(entrant)
            if not taken[position] and tally.allowed(entrant, matching):
                tally.add(entrant, matching)
                taken[position] = True
                last = max(last, position)
    # Nobody after the last one taken is selected: that tail of the order
    # goes to the waitlist whole instead of being tested entrant by entrant.
    seen = last + 1
    head = order[:seen]
    selected = tuple(itertools.compress(head, taken))
    waitlist = tuple(itertools.compress(head, [not t for t in taken[:seen]]))
    return selected, waitlist + tuple(order[seen:]), tally.shortfalls()


def check_feasible(seats: int, entrants: Sequence[Entrant], constraints: Constraints) -> None:
    """Refuse constraints the entrants cannot meet, whatever the seed.

    :raises QuotaInfeasible: naming the first quota (or ``attribute=*`` for the
        sum of one attribute's minimums) that cannot be met.
    """
    for quota in constraints.quotas:
        if quota.min > seats:
            raise QuotaInfeasible(quota.label, quota=quota.label, needed=quota.min, available=seats)
    totals: dict[str, int] = {}
    for quota in constraints.quotas:
        totals[quota.attribute] = totals.get(quota.attribute, 0) + quota.min
    for attribute, total in totals.items():
        if total > seats:
            label = f"{attribute}=*"
            raise QuotaInfeasible(label, quota=label, needed=total, available=seats)
    cap = constraints.company_cap
    for quota in constraints.quotas:
        if quota.min == 0:
            continue
        per_company: Counter[str] = Counter()
        uncapped = 0
        for entrant in entrants:
            if quota.matches(entrant):
                if entrant.company is None or cap is None:
                    uncapped += 1
                else:
                    per_company[entrant.company] += 1
        available = uncapped + sum(n if cap is None else min(n, cap) for n in per_company.values())
        if available < quota.min:
            raise QuotaInfeasible(
                quota.label, quota=quota.label, needed=quota.min, available=available
            )
    in_id_order = sorted(entrants, key=lambda e: e.id)
    selected, _, shortfalls = select(in_id_order, seats, constraints)
    if shortfalls:
        quota = next(q for q in constraints.quotas if q.label == shortfalls[0])
        got = sum(1 for e in selected if quota.matches(e))
        raise QuotaInfeasible(quota.label, quota=quota.label, needed=quota.min, available=got)
