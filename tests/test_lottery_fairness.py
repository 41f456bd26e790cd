"""Statistical fairness of ``proforum-lottery-v2`` (trust-practices §5.3, L3).

Every simulated draw uses the seed ``SHA-256(str(counter))``, so each test is
deterministic: it passes or fails the same way on every run, and a pass means
the published algorithm itself is fair at p > 0.001, not that we were lucky.
The draws call :func:`rank` and :func:`select`, exactly what ``Draw.run`` does
after the commitment.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from scipy.stats import chisquare  # type: ignore[import-untyped]

from proforum.domain.common import MemberId
from proforum.domain.lottery import Constraints, Entrant, rank, select
from proforum.domain.lottery_rules import rank_equal_weights

P_MIN = 0.001
MEETUP = "mtp_fairness"


def seeds(count: int) -> Iterator[bytes]:
    for counter in range(count):
        yield hashlib.sha256(str(counter).encode()).digest()


def people(n: int, **kwargs: object) -> list[Entrant]:
    return [Entrant(MemberId(f"mem_{i:03d}"), **kwargs) for i in range(n)]  # type: ignore[arg-type]


def test_uniform_selection_and_waitlist_positions() -> None:
    draws, n, seats = 20_000, 100, 20
    entrants = people(n)
    selected: Counter[str] = Counter()
    watched = entrants[37].id
    positions: Counter[int] = Counter()
    for seed in seeds(draws):
        chosen, waitlist, shortfalls = select(rank(seed, MEETUP, entrants), seats, Constraints())
        assert not shortfalls
        selected.update(e.id for e in chosen)
        if watched not in {e.id for e in chosen}:
            positions[[e.id for e in waitlist].index(watched)] += 1
    counts = [selected[e.id] for e in entrants]
    assert sum(counts) == draws * seats
    assert chisquare(counts).pvalue > P_MIN
    # The fixed applicant's place on the waitlist is uniform over the 80 places.
    cells = [positions[p] for p in range(n - seats)]
    assert sum(cells) == draws - selected[watched]
    assert chisquare(cells).pvalue > P_MIN


WEIGHTS = ["1", "1", "1", "1", "1", "2", "2", "4"]


def _weighted_firsts(draws: int, ranker: object) -> tuple[Counter[str], Counter[str]]:
    entrants = [Entrant(MemberId(f"mem_{i}"), weight=Decimal(w)) for i, w in enumerate(WEIGHTS)]
    first: Counter[str] = Counter()
    selected: Counter[str] = Counter()
    for seed in seeds(draws):
        order = ranker(seed, MEETUP, entrants)  # type: ignore[operator]
        first[order[0].id] += 1
        selected.update(e.id for e in order[:3])
    return first, selected


def test_weighted_first_place_follows_the_weights() -> None:
    draws = 8_000
    first, selected = _weighted_firsts(draws, rank)
    total = sum(Decimal(w) for w in WEIGHTS)
    expected = [draws * float(Decimal(w) / total) for w in WEIGHTS]
    observed = [first[f"mem_{i}"] for i in range(len(WEIGHTS))]
    assert chisquare(observed, expected).pvalue > P_MIN
    # Selected among 3 of 8: a weight of 2 beats a weight of 1, and 4 beats 2.
    by_weight: dict[str, list[int]] = {}
    for i, w in enumerate(WEIGHTS):
        by_weight.setdefault(w, []).append(selected[f"mem_{i}"])
    mean = {w: sum(c) / len(c) for w, c in by_weight.items()}
    assert mean["1"] < mean["2"] < mean["4"]
    # Entrants of equal weight are treated alike.
    assert chisquare(by_weight["1"]).pvalue > P_MIN
    assert chisquare(by_weight["2"]).pvalue > P_MIN


def test_the_weighted_check_has_teeth() -> None:
    """Ignoring the weights (the equal-weight order) fails the same check on the same seeds."""
    draws = 8_000
    first, _ = _weighted_firsts(draws, rank_equal_weights)
    total = sum(Decimal(w) for w in WEIGHTS)
    expected = [draws * float(Decimal(w) / total) for w in WEIGHTS]
    observed = [first[f"mem_{i}"] for i in range(len(WEIGHTS))]
    assert chisquare(observed, expected).pvalue < P_MIN


def test_the_company_cap_does_not_bias_within_a_company() -> None:
    draws, seats, cap = 6_000, 8, 2
    entrants = [
        Entrant(MemberId(f"mem_{i:03d}"), company="c1" if i < 10 else None) for i in range(30)
    ]
    constraints = Constraints(company_cap=cap)
    selected: Counter[str] = Counter()
    for seed in seeds(draws):
        chosen, _, shortfalls = select(rank(seed, MEETUP, entrants), seats, constraints)
        assert not shortfalls
        assert sum(e.company == "c1" for e in chosen) <= cap
        selected.update(e.id for e in chosen)
    company = [selected[e.id] for e in entrants[:10]]
    others = [selected[e.id] for e in entrants[10:]]
    assert chisquare(company).pvalue > P_MIN
    assert chisquare(others).pvalue > P_MIN
    # The cap binds: ten of thirty would get 8/3 seats per draw on average, capped at 2.
    assert sum(company) < draws * cap
