"""The error catalogue: every proforum error has a stable code and two safe messages.

The call sites are read from the source with :mod:`ast`, so a new ``raise``
that forgets a message parameter, or passes Korean where English is shown,
fails here rather than in front of a user.
"""

from __future__ import annotations

import ast
import pickle
import re
import string
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import proforum
from forum_world import LINK
from proforum import errors
from proforum.adapters.memory_tables import Table
from proforum.errors import ENTITY_NAMES, ProforumError

SRC = Path(proforum.__file__).parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")
CODE_SHAPE = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*$")
SENTINEL = "VALUE-SENTINEL-0b7e"

ERRORS: dict[str, type[ProforumError]] = {
    name: obj
    for name, obj in vars(errors).items()
    if isinstance(obj, type) and issubclass(obj, ProforumError)
}
CLASSES = sorted(ERRORS.values(), key=lambda cls: cls.__name__)
DERIVED = {"entity_ko", "entity_en"}  # filled in from ``entity=``


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def placeholders(cls: type[ProforumError]) -> set[str]:
    return fields(cls.template_ko) | fields(cls.template_en)


def sample_params(cls: type[ProforumError]) -> dict[str, Any]:
    """ASCII parameters that satisfy every placeholder of ``cls``."""
    params: dict[str, Any] = {name: f"p-{name}" for name in placeholders(cls) - DERIVED}
    if placeholders(cls) & DERIVED:
        params["entity"] = "meetup"
    return params


def neutral(names: set[str]) -> set[str]:
    return {re.sub(r"_(ko|en)$", "", name) for name in names}


def is_ascii_printable(text: str) -> bool:
    return all(" " <= ch <= "~" or ch == "\n" for ch in text)


# --------------------------------------------------------------------------- call sites


@attrs.frozen
class CallSite:
    where: str
    cls: type[ProforumError]
    positional: int
    kwargs: dict[str, Any] | None  # None when ``**params`` hides the names

    def __str__(self) -> str:
        return f"{self.cls.__name__} at {self.where}"


def _literal(node: ast.expr) -> Any:
    """The value of a literal, an f-string with ``x`` for its holes, else a stand-in."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(part.value) if isinstance(part, ast.Constant) else "x" for part in node.values
        )
    return "x"


def _call_sites() -> Iterator[CallSite]:
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "errors.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            if name not in ERRORS:
                continue
            kwargs: dict[str, Any] | None = {}
            for keyword in node.keywords:
                if keyword.arg is None:
                    kwargs = None
                    break
                kwargs[keyword.arg] = _literal(keyword.value)
            yield CallSite(
                where=f"{path.relative_to(SRC.parent)}:{node.lineno}",
                cls=ERRORS[name],
                positional=len(node.args),
                kwargs=kwargs,
            )


CALL_SITES = list(_call_sites())


def test_the_scan_finds_the_call_sites() -> None:
    raised = {site.cls for site in CALL_SITES}
    # A sanity check on the scanner itself: these are raised in many places.
    assert {errors.NotFound, errors.IllegalTransition, errors.InvalidText} <= raised
    assert len(CALL_SITES) > 60


@pytest.mark.parametrize("site", CALL_SITES, ids=str)
def test_every_call_site_formats_both_messages(site: CallSite) -> None:
    assert site.positional <= 1, "errors take the offending value as their only positional"
    assert site.kwargs is not None, "pass message parameters by name"
    missing = (
        placeholders(site.cls) - set(site.kwargs) - (DERIVED if "entity" in site.kwargs else set())
    )
    assert not missing, f"{site} does not pass {sorted(missing)}"
    exc = site.cls(SENTINEL, **site.kwargs)
    ko, en = exc.message_ko, exc.message_en  # no KeyError, no IndexError
    assert HANGUL.search(ko), ko
    assert is_ascii_printable(en), en
    assert ko != en
    assert SENTINEL not in str(exc)


def test_every_entity_named_in_the_code_base_has_a_translation() -> None:
    named = {
        site.kwargs["entity"]
        for site in CALL_SITES
        if site.kwargs
        and isinstance(site.kwargs.get("entity"), str)
        and site.kwargs["entity"] != "x"
    }
    from proforum.adapters.memory import _Tables

    tables = {t.entity for t in vars(_Tables()).values() if isinstance(t, Table)}
    assert named
    assert tables
    assert (named | tables) - set(ENTITY_NAMES) == set()


@pytest.mark.parametrize("entity", sorted(ENTITY_NAMES))
def test_entity_names_read_well_in_both_languages(entity: str) -> None:
    ko, en = ENTITY_NAMES[entity]
    assert HANGUL.search(ko)
    assert is_ascii_printable(en)
    exc = errors.NotFound("x", entity=entity)
    assert ko in exc.message_ko
    assert en in exc.message_en


# --------------------------------------------------------------------------- classes


def test_codes_are_unique() -> None:
    by_code: dict[str, list[str]] = {}
    for cls in CLASSES:
        by_code.setdefault(cls.code, []).append(cls.__name__)
    assert {code: names for code, names in by_code.items() if len(names) > 1} == {}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_each_class_declares_its_own_code(cls: type[ProforumError]) -> None:
    assert "code" in vars(cls)
    assert CODE_SHAPE.match(cls.code), cls.code
    assert cls.__name__ in errors.__all__
    assert cls.__doc__


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_messages_are_korean_and_english(cls: type[ProforumError]) -> None:
    # Both languages say the same thing: ``rule_ko`` in one is ``rule_en`` in the other.
    assert neutral(fields(cls.template_ko)) == neutral(fields(cls.template_en))
    assert "_en}" not in cls.template_ko
    assert "_ko}" not in cls.template_en
    exc = cls(SENTINEL, **sample_params(cls))
    assert HANGUL.search(exc.message_ko), exc.message_ko
    assert is_ascii_printable(exc.message_en), exc.message_en
    assert exc.message_ko.strip()
    assert exc.message_en.strip()
    assert exc.message_ko != exc.message_en
    assert exc.message("ko") == exc.message_ko
    assert exc.message("en") == exc.message_en


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("value", [SENTINEL, LINK, "마케터1", 81234567890])
def test_the_value_is_kept_but_never_shown(cls: type[ProforumError], value: object) -> None:
    exc = cls(value, **sample_params(cls))
    assert exc.value == value
    shown = [
        str(exc),
        repr(exc),
        exc.message_ko,
        exc.message_en,
        "".join(traceback.format_exception_only(exc)),
        repr(exc.args),
    ]
    for text in shown:
        assert str(value) not in text
    assert str(exc).startswith(f"[{exc.code}]")
    assert repr(exc) == f"{cls.__name__}(code={cls.code!r})"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_errors_pickle_round_trip(cls: type[ProforumError]) -> None:
    original = cls(SENTINEL, **sample_params(cls))
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is cls
    assert copy.code == original.code
    assert copy.value == SENTINEL
    assert dict(copy.params) == dict(original.params)
    assert copy.message_ko == original.message_ko
    assert copy.message_en == original.message_en
    assert str(copy) == str(original)


def test_a_link_in_a_value_survives_pickling_without_being_shown() -> None:
    copy = pickle.loads(pickle.dumps(errors.LinkNotGranted(LINK)))
    assert copy.value == LINK
    assert LINK not in str(copy)
    assert LINK not in repr(copy)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_is_a_proforum_error_and_an_exception(cls: type[ProforumError]) -> None:
    assert issubclass(cls, Exception)
    with pytest.raises(ProforumError) as info:
        raise cls(None, **sample_params(cls))
    assert info.value.code == cls.code
