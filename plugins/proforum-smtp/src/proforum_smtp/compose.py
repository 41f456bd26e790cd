"""One proforum message as one e-mail: a text and an HTML part, Korean-safe headers.

Everything here is a pure function of the message, its recipient and the
settings, so a retry produces the same e-mail with the same ``Message-ID``.
"""

from __future__ import annotations

import hashlib
import html
import re
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from proforum.domain.identity import Member
from proforum.domain.notification import Message
from proforum.ports.notifier import RenderedMessage

#: The right-hand side of every ``Message-ID``: ``<msg_...@proforum>``.
MESSAGE_ID_DOMAIN = "proforum"
#: The header that carries proforum's message id as is, for receivers that dedupe.
ID_HEADER = "X-Proforum-Message-Id"

# Bodies are transferred as base64 or quoted-printable (7bit), so every server
# takes them, whether or not it announces 8BITMIME.
_POLICY = policy.default.clone(cte_type="7bit")
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# http(s) URLs made of the characters RFC 3986 allows but the apostrophe;
# anything else (a space, Hangul, a quote) ends the link.
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+")
_TRAILING = ".,;:!?"


def message_id(proforum_id: str) -> str:
    """The ``Message-ID`` for a proforum message id, the same on every retry.

    Ids made of characters a ``Message-ID`` allows are used as they are
    (``<msg_0123...@proforum>``); any other id is replaced by its SHA-256.
    """
    left = proforum_id if _DOT_ATOM.fullmatch(proforum_id) else "sha256." + _sha256(proforum_id)
    return f"<{left}@{MESSAGE_ID_DOMAIN}>"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def one_line(text: str) -> str:
    """``text`` without line breaks or control characters, fit for a header."""
    return _CONTROL.sub(" ", text).strip()


def _trim(url: str) -> str:
    """Drop punctuation that ends a sentence rather than the link."""
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def linkify(line: str) -> str:
    """Escape ``line`` for HTML and turn its http(s) URLs into links."""
    out: list[str] = []
    position = 0
    for match in _URL.finditer(line):
        url = _trim(match.group())
        if url in ("http://", "https://"):
            continue
        out.append(html.escape(line[position : match.start()]))
        shown = html.escape(url)
        out.append(f'<a href="{shown}">{shown}</a>')
        position = match.start() + len(url)
    out.append(html.escape(line[position:]))
    return "".join(out)


def html_body(rendered: RenderedMessage) -> str:
    """The HTML alternative: the text, escaped, line for line, with links."""
    lines = "<br>\n".join(linkify(line) for line in rendered.body.splitlines())
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(rendered.lang)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{html.escape(one_line(rendered.subject))}</title>\n"
        "</head>\n"
        "<body>\n"
        f"<p>{lines}</p>\n"
        "</body>\n"
        "</html>\n"
    )


def compose(
    message: Message,
    recipient: Member,
    rendered: RenderedMessage,
    *,
    sender: Address,
    to: Address,
) -> EmailMessage:
    """Build the e-mail for ``message``.

    ``to`` is the recipient's address; its display name is replaced by the
    member's name in the forum.  ``Date`` is when the forum wrote the message,
    shown in the member's time zone, so retries are byte for byte the same.
    """
    mail = EmailMessage(policy=_POLICY)
    mail["From"] = sender
    mail["To"] = Address(one_line(recipient.display_name), to.username, to.domain)
    mail["Subject"] = one_line(rendered.subject)
    mail["Date"] = format_datetime(message.created_at.astimezone(ZoneInfo(recipient.time_zone)))
    mail["Message-ID"] = message_id(message.id)
    mail[ID_HEADER] = one_line(message.id)
    mail["X-Proforum-Kind"] = str(message.kind)
    # RFC 3834: machine-sent; vacation responders must not answer it.
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"
    mail.set_content(rendered.body)
    mail.add_alternative(html_body(rendered), subtype="html")
    # Set after the body: set_content() drops every Content-* header.
    mail["Content-Language"] = one_line(rendered.lang)
    # A boundary derived from the id (no "=_" can occur in base64 or
    # quoted-printable text) keeps a retry identical to the first attempt.
    mail.set_boundary("=_proforum_" + _sha256(message.id)[:32])
    return mail
