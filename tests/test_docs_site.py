"""The documentation site stays whole, and the code on its pages keeps running.

- mkdocs.yml's ``nav`` and the pages under docs/ match one to one: a page left
  out of the nav, or a nav entry without its page, fails here (``mkdocs build
  --strict`` would only warn about the first).
- The Python blocks of the pages in ``RUN_PAGES``, the getting-started pages
  first among them, run as they are, in order, in a fresh namespace.  A block
  fenced with more than the language (```` ```python title="app.py" ````) is a
  file shown for reading and is not run.  Every other page with Python blocks
  must say in ``NOT_RUN`` why its blocks are not run.
- The catalogues written by hand list what the code has: every error with its
  code, every hook, every ``Forum`` method, every state transition.

Building the site itself needs the ``docs`` dependencies: ``make docs``.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

import proforum
from proforum import errors, hookspecs
from proforum.domain import meetup as meetup_domain

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MKDOCS_YML = ROOT / "mkdocs.yml"

#: Pages whose ```python blocks form one program that must run.
RUN_PAGES = (
    "getting-started.md",
    "ko/getting-started.md",
    "tutorial.md",
    "identity.md",
    "concepts/communities.md",
    "posts.md",
    "moderation.md",
    "lottery.md",
    "meetups.md",
    "surveys.md",
    "concepts/surveys.md",
    "notifications.md",
    "how-to/run-a-meetup-on-zoom.md",
    "how-to/add-to-a-web-app.md",
    "how-to/write-a-video-provider.md",
    "how-to/write-a-notifier.md",
    "how-to/write-a-storage-backend.md",
    "reference/api.md",
    "reference/errors.md",
)

#: Pages with ```python blocks that are not run, and why.
NOT_RUN = {
    "index.md": "a four-line glimpse of the story, with ids from nowhere",
    "plugins.md": "fragments; tests/test_docs.py runs its complete example",
    "storage.md": "fragments of a backend that does not exist",
    "architecture.md": "the shape of a use case, not a program",
}

FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def nav_pages() -> list[str]:
    """The pages mkdocs.yml's nav lists, in order (read without a YAML library)."""
    lines = MKDOCS_YML.read_text(encoding="utf-8").splitlines()
    start = lines.index("nav:") + 1
    pages = []
    for line in lines[start:]:
        if line and not line[0].isspace() and not line.startswith("#"):
            break  # the next top-level key
        found = re.search(r"(?:^\s*-\s+|:\s+)([\w./-]+\.md)\s*$", line)
        if found:
            pages.append(found.group(1))
    return pages


