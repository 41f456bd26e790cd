"""The Alembic migrations shipped in the package create exactly ``tables.py``.

Also: a new database gets the schema on open, an old one is refused with the
command that upgrades it, a newer one is refused too, and ``proforum db
upgrade`` works.
"""

from __future__ import annotations

import copy
import json
import shlex
import shutil
import threading
import tomllib
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL

import proforum
from proforum import export_versions
from proforum.adapters.sql import mapping, schema, search
from proforum.adapters.sql.engine import create_engine, normalise_url
from proforum.adapters.sql.storage import SqlStorage, SqlStorageFactory
from proforum.adapters.sql.tables import metadata
from proforum.cli import main
from proforum.demo import run_story, story_start
from proforum.domain.admission import CommunityRequirements, JoinPolicy
from proforum.domain.common import Secret
from proforum.domain.community import Role
from proforum.domain.confusables import confusable_key
from proforum.domain.content import Comment
from proforum.domain.employer import EmployerChallenge, code_digest
from proforum.domain.identity import Nickname
from proforum.domain.lottery import Constraints, Entrant
from proforum.domain.nickname_history import NicknameChange
from proforum.domain.notification import DeliveryStatus, InboxItem, MessageKind
from proforum.domain.preferences import NotificationPreference
from proforum.domain.video_registration import VideoRegistration
from proforum.errors import NicknameTaken, SchemaOutdated, SchemaTooNew, StorageError
from proforum.ports.clock import ManualClock, SeededIds
from proforum.testing.contracts import sample_member
from sql_support import postgres_database, postgres_schema, sqlite_url

ROOT = Path(__file__).resolve().parents[1]

NEXT_REVISION = '''"""A later revision, for tests only."""

import sqlalchemy as sa
from alembic import op

revision = "9999_test"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("bio", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("members") as batch:
        batch.drop_column("bio")
'''


@pytest.fixture(scope="module")
def pg_database() -> Iterator[URL]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, of each kind."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "forum.db")
    else:
        database = request.getfixturevalue("pg_database")
        with postgres_schema(database) as url:
            yield url


