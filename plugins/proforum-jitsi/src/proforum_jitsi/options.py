"""The provider's settings: what ``video_options["jitsi"]`` may hold, checked once.

Values usually come from a configuration file or the command line, so numbers
and booleans are also accepted as strings (``"30"``, ``"true"``).  A bad
option raises :class:`~proforum_jitsi.errors.JitsiOptionInvalid` naming it;
the error never quotes a secret, a key or a key file's contents.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import SplitResult, urlsplit

import attrs
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from proforum.domain.common import Secret
from proforum_jitsi.errors import JitsiNotConfigured, JitsiOptionInvalid
from proforum_jitsi.tokens import HmacSigner, RsaSigner, Signer

__all__ = [
    "DEFAULT_FEATURES",
    "JAAS_BASE_URL",
    "JitsiSettings",
    "Mode",
    "parse_options",
]

Mode = Literal["self-hosted", "jaas"]

#: Where JaaS rooms live: ``https://8x8.vc/<AppID>/<room>``.
JAAS_BASE_URL: Final = "https://8x8.vc"
#: JaaS fixes these claims (see the README).
JAAS_AUDIENCE: Final = "jitsi"
JAAS_ISSUER: Final = "chat"
#: JaaS features switched off unless the ``features`` option turns them on:
#: recording and streaming publish what people say, so nobody gets them by default.
DEFAULT_FEATURES: Final[Mapping[str, bool]] = {
    "livestreaming": False,
    "recording": False,
    "transcription": False,
    "outbound-call": False,
}
#: RFC 7518 §3.2: an HMAC key at least as long as the hash output.
MIN_SECRET_BYTES: Final = 32
MIN_RSA_BITS: Final = 2048
MAX_MINUTES: Final = 24 * 60

_COMMON = frozenset(
    {
        "mode",
        "base_url",
        "app_id",
        "room_prefix",
        "join_before_minutes",
        "grace_after_minutes",
        "token_ttl_minutes",
        "share_email",
    }
)
_SELF_HOSTED = frozenset({"secret", "algorithm", "private_key", "key_id", "audience", "subject"})
_JAAS = frozenset({"api_key_id", "private_key", "features"})
KNOWN: Final = _COMMON | _SELF_HOSTED | _JAAS

_APP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_JAAS_APP_ID = re.compile(r"vpaas-magic-cookie-[0-9a-f]{8,64}")
_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_CLAIM = re.compile(r"[\x21-\x7e]{1,255}")
_FEATURE = re.compile(r"[a-z][a-z0-9-]{0,40}")
_PREFIX = re.compile(r"[a-z0-9]{0,40}")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


@attrs.frozen(repr=False)
class JitsiSettings:
    """Validated settings of one forum's Jitsi provider.

    ``repr()`` shows the mode, the deployment and the timings; the signer
    (shared secret or private key) is never shown.
    """

    mode: Mode
    #: Rooms are ``{room_base}/{room}``: the deployment (with its tenant), or ``https://8x8.vc/<AppID>``.
    room_base: str
    app_id: str
    signer: Signer
    issuer: str
    audience: str
    subject: str
    room_prefix: str = "proforum"
    join_before: timedelta = timedelta(minutes=30)
    grace_after: timedelta = timedelta(minutes=30)
    token_ttl: timedelta = timedelta(minutes=180)
    share_email: bool = False
    features: Mapping[str, bool] = attrs.field(factory=dict)

    def __repr__(self) -> str:
        return (
            f"JitsiSettings(mode={self.mode!r}, room_base={self.room_base!r}, "
            f"app_id={self.app_id!r}, algorithm={self.signer.algorithm!r}, "
            f"key_id={self.signer.key_id!r}, join_before={self.join_before!r}, "
            f"grace_after={self.grace_after!r}, token_ttl={self.token_ttl!r}, "
            f"share_email={self.share_email!r})"
        )


def _invalid(option: str, rule_ko: str, rule_en: str) -> JitsiOptionInvalid:
    # Never a value: the option may be a secret, and a rule is enough to fix it.
    return JitsiOptionInvalid(None, option=option, rule_ko=rule_ko, rule_en=rule_en)


def _text(options: Mapping[str, Any], name: str, pattern: re.Pattern[str] | None = None) -> str:
    value = options.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _invalid(name, "비어 있지 않은 문자열이어야 합니다.", "must be a non-empty string.")
    value = value.strip()
    if pattern is not None and not pattern.fullmatch(value):
        raise _invalid(
            name,
            f"형식이 올바르지 않습니다 (허용: {pattern.pattern}).",
            f"has the wrong form (expected {pattern.pattern}).",
        )
    return value


def _reveal(value: object) -> object:
    return value.reveal() if isinstance(value, Secret) else value


def _minutes(options: Mapping[str, Any], name: str, default: int, low: int) -> timedelta:
    value = options.get(name, default)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_MINUTES:
        raise _invalid(
            name,
            f"{low}부터 {MAX_MINUTES}까지의 정수(분)여야 합니다.",
            f"must be a whole number of minutes from {low} to {MAX_MINUTES}.",
        )
    return timedelta(minutes=value)


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _invalid(
        name, "true 또는 false여야 합니다.", "must be true or false (or a string saying so)."
    )


def _https(options: Mapping[str, Any], default: str | None, *, max_segments: int) -> SplitResult:
    value = options.get("base_url", default)
    rule = (
        "https:// 주소여야 하며 사용자 정보·쿼리·조각(#)을 넣을 수 없습니다.",
        "must be an https:// URL without user info, query or fragment.",
    )
    if not isinstance(value, str) or any(c.isspace() or not c.isprintable() for c in value):
        raise _invalid("base_url", *rule)
    try:
        parts = urlsplit(value.strip().rstrip("/"))
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        raise _invalid("base_url", *rule) from None
    if (
        parts.scheme.lower() != "https"
        or not parts.hostname
        or not port_ok
        or parts.username is not None
        or parts.query
        or parts.fragment
        or "#" in value
        or "?" in value
    ):
        raise _invalid("base_url", *rule)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > max_segments or any(not _APP_ID.fullmatch(s) for s in segments):
        raise _invalid(
            "base_url",
            f"경로는 테넌트 이름 {max_segments}개까지만 넣을 수 있습니다.",
            f"may have at most {max_segments} path segment (the tenant), of letters, digits, '.', '_' and '-'.",
        )
    return parts


def _load_private_key(value: object) -> rsa.RSAPrivateKey:
    rule = (
        "암호화되지 않은 PEM 형식의 RSA 개인 키(텍스트 또는 파일 경로)여야 합니다.",
        "must be an unencrypted PEM RSA private key, as text or as a file path.",
    )
    value = _reveal(value)
    data: bytes
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str) and "-----BEGIN" in value:
        # Environment variables often carry the PEM with literal "\n" sequences.
        data = (value.replace("\\n", "\n") if "\n" not in value else value).encode(
            "ascii", "ignore"
        )
    elif isinstance(value, str | os.PathLike) and os.fspath(value):
        path = Path(os.fspath(value)).expanduser()
        try:
            data = path.read_bytes()
        except OSError:
            raise _invalid(
                "private_key",
                "키 파일을 읽을 수 없습니다.",
                "the key file cannot be read (missing, a directory, or no permission).",
            ) from None
    else:
        raise _invalid("private_key", *rule)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # `from None`: the parser's own message could quote part of the key.
        raise _invalid("private_key", *rule) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise _invalid("private_key", "RSA 키여야 합니다.", "must be an RSA key (RS256).")
    if key.key_size < MIN_RSA_BITS:
        raise _invalid(
            "private_key",
            f"{MIN_RSA_BITS}비트 이상이어야 합니다.",
            f"must be at least {MIN_RSA_BITS} bits long.",
        )
    return key


def _secret(value: object) -> bytes:
    value = _reveal(value)
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not isinstance(value, bytes) or len(value) < MIN_SECRET_BYTES:
        raise _invalid(
            "secret",
            f"{MIN_SECRET_BYTES}바이트 이상의 문자열이어야 합니다 (Prosody의 app_secret과 같은 값).",
            f"must be a string of at least {MIN_SECRET_BYTES} bytes (the same as Prosody's app_secret).",
        )
    return value


def _features(value: object) -> dict[str, bool]:
    rule = (
        "켤 기능 이름을 쉼표로 나눈 문자열·목록, 또는 {기능: true/false} 매핑이어야 합니다.",
        "must be feature names to switch on (a comma-separated string or a list) "
        "or a mapping {feature: true/false}.",
    )
    chosen: dict[str, bool] = dict(DEFAULT_FEATURES)
    pairs: Iterable[tuple[object, object]]
    if isinstance(value, str):
        pairs = [(name.strip(), True) for name in value.split(",") if name.strip()]
    elif isinstance(value, Mapping):
        pairs = value.items()
    elif isinstance(value, list | tuple):
        pairs = [(name, True) for name in value]
    else:
        raise _invalid("features", *rule)
    for name, on in pairs:
        if not isinstance(name, str) or not _FEATURE.fullmatch(name):
            raise _invalid("features", *rule)
        chosen[name] = _flag(on, f"features[{name}]")
    return chosen


def _not_for(options: Mapping[str, Any], mode: Mode, names: Iterable[str]) -> None:
    for name in sorted(names):
        if name in options:
            raise _invalid(
                name,
                f"mode={mode}에서는 쓰지 않는 설정입니다.",
                f"is not used with mode={mode}; remove it.",
            )


def parse_options(options: Mapping[str, Any]) -> JitsiSettings:
    """Check ``options`` and return them as :class:`JitsiSettings`.

    :raises JitsiNotConfigured: ``options`` is empty.
    :raises JitsiOptionInvalid: an option is unknown, missing or malformed.
    """
    if not isinstance(options, Mapping):
        raise _invalid("jitsi", "설정은 매핑이어야 합니다.", "the settings must be a mapping.")
    if not options:
        raise JitsiNotConfigured()
    for name in options:
        if name not in KNOWN:
            # Named only when it is a plain identifier: a pasted secret is not a name.
            shown = name if isinstance(name, str) and re.fullmatch(r"[a-z_]{1,40}", name) else "?"
            raise _invalid(shown, "알 수 없는 설정입니다.", "is not a known option.")
    mode = options.get("mode", "self-hosted")
    if mode not in ("self-hosted", "jaas"):
        raise _invalid(
            "mode", "'self-hosted' 또는 'jaas'여야 합니다.", "must be 'self-hosted' or 'jaas'."
        )
    prefix = options.get("room_prefix", "proforum")
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise _invalid(
            "room_prefix",
            "소문자와 숫자 40자 이하여야 합니다.",
            "must be at most 40 lowercase letters and digits.",
        )
    common: dict[str, Any] = {
        "room_prefix": prefix,
        "join_before": _minutes(options, "join_before_minutes", 30, 0),
        "grace_after": _minutes(options, "grace_after_minutes", 30, 0),
        "token_ttl": _minutes(options, "token_ttl_minutes", 180, 1),
        "share_email": _flag(options.get("share_email", False), "share_email"),
    }
    if mode == "jaas":
        return _jaas(options, common)
    return _self_hosted(options, common)


def _self_hosted(options: Mapping[str, Any], common: dict[str, Any]) -> JitsiSettings:
    _not_for(options, "self-hosted", _JAAS - _SELF_HOSTED)
    parts = _https(options, None, max_segments=1)
    app_id = _text(options, "app_id", _APP_ID)
    algorithm = options.get("algorithm", "HS256")
    signer: Signer
    if algorithm in ("HS256", "HS512"):
        if "private_key" in options or "key_id" in options:
            raise _invalid(
                "private_key" if "private_key" in options else "key_id",
                "HS256/HS512에서는 쓰지 않습니다 (algorithm=RS256일 때만).",
                "is only used with algorithm=RS256.",
            )
        signer = HmacSigner(_secret(options.get("secret")), algorithm)
    elif algorithm == "RS256":
        if "secret" in options:
            raise _invalid("secret", "RS256에서는 쓰지 않습니다.", "is not used with RS256.")
        signer = RsaSigner(
            _load_private_key(options.get("private_key")), _text(options, "key_id", _KEY_ID)
        )
    else:
        raise _invalid(
            "algorithm",
            "'HS256', 'HS512' 또는 'RS256'이어야 합니다.",
            "must be 'HS256', 'HS512' or 'RS256'.",
        )
    tenant = parts.path.strip("/")
    # Prosody compares `sub` with the tenant for TENANT/ROOM addresses, and
    # with the domain otherwise; both lowercase.
    subject = options.get("subject", (tenant or parts.hostname or "").lower())
    if not isinstance(subject, str) or not _CLAIM.fullmatch(subject):
        raise _invalid(
            "subject", "공백 없는 문자열이어야 합니다.", "must be a string without spaces."
        )
    audience = options.get("audience", "jitsi")
    if not isinstance(audience, str) or not _CLAIM.fullmatch(audience):
        raise _invalid(
            "audience", "공백 없는 문자열이어야 합니다.", "must be a string without spaces."
        )
    return JitsiSettings(
        mode="self-hosted",
        room_base=parts.geturl(),
        app_id=app_id,
        signer=signer,
        issuer=app_id,
        audience=audience,
        subject=subject,
        **common,
    )


def _jaas(options: Mapping[str, Any], common: dict[str, Any]) -> JitsiSettings:
    _not_for(options, "jaas", _SELF_HOSTED - _JAAS)
    parts = _https(options, JAAS_BASE_URL, max_segments=0)
    app_id = _text(options, "app_id", _JAAS_APP_ID)
    key_id = _text(options, "api_key_id")
    # The console shows the key id alone and the full "kid" in its samples;
    # either is accepted, and the kid always names this app.
    if "/" in key_id:
        owner, _, key_id = key_id.partition("/")
        if owner != app_id:
            raise _invalid(
                "api_key_id",
                "'<app_id>/<키 ID>' 형식이면 앞부분이 app_id와 같아야 합니다.",
                "in the form '<app_id>/<key id>' must start with this app_id.",
            )
    if not _KEY_ID.fullmatch(key_id):
        raise _invalid(
            "api_key_id",
            "JaaS 콘솔의 API 키 ID여야 합니다.",
            "must be the API key id from the JaaS console.",
        )
    return JitsiSettings(
        mode="jaas",
        room_base=f"{parts.geturl()}/{app_id}",
        app_id=app_id,
        signer=RsaSigner(_load_private_key(options.get("private_key")), f"{app_id}/{key_id}"),
        issuer=JAAS_ISSUER,
        audience=JAAS_AUDIENCE,
        subject=app_id,
        features=_features(options.get("features", "")),
        **common,
    )
