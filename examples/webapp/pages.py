"""Plain server-rendered HTML: one layout, escaping everywhere, no template engine."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from urllib.parse import quote

import attrs
from fastapi.responses import HTMLResponse

from proforum.domain.identity import Member
from proforum.errors import Lang
from webapp.texts import t

#: Sent with every response (see :func:`webapp.app.create_app`).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # Meeting links carry a passcode in their query string: never leak a URL.
    "Referrer-Policy": "no-referrer",
}


def e(value: object) -> str:
    """Escape ``value`` for HTML text and attribute values."""
    return escape(str(value), quote=True)


@attrs.frozen
class View:
    """What every page needs: the language, the acting member and their CSRF token."""

    lang: Lang
    #: True when the language came from ``?lang=``: links and forms then keep it.
    lang_in_query: bool
    member: Member | None = None
    csrf: str | None = None

    def t(self, key: str, **params: object) -> str:
        """Return the escaped text ``key`` in the page's language."""
        return e(t(self.lang, key, **params))

    def href(self, path: str) -> str:
        """Return ``path`` keeping an explicit ``?lang=`` choice, escaped for an attribute."""
        if self.lang_in_query:
            path += ("&" if "?" in path else "?") + f"lang={self.lang}"
        return e(path)

    def form(self, action: str, fields: str, submit: str, *, method: str = "post") -> str:
        """Return a form; POST forms of a signed-in member carry the CSRF token."""
        hidden = ""
        if method == "post" and self.csrf is not None:
            hidden = f'<input type="hidden" name="csrf" value="{e(self.csrf)}">'
        return (
            f'<form method="{method}" action="{self.href(action)}">{hidden}{fields}'
            f'<button type="submit">{e(submit)}</button></form>'
        )


def path_segment(value: str) -> str:
    """Quote ``value`` for use as one path segment."""
    return quote(value, safe="")


def bullet_list(items: Iterable[str]) -> str:
    """Return an HTML list of already-escaped items."""
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def render(view: View, title: str, body: str, *, status_code: int = 200) -> HTMLResponse:
    """Return the whole page; ``title`` is plain text, ``body`` is already-escaped HTML."""
    if view.member is not None:
        who = view.t("hello", name=view.member.display_name) + view.form(
            "/signout", "", t(view.lang, "signout")
        )
    else:
        who = f'{view.t("signed_out")} <a href="{view.href("/signup")}">{view.t("signup")}</a>'
    html = f"""<!doctype html>
<html lang="{view.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} · {view.t("site")}</title>
<style>body{{font-family:sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}}
form{{display:inline-block;margin:.3rem 0}} .error{{color:#a00}} code{{word-break:break-all}}</style>
</head>
<body>
<header><a href="{view.href("/")}">{view.t("site")}</a> · {who}</header>
<main><h1>{e(title)}</h1>
{body}
</main>
</body>
</html>
"""
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response