@pytest.fixture
def newer_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Pretend this proforum ships one more revision than the database has."""
    copy = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    head = schema.head_revision()
    (copy / "versions" / "9999_test.py").write_text(NEXT_REVISION.replace("{head}", head))
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", copy)
    return "9999_test"


def _differences(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "version_table": schema.VERSION_TABLE,
                    # The search index is revision 0011's own SQL (tested below).
                    "include_object": search.include_object,
                },
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _check_constraints(url: str) -> dict[tuple[str, str], str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {
                (table, str(c["name"])): str(c["sqltext"])
                for table in inspector.get_table_names()
                for c in inspector.get_check_constraints(table)
            }
    finally:
        engine.dispose()


_PG_DIALECT = postgresql.dialect()


def _collations(url: str) -> dict[tuple[str, str], str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {
                (table, column["name"]): collation
                for table in inspector.get_table_names()
                if table != schema.VERSION_TABLE
                for column in inspector.get_columns(table)
                if (collation := getattr(column["type"], "collation", None)) is not None
            }
    finally:
        engine.dispose()


def test_upgrading_an_empty_database_creates_exactly_the_tables(empty_url: str) -> None:
    assert schema.upgrade(empty_url) == schema.head_revision()
    assert _differences(empty_url) == []
    reflected = _check_constraints(empty_url)
    declared = {
        (table.name, str(c.name)): str(c.sqltext)
        for table in metadata.tables.values()
        for c in table.constraints
        if isinstance(c, sa.CheckConstraint)
    }
    assert set(reflected) == set(declared)
    if empty_url.startswith("sqlite"):
        # SQLite keeps the CHECK text as written: the migration says the same thing.
        assert reflected == declared
    else:
        # Alembic does not compare collations: every id column must sort by code point.
        identifiers = {
            (table.name, column.name): "C"
            for table in metadata.tables.values()
            for column in table.columns
            if getattr(column.type.dialect_impl(_PG_DIALECT), "collation", None) is not None
        }
        assert ("members", "id") in identifiers
        assert _collations(empty_url) == identifiers


def test_opening_a_new_database_creates_the_schema_at_head(empty_url: str) -> None:
    storage = SqlStorageFactory().open(empty_url)
    try:
        with storage.engine.connect() as conn:
            assert schema.current_revision(conn) == schema.head_revision()
    finally:
        storage.close()
    assert _differences(empty_url) == []


def test_concurrent_first_opens_create_the_schema_once(empty_url: str) -> None:
    errors: list[BaseException] = []
    storages: list[SqlStorage] = []

    def open_it() -> None:
        try:
            storages.append(SqlStorageFactory().open(empty_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for storage in storages:
        storage.close()
    assert errors == []
    assert len(storages) == 4


def test_an_outdated_database_is_refused_with_the_upgrade_command(
    empty_url: str, newer_code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Create the database with the shipped migrations, then run newer code on it.
    with monkeypatch.context() as m:
        m.setattr(schema, "MIGRATIONS_DIR", ROOT / "src/proforum/adapters/sql/migrations")
        SqlStorageFactory().open(empty_url).close()
    with pytest.raises(SchemaOutdated) as caught:
        SqlStorageFactory().open(empty_url)
    error = caught.value
    shipped = ScriptDirectory(str(ROOT / "src/proforum/adapters/sql/migrations"))
    assert error.params["current"] == shipped.get_current_head()
    assert error.params["head"] == newer_code
    command = f"proforum db upgrade --db {shlex.quote(empty_url)}"
    assert command in error.message_en
    assert command in error.message_ko
    assert "proforum db upgrade" in str(error)
    # The command does what the message says.
    result = CliRunner().invoke(main, ["db", "upgrade", "--db", empty_url])
    assert result.exit_code == 0, result.output
    assert newer_code in result.output
    SqlStorageFactory().open(empty_url).close()


def test_the_upgrade_command_in_the_message_leaves_the_password_out(
    pg_database: URL, newer_code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with postgres_schema(pg_database) as url:
        with monkeypatch.context() as m:
            m.setattr(schema, "MIGRATIONS_DIR", ROOT / "src/proforum/adapters/sql/migrations")
            SqlStorageFactory().open(url).close()
        # The test server trusts every client, so any password connects.
        with_password = sa.make_url(url).set(password="s3cret-pw")
        shown = with_password.render_as_string(hide_password=False)
        assert "s3cret-pw" in shown
        with pytest.raises(SchemaOutdated) as caught:
            SqlStorageFactory().open(shown)
        message = str(caught.value)
        assert "s3cret-pw" not in message
        assert "***" not in message
        assert "proforum db upgrade --db 'postgresql+psycopg://postgres@" in message


def test_a_database_ahead_of_the_code_is_refused(empty_url: str) -> None:
    SqlStorageFactory().open(empty_url).close()
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {schema.VERSION_TABLE} SET version_num = '9999_future'"))
    engine.dispose()
    with pytest.raises(SchemaTooNew) as caught:
        SqlStorageFactory().open(empty_url)
    assert "9999_future" in caught.value.message_en
    with pytest.raises(SchemaTooNew):
        schema.upgrade(empty_url)
    result = CliRunner().invoke(main, ["db", "upgrade", "--db", empty_url])
    assert result.exit_code == 1
    assert "storage.schema_too_new" in result.output


def test_tables_without_a_revision_are_not_touched(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "forum.db")
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    with pytest.raises(StorageError, match="no schema revision"):
        SqlStorageFactory().open(url)


def test_db_upgrade_and_current_on_the_command_line(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "forum.db")
    runner = CliRunner()
    before = runner.invoke(main, ["db", "current", "--db", url])
    assert before.exit_code == 0, before.output
    assert "current -" in before.output
    result = runner.invoke(main, ["db", "upgrade", "--db", url])
    assert result.exit_code == 0, result.output
    assert schema.head_revision() in result.output
    after = runner.invoke(main, ["db", "current", "--db", url])
    assert "up to date" in after.output
    storage = SqlStorageFactory().open(url)
    try:
        with storage.unit_of_work() as uow:
            uow.members.add(sample_member(1))
            uow.commit()
    finally:
        storage.close()


def test_db_upgrade_to_an_unknown_revision_is_a_clear_error(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "forum.db")
    result = CliRunner().invoke(main, ["db", "upgrade", "--db", url, "--revision", "nope"])
    assert result.exit_code == 1
    assert "storage.error" in result.output


def test_db_upgrade_reports_an_unreachable_database_without_a_traceback() -> None:
    result = CliRunner().invoke(
        main, ["db", "upgrade", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"]
    )
    assert result.exit_code == 1
    assert "storage.unavailable" in result.output
    assert "the server cannot be reached" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_migration_files_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["proforum"]
    package = ROOT / "src" / "proforum"
    shipped = [
        p.relative_to(package).as_posix()
        for p in schema.MIGRATIONS_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert "adapters/sql/migrations/env.py" in shipped
    assert "adapters/sql/migrations/script.py.mako" in shipped
    assert any(s.startswith("adapters/sql/migrations/versions/") for s in shipped)
    for path in shipped:
        assert any(fnmatch(path, pattern) for pattern in patterns), path


# --------------------------------------------------------------------------- data survives upgrades


def _revisions() -> list[str]:
    """Every shipped revision, oldest first."""
    scripts = ScriptDirectory.from_config(schema.alembic_config())
    return [r.revision for r in reversed(list(scripts.walk_revisions()))]


def _each(lister: Callable[[Any], Sequence[Any]], to_row: Callable[[Any], dict[str, Any]]) -> Rows:
    return lambda uow: [to_row(e) for e in lister(uow)]


Rows = Callable[[Any], list[dict[str, Any]]]

#: For each table, its rows as the SQL mapping writes them today.
_ROWS: dict[str, Rows] = {
    "members": _each(lambda u: u.members.all(), mapping.member_row),
    "nickname_history": _each(lambda u: u.nickname_history.all(), mapping.nickname_change_row),
    "communities": _each(lambda u: u.communities.all(), mapping.community_row),
    "memberships": _each(lambda u: u.memberships.all(), mapping.membership_row),
    "join_requests": _each(lambda u: u.join_requests.all(), mapping.join_request_row),
    "employer_verifications": _each(lambda u: u.verifications.all(), mapping.verification_row),
    "employer_challenges": _each(lambda u: u.challenges.all(), mapping.challenge_row),
    "posts": _each(lambda u: u.posts.all(), mapping.post_row),
    "comments": _each(lambda u: u.comments.all(), mapping.comment_row),
    "reactions": _each(lambda u: u.reactions.all(), mapping.reaction_row),
    "revisions": _each(lambda u: u.revisions.all(), mapping.revision_row),
    "content_policies": _each(lambda u: u.content_policies.all(), mapping.content_policy_row),
    "flags": _each(lambda u: u.flags.all(), mapping.flag_row),
    "moderation_log": _each(lambda u: u.moderation_log.all(), mapping.log_entry_row),
    "meetups": _each(lambda u: u.meetups.all(), mapping.meetup_row),
    "applications": _each(lambda u: u.applications.all(), mapping.application_row),
    "lottery_commitments": _each(lambda u: u.commitments.all(), mapping.commitment_row),
    "lottery_draws": _each(lambda u: u.draws.all(), mapping.draw_row),
    "video_registrations": _each(lambda u: u.registrations.all(), mapping.registration_row),
    "follow_up_interests": _each(lambda u: u.interests.all(), mapping.interest_row),
    "contact_consents": _each(lambda u: u.consents.all(), mapping.consent_row),
    "surveys": _each(lambda u: u.surveys.all(), mapping.survey_row),
    "survey_responses": _each(lambda u: u.responses.all(), mapping.response_row),
    "survey_answers": lambda u: [row for r in u.responses.all() for row in mapping.answer_rows(r)],
    "survey_participations": _each(lambda u: u.participations.all(), mapping.participation_row),
    "messages": _each(lambda u: u.messages.all(), mapping.message_row),
    "inbox_items": _each(lambda u: u.inbox.all(), mapping.inbox_row),
    "notification_preferences": _each(lambda u: u.preferences.all(), mapping.preference_row),
}


def _story(forum: proforum.Forum, clock: ManualClock, seed: str) -> None:
    """Run the demo story, then write what it may leave out so every column holds a value.

    E-mail addresses, notification choices (one off, one on) and a message
    subject are written straight to storage when the story did not make any.
    The community then joins by approval and asks for real names to post: one
    newcomer is let in, one refused, one waits; an operator vouches for a
    member's employer, and a verification code is pending for another.
    """
    run_story(forum, clock, seed=seed, narrate=lambda _: None)
    _threads(forum)
    _moderation(forum, clock)
    _admission(forum, clock)
    with forum.storage.unit_of_work() as uow:
        members = uow.members.all()
        if not any(m.email for m in members):
            for n, member in enumerate(members[:2]):
                uow.members.update(attrs.evolve(member, email=f"member{n}@example.com"))
        if not any(not p.enabled for p in uow.preferences.all()):
            off = MessageKind.MEETUP_ANNOUNCED
            uow.preferences.put(NotificationPreference(members[0].id, "inbox", off, False))
        if not any(p.enabled for p in uow.preferences.all()):
            on = MessageKind.SURVEY_REMINDER
            uow.preferences.put(NotificationPreference(members[-1].id, "inbox", on, True))
        messages = uow.messages.all()
        if not any(m.subject for m in messages):
            uow.messages.update(attrs.evolve(messages[0], subject="mtp_story"))
        if not uow.nickname_history.all():
            nick = next(m for m in members if isinstance(m.identity, Nickname))
            uow.nickname_history.add(
                NicknameChange(
                    id="nck_story",
                    member_id=nick.id,
                    old_nickname="Paypa1",
                    old_key=confusable_key("Paypa1"),
                    new_nickname=nick.identity.value,
                    reason="본인 요청 / asked by the member",
                    changed_by=members[0].id,
                    changed_at=clock.now(),
                )
            )
        if not uow.registrations.all():
            # The story's manual link registers nobody: one personal link, revoked.
            meetup = next(m for m in uow.meetups.all() if m.meeting is not None)
            assert meetup.meeting is not None
            at = clock.now()
            uow.registrations.add_many(
                [
                    VideoRegistration(
                        id="vrg_story",
                        meetup_id=meetup.id,
                        member_id=members[0].id,
                        provider="zoom",
                        meeting_id=meetup.meeting.meeting_id,
                        join_url=Secret("https://zoom.us/w/1?tk=personal"),
                        registrant_id="reg-1",
                        registered_at=at,
                        revoke_requested_at=at,
                        revoked_at=at,
                    )
                ]
            )
        uow.commit()


def _admission(forum: proforum.Forum, clock: ManualClock) -> None:
    """Join requests of every state, a verification and a code, through the use cases."""
    with forum.storage.unit_of_work() as uow:
        community = uow.communities.all()[0]
        operator = next(
            m.member_id
            for m in uow.memberships.for_community(community.id)
            if m.role is Role.OPERATOR
        )
        member = next(
            m.member_id
            for m in uow.memberships.for_community(community.id)
            if m.role is Role.MEMBER
        )
    forum.set_community_requirements(
        operator,
        community.id,
        join_policy=JoinPolicy.APPROVAL,
        requirements=CommunityRequirements(real_name_to_post=True, verified_employer_to_apply=True),
    )
    newcomers = [
        forum.register_member(nickname=f"신입{n}", job_function="marketing-pr") for n in range(3)
    ]
    for newcomer in newcomers:
        forum.join_community(newcomer.id, community.id)
    forum.approve_join_request(operator, community.id, newcomers[0].id)
    forum.refuse_join_request(operator, community.id, newcomers[1].id)
    forum.record_employer_verification(
        operator, community.id, member, company="리멤버앤컴퍼니", method="business_card"
    )
    salt = "ab" * 16
    with forum.storage.unit_of_work() as uow:
        uow.challenges.add(
            EmployerChallenge(
                id="evc_story",
                member_id=operator,
                company="리멤버앤컴퍼니",
                domain="rememberapp.co.kr",
                code_hash=code_digest(salt, "123456"),
                salt=salt,
                created_at=clock.now(),
                expires_at=clock.now() + timedelta(minutes=15),
                window_started_at=clock.now(),
                codes_in_window=1,
                attempts=2,
            )
        )
        uow.commit()


def _threads(forum: proforum.Forum) -> None:
    """Around the story's post: a reply, reactions, edits, a deleted comment and post.

    The comment the story wrote gets a reply and is then deleted, so its
    tombstone holds a thread together; a second post is deleted outright.
    """
    with forum.storage.unit_of_work() as uow:
        (post,) = uow.posts.all()
        (comment,) = uow.comments.for_post(post.id)
    author, commenter = post.author_id, comment.author_id
    reply = forum.comment(author, post.id, "답글 고맙습니다.", reply_to=comment.id)
    forum.react(commenter, "like", post_id=post.id)
    forum.react(author, "helpful", comment_id=reply.id)
    forum.edit_post(author, post.id, body=f"{post.body} (덧붙임: 예산도 나눴습니다)")
    forum.edit_comment(author, reply.id, "답글 고맙습니다. 저도 해볼게요.")
    forum.delete_comment(commenter, comment.id)
    gone = forum.publish_post(author, post.community_id, title="지울 글", body="곧 지웁니다")
    forum.delete_post(author, gone.id)


def _moderation(forum: proforum.Forum, clock: ManualClock) -> None:
    """A policy, a held post the operator removes, an open flag and a dismissed one.

    Fills the policy, flags and log tables and writes messages of the new kinds.
    """
    with forum.storage.unit_of_work() as uow:
        post = next(p for p in uow.posts.all() if p.status == "visible")
        memberships = uow.memberships.for_community(post.community_id)
    operator = next(m.member_id for m in memberships if m.role == "operator")
    others = [m.member_id for m in memberships if m.member_id not in (operator, post.author_id)]
    forum.set_content_policy(
        operator,
        post.community_id,
        banned_words=["먹튀"],
        banned_word_action="hold",
        max_links=3,
        hide_threshold="2.5",
    )
    held = forum.publish_post(others[0], post.community_id, title="검토 글", body="먹튀 주의")
    clock.advance(timedelta(minutes=1))
    forum.remove(operator, "확인되지 않은 이야기", post_id=held.id)
    forum.flag(others[1], "off_topic", post_id=post.id, note="주제와 달라요")
    kept = forum.publish_post(others[0], post.community_id, title="후기", body="광고 아님")
    forum.flag(others[1], "spam", post_id=kept.id)
    clock.advance(timedelta(minutes=1))
    forum.dismiss_flags(operator, "경험 공유입니다", post_id=kept.id)


def test_every_table_is_filled_by_the_upgrade_test() -> None:
    assert set(_ROWS) == set(metadata.tables)


# ---- what a table that changed shape held before, and what the upgrade makes of it


class Reshape:
    """A revision that changed the shape of some tables.

    A database at an earlier revision cannot hold everything today's story
    writes.  :meth:`rows` turns today's rows into what the earlier schema could
    hold of them (what an earlier proforum would have written); :meth:`export`
    turns today's export into what upgrading those rows must give back.
    """

    revision: str

    def rows(self, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        raise NotImplementedError

    def export(self, document: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError


class SurveyQuestions0003(Reshape):
    """0003: one rating question per survey and a rating per response, before; no reminders."""

    revision = "0003"

    def rows(self, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        rows = copy.deepcopy(rows)
        first = {s["id"]: s["questions"][0] for s in rows["surveys"]}
        assert all(q["kind"] == "rating" for q in first.values()), "0002 had ratings only"
        for survey in rows["surveys"]:
            question = first[survey["id"]]
            survey.update(
                question_ko=question["text_ko"],
                question_en=question["text_en"],
                scale=question["scale"],
            )
        of_survey = {r["id"]: r["survey_id"] for r in rows["survey_responses"]}
        rating = {
            a["response_id"]: a["value"]
            for a in rows.pop("survey_answers")
            if a["question_id"] == first[of_survey[a["response_id"]]]["id"]
        }
        for response in rows["survey_responses"]:
            response["rating"] = rating[response["id"]]
        for table in ("messages", "inbox_items"):
            rows[table] = [m for m in rows[table] if m["kind"] != "survey_reminder"]
        return rows

    def export(self, document: dict[str, Any]) -> dict[str, Any]:
        tables = copy.deepcopy(document["tables"])
        first = {}
        for survey in tables["surveys"]:
            question = survey["questions"][0]
            first[survey["id"]] = question["id"]
            survey.update(
                questions=[{**question, "id": "q1", "required": True}],
                audience="attendees",
                min_text_responses=max(10, survey["min_responses"]),
                breakdown=None,
            )
        for response in tables["responses"]:
            kept = [
                a for a in response["answers"] if a["question_id"] == first[response["survey_id"]]
            ]
            response.update(answers=[{**a, "question_id": "q1"} for a in kept], band=None)
        for table in ("messages", "inbox"):
            tables[table] = [m for m in tables[table] if m["kind"] != "survey_reminder"]
        return {**document, "tables": tables}


class MessageClaims0004(Reshape):
    """0004: no new message kinds, no cancelled messages, no claims before."""

    revision = "0004"

    @staticmethod
    def _kept(row: dict[str, Any]) -> bool:
        return row["kind"] not in NEW_KINDS_0004 and row.get("status") != "cancelled"

    def rows(self, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        rows = copy.deepcopy(rows)
        for table in ("messages", "inbox_items"):
            rows[table] = [r for r in rows[table] if self._kept(r)]
        return rows

    def export(self, document: dict[str, Any]) -> dict[str, Any]:
        tables = copy.deepcopy(document["tables"])
        for table in ("messages", "inbox"):
            tables[table] = [r for r in tables[table] if self._kept(r)]
        for message in tables["messages"]:
            message.update(claimed_by=None, claimed_until=None)
        return {**document, "tables": tables}


NEW_KINDS_0004 = ("offer_made", "offer_expiring", "meetup_rescheduled", "verification_code")


class Preferences0005(Reshape):
    """0005: no notification choices, no member e-mail addresses, no message subjects before."""

    revision = "0005"

    def rows(self, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        rows = copy.deepcopy(rows)
        del rows["notification_preferences"]
        for table, column in (("members", "email"), ("messages", "subject")):
            for row in rows[table]:
                del row[column]
        return rows

    def export(self, document: dict[str, Any]) -> dict[str, Any]:
        tables = copy.deepcopy(document["tables"])
        tables["notification_preferences"] = []
        for table, field in (("members", "email"), ("messages", "subject")):
            for row in tables[table]:
                row[field] = None
        return {**document, "tables": tables}


class Lottery0006(Reshape):
    """0006: no constraints, weights, beacons, seat rules, offers or follow-up tables before."""

    revision = "0006"
    _gone_states = ("offered", "expired")

    def rows(self, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        rows = copy.deepcopy(rows)
        del rows["follow_up_interests"]
        del rows["contact_consents"]
        for meetup in rows["meetups"]:
            for column in ("lottery", "offer_ttl_seconds", "confirm_by", "min_attended_minutes"):
                del meetup[column]
        rows["applications"] = [
            a for a in rows["applications"] if a["state"] not in self._gone_states
        ]
        for application in rows["applications"]:
            del application["offer_expires_at"]
            del application["attended_seconds"]
        for table in ("lottery_commitments", "lottery_draws"):
            for row in rows[table]:
                row["applicants"] = [e["id"] for e in row["applicants"]]
                del row["constraints"]
                del row["beacon"]
        for row in rows["lottery_draws"]:
            del row["beacon_randomness"]
            del row["shortfalls"]
        for table in ("messages", "inbox_items"):
            rows[table] = [m for m in rows[table] if m["kind"] != "seat_expired"]
        return rows

    def export(self, document: dict[str, Any]) -> dict[str, Any]:
        tables = copy.deepcopy(document["tables"])
        tables["follow_up_interests"] = []
        tables["contact_consents"] = []
        no_rules = Constraints().public()
        for meetup in tables["meetups"]:
            meetup.update(lottery=no_rules, seat_rules=dict(export_versions.V3_SEAT_RULES))
        tables["applications"] = [
            a for a in tables["applications"] if a["state"] not in self._gone_states
        ]
        for application in tables["applications"]:
            application.update(offer_expires_at=None, attended_seconds=None)
        for table in ("commitments", "draws"):
            for row in tables[table]:
                row["entrants"] = [Entrant(id=e["id"]).public() for e in row["entrants"]]
                row.update(constraints=no_rules, beacon=None)
        for row in tables["draws"]:
            row.update(beacon_randomness=None, shortfalls=[])
        for table in ("messages", "inbox"):
            tables[table] = [m for m in tables[table] if m["kind"] != "seat_expired"]
        return {**document, "tables": tables}


class Registrations0007(Reshape):
    """0007: no personal video links before."""

    revision = "0007"

    def rows(self, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        rows = copy.deepcopy(rows)
        del rows["video_registrations"]
        return rows

    def export(self, document: dict[str, Any]) -> dict[str, Any]:
        return {**document, "tables": {**document["tables"], "video_registrations": []}}


class NicknameKeys0008(Reshape):
    """0008: nickname keys folded width and case only; no nickname history."""

    revision = "0008"

    def rows(self, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        rows = copy.deepcopy(rows)
        del rows["nickname_history"]
        for member in rows["members"]:
            if member["identity_kind"] == "nickname":
                member["nickname_key"] = _width_and_case_key(member["identity_value"])
            del member["nickname_visual_key"]
        return rows

    def export(self, document: dict[str, Any]) -> dict[str, Any]:
        return {**document, "tables": {**document["tables"], "nickname_history": []}}


def _width_and_case_key(value: str) -> str:
    """The nickname key before 0008."""
    return unicodedata.normalize("NFKC", value).casefold()


class Admission0009(Reshape):
    """0009: no join policy, requirements, join requests or verified employers before."""

    revision = "0009"
    _tables = ("join_requests", "employer_verifications", "employer_challenges")
    _flags = (
        "real_name_to_post",
        "verified_employer_to_post",
        "real_name_to_apply",
        "verified_employer_to_apply",
    )
    _kinds = ("join_approved", "join_refused")

    def rows(self, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        rows = copy.deepcopy(rows)
        for table in self._tables:
            del rows[table]
        for community in rows["communities"]:
            for column in ("join_policy", *self._flags):
                del community[column]
        for table in ("messages", "inbox_items", "notification_preferences"):
            rows[table] = [m for m in rows[table] if m["kind"] not in self._kinds]
        return rows

    def export(self, document: dict[str, Any]) -> dict[str, Any]:
        tables = copy.deepcopy(document["tables"])
        for table in self._tables:
            tables[table] = []
        for community in tables["communities"]:
            community.update(join_policy="open", requirements=dict(export_versions.V5_REQUIREMENTS))
        for table in ("messages", "inbox", "notification_preferences"):
            tables[table] = [m for m in tables[table] if m["kind"] not in self._kinds]
        return {**document, "tables": tables}


class Threads0010(Reshape):
    """0010: flat, always visible posts and comments; no reactions, history or scores before.

    0009 shows everything it holds, so what is not visible (and the comments
    of a post that is not) was never there; after the upgrade every comment is
    top-level and each post scores 2 per comment.
    """

    revision = "0010"

    @staticmethod
    def _kept(posts: list[dict[str, Any]], comments: list[dict[str, Any]]) -> tuple[Any, Any]:
        shown = {p["id"] for p in posts if p["status"] == "visible"}
        return (
            [p for p in posts if p["id"] in shown],
            [c for c in comments if c["status"] == "visible" and c["post_id"] in shown],
        )

    def rows(self, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        rows = copy.deepcopy(rows)
        del rows["reactions"]
        del rows["revisions"]
        rows["posts"], rows["comments"] = self._kept(rows["posts"], rows["comments"])
        for post in rows["posts"]:
            for column in ("status", "edited_at", "score"):
                del post[column]
        for comment in rows["comments"]:
            for column in ("parent_id", "depth", "status", "edited_at"):
                del comment[column]
        return rows

    def export(self, document: dict[str, Any]) -> dict[str, Any]:
        tables = copy.deepcopy(document["tables"])
        tables["reactions"] = []
        tables["revisions"] = []
        tables["posts"], tables["comments"] = self._kept(tables["posts"], tables["comments"])
        for comment in tables["comments"]:
            comment.update(parent_id=None, depth=0, edited_at=None)
        for post in tables["posts"]:
            count = sum(1 for c in tables["comments"] if c["post_id"] == post["id"])
            post.update(edited_at=None, score=2 * count)
        return {**document, "tables": tables}


class Moderation0012(Reshape):
    """0012: no content policies, flags, moderation log or moderation messages before.

    Held and hidden content stays as it was: 0011 knows both statuses.
    """

    revision = "0012"
    _kinds = frozenset(
        {
            "content_held",
            "content_approved",
            "content_removed",
            "content_hidden",
            "content_restored",
        }
    )

    def rows(self, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        rows = copy.deepcopy(rows)
        for table in ("content_policies", "flags", "moderation_log"):
            del rows[table]
        for table in ("messages", "inbox_items"):
            rows[table] = [m for m in rows[table] if m["kind"] not in self._kinds]
        return rows

    def export(self, document: dict[str, Any]) -> dict[str, Any]:
        tables = copy.deepcopy(document["tables"])
        for table in ("content_policies", "flags", "moderation_log"):
            tables[table] = []
        for table in ("messages", "inbox"):
            tables[table] = [m for m in tables[table] if m["kind"] not in self._kinds]
        return {**document, "tables": tables}


RESHAPES: list[Reshape] = [
    SurveyQuestions0003(),
    MessageClaims0004(),
    Preferences0005(),
    Lottery0006(),
    Registrations0007(),
    NicknameKeys0008(),
    Admission0009(),
    Threads0010(),
    Moderation0012(),
]


def _reshapes_after(previous: str) -> list[Reshape]:
    """The reshapes a database at ``previous`` has not seen yet, newest first."""
    order = _revisions()
    later = [r for r in RESHAPES if order.index(r.revision) > order.index(previous)]
    return sorted(later, key=lambda r: order.index(r.revision), reverse=True)


def test_every_reshape_names_a_shipped_revision() -> None:
    assert all(r.revision in _revisions() for r in RESHAPES)


@pytest.mark.parametrize("previous", _revisions()[:-1])
def test_a_database_filled_at_an_earlier_revision_keeps_every_row(
    empty_url: str, previous: str
) -> None:
    """Fill a database at ``previous`` with the whole story, upgrade it, lose nothing."""
    clock = ManualClock(story_start())
    with proforum.open("memory://", clock=clock, ids=SeededIds("upgrade")) as forum:
        _story(forum, clock, "upgrade")
        expected = forum.export_data()
        with forum.storage.unit_of_work() as uow:
            rows = {name: rows_of(uow) for name, rows_of in _ROWS.items()}
    assert all(rows.values()), "the story fills every table"
    for reshape in _reshapes_after(previous):
        rows, expected = reshape.rows(rows), reshape.export(expected)

    # A database at the earlier revision, filled through the columns it had then,
    # with today's column types where a column exists today (UtcDateTime, JSON).
    schema.upgrade(empty_url, previous)
    engine = create_engine(normalise_url(empty_url))
    try:
        then = sa.MetaData()
        then.reflect(engine)
        # The search index's own tables (0011) are filled by its triggers, not here.
        tables_then = {n for n in then.tables if not n.startswith("search_")}
        assert set(rows) == tables_then - {schema.VERSION_TABLE}
        with engine.begin() as conn:
            for name, table_rows in rows.items():
                now = metadata.tables[name]
                old = sa.Table(
                    name,
                    sa.MetaData(),
                    *(
                        sa.Column(c.name, now.c[c.name].type if c.name in now.c else c.type)
                        for c in then.tables[name].columns
                    ),
                )
                # Every column the table had then gets today's value (or the reshape's);
                # what today's rows hold beyond that, the export comparison accounts for.
                assert all(set(old.c.keys()) <= set(row) for row in table_rows), name
                kept = [{k: v for k, v in row.items() if k in old.c} for row in table_rows]
                conn.execute(sa.insert(old), kept)
    finally:
        engine.dispose()

    with pytest.raises(SchemaOutdated):
        SqlStorageFactory().open(empty_url)
    schema.upgrade(empty_url)
    with proforum.open(empty_url) as upgraded:
        assert upgraded.export_data() == expected


def test_downgrading_0003_keeps_what_0002_can_hold(empty_url: str) -> None:
    """Back at 0002: each survey's first question, its answers as ratings, no reminders."""
    clock = ManualClock(story_start())
    with proforum.open(empty_url, clock=clock, ids=SeededIds("downgrade")) as forum:
        _story(forum, clock, "downgrade")
        before = forum.export_data()
    satisfaction = {
        r["id"]: a["value"]
        for r in before["tables"]["responses"]
        for a in r["answers"]
        if a["question_id"] == "satisfaction"
    }
    assert satisfaction
    assert any(m["kind"] == "survey_reminder" for m in before["tables"]["messages"])

    command.downgrade(schema.alembic_config(url=empty_url), "0002")
    engine = create_engine(normalise_url(empty_url))
    try:
        with engine.connect() as conn:
            assert schema.current_revision(conn) == "0002"
            ratings = dict(conn.execute(sa.text("SELECT id, rating FROM survey_responses")).all())
            kinds = {k for (k,) in conn.execute(sa.text("SELECT DISTINCT kind FROM messages"))}
            tables_then = set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert ratings == satisfaction
    assert "survey_reminder" not in kinds
    assert "survey_answers" not in tables_then

    schema.upgrade(empty_url)
    expected = before
    for reshape in _reshapes_after("0002"):  # what every downgrade on the way dropped
        expected = reshape.export(expected)
    with proforum.open(empty_url) as upgraded:
        assert upgraded.export_data() == expected


