"""Clocks and id generators: injected so that tests and demos are reproducible."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Protocol

from proforum.domain.common import require_aware


class Clock(Protocol):
    """Tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time in UTC."""


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; for tests, demos and simulations."""

    def __init__(self, start: datetime) -> None:
        self._now = require_aware("start", start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the clock's current time."""
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (which must be aware)."""
        value = require_aware("when", when)
        with self._lock:
            self._now = value

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta``."""
        with self._lock:
            self._now = self._now + delta

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"


class IdGenerator(Protocol):
    """Makes identifiers for new entities."""

    def new(self, prefix: str) -> str:
        """Return a fresh id such as ``"mem_3f2a..."``."""


class RandomIds:
    """Random UUID4-based ids: the default."""

    def new(self, prefix: str) -> str:
        """Return ``prefix_`` followed by 32 random hex digits."""
        return f"{prefix}_{uuid.uuid4().hex}"


class SeededIds:
    """Deterministic ids derived from a seed, so a seeded demo is reproducible.

    Not for production: anyone who knows the seed can predict every id.
    """

    def __init__(self, seed: str) -> None:
        self._seed = seed.encode()
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        """Return the next id in the seeded sequence."""
        with self._lock:
            n = next(self._counter)
        digest = hashlib.sha256(self._seed + b"\x00" + str(n).encode()).hexdigest()
        return f"{prefix}_{digest[:32]}"


class SeedSource(Protocol):
    """Where lottery seeds come from; never the organiser's choice.

    An organiser who could pick the seed could try seeds until one selects
    the people they want, then commit to it: the commitment would be honest
    and the draw still rigged.  So use cases take no seed; the forum's seed
    source makes one when applications close.
    """

    def seed(self, nbytes: int) -> bytes:
        """Return ``nbytes`` unpredictable bytes."""


class SystemSeeds:
    """Seeds from the operating system's CSPRNG (:func:`secrets.token_bytes`): the default."""

    def seed(self, nbytes: int) -> bytes:
        """Return ``nbytes`` bytes from the operating system's CSPRNG."""
        return secrets.token_bytes(nbytes)


class ReplayableSeeds:
    """Seeds derived from a label, so a demo or a test draws the same way every run.

    Not for production: anyone who knows the label knows every seed, and so
    every draw, before it happens.
    """

    def __init__(self, label: str) -> None:
        self._label = label.encode()
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def seed(self, nbytes: int) -> bytes:
        """Return the next ``nbytes`` bytes of the labelled sequence."""
        with self._lock:
            n = next(self._counter)
        out = b""
        block = 0
        while len(out) < nbytes:
            out += hashlib.sha256(
                b"proforum-seed\x00" + self._label + b"\x00" + f"{n}:{block}".encode()
            ).digest()
            block += 1
        return out[:nbytes]

    def __repr__(self) -> str:
        return "ReplayableSeeds(...)"
