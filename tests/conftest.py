"""Shared fixtures: a forum on the memory backend with a controllable clock, and a world.

``world`` builds the story's cast: an operator, a host, six members of the
마케팅/PR community and one outsider; :class:`forum_world.World` has shortcuts
that move a meetup through its life.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import proforum
from forum_world import T0, World, build_world
from proforum import ManualClock, SeededIds
from sql_support import postgres_database, postgres_schema, sqlite_url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def forum(clock: ManualClock) -> Iterator[proforum.Forum]:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open("memory://", clock=clock, ids=SeededIds("tests"), plugin_manager=pm) as f:
        yield f


@pytest.fixture
def world(forum: proforum.Forum, clock: ManualClock) -> World:
    return build_world(forum, clock)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh storage URL on each backend; PostgreSQL when the test server is configured."""
    if request.param == "memory":
        yield "memory://"
    elif request.param == "sqlite":
        yield sqlite_url(tmp_path / "forum.db")
    else:
        with postgres_database() as database, postgres_schema(database) as url:
            yield url


@pytest.fixture
def backend_world(backend_url: str, clock: ManualClock) -> Iterator[World]:
    """The ``world`` cast on every backend (memory, an SQLite file, PostgreSQL)."""
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open(backend_url, clock=clock, ids=SeededIds("tests"), plugin_manager=pm) as f:
        yield build_world(f, clock)
