"""The first lottery: a SHA-256 commit-reveal draw with a full waitlist order.

The algorithm (``proforum-lottery-v1``) is deliberately small enough to be
re-implemented anywhere:

1. When applications close, the applicant ids are sorted and the organiser's
   secret seed (at least 16 bytes) is hashed.  The *commitment* is the SHA-256 of
   the canonical JSON of ``{algorithm, meetup_id, seats, applicants_digest,
   seed_digest}`` and is recorded before anyone can know the result.
2. At the draw the seed is revealed.  Each applicant's rank key is
   ``SHA-256(seed ‖ 0x00 ‖ meetup_id ‖ 0x00 ‖ member_id)`` (ids in UTF-8); the
   applicants sorted by ``(key, member_id)`` give the order.  The first ``seats``
   are selected, the rest form the waitlist in that order.

Nothing here uses the :mod:`random` module: its algorithms may change between
Python versions, which would make old draws impossible to check.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from proforum.domain.common import MeetupId, MemberId, Secret, utc_validator
from proforum.errors import InvalidSeed, NoApplicants

ALGORITHM = "proforum-lottery-v1"
MIN_SEED_BYTES = 16


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` the one way the lottery hashes it: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    """Return the lowercase hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def applicants_digest(applicants: Iterable[str]) -> str:
    """Digest of the applicant list, independent of the order it was given in."""
    return sha256_hex(canonical_json(sorted(applicants)))


def check_seed(seed: bytes) -> bytes:
    """Return ``seed`` if it is long enough to be unguessable."""
    if not isinstance(seed, bytes) or len(seed) < MIN_SEED_BYTES:
        raise InvalidSeed(None, min=MIN_SEED_BYTES)
    return seed


def rank_key(seed: bytes, meetup_id: str, member_id: str) -> bytes:
    """The SHA-256 rank key of one applicant; lower keys come first."""
    return hashlib.sha256(
        seed + b"\x00" + meetup_id.encode() + b"\x00" + member_id.encode()
    ).digest()


def order_applicants(seed: bytes, meetup_id: str, applicants: Iterable[str]) -> list[str]:
    """Return every applicant in draw order (selected first, then the waitlist)."""
    return sorted(set(applicants), key=lambda m: (rank_key(seed, meetup_id, m), m))


def commitment_digest(
    *, meetup_id: str, seats: int, applicants_digest: str, seed_digest: str
) -> str:
    """The digest published when applications close."""
    return sha256_hex(
        canonical_json(
            {
                "algorithm": ALGORITHM,
                "meetup_id": meetup_id,
                "seats": seats,
                "applicants_digest": applicants_digest,
                "seed_digest": seed_digest,
            }
        )
    )


@attrs.frozen
class Commitment:
    """What is fixed when applications close, before the draw.

    ``seed`` stays secret (masked in ``repr``) until the draw reveals it.
    """

    meetup_id: MeetupId
    seats: int
    applicants: tuple[MemberId, ...]
    applicants_digest: str
    seed_digest: str
    digest: str
    committed_at: datetime = attrs.field(validator=utc_validator)
    seed: Secret = attrs.field(repr=False)
    algorithm: str = ALGORITHM

    @classmethod
    def make(
        cls,
        *,
        meetup_id: MeetupId,
        seats: int,
        applicants: Iterable[MemberId],
        seed: bytes,
        committed_at: datetime,
    ) -> Commitment:
        """Commit to ``seed`` and the applicant list; raise if either is unusable."""
        check_seed(seed)
        ordered = tuple(sorted(set(applicants)))
        if not ordered:
            raise NoApplicants(meetup_id)
        a_digest = applicants_digest(ordered)
        s_digest = sha256_hex(seed)
        return cls(
            meetup_id=meetup_id,
            seats=seats,
            applicants=ordered,
            applicants_digest=a_digest,
            seed_digest=s_digest,
            digest=commitment_digest(
                meetup_id=meetup_id, seats=seats, applicants_digest=a_digest, seed_digest=s_digest
            ),
            committed_at=committed_at,
            seed=Secret(seed.hex()),
        )

    def public(self) -> dict[str, Any]:
        """The commitment as published to applicants (no seed)."""
        return {
            "algorithm": self.algorithm,
            "meetup_id": self.meetup_id,
            "seats": self.seats,
            "applicants_digest": self.applicants_digest,
            "seed_digest": self.seed_digest,
            "commitment": self.digest,
            "committed_at": self.committed_at.isoformat(),
        }


