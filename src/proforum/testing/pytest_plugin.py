"""proforum's pytest plugin: fixtures for testing an application built on proforum.

Installing proforum registers this module under the ``pytest11`` entry point, so
the fixtures are available in every test suite of the environment with no
``conftest.py`` line (``-p no:proforum`` switches the plugin off).  Every fixture
is function-scoped and its name starts with ``proforum_``, so none can clash
with an application's own fixtures:

``proforum_clock``
    a :class:`~proforum.ManualClock` at :data:`~proforum.testing.factories.START`
    (1 December 2026, 10:00 in Seoul).
``proforum_video``
    a :class:`~proforum.testing.fakes.FakeVideoProvider` named ``fake``.
``proforum_notifier``
    a :class:`~proforum.testing.fakes.RecordingNotifier` named ``recording``.
``proforum_plugin_manager``
    the built-in plugins (no entry points) plus the two adapters above.
``proforum_storage_url``
    ``memory://``; override it to run the same tests on another backend.
``proforum_forum``
    a forum on that storage with that clock, ``SeededIds`` and that plugin
    manager, delivering messages through ``recording``.
``proforum_make_member``, ``proforum_make_community``, ``proforum_make_meetup``
    factories from :mod:`proforum.testing.factories`, bound to ``proforum_forum``.

A test of an application's own code::

    def test_digest_lists_open_meetups(proforum_forum, proforum_make_meetup):
        meetup = proforum_make_meetup(applicants=2)
        assert myapp.digest(proforum_forum, meetup.host_id, meetup.community_id)

Hypothesis strategies for the domain types live in
:mod:`proforum.testing.strategies`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pluggy
import pytest

from proforum.bootstrap import open as open_forum
from proforum.plugins import get_plugin_manager
from proforum.ports.clock import ManualClock, SeededIds
from proforum.services.forum import Forum
from proforum.testing.factories import START, CommunityFactory, MeetupFactory, MemberFactory
from proforum.testing.fakes import FakeVideoProvider, KitAdapters, RecordingNotifier

#: The name the kit's adapters are registered under in ``proforum_plugin_manager``.
KIT_PLUGIN_NAME = "proforum.testing"


@pytest.fixture
def proforum_clock() -> ManualClock:
    """Return a manual clock at 1 December 2026, 10:00 in Seoul; move it with ``set``/``advance``."""
    return ManualClock(START)


@pytest.fixture
def proforum_video() -> FakeVideoProvider:
    """Return the fake video provider (``fake``) the forum uses; it records every request."""
    return FakeVideoProvider()


@pytest.fixture
def proforum_notifier() -> RecordingNotifier:
    """Return the notifier (``recording``) the forum delivers through; it records every message."""
    return RecordingNotifier()


@pytest.fixture
def proforum_plugin_manager(
    proforum_video: FakeVideoProvider, proforum_notifier: RecordingNotifier
) -> pluggy.PluginManager:
    """Return a plugin manager with the built-ins and the kit's adapters, without entry points.

    Register an application's own plugins on it (before using ``proforum_forum``
    if they register adapters), or override this fixture.
    """
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(KitAdapters(proforum_video, proforum_notifier), name=KIT_PLUGIN_NAME)
    return pm


@pytest.fixture
def proforum_storage_url() -> str:
    """Return the storage URL ``proforum_forum`` opens: ``memory://``; override to change it."""
    return "memory://"


@pytest.fixture
def proforum_forum(
    proforum_storage_url: str,
    proforum_clock: ManualClock,
    proforum_plugin_manager: pluggy.PluginManager,
) -> Iterator[Forum]:
    """Yield a forum with the kit's clock, seeded ids and plugins; closed after the test.

    Messages go through the ``recording`` notifier (and on into the in-app
    inbox) as soon as each use case commits.
    """
    with open_forum(
        proforum_storage_url,
        plugin_manager=proforum_plugin_manager,
        clock=proforum_clock,
        ids=SeededIds("proforum-testing"),
        notifier="recording",
    ) as forum:
        yield forum


@pytest.fixture
def proforum_make_member(proforum_forum: Forum) -> MemberFactory:
    """Return ``make_member(**profile)``, registering members with fresh nicknames by default."""
    return MemberFactory(proforum_forum)


@pytest.fixture
def proforum_make_community(
    proforum_forum: Forum, proforum_make_member: MemberFactory
) -> CommunityFactory:
    """Return ``make_community(members=0, ...)``: a community with an operator and a host."""
    return CommunityFactory(proforum_forum, proforum_make_member)


@pytest.fixture
def proforum_make_meetup(
    proforum_forum: Forum, proforum_make_community: CommunityFactory
) -> MeetupFactory:
    """Return ``make_meetup(community=None, applicants=0, ...)``: an announced meetup, open now."""
    return MeetupFactory(proforum_forum, proforum_make_community)
