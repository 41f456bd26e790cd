"""The meetup lottery: a SHA-256 commit-reveal draw, weighted, under constraints.

New draws use ``proforum-lottery-v2`` (:data:`ALGORITHM`):

1. When applications close, the entrants (member id, weight, company label,
   attributes), the constraints (a per-company cap, quotas), the digest of a
   secret seed from the OS CSPRNG and optionally a *future* drand round are
   hashed into a commitment that is published before anyone can know the result.
2. At the draw the seed is revealed (and mixed with the beacon's randomness if
   a round was committed).  Every entrant gets an exact exponential-race key
   ``floor(2^64 · (−ln u) / weight)`` from ``SHA-256(entropy ‖ 0 ‖ meetup ‖ 0 ‖ id)``;
   the ranked list is walked to fill the seats under the constraints
   (:func:`~proforum.domain.lottery_rules.select`).

Records of ``proforum-lottery-v1`` (:data:`ALGORITHM_V1`, unweighted, no
constraints) keep verifying exactly as before, and a v1 commitment still draws
the v1 way.  ``docs/lottery.md`` specifies both.  Nothing here uses the
:mod:`random` module: its algorithms may change between Python versions.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from proforum.domain import lottery_v1
from proforum.domain.common import MeetupId, MemberId, Secret, utc_validator
from proforum.domain.lottery_rules import (
    MAX_WEIGHT,
    MAX_WEIGHT_PLACES,
    Attributes,
    Beacon,
    Constraints,
    Entrant,
    Quota,
    check_feasible,
    check_weight,
    rank,
    seat_allowed,
    select,
    sorted_entrants,
    weight_text,
)
from proforum.domain.lottery_v1 import (
    ALGORITHM_V1,
    applicants_digest,
    canonical_json,
    first_difference,
    sha256_hex,
)
from proforum.errors import (
    BeaconRequired,
    InvalidBeacon,
    InvalidConstraints,
    InvalidSeed,
    NoApplicants,
    ProforumError,
)

ALGORITHM = "proforum-lottery-v2"
MIN_SEED_BYTES = 16
#: The fewest bytes of beacon randomness a draw accepts (drand gives 32).
MIN_RANDOMNESS_BYTES = 32
ALGORITHMS = (ALGORITHM_V1, ALGORITHM)

__all__ = [
    "ALGORITHM",
    "ALGORITHMS",
    "ALGORITHM_V1",
    "MAX_WEIGHT",
    "MAX_WEIGHT_PLACES",
    "MIN_RANDOMNESS_BYTES",
    "MIN_SEED_BYTES",
    "Attributes",
    "Beacon",
    "Commitment",
    "Constraints",
    "Draw",
    "Entrant",
    "Quota",
    "Verification",
    "applicants_digest",
    "canonical_json",
    "check_feasible",
    "check_seed",
    "check_weight",
    "commitment_digest",
    "draw_entropy",
    "entrants_digest",
    "rank",
    "seat_allowed",
    "select",
    "sha256_hex",
    "verify_record",
    "weight_text",
]


def check_seed(seed: bytes) -> bytes:
    """Return ``seed`` if it is long enough to be unguessable."""
    if not isinstance(seed, bytes) or len(seed) < MIN_SEED_BYTES:
        raise InvalidSeed(None, min=MIN_SEED_BYTES)
    return seed


def entrants_digest(entrants: Iterable[Entrant]) -> str:
    """The v2 ``applicants_digest``: SHA-256 of the entrants' public forms sorted by id."""
    return sha256_hex(canonical_json([e.public() for e in sorted(entrants, key=lambda e: e.id)]))


def commitment_digest(
    *,
    meetup_id: str,
    seats: int,
    applicants_digest: str,
    constraints: Constraints,
    seed_digest: str,
    beacon: Beacon | None,
) -> str:
    """The v2 digest published when applications close."""
    return sha256_hex(
        canonical_json(
            {
                "algorithm": ALGORITHM,
                "meetup_id": meetup_id,
                "seats": seats,
                "applicants_digest": applicants_digest,
                "constraints": constraints.public(),
                "seed_digest": seed_digest,
                "beacon": None if beacon is None else beacon.public(),
            }
        )
    )


def draw_entropy(seed: bytes, beacon_randomness: bytes | None) -> bytes:
    """The bytes ranks are derived from: the seed, or ``SHA-256(seed ‖ randomness)``."""
    if beacon_randomness is None:
        return seed
    return hashlib.sha256(seed + beacon_randomness).digest()


_ID = operator.attrgetter("id")


