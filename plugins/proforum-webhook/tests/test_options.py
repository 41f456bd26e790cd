"""Options are checked when the forum opens; each mistake is named, no secret is shown."""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from proforum_webhook import (
    WebhookNotConfigured,
    WebhookOptionInvalid,
    WebhookSettings,
    new_secret,
    parse_options,
)
from proforum_webhook.options import KNOWN, RESERVED_HEADERS

from proforum.domain.common import Secret

if TYPE_CHECKING:
    from conftest import MakeNotifier

HANGUL = re.compile("[가-힣]")
SECRET = new_secret()
OTHER = new_secret()
URL = "https://hooks.example.com/proforum/T0k3n-abc?sig=xyz"
CREDENTIAL = "Bearer s3cr3t-api-t0ken"


def good(**overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"url": URL, "secret": SECRET}
    options.update(overrides)
    return {k: v for k, v in options.items() if v is not None}


def test_the_smallest_settings() -> None:
    settings = parse_options(good())
    assert settings.url == URL
    assert (settings.scheme, settings.host, settings.port) == ("https", "hooks.example.com", 443)
    assert settings.target == "/proforum/T0k3n-abc?sig=xyz"
    assert settings.endpoint == "https://hooks.example.com:443"
    assert settings.timeout == 10.0
    assert settings.state_file is None
    assert settings.headers == {}
    assert settings.include_params is False
    assert len(settings.keys) == 1


def test_every_option(tmp_path: Path) -> None:
    context = ssl.create_default_context()
    settings = parse_options(
        good(
            url="http://[::1]:8080",
            secret=[SECRET, Secret(OTHER)],
            timeout=2.5,
            state_file=str(tmp_path / "state.json"),
            headers={"Authorization": CREDENTIAL, "X-Community": "marketing-pr"},
            include_params=True,
        )
    )
    assert (settings.host, settings.port, settings.target) == ("::1", 8080, "/")
    assert settings.endpoint == "http://[::1]:8080"
    assert len(settings.keys) == 2
    assert settings.timeout == 2.5
    assert settings.state_file == tmp_path / "state.json"
    assert settings.include_params is True
    with_tls = parse_options(good(ssl_context=context))
    assert with_tls.ssl_context is context


def test_the_repr_shows_where_but_no_secret(tmp_path: Path) -> None:
    settings = parse_options(good(secret=[SECRET, OTHER], headers={"Authorization": CREDENTIAL}))
    shown = repr(settings) + str(settings)
    assert "https://hooks.example.com:443" in shown
    assert "secrets=2" in shown
    assert "Authorization" in shown
    for hidden in (SECRET, OTHER, SECRET[6:], CREDENTIAL, "T0k3n", "sig=xyz", "/proforum"):
        assert hidden not in shown
    assert "***" in repr(settings.keys)
    assert isinstance(settings, WebhookSettings)


BAD: list[tuple[dict[str, Any], str]] = [
    ({"secret": SECRET}, "url"),
    (good(url=None), "url"),
    (good(secret=None), "secret"),
    (good(url=""), "url"),
    (good(url=42), "url"),
    (good(url="hooks.example.com/x"), "url"),
    (good(url="ftp://hooks.example.com/x"), "url"),
    (good(url="file:///etc/passwd"), "url"),
    (good(url="https://"), "url"),
    (good(url="https://hooks.example.com:0/x"), "url"),
    (good(url="https://hooks.example.com:99999/x"), "url"),
    (good(url="https://hooks.example.com:port/x"), "url"),
    (good(url="https://user:pw@hooks.example.com/x"), "url"),
    (good(url="https://hooks.example.com/x#frag"), "url"),
    (good(url="https://hooks.example.com/a b"), "url"),
    (good(url="https://hooks.example.com/x\r\nX-Evil: 1"), "url"),
    (good(url="https://커뮤니티.example/x"), "url"),
    (good(url="https://[zz::1]/x"), "url"),
    (good(url="https://example.com/" + "a" * 3000), "url"),
    (good(secret=SECRET[6:]), "secret"),  # without whsec_
    (good(secret="whsec_"), "secret"),
    (good(secret="whsec_not*base64!"), "secret"),
    (good(secret="whsec_c2hvcnQ="), "secret"),  # decodes to 5 bytes
    (good(secret=b"whsec_abc"), "secret"),
    (good(secret=[]), "secret"),
    (good(secret={"key": SECRET}), "secret"),
    (good(secret=[SECRET, "nope"]), "secret[1]"),
    (good(secret=[SECRET, SECRET]), "secret[1]"),
    (good(timeout=0), "timeout"),
    (good(timeout=-1), "timeout"),
    (good(timeout=301), "timeout"),
    (good(timeout=float("nan")), "timeout"),
    (good(timeout="10"), "timeout"),
    (good(timeout=True), "timeout"),
    (good(state_file=42), "state_file"),
    (good(state_file=""), "state_file"),
    (good(headers=["Authorization"]), "headers"),
    (good(headers={"Bad Name": "x"}), "headers"),
    (good(headers={"": "x"}), "headers"),
    (good(headers={"X-Token": "a\r\nX-Evil: 1"}), "headers[X-Token]"),
    (good(headers={"X-Token": "비밀값"}), "headers[X-Token]"),
    (good(headers={"X-Token": 42}), "headers[X-Token]"),
    (good(headers={"Webhook-Signature": "v1,forged"}), "headers[Webhook-Signature]"),
    (good(headers={"content-type": "text/plain"}), "headers[content-type]"),
    (good(headers={"X-A": "1", "x-a": "2"}), "headers[x-a]"),
    (good(include_params="yes"), "include_params"),
    (good(ssl_context="default"), "ssl_context"),
    (
        good(url="http://hooks.example.com/x", ssl_context=ssl.create_default_context()),
        "ssl_context",
    ),
    (good(tls=True), "tls"),
]