def test_downgrading_0004_keeps_what_0003_can_hold(empty_url: str) -> None:
    """Back at 0003: no claims; messages of the new kinds and cancelled ones are gone."""
    clock = ManualClock(story_start())
    with proforum.open(empty_url, clock=clock, ids=SeededIds("claims")) as forum:
        _story(forum, clock, "claims")
        with forum.storage.unit_of_work() as uow:
            kept = uow.messages.all()[0]
            template = attrs.evolve(kept, status=DeliveryStatus.PENDING, sent_at=None)
            for n, kind in enumerate(NEW_KINDS_0004):
                uow.messages.add(attrs.evolve(template, id=f"msg_new_{n}", kind=kind))
                uow.inbox.add(
                    InboxItem(f"msg_new_{n}", kept.recipient_id, kind, kept.created_at, {})
                )
            uow.messages.add(
                attrs.evolve(template, id="msg_cancelled", status=DeliveryStatus.CANCELLED)
            )
            uow.messages.add(
                attrs.evolve(template, id="msg_claimed").claimed("relay-1", kept.created_at)
            )
            uow.commit()
        everything = forum.export_data()
    assert any(m["claimed_by"] == "relay-1" for m in everything["tables"]["messages"])

    command.downgrade(schema.alembic_config(url=empty_url), "0003")
    engine = create_engine(normalise_url(empty_url))
    try:
        with engine.connect() as conn:
            assert schema.current_revision(conn) == "0003"
            columns = {c["name"] for c in sa.inspect(conn).get_columns("messages")}
            kinds = {k for (k,) in conn.execute(sa.text("SELECT DISTINCT kind FROM messages"))}
            statuses = {s for (s,) in conn.execute(sa.text("SELECT DISTINCT status FROM messages"))}
            items = {k for (k,) in conn.execute(sa.text("SELECT DISTINCT kind FROM inbox_items"))}
    finally:
        engine.dispose()
    assert not {"claimed_by", "claimed_until"} & columns
    assert not set(NEW_KINDS_0004) & (kinds | items)
    assert "cancelled" not in statuses

    schema.upgrade(empty_url)
    assert _differences(empty_url) == []
    expected = everything
    for reshape in _reshapes_after("0003"):  # what every downgrade on the way dropped
        expected = reshape.export(expected)
    with proforum.open(empty_url) as upgraded:
        assert upgraded.export_data() == expected


