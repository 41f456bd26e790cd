"""The plugin manager factory and the registry of adapters plugins provide."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

import pluggy

from proforum import hookspecs
from proforum.errors import DuplicateAdapter, UnknownAdapter

#: Marker for hook implementations: ``@proforum.hookimpl``.
hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)

#: Entry-point group plugins declare in their packaging metadata.
ENTRY_POINT_GROUP = "proforum"

#: Modules registered in every manager, in this order, as ordinary plugins.
BUILTIN_PLUGINS = (
    "proforum.builtins",
    "proforum.policies",
)


def get_plugin_manager(*, load_entrypoints: bool = True) -> pluggy.PluginManager:
    """Return a new plugin manager with proforum's hooks and built-in adapters.

    :param load_entrypoints: also load third-party plugins from the ``proforum``
        entry-point group (turn off in tests that want only the built-ins).

    Nothing is connected or built here: the manager only knows which plugins
    exist.  Each call returns an independent manager, so tests can register
    their own plugins without affecting anyone else.
    """
    import importlib

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.check_pending()
    return pm


class _Named(Protocol):
    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=_Named)


def index_by_name(kind: str, groups: Iterable[Iterable[N] | None]) -> dict[str, N]:
    """Flatten the lists plugins returned into a dict by ``name``; duplicates are errors."""
    found: dict[str, N] = {}
    for group in groups:
        for item in group or ():
            if item.name in found:
                raise DuplicateAdapter(item.name, name=item.name, kind=kind)
            found[item.name] = item
    return found


def pick(kind: str, registry: dict[str, N], name: str) -> N:
    """Return the adapter called ``name`` or raise :class:`UnknownAdapter`."""
    try:
        return registry[name]
    except KeyError:
        raise UnknownAdapter(
            name, name=name, kind=kind, available=", ".join(sorted(registry)) or "-"
        ) from None
