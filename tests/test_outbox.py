"""Operating the outbox: relay passes with claims, run_relay, dead letters, statement counts."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from sqlalchemy.engine import URL

import proforum
from forum_world import LINK, T0, assert_unchanged
from proforum import DeliveryReport, ManualClock, SeededIds
from proforum.adapters.memory import MemoryStorage
from proforum.adapters.sql import mapping
from proforum.adapters.sql.storage import SqlStorage
from proforum.domain.identity import Member
from proforum.domain.notification import DeliveryStatus, Message
from proforum.errors import (
    DeliveryRejected,
    IllegalTransition,
    InvalidDeliverySetting,
    InvalidIdentifier,
    InvalidInput,
    NotFound,
    RetryLater,
    StorageError,
)
from proforum.ports.context import AdapterContext
from proforum.ports.notifier import RenderedMessage
from proforum.serialization import structure, unstructure
from proforum.services.base import DEFAULT_LEASE
from proforum.testing import strategies
from relay_support import fill_outbox
from sql_support import postgres_database, postgres_schema, sqlite_url


@attrs.define
class Recorder:
    """Records deliveries; refuses recipients listed in ``refuse`` for good."""

    delivered: list[str] = attrs.field(factory=list)
    refuse: set[str] = attrs.field(factory=set)
    during: Any = None  # called with each message before it is recorded
    name: str = "recorder"

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        if self.during is not None:
            self.during(message)
        if recipient.id in self.refuse:
            raise DeliveryRejected(reason="no_such_mailbox")
        self.delivered.append(message.id)


def recorder_manager(recorder: Recorder) -> Any:
    @attrs.frozen
    class Factory:
        name: str = "recorder"

        def create(self, context: AdapterContext, options: Mapping[str, Any]) -> Recorder:
            return recorder

    class Registration:
        @proforum.hookimpl
        def proforum_register_notifiers(self) -> list[Any]:
            return [Factory()]

    pm = proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(Registration())
    return pm


def open_forum(
    recorder: Recorder, url: str = "memory://", clock: ManualClock | None = None, **options: Any
) -> proforum.Forum:
    return proforum.open(
        url,
        plugin_manager=recorder_manager(recorder),
        clock=clock or ManualClock(T0),
        ids=SeededIds("outbox"),
        notifier="recorder",
        **options,
    )


def write_messages(forum: proforum.Forum, count: int) -> list[str]:
    """``count`` pending messages for the recorder, to members who exist."""
    ids = fill_outbox(forum.storage, count, members=5)
    with forum.storage.unit_of_work() as uow:
        for message_id in ids:
            message = uow.messages.get(message_id)
            assert message is not None
            uow.messages.update(attrs.evolve(message, channel="recorder"))
        uow.commit()
    return ids


# --------------------------------------------------------------------------- relay passes


def test_a_pass_leaves_alone_what_another_relay_holds() -> None:
    recorder = Recorder()
    with open_forum(recorder, deliver="manual") as forum:
        ids = write_messages(forum, 4)
        with forum.storage.unit_of_work() as uow:
            held = uow.messages.claim(2, forum.clock.now(), timedelta(minutes=1), "elsewhere")
            uow.commit()
        assert forum.deliver_pending() == DeliveryReport(sent=2)
        assert recorder.delivered == ids[2:]
        clock = forum.clock
        assert isinstance(clock, ManualClock)
        clock.advance(timedelta(minutes=1))  # the other relay's lease runs out
        assert forum.deliver_pending() == DeliveryReport(sent=2)
        assert recorder.delivered == ids[2:] + [m.id for m in held]
        assert {m.status for m in forum.outbox()} == {DeliveryStatus.SENT}


def test_a_use_case_sends_its_messages_once_even_when_a_worker_is_faster(
    tmp_path: Path,
) -> None:
    """The worker claims the just-committed message first: the use case does not send it too."""
    url = sqlite_url(tmp_path / "forum.db")
    recorder = Recorder()
    worker = open_forum(recorder, url, deliver="manual")
    worker_reports: list[DeliveryReport] = []

    class FastWorker:
        @proforum.hookimpl
        def proforum_application_made(self, application: Any, meetup: Any) -> None:
            # Called after the commit and before the use case relays its own messages.
            worker_reports.append(worker.deliver_pending())

    pm = recorder_manager(recorder)
    pm.register(FastWorker())
    clock = ManualClock(T0)
    with proforum.open(url, plugin_manager=pm, clock=clock, notifier="recorder") as app:
        host = app.register_member(real_name="박성과", job_function="marketing-pr")
        community = app.create_community(
            host.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
        )
        member = app.register_member(nickname="마케터", job_function="marketing-pr")
        app.join_community(member.id, community.id)
        meetup = app.create_meetup(
            host.id,
            community.id,
            title="모임",
            topic="주제",
            starts_at=T0 + timedelta(days=9),
            ends_at=T0 + timedelta(days=9, hours=2),
            capacity=5,
            applications_open_at=T0,
            applications_close_at=T0 + timedelta(days=6),
        )
        app.announce_meetup(host.id, meetup.id)
        announced = len(recorder.delivered)
        app.apply(member.id, meetup.id)
        outbox = app.outbox()
    worker.close()
    assert sum(r.sent for r in worker_reports) == len(recorder.delivered) - announced >= 1
    assert len(recorder.delivered) == len(set(recorder.delivered)) == len(outbox)
    assert {m.status for m in outbox} == {DeliveryStatus.SENT}


def test_a_message_whose_lease_ran_out_before_its_turn_is_left_for_later() -> None:
    clock = ManualClock(T0)
    lease = timedelta(minutes=1)

    def slow(message: Message) -> None:
        clock.advance(lease)  # the first delivery takes the whole lease

    recorder = Recorder(during=slow)
    with open_forum(recorder, clock=clock, deliver="manual") as forum:
        first, second = write_messages(forum, 2)
        # The first is delivered and recorded; the second's lease is over by its turn.
        assert forum.deliver_pending(lease=lease) == DeliveryReport(sent=1)
        assert recorder.delivered == [first]
        assert forum.deliver_pending(lease=lease) == DeliveryReport(sent=1)
        assert recorder.delivered == [first, second]


@pytest.fixture
def breaks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Append to it, and the next memory unit of work fails to begin."""
    broken: list[bool] = []
    real = MemoryStorage.unit_of_work

    def flaky(self: MemoryStorage) -> Any:
        if broken:
            broken.pop()
            raise StorageError(None, reason="connection lost")
        return real(self)

    monkeypatch.setattr(MemoryStorage, "unit_of_work", flaky)
    return broken


