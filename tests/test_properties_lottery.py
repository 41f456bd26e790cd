"""Property tests for the ``proforum-lottery-v1`` draw (trust-practices §5, L1-L3).

The draw is a pure function of (seed, meetup id, applicant set, seats); its public
record re-derives itself with :func:`verify_record`, and any single change to the
record is reported as a discrepancy.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import inspect
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import proforum.domain.lottery as lottery
import proforum.domain.lottery_rules as lottery_rules
import proforum.domain.lottery_v1 as lottery_v1
from proforum.domain.common import Secret
from proforum.domain.lottery import (
    ALGORITHM_V1,
    MIN_SEED_BYTES,
    Commitment,
    Draw,
    Entrant,
    applicants_digest,
    check_seed,
    sha256_hex,
    verify_record,
)
from proforum.errors import InvalidSeed, NoApplicants

GOLDEN = Path(__file__).parent / "data" / "lottery_v1_golden.json"
COMMITTED_AT = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
DRAWN_AT = COMMITTED_AT + timedelta(hours=1)

IDS = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.:-]{0,15}\Z")
SEEDS = st.binary(min_size=MIN_SEED_BYTES, max_size=48)
SEATS = st.integers(min_value=1, max_value=12)
APPLICANTS = st.lists(IDS, min_size=1, max_size=25)


def v1_commitment(meetup_id: str, seats: int, applicants: list[str], seed: bytes) -> Commitment:
    """A v1 commitment built from stored fields, as the storage layer rebuilds old rows
    (new commitments are v2; only the frozen v1 digests are used here)."""
    distinct = sorted(set(applicants))
    a_digest = lottery_v1.applicants_digest(distinct)
    s_digest = sha256_hex(check_seed(seed))
    return Commitment(
        meetup_id=meetup_id,  # type: ignore[arg-type]
        seats=seats,
        entrants=distinct,  # bare ids: entrants of weight 1
        applicants_digest=a_digest,
        seed_digest=s_digest,
        digest=lottery_v1.commitment_digest(
            meetup_id=meetup_id, seats=seats, applicants_digest=a_digest, seed_digest=s_digest
        ),
        committed_at=COMMITTED_AT,
        seed=Secret(seed.hex()),
        algorithm=ALGORITHM_V1,
    )


def run_draw(meetup_id: str, seats: int, applicants: list[str], seed: bytes) -> Draw:
    return Draw.run(v1_commitment(meetup_id, seats, applicants, seed), DRAWN_AT)


def standalone_order(seed: bytes, meetup_id: str, applicants: list[str]) -> list[str]:
    """The algorithm as its docstring states it, with hashlib only: an independent
    re-implementation such as an applicant would write to check a draw."""

    def key(member_id: str) -> tuple[bytes, str]:
        data = seed + b"\x00" + meetup_id.encode("utf-8") + b"\x00" + member_id.encode("utf-8")
        return hashlib.sha256(data).digest(), member_id

    return sorted(set(applicants), key=key)


def standalone_commitment(meetup_id: str, seats: int, applicants: list[str], seed: bytes) -> str:
    def canon(value: Any) -> bytes:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    return hashlib.sha256(
        canon(
            {
                "algorithm": "proforum-lottery-v1",
                "meetup_id": meetup_id,
                "seats": seats,
                "applicants_digest": hashlib.sha256(canon(sorted(set(applicants)))).hexdigest(),
                "seed_digest": hashlib.sha256(seed).hexdigest(),
            }
        )
    ).hexdigest()


# --------------------------------------------------------------------------- the draw itself


@settings(max_examples=200, deadline=None)
@given(IDS, SEATS, APPLICANTS, SEEDS, st.data())
def test_draw_is_a_deterministic_function_of_the_applicant_set(
    meetup_id: str, seats: int, applicants: list[str], seed: bytes, data: st.DataObject
) -> None:
    draw = run_draw(meetup_id, seats, applicants, seed)
    again = run_draw(meetup_id, seats, applicants, seed)
    assert (draw.selected, draw.waitlist, draw.commitment) == (
        again.selected,
        again.waitlist,
        again.commitment,
    )

    # Another order of the same people, with some of them twice, draws the same.
    shuffled = data.draw(st.permutations(applicants), label="shuffled")
    repeated = data.draw(st.lists(st.sampled_from(applicants), max_size=10), label="repeated")
    other = run_draw(meetup_id, seats, [*shuffled, *repeated], seed)
    assert (other.selected, other.waitlist, other.commitment) == (
        draw.selected,
        draw.waitlist,
        draw.commitment,
    )


@settings(max_examples=200, deadline=None)
@given(IDS, SEATS, APPLICANTS, SEEDS)
def test_selected_and_waitlist_partition_the_applicants(
    meetup_id: str, seats: int, applicants: list[str], seed: bytes
) -> None:
    draw = run_draw(meetup_id, seats, applicants, seed)
    distinct = set(applicants)
    order = [*draw.selected, *draw.waitlist]
    assert sorted(order) == sorted(distinct)  # a permutation: nobody lost, nobody twice
    assert len(draw.selected) == min(seats, len(distinct))
    assert len(draw.waitlist) == len(distinct) - len(draw.selected)
    assert draw.applicants == tuple(sorted(distinct))
    # The order is exactly the published algorithm's, recomputed independently.
    assert order == standalone_order(seed, meetup_id, applicants)
    assert draw.commitment == standalone_commitment(meetup_id, seats, applicants, seed)


@settings(max_examples=200, deadline=None)
@given(IDS, SEATS, APPLICANTS, SEEDS)
def test_the_record_verifies_even_after_a_json_round_trip(
    meetup_id: str, seats: int, applicants: list[str], seed: bytes
) -> None:
    record = run_draw(meetup_id, seats, applicants, seed).record()
    assert verify_record(record) == lottery.Verification(True)
    assert verify_record(json.loads(json.dumps(record))).valid
    assert record["seed_digest"] == sha256_hex(seed)
    assert record["applicants_digest"] == applicants_digest(set(applicants))


@settings(max_examples=50, deadline=None)
@given(IDS, APPLICANTS, st.binary(max_size=MIN_SEED_BYTES - 1))
def test_short_seeds_are_refused(meetup_id: str, applicants: list[str], seed: bytes) -> None:
    with pytest.raises(InvalidSeed):
        run_draw(meetup_id, 3, applicants, seed)
    with pytest.raises(InvalidSeed):
        Commitment.make(
            meetup_id=meetup_id,  # type: ignore[arg-type]
            seats=3,
            entrants=[Entrant(m) for m in set(applicants)],  # type: ignore[arg-type]
            seed=seed,
            committed_at=COMMITTED_AT,
        )


def test_no_applicants_is_refused() -> None:
    with pytest.raises(NoApplicants):
        Commitment.make(
            meetup_id="mtp_1",  # type: ignore[arg-type]
            seats=3,
            entrants=[],
            seed=b"s" * 32,
            committed_at=COMMITTED_AT,
        )


def test_a_v1_commitment_still_draws_the_v1_way() -> None:
    draw = run_draw("mtp_1", 2, ["a1", "b2", "c3", "d4"], b"k" * 32)
    assert draw.algorithm == ALGORITHM_V1
    assert all(e.weight == 1 and e.company is None and not e.attributes for e in draw.entrants)
    assert list(draw.record()) == [
        "algorithm",
        "meetup_id",
        "seats",
        "applicants",
        "applicants_digest",
        "seed",
        "seed_digest",
        "commitment",
        "committed_at",
        "drawn_at",
        "selected",
        "waitlist",
    ]


# --------------------------------------------------------------------------- tampering is detected


def _swap(items: list[str], i: int, j: int) -> list[str]:
    out = list(items)
    out[i], out[j] = out[j], out[i]
    return out


def _fresh_id(record: dict[str, Any], data: st.DataObject) -> str:
    taken = set(record["applicants"])
    return data.draw(IDS.filter(lambda m: m not in taken), label="fresh id")


def _tamper(kind: str, record: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """Return a copy of ``record`` with one field changed the way ``kind`` says.

    ``*_consistent`` kinds are a forger who also recomputes the digests they can
    (applicants_digest, seed_digest) but not the commitment published before the draw.
    """
    r = copy.deepcopy(record)
    applicants: list[str] = r["applicants"]
    n = len(applicants)
    consistent = kind.endswith("_consistent")
    base = kind.removesuffix("_consistent")
    if base == "applicant_added":
        applicants.append(_fresh_id(r, data))
    elif base == "applicant_removed":
        applicants.pop(data.draw(st.integers(0, n - 1), label="removed"))
    elif base == "applicant_renamed":
        applicants[data.draw(st.integers(0, n - 1), label="renamed")] = _fresh_id(r, data)
    elif base == "applicant_duplicated":
        applicants.append(data.draw(st.sampled_from(applicants), label="duplicate"))
    elif base == "seats_changed":
        r["seats"] = data.draw(
            st.one_of(
                st.integers(1, 40).filter(lambda s: s != record["seats"]),
                st.sampled_from([0, -1, True, str(record["seats"]), float(record["seats"])]),
            ),
            label="seats",
        )
    elif base == "seed_changed":
        seed = bytes.fromhex(r["seed"])
        new = data.draw(SEEDS.filter(lambda s: s != seed), label="seed")
        r["seed"] = new.hex()
        if consistent:
            r["seed_digest"] = sha256_hex(new)
    elif base == "selected_reordered":
        i, j = data.draw(
            st.lists(st.integers(0, len(r["selected"]) - 1), min_size=2, max_size=2, unique=True),
            label="swap",
        )
        r["selected"] = _swap(r["selected"], i, j)
    elif base == "waitlist_reordered":
        i, j = data.draw(
            st.lists(st.integers(0, len(r["waitlist"]) - 1), min_size=2, max_size=2, unique=True),
            label="swap",
        )
        r["waitlist"] = _swap(r["waitlist"], i, j)
    elif base == "moved_across_the_cut":
        i = data.draw(st.integers(0, len(r["selected"]) - 1), label="selected index")
        j = data.draw(st.integers(0, len(r["waitlist"]) - 1), label="waitlist index")
        r["selected"][i], r["waitlist"][j] = r["waitlist"][j], r["selected"][i]
    elif base == "promoted_early":
        r["selected"].append(r["waitlist"].pop(0))
    elif base == "selected_dropped":
        r["selected"].pop(data.draw(st.integers(0, len(r["selected"]) - 1), label="dropped"))
    elif base == "commitment_changed":
        position = data.draw(st.integers(0, len(r["commitment"]) - 1), label="position")
        digit = data.draw(
            st.sampled_from("0123456789abcdef").filter(lambda c: c != r["commitment"][position]),
            label="digit",
        )
        r["commitment"] = r["commitment"][:position] + digit + r["commitment"][position + 1 :]
    elif base == "meetup_id_changed":
        r["meetup_id"] = data.draw(IDS.filter(lambda m: m != record["meetup_id"]), label="meetup")
    elif base == "algorithm_changed":
        r["algorithm"] = data.draw(
            st.sampled_from(["proforum-lottery-v2", "random.shuffle", "", None]), label="algo"
        )
    elif base == "field_removed":
        del r[
            data.draw(
                st.sampled_from(
                    [
                        "algorithm",
                        "meetup_id",
                        "seats",
                        "applicants",
                        "applicants_digest",
                        "seed",
                        "seed_digest",
                        "commitment",
                        "selected",
                        "waitlist",
                    ]
                ),
                label="removed field",
            )
        ]
    else:  # pragma: no cover - a typo in the parametrisation
        raise AssertionError(kind)
    if consistent and base.startswith("applicant"):
        r["applicants_digest"] = applicants_digest(applicants)
    return r


#: kind → (minimum distinct applicants, minimum selected, minimum waitlisted)
TAMPERING = {
    "applicant_added": (1, 0, 0),
    "applicant_added_consistent": (1, 0, 0),
    "applicant_removed": (1, 0, 0),
    "applicant_removed_consistent": (1, 0, 0),
    "applicant_renamed": (1, 0, 0),
    "applicant_renamed_consistent": (1, 0, 0),
    "applicant_duplicated_consistent": (1, 0, 0),
    "seats_changed": (1, 0, 0),
    "seed_changed": (1, 0, 0),
    "seed_changed_consistent": (1, 0, 0),
    "selected_reordered": (2, 2, 0),
    "waitlist_reordered": (3, 1, 2),
    "moved_across_the_cut": (2, 1, 1),
    "promoted_early": (2, 1, 1),
    "selected_dropped": (1, 1, 0),
    "commitment_changed": (1, 0, 0),
    "meetup_id_changed": (1, 0, 0),
    "algorithm_changed": (1, 0, 0),
    "field_removed": (1, 0, 0),
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
@settings(max_examples=40, deadline=None)
@given(meetup_id=IDS, seats=SEATS, seed=SEEDS, data=st.data())
def test_any_single_change_to_the_record_is_detected(
    kind: str, meetup_id: str, seats: int, seed: bytes, data: st.DataObject
) -> None:
    min_applicants, min_selected, min_waitlisted = TAMPERING[kind]
    # Size the draw so that the change is possible (e.g. two people to reorder).
    seats = max(seats, min_selected)
    applicants = data.draw(
        st.lists(
            IDS, min_size=max(min_applicants, seats + min_waitlisted), max_size=25, unique=True
        ),
        label="applicants",
    )
    record = run_draw(meetup_id, seats, applicants, seed).record()
    assert verify_record(record).valid
    tampered = _tamper(kind, record, data)
    # Compared as JSON: True == 1 and 1.0 == 1 in Python, but not in a published record.
    assert json.dumps(tampered, sort_keys=True) != json.dumps(record, sort_keys=True)
    outcome = verify_record(tampered)
    assert not outcome.valid, kind
    assert isinstance(outcome.discrepancy, str)
    assert outcome.discrepancy


def test_discrepancy_names_the_first_wrong_position() -> None:
    record = run_draw("mtp_1", 2, ["a1", "b2", "c3", "d4"], b"k" * 32).record()
    record["waitlist"] = list(reversed(record["waitlist"]))
    outcome = verify_record(record)
    assert outcome.discrepancy is not None
    assert outcome.discrepancy.startswith("waitlist[1] is ")


# --------------------------------------------------------------------------- golden vector (L1)


def test_golden_vector_v1() -> None:
    # This vector must NEVER change for "proforum-lottery-v1": draws published with v1
    # are checked against it forever.  If this test fails, the algorithm changed —
    # restore it, and ship any new algorithm under a new name with a new vector file.
    vector = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert vector["algorithm"] == ALGORITHM_V1 == "proforum-lottery-v1"
    expected = vector["expected"]
    assert len(vector["applicants"]) == 12
    assert vector["seats"] == 5
    assert len(expected["selected"]) == 5
    assert len(expected["waitlist"]) == 7

    seed = bytes.fromhex(vector["seed"])
    draw = run_draw(vector["meetup_id"], vector["seats"], vector["applicants"], seed)
    assert list(draw.selected) == expected["selected"]
    assert list(draw.waitlist) == expected["waitlist"]
    assert draw.commitment == expected["commitment"]

    record = draw.record()
    assert record["seed_digest"] == expected["seed_digest"]
    assert record["applicants_digest"] == expected["applicants_digest"]
    assert verify_record(record).valid

    # The stdlib-only re-implementation agrees with the vector as well.
    order = standalone_order(seed, vector["meetup_id"], vector["applicants"])
    assert order == expected["selected"] + expected["waitlist"]
    assert (
        standalone_commitment(vector["meetup_id"], vector["seats"], vector["applicants"], seed)
        == expected["commitment"]
    )

    # A record assembled from the vector alone (no Draw object) verifies.
    standalone_record = {
        "algorithm": vector["algorithm"],
        "meetup_id": vector["meetup_id"],
        "seats": vector["seats"],
        "applicants": sorted(vector["applicants"]),
        "applicants_digest": expected["applicants_digest"],
        "seed": vector["seed"],
        "seed_digest": expected["seed_digest"],
        "commitment": expected["commitment"],
        "selected": expected["selected"],
        "waitlist": expected["waitlist"],
    }
    assert verify_record(standalone_record).valid


# --------------------------------------------------------------------------- uniformity (L3)

#: Chi-square critical value for p = 0.001 with 29 degrees of freedom.
CHI2_CRITICAL_29_DF_P001 = 58.30


def _chi_square(observed: list[int], expected: float) -> float:
    return sum((o - expected) ** 2 / expected for o in observed)


def _simulate(draws: int, n: int, seats: int) -> tuple[Counter[str], Counter[str]]:
    applicants = [f"mem_{i:03d}" for i in range(n)]
    selected: Counter[str] = Counter()
    first: Counter[str] = Counter()
    for counter in range(draws):
        seed = hashlib.sha256(str(counter).encode()).digest()
        draw = run_draw("mtp_uniformity", seats, applicants, seed)
        selected.update(draw.selected)
        first[draw.selected[0]] += 1
    return selected, first


def test_selection_is_uniform_across_applicants() -> None:
    """4,000 draws, n = 30, 6 seats, seeds SHA-256(counter): deterministic, so not flaky."""
    draws, n, seats = 4000, 30, 6
    selected, first = _simulate(draws, n, seats)
    assert len(selected) == n
    assert sum(selected.values()) == draws * seats

    statistic = _chi_square([selected[f"mem_{i:03d}"] for i in range(n)], draws * seats / n)
    assert statistic < CHI2_CRITICAL_29_DF_P001, statistic

    # Who comes first (the top rank) is uniform too, not only who gets in.
    top = _chi_square([first[f"mem_{i:03d}"] for i in range(n)], draws / n)
    assert top < CHI2_CRITICAL_29_DF_P001, top


def test_chi_square_check_would_catch_a_biased_draw() -> None:
    """The check has teeth: a plausible bug (a coarse 4-bit rank with ties broken by
    member id, which favours small ids) fails it on the same seeds."""
    draws, n, seats = 4000, 30, 6
    applicants = [f"mem_{i:03d}" for i in range(n)]
    selected: Counter[str] = Counter()
    for counter in range(draws):
        seed = hashlib.sha256(str(counter).encode()).digest()
        order = sorted(
            applicants,
            key=lambda m: (hashlib.sha256(seed + m.encode()).digest()[0] >> 4, m),
        )
        selected.update(order[:seats])
    statistic = _chi_square([selected[m] for m in applicants], draws * seats / n)
    assert statistic > CHI2_CRITICAL_29_DF_P001, statistic


@pytest.mark.parametrize("module", [lottery, lottery_rules, lottery_v1], ids=lambda m: m.__name__)
def test_lottery_module_does_not_import_random(module: Any) -> None:
    source = inspect.getsource(module)
    tree = ast.parse(source)
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and getattr(node.func, "id", getattr(node.func, "attr", None))
            in ("__import__", "import_module")
        ):
            imported.update(
                arg.value
                for arg in node.args
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            )
    assert "hashlib" in imported  # the walk does see the module's imports
    assert not [name for name in imported if "random" in name.split(".")], imported
    assert not any(getattr(value, "__name__", None) == "random" for value in vars(module).values())