def test_downgrading_0005_keeps_what_0004_can_hold(empty_url: str) -> None:
    """Back at 0004: no preferences table, no e-mail addresses, no subjects; the rest stays."""
    clock = ManualClock(story_start())
    with proforum.open(empty_url, clock=clock, ids=SeededIds("preferences")) as forum:
        _story(forum, clock, "preferences")
        everything = forum.export_data()
    tables_now = everything["tables"]
    assert tables_now["notification_preferences"]
    assert any(m["email"] for m in tables_now["members"])
    assert any(m["subject"] for m in tables_now["messages"])
    checks_at_head = _check_constraints(empty_url)

    command.downgrade(schema.alembic_config(url=empty_url), "0004")
    engine = create_engine(normalise_url(empty_url))
    try:
        with engine.connect() as conn:
            assert schema.current_revision(conn) == "0004"
            inspector = sa.inspect(conn)
            tables_then = set(inspector.get_table_names())
            member_columns = {c["name"] for c in inspector.get_columns("members")}
            message_columns = {c["name"] for c in inspector.get_columns("messages")}
            message_indexes = {i["name"] for i in inspector.get_indexes("messages")}
            counts = {
                name: conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one()
                for name in ("members", "messages")
            }
    finally:
        engine.dispose()
    assert "notification_preferences" not in tables_then
    assert "email" not in member_columns
    assert "subject" not in message_columns
    assert message_indexes == {"ix_messages_pending"}
    # Downgrading 0009 and 0012 on the way deleted the messages of the kinds they added.
    kept = Moderation0012().export(Admission0009().export(everything))["tables"]
    assert counts == {"members": len(tables_now["members"]), "messages": len(kept["messages"])}

    schema.upgrade(empty_url)
    assert _differences(empty_url) == []
    # Rebuilding a table to drop a column (SQLite) kept every CHECK constraint.
    assert _check_constraints(empty_url) == checks_at_head
    expected = everything
    for reshape in _reshapes_after("0004"):  # what every downgrade on the way dropped
        expected = reshape.export(expected)
    with proforum.open(empty_url) as upgraded:
        assert upgraded.export_data() == expected


