"""Every use case that writes is all or nothing, on memory, SQLite and PostgreSQL.

DESIGN §2.8 and docs/architecture.md ("One use case, one transaction") promise
that an exception inside a use case rolls everything back.  This checks it at
every cut point: the forum's storage hands out units of work whose
repositories raise :class:`InjectedFault` right *after* their N-th row write
(``add``, ``update``, ``remove``), for every N from the first write of the use
case to its last, so the fault lands after the first write and before the
commit.  The database must then be exactly as before, compared as

* the whole export (``Forum.export_data()``), and
* a raw dump: for SQL every table of ``tables.metadata`` plus Alembic's
  version table, read with SQLAlchemy outside proforum's repositories; for the
  memory backend its committed rows *and* its unique and grouping indexes.

Afterwards the same call, without the fault, must succeed: a failed use case
leaves no lock, connection or aborted transaction behind.

Nothing in ``src`` is edited for this: the fault goes in by replacing the
storage's ``unit_of_work`` for one test.  The number of writes of each use
case is counted once, on the memory backend, when this module is collected,
so a use case that starts writing more rows gets the new cut points tested
without anyone updating a table here.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

import proforum
from forum_world import LINK, T0
from proforum import ManualClock, Role, SeededIds
from proforum.adapters.memory_tables import Table
from proforum.adapters.sql import tables
from proforum.adapters.sql.schema import VERSION_TABLE
from sql_support import postgres_database, postgres_schema, sqlite_url

#: Repository methods that write a row; everything else is passed through.
#: Repository calls that write; a bulk call (``add_many``, ``withdraw``) is one
#: statement, so one cut point after it, however many rows it writes.
WRITE_METHODS = frozenset(
    {
        "add",
        "update",
        "update_many",
        "remove",
        "add_many",
        "withdraw",
        "put",
        "rewrite_in_id_order",
        "add_to_score",
    }
)


class InjectedFault(Exception):
    """The failure the test provokes, standing for a crash, a driver error or a bug."""


# --------------------------------------------------------------------------- fault injection


@attrs.define
class Faults:
    """Counts the row writes of one storage; raises after the ``fail_after``-th."""

    fail_after: int | None = None
    writes: int = 0
    fired: bool = False

    def wrote(self, what: str) -> None:
        self.writes += 1
        if self.writes == self.fail_after:
            self.fired = True
            raise InjectedFault(f"injected after write {self.writes} ({what})")


class FaultyRepository:
    """A repository whose writes report to :class:`Faults` once they are done."""

    def __init__(self, name: str, inner: Any, faults: Faults) -> None:
        self._name = name
        self._inner = inner
        self._faults = faults

    def __getattr__(self, attribute: str) -> Any:
        found = getattr(self._inner, attribute)
        if attribute not in WRITE_METHODS:
            return found

        def write(*args: Any, **kwargs: Any) -> Any:
            result = found(*args, **kwargs)
            self._faults.wrote(f"{self._name}.{attribute}")
            return result

        return write


class FaultyUnitOfWork:
    """Wraps a backend's unit of work: same transaction, repositories watched."""

    def __init__(self, inner: Any, faults: Faults) -> None:
        self._inner = inner
        self._faults = faults

    def __enter__(self) -> FaultyUnitOfWork:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> Any:
        return self._inner.__exit__(*exc_info)

    def commit(self) -> None:
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        # Repositories are the attributes that have an ``all`` listing.
        if callable(getattr(found, "all", None)):
            return FaultyRepository(name, found, self._faults)
        return found


@contextmanager
def watched(storage: Any, fail_after: int | None = None) -> Iterator[Faults]:
    """Route ``storage``'s units of work through :class:`FaultyUnitOfWork`.

    The method is replaced on the class (the memory storage has slots) and
    only ``storage`` itself is affected; it is put back on leaving.
    """
    faults = Faults(fail_after)
    cls = type(storage)
    original = cls.unit_of_work

    def unit_of_work(self: Any) -> Any:
        inner = original(self)
        return FaultyUnitOfWork(inner, faults) if self is storage else inner

    cls.unit_of_work = unit_of_work
    try:
        yield faults
    finally:
        cls.unit_of_work = original


