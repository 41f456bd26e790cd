"""The frozen ``proforum-lottery-v1`` code path: commit-reveal over SHA-256, no weights.

Records published with this algorithm must verify forever, so nothing here may
change behaviour.  The algorithm:

1. When applications close, the applicant ids are sorted and the organiser's
   secret seed (at least 16 bytes) is hashed.  The *commitment* is the SHA-256 of
   the canonical JSON of ``{algorithm, meetup_id, seats, applicants_digest,
   seed_digest}``.
2. At the draw the seed is revealed.  Each applicant's rank key is
   ``SHA-256(seed ‖ 0x00 ‖ meetup_id ‖ 0x00 ‖ member_id)`` (ids in UTF-8); the
   applicants sorted by ``(key, member_id)`` give the order.  The first ``seats``
   are selected, the rest form the waitlist in that order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

ALGORITHM_V1 = "proforum-lottery-v1"


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` the one way the lottery hashes it: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    """Return the lowercase hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def applicants_digest(applicants: Iterable[str]) -> str:
    """The v1 digest of the applicant ids, independent of the order they were given in."""
    return sha256_hex(canonical_json(sorted(applicants)))


def rank_key(seed: bytes, meetup_id: str, member_id: str) -> bytes:
    """The v1 SHA-256 rank key of one applicant; lower keys come first."""
    return hashlib.sha256(
        seed + b"\x00" + meetup_id.encode() + b"\x00" + member_id.encode()
    ).digest()


def order_applicants(seed: bytes, meetup_id: str, applicants: Iterable[str]) -> list[str]:
    """Return every applicant in v1 draw order (selected first, then the waitlist)."""
    return sorted(set(applicants), key=lambda m: (rank_key(seed, meetup_id, m), m))


def commitment_digest(
    *, meetup_id: str, seats: int, applicants_digest: str, seed_digest: str
) -> str:
    """The v1 digest published when applications close."""
    return sha256_hex(
        canonical_json(
            {
                "algorithm": ALGORITHM_V1,
                "meetup_id": meetup_id,
                "seats": seats,
                "applicants_digest": applicants_digest,
                "seed_digest": seed_digest,
            }
        )
    )


def first_difference(label: str, expected: Sequence[str], given: Sequence[Any]) -> str | None:
    """Describe the first position where ``given`` differs from ``expected``, if any."""
    if list(given) == list(expected):
        return None
    for position, (want, got) in enumerate(zip(expected, given, strict=False), 1):
        if want != got:
            return f"{label}[{position}] is {got!r}, expected {want!r}"
    return f"{label} has {len(given)} entries, expected {len(expected)}"


def verify_v1(record: Mapping[str, Any]) -> str | None:
    """Check a v1 record; return its first discrepancy, or ``None`` when it is valid.

    Raises ``KeyError``/``TypeError``/``ValueError``/``AttributeError`` on a
    malformed record; :func:`proforum.domain.lottery.verify_record` turns those
    into a discrepancy.
    """
    seed = bytes.fromhex(record["seed"])
    meetup_id = str(record["meetup_id"])
    seats = record["seats"]
    applicants: Sequence[str] = record["applicants"]
    if not isinstance(seats, int) or isinstance(seats, bool) or seats < 1:
        return "seats is not a positive integer"
    if sha256_hex(seed) != record["seed_digest"]:
        return "the seed does not match seed_digest"
    if applicants_digest(applicants) != record["applicants_digest"]:
        return "the applicant list does not match applicants_digest"
    expected_commitment = commitment_digest(
        meetup_id=meetup_id,
        seats=seats,
        applicants_digest=record["applicants_digest"],
        seed_digest=record["seed_digest"],
    )
    if expected_commitment != record["commitment"]:
        return "the commitment does not match the published inputs"
    order = order_applicants(seed, meetup_id, applicants)
    return first_difference("selected", order[:seats], record["selected"]) or first_difference(
        "waitlist", order[seats:], record["waitlist"]
    )
