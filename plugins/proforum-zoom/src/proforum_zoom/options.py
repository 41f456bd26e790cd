"""The provider's settings: what ``video_options["zoom"]`` may hold, checked once.

Values usually come from a configuration file or the command line, so numbers
and switches are accepted as strings too (``"15"``, ``"true"``).  The test
hooks ``sleep`` and ``random`` are callables and can only be given from code.
"""

from __future__ import annotations

import ipaddress
import math
import random as _random
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from proforum.domain.common import Secret
from proforum_zoom.errors import ZoomOptionInvalid

DEFAULT_OAUTH_URL = "https://zoom.us"
DEFAULT_API_URL = "https://api.zoom.us"
DEFAULT_TIMEOUT = 15.0
MAX_TIMEOUT = 300.0
DEFAULT_MAX_ATTEMPTS = 4
MAX_ATTEMPTS = 10
DEFAULT_BACKOFF_BASE = 0.5
DEFAULT_BACKOFF_MAX = 8.0
DEFAULT_MAX_RETRY_AFTER = 60.0
#: Zoom's largest page; also Indico's choice for paging registrants.
MAX_PAGE_SIZE = 300
DEFAULT_WEBHOOK_TOLERANCE = 300

REQUIRED = ("account_id", "client_id", "client_secret", "user")
OPTIONAL = (
    "webhook_secret",
    "oauth_url",
    "api_url",
    "use_token_api_url",
    "timeout",
    "max_attempts",
    "backoff_base",
    "backoff_max",
    "max_retry_after",
    "page_size",
    "webhook_tolerance",
    "sleep",
    "random",
)
KNOWN = frozenset((*REQUIRED, *OPTIONAL))

# Zoom account and client ids are short ASCII tokens; refusing anything else
# keeps line breaks and other oddities out of headers and form bodies.
_TOKEN = re.compile(r"[A-Za-z0-9._~-]{1,128}")
# A Zoom user id, or the host's e-mail address: visible ASCII, no path tricks.
_USER = re.compile(r"[A-Za-z0-9._%+@-]{1,254}")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _invalid(option: str, rule_ko: str, rule_en: str) -> ZoomOptionInvalid:
    # Never pass the value: it may be a credential or the host's address.
    return ZoomOptionInvalid(None, option=option, rule_ko=rule_ko, rule_en=rule_en)


@attrs.frozen(repr=False)
class ZoomSettings:
    """Validated settings of one forum's Zoom provider.

    ``repr()`` names the endpoints and the numbers only: the client secret,
    the webhook secret token, the account, client and user ids stay out.
    """

    account_id: str
    client_id: str
    client_secret: Secret
    user: str
    webhook_secret: Secret | None = None
    oauth_url: str = DEFAULT_OAUTH_URL
    api_url: str = DEFAULT_API_URL
    use_token_api_url: bool = True
    timeout: float = DEFAULT_TIMEOUT
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_base: float = DEFAULT_BACKOFF_BASE
    backoff_max: float = DEFAULT_BACKOFF_MAX
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER
    page_size: int = MAX_PAGE_SIZE
    webhook_tolerance: int = DEFAULT_WEBHOOK_TOLERANCE
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = _random.random

    def __repr__(self) -> str:
        return (
            f"ZoomSettings(oauth_url={self.oauth_url!r}, api_url={self.api_url!r}, "
            f"timeout={self.timeout!r}, max_attempts={self.max_attempts!r}, "
            f"page_size={self.page_size!r}, webhooks={self.webhook_secret is not None!r})"
        )


def check_base_url(value: object, option: str) -> str:
    """Return ``value`` as a base URL without a trailing ``/``, or raise.

    ``https`` only, except plain ``http`` to a loopback address (a fake
    server in tests, a local proxy): a bearer token must not cross a network
    in clear text.  No user name, query or fragment.
    """
    rule_ko = "https:// 주소여야 합니다 (http:// 는 127.0.0.1·localhost만). 경로 외의 쿼리·조각·계정 정보는 넣을 수 없습니다."
    rule_en = (
        "must be an https:// URL (http:// only for 127.0.0.1 or localhost), "
        "without user info, query or fragment."
    )
    if not isinstance(value, str) or not value or len(value) > 2048:
        raise _invalid(option, rule_ko, rule_en)
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        raise _invalid(option, rule_ko, rule_en) from None
    host = parts.hostname or ""
    scheme = parts.scheme.lower()
    if (
        not port_ok
        or not host
        or scheme not in ("http", "https")
        or (scheme == "http" and not _is_loopback(host))
        or parts.username is not None
        or parts.query
        or parts.fragment
        or any(ch.isspace() or ord(ch) < 0x21 or ord(ch) > 0x7E for ch in value)
    ):
        raise _invalid(option, rule_ko, rule_en)
    return value.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _text(options: Mapping[str, Any], key: str, pattern: re.Pattern[str]) -> str:
    value = options[key]
    if isinstance(value, Secret):
        value = value.reveal()
    if not isinstance(value, str) or not pattern.fullmatch(value.strip()):
        raise _invalid(
            key,
            "영문·숫자와 일부 기호로 된 문자열이어야 합니다.",
            "must be a string of letters, digits and a few punctuation characters.",
        )
    return value.strip()


