"""``proforum plugins``: the installed plugins, their hooks, and the adapters they register."""

from __future__ import annotations

import json
import sys
import textwrap
import uuid
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import proforum
from proforum.cli import main
from proforum.cli.plugins import describe_plugins
from proforum.plugins import ENTRY_POINT_GROUP


def run(*args: str, exit_code: int = 0) -> str:
    # A wide terminal, so that rich does not wrap the table cells.
    result = CliRunner().invoke(main, ["plugins", *args], env={"COLUMNS": "200"})
    assert result.exit_code == exit_code, result.output
    return result.output


def report() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run("--json"))
    return data


def plugin(data: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in data["plugins"] if p["name"] == name]
    assert len(found) == 1, found
    return found[0]


def adapters(data: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in data["adapters"][kind]}


@pytest.fixture
def smtp_version() -> str:
    try:
        return version("proforum-smtp")
    except PackageNotFoundError:
        pytest.skip("proforum-smtp is not installed (`make test` installs it)")


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Return ``install(source) -> (entry point name, module)``: a fake installed distribution."""
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    modules: list[str] = []

    def install(source: str) -> tuple[str, str]:
        module = f"acme_plugins_{uuid.uuid4().hex[:12]}"
        (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        dist_info = site / f"{module}-2.5.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {module}\nVersion: 2.5\n", encoding="utf-8"
        )
        (dist_info / "entry_points.txt").write_text(
            f"[{ENTRY_POINT_GROUP}]\nacme = {module}\n", encoding="utf-8"
        )
        modules.append(module)
        return "acme", module

    yield install
    for module in modules:
        sys.modules.pop(module, None)


ACME = """
import attrs

import proforum


@attrs.frozen
class Factory:
    name: str = "carrier-pigeon"

    def create(self, context, options):
        raise NotImplementedError


@proforum.hookimpl
def proforum_member_registered(member):
    pass


@proforum.hookimpl
def proforum_register_video_providers():
    return [Factory()]


@proforum.hookimpl
def proforum_register_notifiers():
    return [Factory()]
"""


# --------------------------------------------------------------------------- the built-ins


def test_builtins_appear_with_proforum_version_and_hooks() -> None:
    data = report()
    builtins = plugin(data, "proforum.builtins")
    assert builtins["builtin"] is True
    assert (builtins["distribution"], builtins["version"]) == ("proforum", version("proforum"))
    assert builtins["hooks"] == [
        "proforum_register_storage",
        "proforum_register_video_providers",
        "proforum_register_notifiers",
    ]
    assert plugin(data, "proforum.policies")["hooks"] == ["proforum_check_post"]
    assert data["proforum"] == version("proforum")


def test_builtin_adapters_appear_by_name() -> None:
    data = report()
    storage = adapters(data, "storage")
    assert storage["memory"] == {
        "name": "memory",
        "plugin": "proforum.builtins",
        "schemes": ["memory"],
    }
    assert {"sqlite", "postgresql"} <= set(storage["sql"]["schemes"])
    assert adapters(data, "video_providers")["manual"]["plugin"] == "proforum.builtins"
    assert adapters(data, "notifiers")["inbox"]["plugin"] == "proforum.builtins"


def test_table_output_names_plugins_hooks_and_adapters() -> None:
    out = run()
    for expected in (
        "proforum.builtins",
        "proforum (built-in)",
        "proforum_register_storage",
        "proforum_check_post",
        "memory",
        "postgresql, sqlite",
        "manual",
        "inbox",
    ):
        assert expected in out


# --------------------------------------------------------------------------- installed plugins


def test_installed_smtp_plugin_appears_with_its_version_and_hooks(smtp_version: str) -> None:
    data = report()
    (smtp,) = [p for p in data["plugins"] if p["distribution"] == "proforum-smtp"]
    assert smtp["builtin"] is False
    assert smtp["version"] == smtp_version
    assert smtp["module"] == "proforum_smtp"
    assert smtp["hooks"] == ["proforum_register_notifiers"]
    assert adapters(data, "notifiers")["smtp"]["plugin"] == smtp["name"]

    out = run()
    assert "proforum-smtp" in out
    assert smtp_version in out


def test_an_entry_point_plugin_shows_every_hook_it_implements(install: Any) -> None:
    name, module = install(ACME)
    data = report()
    acme = plugin(data, name)
    assert (acme["distribution"], acme["version"], acme["module"]) == (module, "2.5", module)
    # In the order proforum calls them, whatever the order in the module.
    assert acme["hooks"] == [
        "proforum_register_video_providers",
        "proforum_register_notifiers",
        "proforum_member_registered",
    ]
    assert adapters(data, "video_providers")["carrier-pigeon"]["plugin"] == name
    assert adapters(data, "notifiers")["carrier-pigeon"]["plugin"] == name


def test_a_broken_plugin_is_reported_without_a_traceback(install: Any) -> None:
    install(
        """
        import proforum

        @proforum.hookimpl
        def proforum_member_registerd(member):  # misspelt
            pass
        """
    )
    out = run(exit_code=1)
    assert "loading plugins failed: PluginValidationError" in out
    assert "proforum_member_registerd" in out
    assert "Traceback" not in out


def test_a_plugin_registered_by_hand_has_no_distribution() -> None:
    class Local:
        @proforum.hookimpl
        def proforum_register_notifiers(self) -> list[object]:
            return []

    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(Local(), name="local")
    data = describe_plugins(pm)
    local = plugin(data, "local")
    assert (local["distribution"], local["version"], local["builtin"]) == (None, None, False)
    assert local["hooks"] == ["proforum_register_notifiers"]
    assert [p["name"] for p in data["plugins"]] == [
        "proforum.builtins",
        "proforum.policies",
        "local",
    ]
    json.dumps(data)  # JSON-ready


def test_help_is_listed() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert "plugins" in result.output