def test_claims_a_failed_pass_could_not_settle_are_released_at_once(breaks: list[bool]) -> None:
    """Recording the first outcome fails: every claim of the pass is given back, not held."""
    recorder = Recorder()
    with open_forum(recorder, deliver="manual") as forum:
        ids = write_messages(forum, 3)
        storage = forum.storage
        recorder.during = lambda message: breaks.append(True)
        with pytest.raises(StorageError):
            forum.deliver_pending()
        recorder.during = None
        assert recorder.delivered == ids[:1]  # sent, but not recorded
        with storage.unit_of_work() as uow:
            assert {(m.status, m.claimed_by) for m in uow.messages.all()} == {
                (DeliveryStatus.PENDING, None)
            }
        # No lease to wait for: the next pass sends all three, the first again (same id).
        assert forum.deliver_pending() == DeliveryReport(sent=3)
        assert recorder.delivered == [ids[0], *ids]


def test_a_rejected_message_is_dead_lettered_at_once_and_can_be_retried() -> None:
    recorder = Recorder()
    with open_forum(recorder, deliver="manual", max_delivery_attempts=5) as forum:
        ids = write_messages(forum, 4)
        with forum.storage.unit_of_work() as uow:
            refused = {uow.messages.get(i).recipient_id for i in ids[:2]}  # type: ignore[union-attr]
        recorder.refuse = set(refused)
        assert forum.deliver_pending() == DeliveryReport(sent=2, failed=2)
        dead = forum.dead_letters()
        assert [m.id for m in dead] == [ids[1], ids[0]]  # newest first
        assert {(m.attempts, m.last_error) for m in dead} == {
            (1, "delivery.rejected: no_such_mailbox")
        }
        assert [m.id for m in forum.dead_letters(limit=1)] == [ids[1]]
        assert [m.id for m in forum.dead_letters(before_id=ids[1])] == [ids[0]]

        recorder.refuse = set()
        requeued = forum.retry_dead_letter(ids[0])
        assert (requeued.status, requeued.attempts) == (DeliveryStatus.PENDING, 0)
        assert [m.id for m in forum.dead_letters()] == [ids[1]]
        assert forum.retry_dead_letters() == 1
        assert forum.dead_letters() == []
        assert forum.deliver_pending() == DeliveryReport(sent=2)
        sent = {m.id: m for m in forum.outbox()}
        assert (sent[ids[0]].status, sent[ids[0]].attempts) == (DeliveryStatus.SENT, 1)