def _secret(options: Mapping[str, Any], key: str) -> Secret:
    value = options[key]
    raw = value.reveal() if isinstance(value, Secret) else value
    if not isinstance(raw, str) or not (8 <= len(raw.strip()) <= 512) or not raw.isprintable():
        raise _invalid(
            key,
            "8자 이상 512자 이하의 문자열(또는 proforum.Secret)이어야 합니다.",
            "must be a string (or a proforum.Secret) of 8 to 512 printable characters.",
        )
    return Secret(raw.strip())


def _number(
    options: Mapping[str, Any],
    key: str,
    default: float,
    low: float,
    high: float,
    *,
    zero_ok: bool = False,
) -> float:
    value = options.get(key, default)
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            value = None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not (low <= value if zero_ok else low < value)
        or value > high
    ):
        above_ko = "이상" if zero_ok else "보다 크고"
        above_en = "at least" if zero_ok else "above"
        raise _invalid(
            key,
            f"{low:g} {above_ko} {high:g} 이하인 숫자여야 합니다.",
            f"must be a number {above_en} {low:g} and at most {high:g}.",
        )
    return float(value)


def _whole(options: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = options.get(key, default)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(
            key,
            f"{low}부터 {high}까지의 정수여야 합니다.",
            f"must be a whole number from {low} to {high}.",
        )
    return value


def _switch(options: Mapping[str, Any], key: str, default: bool) -> bool:
    value = options.get(key, default)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    if not isinstance(value, bool):
        raise _invalid(
            key, "true 또는 false여야 합니다.", "must be true or false (or 1/0, yes/no, on/off)."
        )
    return value


def _callable(options: Mapping[str, Any], key: str, default: Any) -> Any:
    value = options.get(key, default)
    if not callable(value):
        raise _invalid(key, "호출할 수 있는 객체여야 합니다.", "must be a callable.")
    return value


def parse_options(options: Mapping[str, Any]) -> ZoomSettings:
    """Check ``options`` and return the settings they describe.

    :raises ZoomOptionInvalid: an option is unknown, missing or malformed; the
        first problem found is reported, naming the option, never its value.
    """
    if not isinstance(options, Mapping):
        raise _invalid("zoom", "설정은 dict여야 합니다.", "the settings must be a mapping.")
    for key in options:
        if key not in KNOWN:
            raise _invalid(
                str(key)[:40],
                "알 수 없는 설정입니다. 사용 가능: " + ", ".join(sorted(KNOWN)),
                "unknown option. Known options: " + ", ".join(sorted(KNOWN)),
            )
    for key in REQUIRED:
        if options.get(key) in (None, ""):
            raise _invalid(key, "반드시 주어야 합니다.", "is required.")
    webhook_secret = None
    if options.get("webhook_secret") not in (None, ""):
        webhook_secret = _secret(options, "webhook_secret")
    backoff_base = _number(options, "backoff_base", DEFAULT_BACKOFF_BASE, 0.0, 60.0, zero_ok=True)
    backoff_max = _number(options, "backoff_max", DEFAULT_BACKOFF_MAX, 0.0, 600.0, zero_ok=True)
    if backoff_max < backoff_base:
        raise _invalid(
            "backoff_max",
            "backoff_base보다 작을 수 없습니다.",
            "may not be smaller than backoff_base.",
        )
    return ZoomSettings(
        account_id=_text(options, "account_id", _TOKEN),
        client_id=_text(options, "client_id", _TOKEN),
        client_secret=_secret(options, "client_secret"),
        user=_text(options, "user", _USER),
        webhook_secret=webhook_secret,
        oauth_url=check_base_url(options.get("oauth_url", DEFAULT_OAUTH_URL), "oauth_url"),
        api_url=check_base_url(options.get("api_url", DEFAULT_API_URL), "api_url"),
        use_token_api_url=_switch(options, "use_token_api_url", True),
        timeout=_number(options, "timeout", DEFAULT_TIMEOUT, 0.0, MAX_TIMEOUT),
        max_attempts=_whole(options, "max_attempts", DEFAULT_MAX_ATTEMPTS, 1, MAX_ATTEMPTS),
        backoff_base=backoff_base,
        backoff_max=backoff_max,
        max_retry_after=_number(
            options, "max_retry_after", DEFAULT_MAX_RETRY_AFTER, 0.0, 86_400.0, zero_ok=True
        ),
        page_size=_whole(options, "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE),
        webhook_tolerance=_whole(
            options, "webhook_tolerance", DEFAULT_WEBHOOK_TOLERANCE, 1, 86_400
        ),
        sleep=_callable(options, "sleep", time.sleep),
        random=_callable(options, "random", _random.random),
    )
