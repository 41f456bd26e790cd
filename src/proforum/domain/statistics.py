"""Small, exact statistics for survey answers: no SciPy, no floating-point sums.

Survey answers are small whole numbers (1-5, 0-10, 0/1), so every figure is
computed from integer aggregates — how many answers, their sum, the sum of
their squares, how many gave each value — which a database computes with
``COUNT``, ``SUM`` and ``GROUP BY``.  Means and variances are exact fractions
until the single rounding step at the end.

The 95 % confidence interval of a mean uses Student's t distribution.  Its
quantile is found here by inverting the t distribution function, written with
the regularised incomplete beta function (Numerical Recipes, 3rd ed., §6.4),
so it is right for every number of degrees of freedom, not only those of a
printed table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from functools import lru_cache

#: Two-sided confidence level of every interval proforum reports.
CONFIDENCE = Fraction(95, 100)

_EPSILON = 1e-15
_TINY = 1e-300


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        step = d * c
        h *= step
        if abs(step - 1.0) < _EPSILON:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t distribution with ``df`` degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


@lru_cache(maxsize=256)
def t_quantile(df: int, level: Fraction = CONFIDENCE) -> float:
    """The two-sided critical value of Student's t: P(|T| <= q) = ``level``.

    For ``df=10`` and 95 % this is 2.228…; it falls towards the normal
    distribution's 1.959… as ``df`` grows.  Found by bisection on the
    incomplete beta function, to about 1e-12.

    :raises ValueError: ``df`` is below 1 or ``level`` is not between 0 and 1.
    """
    if isinstance(df, bool) or not isinstance(df, int) or df < 1:
        raise ValueError("degrees of freedom must be a whole number of at least 1")
    if not 0 < level < 1:
        raise ValueError("the confidence level must lie between 0 and 1")
    # P(|T| > q) = I_x(df/2, 1/2) with x = df / (df + q²): solve for x, then q.
    target = float(1 - level)
    low, high = 0.0, 1.0  # I_x grows with x
    for _ in range(200):
        middle = (low + high) / 2
        if incomplete_beta(df / 2.0, 0.5, middle) < target:
            low = middle
        else:
            high = middle
        if high - low < 1e-17:
            break
    x = (low + high) / 2
    return math.sqrt(df * (1.0 - x) / x)


def exact_mean(count: int, total: int) -> Fraction:
    """The mean of ``count`` values summing to ``total``, as an exact fraction."""
    return Fraction(total, count)


def round_half_even(value: Fraction, places: int = 2) -> float:
    """Round an exact fraction once, half to even, and return it as a float."""
    return float(round(value, places))


def mean_interval(
    count: int, total: int, squares: int, *, low: int | None = None, high: int | None = None
) -> tuple[float, float]:
    """The 95 % t confidence interval of a mean, from COUNT, SUM and SUM of squares.

    The sample variance is computed exactly, ``(n·Σx² − (Σx)²) / (n·(n − 1))``,
    so no cancellation error creeps in however many answers there are.  The
    ends are clamped to ``low`` and ``high`` (the ends of the scale) when
    given: a mean of answers from 1 to 5 cannot lie above 5.

    :raises ValueError: fewer than two values.
    """
    if count < 2:
        raise ValueError("a confidence interval needs at least two values")
    mean = Fraction(total, count)
    variance = Fraction(count * squares - total * total, count * (count - 1))
    half = t_quantile(count - 1) * math.sqrt(variance / count)
    lower = float(mean) - half
    upper = float(mean) + half
    if low is not None:
        lower = max(lower, float(low))
    if high is not None:
        upper = min(upper, float(high))
    return round(lower, 2), round(upper, 2)


def median_of_counts(counts: Mapping[int, int]) -> float:
    """The median of values given as ``{value: how many}``; halfway between two middles.

    :raises ValueError: no values at all.
    """
    n = sum(counts.values())
    if n <= 0:
        raise ValueError("the median of nothing")
    wanted = (n - 1) // 2, n // 2  # the two middle positions (equal when n is odd)
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(found) < 2 and seen > wanted[len(found)]:
            found.append(value)
    return float(Fraction(found[0] + found[1], 2))


def net_promoter_score(counts: Mapping[int, int]) -> float:
    """The Net Promoter Score of 0-10 answers: % promoters (9-10) minus % detractors (0-6).

    In percentage points, from -100 to 100, rounded once to one decimal.

    :raises ValueError: no answers at all.
    """
    n = sum(counts.values())
    if n <= 0:
        raise ValueError("the score of nothing")
    promoters = sum(c for v, c in counts.items() if v >= 9)
    detractors = sum(c for v, c in counts.items() if v <= 6)
    return round_half_even(Fraction(100 * (promoters - detractors), n), 1)


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded once to four decimals, or ``None`` when ``whole`` is 0."""
    if whole <= 0:
        return None
    return round_half_even(Fraction(part, whole), 4)
