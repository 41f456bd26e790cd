"""The spool notifier: proforum's notifier contract, its own promises, a whole forum."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timedelta
from importlib.metadata import entry_points, version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import proforum_example_spool
import pytest
from proforum_example_spool import (
    FORMAT,
    SpoolMessageIdInvalid,
    SpoolNotConfigured,
    SpoolNotifier,
    SpoolNotifierFactory,
    SpoolOptionInvalid,
)

import proforum
from proforum.adapters.memory import MemoryStorage
from proforum.domain.common import MessageId
from proforum.domain.notification import DeliveryStatus, MessageKind
from proforum.ports.context import AdapterContext
from proforum.testing.contracts import (
    NotifierContract,
    sample_member,
    sample_message,
    sample_rendered,
)

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)
LINK = "https://zoom.us/j/81234567890?pwd=spool-secret"


def make_notifier(options: dict[str, Any]) -> SpoolNotifier:
    """Build the notifier the way proforum does: through the factory."""
    context = AdapterContext(storage=MemoryStorage(), clock=proforum.ManualClock(T0))
    return SpoolNotifierFactory().create(context, options)


def spooled(directory: Path) -> list[dict[str, Any]]:
    """The documents in the spool, by file name."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]


# --------------------------------------------------------------------------- the contract


class TestSpoolNotifier(NotifierContract):
    """The tests every proforum notifier passes, reading back the spool directory."""

    @pytest.fixture
    def notifier(self, tmp_path: Path) -> SpoolNotifier:
        return make_notifier({"directory": str(tmp_path / "spool")})

    def received(self, notifier: Any) -> list[tuple[str, str]]:
        return [
            (doc["message_id"], f"{doc['subject']}\n{doc['body']}")
            for doc in spooled(notifier.directory)
        ]


# --------------------------------------------------------------------------- the file


def test_a_message_is_one_json_file_named_after_its_id(tmp_path: Path) -> None:
    notifier = make_notifier({"directory": tmp_path / "spool"})  # a Path works too
    message = sample_message(1)
    notifier.deliver(message, sample_member(7), sample_rendered())

    (path,) = (tmp_path / "spool").iterdir()
    assert path.name == f"{message.id}.json"
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "format": FORMAT,
        "message_id": "msg_0001",
        "recipient_id": "mem_0007",
        "kind": "meeting_link",
        "created_at": message.created_at.isoformat(),
        "lang": "ko",
        "subject": "[참가 링크] 퍼포먼스 마케터끼리 만나요!",
        "body": sample_rendered().body,
    }


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_files_hold_links_so_only_their_owner_reads_them(tmp_path: Path) -> None:
    notifier = make_notifier({"directory": str(tmp_path / "spool")})
    notifier.deliver(sample_message(1), sample_member(1), sample_rendered())
    (path,) = (tmp_path / "spool").glob("*.json")
    assert path.stat().st_mode & 0o077 == 0


def test_redelivery_overwrites_the_same_file(tmp_path: Path) -> None:
    notifier = make_notifier({"directory": str(tmp_path)})
    message = sample_message(2)
    notifier.deliver(message, sample_member(1), sample_rendered("ko"))
    notifier.deliver(message, sample_member(1), sample_rendered("en"))

    assert [p.name for p in tmp_path.iterdir()] == ["msg_0002.json"]  # no temporary files
    assert [doc["lang"] for doc in spooled(tmp_path)] == ["en"]


def test_a_failed_write_leaves_the_earlier_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notifier = make_notifier({"directory": str(tmp_path)})
    message = sample_message(3)
    notifier.deliver(message, sample_member(1), sample_rendered("ko"))

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        notifier.deliver(message, sample_member(1), sample_rendered("en"))

    assert [p.name for p in tmp_path.iterdir()] == ["msg_0003.json"]
    assert [doc["lang"] for doc in spooled(tmp_path)] == ["ko"]


@pytest.mark.parametrize("bad_id", ["../escape", "a/b", "..", "", "msg 1", "x" * 129])
def test_ids_that_are_not_plain_file_names_are_refused(tmp_path: Path, bad_id: str) -> None:
    notifier = make_notifier({"directory": str(tmp_path / "spool")})
    message = attrs.evolve(sample_message(1), id=MessageId(bad_id))
    with pytest.raises(SpoolMessageIdInvalid):
        notifier.deliver(message, sample_member(1), sample_rendered())
    assert list(tmp_path.rglob("*")) == []


def test_the_link_never_reaches_the_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    notifier = make_notifier({"directory": str(tmp_path)})
    notifier.deliver(sample_message(4), sample_member(1), sample_rendered())

    assert "spooled message msg_0004 for member mem_0001" in caplog.text
    assert "zoom.us" not in caplog.text
    assert "zoom.us" not in repr(notifier)


# --------------------------------------------------------------------------- options


def test_without_options_the_notifier_builds_but_refuses_to_deliver(tmp_path: Path) -> None:
    notifier = make_notifier({})
    with pytest.raises(SpoolNotConfigured) as caught:
        notifier.deliver(sample_message(1), sample_member(1), sample_rendered())
    assert caught.value.code == "spool.not_configured"
    assert "notifier_options" in caught.value.message_en


@pytest.mark.parametrize(
    ("options", "option"),
    [({"directory": 42}, "directory"), ({"directory": ""}, "directory"), ({"dir": "x"}, "dir")],
)
def test_malformed_options_are_reported_when_the_notifier_is_built(
    options: dict[str, Any], option: str
) -> None:
    with pytest.raises(SpoolOptionInvalid) as caught:
        make_notifier(options)
    assert caught.value.params["option"] == option