def _check_seats(seats: object) -> int:
    # Zero is a real case: every seat of a follow-up went to those who asked
    # for it, and the lottery only orders the waitlist.
    if not isinstance(seats, int) or isinstance(seats, bool) or seats < 0:
        raise InvalidConstraints(
            seats,
            rule_ko="좌석 수는 0 이상의 정수여야 합니다",
            rule_en="the number of seats must be a whole number, 0 or more",
        )
    return seats


@attrs.frozen
class Commitment:
    """What is fixed when applications close, before the draw.

    ``seed`` stays secret (masked in ``repr``) until the draw reveals it.  A v1
    commitment (``algorithm=ALGORITHM_V1``) has entrants of weight 1 without
    company or attributes, no constraints and no beacon.
    """

    meetup_id: MeetupId
    seats: int
    entrants: tuple[Entrant, ...] = attrs.field(converter=sorted_entrants)
    applicants_digest: str
    seed_digest: str
    digest: str
    committed_at: datetime = attrs.field(validator=utc_validator)
    seed: Secret = attrs.field(repr=False)
    constraints: Constraints = attrs.field(factory=Constraints)
    beacon: Beacon | None = None
    algorithm: str = ALGORITHM

    @classmethod
    def make(
        cls,
        *,
        meetup_id: MeetupId,
        seats: int,
        entrants: Iterable[Entrant],
        constraints: Constraints = Constraints(),  # noqa: B008 - frozen, so safe to share
        seed: bytes,
        committed_at: datetime,
        beacon: Beacon | None = None,
    ) -> Commitment:
        """Commit to ``seed``, the entrants, the constraints and the beacon round.

        :raises InvalidSeed: the seed is shorter than :data:`MIN_SEED_BYTES`.
        :raises NoApplicants: there are no entrants.
        :raises InvalidConstraints: an entrant appears twice, or seats is negative.
        :raises InvalidBeacon: the beacon round is not after ``committed_at``.
        :raises QuotaInfeasible: the constraints cannot be met by these entrants.
        """
        check_seed(seed)
        _check_seats(seats)
        people = sorted_entrants(entrants)
        if not people:
            raise NoApplicants(meetup_id)
        if beacon is not None and beacon.round_time <= committed_at:
            raise InvalidBeacon(
                beacon.round,
                rule_ko="공개 난수 회차는 약정 시각 이후에 발표되는 회차여야 합니다",
                rule_en="the beacon round must be published after the commitment",
            )
        check_feasible(seats, people, constraints)
        a_digest = entrants_digest(people)
        s_digest = sha256_hex(seed)
        return cls(
            meetup_id=meetup_id,
            seats=seats,
            entrants=people,
            applicants_digest=a_digest,
            seed_digest=s_digest,
            digest=commitment_digest(
                meetup_id=meetup_id,
                seats=seats,
                applicants_digest=a_digest,
                constraints=constraints,
                seed_digest=s_digest,
                beacon=beacon,
            ),
            committed_at=committed_at,
            seed=Secret(seed.hex()),
            constraints=constraints,
            beacon=beacon,
        )

    @property
    def applicants(self) -> tuple[MemberId, ...]:
        """The entrants' member ids, sorted."""
        return tuple(e.id for e in self.entrants)

    def public(self) -> dict[str, Any]:
        """The commitment as published to applicants (no seed, no entrant details)."""
        out: dict[str, Any] = {
            "algorithm": self.algorithm,
            "meetup_id": self.meetup_id,
            "seats": self.seats,
            "applicants_digest": self.applicants_digest,
            "seed_digest": self.seed_digest,
            "commitment": self.digest,
            "committed_at": self.committed_at.isoformat(),
        }
        if self.algorithm != ALGORITHM_V1:
            out["constraints"] = self.constraints.public()
            out["beacon"] = None if self.beacon is None else self.beacon.public()
            if self.beacon is not None:
                out["beacon_round_time"] = self.beacon.round_time.isoformat()
        return out


