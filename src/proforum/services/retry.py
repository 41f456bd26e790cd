"""Running a use case again when a concurrent one got in the way.

A use case is one ``with self._transaction()`` block inside one method, and
its arguments are plain values, so running the *method* again repeats the
whole transaction, including the reads that decided what to write, which is
what the PostgreSQL manual asks of a retry ("Serialization Failure
Handling").  :func:`retry_transient` does that for
:class:`~proforum.errors.TransientConflict` only: a serialization failure or
deadlock on PostgreSQL, a lock SQLite could not get within its busy timeout.
Nothing was committed when one is raised, so running again cannot apply a
change twice.

Only methods whose one transaction is all they change are decorated: a
method that calls a remote service between two transactions (``set_meeting``)
would call it again.
"""

from __future__ import annotations

import functools
import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Concatenate, ParamSpec, TypeVar

from proforum.domain.notification import RetryPolicy
from proforum.errors import TransientConflict

log = logging.getLogger("proforum")

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")

#: Attempts in all, the first included.
MAX_ATTEMPTS = 5
#: Ceiling of the first pause, in seconds; it doubles with each attempt ("full jitter").
BASE_DELAY = 0.01
#: Longest pause between two attempts, in seconds.
MAX_DELAY = 0.5
#: No new attempt starts once this many seconds have passed since the first one
#: began: a SQLite writer has already waited its whole busy timeout (30 s).
TIME_BUDGET = 10.0

_random = secrets.SystemRandom()
_running = threading.local()


#: The same full-jitter schedule the message relay uses, at use-case time scales.
_POLICY = RetryPolicy(base=timedelta(seconds=BASE_DELAY), cap=timedelta(seconds=MAX_DELAY))


def jitter() -> float:
    """A uniform fraction in [0, 1) for full-jitter backoff; not reproducible on purpose."""
    return _random.random()


def backoff(attempt: int) -> float:
    """The pause after failed attempt number ``attempt`` (1-based): uniform in [0, ceiling)."""
    return _POLICY.delay(attempt, jitter()).total_seconds()


def retry_transient(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Run the use case ``method`` again on :class:`TransientConflict`, a few times.

    At most :data:`MAX_ATTEMPTS` attempts, with a jittered pause between them
    so that the transactions that collided do not collide again; the last
    :class:`TransientConflict` reaches the caller.  Each retry is logged on the
    ``proforum`` logger (level INFO, ``extra={"proforum_retry": name}``).  A
    decorated use case called from inside another one is not retried on its
    own: the outer one repeats everything.
    """

    @functools.wraps(method)
    def run(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if getattr(_running, "active", False):
            return method(self, *args, **kwargs)
        _running.active = True
        try:
            started = time.monotonic()
            attempt = 1
            while True:
                try:
                    return method(self, *args, **kwargs)
                except TransientConflict as exc:
                    out_of_time = time.monotonic() - started >= TIME_BUDGET
                    if attempt >= MAX_ATTEMPTS or out_of_time:
                        raise
                    log.info(
                        "%s: %s; running it again (attempt %d of %d)",
                        method.__name__,
                        exc.params.get("reason", "transient conflict"),
                        attempt + 1,
                        MAX_ATTEMPTS,
                        extra={"proforum_retry": method.__name__},
                    )
                    time.sleep(backoff(attempt))
                    attempt += 1
        finally:
            _running.active = False

    return run