# --------------------------------------------------------------------------- the story

Step = tuple[str, Callable[[], Any]]
#: A setup step, never a target.
SETUP = "-"


def story(forum: proforum.Forum, clock: ManualClock) -> Generator[Step, Any, None]:
    """The meetup story, one use case per step; each ``yield`` gets the step's result.

    Named steps are the use cases under test, in the order the story reaches
    them; :data:`SETUP` steps only get the forum there.
    """
    operator = yield (
        SETUP,
        lambda: forum.register_member(real_name="김운영", job_function="marketing-pr"),
    )
    community = yield (
        "create_community",
        lambda: forum.create_community(
            operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
        ),
    )
    host = yield (
        SETUP,
        lambda: forum.register_member(real_name="박성과", job_function="marketing-pr"),
    )
    yield SETUP, lambda: forum.join_community(host.id, community.id)
    yield SETUP, lambda: forum.assign_role(operator.id, community.id, host.id, Role.HOST)
    first = yield (
        "register_member",
        lambda: forum.register_member(
            nickname="마케터0", job_function="marketing-pr", company="로켓광고"
        ),
    )
    members = [first]
    for i in range(1, 6):
        member = yield (
            SETUP,
            lambda i=i: forum.register_member(nickname=f"마케터{i}", job_function="marketing-pr"),
        )
        members.append(member)
    for member in members:
        yield SETUP, lambda member=member: forum.join_community(member.id, community.id)

    post = yield (
        "publish_post",
        lambda: forum.publish_post(
            members[0].id, community.id, title="첫 주 ROAS 회고", body="망해본 이야기를 나눠요"
        ),
    )
    first = yield "comment", lambda: forum.comment(members[1].id, post.id, "좋은 글 감사합니다")
    reply = yield (
        "reply",
        lambda: forum.comment(members[2].id, post.id, "저도요", reply_to=first.id),
    )
    yield "react", lambda: forum.react(members[2].id, "like", post_id=post.id)
    yield "unreact", lambda: forum.unreact(members[2].id, "like", post_id=post.id)
    yield "edit_post", lambda: forum.edit_post(members[0].id, post.id, body="고친 이야기")
    yield "edit_comment", lambda: forum.edit_comment(members[2].id, reply.id, "저도 그래요")
    yield "delete_comment", lambda: forum.delete_comment(members[1].id, first.id)
    yield "delete_post", lambda: forum.delete_post(operator.id, post.id)

    starts = T0 + timedelta(days=9)
    draft = yield (
        SETUP,
        lambda: forum.create_meetup(
            host.id,
            community.id,
            title="퍼포먼스 마케터끼리 만나요!",
            topic="나는 이렇게 망해봤다",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=3,
            applications_open_at=T0,
            applications_close_at=T0 + timedelta(days=6),
        ),
    )
    meetup = yield "announce_meetup", lambda: forum.announce_meetup(host.id, draft.id)
    yield "apply", lambda: forum.apply(members[0].id, meetup.id)
    for member in members[1:]:
        yield SETUP, lambda member=member: forum.apply(member.id, meetup.id)

    yield SETUP, lambda: clock.set(meetup.applications_close_at + timedelta(hours=1))
    yield (
        "close_applications",
        lambda: forum.close_applications(host.id, meetup.id),
    )
    draw = yield "draw", lambda: forum.draw(host.id, meetup.id)
    yield "set_meeting", lambda: forum.set_meeting(host.id, meetup.id, options={"join_url": LINK})
    yield "send_meeting_links", lambda: forum.send_meeting_links(host.id, meetup.id)
    # A seat given up: declined, offered to the first on the waitlist, who takes it
    # (told, reminders planned, sent the link).
    yield "decline", lambda: forum.decline(draw.selected[0], meetup.id)
    yield "confirm", lambda: forum.confirm(draw.waitlist[0], meetup.id)
    # One more seat: offered to the next, whose offer then lapses.
    yield "change_capacity", lambda: forum.change_capacity(host.id, meetup.id, 4)
    yield SETUP, lambda: clock.set(starts - timedelta(hours=1))
    yield "process_deadlines", lambda: forum.process_deadlines()
    yield "send_reminders", lambda: forum.send_reminders(host.id, meetup.id)

    yield SETUP, lambda: clock.set(starts)
    came = [draw.selected[1], draw.waitlist[0]]  # draw.selected[2] does not come
    for member_id in came:
        yield SETUP, lambda member_id=member_id: forum.check_in(member_id, meetup.id)
    yield SETUP, lambda: clock.set(starts + timedelta(hours=2, minutes=30))
    yield "end_meetup", lambda: forum.end_meetup(host.id, meetup.id)

    survey = yield (
        "create_survey",
        lambda: forum.create_survey(
            host.id,
            meetup.id,
            title="모임 후기",
            question_ko="만족하셨나요?",
            question_en="Were you satisfied?",
            closes_at=clock.now() + timedelta(days=7),
            min_responses=3,
        ),
    )
    yield "answer_survey", lambda: forum.answer_survey(came[0], survey.id, 5)
    yield SETUP, lambda: forum.answer_survey(came[1], survey.id, 4)
    yield "close_survey", lambda: forum.close_survey(host.id, survey.id)
    yield "want_follow_up", lambda: forum.want_follow_up(came[0], meetup.id)
    yield "share_contact", lambda: forum.share_contact(came[0], meetup.id, came[1])
    follow_starts = clock.now() + timedelta(days=20)
    yield (
        "propose_follow_up",
        lambda: forum.propose_follow_up(
            host.id,
            meetup.id,
            title="오프라인 뒤풀이",
            topic="못다 한 이야기",
            starts_at=follow_starts,
            ends_at=follow_starts + timedelta(hours=3),
            capacity=10,
            applications_open_at=clock.now(),
            applications_close_at=clock.now() + timedelta(days=10),
            venue="서울 성수동",
        ),
    )