def test_downgrading_0006_keeps_what_0005_can_hold(empty_url: str) -> None:
    """Back at 0005: no seat rules, offers or follow-ups; a lottery's entrants are ids again."""
    clock = ManualClock(story_start())
    with proforum.open(empty_url, clock=clock, ids=SeededIds("lottery-rules")) as forum:
        _story(forum, clock, "lottery-rules")
        everything = forum.export_data()
    tables_now = everything["tables"]
    assert tables_now["follow_up_interests"]
    assert tables_now["contact_consents"]
    assert any(a["state"] == "offered" for a in tables_now["applications"])
    assert any(e["company"] for e in tables_now["commitments"][0]["entrants"])
    checks_at_head = _check_constraints(empty_url)

    command.downgrade(schema.alembic_config(url=empty_url), "0005")
    engine = create_engine(normalise_url(empty_url))
    try:
        with engine.connect() as conn:
            assert schema.current_revision(conn) == "0005"
            inspector = sa.inspect(conn)
            tables_then = set(inspector.get_table_names())
            meetup_columns = {c["name"] for c in inspector.get_columns("meetups")}
            states = {
                s for (s,) in conn.execute(sa.text("SELECT DISTINCT state FROM applications"))
            }
            applicants = conn.execute(
                sa.text("SELECT applicants FROM lottery_commitments")
            ).scalar_one()
    finally:
        engine.dispose()
    assert not {"follow_up_interests", "contact_consents"} & tables_then
    assert not {"lottery", "offer_ttl_seconds", "confirm_by"} & meetup_columns
    assert not {"offered", "expired"} & states
    ids = json.loads(applicants) if isinstance(applicants, str) else applicants
    assert ids
    assert all(isinstance(i, str) for i in ids)

    schema.upgrade(empty_url)
    assert _differences(empty_url) == []
    assert _check_constraints(empty_url) == checks_at_head
    expected = everything
    for reshape in _reshapes_after("0005"):  # what every downgrade on the way dropped
        expected = reshape.export(expected)
    with proforum.open(empty_url) as upgraded:
        assert upgraded.export_data() == expected


