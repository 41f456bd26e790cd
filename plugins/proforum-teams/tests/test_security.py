"""No secret, token, link or address in a log, an error or a repr, whatever happens."""

from __future__ import annotations

import logging
import pickle
from typing import TYPE_CHECKING

import pytest
from proforum_teams import TeamsProvider, TeamsProviderFactory
from proforum_teams.graph import Response
from proforum_teams.testing import (
    FakeGraph,
    Fault,
    attendance_record,
    change_notification,
    garbage,
    server_error,
    slow,
    throttled,
    token_expiry,
)

from proforum.domain.common import MemberId
from proforum.errors import ProforumError

if TYPE_CHECKING:
    from conftest import MakeProvider, Req

STATE = "client-state-7d3f9a1c5e8b2d4f6a0c"
EMAILS = ("jane.doe@example.com", "kim.minsu@example.co.kr")


def shown_by(thing: object) -> list[str]:
    texts = [repr(thing), str(thing)]
    if isinstance(thing, BaseException):
        texts += [repr(thing.args)]
    if isinstance(thing, ProforumError):
        texts += [repr(dict(thing.params)), thing.message_ko, thing.message_en]
        texts += [str(pickle.loads(pickle.dumps(thing)))]
    return texts


def test_a_full_run_with_failures_leaks_nothing(
    req: Req,
    make_provider: MakeProvider,
    graph: FakeGraph,
    caplog: pytest.LogCaptureFixture,
) -> None:
    errors: list[BaseException] = []

    def attempt(action: object) -> object:
        try:
            return action()  # type: ignore[operator]
        except ProforumError as exc:
            errors.append(exc)
            return None

    with caplog.at_level(logging.DEBUG):
        provider = make_provider(timeout="0.2", max_attempts="2")
        graph.inject(throttled("1"), server_error(500), route="create_or_get")
        graph.inject(server_error(503), route="token")
        attempt(lambda: provider.create_meeting(req()))  # 429, 500: unavailable
        meeting = provider.create_meeting(req())
        graph.inject(token_expiry(), route="update")
        provider.update_meeting(meeting, req())
        graph.inject(slow(1), slow(1), route="update")
        attempt(lambda: provider.update_meeting(meeting, req()))  # timeouts
        graph.inject(garbage(), route="update")
        attempt(lambda: provider.update_meeting(meeting, req()))
        graph.inject(Fault(status=400), route="records")
        graph.add_report(meeting.meeting_id, [attendance_record(e, 600) for e in EMAILS])
        attempt(lambda: provider.attendance(meeting))
        entries = provider.attendance(meeting)
        attempt(lambda: provider.verify_webhook({}, change_notification("forged-state-xx"), None))  # type: ignore[arg-type]
        accepted = provider.verify_webhook({}, change_notification(STATE), None)  # type: ignore[arg-type]
        graph.granted.clear()
        attempt(lambda: provider.create_meeting(req("mtp_0002")))
        graph.granted.add(graph.organizer)
        wrong = make_provider(client_secret="wrong-secret-value-123")
        attempt(lambda: wrong.create_meeting(req()))
        provider.cancel_meeting(meeting)
        link = provider.join_link(meeting, MemberId("mem_1"))

    assert len(errors) == 7
    assert len(graph.issued) >= 2
    hidden = [
        graph.client_secret,
        "wrong-secret-value-123",
        STATE,
        meeting.join_url.reveal(),
        meeting.join_url.reveal().split("meeting_")[1][:32],
        graph.organizer,
        graph.client_id,
        *graph.issued,
        *EMAILS,
    ]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "teams: create_meeting" in logged  # the logs do say what happened
    texts = [logged]
    for thing in [
        *errors,
        provider,
        provider.settings,
        provider._graph,
        meeting,
        link,
        *entries,
        accepted,
        graph,
        TeamsProviderFactory(),
        Response(200, {"authorization": graph.issued[0]}, meeting.join_url.reveal().encode()),
        *graph.requests,
    ]:
        texts += shown_by(thing)
    for text in texts:
        for secret in hidden:
            assert secret not in text
    for error in errors:
        assert error.__context__ is None
        assert error.__cause__ is None


def test_the_fake_keeps_the_client_secret_out_of_its_record(
    req: Req, provider: TeamsProvider, graph: FakeGraph
) -> None:
    provider.create_meeting(req())
    assert "client_secret" not in graph.seen("token")[0].body
