"""Griffe extension: show the Sphinx markup in proforum's docstrings as Markdown.

proforum's docstrings are written for Sphinx: field lists (``:param x:``,
``:raises E:``, ``:return:``), which mkdocstrings parses itself with
``docstring_style: sphinx``, and also inline roles (``:class:`Forum```),
literal-block markers (``::``) and ``.. versionadded::`` lines, which Markdown
would print as they are.  Before the docstrings are rendered this extension
rewrites the latter three:

- a role becomes an *optional* cross-reference: a link when its target is
  documented somewhere on the site, plain code otherwise, never a warning;
- ``text::`` before an indented block becomes ``text:``;
- ``.. versionadded:: 0.1`` becomes "*Added in version 0.1.*" (and likewise
  ``versionchanged`` and ``deprecated``).

It also gives each attrs class (``@attrs.frozen``, ``@attrs.define``) the
``__init__`` signature attrs generates at run time, built from the annotated
fields: the reference then shows how to construct the class, and the
``:param:`` fields of its docstring match a signature.

Targets are resolved the way Python would see the name from where the
docstring is written (its module's imports included), then turned into their
canonical path, which is what mkdocstrings registers for rendered objects.

Loaded from ``mkdocs.yml`` (``plugins.mkdocstrings.handlers.python.options.extensions``);
it changes nothing in the package itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from typing import Any

import griffe

ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|attr|mod|data|exc|obj|const):"
    r"`(?P<tilde>~?)(?P<target>[A-Za-z_][\w.]*)`"
)
VERSION_NOTE = re.compile(
    r"^(?P<indent>[ \t]*)\.\. (?P<kind>versionadded|versionchanged|deprecated)::"
    r"[ \t]*(?P<version>\S+)[ \t]*(?P<rest>.*)$",
    re.MULTILINE,
)
VERSION_WORDS = {
    "versionadded": "Added in version",
    "versionchanged": "Changed in version",
    "deprecated": "Deprecated since version",
}
LITERAL_MARKER = re.compile(r"(?P<before>\S?)(?P<space>[ \t]*)::[ \t]*$", re.M)


class SphinxMarkup(griffe.Extension):
    """Rewrite Sphinx roles and directives once the whole package is loaded."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        """Rewrite the docstring of every object defined in ``pkg``."""
        for obj in _defined_in(pkg):
            if obj.is_class:
                _add_attrs_init(obj)  # type: ignore[arg-type]
            if obj.docstring is not None:
                obj.docstring.value = rewrite(obj.docstring.value, obj, loader.modules_collection)


def _defined_in(obj: griffe.Object) -> Iterator[griffe.Object]:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _defined_in(member)  # type: ignore[arg-type]


ATTRS_DECORATORS = re.compile(r"^attrs?\.(frozen|define|mutable|s|attrs)\b")
FIELD_CALLS = {"attrs.field", "attr.ib", "attr.attrib"}


def _add_attrs_init(cls: griffe.Class) -> None:
    """Give an attrs class the ``__init__`` attrs writes for it, if it has none."""
    decorated = any(ATTRS_DECORATORS.match(str(d.value)) for d in cls.decorators)
    if not decorated or "__init__" in cls.members:
        return
    parameters = [griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)]
    for name, member in cls.members.items():
        if member.is_alias or not isinstance(member, griffe.Attribute):
            continue
        annotation = member.annotation
        if annotation is None or "property" in member.labels:
            continue
        if isinstance(annotation, griffe.Expr) and str(annotation).startswith(
            ("ClassVar", "typing.ClassVar")
        ):
            continue
        init_name, default, in_init = name.lstrip("_"), member.value, True
        if isinstance(default, griffe.ExprCall) and str(default.function) in FIELD_CALLS:
            options = {
                arg.name: arg.value
                for arg in default.arguments
                if isinstance(arg, griffe.ExprKeyword)
            }
            in_init = str(options.get("init", "True")) != "False"
            init_name = str(options["alias"]).strip("\"'") if "alias" in options else init_name
            if "default" in options:
                default = options["default"]
            elif "factory" in options:
                default = f"{options['factory']}()"
            else:
                default = None
            # Show the field as the reader uses it: ``company: str | None = None``
            # rather than the ``attrs.field(...)`` call that declares it.
            member.value = default
        member.labels.discard("class-attribute")
        if in_init:
            parameters.append(
                griffe.Parameter(
                    init_name,
                    annotation=annotation,
                    kind=griffe.ParameterKind.positional_or_keyword,
                    default=default,
                )
            )
    init = griffe.Function(
        "__init__", parameters=griffe.Parameters(*parameters), returns="None", parent=cls
    )
    cls.set_member("__init__", init)


def rewrite(text: str, scope: griffe.Object, collection: Any) -> str:
    """Return ``text`` with Sphinx roles, ``::`` markers and version notes as Markdown."""
    text = VERSION_NOTE.sub(_version_note, text)
    text = LITERAL_MARKER.sub(_literal_marker, text)
    return ROLE.sub(lambda match: _reference(match, scope, collection), text)


def _version_note(match: re.Match[str]) -> str:
    note = f"*{VERSION_WORDS[match['kind']]} {match['version']}.*"
    rest = match["rest"].strip()
    return f"{match['indent']}{note} {rest}" if rest else f"{match['indent']}{note}"


def _literal_marker(match: re.Match[str]) -> str:
    # Sphinx: "text::" reads "text:", "text ::" reads "text", a lone "::" vanishes.
    before = match["before"]
    if not before:
        return ""
    return before if match["space"] else before + ":"


def _reference(match: re.Match[str], scope: griffe.Object, collection: Any) -> str:
    target = match["target"]
    shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
    code = f"<code>{escape(shown)}</code>"
    identifier = _resolve(target, scope, collection)
    if identifier is None:
        return code
    return f'<autoref identifier="{escape(identifier)}" optional>{code}</autoref>'


def _resolve(target: str, scope: griffe.Object, collection: Any) -> str | None:
    first, _, rest = target.partition(".")
    try:
        base = scope.resolve(first)
    except (griffe.NameResolutionError, griffe.AliasResolutionError):
        base = first
    path = f"{base}.{rest}" if rest else base
    try:
        found = collection[path]
        return str(found.canonical_path)
    except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        # Not part of the loaded packages (``random``, a third-party class):
        # keep the path; the reference is optional, so it never warns.
        return path if "." in path else None
