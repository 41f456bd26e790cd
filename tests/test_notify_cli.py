"""``proforum notify run | dead | retry`` through click's test runner.

The real processes, several at once and one of them killed, are in
``test_relay_processes.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner, Result

import proforum
from forum_world import LINK
from proforum.cli import main
from proforum.domain.notification import DeliveryStatus
from relay_support import deliveries, fill_outbox, plugin_manager
from sql_support import sqlite_url


@pytest.fixture
def url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "forum.db")


@pytest.fixture
def forum(url: str) -> Iterator[proforum.Forum]:
    with proforum.open(url, plugin_manager=plugin_manager(), deliver="manual") as forum:
        yield forum


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def appending(url: str, record: Path, *more: str) -> Result:
    return invoke(
        "notify",
        "run",
        "--db",
        url,
        "--plugin",
        "relay_support",
        "--notifier",
        "appending",
        "--option",
        f"path={record}",
        *more,
    )


def dead_letters(forum: proforum.Forum, count: int) -> list[str]:
    """``count`` messages to the inbox that failed for good, one with a link."""
    ids = fill_outbox(forum.storage, count, members=3)
    with forum.storage.unit_of_work() as uow:
        for message_id in ids:
            message = uow.messages.get(message_id)
            assert message is not None
            failed = attrs.evolve(message, channel="inbox", params={"link": LINK})
            uow.messages.update(failed.failed("SMTPRecipientsRefused", give_up=True))
        uow.commit()
    return ids


def test_run_once_delivers_through_the_named_notifier(
    url: str, forum: proforum.Forum, tmp_path: Path
) -> None:
    ids = fill_outbox(forum.storage, 12)
    record = tmp_path / "delivered.txt"
    result = appending(url, record, "--once", "--limit", "5")
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["sent=5", "retrying=0", "failed=0"]
    assert appending(url, record, "--limit", "100").output.split() == [
        "sent=7",
        "retrying=0",
        "failed=0",
    ]
    assert [message_id for message_id, _ in deliveries(record)] == ids
    assert {m.status for m in forum.outbox()} == {DeliveryStatus.SENT}


def test_run_on_the_inbox_by_default(url: str, forum: proforum.Forum) -> None:
    member = forum.register_member(real_name="김운영", job_function="marketing-pr")
    forum.create_community(
        member.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    assert forum.inbox(member.id) == []
    ids = fill_outbox(forum.storage, 2, members=2)
    with forum.storage.unit_of_work() as uow:
        for message_id in ids:
            message = uow.messages.get(message_id)
            assert message is not None
            uow.messages.update(attrs.evolve(message, channel="inbox"))
        uow.commit()
    result = invoke("notify", "run", "--db", url)
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["sent=2", "retrying=0", "failed=0"]
    assert forum.unread_count(forum.outbox()[0].recipient_id) == 1


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_notifier_options_from_a_config_file(
    url: str, forum: proforum.Forum, tmp_path: Path, suffix: str
) -> None:
    ids = fill_outbox(forum.storage, 3)
    record = tmp_path / "delivered.txt"
    config = tmp_path / f"notify{suffix}"
    if suffix == ".toml":
        config.write_text(f'[appending]\npath = "{record}"\n')
    else:
        config.write_text(json.dumps({"appending": {"path": str(record)}}))
    result = invoke(
        "notify",
        "run",
        "--db",
        url,
        "--plugin",
        "relay_support",
        "--notifier",
        "appending",
        "--config",
        str(config),
    )
    assert result.exit_code == 0, result.output
    assert [message_id for message_id, _ in deliveries(record)] == ids


@pytest.mark.parametrize(
    ("content", "suffix"),
    [
        pytest.param('password = "hunter2" [[', ".toml", id="bad-toml"),
        pytest.param('{"password": "hunter2"', ".json", id="bad-json"),
        pytest.param('{"appending": "hunter2"}', ".json", id="not-tables"),
        pytest.param('["hunter2"]', ".json", id="a-list"),
    ],
)
def test_a_bad_config_file_is_refused_without_quoting_it(
    url: str, forum: proforum.Forum, tmp_path: Path, content: str, suffix: str
) -> None:
    fill_outbox(forum.storage, 1)
    config = tmp_path / f"notify{suffix}"
    config.write_text(content)
    result = invoke("notify", "run", "--db", url, "--config", str(config))
    assert result.exit_code == 1
    assert "config file" in result.output
    assert "hunter2" not in result.output
    assert {m.status for m in forum.outbox()} == {DeliveryStatus.PENDING}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(["--option", "no-equals-sign"], "KEY=VALUE", id="option"),
        pytest.param(["--option", "=value"], "KEY=VALUE", id="empty-key"),
        pytest.param(["--plugin", "no_such_module_here"], "cannot import", id="plugin"),
        pytest.param(["--limit", "0"], "--limit", id="limit"),
        pytest.param(["--lease", "0.5"], "--lease", id="lease"),
    ],
)
def test_a_wrong_command_line_exits_2(
    url: str, forum: proforum.Forum, args: list[str], says: str
) -> None:
    fill_outbox(forum.storage, 1)
    result = invoke("notify", "run", "--db", url, *args)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert {m.status for m in forum.outbox()} == {DeliveryStatus.PENDING}


def test_an_unknown_notifier_is_a_clean_error(url: str) -> None:
    result = invoke("notify", "run", "--db", url, "--notifier", "pigeon")
    assert result.exit_code == 1
    assert "plugin.unknown_adapter" in result.output
    assert "Traceback" not in result.output


def test_dead_lists_without_parameters_or_links(url: str, forum: proforum.Forum) -> None:
    ids = dead_letters(forum, 3)
    result = invoke("notify", "dead", "--db", url, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["id"] for row in rows] == ids[::-1]
    assert set(rows[0]) == {
        "id",
        "recipient_id",
        "kind",
        "channel",
        "attempts",
        "last_error",
        "created_at",
    }
    assert rows[0]["last_error"] == "SMTPRecipientsRefused"
    assert rows[0]["attempts"] == 1
    table = invoke("notify", "dead", "--db", url)
    assert table.exit_code == 0, table.output
    for message_id in ids:
        assert message_id in table.output
    for output in (result.output, table.output):
        assert LINK not in output
        assert "zoom" not in output
    page = invoke("notify", "dead", "--db", url, "--format", "json", "--before", ids[2])
    assert [row["id"] for row in json.loads(page.output)] == ids[1::-1]
    assert (
        json.loads(
            invoke("notify", "dead", "--db", url, "--format", "json", "--limit", "1").output
        )[0]["id"]
        == ids[2]
    )


def test_dead_with_nothing_dead(url: str, forum: proforum.Forum) -> None:
    result = invoke("notify", "dead", "--db", url)
    assert result.exit_code == 0, result.output
    assert "no dead letters" in result.output
    assert json.loads(invoke("notify", "dead", "--db", url, "--format", "json").output) == []


def test_retry_named_messages_then_all(url: str, forum: proforum.Forum) -> None:
    ids = dead_letters(forum, 3)
    result = invoke("notify", "retry", "--db", url, ids[0])
    assert result.exit_code == 0, result.output
    assert "1 message(s) back in the outbox" in result.output
    statuses = {m.id: (m.status, m.attempts) for m in forum.outbox()}
    assert statuses[ids[0]] == (DeliveryStatus.PENDING, 0)
    assert statuses[ids[1]] == (DeliveryStatus.FAILED, 1)
    result = invoke("notify", "retry", "--db", url, "--all")
    assert "2 message(s) back in the outbox" in result.output
    assert {m.status for m in forum.outbox()} == {DeliveryStatus.PENDING}


def test_retry_refuses_a_message_that_is_not_dead_and_changes_nothing(
    url: str, forum: proforum.Forum
) -> None:
    ids = dead_letters(forum, 2)
    [pending] = fill_outbox(forum.storage, 1, start=50)
    result = invoke("notify", "retry", "--db", url, ids[0], pending)
    assert result.exit_code == 1
    assert "state.transition" in result.output
    assert {m.id for m in forum.dead_letters()} == set(ids)


@pytest.mark.parametrize(
    "args", [pytest.param([], id="neither"), pytest.param(["--all", "msg_1"], id="both")]
)
def test_retry_needs_ids_or_all_but_not_both(url: str, args: list[str]) -> None:
    result = invoke("notify", "retry", "--db", url, *args)
    assert result.exit_code == 2
    assert "--all" in result.output


def test_notify_is_listed_in_the_help() -> None:
    result = invoke("--help")
    assert "notify" in result.output
    assert "for operators" in invoke("notify", "--help").output
