"""When to try a Graph call again, and how long to wait first.

Bounded exponential backoff with full jitter: before attempt ``n + 1`` wait a
random time between 0 and ``min(backoff_max, backoff_base * 2 ** (n - 1))``,
so that many clients throttled together do not come back together.  A
``Retry-After`` header (seconds, or an HTTP date) replaces the jitter: Graph's
throttling guidance is to wait exactly that long.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from datetime import UTC, datetime

import attrs

#: Answers worth another attempt: throttling and the server's own failures.
#: Every other status is final.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def is_retryable(status: int) -> bool:
    """Tell whether an HTTP status is worth another attempt."""
    return status in RETRYABLE_STATUSES or 500 <= status <= 599


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for, or ``None`` if unreadable.

    Accepts delay-seconds (``"10"``) and an HTTP date
    (``"Wed, 21 Oct 2026 07:28:00 GMT"``); a date in the past means "now".
    Zoom sends ISO-8601 dates on daily limits, so those are read as well.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(int(text))
    when: datetime | None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive one is read the same way
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


@attrs.frozen
class Backoff:
    """The retry schedule of one provider; ``sleep`` and ``random`` are injectable.

    :param random: returns a float in ``[0, 1)``; the jitter's source.
    """

    max_attempts: int
    base: float
    cap: float
    max_retry_after: float
    sleep: Callable[[float], None] = attrs.field(repr=False)
    random: Callable[[], float] = attrs.field(repr=False)

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait after failed ``attempt`` (1-based); ``None`` means give up.

        ``None`` when the attempts are spent, or when the server asks for a
        longer pause than ``max_retry_after``: a caller waiting on a web
        request is better told "unavailable" than kept for minutes.
        """
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        ceiling = min(self.cap, self.base * 2.0 ** (attempt - 1))
        return self.random() * ceiling


__all__ = ["RETRYABLE_STATUSES", "Backoff", "is_retryable", "parse_retry_after"]