@attrs.frozen
class Draw:
    """The result of a lottery: who was selected and the full waitlist order."""

    meetup_id: MeetupId
    seats: int
    applicants: tuple[MemberId, ...]
    seed_hex: str
    commitment: str
    selected: tuple[MemberId, ...]
    waitlist: tuple[MemberId, ...]
    committed_at: datetime = attrs.field(validator=utc_validator)
    drawn_at: datetime = attrs.field(validator=utc_validator)
    algorithm: str = ALGORITHM

    @classmethod
    def run(cls, commitment: Commitment, drawn_at: datetime) -> Draw:
        """Reveal the committed seed and rank every committed applicant."""
        seed = bytes.fromhex(commitment.seed.reveal())
        order = order_applicants(seed, commitment.meetup_id, commitment.applicants)
        return cls(
            meetup_id=commitment.meetup_id,
            seats=commitment.seats,
            applicants=commitment.applicants,
            seed_hex=seed.hex(),
            commitment=commitment.digest,
            selected=tuple(MemberId(m) for m in order[: commitment.seats]),
            waitlist=tuple(MemberId(m) for m in order[commitment.seats :]),
            committed_at=commitment.committed_at,
            drawn_at=drawn_at,
        )

    def record(self) -> dict[str, Any]:
        """The public draw record (``draw.json``) anyone can check with :func:`verify_record`."""
        return {
            "algorithm": self.algorithm,
            "meetup_id": self.meetup_id,
            "seats": self.seats,
            "applicants": list(self.applicants),
            "applicants_digest": applicants_digest(self.applicants),
            "seed": self.seed_hex,
            "seed_digest": sha256_hex(bytes.fromhex(self.seed_hex)),
            "commitment": self.commitment,
            "committed_at": self.committed_at.isoformat(),
            "drawn_at": self.drawn_at.isoformat(),
            "selected": list(self.selected),
            "waitlist": list(self.waitlist),
        }


@attrs.frozen
class Verification:
    """The outcome of checking a draw record: valid, or the first discrepancy found."""

    valid: bool
    discrepancy: str | None = None


def verify_record(record: Mapping[str, Any]) -> Verification:
    """Recompute a public draw record from its own inputs, without any database.

    Checks, in order: the algorithm name, the seed against its digest, the
    applicant list against its digest, the commitment, then the selected list and
    the waitlist.  Returns the first discrepancy.
    """
    try:
        if record["algorithm"] != ALGORITHM:
            return Verification(False, f"unknown algorithm {record['algorithm']!r}")
        seed = bytes.fromhex(record["seed"])
        meetup_id = str(record["meetup_id"])
        seats = record["seats"]
        applicants: Sequence[str] = record["applicants"]
        if not isinstance(seats, int) or isinstance(seats, bool) or seats < 1:
            return Verification(False, "seats is not a positive integer")
        if sha256_hex(seed) != record["seed_digest"]:
            return Verification(False, "the seed does not match seed_digest")
        if applicants_digest(applicants) != record["applicants_digest"]:
            return Verification(False, "the applicant list does not match applicants_digest")
        expected_commitment = commitment_digest(
            meetup_id=meetup_id,
            seats=seats,
            applicants_digest=record["applicants_digest"],
            seed_digest=record["seed_digest"],
        )
        if expected_commitment != record["commitment"]:
            return Verification(False, "the commitment does not match the published inputs")
        order = order_applicants(seed, meetup_id, applicants)
        for label, expected, given in (
            ("selected", order[:seats], record["selected"]),
            ("waitlist", order[seats:], record["waitlist"]),
        ):
            if list(given) != expected:
                for position, (want, got) in enumerate(zip(expected, given, strict=False), 1):
                    if want != got:
                        return Verification(
                            False, f"{label}[{position}] is {got!r}, expected {want!r}"
                        )
                return Verification(
                    False, f"{label} has {len(given)} entries, expected {len(expected)}"
                )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Verification(False, f"malformed record: {type(exc).__name__}: {exc}")
    return Verification(True)
