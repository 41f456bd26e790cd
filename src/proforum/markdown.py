"""Markdown bodies of posts and comments, turned into HTML that is safe to show.

:func:`render_markdown` reads CommonMark with tables and strikethrough and
never lets raw HTML through: ``<script>`` typed in a post comes out as the text
``&lt;script&gt;``.  Its output then goes through :func:`sanitize_html`, an
allow-list sanitizer, so that a mistake in the Markdown step still cannot put
a script, a style, an event handler or a ``javascript:`` link on the page.

Images are not shown inline: ``![diagram](https://example.com/d.png)`` becomes
a link to the picture with its description as the link text.  A picture that
loads by itself tells whoever controls its address the IP address, browser and
reading time of everybody who opens the post, which in a real-name community
is personal data handed to a third party.

Both functions return a fragment to put inside a page's own markup; links carry
``rel="nofollow noopener ugc"`` because members, not the site, wrote them.
"""

from __future__ import annotations

import html as _html
import re
import string
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from proforum.domain.content import BODY_MAX
from proforum.errors import InvalidText

#: Longest HTML, in characters, :func:`sanitize_html` accepts: room for the
#: markup around a body of :data:`~proforum.domain.content.BODY_MAX`
#: characters.  The HTML parser inside nh3 slows down with the square of how
#: deeply elements nest: hostile HTML of this length (``<li><ul>`` over and
#: over) already takes a few seconds, and each doubling of the limit would
#: make that four times longer.
HTML_MAX = 2 * BODY_MAX

#: Elements kept by :func:`sanitize_html`; any other element is removed and its
#: text kept, except for :data:`DROPPED_WITH_CONTENT`.
ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        *("p", "br", "hr", "blockquote"),
        *("h1", "h2", "h3", "h4", "h5", "h6"),
        *("strong", "em", "del", "s", "code", "pre"),
        *("ul", "ol", "li"),
        "a",
        *("table", "thead", "tbody", "tr", "th", "td"),
    }
)

#: Attributes kept on each element, whatever their value (URLs are still checked).
ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = MappingProxyType(
    {"a": frozenset({"href", "title"}), "ol": frozenset({"start"})}
)

#: Attributes kept only with one of the listed values: table cell alignment.
ALLOWED_ATTRIBUTE_VALUES: Mapping[str, Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        cell: MappingProxyType({"align": frozenset({"left", "center", "right"})})
        for cell in ("th", "td")
    }
)

#: The only URL schemes a link may use; relative links (``/posts/1``) are kept.
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})

#: Elements removed together with everything inside them: their content is code,
#: an embedded document or a form control, never prose worth keeping as text.
DROPPED_WITH_CONTENT: frozenset[str] = frozenset(
    {
        *("script", "style", "template", "title", "textarea"),
        *("iframe", "object", "noscript", "noembed", "noframes", "xmp"),
        *("svg", "math"),
    }
)

#: The ``rel`` every link gets: search engines should not credit member-written
#: links to the site (``nofollow``, ``ugc``), and no linked page may script ours.
LINK_REL = "nofollow noopener ugc"

# A URL that still decodes to something new after this many rounds of entity
# and percent decoding is refused: nobody writes such a link by accident, and
# decoding without a bound would make a long ``%2525…`` chain cost quadratic time.
_URL_DECODE_ROUNDS = 4
_SCHEME_FIRST = frozenset(string.ascii_lowercase)
_SCHEME_REST = _SCHEME_FIRST | frozenset(string.digits + "+-.")
_OL_START = re.compile(r"[0-9]{1,9}")


def _url_scheme(url: str) -> str | None:
    # Browsers drop ASCII tabs and newlines anywhere in a URL and trim spaces
    # and controls around it, so ``java\tscript:`` runs as ``javascript:``.
    # Here every whitespace, control and format character is skipped, which is
    # stricter.  The scan stops at the first character that cannot be part of a
    # scheme, so checking a long link costs little.
    scheme: list[str] = []
    for ch in url:
        if ch == ":":
            return "".join(scheme) or None
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        for low in ch.lower():
            if low not in (_SCHEME_REST if scheme else _SCHEME_FIRST):
                return None
            scheme.append(low)
    return None


