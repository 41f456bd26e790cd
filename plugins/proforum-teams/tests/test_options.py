"""Options are checked once; a bad one is named, its value never shown."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from proforum_teams import TeamsOptionInvalid, TeamsProviderFactory, parse_options

import proforum
from proforum.adapters.memory import MemoryStorage
from proforum.domain.common import Secret
from proforum.errors import VideoProviderError
from proforum.ports.context import AdapterContext

SECRET = "Qx8~c-client-secret-value"
GOOD: dict[str, Any] = {
    "tenant": "contoso.onmicrosoft.com",
    "client_id": "9f3c6a1e-2b7d-4e58-8c0a-5d1f7e3b9a24",
    "client_secret": SECRET,
    "organizer": "5f1c2e3d-4b5a-6978-8a9b-0c1d2e3f4a5b",
}


def invalid(**changes: Any) -> TeamsOptionInvalid:
    options = {**GOOD, **changes}
    options = {k: v for k, v in options.items() if v is not None}
    with pytest.raises(TeamsOptionInvalid) as caught:
        parse_options(options)
    assert SECRET not in str(caught.value)
    return caught.value


def test_defaults() -> None:
    settings = parse_options(GOOD)
    assert settings.graph_base == "https://graph.microsoft.com/v1.0"
    assert settings.token_url == (
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    )
    assert settings.scope == "https://graph.microsoft.com/.default"
    assert (settings.lobby_scope, settings.allowed_presenters) == ("organizer", "organizer")
    assert (settings.timeout, settings.max_attempts) == (10.0, 4)
    assert settings.client_state is None
    assert settings.client_secret == Secret(SECRET)


def test_strings_from_a_config_file_are_read() -> None:
    settings = parse_options(
        {
            **GOOD,
            "timeout": "2.5",
            "max_attempts": "6",
            "dial_in_bypass": "yes",
            "graph_base": "https://graph.microsoft.us/v1.0/",
            "scope": "https://graph.microsoft.us/.default",
            "client_state": Secret("s" * 32),
        }
    )
    assert (settings.timeout, settings.max_attempts, settings.dial_in_bypass) == (2.5, 6, True)
    assert settings.graph_base == "https://graph.microsoft.us/v1.0"


@pytest.mark.parametrize("name", ["tenant", "client_id", "client_secret", "organizer"])
def test_a_missing_option_is_named(name: str) -> None:
    options = {k: v for k, v in GOOD.items() if k != name}
    with pytest.raises(TeamsOptionInvalid) as caught:
        parse_options(options)
    assert caught.value.params["option"] == name
    assert "is required" in caught.value.message_en


@pytest.mark.parametrize(
    ("changes", "option"),
    [
        ({"colour": "blue"}, "colour"),
        ({"tenant": "contoso/../evil"}, "tenant"),
        ({"organizer": "user id with spaces"}, "organizer"),
        ({"client_secret": "has a space"}, "client_secret"),
        ({"graph_base": "http://graph.example.com/v1.0"}, "graph_base"),
        ({"login_base": "https://user:pw@login.example.com"}, "login_base"),
        ({"graph_base": "https://graph.microsoft.com/v1.0?x=1"}, "graph_base"),
        ({"lobby_scope": "nobody"}, "lobby_scope"),
        ({"allowed_presenters": "all"}, "allowed_presenters"),
        ({"timeout": "0"}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"max_attempts": "0"}, "max_attempts"),
        ({"max_attempts": "2.5"}, "max_attempts"),
        ({"max_attempts": "²"}, "max_attempts"),  # a digit to str.isdigit(), not to int()
        ({"dial_in_bypass": "maybe"}, "dial_in_bypass"),
        ({"client_state": "short"}, "client_state"),
        ({"client_state": "x" * 129}, "client_state"),
        ({"external_id_prefix": "has space"}, "external_id_prefix"),
        ({"backoff_max": "0.1", "backoff_base": "1"}, "backoff_max"),
    ],
)
def test_a_bad_option_is_named(changes: dict[str, Any], option: str) -> None:
    error = invalid(**changes)
    assert error.params["option"] == option
    assert error.code == "teams.option_invalid"
    assert isinstance(error, VideoProviderError)
    assert error.params["provider"] == "teams"


def test_the_error_survives_pickling() -> None:
    error = invalid(lobby_scope="nobody")
    copy = pickle.loads(pickle.dumps(error))
    assert copy.params == error.params
    assert str(copy) == str(error)


def test_sleep_and_random_must_be_functions() -> None:
    context = AdapterContext(MemoryStorage(), proforum.ManualClock.__new__(proforum.ManualClock))
    with pytest.raises(TeamsOptionInvalid) as caught:
        TeamsProviderFactory().create(context, {**GOOD, "sleep": 3})
    assert caught.value.params["option"] == "sleep"
    with pytest.raises(TeamsOptionInvalid) as caught:
        TeamsProviderFactory().create(context, {**GOOD, "random": "0.5"})
    assert caught.value.params["option"] == "random"


def test_http_is_allowed_to_loopback_only() -> None:
    settings = parse_options({**GOOD, "graph_base": "http://127.0.0.1:8080/v1.0"})
    assert settings.graph_base == "http://127.0.0.1:8080/v1.0"
