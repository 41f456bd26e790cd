"""The plugin documentation and the hook tests keep up with proforum/hookspecs.py.

Adding a hook without documenting it (a ``### name(args)`` heading in
docs/plugins.md, a complete docstring) or without a ``test_hook_<name>`` test in
tests/test_hooks.py fails here.  So does a heading whose arguments drifted from
the spec, or one for a hook that no longer exists.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import proforum
from forum_world import T0
from proforum import hookspecs
from proforum.errors import ContentRejected

TESTS = Path(__file__).parent
PLUGINS_MD = TESTS.parent / "docs" / "plugins.md"
HOOK_TESTS = TESTS / "test_hooks.py"

HEADING = re.compile(r"^### (?P<name>\w+)\((?P<args>[^)]*)\)\s*$", re.MULTILINE)


def _hookspecs() -> dict[str, Callable[..., Any]]:
    marker = f"{hookspecs.PROJECT}_spec"
    return {
        name: fn
        for name, fn in vars(hookspecs).items()
        if callable(fn) and name.startswith("proforum_") and hasattr(fn, marker)
    }


HOOKS = _hookspecs()
HOOK_NAMES = list(HOOKS)


def _documented() -> dict[str, list[str]]:
    text = PLUGINS_MD.read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for match in HEADING.finditer(text):
        args = [a.strip() for a in match["args"].split(",") if a.strip()]
        assert match["name"] not in found, f"{match['name']} has two headings"
        found[match["name"]] = args
    return found


def test_hookspecs_are_found() -> None:
    # Guards the tests below against silently checking nothing.
    assert len(HOOK_NAMES) >= 11
    assert "proforum_check_post" in HOOKS


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_hook_has_a_heading_with_its_signature(name: str) -> None:
    documented = _documented()
    assert name in documented, f"docs/plugins.md has no '### {name}(...)' heading"
    expected = list(inspect.signature(HOOKS[name]).parameters)
    assert documented[name] == expected, (
        f"heading reads {name}({', '.join(documented[name])}), "
        f"the spec is {name}({', '.join(expected)})"
    )


def test_every_heading_names_a_hook_in_spec_order() -> None:
    documented = [name for name in _documented() if name.startswith("proforum_")]
    assert documented == HOOK_NAMES


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_hookspec_docstring_follows_the_template(name: str) -> None:
    fn = HOOKS[name]
    doc = inspect.getdoc(fn)
    assert doc, f"{name} has no docstring"
    assert ":return:" in doc, f"{name}'s docstring does not say what to return"
    assert "versionadded" in doc, f"{name}'s docstring has no versionadded"
    for param in inspect.signature(fn).parameters:
        assert f":param {param}:" in doc, f"{name}'s docstring does not describe {param}"
    if getattr(fn, f"{hookspecs.PROJECT}_spec", {}).get("firstresult"):
        assert "first non-None result" in doc, f"{name} is firstresult but does not say so"


def _hook_test_names() -> set[str]:
    tree = ast.parse(HOOK_TESTS.read_text(encoding="utf-8"), filename=str(HOOK_TESTS))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_hook_")
    }


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_hook_has_a_test(name: str) -> None:
    assert f"test_hook_{name}" in _hook_test_names(), (
        f"tests/test_hooks.py has no test_hook_{name} function"
    )


def test_every_hook_test_names_a_hook() -> None:
    stale = {n for n in _hook_test_names() if n.removeprefix("test_hook_") not in HOOKS}
    assert not stale


# --------------------------------------------------------------------------- the worked example

EXAMPLE_FIRST_LINE = "# proforum_civility.py"


def _example_source() -> str:
    text = PLUGINS_MD.read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    (source,) = [b for b in blocks if b.startswith(EXAMPLE_FIRST_LINE)]
    return source


@pytest.fixture
def civility(tmp_path: Path) -> Iterator[Any]:
    """The docs' example plugin, loaded from the code block itself."""
    path = tmp_path / "proforum_civility.py"
    path.write_text(_example_source(), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("proforum_civility", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # attrs resolves annotations through sys.modules
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_worked_example_runs(civility: Any, tmp_path: Path) -> None:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(civility)
    pm.check_pending()
    spool = tmp_path / "spool"
    with proforum.open(
        "memory://",
        plugin_manager=pm,
        clock=proforum.ManualClock(T0),
        notifier="spool",
        notifier_options={"spool": {"directory": str(spool)}},
        video_options={"rooms": {"base_url": "https://meet.example.org"}},
    ) as forum:
        operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
        community = forum.create_community(
            operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
        )
        with pytest.raises(ContentRejected) as caught:
            forum.publish_post(
                operator.id, community.id, title="회사 비리 고발", body="연락처 010-1234-5678"
            )
        assert sorted(caught.value.value) == ["civility.expose", "phone_number"]

        meetup = forum.create_meetup(
            operator.id,
            community.id,
            title="퍼포먼스 마케터끼리 만나요!",
            topic="나는 이렇게 망해봤다",
            starts_at=T0.replace(day=10, hour=19),
            ends_at=T0.replace(day=10, hour=21),
            capacity=20,
            applications_open_at=T0,
            applications_close_at=T0.replace(day=7),
        )
        forum.announce_meetup(operator.id, meetup.id)
        (spooled,) = spool.glob("*.json")
        assert operator.id in spooled.read_text(encoding="utf-8")

        meeting = forum.set_meeting(operator.id, meetup.id, provider="rooms")
        assert meeting.meeting_id == f"proforum-{meetup.id}"
        assert forum.meeting_link(operator.id, meetup.id) == (
            f"https://meet.example.org/proforum-{meetup.id}#member={operator.id}"
        )
