"""Options are checked when the forum is opened, and errors follow proforum's rules."""

from __future__ import annotations

import inspect
import math
import pickle
import re
import ssl
import string
from collections.abc import Callable
from email.headerregistry import Address
from pathlib import Path
from typing import Any

import proforum_smtp
import pytest
from proforum_smtp import SmtpNotifier, SmtpOptionInvalid, errors, parse_options
from proforum_smtp.options import KNOWN, member_email

from proforum.domain.common import Secret
from proforum.errors import PluginError, ProforumError

Make = Callable[[dict[str, Any]], SmtpNotifier]
PASSWORD = "s3cr3t-Pa55-7f1d"
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def good(**changes: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "host": "smtp.example.com",
        "sender": "리멤버 커뮤니티 <community@example.com>",
        "address_of": lambda member: None,
    }
    options.update(changes)
    return {k: v for k, v in options.items() if v is not None}


def test_without_address_of_mail_goes_to_member_email() -> None:
    settings = parse_options(good(address_of=None))
    assert settings.address_of is member_email


def test_defaults() -> None:
    settings = parse_options(good())
    assert (settings.security, settings.port, settings.timeout) == ("starttls", 587, 30.0)
    assert settings.sender == Address("리멤버 커뮤니티", "community", "example.com")
    assert settings.username is None
    assert settings.password is None
    assert settings.ssl_context is None
    assert settings.local_hostname is None
    assert not settings.login


@pytest.mark.parametrize(("security", "port"), [("none", 25), ("starttls", 587), ("tls", 465)])
def test_the_default_port_follows_the_security(security: str, port: int) -> None:
    assert parse_options(good(security=security)).port == port


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1", "mail-1.example.co.kr"])
def test_host_names_and_addresses(host: str) -> None:
    assert parse_options(good(host=host)).host == host


def test_every_option_at_once() -> None:
    context = ssl.create_default_context()
    settings = parse_options(
        good(
            host="127.0.0.1",
            port=2525,
            security="tls",
            username="community@example.com",
            password=Secret(PASSWORD),
            sender=Address("커뮤니티", "community", "example.com"),
            timeout=2.5,
            ssl_context=context,
            local_hostname="forum.example.com",
        )
    )
    assert settings.port == 2525
    assert settings.login
    assert settings.password is not None
    assert settings.password.reveal() == PASSWORD
    assert settings.ssl_context is context
    assert PASSWORD not in repr(settings)
    assert "community@example.com" not in repr(settings).replace("domain='example.com'", "")


BAD: list[tuple[dict[str, Any], str]] = [
    (good(host=None), "host"),
    (good(sender=None), "sender"),
    (good(hots="smtp.example.com"), "hots"),
    (good(pasword=PASSWORD), "pasword"),
    (good(host=""), "host"),
    (good(host="smtp example.com"), "host"),
    (good(host="smtp://smtp.example.com"), "host"),
    (good(host="smtp.example.com\r\n"), "host"),
    (good(host=25), "host"),
    (good(host="smtp.example.com:587"), "host"),
    (good(port=0), "port"),
    (good(port=65536), "port"),
    (good(port="587"), "port"),
    (good(port=True), "port"),
    (good(port=587.0), "port"),
    (good(security="ssl"), "security"),
    (good(security="STARTTLS"), "security"),
    (good(security=None, port=None, ssl_context="yes"), "ssl_context"),
    (good(security="none", ssl_context=ssl.create_default_context()), "ssl_context"),
    (good(timeout=0), "timeout"),
    (good(timeout=-1), "timeout"),
    (good(timeout=math.nan), "timeout"),
    (good(timeout=math.inf), "timeout"),
    (good(timeout=601), "timeout"),
    (good(timeout="30"), "timeout"),
    (good(timeout=True), "timeout"),
    (good(sender=""), "sender"),
    (good(sender="community"), "sender"),
    (good(sender="a@example.com, b@example.com"), "sender"),
    (good(sender="커뮤니티 <커뮤니티@example.com>"), "sender"),
    (good(sender="Community <community@example.com>\r\nBcc: x@example.com"), "sender"),
    (good(sender="<community@example.com> trailing"), "sender"),
    (good(sender=Address("x", "a b", "example.com")), "sender"),
    (good(sender=42), "sender"),
    (good(address_of="kim@example.com"), "address_of"),
    (good(username="community"), "password"),
    (good(password=PASSWORD), "username"),
    (good(username="", password=PASSWORD), "username"),
    (good(username="커뮤니티", password=PASSWORD), "username"),
    (good(username="community", password=""), "password"),
    (good(username="community", password=12345678), "password"),
    (good(username="community", password="암호" + PASSWORD), "password"),
    (good(username="community", password=PASSWORD + "\r\n"), "password"),
    (good(username="community", password=PASSWORD, security="none"), "username"),
    (good(local_hostname="my host"), "local_hostname"),
]