def _is_safe_url(value: str) -> bool:
    # nh3 already refuses other schemes as a browser would parse them.  This
    # second look also refuses a scheme hidden behind percent- or
    # entity-encoding, in case a template or a redirect decodes the link again.
    current = value
    for _ in range(_URL_DECODE_ROUNDS):
        scheme = _url_scheme(current)
        if scheme is not None and scheme not in ALLOWED_URL_SCHEMES:
            return False
        decoded = _html.unescape(unquote(current))
        if decoded == current:
            return True
        current = decoded
    return False


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    # Called by nh3 for every attribute the allow-list lets through; returning
    # ``None`` removes it.  It must not raise: nh3 reports exceptions from here
    # through ``sys.unraisablehook`` instead of to the caller.
    if attribute in ("href", "src"):
        return value if _is_safe_url(value) else None
    if element == "ol" and attribute == "start":
        return value if _OL_START.fullmatch(value) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={element: set(names) for element, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_filter_attribute,
    strip_comments=True,
    link_rel=LINK_REL,
    tag_attribute_values={
        element: {name: set(values) for name, values in rules.items()}
        for element, rules in ALLOWED_ATTRIBUTE_VALUES.items()
    },
    url_schemes=set(ALLOWED_URL_SCHEMES),
)

# Keeps only the text; used when the full sanitizer does not settle (see
# ``_MAX_PASSES``).  Escaped text with no markup reads back as the same text,
# so its output is a fixed point of the full sanitizer too.
_TEXT_ONLY = nh3.Cleaner(
    tags=set(),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={},
    link_rel=None,
)

# How many extra sanitizer passes may be spent reaching a fixed point.  Every
# input found so far settles after at most three passes in all; see
# ``sanitize_html`` for why more than one can be needed.
_MAX_PASSES = 8

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# A start tag, skipping over its quoted attribute values (older nh3 releases
# leave a ``<`` in them unescaped), or ``<pre>`` followed by a newline.  In
# nh3's output a ``<`` in text is always written ``&lt;``, so scanning tag by
# tag never mistakes text, or an attribute value, for a ``<pre>``.
_PRE_NEWLINE_OR_TAG = re.compile(r'<pre>\n|<[^>"]*(?:"[^"]*"[^>"]*)*>')


def _restore_pre_newline(match: re.Match[str]) -> str:
    tag = match.group()
    # The HTML parser drops a newline right after ``<pre>``, but the serializer
    # nh3 uses does not write the extra newline that would protect one that
    # belongs to the content, so each pass would eat one more.
    return "<pre>\n\n" if tag == "<pre>\n" else tag


def _clean_once(html: str) -> str:
    cleaned = _CLEANER.clean(html)
    if "<pre>\n" not in cleaned:
        return cleaned
    return _PRE_NEWLINE_OR_TAG.sub(_restore_pre_newline, cleaned)


def _sanitize(html: str) -> str:
    # A lone surrogate cannot be encoded, so nh3 would raise on it; U+FFFD is
    # what a browser shows for the same broken text arriving as bytes.
    current = _clean_once(_LONE_SURROGATE.sub("\ufffd", html))
    for _ in range(_MAX_PASSES):
        again = _clean_once(current)
        if again == current:
            return current
        current = again
    return _TEXT_ONLY.clean(current)


def sanitize_html(html: str) -> str:
    """Return ``html`` with everything outside the allow-list removed.

    Kept are the elements of :data:`ALLOWED_TAGS`, the attributes of
    :data:`ALLOWED_ATTRIBUTES` and :data:`ALLOWED_ATTRIBUTE_VALUES`, and links
    whose scheme is in :data:`ALLOWED_URL_SCHEMES` or that are relative; every
    link gets ``rel`` :data:`LINK_REL`.  Other elements are removed but their
    text stays, except for :data:`DROPPED_WITH_CONTENT`; comments go too.

    The result is a fixed point: ``sanitize_html(sanitize_html(x)) ==
    sanitize_html(x)``, so sanitizing stored HTML again on the way out never
    changes it.  One pass of nh3 alone does not promise that, because removing
    an element can leave markup that the HTML parser reads differently the
    next time (``<h1><span><h2>`` loses its ``<span>`` and becomes
    ``<h1><h2>``, which the parser then splits into two headings).  So the
    sanitizer runs again until its output stops changing; if that has not
    happened after a few passes the text alone is kept, without any markup.

    :raises InvalidText: when ``html`` is not a string or is longer than
        :data:`HTML_MAX` characters.
    """
    if not isinstance(html, str) or len(html) > HTML_MAX:
        raise InvalidText(html, field="html", max=HTML_MAX)
    return _sanitize(html)