# --------------------------------------------------------------------------- 0008: look-alike keys


def _members_at_0007(url: str, nicknames: dict[str, str]) -> None:
    """A database at 0007 holding nickname members keyed the way 0007 keyed them."""
    schema.upgrade(url, "0007")
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as conn:
            members = sa.Table("members", sa.MetaData(), autoload_with=conn)
            for member_id, nickname in nicknames.items():
                row = mapping.member_row(sample_member(int(member_id[-4:]), nickname=nickname))
                row.update(id=member_id, nickname_key=_width_and_case_key(nickname))
                columns = [column.name for column in members.columns]
                conn.execute(sa.insert(members), [{k: row[k] for k in columns}])
    finally:
        engine.dispose()


def _keys(url: str) -> dict[str, str]:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, nickname_key FROM members ORDER BY id"))
            return dict(rows.all())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_0008_recomputes_nickname_keys_with_the_skeleton(empty_url: str) -> None:
    """Keys change to the look-alike form; two members swapping keys do not trip the index."""
    _members_at_0007(
        empty_url,
        {"mem_0001": "Paypa1", "mem_0002": "Modern", "mem_0003": "마케터", "mem_0004": "rn"},
    )
    # 0007 keyed "rn" as "rn": after the upgrade "Modern" takes a key with "rn" in it, too.
    assert _keys(empty_url)["mem_0001"] == "paypa1"
    schema.upgrade(empty_url)
    assert _keys(empty_url) == {
        "mem_0001": "paypal",
        "mem_0002": "rnodern",
        "mem_0003": "마케터",
        "mem_0004": "rn",
    }
    with proforum.open(empty_url) as forum, pytest.raises(NicknameTaken):
        forum.register_member(job_function="development", nickname="paypal")
    command.downgrade(schema.alembic_config(url=empty_url), "0007")
    assert _keys(empty_url)["mem_0001"] == "paypa1"


