"""Third-party plugins are discovered through the ``proforum`` entry-point group.

Each test builds a tiny installed distribution in ``tmp_path``: a module and a
``*.dist-info`` folder with METADATA and entry_points.txt, exactly what pip
leaves in site-packages, and puts the folder on ``sys.path``.
"""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pluggy
import pytest

import proforum
from proforum.errors import UnknownAdapter
from proforum.plugins import ENTRY_POINT_GROUP

PLUGIN_SOURCE = """
import attrs

import proforum

SEEN = []


@attrs.frozen
class PostcardNotifier:
    name: str = "postcard"
    sent: list = attrs.field(factory=list)

    def deliver(self, message, recipient, rendered):
        self.sent.append(message.id)


@attrs.frozen
class PostcardFactory:
    name: str = "postcard"

    def create(self, context, options):
        return PostcardNotifier()


@proforum.hookimpl
def proforum_register_notifiers():
    return [PostcardFactory()]


@proforum.hookimpl
def proforum_member_registered(member):
    SEEN.append(member.id)
"""

BROKEN_SOURCE = """
import proforum


@proforum.hookimpl
def proforum_member_registerd(member):  # misspelt: no such hook
    pass
"""

Install = Callable[[str, str], str]


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    """Return ``install(entry_point_name, source) -> module name`` for fake distributions."""
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    modules: list[str] = []

    def install(entry_point: str, source: str) -> str:
        module = f"acme_proforum_{uuid.uuid4().hex[:12]}"
        (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        dist_info = site / f"{module}-1.0.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n", encoding="utf-8"
        )
        (dist_info / "entry_points.txt").write_text(
            f"[{ENTRY_POINT_GROUP}]\n{entry_point} = {module}\n", encoding="utf-8"
        )
        modules.append(module)
        return module

    yield install
    for module in modules:
        sys.modules.pop(module, None)


def test_entry_point_group_is_proforum() -> None:
    assert ENTRY_POINT_GROUP == "proforum"


def test_get_plugin_manager_loads_entry_points(install: Install) -> None:
    module = install("acme", PLUGIN_SOURCE)

    pm = proforum.get_plugin_manager()

    plugin = pm.get_plugin("acme")
    assert plugin is sys.modules[module]
    assert [dist.project_name for p, dist in pm.list_plugin_distinfo() if p is plugin] == [module]
    # The built-ins are still there, and the plugin's adapter is chosen by name.
    assert pm.get_plugin("proforum.builtins") is not None
    with proforum.open("memory://", plugin_manager=pm, notifier="postcard") as forum:
        member = forum.register_member(real_name="김운영", job_function="marketing-pr")
    assert [member.id] == plugin.SEEN


def test_open_without_a_manager_uses_entry_points(install: Install) -> None:
    module = install("acme", PLUGIN_SOURCE)
    with proforum.open("memory://", notifier="postcard") as forum:
        member = forum.register_member(real_name="김운영", job_function="marketing-pr")
    assert [member.id] == sys.modules[module].SEEN


def test_load_entrypoints_false_ignores_them(install: Install) -> None:
    module = install("acme", PLUGIN_SOURCE)

    pm = proforum.get_plugin_manager(load_entrypoints=False)

    assert pm.get_plugin("acme") is None
    assert module not in sys.modules  # not even imported
    assert pm.list_plugin_distinfo() == []
    with pytest.raises(UnknownAdapter) as caught:
        proforum.open("memory://", plugin_manager=pm, notifier="postcard")
    assert "postcard" not in caught.value.params["available"].split(", ")


def test_each_call_returns_an_independent_manager(install: Install) -> None:
    install("acme", PLUGIN_SOURCE)
    first, second = proforum.get_plugin_manager(), proforum.get_plugin_manager()
    bare = proforum.get_plugin_manager(load_entrypoints=False)
    assert first is not second
    assert first.hook is not second.hook

    first.unregister(name="acme")
    assert first.get_plugin("acme") is None
    assert second.get_plugin("acme") is not None

    class Extra:
        @proforum.hookimpl
        def proforum_register_notifiers(self) -> list[object]:
            return []

    extra = Extra()
    bare.register(extra)
    assert bare.is_registered(extra)
    assert not first.is_registered(extra)
    assert not second.is_registered(extra)
    # Counted relative to each other: installed plugins (proforum-smtp...) add their own.
    assert len(bare.hook.proforum_register_notifiers()) == 2
    assert len(second.hook.proforum_register_notifiers()) == (
        len(first.hook.proforum_register_notifiers()) + 1
    )


def test_misspelt_hook_in_an_entry_point_plugin_is_reported(install: Install) -> None:
    install("typo", BROKEN_SOURCE)
    with pytest.raises(pluggy.PluginValidationError, match="proforum_member_registerd"):
        proforum.get_plugin_manager()
    # A manager without entry points is unaffected.
    assert proforum.get_plugin_manager(load_entrypoints=False).get_plugin("typo") is None
