"""The notifier's settings: what ``notifier_options["smtp"]`` may hold, checked once."""

from __future__ import annotations

import ipaddress
import math
import re
import ssl
from collections.abc import Callable, Mapping
from email import policy
from email.headerregistry import Address
from typing import Any, Literal, TypeAlias, cast

import attrs

from proforum.domain.common import Secret
from proforum.domain.identity import Member
from proforum_smtp.errors import SmtpOptionInvalid

Security: TypeAlias = Literal["none", "starttls", "tls"]
AddressOf: TypeAlias = Callable[[Member], str | None]

#: The port each kind of connection listens on by convention (RFC 8314, RFC 6409).
DEFAULT_PORTS: Mapping[Security, int] = {"none": 25, "starttls": 587, "tls": 465}
DEFAULT_SECURITY: Security = "starttls"
DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 600.0

REQUIRED = ("host", "sender")
OPTIONAL = (
    "address_of",
    "port",
    "security",
    "username",
    "password",
    "timeout",
    "ssl_context",
    "local_hostname",
)
KNOWN = frozenset((*REQUIRED, *OPTIONAL))

# A conservative, ASCII-only address: dot-atom local part, host-name domain.
# Quoted local parts, address literals and internationalised addresses
# (SMTPUTF8) are refused rather than half supported.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"(?P<local>{_ATEXT}(?:\.{_ATEXT})*)@(?P<domain>{_LABEL}(?:\.{_LABEL})*)")
_HOST = re.compile(r"[A-Za-z0-9._:-]{1,253}")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")


def split_address(text: object) -> tuple[str, str] | None:
    """Return ``(local part, domain)`` of a plain ``user@domain`` address, else ``None``."""
    if not isinstance(text, str) or len(text) > 254:
        return None
    match = _ADDRESS.fullmatch(text)
    if match is None or len(match["local"]) > 64:
        return None
    return match["local"], match["domain"]


@attrs.frozen
class SmtpSettings:
    """Validated settings of one forum's SMTP notifier.

    The password is a :class:`proforum.Secret`; it, the username, the TLS
    context and the host's ``address_of`` callable are all left out of ``repr()``.
    """

    host: str
    port: int
    security: Security
    sender: Address
    address_of: AddressOf = attrs.field(repr=False)
    timeout: float = DEFAULT_TIMEOUT
    username: str | None = attrs.field(default=None, repr=False)
    password: Secret | None = attrs.field(default=None, repr=False)
    ssl_context: ssl.SSLContext | None = attrs.field(default=None, repr=False)
    local_hostname: str | None = None

    @property
    def login(self) -> bool:
        """Whether to authenticate (``AUTH``) before sending."""
        return self.username is not None


def _invalid(option: str, rule_ko: str, rule_en: str, value: object = None) -> SmtpOptionInvalid:
    return SmtpOptionInvalid(value, option=option, rule_ko=rule_ko, rule_en=rule_en)


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _host_name(option: str, value: object) -> str:
    # A ':' is only allowed in an IPv6 address: "smtp.example.com:587" is refused.
    if (
        not isinstance(value, str)
        or not _HOST.fullmatch(value)
        or (":" in value and not _is_ipv6(value))
    ):
        raise _invalid(
            option,
            "호스트 이름이나 IP 주소만 적어 주세요 (예: smtp.example.com, 스킴·포트·공백 없이).",
            "give a host name or IP address only (e.g. smtp.example.com, no scheme, port or spaces).",
            value,
        )
    return value


def _sender(value: object) -> Address:
    rule = (
        "'표시 이름 <주소@도메인>' 또는 '주소@도메인' 형태의 주소 하나여야 합니다 (주소는 ASCII).",
        "must be one address, 'Display Name <user@domain>' or 'user@domain' (ASCII address).",
    )
    if isinstance(value, Address):
        address = value
    elif isinstance(value, str) and value.strip() and not re.search(r"[\x00-\x1f\x7f]", value):
        header = policy.default.header_factory("from", value)
        addresses: tuple[Address, ...] = getattr(header, "addresses", ())
        if header.defects or len(addresses) != 1:
            raise _invalid("sender", *rule, value)
        address = addresses[0]
    else:
        raise _invalid("sender", *rule, value)
    if split_address(address.addr_spec) is None:
        raise _invalid("sender", *rule, value)
    return address


