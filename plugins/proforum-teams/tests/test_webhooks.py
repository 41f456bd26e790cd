"""The validation handshake and the clientState check of change notifications."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st
from proforum_teams import TeamsProvider, validation_response, verify_notification
from proforum_teams.testing import change_notification

from proforum.domain.common import Secret
from proforum.errors import WebhookRejected

if TYPE_CHECKING:
    from conftest import MakeProvider

NOW = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
STATE = "client-state-7d3f9a1c5e8b2d4f6a0c"


def test_the_handshake_echoes_the_token(provider: TeamsProvider) -> None:
    result = provider.verify_webhook({"validationToken": "Validation: Testing 123"}, b"", NOW)
    assert result.reply == {"validationToken": "Validation: Testing 123"}
    assert result.events == ()
    # Header names in any case, as web frameworks hand them over.
    again = provider.verify_webhook({"VALIDATIONTOKEN": "abc"}, b"", NOW)
    assert again.reply == {"validationToken": "abc"}


def test_the_handshake_helper_decodes_the_query_string() -> None:
    assert validation_response("validationToken=Validation%3A%20Testing%20123") == (
        "Validation: Testing 123"
    )
    assert validation_response({"validationToken": ["abc"]}) == "abc"
    assert validation_response({"validationtoken": "abc"}) == "abc"
    assert validation_response("other=1") is None
    assert validation_response("validationToken=") is None
    assert validation_response("validationToken=a&validationToken=b") is None


def test_a_notification_with_the_right_client_state_is_accepted(provider: TeamsProvider) -> None:
    result = provider.verify_webhook(
        {"content-type": "application/json"}, change_notification(STATE, items=3), NOW
    )
    assert result.reply is None
    assert result.events == ()
    assert result.meeting_id is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (change_notification("wrong-state-7d3f9a1c5e8b2d4f"), "clientState mismatch"),
        (json.dumps({"value": [{"changeType": "updated"}]}).encode(), "clientState missing"),
        (b"not json", "malformed body"),
        (b"\xff\xfe", "malformed body"),
        (json.dumps({"value": []}).encode(), "malformed body"),
        (json.dumps([1, 2]).encode(), "malformed body"),
    ],
)
def test_anything_else_is_rejected(provider: TeamsProvider, body: bytes, reason: str) -> None:
    with pytest.raises(WebhookRejected) as caught:
        provider.verify_webhook({}, body, NOW)
    assert caught.value.params == {"provider": "teams", "reason": reason}
    assert STATE not in str(caught.value)


def test_one_forged_item_spoils_the_batch(provider: TeamsProvider) -> None:
    good = json.loads(change_notification(STATE, items=2))
    good["value"].append(json.loads(change_notification("forged-state-00000000"))["value"][0])
    with pytest.raises(WebhookRejected, match="clientState mismatch"):
        provider.verify_webhook({}, json.dumps(good).encode(), NOW)


def test_without_a_client_state_notifications_are_refused_but_handshakes_work(
    make_provider: MakeProvider,
) -> None:
    provider = make_provider(client_state=None)
    assert provider.verify_webhook({"validationToken": "t"}, b"", NOW).reply == {
        "validationToken": "t"
    }
    with pytest.raises(WebhookRejected, match="client_state is not configured"):
        provider.verify_webhook({}, change_notification(STATE), NOW)


@given(
    position=st.integers(min_value=0, max_value=len(STATE) - 1),
    replacement=st.characters(min_codepoint=0x21, max_codepoint=0x7E),
)
def test_any_single_character_change_is_rejected(position: int, replacement: str) -> None:
    forged = STATE[:position] + replacement + STATE[position + 1 :]
    body = change_notification(forged)
    if forged == STATE:
        assert verify_notification(Secret(STATE), {}, body).reply is None
        return
    with pytest.raises(WebhookRejected):
        verify_notification(Secret(STATE), {}, body)


@given(st.text(min_size=0, max_size=len(STATE) + 4))
def test_only_the_exact_state_passes(state: str) -> None:
    body = change_notification(state)
    if state == STATE:
        verify_notification(Secret(STATE), {}, body)
    else:
        with pytest.raises(WebhookRejected):
            verify_notification(Secret(STATE), {}, body)