def test_building_the_notifier_touches_no_file(tmp_path: Path) -> None:
    make_notifier({"directory": str(tmp_path / "spool")})
    assert not (tmp_path / "spool").exists()


# --------------------------------------------------------------------------- installed


def test_the_entry_point_is_declared() -> None:
    (point,) = [ep for ep in entry_points(group="proforum") if ep.name == "spool"]
    assert point.value == "proforum_example_spool"
    assert point.dist is not None
    assert point.dist.name == "proforum-example-spool"
    assert point.load() is proforum_example_spool


def test_the_default_plugin_manager_finds_it() -> None:
    pm = proforum.get_plugin_manager()
    plugin = pm.get_plugin("spool")
    assert plugin is proforum_example_spool
    assert [d.project_name for p, d in pm.list_plugin_distinfo() if p is plugin] == [
        "proforum-example-spool"
    ]
    factories = [f for batch in pm.hook.proforum_register_notifiers() for f in batch]
    assert SpoolNotifierFactory() in factories


def test_the_version_is_the_installed_distributions() -> None:
    assert proforum_example_spool.__version__ == version("proforum-example-spool")


# --------------------------------------------------------------------------- a whole forum


def test_a_whole_forum_spools_its_messages_and_links(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    spool = tmp_path / "spool"
    clock = proforum.ManualClock(T0)
    with proforum.open(
        "memory://",
        clock=clock,
        notifier="spool",
        notifier_options={"spool": {"directory": str(spool)}},
    ) as forum:
        operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
        host = forum.register_member(real_name="박성과", job_function="marketing-pr")
        community = forum.create_community(
            operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
        )
        forum.join_community(host.id, community.id)
        forum.assign_role(operator.id, community.id, host.id, proforum.Role.HOST)
        members = []
        for n in range(3):
            member = forum.register_member(nickname=f"퍼포마케터{n}", job_function="marketing-pr")
            forum.join_community(member.id, community.id)
            members.append(member)

        starts = T0 + timedelta(days=9, hours=9)
        meetup = forum.create_meetup(
            host.id,
            community.id,
            title="퍼포먼스 마케터끼리 만나요!",
            topic="나는 이렇게 망해봤다",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=2,
            applications_open_at=T0,
            applications_close_at=starts - timedelta(days=3),
        )
        forum.announce_meetup(host.id, meetup.id)
        for member in members:
            forum.apply(member.id, meetup.id)
        clock.set(starts - timedelta(days=2))
        forum.close_applications(host.id, meetup.id)
        draw = forum.draw(host.id, meetup.id)
        forum.set_meeting(host.id, meetup.id, options={"join_url": LINK})
        assert forum.send_meeting_links(host.id, meetup.id) == 2

        everything = forum.outbox()

    # The reminders wait in the outbox for their time (a day and an hour before).
    planned = [m for m in everything if m.kind is MessageKind.REMINDER]
    assert {m.status for m in planned} == {DeliveryStatus.PENDING}
    assert len(planned) == 4
    outbox = [m for m in everything if m.kind is not MessageKind.REMINDER]
    # Every other message went through the spool, and each left exactly one file.
    assert outbox
    assert {m.channel for m in everything} == {"spool"}
    assert {m.status for m in outbox} == {DeliveryStatus.SENT}
    documents = spooled(spool)
    assert sorted(doc["message_id"] for doc in documents) == sorted(m.id for m in outbox)
    assert [p for p in spool.iterdir() if p.suffix != ".json"] == []

    # Only the selected members got the link, in their file and nowhere else.
    links = [doc for doc in documents if doc["kind"] == MessageKind.MEETING_LINK]
    assert sorted(doc["recipient_id"] for doc in links) == sorted(draw.selected)
    assert all(LINK in doc["body"] for doc in links)
    assert not any(LINK in doc["body"] for doc in documents if doc not in links)
    assert "spooled message" in caplog.text
    assert "zoom.us" not in caplog.text


def test_a_failed_delivery_is_retried_into_the_same_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-yet-a-directory"
    blocker.write_text("", encoding="utf-8")  # the spool cannot be made under a file
    spool = blocker / "spool"
    clock = proforum.ManualClock(T0)
    with proforum.open(
        "memory://",
        clock=clock,
        notifier="spool",
        notifier_options={"spool": {"directory": str(spool)}},
    ) as forum:
        operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
        community = forum.create_community(
            operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
        )
        meetup = forum.create_meetup(
            operator.id,
            community.id,
            title="퍼포먼스 마케터끼리 만나요!",
            topic="나는 이렇게 망해봤다",
            starts_at=T0 + timedelta(days=9),
            ends_at=T0 + timedelta(days=9, hours=2),
            capacity=2,
            applications_open_at=T0,
            applications_close_at=T0 + timedelta(days=6),
        )
        forum.announce_meetup(operator.id, meetup.id)  # one message: to the operator
        (failed,) = forum.outbox()
        assert failed.status is DeliveryStatus.PENDING
        assert failed.last_error is not None
        assert str(blocker) not in caplog.text  # proforum logs the kind of error only

        blocker.unlink()
        clock.set(T0 + timedelta(days=1))  # past any backoff
        report = forum.deliver_pending()
        (delivered,) = forum.outbox()

    assert report.sent == 1
    assert delivered.status is DeliveryStatus.SENT
    assert delivered.attempts == 2
    assert [doc["message_id"] for doc in spooled(spool)] == [failed.id]