@pytest.fixture
def dead_forum() -> Iterator[tuple[proforum.Forum, list[str]]]:
    """A forum with two dead letters, one pending and one sent message."""
    recorder = Recorder()
    with open_forum(recorder, deliver="manual") as forum:
        ids = write_messages(forum, 4)
        with forum.storage.unit_of_work() as uow:
            recorder.refuse = {uow.messages.get(i).recipient_id for i in ids[:2]}  # type: ignore[union-attr]
        forum.deliver_pending(limit=3)
        yield forum, ids


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(lambda f, ids: f.retry_dead_letter(ids[2]), IllegalTransition, id="sent"),
        pytest.param(lambda f, ids: f.retry_dead_letter(ids[3]), IllegalTransition, id="pending"),
        pytest.param(lambda f, ids: f.retry_dead_letter("msg_nowhere"), NotFound, id="unknown"),
        pytest.param(lambda f, ids: f.retry_dead_letter("../x"), InvalidIdentifier, id="bad-id"),
        pytest.param(
            lambda f, ids: f.retry_dead_letters([ids[0], ids[2]]),
            IllegalTransition,
            id="one-of-several-not-failed",
        ),
        pytest.param(
            lambda f, ids: f.retry_dead_letters([ids[0], "msg_nowhere"]),
            NotFound,
            id="one-of-several-unknown",
        ),
        pytest.param(lambda f, ids: f.retry_dead_letters(ids[0]), InvalidInput, id="a-string"),
        pytest.param(lambda f, ids: f.dead_letters(limit=0), InvalidInput, id="limit-0"),
        pytest.param(lambda f, ids: f.dead_letters(limit=True), InvalidInput, id="limit-bool"),
        pytest.param(lambda f, ids: f.dead_letters(limit=1001), InvalidInput, id="limit-big"),
        pytest.param(lambda f, ids: f.dead_letters(before_id="msg_x"), NotFound, id="before"),
        pytest.param(
            lambda f, ids: f.deliver_pending(lease=timedelta(0)), InvalidDeliverySetting, id="0"
        ),
        pytest.param(
            lambda f, ids: f.deliver_pending(lease=60), InvalidDeliverySetting, id="lease-int"
        ),
        pytest.param(
            lambda f, ids: f.run_relay(max_passes=0), InvalidDeliverySetting, id="passes-0"
        ),
        pytest.param(
            lambda f, ids: f.run_relay(idle_sleep=float("nan")),
            InvalidDeliverySetting,
            id="sleep-nan",
        ),
        pytest.param(lambda f, ids: f.run_relay(limit=0), InvalidInput, id="run-limit-0"),
    ],
)
def test_bad_operator_calls_change_nothing(
    dead_forum: tuple[proforum.Forum, list[str]], call: Any, error: type[Exception]
) -> None:
    forum, ids = dead_forum
    dead = [m.id for m in forum.dead_letters()]
    assert dead == [ids[1], ids[0]]
    assert_unchanged(forum, lambda: call(forum, ids), error)  # type: ignore[type-var]
    assert [m.id for m in forum.dead_letters()] == dead


def test_several_dead_letters_are_retried_together(
    dead_forum: tuple[proforum.Forum, list[str]],
) -> None:
    forum, ids = dead_forum
    assert forum.retry_dead_letters([ids[1], ids[0], ids[0]]) == 2
    assert forum.dead_letters() == []


def test_dead_letters_show_no_link_in_their_repr() -> None:
    recorder = Recorder()
    with open_forum(recorder, deliver="manual") as forum:
        (message_id,) = write_messages(forum, 1)
        with forum.storage.unit_of_work() as uow:
            message = uow.messages.get(message_id)
            assert message is not None
            uow.messages.update(attrs.evolve(message, params={"link": LINK}))
            uow.commit()
        recorder.refuse = {message.recipient_id}
        forum.deliver_pending()
        (dead,) = forum.dead_letters()
        assert LINK not in repr(dead)
        assert "claimed" not in repr(dead)


T0_UTC = T0.astimezone(UTC)


@settings(max_examples=60, deadline=None)
@given(strategies.messages())
def test_messages_and_their_claims_round_trip(message: Message) -> None:
    """Through export documents and SQL rows alike, a claim comes back as it went."""
    assert structure(unstructure(message), Message) == message
    assert mapping.message_from(mapping.message_row(message)) == message
    assert (message.claimed_by is None) == (message.claimed_until is None)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"claimed_by": "relay-1"}, id="owner-without-end"),
        pytest.param({"claimed_until": T0_UTC}, id="end-without-owner"),
        pytest.param({"claimed_by": "", "claimed_until": T0_UTC}, id="empty-owner"),
        pytest.param({"claimed_by": "x" * 129, "claimed_until": T0_UTC}, id="long-owner"),
        pytest.param({"claimed_by": "a\nb", "claimed_until": T0_UTC}, id="control-character"),
    ],
)
def test_a_claim_has_an_owner_and_an_end(changes: dict[str, Any]) -> None:
    recorder = Recorder()
    with open_forum(recorder, deliver="manual") as forum:
        write_messages(forum, 1)
        (message,) = forum.outbox()
    with pytest.raises(InvalidIdentifier):
        attrs.evolve(message, **changes)


