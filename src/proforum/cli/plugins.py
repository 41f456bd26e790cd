"""``proforum plugins``: which plugins are installed, what they hook, what they register.

The report covers the default plugin manager (:func:`proforum.get_plugin_manager`):
the built-in modules and every plugin of the ``proforum`` entry-point group,
each with its distribution, version and the hooks it implements, followed by
the adapters the registration hooks provide (storage backends with their URL
schemes, video providers, notifiers), each with the plugin it came from.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import click
import pluggy
from rich.console import Console
from rich.table import Table

from proforum import __version__, hookspecs
from proforum.plugins import BUILTIN_PLUGINS, get_plugin_manager

#: Registration hooks and the report key of what they return, in spec order.
_ADAPTER_HOOKS = (
    ("storage", "proforum_register_storage"),
    ("video_providers", "proforum_register_video_providers"),
    ("notifiers", "proforum_register_notifiers"),
)


def _proforum_version() -> str:
    try:
        return version("proforum")
    except PackageNotFoundError:  # a source checkout that was not installed
        return __version__


def _hook_order() -> dict[str, int]:
    names = [name for name in vars(hookspecs) if name.startswith("proforum_")]
    return {name: i for i, name in enumerate(names)}


def describe_plugins(pm: pluggy.PluginManager) -> dict[str, Any]:
    """Describe the plugins of ``pm`` and the adapters they register, as JSON-ready data.

    :return: ``{"proforum": version, "plugins": [...], "adapters": {...}}``.
        Each plugin has ``name``, ``module``, ``builtin``, ``distribution``,
        ``version`` (both ``None`` for a plugin registered by hand) and
        ``hooks`` in the order proforum calls them.  ``adapters`` maps
        ``storage``, ``video_providers`` and ``notifiers`` to lists of
        ``{"name", "plugin"}`` (storage adds ``schemes``), sorted by name.
    :raises Exception: whatever a registration hook raises.
    """
    proforum_version = _proforum_version()
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    order = _hook_order()
    plugins = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:  # blocked
            continue
        builtin = name in BUILTIN_PLUGINS
        dist = dists.get(id(plugin))
        hooks = sorted(
            (caller.name for caller in pm.get_hookcallers(plugin) or ()),
            key=lambda hook: (order.get(hook, len(order)), hook),
        )
        plugins.append(
            {
                "name": name,
                "module": getattr(plugin, "__name__", type(plugin).__module__),
                "builtin": builtin,
                "distribution": "proforum" if builtin else dist and dist.project_name,
                "version": proforum_version if builtin else dist and dist.version,
                "hooks": hooks,
            }
        )
    adapters: dict[str, list[dict[str, Any]]] = {}
    for key, hook_name in _ADAPTER_HOOKS:
        found: list[dict[str, Any]] = []
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            for factory in impl.function() or ():
                entry: dict[str, Any] = {"name": factory.name, "plugin": impl.plugin_name}
                if key == "storage":
                    entry["schemes"] = sorted(factory.schemes)
                found.append(entry)
        adapters[key] = sorted(found, key=lambda e: (e["name"], e["plugin"]))
    return {"proforum": proforum_version, "plugins": plugins, "adapters": adapters}


def _render(report: dict[str, Any], console: Console) -> None:
    plugins = Table(title=f"proforum {report['proforum']}: plugins")
    plugins.add_column("plugin", no_wrap=True)
    plugins.add_column("distribution", no_wrap=True)
    plugins.add_column("version", no_wrap=True)
    plugins.add_column("hooks")
    for plugin in report["plugins"]:
        distribution = plugin["distribution"] or "-"
        if plugin["builtin"]:
            distribution += " (built-in)"
        plugins.add_row(
            plugin["name"],
            distribution,
            plugin["version"] or "-",
            "\n".join(plugin["hooks"]) or "-",
        )
    console.print(plugins)
    adapters = Table(title="adapters")
    adapters.add_column("kind", no_wrap=True)
    adapters.add_column("name", no_wrap=True)
    adapters.add_column("URL schemes")
    adapters.add_column("plugin", no_wrap=True)
    for key, _hook in _ADAPTER_HOOKS:
        for entry in report["adapters"][key]:
            schemes = ", ".join(entry.get("schemes", ())) or "-"
            adapters.add_row(key.replace("_", " "), entry["name"], schemes, entry["plugin"])
    console.print(adapters)


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs instead of tables.")
def plugins_command(as_json: bool) -> None:
    """List the installed plugins, the hooks each implements, and the adapters they register."""
    try:
        report = describe_plugins(get_plugin_manager())
    except Exception as exc:
        # A broken plugin (an import error, a misspelt hook) is what this
        # command is run to find: name it instead of printing a traceback.
        raise click.ClickException(f"loading plugins failed: {type(exc).__name__}: {exc}") from exc
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    _render(report, Console(highlight=False))
