"""The notifier's settings: what ``notifier_options["webhook"]`` may hold, checked once."""

from __future__ import annotations

import math
import os
import re
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import attrs

from proforum_webhook.errors import WebhookNotConfigured, WebhookOptionInvalid
from proforum_webhook.keys import SigningKey, parse_keys
from proforum_webhook.state import StateFileInvalid, fingerprint, read_state

DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 300.0
MAX_URL_LENGTH = 2048

REQUIRED = ("url", "secret")
OPTIONAL = ("timeout", "state_file", "headers", "include_params", "ssl_context")
KNOWN = frozenset((*REQUIRED, *OPTIONAL))

#: Headers the notifier writes itself; an extra header may not replace them.
RESERVED_HEADERS = frozenset(
    {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "content-type",
        "content-length",
        "content-encoding",
        "transfer-encoding",
        "connection",
        "host",
    }
)

# RFC 9110 token characters for a header name; visible ASCII, space and tab for a value.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]{0,4096}")
# Visible ASCII only: no spaces, no control characters, nothing to smuggle into
# the request line.
_URL_CHARS = re.compile(r"[\x21-\x7e]+")


@attrs.frozen(repr=False)
class WebhookSettings:
    """Validated settings of one forum's webhook notifier.

    ``repr()`` shows the endpoint as ``scheme://host:port`` only: the path and
    query may carry an access token, and the secrets and the values of extra
    headers (often credentials) are never shown.
    """

    url: str
    keys: tuple[SigningKey, ...]
    timeout: float = DEFAULT_TIMEOUT
    state_file: Path | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    include_params: bool = False
    ssl_context: ssl.SSLContext | None = None

    @property
    def scheme(self) -> str:
        """``http`` or ``https``."""
        return urlsplit(self.url).scheme.lower()

    @property
    def host(self) -> str:
        """The host name or IP address to connect to (IPv6 without brackets)."""
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        """The TCP port: the URL's, or 443 for https and 80 for http."""
        return urlsplit(self.url).port or (443 if self.scheme == "https" else 80)

    @property
    def target(self) -> str:
        """The request target: the URL's path and query, ``/`` when it has none."""
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    @property
    def endpoint(self) -> str:
        """``scheme://host:port``: what logs and ``repr()`` show of the URL."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def fingerprint(self) -> str:
        """A stable key for this URL in a state file, from which the URL cannot be read back."""
        return fingerprint(self.url)

    def __repr__(self) -> str:
        return (
            f"WebhookSettings(endpoint={self.endpoint!r}, secrets={len(self.keys)}, "
            f"timeout={self.timeout!r}, state_file={self.state_file!r}, "
            f"headers={sorted(self.headers)!r}, include_params={self.include_params!r})"
        )


def _invalid(option: str, rule_ko: str, rule_en: str, value: object = None) -> WebhookOptionInvalid:
    return WebhookOptionInvalid(value, option=option, rule_ko=rule_ko, rule_en=rule_en)


def _url(value: object) -> str:
    # The URL may carry an access token in its path or query: it is never
    # handed to the error, and the rules below never quote it.
    if not isinstance(value, str) or not value:
        raise _invalid(
            "url",
            "http:// 또는 https:// 주소 문자열이어야 합니다.",
            "must be an http:// or https:// URL string.",
        )
    if len(value) > MAX_URL_LENGTH or not _URL_CHARS.fullmatch(value):
        raise _invalid(
            "url",
            f"공백·제어 문자·비ASCII 문자 없이 {MAX_URL_LENGTH}자 이하여야 합니다 "
            "(국제화 도메인은 punycode로, 경로는 퍼센트 인코딩으로 적어 주세요).",
            f"must be at most {MAX_URL_LENGTH} characters of visible ASCII (use punycode "
            "for an internationalised domain and percent-encoding in the path).",
        )
    parts: SplitResult | None
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError for a port that is not a number or out of range
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme.lower() not in ("http", "https"):
        raise _invalid(
            "url",
            "http:// 또는 https:// 로 시작하는 올바른 주소여야 합니다.",
            "must be a well-formed URL starting with http:// or https://.",
        )
    if not parts.hostname:
        raise _invalid("url", "호스트 이름이 있어야 합니다.", "must name a host.")
    if port == 0:
        raise _invalid(
            "url", "포트는 1부터 65535 사이여야 합니다.", "the port must be from 1 to 65535."
        )
    if parts.username is not None or parts.password is not None:
        raise _invalid(
            "url",
            "주소에 사용자 이름이나 비밀번호를 넣을 수 없습니다. 인증 정보는 headers 설정으로 보내 주세요.",
            "may not hold a user name or password; send credentials with the 'headers' option.",
        )
    if "#" in value:
        raise _invalid(
            "url",
            "'#' 조각(fragment)은 서버로 전송되지 않으므로 넣을 수 없습니다.",
            "may not have a '#' fragment: it is never sent to the server.",
        )
    return value


def _timeout(value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= MAX_TIMEOUT
    ):
        raise _invalid(
            "timeout",
            f"0초보다 크고 {MAX_TIMEOUT:g}초 이하인 숫자여야 합니다.",
            f"must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}.",
            value,
        )
    return float(value)


def _state_file(value: object) -> Path:
    if not isinstance(value, str | os.PathLike) or not os.fspath(value):
        raise _invalid(
            "state_file",
            "파일 경로(str 또는 pathlib.Path)여야 합니다.",
            "must be a file path (a str or a pathlib.Path).",
        )
    path = Path(os.fspath(value)).expanduser().absolute()
    if not path.parent.is_dir():
        raise _invalid(
            "state_file",
            "파일이 들어갈 디렉터리가 없습니다. 디렉터리를 먼저 만들어 주세요.",
            "its directory does not exist; create the directory first.",
        )
    if path.exists() and not path.is_file():
        raise _invalid("state_file", "일반 파일이어야 합니다.", "must be a regular file.")
    try:
        read_state(path)  # a file that cannot be read is a mistake to report now
    except StateFileInvalid:
        raise _invalid(
            "state_file",
            "읽을 수 없거나 proforum-webhook 상태 파일이 아닙니다.",
            "cannot be read, or is not a proforum-webhook state file.",
        ) from None
    return path


def _headers(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise _invalid(
            "headers",
            "헤더 이름과 값(문자열)의 dict여야 합니다.",
            "must be a mapping of header names to string values.",
        )
    headers: dict[str, str] = {}
    for name, header_value in value.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise _invalid(
                "headers",
                "헤더 이름은 ASCII 토큰 문자(영문, 숫자, '-' 등) 64자 이하여야 합니다.",
                "header names must be at most 64 ASCII token characters (letters, digits, '-'...).",
            )
        option = f"headers[{name}]"
        if name.lower() in RESERVED_HEADERS:
            raise _invalid(
                option,
                "이 헤더는 웹훅 알림이 직접 씁니다. 사용 불가: "
                + ", ".join(sorted(RESERVED_HEADERS)),
                "the notifier writes this header itself. Reserved: "
                + ", ".join(sorted(RESERVED_HEADERS)),
            )
        if any(existing.lower() == name.lower() for existing in headers):
            raise _invalid(option, "같은 헤더가 두 번 있습니다.", "the header is given twice.")
        # The value is often a credential: it is never handed to the error.
        if not isinstance(header_value, str) or not _HEADER_VALUE.fullmatch(header_value):
            raise _invalid(
                option,
                "값은 줄바꿈이나 제어 문자가 없는 ASCII 문자열이어야 합니다.",
                "the value must be an ASCII string without line breaks or control characters.",
            )
        headers[name] = header_value
    return headers


def parse_options(options: Mapping[str, Any]) -> WebhookSettings:
    """Check ``options`` and return the settings they describe.

    :raises WebhookNotConfigured: ``options`` is empty.
    :raises WebhookOptionInvalid: an option is unknown, missing or malformed;
        the first problem found is reported.
    """
    if not isinstance(options, Mapping):
        raise _invalid("webhook", "설정은 dict여야 합니다.", "the settings must be a mapping.")
    if not options:
        raise WebhookNotConfigured(None)
    for key in options:
        if key not in KNOWN:
            raise _invalid(
                str(key)[:40],
                "알 수 없는 설정입니다. 사용 가능: " + ", ".join(sorted(KNOWN)),
                "unknown option. Known options: " + ", ".join(sorted(KNOWN)),
            )
    for key in REQUIRED:
        if options.get(key) is None:
            raise _invalid(key, "반드시 주어야 합니다.", "is required.")
    url = _url(options["url"])
    keys = parse_keys(options["secret"], "secret")
    timeout = _timeout(options.get("timeout", DEFAULT_TIMEOUT))
    state_file = options.get("state_file")
    headers = options.get("headers")
    include_params = options.get("include_params", False)
    if not isinstance(include_params, bool):
        raise _invalid(
            "include_params",
            "True 또는 False여야 합니다.",
            "must be True or False.",
            include_params,
        )
    context = options.get("ssl_context")
    if context is not None:
        if not isinstance(context, ssl.SSLContext):
            raise _invalid(
                "ssl_context", "ssl.SSLContext 객체여야 합니다.", "must be an ssl.SSLContext."
            )
        if urlsplit(url).scheme.lower() != "https":
            raise _invalid(
                "ssl_context",
                "https:// 주소에만 쓰입니다.",
                "is only used with an https:// URL.",
            )
    return WebhookSettings(
        url=url,
        keys=keys,
        timeout=timeout,
        state_file=None if state_file is None else _state_file(state_file),
        headers={} if headers is None else _headers(headers),
        include_params=include_params,
        ssl_context=context,
    )
