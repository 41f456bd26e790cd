"""How each operation's time grows with the size of its data, from one run.

A ``--size full`` run measures every benchmark at the small size too, so each
operation on each backend has a row per size.  :func:`growth` pairs them up:
how many times larger the data got, how many times longer proforum took, and
the exponent ``k`` of ``time ∝ n^k`` between the two sizes: about 0 for an
operation that should not care (a keyset page, a statement count), about 1 for
one that must touch every row (a fan-out, an import), above 1 for one that
grows faster than its data (a sort, or a bug).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table

from bench.harness import Result, format_seconds


@dataclass(frozen=True)
class Growth:
    """One operation on one backend, measured at two or more sizes of the same run."""

    operation: str
    backend: str
    unit: str
    #: The sizes measured, smallest first, and for each: proforum's time,
    #: the ratio to the baseline, and proforum's statements (``None``: not SQL).
    sizes: tuple[int, ...]
    proforum_s: tuple[float, ...]
    ratios: tuple[float, ...]
    statements: tuple[int | None, ...]

    @property
    def size_factor(self) -> float:
        """How many times more data the largest size has than the smallest."""
        return self.sizes[-1] / self.sizes[0]

    @property
    def time_factor(self) -> float:
        """How many times longer proforum took at the largest size than at the smallest."""
        return self.proforum_s[-1] / self.proforum_s[0]

    @property
    def exponent(self) -> float:
        """``k`` in ``time ∝ n^k`` between the smallest and the largest size."""
        return math.log(self.time_factor) / math.log(self.size_factor)

    def as_json(self) -> dict[str, object]:
        """The growth as plain JSON values, the derived figures included."""
        return {
            "operation": self.operation,
            "backend": self.backend,
            "unit": self.unit,
            "sizes": list(self.sizes),
            "proforum_s": list(self.proforum_s),
            "ratios": list(self.ratios),
            "statements": list(self.statements),
            "size_factor": self.size_factor,
            "time_factor": self.time_factor,
            "exponent": self.exponent,
        }


def growth(results: Sequence[Result]) -> list[Growth]:
    """Every (operation, backend) measured at more than one size, in first-measured order."""
    groups: dict[tuple[str, str], list[Result]] = {}
    for result in results:
        groups.setdefault((result.operation, result.backend), []).append(result)
    found: list[Growth] = []
    for (operation, backend), rows in groups.items():
        by_size = sorted({r.n: r for r in rows}.values(), key=lambda r: r.n)
        if len(by_size) < 2:
            continue
        found.append(
            Growth(
                operation=operation,
                backend=backend,
                unit=by_size[0].unit,
                sizes=tuple(r.n for r in by_size),
                proforum_s=tuple(r.proforum_s for r in by_size),
                ratios=tuple(r.ratio for r in by_size),
                statements=tuple(r.statements for r in by_size),
            )
        )
    return found


GROWTH_HEADERS = (
    "operation",
    "backend",
    "sizes",
    "proforum",
    "size ×",
    "time ×",
    "k (time ∝ nᵏ)",
    "ratio",
    "statements",
)


def _cells(g: Growth) -> list[str]:
    arrow = " → "
    statements = (
        "-"
        if all(s is None for s in g.statements)
        else arrow.join("-" if s is None else f"{s:,}" for s in g.statements)
    )
    return [
        g.operation,
        g.backend,
        arrow.join(f"{n:,}" for n in g.sizes) + f" {g.unit}",
        arrow.join(format_seconds(s) for s in g.proforum_s),
        f"{g.size_factor:g}",
        f"{g.time_factor:.1f}",
        f"{g.exponent:.2f}",
        arrow.join(f"{r:.2f}" for r in g.ratios),
        statements,
    ]


def render_growth(rows: Sequence[Growth]) -> Table:
    """The growth as a rich table."""
    table = Table(title="growth with size: proforum's time, smallest size to largest")
    for header in GROWTH_HEADERS:
        table.add_column(header, justify="right" if header.endswith(("×", ")")) else "left")
    for g in rows:
        table.add_row(*_cells(g))
    return table


def markdown_growth(rows: Sequence[Growth]) -> str:
    """The growth as a Markdown table."""
    lines = [
        "| " + " | ".join(GROWTH_HEADERS) + " |",
        "| "
        + " | ".join("---:" if h.endswith(("×", ")")) else "---" for h in GROWTH_HEADERS)
        + " |",
    ]
    lines.extend("| " + " | ".join(_cells(g)) + " |" for g in rows)
    return "\n".join(lines) + "\n"
