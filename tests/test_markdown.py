"""Markdown bodies become HTML that cannot run script or leak readers to third parties.

Safety is checked on the parsed HTML, not on substrings: the stdlib
``HTMLParser`` reads every start tag of the output, and :func:`dangers` lists
anything outside the allow-list, any event handler, and any ``href``/``src``
whose scheme, once entities and percent-escapes are decoded and whitespace and
control characters removed, is not http, https or mailto.
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from proforum import markdown
from proforum.domain.content import BODY_MAX
from proforum.errors import InvalidText
from proforum.markdown import HTML_MAX, render_markdown, sanitize_html

# Written out here rather than imported so that widening the allow-list in the
# module takes a deliberate change to this file too.
EXPECTED_TAGS = {
    *("p", "br", "hr", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"),
    *("strong", "em", "del", "s", "code", "pre", "ul", "ol", "li", "a"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}
EXPECTED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "img", "svg", "math"}
SAFE_SCHEMES = {"http", "https", "mailto"}
SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
REL = "nofollow noopener ugc"


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def start_tags(fragment: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _StartTags()
    parser.feed(fragment)
    parser.close()
    assert parser.comments == []
    return parser.tags


def _visible(value: str) -> str:
    return "".join(
        ch for ch in value if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf")
    ).lower()


def url_schemes(value: str) -> set[str]:
    """Every scheme ``value`` shows under repeated entity and percent decoding."""
    schemes: set[str] = set()
    for _ in range(8):
        match = SCHEME.match(_visible(value))
        if match:
            schemes.add(match.group(1))
        decoded = html.unescape(unquote(value))
        if decoded == value:
            break
        value = decoded
    return schemes


def dangers(fragment: str) -> list[str]:
    """What in ``fragment`` could run script, style the page or reach a bad URL."""
    found = []
    for tag, attrs in start_tags(fragment):
        if tag in FORBIDDEN_TAGS or tag not in EXPECTED_TAGS:
            found.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "class"):
                found.append(f"attribute {name} on {tag}")
            elif name not in EXPECTED_ATTRIBUTES.get(tag, set()):
                found.append(f"unexpected attribute {name} on {tag}")
            if name in ("href", "src") and url_schemes(value or "") - SAFE_SCHEMES:
                found.append(f"{name}={value!r}")
    return found


def hrefs(fragment: str) -> list[str | None]:
    return [dict(attrs).get("href") for tag, attrs in start_tags(fragment) if tag == "a"]


# --------------------------------------------------------------------------- ordinary Markdown


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("# 제목", "<h1>제목</h1>\n", id="h1"),
        pytest.param("### 소제목", "<h3>소제목</h3>\n", id="h3"),
        pytest.param(
            "*강조*와 **굵게**, ~~취소~~",
            "<p><em>강조</em>와 <strong>굵게</strong>, <s>취소</s></p>\n",
            id="emphasis",
        ),
        pytest.param("- 하나\n- 둘", "<ul>\n<li>하나</li>\n<li>둘</li>\n</ul>\n", id="bullets"),
        pytest.param(
            "3. 셋\n4. 넷", '<ol start="3">\n<li>셋</li>\n<li>넷</li>\n</ol>\n', id="ordered"
        ),
        pytest.param(
            "```python\nprint('안녕')\n```",
            "<pre><code>print('안녕')\n</code></pre>\n",
            id="fenced-code",
        ),
        pytest.param("`a < b`", "<p><code>a &lt; b</code></p>\n", id="inline-code"),
        pytest.param("> 인용문", "<blockquote>\n<p>인용문</p>\n</blockquote>\n", id="quote"),
        pytest.param("위\n\n---\n\n아래", "<p>위</p>\n<hr>\n<p>아래</p>\n", id="rule"),
        pytest.param("줄  \n바꿈", "<p>줄<br>\n바꿈</p>\n", id="hard-break"),
    ],
)
def test_ordinary_markdown_renders(source: str, expected: str) -> None:
    assert render_markdown(source) == expected


def test_table_keeps_alignment_without_style() -> None:
    out = render_markdown("| 직무 | 인원 |\n|:--|--:|\n| 마케팅 | 12 |")
    assert out == (
        "<table>\n<thead>\n<tr>\n"
        '<th align="left">직무</th>\n<th align="right">인원</th>\n'
        "</tr>\n</thead>\n<tbody>\n<tr>\n"
        '<td align="left">마케팅</td>\n<td align="right">12</td>\n'
        "</tr>\n</tbody>\n</table>\n"
    )


def test_links_carry_rel_and_keep_title() -> None:
    out = render_markdown('[모임 안내](https://example.com/m?a=1&b=2 "안내") <me@example.com>')
    assert out == (
        '<p><a href="https://example.com/m?a=1&amp;b=2" title="안내" rel="nofollow noopener ugc">'
        "모임 안내</a> "
        '<a href="mailto:me@example.com" rel="nofollow noopener ugc">me@example.com</a></p>\n'
    )


def test_relative_links_are_kept() -> None:
    assert hrefs(render_markdown("[글](/posts/42)")) == ["/posts/42"]


@pytest.mark.parametrize(
    "text",
    [
        "마케팅/PR 커뮤니티에 오신 것을 환영합니다.",
        "한글 자모 ㄱㄴㄷ와 옛한글 ᄒᆞᆫ글, 그리고 English.",
        "따옴표 “인용” ‘작은’ — 줄표 … 말줄임",
    ],
)
def test_korean_text_is_unchanged(text: str) -> None:
    assert render_markdown(text) == f"<p>{text}</p>\n"


def test_images_become_links_to_the_picture() -> None:
    out = render_markdown('![구성도](https://example.com/d.png "설명")')
    assert out == (
        '<p><a href="https://example.com/d.png" title="설명" rel="nofollow noopener ugc">'
        "구성도</a></p>\n"
    )


def test_image_inside_a_link_keeps_the_outer_link_only() -> None:
    out = render_markdown("[![배지](https://example.com/b.svg)](https://example.com/ci)")
    assert hrefs(out) == ["https://example.com/ci"]
    assert ">배지</a>" in out


def test_links_inside_an_image_description_do_not_nest() -> None:
    out = render_markdown("![a [b](/c) ![d](/e)](/f)")
    assert hrefs(out) == ["/f"]
    assert ">a b d</a>" in out


def test_data_image_is_not_linked() -> None:
    out = render_markdown("![x](data:image/png;base64,iVBORw0KGgo=)")
    assert hrefs(out) == [None]
    assert dangers(out) == []


def test_every_inline_link_of_a_long_post_is_kept() -> None:
    source = " ".join(f"[{i}번](https://ko.wikipedia.org/wiki/한국어_{i})" for i in range(400))
    assert len(source) <= BODY_MAX
    links = hrefs(render_markdown(source))
    assert len(links) == 400
    assert all(href and href.startswith("https://ko.wikipedia.org/wiki/") for href in links)


def test_reused_reference_links_cannot_blow_up_the_html() -> None:
    url = "https://e.com/" + "x" * 9_000
    uses = (BODY_MAX - len(url) - 10) // 4
    out = render_markdown(f"[a]: {url}\n\n" + "[a] " * uses)
    # 20,000 characters would otherwise become 9,000 × 2,700 = 24 MB of links.
    assert len(out) < 12 * BODY_MAX
    assert hrefs(out) == [url] * (10 * BODY_MAX // len(url))
    assert out.count(" a") == uses - len(hrefs(out))


# --------------------------------------------------------------------------- raw HTML and bad links


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<style>body{display:none}</style>",
        "<iframe src=https://evil.example></iframe>",
        '<div onclick="alert(1)">x</div>',
        "<!-- 주석 --><b>x</b>",
        "문단 안의 <script>alert(1)</script> 태그",
        "<svg onload=alert(1)>",
    ],
)
def test_raw_html_is_escaped(source: str) -> None:
    out = render_markdown(source)
    assert dangers(out) == []
    # Shown as text: the reader sees what was typed.
    assert html.unescape(re.sub(r"<[^>]*>", "", out)).strip() == source


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](java%09script:alert(1))",
        "[x](%6Aavascript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x]( javascript:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "<JAVASCRIPT:alert(1)>",
        "[x]: javascript:alert(1)\n\n[x]",
        "![x](javascript:alert(1))",
        "[x](file:///etc/passwd)",
    ],
)
def test_dangerous_links_lose_their_href(source: str) -> None:
    out = render_markdown(source)
    assert dangers(out) == []
    assert all(href is None for href in hrefs(out))


def test_link_scheme_allow_list() -> None:
    out = render_markdown(
        "[a](http://example.com) [b](https://example.com) [c](mailto:a@example.com) "
        "[d](ftp://example.com) [e](tel:0101234) [f](//example.com/p)"
    )
    assert hrefs(out) == [
        "http://example.com",
        "https://example.com",
        "mailto:a@example.com",
        None,
        None,
        "//example.com/p",
    ]


# --------------------------------------------------------------------------- sanitize_html


LINK_ATTRS = 'rel="nofollow noopener ugc"'


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        pytest.param("<p>안녕<script>alert(1)</script></p>", "<p>안녕</p>", id="script"),
        pytest.param('<p style="color:red" class="x">a</p>', "<p>a</p>", id="style-class"),
        pytest.param(
            '<a href="https://e.com" onclick="x()">a</a>',
            f'<a href="https://e.com" {LINK_ATTRS}>a</a>',
            id="onclick",
        ),
        pytest.param(
            '<a href="mailto:a@e.com" title="메일">a</a>',
            f'<a href="mailto:a@e.com" title="메일" {LINK_ATTRS}>a</a>',
            id="mailto-title",
        ),
        pytest.param(
            '<a href=" JaVa&#x0A;ScRiPt:alert(1)">a</a>', f"<a {LINK_ATTRS}>a</a>", id="js"
        ),
        pytest.param('<a href="&#x6A;avascript:x">a</a>', f"<a {LINK_ATTRS}>a</a>", id="js-entity"),
        pytest.param('<a href="%6Aavascript:x">a</a>', f"<a {LINK_ATTRS}>a</a>", id="js-percent"),
        pytest.param('<a href="data:text/html,x">a</a>', f"<a {LINK_ATTRS}>a</a>", id="data"),
        pytest.param(
            '<a href="https://e.com/%6Aavascript:x">a</a>',
            f'<a href="https://e.com/%6Aavascript:x" {LINK_ATTRS}>a</a>',
            id="https-with-odd-path",
        ),
        pytest.param('<img src="https://e.com/a.png" alt="a">', "", id="img"),
        pytest.param("<iframe>숨김</iframe><noscript>숨김</noscript>", "", id="embeds"),
        pytest.param("<svg><script>alert(1)</script></svg>", "", id="svg"),
        pytest.param('<ol start="7">', '<ol start="7"></ol>', id="ol-start"),
        pytest.param('<ol start="2; x">', "<ol></ol>", id="ol-start-not-number"),
        pytest.param(
            '<table><tr><th align="center">x',
            '<table><tbody><tr><th align="center">x</th></tr></tbody></table>',
            id="align",
        ),
        pytest.param(
            '<table><tr><td align="evil">x',
            "<table><tbody><tr><td>x</td></tr></tbody></table>",
            id="align-bad-value",
        ),
        pytest.param("<span>글</span><div>자</div>", "글자", id="unknown-tags-keep-text"),
    ],
)
def test_sanitize_html_removes_what_is_not_allowed(dirty: str, clean: str) -> None:
    out = sanitize_html(dirty)
    assert out == clean
    assert dangers(out) == []


def test_sanitize_html_sets_rel_on_every_link() -> None:
    out = sanitize_html('<a href="https://e.com/" rel="opener" target="_blank">a</a>')
    assert out == '<a href="https://e.com/" rel="nofollow noopener ugc">a</a>'


@pytest.mark.parametrize(
    ("dirty", "settled"),
    [
        # The parser eats the newline after <pre>, and the serializer does not
        # write the extra one that protects a newline belonging to the text.
        pytest.param("<pre>\n\n첫 줄</pre>", "<pre>\n\n첫 줄</pre>", id="pre-newline"),
        pytest.param("<pre>\n\n\n\nx</pre>", "<pre>\n\n\n\nx</pre>", id="pre-newlines"),
        # Removing <span> leaves <h1><h2>, which the parser reads as two headings.
        pytest.param("<h1><span><h2>x</h2></span></h1>", "<h1></h1><h2>x</h2>", id="headings"),
        # Removing <caption> leaves text directly in <table>, which the parser moves out.
        pytest.param(
            "<table><caption>표</caption><tr><td>x</td></tr></table>",
            "표<table><tbody><tr><td>x</td></tr></tbody></table>",
            id="caption",
        ),
    ],
)
def test_sanitize_html_settles_where_one_nh3_pass_does_not(dirty: str, settled: str) -> None:
    assert sanitize_html(dirty) == settled
    assert sanitize_html(settled) == settled


def test_pre_newline_repair_leaves_attribute_values_alone() -> None:
    out = sanitize_html('<a title="<pre>\n">x</a><pre>\ny</pre>')
    assert start_tags(out)[0] == ("a", [("title", "<pre>\n"), ("rel", REL)])
    assert out.endswith("<pre>y</pre>")
    assert sanitize_html(out) == out


def test_sanitize_html_falls_back_to_text_when_it_does_not_settle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(markdown, "_MAX_PASSES", 0)
    out = sanitize_html("<h1><span><h2>x &amp; <b>y</b></h2></span></h1>")
    assert out == "x &amp; y"
    assert sanitize_html(out) == out


def test_lone_surrogates_become_replacement_characters() -> None:
    assert render_markdown("깨진\ud800글자") == "<p>깨진\ufffd글자</p>\n"
    assert sanitize_html("<p>\udfff</p>") == "<p>\ufffd</p>"


# --------------------------------------------------------------------------- properties

#: Pieces that, glued together, tend to form HTML, Markdown links and URL tricks.
FRAGMENTS = st.sampled_from(
    [
        *("<", ">", "</", "/>", '"', "'", "=", " ", "\t", "\n", "\n\n", "\r", "\x00"),
        *("on", "onerror", "onload=", "script", "style", "img", "a", "href", "src", "svg"),
        *("javascript:", "JaVaScRiPt:", "java", "script:", "vbscript:", "data:", "mailto:"),
        *("http://", "https://e.com/", "//", "alert(1)", "text/html;base64,"),
        *("&#", "&#x", "09;", "0A;", "6A;", "106;", "&colon;", "&amp;", "&lt;", "%", "%09", "%6A"),
        *("[", "]", "](", ")", "![", "]: ", "<https:", "`", "```", "~~", "*", "_", "|", "-", "#"),
        *("> ", "- ", "1. ", "    ", "<pre>", "<h1>", "<h2>", "<span>", "<table>", "<caption>"),
        *("<tr>", "<td>", "<li>", "<p>", "<a ", "</a>", "<!--", "-->", "<noscript>", "<math>"),
        *("가", "한글", "ᄒᆞᆫ", "\u200b", "\u202e", "\xa0"),
    ]
)
HTMLISH = st.lists(st.one_of(FRAGMENTS, st.text(max_size=3)), max_size=40).map("".join)
ANY_TEXT = st.text(max_size=300)


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, HTMLISH))
@example("[x](java&#x09;script:alert(1))")
@example("<h1><span><h2>x")
@example("<pre>\n\n\nx")
def test_rendered_markdown_is_always_safe_and_settled(text: str) -> None:
    out = render_markdown(text)
    assert dangers(out) == []
    assert sanitize_html(out) == out


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, HTMLISH))
@example('<a href="&#x6A;avascript:x">a</a>')
@example("<table><caption><h1><span><h2>x")
@example('<a title="<pre>\n"><pre>\n\nx')
def test_sanitize_html_is_safe_and_idempotent(dirty: str) -> None:
    once = sanitize_html(dirty)
    assert dangers(once) == []
    assert sanitize_html(once) == once


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(FRAGMENTS, st.characters()), max_size=12).map("".join))
def test_link_destinations_never_yield_a_bad_scheme(destination: str) -> None:
    for source in (f"[x]({destination})", f"<{destination}>", f"[x]\n\n[x]: {destination}"):
        assert dangers(render_markdown(source)) == []


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("value", [None, 5, b"# bytes", ["# list"]])
def test_render_markdown_refuses_non_strings(value: object) -> None:
    with pytest.raises(InvalidText) as info:
        render_markdown(value)  # type: ignore[arg-type]
    assert info.value.params == {"field": "body", "max": BODY_MAX}
    assert info.value.value is value


def test_render_markdown_refuses_text_over_the_body_limit() -> None:
    with pytest.raises(InvalidText) as info:
        render_markdown("가" * (BODY_MAX + 1))
    exc = info.value
    assert exc.params == {"field": "body", "max": BODY_MAX}
    assert f"{BODY_MAX}자를 넘을 수 없습니다" in exc.message_ko
    assert f"may not exceed {BODY_MAX} characters" in exc.message_en
    assert "'body'" in str(exc)
    # The text itself stays out of the message: it ends up in logs.
    assert "가가" not in str(exc)
    assert "가가" not in repr(exc)


def test_render_markdown_accepts_the_limit_and_empty_text() -> None:
    assert render_markdown("가" * BODY_MAX) == f"<p>{'가' * BODY_MAX}</p>\n"
    assert render_markdown("") == ""


@pytest.mark.parametrize("value", [None, 1.5, b"<p>x</p>"])
def test_sanitize_html_refuses_non_strings(value: object) -> None:
    with pytest.raises(InvalidText) as info:
        sanitize_html(value)  # type: ignore[arg-type]
    assert info.value.params == {"field": "html", "max": HTML_MAX}


def test_sanitize_html_accepts_its_limit() -> None:
    assert sanitize_html("가" * HTML_MAX) == "가" * HTML_MAX


def test_sanitize_html_refuses_html_over_its_limit() -> None:
    with pytest.raises(InvalidText) as info:
        sanitize_html("<p>" + "x" * (HTML_MAX - 6) + "</p>")
    assert info.value.params == {"field": "html", "max": HTML_MAX}
    assert f"{HTML_MAX}자" in info.value.message_ko
    assert f"{HTML_MAX} characters" in info.value.message_en