def test_0008_stops_on_nicknames_that_now_look_the_same(empty_url: str) -> None:
    """Two stored look-alikes stop the upgrade, naming both members; nothing changes."""
    _members_at_0007(empty_url, {"mem_0001": "PayPal", "mem_0002": "PayPaI"})
    before = _keys(empty_url)
    with pytest.raises(RuntimeError, match="mem_0001 and mem_0002"):
        schema.upgrade(empty_url)
    assert _keys(empty_url) == before
    engine = create_engine(normalise_url(empty_url))
    try:
        with engine.connect() as conn:
            assert schema.current_revision(conn) == "0007"
    finally:
        engine.dispose()


def test_downgrading_0009_keeps_what_the_revision_before_can_hold(empty_url: str) -> None:
    """Back before 0009: open communities without requirements, no requests or verifications.

    The revision before 0009 is read from the migration itself, so the test
    follows when another revision is chained in between.
    """
    before_0009 = ScriptDirectory.from_config(schema.alembic_config()).get_revision("0009")
    previous = before_0009.down_revision
    assert isinstance(previous, str)
    clock = ManualClock(story_start())
    with proforum.open(empty_url, clock=clock, ids=SeededIds("admission")) as forum:
        _story(forum, clock, "admission")
        everything = forum.export_data()
    tables_now = everything["tables"]
    assert {r["state"] for r in tables_now["join_requests"]} == {"pending", "approved", "refused"}
    assert tables_now["employer_verifications"]
    assert tables_now["employer_challenges"]
    assert any(c["join_policy"] == "approval" for c in tables_now["communities"])
    assert {"join_approved", "join_refused"} <= {m["kind"] for m in tables_now["messages"]}
    checks_at_head = _check_constraints(empty_url)

    command.downgrade(schema.alembic_config(url=empty_url), previous)
    engine = create_engine(normalise_url(empty_url))
    try:
        with engine.connect() as conn:
            assert schema.current_revision(conn) == previous
            inspector = sa.inspect(conn)
            tables_then = set(inspector.get_table_names())
            community_columns = {c["name"] for c in inspector.get_columns("communities")}
            kinds = {
                k
                for table in ("messages", "inbox_items")
                for (k,) in conn.execute(sa.text(f"SELECT DISTINCT kind FROM {table}"))
            }
            communities = conn.execute(sa.text("SELECT count(*) FROM communities")).scalar_one()
    finally:
        engine.dispose()
    assert not {"join_requests", "employer_verifications", "employer_challenges"} & tables_then
    assert not {"join_policy", "real_name_to_post", "verified_employer_to_apply"} & (
        community_columns
    )
    assert not {"join_approved", "join_refused"} & kinds
    assert communities == len(tables_now["communities"])

    schema.upgrade(empty_url)
    assert _differences(empty_url) == []
    assert _check_constraints(empty_url) == checks_at_head
    expected = everything
    for reshape in _reshapes_after(previous):  # what every downgrade on the way dropped
        expected = reshape.export(expected)
    with proforum.open(empty_url) as upgraded:
        assert upgraded.export_data() == expected