@pytest.mark.parametrize(
    ("options", "option"), BAD, ids=[f"{o}-{i}" for i, (_, o) in enumerate(BAD)]
)
def test_bad_options_are_refused_when_the_forum_opens(
    make_notifier: MakeNotifier, options: dict[str, Any], option: str
) -> None:
    with pytest.raises(WebhookOptionInvalid) as caught:
        make_notifier(options)
    error = caught.value
    assert error.params["option"] == option
    assert HANGUL.search(error.message_ko)
    assert error.message_en.isascii()
    if option.startswith(("url", "secret", "headers", "state_file")):
        assert error.value is None  # not even the hidden value keeps a URL or a secret
    shown = [str(error), repr(error), repr(error.args), repr(dict(error.params))]
    for text in shown:
        for secret in (SECRET, SECRET[6:], "T0k3n", "pw@", "X-Evil", "비밀값"):
            assert secret not in text


def test_every_reserved_header_is_refused() -> None:
    for name in RESERVED_HEADERS:
        with pytest.raises(WebhookOptionInvalid):
            parse_options(good(headers={name.upper(): "x"}))


def test_empty_options_say_how_to_configure() -> None:
    with pytest.raises(WebhookNotConfigured) as caught:
        parse_options({})
    error = caught.value
    assert isinstance(error, WebhookOptionInvalid)
    assert error.code == "webhook.not_configured"
    assert "notifier_options={'webhook': {'url': ..., 'secret': ...}}" in error.message_en
    assert "notifier_options" in error.message_ko


def test_options_must_be_a_mapping() -> None:
    with pytest.raises(WebhookOptionInvalid):
        parse_options(["url"])  # type: ignore[arg-type]


def test_unknown_options_are_named_with_the_known_ones(make_notifier: MakeNotifier) -> None:
    with pytest.raises(WebhookOptionInvalid) as caught:
        make_notifier(good(secrets=SECRET))  # a typo for "secret"
    assert caught.value.params["option"] == "secrets"
    assert "secret" in caught.value.message_en
    assert "state_file" in caught.value.message_ko


def test_unpadded_and_secret_wrapped_keys_are_accepted() -> None:
    assert parse_options(good(secret=SECRET.rstrip("="))).keys == parse_options(good()).keys
    assert parse_options(good(secret=Secret(SECRET))).keys == parse_options(good()).keys
    assert len(parse_options(good(secret=(SECRET, OTHER))).keys) == 2


def test_new_secret_makes_keys_the_options_accept() -> None:
    assert new_secret().startswith("whsec_")
    assert new_secret() != new_secret()
    parse_options(good(secret=new_secret(64)))
    with pytest.raises(ValueError, match="24"):
        new_secret(16)


def test_the_readme_documents_every_option() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \| (?:yes|no) \|", readme, flags=re.MULTILINE))
    assert documented == set(KNOWN)