@pytest.mark.parametrize(
    ("options", "option"), BAD, ids=[f"{o}-{i}" for i, (_, o) in enumerate(BAD)]
)
def test_bad_options_are_refused_when_the_forum_opens(
    make_notifier: Make, options: dict[str, Any], option: str
) -> None:
    with pytest.raises(SmtpOptionInvalid) as caught:
        make_notifier(options)
    error = caught.value
    assert error.params["option"] == option
    assert HANGUL.search(error.message_ko)
    assert error.message_en.isascii()
    for shown in (str(error), repr(error), repr(error.args), repr(error.value)):
        assert PASSWORD not in shown
        assert "암호" + PASSWORD not in shown


def test_options_must_be_a_mapping() -> None:
    with pytest.raises(SmtpOptionInvalid):
        parse_options(["host"])  # type: ignore[arg-type]


def test_unknown_options_are_named_with_the_known_ones(make_notifier: Make) -> None:
    with pytest.raises(SmtpOptionInvalid) as caught:
        make_notifier(good(tls=True))
    assert "security" in caught.value.message_en
    assert "address_of" in caught.value.message_ko


def test_the_readme_documents_every_option() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \| (?:yes|no) \|", readme, flags=re.MULTILINE))
    assert documented == set(KNOWN)


def test_an_empty_mapping_builds_an_unconfigured_notifier(make_notifier: Make) -> None:
    assert make_notifier({}).settings is None


# --------------------------------------------------------------------------- error catalogue


ERRORS = sorted(
    (
        obj
        for obj in vars(errors).values()
        if inspect.isclass(obj)
        and issubclass(obj, ProforumError)
        and obj.__module__ == errors.__name__
    ),
    key=lambda cls: cls.__name__,
)
SENTINEL = "VALUE-SENTINEL-0b7e"


def sample_params(cls: type[ProforumError]) -> dict[str, Any]:
    names = {
        name
        for template in (cls.template_ko, cls.template_en)
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }
    return {name: f"p-{name}" for name in names}


def test_the_catalogue_is_complete() -> None:
    assert {cls.__name__ for cls in ERRORS} == set(errors.__all__)
    assert set(errors.__all__) <= set(proforum_smtp.__all__)
    assert len({cls.code for cls in ERRORS}) == len(ERRORS)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_errors_keep_proforum_rules(cls: type[ProforumError]) -> None:
    assert issubclass(cls, PluginError)
    assert "code" in vars(cls)
    assert re.fullmatch(r"smtp\.[a-z_]+", cls.code)
    assert cls.__doc__
    error = cls(SENTINEL, **sample_params(cls))
    assert HANGUL.search(error.message_ko)
    assert all(" " <= ch <= "~" for ch in error.message_en)
    assert error.message_ko != error.message_en
    for shown in (str(error), repr(error), repr(error.args)):
        assert SENTINEL not in shown
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error)
    assert copy.value == SENTINEL