def test_downgrading_0010_keeps_what_0009_can_hold(empty_url: str) -> None:
    """Back at 0009: visible posts and comments only, all flat; the rest stays as it was."""
    clock = ManualClock(story_start())
    with proforum.open(empty_url, clock=clock, ids=SeededIds("threads")) as forum:
        _story(forum, clock, "threads")
        with forum.storage.unit_of_work() as uow:
            # Content awaiting review and hidden, which 0007 would show to everyone.
            post = uow.posts.all()[0]
            held = attrs.evolve(post, id="pst_held", status="held", score=0)
            uow.posts.add(held)
            uow.comments.add(
                Comment("cmt_on_held", held.id, post.author_id, "검토 중인 글의 댓글", clock.now())
            )
            uow.comments.add(
                Comment(
                    "cmt_hidden", post.id, post.author_id, "숨긴 댓글", clock.now(), status="hidden"
                )
            )
            uow.commit()
        everything = forum.export_data()
    tables_now = everything["tables"]
    assert tables_now["reactions"]
    assert tables_now["revisions"]
    # The story's moderation hid one post; the held one is added here.
    assert {p["status"] for p in tables_now["posts"]} == {"visible", "held", "hidden", "deleted"}
    assert {c["status"] for c in tables_now["comments"]} == {"visible", "hidden", "deleted"}
    assert any(c["parent_id"] for c in tables_now["comments"])
    checks_at_head = _check_constraints(empty_url)

    command.downgrade(schema.alembic_config(url=empty_url), "0009")
    engine = create_engine(normalise_url(empty_url))
    try:
        with engine.connect() as conn:
            assert schema.current_revision(conn) == "0009"
            inspector = sa.inspect(conn)
            tables_then = set(inspector.get_table_names())
            post_columns = {c["name"] for c in inspector.get_columns("posts")}
            comment_columns = {c["name"] for c in inspector.get_columns("comments")}
            post_indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("posts")}
            posts = {i for (i,) in conn.execute(sa.text("SELECT id FROM posts"))}
            comments = {i for (i,) in conn.execute(sa.text("SELECT id FROM comments"))}
    finally:
        engine.dispose()
    assert not {"reactions", "revisions"} & tables_then
    assert not {"status", "edited_at", "score"} & post_columns
    assert not {"parent_id", "depth", "status", "edited_at"} & comment_columns
    assert post_indexes == {"ix_posts_feed": ["community_id", "published_at", "id"]}
    assert posts == {p["id"] for p in tables_now["posts"] if p["status"] == "visible"}
    visible = {p["id"] for p in tables_now["posts"] if p["status"] == "visible"}
    assert comments == {
        c["id"]
        for c in tables_now["comments"]
        if c["status"] == "visible" and c["post_id"] in visible
    }
    assert comments  # the reply to the deleted comment is kept, now at the top level

    schema.upgrade(empty_url)
    assert _differences(empty_url) == []
    assert _check_constraints(empty_url) == checks_at_head
    with proforum.open(empty_url) as upgraded:
        back = upgraded.export_data()
    assert back == Threads0010().export(Moderation0012().export(everything))
    # The score is computed again from the comments: 2 for each.
    scores = {p["id"]: p["score"] for p in back["tables"]["posts"]}
    comments = back["tables"]["comments"]
    assert scores == {i: 2 * sum(c["post_id"] == i for c in comments) for i in scores}
    assert any(scores.values())


# --------------------------------------------------------------------------- the search index


def _search_objects(url: str) -> set[str]:
    """The search index's tables, triggers and indexes in the database."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            else:
                query = "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
            names = {name for (name,) in conn.execute(sa.text(query))}
    finally:
        engine.dispose()
    return {n for n in names if search.is_search_object(n) or n.startswith("search_")}


def test_0011_finds_posts_written_before_it_and_downgrades_cleanly(empty_url: str) -> None:
    """A database filled at 0010 is searchable after the upgrade; downgrading drops the index."""
    clock = ManualClock(story_start())
    with proforum.open("memory://", clock=clock, ids=SeededIds("search")) as source:
        _story(source, clock, "search")
        with source.storage.unit_of_work() as uow:
            rows = {"posts": _ROWS["posts"](uow), "comments": _ROWS["comments"](uow)}
    posts = [p for p in rows["posts"] if p["status"] == "visible"]
    comments = [c for c in rows["comments"] if c["status"] == "visible"]
    assert posts
    assert comments
    # Written at 0010 straight into its tables (0011 adds no column to them).
    schema.upgrade(empty_url, "0010")
    engine = create_engine(normalise_url(empty_url))
    try:
        with engine.begin() as conn:
            for name, table_rows in rows.items():
                conn.execute(sa.insert(metadata.tables[name]), table_rows)
    finally:
        engine.dispose()
    assert _search_objects(empty_url) == set()

    schema.upgrade(empty_url)
    if empty_url.startswith("sqlite"):
        assert _search_objects(empty_url) >= {
            "search_documents",
            "search_fts",
            "search_posts_insert",
            "search_posts_update",
            "search_posts_delete",
            "search_comments_insert",
            "search_comments_update",
            "search_comments_delete",
        }
    else:
        assert _search_objects(empty_url) == set(search.PG_INDEXES)
    post, comment = posts[0], comments[-1]
    storage = SqlStorageFactory().open(empty_url)
    try:
        with storage.unit_of_work() as uow:
            for text, wanted in (
                (post["title"], post["id"]),
                (comment["body"], comment["post_id"]),
            ):
                # Three characters or more: the index's path, not the scan.
                query = text.strip()[:12].strip()
                assert len(query) >= 3
                found = uow.posts.search(post["community_id"], query, limit=100, before=None)
                assert wanted in [p.id for p in found], query
    finally:
        storage.close()

    command.downgrade(schema.alembic_config(url=empty_url), "0010")
    assert _search_objects(empty_url) == set()
    schema.upgrade(empty_url)
    assert _differences(empty_url) == []


def test_downgrading_0012_keeps_what_0011_can_hold(empty_url: str) -> None:
    """Back at 0011: no policies, flags, log or moderation messages; held and hidden stay."""
    clock = ManualClock(story_start())
    with proforum.open(empty_url, clock=clock, ids=SeededIds("moderation")) as forum:
        _story(forum, clock, "moderation")
        everything = forum.export_data()
    tables_now = everything["tables"]
    for table in ("content_policies", "flags", "moderation_log"):
        assert tables_now[table], table
    assert {f["resolution"] for f in tables_now["flags"]} == {None, "dismissed"}
    new_kinds = Moderation0012._kinds
    assert {m["kind"] for m in tables_now["messages"]} & new_kinds
    assert "hidden" in {p["status"] for p in tables_now["posts"]}
    checks_at_head = _check_constraints(empty_url)

    command.downgrade(schema.alembic_config(url=empty_url), "0011")
    engine = create_engine(normalise_url(empty_url))
    try:
        with engine.connect() as conn:
            assert schema.current_revision(conn) == "0011"
            tables_then = set(sa.inspect(conn).get_table_names())
            kinds = {k for (k,) in conn.execute(sa.text("SELECT DISTINCT kind FROM messages"))}
            statuses = {s for (s,) in conn.execute(sa.text("SELECT DISTINCT status FROM posts"))}
    finally:
        engine.dispose()
    assert not {"content_policies", "flags", "moderation_log"} & tables_then
    assert not kinds & new_kinds
    assert "hidden" in statuses

    schema.upgrade(empty_url)
    assert _differences(empty_url) == []
    assert _check_constraints(empty_url) == checks_at_head
    with proforum.open(empty_url) as upgraded:
        assert upgraded.export_data() == Moderation0012().export(everything)
