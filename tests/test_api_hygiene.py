"""Every public name of proforum has a docstring.

Public means: a name without a leading underscore, in ``proforum.__all__`` or
defined in a public module.  A module is public unless

- a part of its dotted name starts with ``_``;
- it is ``proforum.adapters.sql.migrations`` or below (Alembic's scripts);
- its docstring starts with ``Internal:`` — the one way to declare a module
  internal, which also tells its readers.

In a public module, every function and class defined there, every click
command (its help text), and every public method, class method, static method
and property a class defines itself, must have a docstring.  Constants and
type aliases cannot hold one and are not checked.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import click
import pytest

import proforum

SKIPPED_PACKAGES = ("proforum.adapters.sql.migrations",)
INTERNAL_MARK = "Internal:"


def _is_skipped(name: str) -> bool:
    if any(part.startswith("_") for part in name.split(".")):
        return True
    return any(name == p or name.startswith(p + ".") for p in SKIPPED_PACKAGES)


def _walk(package: ModuleType) -> Iterator[str]:
    """Names of the package's modules, not descending into skipped packages.

    Unlike ``pkgutil.walk_packages`` this never imports a skipped package
    (importing Alembic's ``env.py`` would run a migration).
    """
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if _is_skipped(info.name):
            continue
        yield info.name
        if info.ispkg:
            yield from _walk(importlib.import_module(info.name))


def _docstring(obj: object) -> str:
    if isinstance(obj, click.Command):
        return obj.help or ""
    if isinstance(obj, property):
        return obj.__doc__ or ""
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    # ``obj.__doc__`` itself, never inherited: ``inspect.getdoc`` would borrow
    # a base class's docstring for an undocumented override.
    doc = getattr(obj, "__doc__", None)
    return doc if isinstance(doc, str) else ""


def _documentable(obj: object) -> bool:
    if isinstance(obj, click.Command):
        return True
    if inspect.isclass(obj) or inspect.isfunction(obj):
        return True
    # pytest fixtures are wrappers that carry their function's docstring.
    return callable(obj) and hasattr(obj, "__wrapped__")


def _members(cls: type[Any]) -> Iterator[tuple[str, object]]:
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        target = value.__func__ if isinstance(value, staticmethod | classmethod) else value
        if isinstance(value, property) or _documentable(target):
            yield name, value


def _undocumented(owner: str, name: str, obj: object) -> Iterator[str]:
    if not _docstring(obj).strip():
        yield f"{owner}.{name}"
    if inspect.isclass(obj):
        for member, value in _members(obj):
            yield from _undocumented(f"{owner}.{name}", member, value)


PUBLIC_MODULES = sorted(
    name
    for name in _walk(proforum)
    if not (importlib.import_module(name).__doc__ or "").startswith(INTERNAL_MARK)
)


def test_the_walk_finds_the_public_modules() -> None:
    for expected in (
        "proforum.bootstrap",
        "proforum.domain.meetup",
        "proforum.adapters.sql.storage",
        "proforum.cli.plugins",
        "proforum.testing.pytest_plugin",
        "proforum.testing.strategies",
    ):
        assert expected in PUBLIC_MODULES
    assert not [m for m in PUBLIC_MODULES if m.startswith("proforum.adapters.sql.migrations")]


@pytest.mark.parametrize("name", sorted(proforum.__all__))
def test_every_name_in_all_is_documented(name: str) -> None:
    obj = getattr(proforum, name)
    if inspect.ismodule(obj):
        assert (obj.__doc__ or "").strip(), f"module proforum.{name} has no docstring"
    elif _documentable(obj):
        assert not list(_undocumented("proforum", name, obj))


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_module_is_documented(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert (module.__doc__ or "").strip(), f"{module_name} has no module docstring"
    exported = set(getattr(module, "__all__", ()))
    missing: list[str] = []
    for name, obj in vars(module).items():
        if name.startswith("_") or not _documentable(obj):
            continue
        home = getattr(obj, "__module__", None)
        if isinstance(obj, click.Command) and obj.callback is not None:
            home = obj.callback.__module__
        # Names imported from elsewhere are checked in their own module,
        # unless this module re-exports them through __all__.
        if home != module_name and name not in exported:
            continue
        missing.extend(_undocumented(module_name, name, obj))
    assert not missing, "undocumented public names:\n  " + "\n  ".join(missing)


UNDOCUMENTED_SAMPLE = '''
"""A module."""


class Documented:
    """Documented."""

    def method(self):
        pass

    @property
    def prop(self):
        return 1

    def _private(self):
        pass


def function():
    pass
'''


def test_the_check_finds_what_is_missing() -> None:
    namespace: dict[str, Any] = {"__name__": "sample"}
    exec(compile(UNDOCUMENTED_SAMPLE, "sample", "exec"), namespace)
    found = [
        missing
        for name in ("Documented", "function")
        for missing in _undocumented("sample", name, namespace[name])
    ]
    assert found == ["sample.Documented.method", "sample.Documented.prop", "sample.function"]
