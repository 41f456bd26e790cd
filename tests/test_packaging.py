"""What gets published: the metadata, one version per package, plugins' proforum ranges.

The core is checked through its installed metadata (what PyPI and pip see);
the plugin packages (every ``plugins/*`` folder and the example plugin in
``examples/custom_notifier``) through their ``pyproject.toml`` and files.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement
from packaging.version import Version

import proforum
from proforum.cli import main

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_DIRS = sorted(p.parent for p in ROOT.glob("plugins/*/pyproject.toml"))
EXAMPLE_PLUGIN = ROOT / "examples" / "custom_notifier"
PACKAGE_DIRS = [ROOT, *PLUGIN_DIRS, EXAMPLE_PLUGIN]


def _ids(dirs: list[Path]) -> list[str]:
    return [str(d.relative_to(ROOT)) or "core" for d in dirs]


def pyproject(directory: Path) -> dict[str, Any]:
    with (directory / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def import_package(directory: Path) -> str:
    """The import package a distribution ships (the core's, or its entry point's module)."""
    project = pyproject(directory)["project"]
    if project["name"] == "proforum":
        return "proforum"
    (value,) = project["entry-points"]["proforum"].values()
    return str(value).split(":")[0].split(".")[0]


def test_the_plugin_packages_are_found() -> None:
    # Guards the parametrized tests below against silently checking nothing.
    assert ROOT / "plugins" / "proforum-smtp" in PLUGIN_DIRS
    assert (EXAMPLE_PLUGIN / "pyproject.toml").is_file()


# --------------------------------------------------------------------------- the core's metadata


@pytest.fixture(scope="module")
def core() -> metadata.PackageMetadata:
    return metadata.metadata("proforum")


def test_the_license_is_mit_as_a_spdx_expression(core: metadata.PackageMetadata) -> None:
    assert core["License-Expression"] == "MIT"
    assert core.get_all("License-File") == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 proforum developers" in text


def test_no_license_classifier_next_to_the_expression(core: metadata.PackageMetadata) -> None:
    # PEP 639: the expression replaces them, and setuptools refuses to build with both.
    assert not [c for c in core.get_all("Classifier") or [] if c.startswith("License ::")]


def test_the_classifiers_say_what_proforum_is(core: metadata.PackageMetadata) -> None:
    classifiers = set(core.get_all("Classifier") or [])
    assert {
        "Development Status :: 3 - Alpha",
        "Framework :: Pytest",
        "Intended Audience :: Developers",
        "Operating System :: OS Independent",
        "Typing :: Typed",
    } <= classifiers


def test_the_project_urls_are_real_https_links(core: metadata.PackageMetadata) -> None:
    urls = dict(entry.split(", ", 1) for entry in core.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Changelog", "Issues", "Repository"} <= set(urls)
    assert urls["Repository"] == "https://github.com/proforum/proforum"
    for label, url in urls.items():
        assert re.fullmatch(r"https://[a-z0-9.-]+\.(io|com)/[\w./-]*", url), (label, url)
        assert not re.search(r"example|todo|xxx|your", url, re.IGNORECASE), (label, url)


# --------------------------------------------------------------------------- one version each


def test_proforum_version_is_the_installed_distributions() -> None:
    assert proforum.__version__ == metadata.version("proforum")
    assert proforum.__version__ == pyproject(ROOT)["project"]["version"]


def test_the_command_line_reports_the_same_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"proforum, version {metadata.version('proforum')}"


@pytest.mark.parametrize("directory", PACKAGE_DIRS, ids=_ids(PACKAGE_DIRS))
def test_each_package_writes_its_version_once(directory: Path) -> None:
    project = pyproject(directory)["project"]
    package = import_package(directory)
    # Written in pyproject.toml, not in the code: the code reads it back.
    assert "version" in project
    source = (directory / "src" / package / "__init__.py").read_text(encoding="utf-8")
    assert not re.search(r"^__version__\s*=\s*['\"]", source, re.MULTILINE)
    # The installed metadata is not stale (reinstall after changing pyproject.toml).
    assert metadata.version(project["name"]) == project["version"]
    assert importlib.import_module(package).__version__ == project["version"]


# --------------------------------------------------------------------------- plugin packages

PLUGINS = [*PLUGIN_DIRS, EXAMPLE_PLUGIN]


@pytest.mark.parametrize("directory", PLUGINS, ids=_ids(PLUGINS))
def test_plugins_declare_a_bounded_range_of_proforum_versions(directory: Path) -> None:
    requirements = [Requirement(r) for r in pyproject(directory)["project"]["dependencies"]]
    (core,) = [r for r in requirements if r.name == "proforum"]
    operators = {spec.operator for spec in core.specifier}
    assert operators & {">=", ">", "~=", "=="}, f"{core}: no lower bound"
    assert operators & {"<", "<=", "~=", "=="}, f"{core}: no upper bound"
    # ...and the range admits the proforum it is developed and tested with.
    assert core.specifier.contains(Version(metadata.version("proforum")), prereleases=True)


@pytest.mark.parametrize("directory", PLUGINS, ids=_ids(PLUGINS))
def test_plugins_keep_a_changelog_with_an_unreleased_section(directory: Path) -> None:
    changelog = directory / "CHANGELOG.md"
    assert changelog.is_file()
    assert re.search(r"^## \[Unreleased\]\s*$", changelog.read_text(encoding="utf-8"), re.MULTILINE)


@pytest.mark.parametrize("directory", PACKAGE_DIRS, ids=_ids(PACKAGE_DIRS))
def test_every_package_ships_py_typed(directory: Path) -> None:
    package = import_package(directory)
    assert (directory / "src" / package / "py.typed").is_file()
    # Listed as package data, so the wheel carries it and not just the source tree.
    package_data = pyproject(directory)["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data[package]