# Characters of link addresses and titles one rendering may produce.  A
# reference link is written once and used any number of times, so without a
# cap 20,000 characters of Markdown can render to 25 MB of HTML that then takes
# seconds to sanitize.  Links typed inline count against the body's own length
# (at most nine times over, when percent-encoding Hangul), so only reuse of
# long reference links ever reaches this; links past it are shown as text.
_LINK_CHARS = 10 * BODY_MAX


class _LinkBudget:
    def __init__(self, chars: int) -> None:
        self.remaining = chars

    def spend(self, *values: str | int | float | None) -> bool:
        cost = sum(len(str(value)) for value in values if value is not None)
        if cost > self.remaining:
            return False
        self.remaining -= cost
        return True


def _unnest_links(tokens: list[Token], budget: _LinkBudget, depth: int = 0) -> list[Token]:
    # ``depth`` counts the links around the current token.  An image inside a
    # link (a badge, say) keeps only its description, and a link inside an
    # image's description keeps only its text, because HTML links cannot nest.
    # A link the budget cannot pay for keeps only its text as well.
    out: list[Token] = []
    keep_outer = False
    for token in tokens:
        if token.type == "link_open":
            if depth == 0:
                keep_outer = budget.spend(token.attrs.get("href"), token.attrs.get("title"))
                if keep_outer:
                    out.append(token)
            depth += 1
        elif token.type == "link_close":
            depth -= 1
            if depth == 0 and keep_outer:
                out.append(token)
        elif token.type == "image":
            description = _unnest_links(token.children or [], budget, depth + 1)
            src, title = token.attrs.get("src"), token.attrs.get("title")
            if depth or not budget.spend(src, title):
                out.extend(description)
                continue
            attrs: dict[str, str | int | float] = {"href": src or ""}
            if title is not None:
                attrs["title"] = title
            out.append(Token("link_open", "a", 1, attrs=attrs, markup="image"))
            out.extend(description)
            out.append(Token("link_close", "a", -1, markup="image"))
        else:
            out.append(token)
    return out


def _adjust_tokens(state: StateCore) -> None:
    budget = _LinkBudget(_LINK_CHARS)
    for token in state.tokens:
        if token.type == "inline" and token.children:
            token.children = _unnest_links(token.children, budget)
        elif token.type in ("th_open", "td_open"):
            # markdown-it aligns cells with ``style``, which the sanitizer
            # removes everywhere; the ``align`` attribute says the same thing.
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrs["align"] = style.removeprefix("text-align:")


def _build_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.core.ruler.push("proforum_adjust_tokens", _adjust_tokens)
    return parser


_PARSER = _build_parser()


def render_markdown(text: str) -> str:
    """Return the safe HTML for ``text``, the Markdown body of a post or comment.

    The dialect is CommonMark with GitHub-style tables and ``~~strikethrough~~``.
    HTML typed into the text is shown as text, never interpreted; images become
    links to the picture (see the module documentation); and the result is
    passed through :func:`sanitize_html`'s rules, so it is already a fixed
    point of them and needs no second pass.  It is not held to
    :data:`HTML_MAX`, which only limits HTML from elsewhere.

    One text's links may together spend ten times ``BODY_MAX`` characters on
    addresses and titles; a reference link reused past that is shown as plain
    text, so ``[a]: <a long URL>`` followed by thousands of ``[a]`` cannot turn
    a 20,000-character body into megabytes of HTML.

    :raises InvalidText: when ``text`` is not a string or is longer than
        :data:`~proforum.domain.content.BODY_MAX` characters, the limit of a
        post's body.
    """
    if not isinstance(text, str) or len(text) > BODY_MAX:
        raise InvalidText(text, field="body", max=BODY_MAX)
    # No HTML_MAX check on the rendered HTML: markdown-it nests elements at most
    # 20 deep, which keeps nh3 out of its slow case, and with the link budget
    # the HTML stays within a few hundred kilobytes.
    return _sanitize(_PARSER.render(text))


__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_ATTRIBUTE_VALUES",
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "DROPPED_WITH_CONTENT",
    "HTML_MAX",
    "LINK_REL",
    "render_markdown",
    "sanitize_html",
]
