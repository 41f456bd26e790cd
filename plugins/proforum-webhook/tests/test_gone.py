"""410 Gone: the endpoint is disabled, in memory and in the state file, until re-enabled."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from proforum_webhook import (
    WebhookEndpointGone,
    WebhookNotifier,
    WebhookOptionInvalid,
    enable_endpoint,
)
from proforum_webhook.state import EndpointState, fingerprint, read_state

from proforum.errors import DeliveryRejected
from proforum.testing.contracts import sample_member, sample_message, sample_rendered

if TYPE_CHECKING:
    from conftest import MakeNotifier, Receiver

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def send(notifier: WebhookNotifier, n: int = 1) -> None:
    notifier.deliver(sample_message(n), sample_member(1), sample_rendered())


def gone(notifier: WebhookNotifier, n: int = 1) -> WebhookEndpointGone:
    with pytest.raises(WebhookEndpointGone) as caught:
        send(notifier, n)
    error = caught.value
    assert isinstance(error, DeliveryRejected)  # the relay dead-letters it at once
    assert error.code == "delivery.rejected"
    assert error.params["reason"] == "endpoint_gone"
    assert error.__context__ is None
    return error


def test_410_disables_the_endpoint_until_it_is_enabled(
    receiver: Receiver, make_notifier: MakeNotifier
) -> None:
    receiver.answer(410)
    notifier = make_notifier(receiver.options())
    before = notifier.disabled
    gone(notifier, 1)
    assert (before, notifier.disabled) == (False, True)
    gone(notifier, 2)  # refused at once: no HTTP call
    gone(notifier, 3)
    assert [r.headers["webhook-id"] for r in receiver.requests] == ["msg_0001"]

    assert notifier.enable() is True
    assert notifier.enable() is False  # already enabled
    send(notifier, 4)
    assert [e.message_id for e in receiver.accepted()] == ["msg_0004"]


def test_without_a_state_file_another_notifier_is_not_affected(
    receiver: Receiver, make_notifier: MakeNotifier
) -> None:
    receiver.answer(410)
    gone(make_notifier(receiver.options()))
    send(make_notifier(receiver.options()), 2)  # a new process would start afresh
    assert [e.message_id for e in receiver.accepted()] == ["msg_0002"]


def test_the_state_file_remembers_across_notifiers_and_processes(
    receiver: Receiver, make_notifier: MakeNotifier, tmp_path: Path
) -> None:
    state_file = tmp_path / "webhook-state.json"
    options = receiver.options(state_file=str(state_file))
    receiver.answer(410)
    first = make_notifier(options)
    gone(first, 1)

    document = json.loads(state_file.read_text(encoding="utf-8"))
    assert document["format"] == "proforum-webhook/endpoints"
    assert document["version"] == 1
    (record,) = document["disabled"].values()
    assert record == {
        "endpoint": f"http://127.0.0.1:{receiver.port}",
        "status": 410,
        "disabled_at": "2026-12-01T01:00:00Z",
    }
    text = state_file.read_text(encoding="utf-8")
    assert "/hooks/" not in text  # the URL's path (an access token) is not on disk
    assert options["secret"] not in text
    # Written atomically: no temporary file is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "webhook-state.json",
        "webhook-state.json.lock",
    ]

    second = make_notifier(options)  # e.g. the worker, restarted
    assert second.disabled
    gone(second, 2)
    assert len(receiver.requests) == 1

    assert enable_endpoint(options["url"], state_file) is True
    assert enable_endpoint(options["url"], state_file) is False
    # Both notifiers read the file before each delivery: both deliver again.
    send(first, 3)
    send(second, 4)
    assert [e.message_id for e in receiver.accepted()] == ["msg_0003", "msg_0004"]
    assert read_state(state_file) == {}


def test_a_notifier_re_enables_its_endpoint_in_the_state_file(
    receiver: Receiver, make_notifier: MakeNotifier, tmp_path: Path
) -> None:
    options = receiver.options(state_file=tmp_path / "state.json")  # a Path works too
    receiver.answer(410)
    notifier = make_notifier(options)
    gone(notifier)
    assert notifier.enable() is True
    assert not make_notifier(options).disabled


def test_an_endpoint_disabled_by_another_process_is_refused_at_once(
    receiver: Receiver, make_notifier: MakeNotifier, tmp_path: Path
) -> None:
    state_file = tmp_path / "state.json"
    options = receiver.options(state_file=str(state_file))
    notifier = make_notifier(options)
    send(notifier, 1)
    disable_in_other_processes(state_file, [options["url"]])
    gone(notifier, 2)
    assert len(receiver.requests) == 1


def test_other_endpoints_in_the_same_file_are_kept(
    make_notifier: MakeNotifier, receiver: Receiver, tmp_path: Path
) -> None:
    state_file = tmp_path / "state.json"
    others = [f"https://hooks{n}.example.com/x" for n in range(3)]
    for url in others:  # other forums' notifiers sharing the file
        EndpointState(url, "https://hooks.example.com:443", state_file).disable(T0, 410)
    receiver.answer(410)
    gone(make_notifier(receiver.options(state_file=state_file)))
    assert set(read_state(state_file)) == {fingerprint(u) for u in [*others, receiver.url()]}
    assert enable_endpoint(others[0], state_file)
    assert set(read_state(state_file)) == {fingerprint(u) for u in [*others[1:], receiver.url()]}


def test_processes_writing_at_once_lose_no_update(tmp_path: Path) -> None:
    if sys.platform == "win32":
        pytest.skip("no advisory file locks on Windows")
    state_file = tmp_path / "state.json"
    urls = [f"https://hooks.example.com/{n}" for n in range(40)]
    disable_in_other_processes(state_file, urls, processes=4)
    assert set(read_state(state_file)) == {fingerprint(u) for u in urls}


def disable_in_other_processes(state_file: Path, urls: list[str], processes: int = 1) -> None:
    """Record ``urls`` as gone from separate Python processes, started together."""
    script = textwrap.dedent(
        """
        import sys
        from datetime import UTC, datetime
        from pathlib import Path
        from proforum_webhook.state import EndpointState

        path = Path(sys.argv[1])
        for url in sys.argv[2:]:
            EndpointState(url, "https://hooks.example.com:443", path).disable(
                datetime.now(UTC), 410
            )
        """
    )
    batches = [urls[i::processes] for i in range(processes)]
    running = [
        subprocess.Popen([sys.executable, "-c", script, str(state_file), *batch])
        for batch in batches
    ]
    assert [p.wait(timeout=30) for p in running] == [0] * processes


# --------------------------------------------------------------------------- broken files


def test_a_broken_state_file_is_refused_when_the_forum_opens(
    receiver: Receiver, make_notifier: MakeNotifier, tmp_path: Path
) -> None:
    state_file = tmp_path / "state.json"
    for content in ("{not json", "[]", '{"format": "something else", "disabled": {}}'):
        state_file.write_text(content, encoding="utf-8")
        with pytest.raises(WebhookOptionInvalid) as caught:
            make_notifier(receiver.options(state_file=state_file))
        assert caught.value.params["option"] == "state_file"


@pytest.mark.parametrize("where", ["missing-directory", "directory"])
def test_a_state_file_that_cannot_be_a_file_is_refused(
    receiver: Receiver, make_notifier: MakeNotifier, tmp_path: Path, where: str
) -> None:
    path = tmp_path / "nowhere" / "state.json" if where == "missing-directory" else tmp_path
    with pytest.raises(WebhookOptionInvalid) as caught:
        make_notifier(receiver.options(state_file=path))
    assert caught.value.params["option"] == "state_file"


def test_a_state_file_broken_later_falls_back_to_memory(
    receiver: Receiver,
    make_notifier: MakeNotifier,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    state_file = tmp_path / "state.json"
    notifier = make_notifier(receiver.options(state_file=state_file))
    state_file.write_text("{garbage", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="proforum_webhook"):
        send(notifier, 1)  # delivery does not depend on the file
        receiver.answer(410)
        gone(notifier, 2)
        gone(notifier, 3)
    assert len(receiver.requests) == 2
    assert "unreadable" in caplog.text
    # The 410 was recorded in a fresh, valid file.
    assert set(read_state(state_file)) == {fingerprint(receiver.url())}


def test_enable_endpoint_leaves_a_broken_file_alone(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text("{garbage", encoding="utf-8")
    with pytest.raises(WebhookOptionInvalid) as caught:
        enable_endpoint("https://hooks.example.com/x", state_file)
    assert caught.value.params["option"] == "state_file"
    assert state_file.read_text(encoding="utf-8") == "{garbage"


def test_enable_endpoint_without_a_file_creates_none(tmp_path: Path) -> None:
    assert enable_endpoint("https://hooks.example.com/x", tmp_path / "state.json") is False
    assert list(tmp_path.iterdir()) == []


def test_a_state_file_that_cannot_be_written_keeps_the_endpoint_disabled_in_memory(
    receiver: Receiver,
    make_notifier: MakeNotifier,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    directory = tmp_path / "state"
    directory.mkdir()
    notifier = make_notifier(receiver.options(state_file=directory / "state.json"))
    directory.rmdir()  # e.g. a volume unmounted under a running worker
    receiver.answer(410)
    with caplog.at_level(logging.WARNING, logger="proforum_webhook"):
        gone(notifier, 1)
    gone(notifier, 2)
    assert len(receiver.requests) == 1
    assert "could not record the disabled webhook endpoint: FileNotFoundError" in caplog.text