@attrs.frozen
class Draw:
    """The result of a lottery: who was selected and the full waitlist order."""

    meetup_id: MeetupId
    seats: int
    entrants: tuple[Entrant, ...] = attrs.field(converter=sorted_entrants)
    seed_hex: str
    commitment: str
    selected: tuple[MemberId, ...]
    waitlist: tuple[MemberId, ...]
    committed_at: datetime = attrs.field(validator=utc_validator)
    drawn_at: datetime = attrs.field(validator=utc_validator)
    constraints: Constraints = attrs.field(factory=Constraints)
    beacon: Beacon | None = None
    beacon_randomness: str | None = None
    shortfalls: tuple[str, ...] = ()
    algorithm: str = ALGORITHM

    @classmethod
    def run(
        cls, commitment: Commitment, drawn_at: datetime, *, beacon_randomness: bytes | None = None
    ) -> Draw:
        """Reveal the committed seed and rank every committed entrant.

        :raises BeaconRequired: the commitment named a beacon round and no randomness was given.
        :raises InvalidBeacon: randomness was given without a committed round, is
            shorter than :data:`MIN_RANDOMNESS_BYTES`, or ``drawn_at`` is before the
            round is published.
        """
        seed = bytes.fromhex(commitment.seed.reveal())
        common: dict[str, Any] = {
            "meetup_id": commitment.meetup_id,
            "seats": commitment.seats,
            "entrants": commitment.entrants,
            "seed_hex": seed.hex(),
            "commitment": commitment.digest,
            "committed_at": commitment.committed_at,
            "drawn_at": drawn_at,
            "algorithm": commitment.algorithm,
        }
        if commitment.algorithm == ALGORITHM_V1:
            if beacon_randomness is not None:
                raise _beacon_without_round()
            ids = lottery_v1.order_applicants(seed, commitment.meetup_id, commitment.applicants)
            return cls(
                selected=tuple(MemberId(m) for m in ids[: commitment.seats]),
                waitlist=tuple(MemberId(m) for m in ids[commitment.seats :]),
                **common,
            )
        beacon = commitment.beacon
        if beacon is None and beacon_randomness is not None:
            raise _beacon_without_round()
        if beacon is not None:
            if beacon_randomness is None:
                raise BeaconRequired(beacon.round, round=beacon.round)
            if not isinstance(beacon_randomness, bytes) or (
                len(beacon_randomness) < MIN_RANDOMNESS_BYTES
            ):
                raise InvalidBeacon(
                    None,
                    rule_ko=f"공개 난수는 {MIN_RANDOMNESS_BYTES}바이트 이상이어야 합니다",
                    rule_en=f"the randomness must be at least {MIN_RANDOMNESS_BYTES} bytes",
                )
            if drawn_at < beacon.round_time:
                raise InvalidBeacon(
                    beacon.round,
                    rule_ko="공개 난수 회차가 발표되기 전에는 추첨할 수 없습니다",
                    rule_en="the draw cannot run before the beacon round is published",
                )
        order = rank(
            draw_entropy(seed, beacon_randomness), commitment.meetup_id, commitment.entrants
        )
        selected, waitlist, shortfalls = select(order, commitment.seats, commitment.constraints)
        return cls(
            selected=tuple(map(_ID, selected)),
            waitlist=tuple(map(_ID, waitlist)),
            constraints=commitment.constraints,
            beacon=beacon,
            beacon_randomness=None if beacon_randomness is None else beacon_randomness.hex(),
            shortfalls=shortfalls,
            **common,
        )

    @property
    def applicants(self) -> tuple[MemberId, ...]:
        """The entrants' member ids, sorted."""
        return tuple(e.id for e in self.entrants)

    def record(self) -> dict[str, Any]:
        """The public draw record (``draw.json``) anyone can check with :func:`verify_record`."""
        seed_digest = sha256_hex(bytes.fromhex(self.seed_hex))
        if self.algorithm == ALGORITHM_V1:
            return {
                "algorithm": self.algorithm,
                "meetup_id": self.meetup_id,
                "seats": self.seats,
                "applicants": list(self.applicants),
                "applicants_digest": applicants_digest(self.applicants),
                "seed": self.seed_hex,
                "seed_digest": seed_digest,
                "commitment": self.commitment,
                "committed_at": self.committed_at.isoformat(),
                "drawn_at": self.drawn_at.isoformat(),
                "selected": list(self.selected),
                "waitlist": list(self.waitlist),
            }
        return {
            "algorithm": self.algorithm,
            "meetup_id": self.meetup_id,
            "seats": self.seats,
            "applicants": list(self.applicants),
            "entrants": [e.public() for e in self.entrants],
            "applicants_digest": entrants_digest(self.entrants),
            "constraints": self.constraints.public(),
            "seed": self.seed_hex,
            "seed_digest": seed_digest,
            "beacon": None if self.beacon is None else self.beacon.public(),
            "beacon_randomness": self.beacon_randomness,
            "commitment": self.commitment,
            "committed_at": self.committed_at.isoformat(),
            "drawn_at": self.drawn_at.isoformat(),
            "selected": list(self.selected),
            "waitlist": list(self.waitlist),
            "shortfalls": list(self.shortfalls),
        }


