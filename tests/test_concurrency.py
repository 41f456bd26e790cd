"""Concurrency: no seat given twice, one draw, one answer, whatever the interleaving.

The first tests check the pieces one at a time: a unique-key backstop gives the
same error as the check before it, a use case hit by a
:class:`~proforum.errors.TransientConflict` runs again, PostgreSQL's
serialization failures and deadlocks become one.

Then the races, with real processes.  Eight workers (``spawn``, never ``fork``)
are started once per backend and reused for every round; each opens its own
forum on the shared database, and one :class:`multiprocessing.Barrier` per
phase releases them together.  A round is a new meetup of ``SEATS`` seats in a
community of ``MEMBERS``:

1. while the window is open, workers apply and withdraw at once, two workers
   per member, so duplicate applications race;
2. the main process closes applications, then two workers draw at once:
   exactly one draws, the other gets ``AlreadyDrawn``;
3. workers confirm and decline at once, two per applicant, so waitlist
   offers race with each other and with confirmations.

After each round the storage, the use-case API and direct SQL must agree on
a state that some serial order of those calls would have produced (see
:func:`check_round`).  Workers report the type of every exception; anything
but the expected proforum errors (a raw database error, "database is locked",
a ``TransientConflict`` that outlived its retries) fails the test.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

import proforum
from forum_world import World
from proforum import ManualClock
from proforum.adapters import memory
from proforum.adapters.sql import tables
from proforum.adapters.sql.engine import database_error
from proforum.domain.common import MeetupId, MemberId, SurveyId
from proforum.domain.community import Role
from proforum.domain.meetup import SEAT_TAKING, ApplicationState, Meetup, MeetupState
from proforum.errors import (
    AlreadyAnswered,
    AlreadyApplied,
    AlreadyDrawn,
    StorageError,
    TransientConflict,
)
from proforum.services import retry
from sql_support import postgres_database, postgres_schema, sqlite_url

# --------------------------------------------------------------------------- backstops


def test_apply_backstop_says_already_applied(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the check misses an application, the unique key answers ``AlreadyApplied`` too."""
    meetup = world.open_meetup()
    member = world.members[0]
    world.forum.apply(member.id, meetup.id)
    monkeypatch.setattr(memory._ApplicationRepo, "get", lambda self, meetup_id, member_id: None)
    with pytest.raises(AlreadyApplied):
        world.forum.apply(member.id, meetup.id)


