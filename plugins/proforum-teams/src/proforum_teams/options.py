"""The provider's settings: what ``video_options["teams"]`` may hold, checked once.

Values usually come from a configuration file or the command line, so numbers
and booleans are accepted as strings too.  A bad option raises
:class:`~proforum_teams.errors.TeamsOptionInvalid` naming it; its value is
never quoted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from proforum.domain.common import Secret
from proforum_teams.errors import TeamsOptionInvalid

DEFAULT_LOGIN_BASE = "https://login.microsoftonline.com"
DEFAULT_GRAPH_BASE = "https://graph.microsoft.com/v1.0"
DEFAULT_SCOPE = "https://graph.microsoft.com/.default"
DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 120.0
DEFAULT_MAX_ATTEMPTS = 4
MAX_ATTEMPTS = 10
DEFAULT_BACKOFF_BASE = 0.5
DEFAULT_BACKOFF_MAX = 8.0
DEFAULT_MAX_RETRY_AFTER = 60.0
DEFAULT_EXTERNAL_ID_PREFIX = "proforum-"

#: ``lobbyBypassSettings.scope`` values a request may set (the reference, B.3);
#: ``unknownFutureValue`` is Graph's placeholder, not a choice.
LOBBY_SCOPES = frozenset(
    {
        "organizer",
        "organization",
        "organizationAndFederated",
        "everyone",
        "invited",
        "organizationExcludingGuests",
    }
)
#: ``allowedPresenters`` values (Graph's onlineMeetingPresenters enum).
PRESENTERS = frozenset({"everyone", "organization", "roleIsPresenter", "organizer"})

REQUIRED = ("tenant", "client_id", "client_secret", "organizer")
OPTIONAL = (
    "client_state",
    "login_base",
    "graph_base",
    "scope",
    "lobby_scope",
    "dial_in_bypass",
    "allowed_presenters",
    "external_id_prefix",
    "timeout",
    "max_attempts",
    "backoff_base",
    "backoff_max",
    "max_retry_after",
    # Objects, not strings: for tests and embedding applications.
    "sleep",
    "random",
)
KNOWN = frozenset((*REQUIRED, *OPTIONAL))

# A tenant is a GUID or a domain name; both are path segments of the token URL.
_TENANT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?")
# Entra object ids are GUIDs; a UPN also works in Graph paths.  Either way no
# slash, no query and no space may reach the request line.
_USER = re.compile(r"[A-Za-z0-9][A-Za-z0-9@._-]{0,253}")
_CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
# Printable ASCII without spaces: what Graph accepts in clientState and what
# survives a form body unchanged.
_VISIBLE = re.compile(r"[\x21-\x7e]+")
_PREFIX = re.compile(r"[A-Za-z0-9._:-]{0,32}")
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
#: Graph refuses a clientState longer than this (subscription resource docs).
CLIENT_STATE_MAX = 128
CLIENT_STATE_MIN = 16


@attrs.frozen(repr=False)
class TeamsSettings:
    """Validated settings of one forum's ``teams`` provider.

    ``repr()`` shows the hosts and the meeting defaults, never the client
    secret, the client state, the tenant, the application or the organizer.
    """

    tenant: str
    client_id: str
    client_secret: Secret
    organizer: str
    client_state: Secret | None = None
    login_base: str = DEFAULT_LOGIN_BASE
    graph_base: str = DEFAULT_GRAPH_BASE
    scope: str = DEFAULT_SCOPE
    lobby_scope: str = "organizer"
    dial_in_bypass: bool = False
    allowed_presenters: str = "organizer"
    external_id_prefix: str = DEFAULT_EXTERNAL_ID_PREFIX
    timeout: float = DEFAULT_TIMEOUT
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_base: float = DEFAULT_BACKOFF_BASE
    backoff_max: float = DEFAULT_BACKOFF_MAX
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER

    @property
    def token_url(self) -> str:
        """Where client-credentials tokens are asked for."""
        return f"{self.login_base}/{self.tenant}/oauth2/v2.0/token"

    def __repr__(self) -> str:
        return (
            f"TeamsSettings(login={_origin(self.login_base)!r}, "
            f"graph={_origin(self.graph_base)!r}, lobby_scope={self.lobby_scope!r}, "
            f"allowed_presenters={self.allowed_presenters!r}, "
            f"webhooks={self.client_state is not None!r}, timeout={self.timeout!r}, "
            f"max_attempts={self.max_attempts!r})"
        )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _invalid(option: str, rule_en: str, rule_ko: str) -> TeamsOptionInvalid:
    # The value is never handed over: it may be the client secret.
    return TeamsOptionInvalid(None, option=option, rule_en=rule_en, rule_ko=rule_ko)


def _text(options: Mapping[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    value = options[name]
    if isinstance(value, Secret):
        value = value.reveal()
    if not isinstance(value, str) or not pattern.fullmatch(value.strip()):
        raise _invalid(
            name,
            "must be a non-empty string of the allowed characters",
            "허용된 문자로 된 비어 있지 않은 문자열이어야 합니다",
        )
    return value.strip()


def _base_url(options: Mapping[str, Any], name: str, default: str) -> str:
    value = options.get(name, default)
    if not isinstance(value, str) or not _VISIBLE.fullmatch(value):
        raise _invalid(name, "must be a URL string", "URL 문자열이어야 합니다")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise _invalid(name, "must be a well-formed URL", "올바른 URL이어야 합니다") from None
    host = parts.hostname or ""
    # Tokens and join links travel over this connection: clear text only to
    # this machine (tests, a local proxy).
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK)
    if not secure or not host or parts.query or parts.fragment or parts.username:
        raise _invalid(
            name,
            "must be an https:// URL without query, fragment or credentials "
            "(http:// only for 127.0.0.1 or localhost)",
            "쿼리·프래그먼트·계정 정보가 없는 https:// URL이어야 합니다 "
            "(http://는 127.0.0.1과 localhost만 허용)",
        )
    return value.rstrip("/")


def _number(
    options: Mapping[str, Any], name: str, default: float, low: float, high: float
) -> float:
    value = options.get(name, default)
    try:
        number = float(value) if isinstance(value, str | int | float) else math.nan
    except ValueError:
        number = math.nan
    if isinstance(value, bool) or not (low <= number <= high):
        raise _invalid(
            name,
            f"must be a number from {low:g} to {high:g}",
            f"{low:g}에서 {high:g} 사이의 숫자여야 합니다",
        )
    return number


def _integer(options: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = options.get(name, default)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not (low <= value <= high):
        raise _invalid(
            name,
            f"must be a whole number from {low} to {high}",
            f"{low}에서 {high} 사이의 정수여야 합니다",
        )
    return value


def _flag(options: Mapping[str, Any], name: str) -> bool:
    value = options.get(name, False)
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "off", ""):
        return False
    if isinstance(value, bool):
        return value
    raise _invalid(name, "must be true or false", "true 또는 false여야 합니다")


def choice(value: object, name: str, allowed: frozenset[str]) -> str:
    """Return ``value`` if it is one of ``allowed``; else name the option in an error."""
    if not isinstance(value, str) or value not in allowed:
        listed = ", ".join(sorted(allowed))
        raise _invalid(name, f"must be one of: {listed}", f"다음 중 하나여야 합니다: {listed}")
    return value


def _client_state(options: Mapping[str, Any]) -> Secret | None:
    value = options.get("client_state")
    if value is None:
        return None
    if isinstance(value, Secret):
        value = value.reveal()
    if (
        not isinstance(value, str)
        or not _VISIBLE.fullmatch(value)
        or not CLIENT_STATE_MIN <= len(value) <= CLIENT_STATE_MAX
    ):
        raise _invalid(
            "client_state",
            f"must be {CLIENT_STATE_MIN} to {CLIENT_STATE_MAX} visible ASCII characters",
            f"공백 없는 ASCII 문자 {CLIENT_STATE_MIN}~{CLIENT_STATE_MAX}자여야 합니다",
        )
    return Secret(value)


def parse_options(options: Mapping[str, Any]) -> TeamsSettings:
    """Check ``options`` and return the settings; the first problem found raises.

    :raises TeamsOptionInvalid: an unknown, missing or malformed option.
    """
    for name in sorted(options):
        if name not in KNOWN:
            raise _invalid(str(name), "is not a known option", "알 수 없는 설정입니다")
    for name in REQUIRED:
        if options.get(name) in (None, ""):
            raise _invalid(name, "is required", "필수 설정입니다")
    secret = options["client_secret"]
    if isinstance(secret, Secret):
        secret = secret.reveal()
    if not isinstance(secret, str) or not _VISIBLE.fullmatch(secret):
        raise _invalid(
            "client_secret",
            "must be a string of visible ASCII characters",
            "공백 없는 ASCII 문자열이어야 합니다",
        )
    backoff_base = _number(options, "backoff_base", DEFAULT_BACKOFF_BASE, 0, 60)
    prefix = options.get("external_id_prefix", DEFAULT_EXTERNAL_ID_PREFIX)
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise _invalid(
            "external_id_prefix",
            "must be at most 32 letters, digits or . _ : -",
            "영문자·숫자·. _ : - 로 된 32자 이하여야 합니다",
        )
    scope = options.get("scope", DEFAULT_SCOPE)
    if not isinstance(scope, str) or not _VISIBLE.fullmatch(scope):
        raise _invalid("scope", "must be a scope URI", "범위(scope) URI여야 합니다")
    return TeamsSettings(
        tenant=_text(options, "tenant", _TENANT),
        client_id=_text(options, "client_id", _CLIENT_ID),
        client_secret=Secret(secret),
        organizer=_text(options, "organizer", _USER),
        client_state=_client_state(options),
        login_base=_base_url(options, "login_base", DEFAULT_LOGIN_BASE),
        graph_base=_base_url(options, "graph_base", DEFAULT_GRAPH_BASE),
        scope=scope,
        lobby_scope=choice(options.get("lobby_scope", "organizer"), "lobby_scope", LOBBY_SCOPES),
        dial_in_bypass=_flag(options, "dial_in_bypass"),
        allowed_presenters=choice(
            options.get("allowed_presenters", "organizer"), "allowed_presenters", PRESENTERS
        ),
        external_id_prefix=prefix,
        timeout=_number(options, "timeout", DEFAULT_TIMEOUT, 0.01, MAX_TIMEOUT),
        max_attempts=_integer(options, "max_attempts", DEFAULT_MAX_ATTEMPTS, 1, MAX_ATTEMPTS),
        backoff_base=backoff_base,
        backoff_max=_number(options, "backoff_max", DEFAULT_BACKOFF_MAX, backoff_base, 600),
        max_retry_after=_number(options, "max_retry_after", DEFAULT_MAX_RETRY_AFTER, 0, 3600),
    )


__all__ = ["LOBBY_SCOPES", "PRESENTERS", "TeamsSettings", "choice", "parse_options"]