def play(
    forum: proforum.Forum,
    clock: ManualClock,
    *,
    stop_at: str | None = None,
    each: Callable[[str, Callable[[], Any]], Any] | None = None,
) -> Callable[[], Any] | None:
    """Run the story; return the call of step ``stop_at`` without making it.

    ``each(name, call)`` makes every call when given (to watch it).
    """
    steps = story(forum, clock)
    result: Any = None
    try:
        while True:
            name, call = steps.send(result)
            if name == stop_at:
                return call
            result = each(name, call) if each is not None else call()
    except StopIteration:
        if stop_at is not None:
            raise LookupError(f"the story has no step {stop_at!r}") from None
        return None


def open_forum(url: str) -> tuple[proforum.Forum, ManualClock]:
    clock = ManualClock(T0)
    forum = proforum.open(
        url,
        clock=clock,
        ids=SeededIds("atomicity"),
        plugin_manager=proforum.get_plugin_manager(load_entrypoints=False),
        deliver="manual",  # no delivery transactions after the commit
    )
    return forum, clock


def count_writes() -> dict[str, int]:
    """How many rows each use case of the story writes (on the memory backend)."""
    forum, clock = open_forum("memory://")
    counts: dict[str, int] = {}
    with watched(forum.storage) as faults:

        def each(name: str, call: Callable[[], Any]) -> Any:
            before = faults.writes
            result = call()
            if name != SETUP:
                counts[name] = faults.writes - before
            return result

        play(forum, clock, each=each)
    forum.close()
    return counts


#: Rows written by each use case under test, in story order.
WRITES = count_writes()

USE_CASES = [
    "register_member",
    "create_community",
    "announce_meetup",
    "apply",
    "close_applications",
    "draw",
    "set_meeting",
    "send_meeting_links",
    "decline",
    "confirm",
    "change_capacity",
    "process_deadlines",
    "send_reminders",
    "end_meetup",
    "create_survey",
    "answer_survey",
    "close_survey",
    "want_follow_up",
    "share_contact",
    "propose_follow_up",
    "publish_post",
    "comment",
    "reply",
    "react",
    "unreact",
    "edit_post",
    "edit_comment",
    "delete_comment",
    "delete_post",
]