def _beacon_without_round() -> InvalidBeacon:
    return InvalidBeacon(
        None,
        rule_ko="약정에 공개 난수 회차가 없으므로 공개 난수를 쓸 수 없습니다",
        rule_en="randomness was given but the commitment named no beacon round",
    )


@attrs.frozen
class Verification:
    """The outcome of checking a draw record: valid, or the first discrepancy found."""

    valid: bool
    discrepancy: str | None = None


def _verify_v2(record: Mapping[str, Any]) -> str | None:
    """Check a v2 record; return its first discrepancy, or ``None`` when it is valid."""
    meetup_id = record["meetup_id"]
    if not isinstance(meetup_id, str):
        return "meetup_id is not a string"
    seats = record["seats"]
    if not isinstance(seats, int) or isinstance(seats, bool) or seats < 0:
        return "seats is not a whole number, 0 or more"
    raw_entrants = record["entrants"]
    if not isinstance(raw_entrants, list) or not raw_entrants:
        return "entrants is not a non-empty list"
    entrants = [Entrant.from_public(raw) for raw in raw_entrants]
    for position, (entrant, raw) in enumerate(zip(entrants, raw_entrants, strict=True), 1):
        if entrant.public() != raw or isinstance(raw, str):
            return f"entrants[{position}] is not written in canonical form"
    ids = [e.id for e in entrants]
    for position in range(1, len(ids)):
        if ids[position - 1] >= ids[position]:
            return f"entrants[{position + 1}] is out of id order or repeated"
    if record["applicants"] != ids:
        return "applicants does not list the entrants' ids"
    if entrants_digest(entrants) != record["applicants_digest"]:
        return "the entrants do not match applicants_digest"
    constraints = Constraints.from_public(record["constraints"])
    if constraints.public() != record["constraints"]:
        return "constraints are not written in canonical form"
    seed = bytes.fromhex(record["seed"])
    if len(seed) < MIN_SEED_BYTES:
        return f"the seed is shorter than {MIN_SEED_BYTES} bytes"
    if sha256_hex(seed) != record["seed_digest"]:
        return "the seed does not match seed_digest"
    raw_beacon = record["beacon"]
    beacon = None if raw_beacon is None else Beacon.from_public(raw_beacon)
    raw_randomness = record["beacon_randomness"]
    randomness = None if raw_randomness is None else bytes.fromhex(raw_randomness)
    if (beacon is None) != (randomness is None):
        return "beacon and beacon_randomness must be given together"
    if randomness is not None and len(randomness) < MIN_RANDOMNESS_BYTES:
        return f"beacon_randomness is shorter than {MIN_RANDOMNESS_BYTES} bytes"
    if beacon is not None:
        committed_at = datetime.fromisoformat(record["committed_at"])
        if beacon.round_time <= committed_at:
            return "the beacon round was published before the commitment"
    expected = commitment_digest(
        meetup_id=meetup_id,
        seats=seats,
        applicants_digest=record["applicants_digest"],
        constraints=constraints,
        seed_digest=record["seed_digest"],
        beacon=beacon,
    )
    if expected != record["commitment"]:
        return "the commitment does not match the published inputs"
    order = rank(draw_entropy(seed, randomness), meetup_id, entrants)
    selected, waitlist, shortfalls = select(order, seats, constraints)
    return (
        first_difference("selected", [e.id for e in selected], record["selected"])
        or first_difference("waitlist", [e.id for e in waitlist], record["waitlist"])
        or first_difference("shortfalls", list(shortfalls), record["shortfalls"])
    )


def verify_record(record: Mapping[str, Any]) -> Verification:
    """Recompute a public draw record (v1 or v2) from its own inputs, without any database.

    v2 checks, in order: seats, the entrants (canonical form, id order,
    ``applicants``, ``applicants_digest``), the constraints, the seed against
    its digest, the beacon fields, the commitment, then ``selected``,
    ``waitlist`` and ``shortfalls`` position by position (from 1).  v1 records
    are checked as v1 always was.  Returns the first discrepancy; never raises.
    Beacon randomness is taken as written: check it against the beacon itself
    (``https://api.drand.sh``), which this offline check cannot do.
    """
    try:
        algorithm = record["algorithm"]
        if algorithm == ALGORITHM_V1:
            problem = lottery_v1.verify_v1(record)
        elif algorithm == ALGORITHM:
            problem = _verify_v2(record)
        else:
            return Verification(False, f"unknown algorithm {algorithm!r}")
    except ProforumError as exc:
        return Verification(False, f"malformed record: {exc.message_en}")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Verification(False, f"malformed record: {type(exc).__name__}: {exc}")
    return Verification(True) if problem is None else Verification(False, problem)
