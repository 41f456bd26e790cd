"""The composition root: the one place storage, plugins, clock and ids are wired."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

import pluggy

from proforum.errors import DuplicateAdapter, UnknownAdapter
from proforum.plugins import get_plugin_manager, index_by_name, pick
from proforum.ports.clock import Clock, IdGenerator, RandomIds, SystemClock
from proforum.ports.context import AdapterContext
from proforum.ports.storage import StorageFactory
from proforum.services.forum import Forum

DEFAULT_URL = "memory://"


def _storage_factory(pm: pluggy.PluginManager, url: str) -> StorageFactory:
    factories = index_by_name("storage", pm.hook.proforum_register_storage())
    scheme = urlsplit(url).scheme.split("+", 1)[0]
    by_scheme: dict[str, StorageFactory] = {}
    for factory in factories.values():
        for s in factory.schemes:
            # Two factories claiming one scheme is an error, as the hookspec
            # promises: otherwise registration order would silently decide.
            if by_scheme.get(s, factory) is not factory:
                raise DuplicateAdapter(s, name=s, kind="storage")
            by_scheme[s] = factory
    try:
        return by_scheme[scheme]
    except KeyError:
        raise UnknownAdapter(
            scheme,
            name=scheme or "(none)",
            kind="storage",
            available=", ".join(sorted(by_scheme)) or "-",
        ) from None


def open(
    url: str = DEFAULT_URL,
    *,
    plugin_manager: pluggy.PluginManager | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    notifier: str = "inbox",
    notifier_options: Mapping[str, Mapping[str, Any]] | None = None,
    video_options: Mapping[str, Mapping[str, Any]] | None = None,
    deliver: Literal["immediate", "manual"] = "immediate",
    max_delivery_attempts: int = 5,
) -> Forum:
    """Open a forum on the storage at ``url``.

    :param url: which storage: ``memory://`` (default), or any scheme a
        storage plugin registered.
    :param plugin_manager: the plugins to use; by default
        :func:`proforum.get_plugin_manager` (built-ins and entry points).
    :param clock: where use cases read the time; the system clock by default.
    :param ids: how new entities are named; random by default.
    :param notifier: the name of the notifier that delivers messages.
    :param notifier_options: settings per notifier name, handed to its factory.
    :param video_options: settings per video provider name, handed to its factory.
    :param deliver: ``"immediate"`` delivers each use case's messages right after
        it commits; ``"manual"`` leaves them in the outbox for
        :meth:`Forum.deliver_pending` (e.g. a worker process).
    :param max_delivery_attempts: attempts before a message is marked failed.

    :raises UnknownAdapter: no plugin provides the storage scheme or notifier.
    """
    pm = plugin_manager or get_plugin_manager()
    storage = _storage_factory(pm, url).open(url)
    the_clock = clock or SystemClock()
    context = AdapterContext(storage=storage, clock=the_clock)
    try:
        notifier_factories = index_by_name("notifier", pm.hook.proforum_register_notifiers())
        pick("notifier", notifier_factories, notifier)
        video_factories = index_by_name("video", pm.hook.proforum_register_video_providers())
        n_opts = notifier_options or {}
        v_opts = video_options or {}
        notifiers = {
            name: f.create(context, n_opts.get(name, {})) for name, f in notifier_factories.items()
        }
        video = {
            name: f.create(context, v_opts.get(name, {})) for name, f in video_factories.items()
        }
    except BaseException:
        storage.close()
        raise
    return Forum(
        storage=storage,
        plugin_manager=pm,
        clock=the_clock,
        ids=ids or RandomIds(),
        video_providers=video,
        notifiers=notifiers,
        notifier=notifier,
        deliver_immediately=deliver == "immediate",
        max_delivery_attempts=max_delivery_attempts,
    )