CUT_POINTS = [
    pytest.param(use_case, n, id=f"{use_case}-{n}of{WRITES.get(use_case, 0)}")
    for use_case in USE_CASES
    for n in range(1, WRITES.get(use_case, 0) + 1)
]


# --------------------------------------------------------------------------- dumps


def raw_dump(storage: Any) -> dict[str, Any]:
    """Everything the backend holds, read beneath proforum's repositories."""
    engine: sa.Engine | None = getattr(storage, "engine", None)
    if engine is None:  # the memory backend: committed rows and every index
        return {
            name: copy.deepcopy((table.rows, table.unique_index, table.group_index))
            for name, table in vars(storage._tables).items()
            if isinstance(table, Table)
        }
    with engine.connect() as conn:
        dump: dict[str, Any] = {
            table.name: [
                tuple(row)
                for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in tables.metadata.sorted_tables
        }
        dump[VERSION_TABLE] = conn.execute(
            sa.text(f"SELECT version_num FROM {VERSION_TABLE}")
        ).all()
        dump["table names"] = sorted(sa.inspect(conn).get_table_names())
    return dump


def snapshot(forum: proforum.Forum) -> tuple[dict[str, Any], dict[str, Any]]:
    return forum.export_data(), raw_dump(forum.storage)


# --------------------------------------------------------------------------- backends


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at head, copied for each test (creating one costs more)."""
    path = tmp_path_factory.mktemp("atomicity") / "template.db"
    proforum.open(sqlite_url(path)).close()
    assert sorted(p.name for p in path.parent.iterdir()) == ["template.db"]
    return path


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """One fresh schema for the module, emptied before each test."""
    with postgres_database() as database, postgres_schema(database) as url:
        proforum.open(url).close()  # creates the schema once
        yield url


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        path = tmp_path / "forum.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return sqlite_url(path)
    url: str = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        names = ", ".join(t.name for t in tables.metadata.sorted_tables)
        conn.exec_driver_sql(f"TRUNCATE {names}")
    engine.dispose()
    return url


# --------------------------------------------------------------------------- tests


def test_the_story_reaches_every_use_case_and_each_writes() -> None:
    assert set(WRITES) == set(USE_CASES)
    assert all(count >= 1 for count in WRITES.values()), WRITES
    # The use cases that fan out really do write several times here; announcing
    # and committing write their messages in one bulk statement, after the
    # meetup itself (and the commitment).
    for fan_out in ("draw", "decline"):
        assert WRITES[fan_out] >= 4, (fan_out, WRITES[fan_out])
    assert WRITES["close_applications"] >= 3
    assert WRITES["announce_meetup"] >= 2


def test_the_fault_injection_sees_and_stops_writes() -> None:
    forum, _ = open_forum("memory://")
    with watched(forum.storage, fail_after=1) as faults, pytest.raises(InjectedFault):
        forum.register_member(nickname="첫회원", job_function="marketing-pr")
    assert faults.fired
    assert forum.export_data()["tables"]["members"] == []


@pytest.mark.parametrize(("use_case", "n"), CUT_POINTS)
def test_a_fault_after_any_write_leaves_no_trace(backend_url: str, use_case: str, n: int) -> None:
    forum, clock = open_forum(backend_url)
    try:
        call = play(forum, clock, stop_at=use_case)
        assert call is not None
        before = snapshot(forum)

        with watched(forum.storage, fail_after=n) as faults, pytest.raises(InjectedFault):
            call()
        assert faults.fired, f"{use_case} wrote {faults.writes} row(s), fewer than {n}"

        export, raw = snapshot(forum)
        assert export == before[0], f"{use_case}: the export changed after write {n}"
        assert raw == before[1], f"{use_case}: the tables changed after write {n}"
        engine = getattr(forum.storage, "engine", None)
        if engine is not None:
            assert engine.pool.checkedout() == 0, "a connection was not given back"

        # Nothing is wedged: the same call now succeeds, with the same writes.
        with watched(forum.storage) as faults:
            call()
        assert faults.writes == WRITES[use_case]
        assert snapshot(forum)[0] != before[0]
    finally:
        forum.close()