# --------------------------------------------------------------------------- run_relay


def test_run_relay_runs_passes_until_told_to_stop() -> None:
    recorder = Recorder()
    with open_forum(recorder, deliver="manual") as forum:
        ids = write_messages(forum, 7)
        # Full passes follow each other at once; the rest waits for the pause.
        total = forum.run_relay(max_passes=3, limit=3, idle_sleep=0)
        assert total == DeliveryReport(sent=7)
        assert recorder.delivered == ids
        stop = threading.Event()
        stop.set()
        assert forum.run_relay(stop=stop) == DeliveryReport()


def test_run_relay_stops_between_passes_when_the_signal_comes() -> None:
    recorder = Recorder()
    stop = threading.Event()
    with open_forum(recorder, deliver="manual") as forum:
        write_messages(forum, 2)
        recorder.during = lambda message: stop.set()
        assert forum.run_relay(stop=stop, limit=1, idle_sleep=30) == DeliveryReport(sent=1)


def test_run_relay_carries_on_after_a_storage_failure(
    caplog: pytest.LogCaptureFixture, breaks: list[bool]
) -> None:
    recorder = Recorder()
    with open_forum(recorder, deliver="manual") as forum:
        write_messages(forum, 2)
        breaks.append(True)  # the first pass cannot even claim
        with caplog.at_level(logging.WARNING, logger="proforum"):
            total = forum.run_relay(max_passes=2, idle_sleep=0)
        assert total == DeliveryReport(sent=2)
        assert "a relay pass failed: storage.error" in caplog.text
        assert LINK not in caplog.text


def test_the_default_lease_is_five_minutes() -> None:
    assert timedelta(minutes=5) == DEFAULT_LEASE


# --------------------------------------------------------------------------- statement counts


@pytest.fixture(scope="module")
def pg_database() -> Iterator[URL]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "forum.db")
    else:
        with postgres_schema(request.getfixturevalue("pg_database")) as url:
            yield url


def _pass_statements(forum: proforum.Forum, count: int) -> list[str]:
    """Write ``count`` messages, then run one relay pass; return the SQL it issued."""
    storage = forum.storage
    assert isinstance(storage, SqlStorage)
    start = len(forum.outbox())
    ids = fill_outbox(storage, count, members=count, start=start)
    with storage.unit_of_work() as uow:
        for message_id in ids:
            message = uow.messages.get(message_id)
            assert message is not None
            uow.messages.update(attrs.evolve(message, channel="recorder"))
        uow.commit()
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    sa.event.listen(storage.engine, "before_cursor_execute", record)
    try:
        assert forum.deliver_pending() == DeliveryReport(sent=count)
    finally:
        sa.event.remove(storage.engine, "before_cursor_execute", record)
    return seen


def test_a_relay_pass_reads_recipients_once_whatever_its_size(sql_url: str) -> None:
    recorder = Recorder()
    with open_forum(recorder, sql_url, deliver="manual") as forum:
        small, large = _pass_statements(forum, 3), _pass_statements(forum, 30)
    for statements, count in ((small, 3), (large, 30)):
        assert len([s for s in statements if "FROM members" in s]) == 1
        updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE MESSAGES")]
        assert len(updates) == 1 + count  # the claim, then one mark per message
    # One claim (a pick and an update) and one recipients query per pass, then
    # the same few statements per message: nothing grows with the recipients.
    per_message = (len(large) - len(small)) / 27
    assert per_message in (1, 2)  # the mark (SQLite adds its BEGIN IMMEDIATE)
    assert len(small) - 3 * per_message <= 5


# --------------------------------------------------------------------------- Retry-After


@pytest.mark.parametrize(
    ("asked", "floor"),
    [
        (3600, timedelta(hours=1)),  # honoured: far above the first backoff (30 s at most)
        (10**7, timedelta(hours=6)),  # capped by the retry policy's cap
        (0, timedelta(0)),  # nothing asked: the backoff alone
    ],
)
def test_a_pause_the_receiver_asked_for_is_a_floor_under_the_backoff(
    asked: int, floor: timedelta
) -> None:
    clock = ManualClock(T0)

    def busy(message: Message) -> None:
        raise RetryLater(seconds=asked)

    forum = open_forum(Recorder(during=busy), clock=clock, deliver="manual")
    ids = write_messages(forum, 3)
    assert forum.deliver_pending() == DeliveryReport(retrying=3)
    waits = [m.next_attempt_at - T0 for m in forum.outbox() if m.id in ids]  # type: ignore[operator]
    assert {m.last_error for m in forum.outbox()} == {"delivery.retry_later"}
    for wait in waits:
        assert floor <= wait <= max(floor, timedelta(seconds=30))