def test_draw_backstop_says_already_drawn(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A draw that read a stale meetup is stopped by the unique key with ``AlreadyDrawn``."""
    meetup = world.drawn_meetup()
    read = memory._MeetupRepo.get_for_update

    def stale(self: Any, meetup_id: MeetupId) -> Meetup | None:
        found = read(self, meetup_id)
        return None if found is None else attrs.evolve(found, state=MeetupState.CLOSED)

    monkeypatch.setattr(memory._MeetupRepo, "get_for_update", stale)
    monkeypatch.setattr(memory._DrawRepo, "get", lambda self, meetup_id: None)
    with pytest.raises(AlreadyDrawn):
        world.forum.draw(world.host.id, meetup.id)


def test_answer_backstop_says_already_answered(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two answers that both passed the check: the second gets ``AlreadyAnswered``."""
    meetup = world.ended_meetup()
    survey = world.forum.create_survey(
        world.host.id,
        meetup.id,
        title="만족도",
        question_ko="어땠나요?",
        question_en="How was it?",
        closes_at=world.clock.now() + timedelta(days=7),
    )
    attendee = MemberId(world.attendees(meetup)[0])
    world.forum.answer_survey(attendee, survey.id, 4)
    monkeypatch.setattr(memory._ParticipationRepo, "exists", lambda self, s, m: False)
    with pytest.raises(AlreadyAnswered):
        world.forum.answer_survey(attendee, survey.id, 5)
    assert world.forum.survey_result(world.host.id, survey.id).responses == 1


# --------------------------------------------------------------------------- retries


def _flaky_meetup_reads(monkeypatch: pytest.MonkeyPatch, failures: int) -> list[int]:
    """Make the first ``failures`` locked meetup reads raise TransientConflict; count calls."""
    calls: list[int] = []
    read = memory._MeetupRepo.get_for_update

    def flaky(self: Any, meetup_id: MeetupId) -> Meetup | None:
        calls.append(1)
        if len(calls) <= failures:
            raise TransientConflict(None, reason="serialization failure")
        return read(self, meetup_id)

    monkeypatch.setattr(memory._MeetupRepo, "get_for_update", flaky)
    monkeypatch.setattr(retry, "BASE_DELAY", 0.001)
    return calls


def test_a_transient_conflict_runs_the_use_case_again(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    meetup = world.open_meetup()
    calls = _flaky_meetup_reads(monkeypatch, failures=2)
    with caplog.at_level(logging.INFO, logger="proforum"):
        application = world.forum.apply(world.members[0].id, meetup.id)
    assert application.state is ApplicationState.APPLIED
    assert len(calls) == 3
    retried = [r for r in caplog.records if getattr(r, "proforum_retry", None) == "apply"]
    assert len(retried) == 2
    # The failed attempts left nothing behind: one application, one message.
    assert len(world.forum.applications(world.host.id, meetup.id)) == 1


def test_retries_run_out(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    meetup = world.open_meetup()
    calls = _flaky_meetup_reads(monkeypatch, failures=1000)
    with pytest.raises(TransientConflict) as caught:
        world.forum.apply(world.members[0].id, meetup.id)
    assert len(calls) == retry.MAX_ATTEMPTS
    assert isinstance(caught.value, StorageError)
    assert "다시 시도" in caught.value.message_ko
    assert "try again" in caught.value.message_en
    monkeypatch.undo()
    assert world.forum.applications(world.host.id, meetup.id) == []


def test_backoff_is_jittered_and_bounded() -> None:
    pauses = [retry.backoff(attempt) for attempt in range(1, 30) for _ in range(20)]
    assert all(0 <= p < retry.MAX_DELAY for p in pauses)
    assert len(set(pauses)) > 100


class _DriverError(Exception):
    def __init__(self, sqlstate: str | None, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "message"),
    [
        ("40001", "could not serialize access due to concurrent update"),
        ("40P01", "deadlock detected"),
        (None, "database is locked"),
    ],
)
def test_conflicts_between_transactions_become_transient(
    sqlstate: str | None, message: str
) -> None:
    exc = sa.exc.OperationalError("SELECT 1", None, _DriverError(sqlstate, message))
    assert type(database_error(exc)) is TransientConflict


def test_other_database_errors_are_not_transient() -> None:
    exc = sa.exc.ProgrammingError("SELECT 1", None, _DriverError("42601", "syntax error"))
    assert not isinstance(database_error(exc), TransientConflict)


# --------------------------------------------------------------------------- the cast

T_START = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
WORKERS = 8
ROUNDS = 50
SEATS = 20
MEMBERS = 40
#: Attendees of the survey race, answered for by pairs of workers.
ATTENDEES = 16
SURVEY_ROUNDS = 3
#: Seconds a phase may take before the test gives up on a worker.
PHASE_TIMEOUT = 120.0


@attrs.define
class Cast:
    """The forum the main process drives, and who is in it."""

    forum: proforum.Forum
    clock: ManualClock
    host: MemberId
    members: list[MemberId]
    community_id: Any


def open_forum(url: str, clock: ManualClock) -> proforum.Forum:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    return proforum.open(url, clock=clock, plugin_manager=pm, deliver="manual")


def build_cast(url: str, members: int = MEMBERS) -> Cast:
    clock = ManualClock(T_START)
    forum = open_forum(url, clock)
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    host = forum.register_member(real_name="박성과", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    forum.join_community(host.id, community.id)
    forum.assign_role(operator.id, community.id, host.id, Role.HOST)
    ids = []
    for i in range(members):
        member = forum.register_member(real_name=f"회원{i:02d}", job_function="marketing-pr")
        forum.join_community(member.id, community.id)
        ids.append(member.id)
    return Cast(forum, clock, host.id, ids, community.id)


def new_meetup(cast: Cast, start: datetime, capacity: int = SEATS) -> Meetup:
    """A meetup announced at ``start``: window one day, starting a day after it closes."""
    cast.clock.set(start)
    meetup = cast.forum.create_meetup(
        cast.host,
        cast.community_id,
        title="퍼포먼스 마케터끼리 만나요!",
        topic="동시에 몰려도 자리는 정원만큼",
        starts_at=start + timedelta(days=2),
        ends_at=start + timedelta(days=2, hours=2),
        capacity=capacity,
        applications_open_at=start,
        applications_close_at=start + timedelta(days=1),
    )
    return cast.forum.announce_meetup(cast.host, meetup.id)


# --------------------------------------------------------------------------- a PostgreSQL retry


@pytest.fixture(scope="module")
def pg_database() -> Iterator[sa.URL]:
    with postgres_database() as url:
        yield url


def test_a_serialization_failure_is_retried_on_postgresql(
    pg_database: sa.URL, caplog: pytest.LogCaptureFixture
) -> None:
    """Under SERIALIZABLE a locked meetup changed meanwhile fails with 40001; it is retried.

    proforum runs READ COMMITTED, where waiting for the meetup lock is
    enough; a server configured for SERIALIZABLE by default gets
    serialization failures instead, and the use case runs again.
    """
    with postgres_schema(pg_database) as plain:
        cast = build_cast(plain, members=2)
        meetup = new_meetup(cast, T_START)
        url = sa.make_url(plain)
        options = f"{url.query['options']} -cdefault_transaction_isolation=serializable"
        serializable = url.update_query_dict({"options": options})
        forum = open_forum(serializable.render_as_string(hide_password=False), cast.clock)
        cast.clock.set(T_START + timedelta(hours=1))
        holding, done = threading.Event(), threading.Event()
        watcher = sa.create_engine(plain, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)

        def someone_waits_for_a_lock() -> bool:
            with watcher.connect() as conn:
                waiting = conn.exec_driver_sql(
                    "SELECT COUNT(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                ).scalar_one()
            return bool(waiting)

        def hold_the_meetup() -> None:
            with forum.storage.unit_of_work() as uow:
                current = uow.meetups.get_for_update(meetup.id)
                assert current is not None
                holding.set()
                deadline = time.monotonic() + 30
                while not someone_waits_for_a_lock() and time.monotonic() < deadline:
                    time.sleep(0.01)  # until the use case below waits for the meetup
                uow.meetups.update(attrs.evolve(current, topic="바뀐 주제"))
                uow.commit()
            done.set()

        holder = threading.Thread(target=hold_the_meetup)
        holder.start()
        assert holding.wait(10)
        try:
            with caplog.at_level(logging.INFO, logger="proforum"):
                application = forum.apply(cast.members[0], meetup.id)
        finally:
            holder.join()
            forum.close()
            cast.forum.close()
            watcher.dispose()
        assert done.is_set()
        assert application.state is ApplicationState.APPLIED
        assert any(getattr(r, "proforum_retry", None) == "apply" for r in caplog.records)


# --------------------------------------------------------------------------- the workers

#: One call: the use case's name and its arguments.
Op = tuple[str, tuple[Any, ...]]
#: What came of it: the call, then "ok" or the exception's type name, then details.
Outcome = tuple[str, tuple[Any, ...], str, str]
BARRIERS = ("apply", "draw", "seats", "answer")


def _worker(
    index: int,
    url: str,
    tasks: Any,
    results: Any,
    barriers: dict[str, Any],
) -> None:
    """A worker process: one forum on ``url``, then phases until told to stop."""
    clock = ManualClock(T_START)
    try:
        forum = open_forum(url, clock)
    except BaseException as exc:
        results.put((index, [("open", (), type(exc).__name__, repr(exc))]))
        return
    results.put((index, []))
    with forum:
        while (task := tasks.get()) is not None:
            now, barrier, ops = task
            clock.set(now)
            outcomes: list[Outcome] = []
            try:
                barriers[barrier].wait(timeout=PHASE_TIMEOUT)
            except BaseException as exc:
                outcomes.append(("barrier", (barrier,), type(exc).__name__, repr(exc)))
            for name, args in ops:
                try:
                    getattr(forum, name)(*args)
                    outcomes.append((name, args, "ok", ""))
                except Exception as exc:
                    where = f"{type(exc).__module__}.{type(exc).__name__}"
                    outcomes.append((name, args, type(exc).__name__, f"{where}: {exc}"[:500]))
            results.put((index, outcomes))


class Pool:
    """``WORKERS`` processes on one database, started once and reused for every phase."""

    def __init__(self, url: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        parties = {"apply": WORKERS, "draw": 2, "seats": WORKERS, "answer": WORKERS}
        self.barriers = {name: ctx.Barrier(parties[name]) for name in BARRIERS}
        self.tasks = [ctx.Queue() for _ in range(WORKERS)]
        self.results = ctx.Queue()
        self.processes = [
            ctx.Process(
                target=_worker,
                args=(i, url, self.tasks[i], self.results, self.barriers),
                name=f"proforum-worker-{i}",
                daemon=True,
            )
            for i in range(WORKERS)
        ]
        for process in self.processes:
            process.start()
        try:
            ready = self._collect(WORKERS)
            failed = [o for outcomes in ready.values() for o in outcomes]
            assert failed == [], f"workers could not open the forum: {failed}"
        except BaseException:
            self.close()
            raise

    def _collect(self, count: int) -> dict[int, list[Outcome]]:
        got: dict[int, list[Outcome]] = {}
        deadline = time.monotonic() + PHASE_TIMEOUT
        while len(got) < count:
            try:
                index, outcomes = self.results.get(timeout=max(deadline - time.monotonic(), 0.1))
            except queue.Empty:
                dead = [p.name for p in self.processes if not p.is_alive()]
                pytest.fail(f"workers did not report in time (dead: {dead})")
            got[index] = outcomes
        return got

    def run(
        self, now: datetime, barrier: str, work: dict[int, list[Op]]
    ) -> dict[int, list[Outcome]]:
        """Hand each worker its calls; they start together at ``barrier``."""
        for index, ops in work.items():
            self.tasks[index].put((now, barrier, ops))
        return self._collect(len(work))

    def close(self) -> None:
        for barrier in self.barriers.values():
            barrier.abort()  # releases a worker left waiting by a failed phase
        for tasks in self.tasks:
            tasks.put(None)
        for process in self.processes:
            process.join(timeout=20)
        for process in self.processes:
            if process.is_alive():
                process.kill()
                process.join()


def two_workers_each(items: Sequence[Any], rng: random.Random) -> dict[int, list[Any]]:
    """Hand each item to two neighbouring workers, in rows of ``WORKERS``.

    Both workers reach an item in the same row, so they race on it; the
    order inside a row is shuffled per worker.
    """
    share: dict[int, list[tuple[int, float, Any]]] = {w: [] for w in range(WORKERS)}
    for i, item in enumerate(items):
        row = i // WORKERS
        for w in (i % WORKERS, (i + 1) % WORKERS):
            share[w].append((row, rng.random(), item))
    return {
        w: [item for _, _, item in sorted(rows, key=lambda r: r[:2])] for w, rows in share.items()
    }


def unexpected(outcomes: dict[int, list[Outcome]], allowed: set[str]) -> list[str]:
    return [
        f"worker {w}: {name}{args} -> {detail or result}"
        for w, got in outcomes.items()
        for name, args, result, detail in got
        if result != "ok" and result not in allowed
    ]


# --------------------------------------------------------------------------- one round


@attrs.define
class Tally:
    """What the races produced over all rounds, to show they really raced."""

    results: Counter[str] = attrs.field(factory=Counter)
    promotions: int = 0


def play_round(pool: Pool, cast: Cast, db: sa.Engine, number: int, tally: Tally) -> None:
    rng = random.Random(number)
    start = T_START + timedelta(days=3 * number)
    meetup = new_meetup(cast, start)

    # Phase 1: apply and withdraw at once; each member is handled by two workers.
    def applying(member: MemberId) -> list[Op]:
        ops: list[Op] = [("apply", (member, meetup.id))]
        if rng.random() < 0.2:
            ops.append(("withdraw", (member, meetup.id)))
        return ops

    shares = two_workers_each(cast.members, rng)
    work = {w: [op for m in members for op in applying(m)] for w, members in shares.items()}
    got = pool.run(start + timedelta(hours=1), "apply", work)
    assert unexpected(got, {"AlreadyApplied", "IllegalTransition"}) == []
    tally.results.update(f"apply:{r}" for o in got.values() for (_, _, r, _) in o)

    # Phase 2: the main process closes applications; two workers draw at once.
    cast.clock.set(start + timedelta(days=1, minutes=1))
    commitment = cast.forum.close_applications(cast.host, meetup.id)
    draw_at = start + timedelta(days=1, minutes=2)
    got = pool.run(draw_at, "draw", {w: [("draw", (cast.host, meetup.id))] for w in (0, 1)})
    results = sorted(r for o in got.values() for (_, _, r, _) in o)
    assert results == ["AlreadyDrawn", "ok"], unexpected(got, {"AlreadyDrawn"})

    # Phase 3: confirm and decline at once, in an order unrelated to the draw.
    applicants = list(commitment.applicants)
    rng.shuffle(applicants)
    shares = two_workers_each(applicants, rng)
    work = {
        w: [("decline" if rng.random() < 0.3 else "confirm", (m, meetup.id)) for m in members]
        for w, members in shares.items()
    }
    seats_at = start + timedelta(days=1, minutes=3)
    got = pool.run(seats_at, "seats", work)
    assert unexpected(got, {"IllegalTransition"}) == []
    tally.results.update(f"seats:{r}" for o in got.values() for (_, _, r, _) in o)

    tally.promotions += check_round(cast, db, meetup.id, commitment.applicants, seats_at)


def check_round(
    cast: Cast,
    db: sa.Engine,
    meetup_id: MeetupId,
    committed: Sequence[MemberId],
    seats_at: datetime,
) -> int:
    """Check one round against the storage, the use-case API and direct SQL; return promotions."""
    with cast.forum.storage.unit_of_work() as uow:
        draw = uow.draws.get(meetup_id)
        stored = {a.member_id: a.state for a in uow.applications.for_meetup(meetup_id)}
    assert draw is not None
    api = cast.forum.applications(cast.host, meetup_id)
    state = {a.member_id: a.state for a in api}
    assert state == stored

    where = {"m": meetup_id}
    with db.connect() as conn:
        by_state = dict(
            conn.execute(
                sa.text(
                    "SELECT state, COUNT(*) FROM applications WHERE meetup_id = :m GROUP BY state"
                ),
                where,
            ).all()
        )
        twice = conn.execute(
            sa.text(
                "SELECT member_id FROM applications WHERE meetup_id = :m"
                " GROUP BY member_id HAVING COUNT(*) > 1"
            ),
            where,
        ).all()
        holders = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM applications"
                " WHERE meetup_id = :m AND state IN ('selected', 'confirmed', 'offered')"
            ),
            where,
        ).scalar_one()
        draws = conn.execute(
            sa.text("SELECT COUNT(*) FROM lottery_draws WHERE meetup_id = :m"), where
        ).scalar_one()
        msg = tables.messages.c
        promoted_query = (
            sa.select(msg.recipient_id)
            .where(msg.kind == "offer_made", msg.created_at == seats_at)
            .order_by(sa.literal_column("rowid") if db.dialect.name == "sqlite" else msg.id)
        )
        promoted = [MemberId(r) for r in conn.execute(promoted_query).scalars()]

    # Counts: the use-case API equals a GROUP BY; no member twice; never oversold.
    assert Counter(s.value for s in state.values()) == by_state
    assert twice == []
    assert holders <= SEATS
    assert draws == 1

    # Everyone who had not withdrawn at closing time was drawn, and nobody else.
    order = list(draw.selected) + list(draw.waitlist)
    assert sorted(order) == sorted(committed)
    assert {m for m, s in state.items() if s is not ApplicationState.WITHDRAWN} == set(order)
    assert ApplicationState.APPLIED not in state.values()

    # Seats go down the published order, skipping those who declined.
    remaining = [m for m in order if state[m] is not ApplicationState.DECLINED]
    declined = len(order) - len(remaining)
    # An open offer takes its seat until it is answered.
    seat_holders = {m for m in order if state[m] in SEAT_TAKING}
    assert holders == len(seat_holders) == min(SEATS, len(remaining))
    assert seat_holders == set(remaining[:SEATS])
    assert all(state[m] is ApplicationState.WAITLISTED for m in remaining[SEATS:])

    # Offers: one per freed seat while anyone waits, in waitlist order, nobody
    # twice.  Declining while still waiting leaves the list and frees no seat;
    # declining an offer frees its seat for the next.
    assert len(promoted) == len(set(promoted))
    left = {m for m in draw.waitlist if state[m] is ApplicationState.DECLINED} - set(promoted)
    seat_declines = declined - len(left)
    still_listed = [m for m in draw.waitlist if m not in left]
    assert len(promoted) == min(seat_declines, len(still_listed))
    assert set(promoted) == set(still_listed[: len(promoted)])
    if db.dialect.name == "sqlite":  # rowids follow the (serialised) commits
        assert promoted == still_listed[: len(promoted)]
    return len(promoted)


# --------------------------------------------------------------------------- the survey race


def play_survey_race(pool: Pool, cast: Cast, db: sa.Engine, start: datetime) -> Counter[str]:
    """``ATTENDEES`` people each answer every survey twice, from two processes at once."""
    meetup = new_meetup(cast, start, capacity=ATTENDEES)
    attendees = cast.members[:ATTENDEES]
    cast.clock.set(start + timedelta(hours=1))
    for member in attendees:
        cast.forum.apply(member, meetup.id)
    cast.clock.set(start + timedelta(days=1, minutes=1))
    cast.forum.close_applications(cast.host, meetup.id)
    cast.forum.draw(cast.host, meetup.id)
    cast.clock.set(meetup.starts_at)
    for member in attendees:
        cast.forum.check_in(member, meetup.id)
    cast.clock.set(meetup.ends_at + timedelta(minutes=30))
    cast.forum.end_meetup(cast.host, meetup.id)

    seen: Counter[str] = Counter()
    per_pair = ATTENDEES // (WORKERS // 2)
    for n in range(SURVEY_ROUNDS):
        survey = cast.forum.create_survey(
            cast.host,
            meetup.id,
            title=f"만족도 {n}",
            question_ko="어땠나요?",
            question_en="How was it?",
            closes_at=cast.clock.now() + timedelta(days=7),
        )
        work: dict[int, list[Op]] = {
            w: [
                ("answer_survey", (m, survey.id, 1 + (i + n) % 5))
                for i, m in enumerate(attendees[(w // 2) * per_pair : (w // 2 + 1) * per_pair])
            ]
            for w in range(WORKERS)
        }
        got = pool.run(cast.clock.now(), "answer", work)
        assert unexpected(got, {"AlreadyAnswered"}) == []
        answered = Counter(args[0] for o in got.values() for (_, args, r, _) in o if r == "ok")
        assert answered == Counter(dict.fromkeys(attendees, 1))
        seen.update(r for o in got.values() for (_, _, r, _) in o)
        check_survey(cast, db, survey.id)
    return seen


def check_survey(cast: Cast, db: sa.Engine, survey_id: SurveyId) -> None:
    with db.connect() as conn:
        responses = conn.execute(
            sa.text("SELECT COUNT(*) FROM survey_responses WHERE survey_id = :s"), {"s": survey_id}
        ).scalar_one()
        participations = conn.execute(
            sa.text("SELECT COUNT(*) FROM survey_participations WHERE survey_id = :s"),
            {"s": survey_id},
        ).scalar_one()
    assert responses == participations == ATTENDEES
    assert cast.forum.survey_result(cast.host, survey_id).responses == ATTENDEES


# --------------------------------------------------------------------------- the races


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("races") / "forum.db")
    else:
        with postgres_database() as database, postgres_schema(database) as url:
            yield url


@attrs.define
class Arena:
    pool: Pool
    cast: Cast
    db: sa.Engine


@pytest.fixture(scope="module")
def arena(database_url: str) -> Iterator[Arena]:
    cast = build_cast(database_url)  # creates the schema before the workers open it
    db = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    pool = Pool(database_url)
    try:
        yield Arena(pool, cast, db)
    finally:
        pool.close()
        cast.forum.close()
        db.dispose()


def test_seat_races_never_oversell(arena: Arena) -> None:
    if arena.db.dialect.name == "sqlite":
        with arena.db.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    tally = Tally()
    for number in range(ROUNDS):
        play_round(arena.pool, arena.cast, arena.db, number, tally)
    # The phases really raced: duplicates collided and promotions happened.
    assert tally.results["apply:AlreadyApplied"] > 0
    assert tally.results["seats:IllegalTransition"] > 0
    assert tally.promotions > 0


def test_survey_answered_twice_at_once_counts_once(arena: Arena) -> None:
    start = T_START + timedelta(days=3 * (ROUNDS + 1))
    seen = play_survey_race(arena.pool, arena.cast, arena.db, start)
    assert seen["ok"] == seen["AlreadyAnswered"] == ATTENDEES * SURVEY_ROUNDS
