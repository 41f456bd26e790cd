"""The growth table: each operation's time from the small size to the full one."""

from __future__ import annotations

import math

import pytest
from bench.growth import growth, markdown_growth
from bench.harness import Result, markdown_table
from hypothesis import given
from hypothesis import strategies as st


def row(operation: str, backend: str, n: int, seconds: float, **extra: object) -> Result:
    fields: dict[str, object] = {
        "benchmark": "b",
        "operation": operation,
        "backend": backend,
        "size": "small",
        "n": n,
        "unit": "posts",
        "proforum_s": seconds,
        "baseline_s": seconds / 2,
        "target": 3.0,
        "baseline": "raw",
    }
    fields.update(extra)
    return Result(**fields)  # type: ignore[arg-type]


def test_rows_of_one_operation_are_paired_by_size() -> None:
    results = [
        row("feed page 1", "sqlite", 20_000, 0.001, statements=3),
        row("feed page 1", "memory", 20_000, 0.0003),
        row("announce", "sqlite", 10_000, 0.5, statements=8),
        row("feed page 1", "sqlite", 1_000_000, 0.001, statements=3),
        row("announce", "sqlite", 100_000, 5.0, statements=8),
    ]
    found = {(g.operation, g.backend): g for g in growth(results)}
    # Memory was measured at one size only: nothing to compare.
    assert set(found) == {("feed page 1", "sqlite"), ("announce", "sqlite")}
    page = found["feed page 1", "sqlite"]
    assert page.sizes == (20_000, 1_000_000)
    assert page.size_factor == 50
    assert page.time_factor == pytest.approx(1)
    assert page.exponent == pytest.approx(0)
    fan_out = found["announce", "sqlite"]
    assert fan_out.exponent == pytest.approx(1)
    assert fan_out.statements == (8, 8)
    assert fan_out.ratios == (2.0, 2.0)
    table = markdown_growth(growth(results))
    assert (
        "| announce | sqlite | 10,000 → 100,000 posts | 500.00 ms → 5.00 s | 10 | 10.0 | 1.00 |"
        in table
    )
    assert "8 → 8" in table


@given(
    small=st.integers(min_value=1, max_value=10**6),
    factor=st.integers(min_value=2, max_value=100),
    k=st.floats(min_value=-1, max_value=3),
)
def test_the_exponent_recovers_a_power_law(small: int, factor: int, k: float) -> None:
    """Whatever the sizes, time = c·nᵏ gives back k."""
    large = small * factor
    results = [
        row("op", "memory", small, 1e-3 * small**k),
        row("op", "memory", large, 1e-3 * large**k),
    ]
    (found,) = growth(results)
    assert math.isclose(found.exponent, k, abs_tol=1e-9)


def test_the_tiny_size_is_not_judged_against_the_targets() -> None:
    """Fixed costs dominate a tiny data set: its rows show no verdict."""
    tiny = row("survey report", "memory", 100, 0.002, size="tiny")
    small = row("survey report", "memory", 10_000, 0.05)
    table = markdown_table([tiny, small])
    assert (
        "| survey report | memory | tiny (100 posts) | 2.00 ms | 1.00 ms | 2.00 | - | - |" in table
    )
    assert "| ≤ 3 | ok |" in table
    assert not tiny.judged
    assert small.judged
