"""No secret, token, link or address in a log record, an exception or a repr."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from proforum_zoom import Answer, TransientFailure, ZoomProviderFactory, parse_options
from proforum_zoom.testing import FakeZoom, Fault, Recorded, signed_webhook

from proforum.domain.common import MemberId
from proforum.errors import ProforumError
from proforum.ports.video import Participant

if TYPE_CHECKING:
    from conftest import MakeProvider, MeetingRequestFor


def secrets_of(zoom: FakeZoom) -> list[str]:
    """Every string of the run that must never be shown."""
    found = [
        zoom.client_secret,
        zoom.webhook_secret,
        zoom.user,
        base64.b64encode(f"{zoom.client_id}:{zoom.client_secret}".encode()).decode(),
        *zoom.issued_tokens,
    ]
    for meeting in zoom.meetings.values():
        found += [meeting["join_url"], meeting["start_url"], meeting["password"]]
        found.append(meeting["join_url"].split("pwd=")[1])
    for people in zoom.registrants.values():
        for person in people.values():
            found += [person["join_url"], person["join_url"].split("tk=")[1], person["email"]]
    return found


def test_a_full_run_with_failures_leaks_nothing(
    zoom: FakeZoom,
    make_provider: MakeProvider,
    meeting_request: MeetingRequestFor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caught: list[ProforumError] = []

    def attempt(action: Callable[[], Any]) -> Any:
        try:
            return action()
        except ProforumError as exc:
            caught.append(exc)
            return None

    caplog.set_level(logging.DEBUG)
    provider = make_provider(timeout=0.2)
    zoom.inject("token", Fault.error(500))
    zoom.inject("create_meeting", Fault.rate_limited("1"), Fault.error(500, after=True))
    meeting = provider.create_meeting(meeting_request())
    participants = [
        Participant(MemberId(f"mem_{n}"), f"참가자{n}", email=f"secret.person{n}@example.com")
        for n in range(35)
    ]
    zoom.inject("batch_registrants", Fault.slow(0.5, after=True))
    registrations = provider.register(meeting, participants)
    zoom.expire_tokens()
    provider.revoke(meeting, registrations[3])
    zoom.end_meeting(
        meeting.meeting_id,
        [{"user_email": p.email, "duration": 60} for p in participants[:5]],
    )
    provider.attendance(meeting)
    # Failures of every kind.
    zoom.inject("update_meeting", Fault.malformed_json())
    attempt(lambda: provider.update_meeting(meeting, meeting_request()))
    zoom.inject("update_meeting", *[Fault.error(503)] * 4)
    attempt(lambda: provider.update_meeting(meeting, meeting_request()))
    zoom.inject("past_participants", Fault.token_expired(), Fault.token_expired())
    attempt(lambda: provider.attendance(meeting))
    attempt(
        lambda: make_provider(client_secret="wrong-" + zoom.client_secret).create_meeting(
            meeting_request()
        )
    )
    attempt(lambda: make_provider(user="other." + zoom.user).create_meeting(meeting_request()))
    attempt(lambda: make_provider(client_secret=zoom.client_secret[:5]))
    headers, body = signed_webhook("not-" + zoom.webhook_secret, {"event": "x"}, 1)
    attempt(lambda: provider.verify_webhook(headers, body, meeting_request().starts_at))
    provider.cancel_meeting(meeting)
    assert len(caught) == 7

    shown = [caplog.text, *(r.getMessage() for r in caplog.records)]
    for exc in caught:
        shown += [str(exc), repr(exc), exc.message_ko, exc.message_en, repr(exc.params)]
    shown += [repr(provider), repr(provider.settings), repr(provider.client), repr(meeting)]
    shown += [repr(r) for r in registrations]
    shown += [repr(r) for r in zoom.requests]
    text = "\n".join(shown)
    for secret in secrets_of(zoom):
        assert secret not in text
    assert len(secrets_of(zoom)) > 100  # the scan really looked at something


def test_reprs_of_every_public_object_hide_secrets(
    zoom: FakeZoom, make_provider: MakeProvider
) -> None:
    options = zoom.options()
    objects: list[object] = [
        parse_options(options),
        make_provider(),
        make_provider().client,
        ZoomProviderFactory(),
        Answer(200, {"access_token": "eyJtoken-abc"}, {"authorization": "Bearer eyJtoken-abc"}),
        zoom,
        Recorded(
            "POST", "token", "/oauth/token", {"account_id": zoom.account_id}, {"a": "eyJtoken-abc"}
        ),
        Fault.error(500),
        TransientFailure("timeout", None),
    ]
    for obj in objects:
        text = repr(obj)
        assert zoom.client_secret not in text
        assert zoom.webhook_secret not in text
        assert zoom.account_id not in text
        assert zoom.client_id not in text
        assert zoom.user not in text
        assert "eyJtoken-abc" not in text
