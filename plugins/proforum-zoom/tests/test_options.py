"""``video_options["zoom"]``: checked once, strings accepted, secrets never echoed."""

from __future__ import annotations

from typing import Any

import pytest
from proforum_zoom import ZoomOptionInvalid, parse_options

from proforum.domain.common import Secret

SECRET = "client-secret-do-not-show"
BASE: dict[str, Any] = {
    "account_id": "acc-123",
    "client_id": "cli_456",
    "client_secret": SECRET,
    "user": "host+zoom@example.com",
}


def options(**changes: Any) -> dict[str, Any]:
    merged = {**BASE, **changes}
    return {k: v for k, v in merged.items() if v is not None}


def test_defaults() -> None:
    settings = parse_options(BASE)
    assert settings.oauth_url == "https://zoom.us"
    assert settings.api_url == "https://api.zoom.us"
    assert (settings.timeout, settings.max_attempts, settings.page_size) == (15.0, 4, 300)
    assert settings.webhook_secret is None
    assert settings.client_secret == Secret(SECRET)
    assert settings.use_token_api_url is True


def test_strings_from_a_config_file_are_read() -> None:
    settings = parse_options(
        options(
            timeout="2.5",
            max_attempts="6",
            page_size="50",
            use_token_api_url="no",
            api_url="https://api-eu.zoom.us/",
            webhook_secret=Secret("whs-0123456789"),
            max_retry_after="0",
        )
    )
    assert (settings.timeout, settings.max_attempts, settings.page_size) == (2.5, 6, 50)
    assert settings.use_token_api_url is False
    assert settings.api_url == "https://api-eu.zoom.us"
    assert settings.max_retry_after == 0.0
    assert settings.webhook_secret == Secret("whs-0123456789")


@pytest.mark.parametrize(
    ("changes", "option"),
    [
        ({"client_secret": None}, "client_secret"),
        ({"user": ""}, "user"),
        ({"account_id": "acc 123\r\nX-Evil: 1"}, "account_id"),
        ({"client_secret": "short"}, "client_secret"),
        ({"colour": "blue"}, "colour"),
        ({"timeout": "0"}, "timeout"),
        ({"timeout": "fast"}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": True}, "max_attempts"),
        ({"page_size": "301"}, "page_size"),
        ({"use_token_api_url": "maybe"}, "use_token_api_url"),
        ({"api_url": "http://api.zoom.us"}, "api_url"),
        ({"api_url": "https://user:pw@api.zoom.us"}, "api_url"),
        ({"oauth_url": "https://zoom.us/?x=1"}, "oauth_url"),
        ({"oauth_url": "ftp://zoom.us"}, "oauth_url"),
        ({"backoff_base": 4, "backoff_max": 2}, "backoff_max"),
        ({"sleep": "time.sleep"}, "sleep"),
        ({"webhook_tolerance": "-1"}, "webhook_tolerance"),
    ],
)
def test_a_bad_option_is_named_and_its_value_never_shown(
    changes: dict[str, Any], option: str
) -> None:
    with pytest.raises(ZoomOptionInvalid) as caught:
        parse_options(options(**changes))
    error = caught.value
    assert error.params["option"] == option
    assert error.value is None
    for text in (str(error), repr(error), error.message_ko):
        assert SECRET not in text
        for value in changes.values():
            if isinstance(value, str) and len(value) > 3:
                assert value not in text


def test_http_is_allowed_to_loopback_only() -> None:
    assert (
        parse_options(options(api_url="http://127.0.0.1:8080")).api_url == "http://127.0.0.1:8080"
    )
    assert parse_options(options(oauth_url="http://localhost:9")).oauth_url == "http://localhost:9"
    with pytest.raises(ZoomOptionInvalid):
        parse_options(options(api_url="http://10.0.0.1"))


def test_not_a_mapping() -> None:
    with pytest.raises(ZoomOptionInvalid) as caught:
        parse_options("account_id=1")  # type: ignore[arg-type]
    assert caught.value.params["option"] == "zoom"