def doc_files() -> set[str]:
    return {path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md")}


def python_blocks(page: str) -> list[str]:
    """The ```python blocks of ``page`` that are meant to run, in order."""
    text = (DOCS / page).read_text(encoding="utf-8")
    return [m["body"] for m in FENCE.finditer(text) if m["info"].strip() == "python"]


def run_page(page: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"docs.{page}"}
    source = "\n".join(python_blocks(page))
    exec(compile(source, str(DOCS / page), "exec"), namespace)
    return namespace


# --------------------------------------------------------------------------- nav


def test_nav_is_found() -> None:
    # Guards the tests below against silently checking nothing.
    pages = nav_pages()
    assert "index.md" in pages
    assert "ko/getting-started.md" in pages
    assert len(pages) >= 20


def test_nav_lists_each_page_once() -> None:
    pages = nav_pages()
    assert len(pages) == len(set(pages)), "a page is listed twice in mkdocs.yml's nav"


@pytest.mark.parametrize("page", nav_pages())
def test_nav_page_exists(page: str) -> None:
    assert (DOCS / page).is_file(), f"mkdocs.yml's nav lists {page}, which is not in docs/"


def test_every_page_is_in_the_nav() -> None:
    missing = sorted(doc_files() - set(nav_pages()))
    assert not missing, f"pages under docs/ missing from mkdocs.yml's nav: {missing}"


# --------------------------------------------------------------------------- code that runs


def test_every_page_with_python_is_run_or_excused() -> None:
    with_code = {page for page in nav_pages() if python_blocks(page)}
    assert with_code - set(RUN_PAGES) - set(NOT_RUN) == set()
    assert set(RUN_PAGES) <= with_code, "a page in RUN_PAGES has no Python block left"


@pytest.mark.parametrize("page", ["getting-started.md", "ko/getting-started.md"])
def test_getting_started_draws_a_meetup(page: str, capsys: pytest.CaptureFixture[str]) -> None:
    namespace = run_page(page)
    draw, record = namespace["draw"], namespace["record"]
    assert (len(draw.selected), len(draw.waitlist)) == (20, 5)
    assert proforum.verify_draw(record).valid
    out = capsys.readouterr().out
    assert "20 selected, 5 waitlisted" in out or "20명 당첨, 5명 대기" in out
    assert "conflict.already_applied" in out


def test_tutorial_runs_the_whole_story(capsys: pytest.CaptureFixture[str]) -> None:
    namespace = run_page("tutorial.md")
    assert namespace["sent"] == 20
    assert (len(namespace["report"].attended), len(namespace["report"].no_shows)) == (18, 2)
    assert namespace["result"].mean == 4.06
    assert "permission.link_not_granted" in capsys.readouterr().out


CHECKED_ABOVE = {"getting-started.md", "ko/getting-started.md", "tutorial.md"}


@pytest.mark.parametrize("page", [p for p in RUN_PAGES if p not in CHECKED_ABOVE])
def test_page_code_runs(page: str) -> None:
    run_page(page)


# --------------------------------------------------------------------------- catalogues


def _error_classes() -> dict[str, type[errors.ProforumError]]:
    found = {}
    for name in errors.__all__:
        value = getattr(errors, name)
        if isinstance(value, type) and issubclass(value, errors.ProforumError):
            found[name] = value
    return found


@pytest.mark.parametrize("name", sorted(_error_classes()))
def test_error_catalogue_lists_the_error_with_its_code(name: str) -> None:
    text = (DOCS / "reference" / "errors.md").read_text(encoding="utf-8")
    code = _error_classes()[name].code
    assert f"| `{name}` | `{code}` |" in text, (
        f"docs/reference/errors.md has no row for {name} (code {code})"
    )


def _hook_names() -> list[str]:
    marker = f"{hookspecs.PROJECT}_spec"
    return [
        name
        for name, fn in vars(hookspecs).items()
        if callable(fn) and name.startswith("proforum_") and hasattr(fn, marker)
    ]


def test_hooks_page_lists_every_hook() -> None:
    text = (DOCS / "reference" / "hooks.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| \[`(proforum_\w+)\(", text, flags=re.MULTILINE)
    assert listed == _hook_names()


def test_api_page_groups_every_forum_method() -> None:
    text = (DOCS / "reference" / "api.md").read_text(encoding="utf-8")
    public = {name for name, _ in inspect.getmembers(proforum.Forum) if not name.startswith("_")}
    grouped = set(re.findall(r"\(#proforum\.Forum\.(\w+)\)", text))
    assert public - grouped == set(), "add the new Forum methods to the table in api.md"
    assert grouped - public == set(), "api.md lists Forum methods that no longer exist"


def _diagram_edges(index: int) -> set[tuple[str, str]]:
    text = (DOCS / "meetups.md").read_text(encoding="utf-8")
    diagrams = [m["body"] for m in FENCE.finditer(text) if m["info"].strip() == "mermaid"]
    return set(re.findall(r"^\s*(\w+) --> (\w+)", diagrams[index], flags=re.MULTILINE))


def _transitions(table: dict[Any, frozenset[Any]]) -> set[tuple[str, str]]:
    return {(source.value, target.value) for source, targets in table.items() for target in targets}


def test_meetup_diagram_matches_the_state_machine() -> None:
    assert _diagram_edges(0) == _transitions(meetup_domain._MEETUP_TRANSITIONS)


def test_application_diagram_matches_the_state_machine() -> None:
    assert _diagram_edges(1) == _transitions(meetup_domain._APPLICATION_TRANSITIONS)