def member_email(member: Member) -> str | None:
    """The default ``address_of``: the address the member set in proforum (``Member.email``)."""
    return member.email


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


def _port(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise _invalid(
            "port",
            "1부터 65535 사이의 정수여야 합니다.",
            "must be an integer from 1 to 65535.",
            value,
        )
    return value


def _security(value: object) -> Security:
    if value not in DEFAULT_PORTS:
        raise _invalid(
            "security",
            "'none', 'starttls', 'tls' 중 하나여야 합니다.",
            "must be one of 'none', 'starttls', 'tls'.",
            value,
        )
    return cast("Security", value)


def _credentials(
    options: Mapping[str, Any], security: Security
) -> tuple[str | None, Secret | None]:
    username = options.get("username")
    raw_password = options.get("password")
    if username is None and raw_password is None:
        return None, None
    if username is None or raw_password is None:
        raise _invalid(
            "username" if username is None else "password",
            "username과 password는 함께 주어야 합니다.",
            "username and password must be given together.",
        )
    if not isinstance(username, str) or not _PRINTABLE_ASCII.fullmatch(username):
        raise _invalid(
            "username",
            "비어 있지 않은 ASCII 문자열이어야 합니다.",
            "must be a non-empty ASCII string.",
        )
    password = raw_password.reveal() if isinstance(raw_password, Secret) else raw_password
    if not isinstance(password, str) or not _PRINTABLE_ASCII.fullmatch(password):
        # Never hand the password to the error, not even as its hidden value.
        raise _invalid(
            "password",
            "비어 있지 않은 ASCII 문자열이나 proforum.Secret이어야 합니다 (smtplib의 제한).",
            "must be a non-empty ASCII string or a proforum.Secret (an smtplib limit).",
        )
    if security == "none":
        raise _invalid(
            "username",
            "로그인하려면 security를 'starttls'나 'tls'로 설정해야 합니다. "
            "암호화하지 않으면 비밀번호가 그대로 전송됩니다.",
            "logging in needs security 'starttls' or 'tls'; without encryption the "
            "password would cross the network in clear text.",
        )
    return username, Secret(password)


def parse_options(options: Mapping[str, Any]) -> SmtpSettings:
    """Check ``options`` and return the settings they describe.

    :raises SmtpOptionInvalid: an option is unknown, missing or malformed; the
        first problem found is reported.
    """
    if not isinstance(options, Mapping):
        raise _invalid("smtp", "설정은 dict여야 합니다.", "the settings must be a mapping.")
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
    host = _host_name("host", options["host"])
    security = _security(options.get("security", DEFAULT_SECURITY))
    port = _port(options.get("port", DEFAULT_PORTS[security]))
    sender = _sender(options["sender"])
    address_of = options.get("address_of")
    if address_of is None:
        address_of = member_email
    if not callable(address_of):
        raise _invalid(
            "address_of",
            "회원(Member)을 받아 이메일 주소나 None을 돌려주는 함수여야 합니다.",
            "must be a callable taking a Member and returning an address or None.",
        )
    timeout = _timeout(options.get("timeout", DEFAULT_TIMEOUT))
    username, password = _credentials(options, security)
    context = options.get("ssl_context")
    if context is not None:
        if not isinstance(context, ssl.SSLContext):
            raise _invalid(
                "ssl_context",
                "ssl.SSLContext 객체여야 합니다.",
                "must be an ssl.SSLContext.",
            )
        if security == "none":
            raise _invalid(
                "ssl_context",
                "security가 'none'이면 쓰이지 않습니다. 'starttls'나 'tls'를 설정해 주세요.",
                "has no effect with security 'none'; set 'starttls' or 'tls'.",
            )
    local_hostname = options.get("local_hostname")
    if local_hostname is not None:
        local_hostname = _host_name("local_hostname", local_hostname)
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        sender=sender,
        address_of=address_of,
        timeout=timeout,
        username=username,
        password=password,
        ssl_context=context,
        local_hostname=local_hostname,
    )
