"""The SQL storage backend (``sqlite://``, ``postgresql://``) on SQLAlchemy Core.

One unit of work is one database transaction on one pooled connection.  The
transaction begins with the first statement (``BEGIN IMMEDIATE`` on SQLite, see
:mod:`proforum.adapters.sql.engine` for the isolation each database gives),
:meth:`SqlUnitOfWork.commit` commits it, and leaving the ``with`` block rolls
back whatever was not committed.

Repositories behave exactly like the memory backend's:

* the same orderings (every listing has a total ``ORDER BY`` ending in the key);
* a write that breaks a unique key raises :class:`~proforum.errors.AlreadyExists`
  (or :class:`~proforum.errors.NicknameTaken` for ``uq_members_nickname_key`` and
  ``uq_members_nickname_visual_key``),
  told apart by the violated constraint's name;
* after a repository raised, the unit of work is to be abandoned (the storage
  contract says so).  SQLite undoes only the failed statement, like the memory
  backend; PostgreSQL discards the whole transaction, so further statements
  and :meth:`~SqlUnitOfWork.commit` raise :class:`~proforum.errors.StorageError`
  until :meth:`~SqlUnitOfWork.rollback` instead of silently losing the writes.
  Writes are not wrapped in savepoints to keep the unit of work usable: that
  would cost two more round trips per write for a case no use case has;
* updating a row that does not exist raises :class:`~proforum.errors.NotFound`;
* a nested unit of work on the same storage in the same thread is refused
  with :class:`~proforum.errors.StorageError` instead of waiting for a lock
  it holds itself.

Every repository method is one statement whatever the number of rows, but
for responses, whose answers live in a second table (two statements),
their statistics (three ``GROUP BY`` queries), claiming messages for a
relay (a pick, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, then an update),
and erasing a verification code from its messages (a read, then an
``executemany`` update of those few rows).
Many new messages are one ``executemany`` ``INSERT``, and so is each chunk
an import loads (:meth:`SqlUnitOfWork.load`); a notification choice is one
``INSERT … ON CONFLICT DO UPDATE``, a reaction one ``INSERT … ON CONFLICT DO
NOTHING``, and a post's score moves with one ``UPDATE … SET score = score +
…``, never read-modify-write.  A long list of ids (more than
:data:`MAX_LISTED_IDS`) is sent as one parameter, a PostgreSQL array or a
SQLite JSON array, so no statement outgrows the driver's parameter limit.
Other database failures become :class:`~proforum.errors.StorageError`;
statement parameters are never shown in errors or logs.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, CursorResult, Engine
from sqlalchemy.sql import Executable

from proforum.adapters.sql import mapping as m
from proforum.adapters.sql import tables as t
from proforum.adapters.sql.engine import (
    create_engine,
    database_error,
    display_url,
    is_sqlite_memory,
)
from proforum.adapters.sql.engine import normalise_url as _normalise_url
from proforum.adapters.sql.factory import SqlStorageFactory
from proforum.adapters.sql.feed import entry_from as feed_entry_from
from proforum.adapters.sql.feed import page_query as feed_page_query
from proforum.adapters.sql.schema import ensure_schema
from proforum.adapters.sql.search import search_statement
from proforum.adapters.sql.types import UtcDateTime
from proforum.domain.admission import JoinRequest, JoinRequestState
from proforum.domain.common import (
    CommentId,
    CommunityId,
    MeetupId,
    MemberId,
    MessageId,
    PostId,
    SurveyId,
)
from proforum.domain.community import Community, Membership
from proforum.domain.content import Comment, FeedEntry, Post
from proforum.domain.content_policy import ContentPolicy
from proforum.domain.content_status import ContentKind, ContentStatus
from proforum.domain.employer import EmployerChallenge, EmployerVerification
from proforum.domain.flags import Flag, FlaggerRecord, FlagResolution
from proforum.domain.follow_up import ContactConsent, FollowUpInterest
from proforum.domain.identity import Member
from proforum.domain.lottery import Commitment, Draw
from proforum.domain.meetup import Application, ApplicationState, Meetup, MeetupState
from proforum.domain.moderation import ModerationLogEntry
from proforum.domain.nickname_history import NicknameChange
from proforum.domain.notification import (
    ONE_TIME_PARAMS,
    DeliveryStatus,
    InboxItem,
    Message,
    MessageKind,
)
from proforum.domain.participation import HELD_A_SEAT, ParticipationRecord
from proforum.domain.personal_data import ERASED_TABLES, MEMBER_REFERENCES, REWRITTEN_TABLES
from proforum.domain.preferences import NotificationPreference
from proforum.domain.reactions import Reaction, ReactionCounts, ReactionKind, ReactionSummary
from proforum.domain.revisions import Revision
from proforum.domain.survey import (
    Answer,
    Audience,
    ExperienceBand,
    Participation,
    Response,
    ResponseStatistics,
    Survey,
)
from proforum.domain.survey_aggregates import Tally
from proforum.domain.video_registration import VideoRegistration
from proforum.errors import AlreadyExists, NicknameTaken, NotFound, ProforumError, StorageError
from proforum.ports.storage import (
    ApplicationRepository,
    ChallengeRepository,
    CommentRepository,
    CommitmentRepository,
    CommunityRepository,
    ConsentRepository,
    ContentPolicyRepository,
    DrawRepository,
    FlagRepository,
    InboxRepository,
    InterestRepository,
    JoinRequestRepository,
    MeetupRepository,
    MemberRepository,
    MembershipRepository,
    MessageRepository,
    ModerationLogRepository,
    NicknameHistoryRepository,
    ParticipationRepository,
    PostRepository,
    PreferenceRepository,
    ReactionRepository,
    RegistrationRepository,
    ResponseRepository,
    RevisionRepository,
    SurveyRepository,
    VerificationRepository,
)

__all__ = ["SqlStorage", "SqlStorageFactory", "SqlUnitOfWork"]

E = TypeVar("E")

# --------------------------------------------------------------------------- errors

#: Unique constraints (primary keys included) by name: their table and columns.
_UNIQUE: dict[str, tuple[sa.Table, tuple[str, ...]]] = {
    str(c.name): (table, tuple(col.name for col in c.columns))
    for table in t.metadata.tables.values()
    for c in table.constraints
    if isinstance(c, sa.PrimaryKeyConstraint | sa.UniqueConstraint)
}
#: The same, found by table and column names (SQLite reports those, not the name).
_UNIQUE_BY_COLUMNS: dict[tuple[str, frozenset[str]], str] = {
    (table.name, frozenset(columns)): name for name, (table, columns) in _UNIQUE.items()
}
_ON_UNIQUE: dict[str, Callable[[object], ProforumError]] = {
    "uq_members_nickname_key": lambda value: NicknameTaken(value),
    "uq_members_nickname_visual_key": lambda value: NicknameTaken(value),
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")
_SQLITE_NAMED = re.compile(r"(?:CHECK|FOREIGN KEY) constraint failed: (\w+)")


def _violated_constraint(exc: sa.exc.IntegrityError) -> str | None:
    """The name of the constraint behind ``exc``, from PostgreSQL or SQLite."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if isinstance(name, str):
        return name
    message = str(exc.orig).strip()
    found = _SQLITE_UNIQUE.search(message)
    if found:
        qualified = [part.strip().split(".", 1) for part in found.group(1).split(",")]
        if all(len(q) == 2 for q in qualified):
            table = qualified[0][0]
            return _UNIQUE_BY_COLUMNS.get((table, frozenset(q[1] for q in qualified)))
    named = _SQLITE_NAMED.search(message)
    return named.group(1) if named else None


def _integrity_error(exc: sa.exc.IntegrityError, row: Mapping[str, Any]) -> ProforumError:
    """Translate a constraint violation while writing ``row`` into proforum's error."""
    name = _violated_constraint(exc)
    if name in _UNIQUE:
        table, columns = _UNIQUE[name]
        value: object = (
            row.get(columns[0]) if len(columns) == 1 else tuple(row.get(c) for c in columns)
        )
        make = _ON_UNIQUE.get(name)
        return make(value) if make else AlreadyExists(value, entity=t.ENTITIES[table.name])
    # A CHECK or NOT NULL violation is a bug in a caller, not bad user input:
    # name the constraint, never the values (they may be personal data).
    return StorageError(None, reason=f"constraint {name or 'unknown'} was violated")


# --------------------------------------------------------------------------- long id lists

#: Up to this many values, ``column IN (...)`` gets one parameter per value;
#: beyond, the values travel as one array parameter (see :func:`_is_one_of`).
MAX_LISTED_IDS = 1000


def _is_one_of(
    uow: SqlUnitOfWork, column: sa.Column[str], values: Collection[str]
) -> sa.ColumnElement[bool]:
    """``column IN values``, in a form every database takes whatever the number of values.

    A short list is an ordinary ``IN`` list.  A long one would exceed the
    driver's limit on parameters (SQLite's 32,766, PostgreSQL's 65,535), so
    it is one parameter: ``column = ANY(:array)`` on PostgreSQL,
    ``column IN (SELECT value FROM json_each(:json))`` on SQLite.
    """
    wanted = sorted(set(values))
    if len(wanted) <= MAX_LISTED_IDS:
        return column.in_(wanted)
    if uow.dialect == "postgresql":
        array = sa.bindparam(None, wanted, type_=postgresql.ARRAY(sa.String()))
        return column == sa.any_(array)
    each = sa.func.json_each(sa.bindparam(None, json.dumps(wanted), type_=sa.Text()))
    return column.in_(sa.select(each.table_valued("value").c.value))


# --------------------------------------------------------------------------- repositories


class _Repo(Generic[E]):
    """What every repository shares: one table, its mapping, one statement per call."""

    table: sa.Table
    to_row: Callable[[E], dict[str, Any]]
    from_row: Callable[[Mapping[Any, Any]], E]

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    @property
    def _key_columns(self) -> list[sa.Column[Any]]:
        return list(self.table.primary_key.columns)

    def _key_of(self, row: Mapping[str, Any]) -> object:
        values = tuple(row[c.name] for c in self._key_columns)
        return values[0] if len(values) == 1 else values

    def _first(self, *where: sa.ColumnElement[bool]) -> E | None:
        stmt = sa.select(self.table).where(*where)
        found = self._uow.execute(stmt).mappings().first()
        return None if found is None else type(self).from_row(found)

    def _list(
        self,
        *where: sa.ColumnElement[bool],
        order_by: Sequence[sa.ColumnElement[Any] | sa.Column[Any]],
        limit: int | None = None,
    ) -> list[E]:
        stmt = sa.select(self.table).where(*where).order_by(*order_by)
        if limit is not None:
            stmt = stmt.limit(max(limit, 0))
        return [type(self).from_row(r) for r in self._uow.execute(stmt).mappings()]

    def _locked(self, *where: sa.ColumnElement[bool]) -> E | None:
        """The row, locked ``FOR UPDATE`` where units of work run side by side (PostgreSQL)."""
        stmt = sa.select(self.table).where(*where)
        if self._uow.locks_rows:
            stmt = stmt.with_for_update()
        found = self._uow.execute(stmt).mappings().first()
        return None if found is None else type(self).from_row(found)

    def _by_key(self, *values: object) -> E | None:
        return self._first(*(c == v for c, v in zip(self._key_columns, values, strict=True)))

    def _insert(self, entity: E) -> None:
        row = type(self).to_row(entity)
        self._uow.execute(sa.insert(self.table), row)

    def _update(self, entity: E) -> None:
        row = type(self).to_row(entity)
        keys = self._key_columns
        stmt = sa.update(self.table).where(*(c == sa.bindparam(f"key_{c.name}") for c in keys))
        params = {k: v for k, v in row.items() if k not in {c.name for c in keys}}
        params.update({f"key_{c.name}": row[c.name] for c in keys})
        if self._uow.execute(stmt, params, row=row).rowcount == 0:
            raise NotFound(self._key_of(row), entity=t.ENTITIES[self.table.name])


class _MemberRepo(_Repo[Member]):
    table = t.members
    to_row = staticmethod(m.member_row)
    from_row = staticmethod(m.member_from)

    def get(self, member_id: MemberId) -> Member | None:
        return self._by_key(member_id)

    def get_many(self, member_ids: Collection[MemberId]) -> Mapping[MemberId, Member]:
        wanted = sorted(set(member_ids))
        if not wanted:
            return {}
        found = self._list(
            _is_one_of(self._uow, self.table.c.id, wanted), order_by=(self.table.c.id,)
        )
        return {member.id: member for member in found}

    def by_nickname_key(self, key: str) -> Member | None:
        return self._first(self.table.c.nickname_key == key)

    def by_nickname_visual_key(self, visual_key: str) -> Member | None:
        return self._first(self.table.c.nickname_visual_key == visual_key)

    def add(self, member: Member) -> None:
        self._insert(member)

    def update(self, member: Member) -> None:
        self._update(member)

    def all(self) -> Sequence[Member]:
        c = self.table.c
        return self._list(order_by=(c.registered_at, c.id))


class _NicknameHistoryRepo(_Repo[NicknameChange]):
    table = t.nickname_history
    to_row = staticmethod(m.nickname_change_row)
    from_row = staticmethod(m.nickname_change_from)

    def add(self, change: NicknameChange) -> None:
        self._insert(change)

    def for_member(self, member_id: MemberId) -> Sequence[NicknameChange]:
        c = self.table.c
        return self._list(c.member_id == member_id, order_by=(c.changed_at, c.id))

    def holder_of_key(self, key: str) -> MemberId | None:
        c = self.table.c
        stmt = sa.select(c.member_id).where(c.old_key == key).order_by(c.changed_at, c.id).limit(1)
        value = self._uow.execute(stmt).scalar_one_or_none()
        return None if value is None else MemberId(value)

    def all(self) -> Sequence[NicknameChange]:
        c = self.table.c
        return self._list(order_by=(c.changed_at, c.id))


class _CommunityRepo(_Repo[Community]):
    table = t.communities
    to_row = staticmethod(m.community_row)
    from_row = staticmethod(m.community_from)

    def get(self, community_id: CommunityId) -> Community | None:
        return self._by_key(community_id)

    def by_slug(self, slug: str) -> Community | None:
        return self._first(self.table.c.slug == slug)

    def add(self, community: Community) -> None:
        self._insert(community)

    def update(self, community: Community) -> None:
        self._update(community)

    def all(self) -> Sequence[Community]:
        c = self.table.c
        return self._list(order_by=(c.created_at, c.id))


#: The look-up that checks who is acting in a community, built once: making the
#: statement anew costs more than SQLite takes to answer it.
_MEMBERSHIP_BY_KEY = sa.select(t.memberships).where(
    t.memberships.c.community_id == sa.bindparam("community_id"),
    t.memberships.c.member_id == sa.bindparam("member_id"),
)


#: The tables :data:`_MEMBERSHIP_WITH_PARTIES` reads, in the order of its columns.
_PARTY_TABLES = (t.communities, t.memberships, t.members)
#: A membership with its community and member: what a member's use case checks first.
_MEMBERSHIP_WITH_PARTIES = (
    sa.select(*_PARTY_TABLES)
    .select_from(
        t.memberships.join(t.communities, t.communities.c.id == t.memberships.c.community_id).join(
            t.members, t.members.c.id == t.memberships.c.member_id
        )
    )
    .where(
        t.memberships.c.community_id == sa.bindparam("community_id"),
        t.memberships.c.member_id == sa.bindparam("member_id"),
    )
)


class _MembershipRepo(_Repo[Membership]):
    table = t.memberships
    to_row = staticmethod(m.membership_row)
    from_row = staticmethod(m.membership_from)

    def get(self, community_id: CommunityId, member_id: MemberId) -> Membership | None:
        params = {"community_id": community_id, "member_id": member_id}
        found = self._uow.execute(_MEMBERSHIP_BY_KEY, params).mappings().first()
        return None if found is None else m.membership_from(found)

    def with_parties(
        self, community_id: CommunityId, member_id: MemberId
    ) -> tuple[Community, Membership, Member] | None:
        """One joined ``SELECT``, built once; each table's columns read by position."""
        params = {"community_id": community_id, "member_id": member_id}
        found = self._uow.execute(_MEMBERSHIP_WITH_PARTIES, params).first()
        if found is None:
            return None
        row = tuple(found)
        parts = []
        start = 0
        for table in _PARTY_TABLES:
            names = table.c.keys()
            parts.append(dict(zip(names, row[start : start + len(names)], strict=True)))
            start += len(names)
        return (
            m.community_from(parts[0]),
            m.membership_from(parts[1]),
            m.member_from(parts[2]),
        )

    def add(self, membership: Membership) -> None:
        self._insert(membership)

    def update(self, membership: Membership) -> None:
        self._update(membership)

    def remove(self, community_id: CommunityId, member_id: MemberId) -> None:
        c = self.table.c
        stmt = sa.delete(self.table).where(c.community_id == community_id, c.member_id == member_id)
        self._uow.execute(stmt)

    def for_community(self, community_id: CommunityId) -> Sequence[Membership]:
        c = self.table.c
        return self._list(c.community_id == community_id, order_by=(c.joined_at, c.member_id))

    def all(self) -> Sequence[Membership]:
        c = self.table.c
        return self._list(order_by=(c.joined_at, c.community_id, c.member_id))


class _JoinRequestRepo(_Repo[JoinRequest]):
    table = t.join_requests
    to_row = staticmethod(m.join_request_row)
    from_row = staticmethod(m.join_request_from)

    def get(self, community_id: CommunityId, member_id: MemberId) -> JoinRequest | None:
        return self._by_key(community_id, member_id)

    def add(self, request: JoinRequest) -> None:
        self._insert(request)

    def update(self, request: JoinRequest) -> None:
        self._update(request)

    def remove(self, community_id: CommunityId, member_id: MemberId) -> None:
        c = self.table.c
        stmt = sa.delete(self.table).where(c.community_id == community_id, c.member_id == member_id)
        self._uow.execute(stmt)

    def pending(self, community_id: CommunityId) -> Sequence[JoinRequest]:
        """One range scan of ``ix_join_requests_pending``."""
        c = self.table.c
        return self._list(
            c.community_id == community_id,
            c.state == JoinRequestState.PENDING.value,
            order_by=(c.requested_at, c.member_id),
        )

    def all(self) -> Sequence[JoinRequest]:
        c = self.table.c
        return self._list(order_by=(c.community_id, c.requested_at, c.member_id))


class _VerificationRepo(_Repo[EmployerVerification]):
    table = t.employer_verifications
    to_row = staticmethod(m.verification_row)
    from_row = staticmethod(m.verification_from)

    def get(self, member_id: MemberId) -> EmployerVerification | None:
        return self._by_key(member_id)

    def get_many(self, member_ids: Collection[MemberId]) -> Mapping[MemberId, EmployerVerification]:
        if not member_ids:
            return {}
        c = self.table.c
        found = self._list(_is_one_of(self._uow, c.member_id, member_ids), order_by=(c.member_id,))
        return {verification.member_id: verification for verification in found}

    def put(self, verification: EmployerVerification) -> None:
        """One ``INSERT … ON CONFLICT (member_id) DO UPDATE``."""
        row = m.verification_row(verification)
        insert = postgresql.insert if self._uow.dialect == "postgresql" else sqlite.insert
        stmt = insert(self.table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["member_id"],
            set_={name: stmt.excluded[name] for name in row if name != "member_id"},
        )
        self._uow.execute(stmt, row, row=row)

    def all(self) -> Sequence[EmployerVerification]:
        return self._list(order_by=(self.table.c.member_id,))


class _ChallengeRepo(_Repo[EmployerChallenge]):
    table = t.employer_challenges
    to_row = staticmethod(m.challenge_row)
    from_row = staticmethod(m.challenge_from)

    def get(self, member_id: MemberId) -> EmployerChallenge | None:
        return self._by_key(member_id)

    def get_for_update(self, member_id: MemberId) -> EmployerChallenge | None:
        """``SELECT … FOR UPDATE`` on PostgreSQL; a plain read on SQLite (see meetups)."""
        stmt = sa.select(self.table).where(self.table.c.member_id == member_id)
        if self._uow.locks_rows:
            stmt = stmt.with_for_update()
        found = self._uow.execute(stmt).mappings().first()
        return None if found is None else type(self).from_row(found)

    def add(self, challenge: EmployerChallenge) -> None:
        self._insert(challenge)

    def update(self, challenge: EmployerChallenge) -> None:
        self._update(challenge)

    def all(self) -> Sequence[EmployerChallenge]:
        return self._list(order_by=(self.table.c.member_id,))


class _PostRepo(_Repo[Post]):
    table = t.posts
    to_row = staticmethod(m.post_row)
    from_row = staticmethod(m.post_from)

    def get(self, post_id: PostId) -> Post | None:
        return self._by_key(post_id)

    def get_for_update(self, post_id: PostId) -> Post | None:
        """``SELECT … FOR UPDATE`` on PostgreSQL; a plain read on SQLite (see meetups)."""
        return self._locked(self.table.c.id == post_id)

    def add(self, post: Post) -> None:
        self._insert(post)

    def update(self, post: Post) -> None:
        """Every column but ``score``, which only :meth:`add_to_score` moves."""
        row = m.post_row(post)
        del row["score"]
        key = row.pop("id")
        stmt = sa.update(self.table).where(self.table.c.id == sa.bindparam("key_id"))
        if self._uow.execute(stmt, {**row, "key_id": key}, row=row).rowcount == 0:
            raise NotFound(post.id, entity="post")

    def add_to_score(self, post_id: PostId, delta: int) -> None:
        c = self.table.c
        stmt = sa.update(self.table).where(c.id == post_id).values(score=c.score + delta)
        if self._uow.execute(stmt).rowcount == 0:
            raise NotFound(post_id, entity="post")

    def feed(
        self, community_id: CommunityId, *, limit: int, before: tuple[datetime, PostId] | None
    ) -> Sequence[Post]:
        c = self.table.c
        where = [c.community_id == community_id, c.status == ContentStatus.VISIBLE.value]
        if before is not None:
            at, post_id = before
            # A row-value comparison: one range scan of ix_posts_feed.
            where.append(
                sa.tuple_(c.published_at, c.id)
                < sa.tuple_(
                    sa.bindparam("before_at", at, type_=UtcDateTime()),
                    sa.bindparam("before_id", post_id, type_=c.id.type),
                )
            )
        return self._list(*where, order_by=(c.published_at.desc(), c.id.desc()), limit=limit)

    def feed_entries(
        self,
        community_id: CommunityId,
        reader: MemberId,
        *,
        limit: int,
        before: tuple[datetime, PostId] | None,
    ) -> Sequence[FeedEntry]:
        """One statement for the page and its authors and counts (see ``adapters/sql/feed.py``)."""
        stmt, params = feed_page_query(community_id, reader, limit=limit, before=before)
        return [feed_entry_from(r) for r in self._uow.execute(stmt, params).all()]

    def popular(
        self,
        community_id: CommunityId,
        *,
        limit: int,
        after: tuple[int, datetime, PostId] | None,
    ) -> Sequence[Post]:
        c = self.table.c
        where = [c.community_id == community_id, c.status == ContentStatus.VISIBLE.value]
        if after is not None:
            score, at, post_id = after
            # Every column descends, so "after" is one row-value comparison:
            # one range scan of ix_posts_popular.
            where.append(
                sa.tuple_(c.score, c.published_at, c.id)
                < sa.tuple_(
                    sa.bindparam("after_score", score, type_=sa.Integer()),
                    sa.bindparam("after_at", at, type_=UtcDateTime()),
                    sa.bindparam("after_id", post_id, type_=c.id.type),
                )
            )
        order = (c.score.desc(), c.published_at.desc(), c.id.desc())
        return self._list(*where, order_by=order, limit=limit)

    def search(
        self,
        community_id: CommunityId,
        query: str,
        *,
        limit: int,
        before: tuple[datetime, PostId] | None,
    ) -> Sequence[Post]:
        """One statement: the trigram index narrows, the exact rule decides (see ``search``)."""
        stmt = search_statement(self._uow.dialect, community_id, query, limit=limit, before=before)
        return [m.post_from(r) for r in self._uow.execute(stmt).mappings()]

    def in_review(self, community_id: CommunityId) -> Sequence[Post]:
        c = self.table.c
        return self._list(
            c.community_id == community_id,
            c.status == ContentStatus.HELD.value,
            order_by=(c.published_at, c.id),
        )

    def count_by_author(self, community_id: CommunityId, author_id: MemberId) -> int:
        c = self.table.c
        stmt = (
            sa.select(sa.func.count())
            .select_from(self.table)
            .where(c.community_id == community_id, c.author_id == author_id)
        )
        return int(self._uow.execute(stmt).scalar_one())

    def all(self) -> Sequence[Post]:
        c = self.table.c
        return self._list(order_by=(c.published_at, c.id))


class _CommentRepo(_Repo[Comment]):
    table = t.comments
    to_row = staticmethod(m.comment_row)
    from_row = staticmethod(m.comment_from)

    def add(self, comment: Comment) -> None:
        self._insert(comment)

    def get(self, comment_id: CommentId) -> Comment | None:
        return self._by_key(comment_id)

    def get_for_update(self, comment_id: CommentId) -> Comment | None:
        """``SELECT … FOR UPDATE`` on PostgreSQL; a plain read on SQLite (see meetups)."""
        return self._locked(self.table.c.id == comment_id)

    def in_review(self, community_id: CommunityId) -> Sequence[Comment]:
        """Held comments joined to their posts' community (``ix_comments_status`` finds few)."""
        c, posts = self.table.c, t.posts.c
        stmt = (
            sa.select(self.table)
            .join(t.posts, posts.id == c.post_id)
            .where(posts.community_id == community_id, c.status == ContentStatus.HELD.value)
            .order_by(c.published_at, c.id)
        )
        return [m.comment_from(r) for r in self._uow.execute(stmt).mappings()]

    def update(self, comment: Comment) -> None:
        self._update(comment)

    def count_for_posts(self, post_ids: Collection[PostId]) -> Mapping[PostId, int]:
        wanted = sorted(set(post_ids))
        if not wanted:
            return {}
        c = self.table.c
        # The status is tested inside the count, not in the WHERE: SQLite (never
        # analysed) would otherwise pick ix_comments_status over ix_comments_post
        # and walk every visible comment of the database.
        visible = sa.func.count(sa.case((c.status == ContentStatus.VISIBLE.value, 1)))
        stmt = (
            sa.select(c.post_id, visible)
            .where(_is_one_of(self._uow, c.post_id, wanted))
            .group_by(c.post_id)
        )
        rows: list[Any] = list(self._uow.execute(stmt))
        counts = {PostId(post_id): int(n) for post_id, n in rows}
        return {post_id: counts.get(post_id, 0) for post_id in wanted}

    def for_post(self, post_id: PostId) -> Sequence[Comment]:
        c = self.table.c
        return self._list(c.post_id == post_id, order_by=(c.published_at, c.id))

    def all(self) -> Sequence[Comment]:
        c = self.table.c
        return self._list(order_by=(c.published_at, c.id))


class _ReactionRepo(_Repo[Reaction]):
    table = t.reactions
    to_row = staticmethod(m.reaction_row)
    from_row = staticmethod(m.reaction_from)

    def add(self, reaction: Reaction) -> bool:
        """``INSERT … ON CONFLICT DO NOTHING``: a reaction given twice at once is kept once."""
        row = m.reaction_row(reaction)
        insert = postgresql.insert if self._uow.dialect == "postgresql" else sqlite.insert
        keys = self._key_columns
        # RETURNING tells whether the row went in: psycopg reports no row
        # count for an INSERT that may do nothing.
        stmt = (
            insert(self.table)
            .on_conflict_do_nothing(index_elements=[c.name for c in keys])
            .returning(keys[0])
        )
        return self._uow.execute(stmt, row, row=row).first() is not None

    def remove(
        self, target: ContentKind, target_id: str, member_id: MemberId, kind: ReactionKind
    ) -> bool:
        c = self.table.c
        stmt = sa.delete(self.table).where(
            c.target == ContentKind(target).value,
            c.target_id == target_id,
            c.member_id == member_id,
            c.kind == ReactionKind(kind).value,
        )
        return bool(self._uow.execute(stmt).rowcount)

    def summaries(
        self, target: ContentKind, target_ids: Collection[str], reader: MemberId
    ) -> Mapping[str, ReactionSummary]:
        wanted = sorted(set(target_ids))
        if not wanted:
            return {}
        c = self.table.c
        # Counts per kind and whether the reader is among them, in one GROUP BY.
        mine = sa.func.max(sa.case((c.member_id == reader, 1), else_=0))
        stmt = (
            sa.select(c.target_id, c.kind, sa.func.count(), mine)
            .where(
                c.target == ContentKind(target).value, _is_one_of(self._uow, c.target_id, wanted)
            )
            .group_by(c.target_id, c.kind)
        )
        counts: dict[str, dict[ReactionKind, int]] = {i: {} for i in wanted}
        kinds: dict[str, set[ReactionKind]] = {i: set() for i in wanted}
        rows: list[Any] = list(self._uow.execute(stmt))
        for target_id, kind, count, reacted in rows:
            counts[target_id][ReactionKind(kind)] = int(count)
            if reacted:
                kinds[target_id].add(ReactionKind(kind))
        return {
            i: ReactionSummary(ReactionCounts.of(counts[i]), frozenset(kinds[i])) for i in wanted
        }

    def all(self) -> Sequence[Reaction]:
        c = self.table.c
        return self._list(order_by=(c.target, c.target_id, c.member_id, c.kind))


class _RevisionRepo(_Repo[Revision]):
    table = t.revisions
    to_row = staticmethod(m.revision_row)
    from_row = staticmethod(m.revision_from)

    def add(self, revision: Revision) -> None:
        self._insert(revision)

    def for_target(self, target: ContentKind, target_id: str) -> Sequence[Revision]:
        c = self.table.c
        return self._list(
            c.target == ContentKind(target).value, c.target_id == target_id, order_by=(c.number,)
        )

    def remove(self, target: ContentKind, target_id: str) -> int:
        c = self.table.c
        stmt = sa.delete(self.table).where(
            c.target == ContentKind(target).value, c.target_id == target_id
        )
        return int(self._uow.execute(stmt).rowcount)

    def all(self) -> Sequence[Revision]:
        c = self.table.c
        return self._list(order_by=(c.target, c.target_id, c.number))


class _ContentPolicyRepo(_Repo[ContentPolicy]):
    table = t.content_policies
    to_row = staticmethod(m.content_policy_row)
    from_row = staticmethod(m.content_policy_from)

    def get(self, community_id: CommunityId) -> ContentPolicy | None:
        return self._by_key(community_id)

    def put(self, policy: ContentPolicy) -> None:
        """One ``INSERT … ON CONFLICT (community_id) DO UPDATE``."""
        row = m.content_policy_row(policy)
        insert = postgresql.insert if self._uow.dialect == "postgresql" else sqlite.insert
        stmt = insert(self.table)
        changed = {k: stmt.excluded[k] for k in row if k != "community_id"}
        stmt = stmt.on_conflict_do_update(index_elements=["community_id"], set_=changed)
        self._uow.execute(stmt, row, row=row)

    def all(self) -> Sequence[ContentPolicy]:
        return self._list(order_by=(self.table.c.community_id,))


class _FlagRepo(_Repo[Flag]):
    table = t.flags
    to_row = staticmethod(m.flag_row)
    from_row = staticmethod(m.flag_from)

    def add(self, flag: Flag) -> None:
        self._insert(flag)

    def get(self, target: ContentKind, target_id: str, flagger_id: MemberId) -> Flag | None:
        return self._by_key(ContentKind(target).value, target_id, flagger_id)

    def open_for_target(self, target: ContentKind, target_id: str) -> Sequence[Flag]:
        c = self.table.c
        return self._list(
            c.target == ContentKind(target).value,
            c.target_id == target_id,
            c.resolution.is_(None),
            order_by=(c.flagged_at, c.flagger_id),
        )

    def open_in_community(self, community_id: CommunityId) -> Sequence[Flag]:
        c = self.table.c
        return self._list(
            c.community_id == community_id,
            c.resolution.is_(None),
            order_by=(c.flagged_at, c.target, c.target_id, c.flagger_id),
        )

    def resolve(
        self, target: ContentKind, target_id: str, resolution: FlagResolution, at: datetime
    ) -> Sequence[Flag]:
        decided = [f.resolved(resolution, at) for f in self.open_for_target(target, target_id)]
        if decided:
            c = self.table.c
            stmt = (
                sa.update(self.table)
                .where(
                    c.target == ContentKind(target).value,
                    c.target_id == target_id,
                    c.resolution.is_(None),
                )
                .values(resolution=FlagResolution(resolution).value, resolved_at=at)
            )
            self._uow.execute(stmt)
        return decided

    def records(
        self, community_id: CommunityId, flagger_ids: Collection[MemberId]
    ) -> Mapping[MemberId, FlaggerRecord]:
        wanted = sorted(set(flagger_ids))
        if not wanted:
            return {}
        c = self.table.c
        # Decided flags per flagger and outcome, in one GROUP BY over ix_flags_flagger.
        stmt = (
            sa.select(c.flagger_id, c.resolution, sa.func.count())
            .where(
                c.community_id == community_id,
                _is_one_of(self._uow, c.flagger_id, wanted),
                c.resolution.is_not(None),
            )
            .group_by(c.flagger_id, c.resolution)
        )
        counts = {MemberId(i): {"upheld": 0, "dismissed": 0} for i in wanted}
        rows: list[Any] = list(self._uow.execute(stmt))
        for flagger_id, resolution, count in rows:
            counts[MemberId(flagger_id)][FlagResolution(resolution).value] = int(count)
        return {i: FlaggerRecord(**n) for i, n in counts.items()}

    def all(self) -> Sequence[Flag]:
        c = self.table.c
        return self._list(order_by=(c.target, c.target_id, c.flagger_id))


class _ModerationLogRepo(_Repo[ModerationLogEntry]):
    table = t.moderation_log
    to_row = staticmethod(m.log_entry_row)
    from_row = staticmethod(m.log_entry_from)

    def add(self, entry: ModerationLogEntry) -> None:
        self._insert(entry)

    def for_community(self, community_id: CommunityId) -> Sequence[ModerationLogEntry]:
        c = self.table.c
        return self._list(c.community_id == community_id, order_by=(c.at, c.id))

    def all(self) -> Sequence[ModerationLogEntry]:
        c = self.table.c
        return self._list(order_by=(c.at, c.id))


class _MeetupRepo(_Repo[Meetup]):
    table = t.meetups
    to_row = staticmethod(m.meetup_row)
    from_row = staticmethod(m.meetup_from)

    def get(self, meetup_id: MeetupId) -> Meetup | None:
        return self._by_key(meetup_id)

    def get_for_update(self, meetup_id: MeetupId) -> Meetup | None:
        """``SELECT … FOR UPDATE`` on PostgreSQL; a plain read on SQLite.

        The PostgreSQL row lock lasts until the transaction ends, and under
        READ COMMITTED the read waits for the lock holder and returns the row
        as it committed it.  SQLite has no row locks (SQLAlchemy would drop
        the clause silently) and needs none: the unit of work began with
        ``BEGIN IMMEDIATE`` and holds the database's only write lock already.
        """
        stmt = sa.select(self.table).where(self.table.c.id == meetup_id)
        if self._uow.locks_rows:
            stmt = stmt.with_for_update()
        found = self._uow.execute(stmt).mappings().first()
        return None if found is None else type(self).from_row(found)

    def add(self, meetup: Meetup) -> None:
        self._insert(meetup)

    def update(self, meetup: Meetup) -> None:
        self._update(meetup)

    def for_community(self, community_id: CommunityId) -> Sequence[Meetup]:
        c = self.table.c
        return self._list(c.community_id == community_id, order_by=(c.starts_at, c.id))

    def by_meeting(self, provider: str, meeting_id: str) -> Meetup | None:
        c = self.table.c
        return self._first(c.meeting_provider == provider, c.meeting_id == meeting_id)

    def confirmation_due(self, now: datetime) -> Sequence[MeetupId]:
        c = self.table.c
        stmt = (
            sa.select(c.id)
            .where(
                c.state == MeetupState.DRAWN.value,
                c.confirm_by.is_not(None),
                c.confirm_by <= now,
                c.starts_at > now,
            )
            .order_by(c.id)
        )
        return [MeetupId(i) for i in self._uow.execute(stmt).scalars()]

    def all(self) -> Sequence[Meetup]:
        c = self.table.c
        return self._list(order_by=(c.created_at, c.id))


class _ApplicationRepo(_Repo[Application]):
    table = t.applications
    to_row = staticmethod(m.application_row)
    from_row = staticmethod(m.application_from)

    def get(self, meetup_id: MeetupId, member_id: MemberId) -> Application | None:
        return self._by_key(meetup_id, member_id)

    def add(self, application: Application) -> None:
        self._insert(application)

    def update(self, application: Application) -> None:
        self._update(application)

    def update_many(self, applications: Sequence[Application]) -> None:
        """One ``executemany`` ``UPDATE``; a missing row fails the whole call."""
        if not applications:
            return
        c = self.table.c
        stmt = sa.update(self.table).where(
            c.meetup_id == sa.bindparam("key_meetup_id"),
            c.member_id == sa.bindparam("key_member_id"),
        )
        rows = []
        for application in applications:
            row = m.application_row(application)
            row["key_meetup_id"] = row.pop("meetup_id")
            row["key_member_id"] = row.pop("member_id")
            rows.append(row)
        result = self._uow.execute(stmt, rows, row={})
        # Drivers report the total of an executemany UPDATE (-1 when they cannot).
        if 0 <= result.rowcount < len(rows):
            raise NotFound(None, entity="application")

    def move_applied(
        self,
        meetup_id: MeetupId,
        target: ApplicationState,
        now: datetime,
        *,
        only: Collection[MemberId] | None = None,
    ) -> int:
        """One ``UPDATE``; the count comes from the driver's row count."""
        c = self.table.c
        where = [c.meetup_id == meetup_id, c.state == ApplicationState.APPLIED.value]
        if only is not None:
            if not only:
                return 0
            where.append(_is_one_of(self._uow, c.member_id, only))
        stmt = (
            sa.update(self.table)
            .where(*where)
            .values(state=target.value, updated_at=now, offer_expires_at=None)
        )
        return self._uow.execute(stmt).rowcount

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[Application]:
        c = self.table.c
        return self._list(c.meetup_id == meetup_id, order_by=(c.applied_at, c.member_id))

    def records(self, member_ids: Collection[MemberId]) -> Mapping[MemberId, ParticipationRecord]:
        wanted = sorted(set(member_ids))
        found: dict[MemberId, ParticipationRecord] = {}
        c = self.table.c

        def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
            return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

        no_show = c.state == ApplicationState.NO_SHOW.value
        last = sa.type_coerce(
            sa.func.max(sa.case((no_show, c.updated_at), else_=sa.null())), UtcDateTime()
        )
        if wanted:
            stmt = (
                sa.select(
                    c.member_id,
                    count(c.state != ApplicationState.WITHDRAWN.value),
                    count(c.state.in_([s.value for s in HELD_A_SEAT])),
                    count(c.state == ApplicationState.ATTENDED.value),
                    count(no_show),
                    last,
                )
                .where(_is_one_of(self._uow, c.member_id, wanted))
                .group_by(c.member_id)
            )
            rows: Any = self._uow.execute(stmt)
            for member_id, applied, selected, attended, no_shows, last_at in rows:
                found[MemberId(member_id)] = ParticipationRecord(
                    member_id=MemberId(member_id),
                    applied=int(applied),
                    selected=int(selected),
                    attended=int(attended),
                    no_shows=int(no_shows),
                    last_no_show_at=last_at,
                )
        return {i: found.get(i) or ParticipationRecord(member_id=i) for i in wanted}

    def lapsed_offers(self, now: datetime) -> Sequence[MeetupId]:
        c = self.table.c
        stmt = (
            sa.select(c.meetup_id)
            .where(c.state == ApplicationState.OFFERED.value, c.offer_expires_at <= now)
            .distinct()
            .order_by(c.meetup_id)
        )
        return [MeetupId(i) for i in self._uow.execute(stmt).scalars()]

    def all(self) -> Sequence[Application]:
        c = self.table.c
        return self._list(order_by=(c.applied_at, c.meetup_id, c.member_id))


class _RegistrationRepo(_Repo[VideoRegistration]):
    table = t.video_registrations
    to_row = staticmethod(m.registration_row)
    from_row = staticmethod(m.registration_from)

    def add_many(self, registrations: Sequence[VideoRegistration]) -> None:
        if registrations:
            rows = [m.registration_row(r) for r in registrations]
            self._uow.execute(sa.insert(self.table), rows, row={})

    def update(self, registration: VideoRegistration) -> None:
        self._update(registration)

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[VideoRegistration]:
        c = self.table.c
        return self._list(c.meetup_id == meetup_id, order_by=(c.member_id, c.registered_at, c.id))

    def pending_revocations(self) -> Sequence[VideoRegistration]:
        c = self.table.c
        return self._list(
            c.revoke_requested_at.is_not(None),
            c.revoked_at.is_(None),
            order_by=(c.meetup_id, c.member_id, c.registered_at, c.id),
        )

    def all(self) -> Sequence[VideoRegistration]:
        c = self.table.c
        return self._list(order_by=(c.meetup_id, c.member_id, c.registered_at, c.id))


class _InterestRepo(_Repo[FollowUpInterest]):
    table = t.follow_up_interests
    to_row = staticmethod(m.interest_row)
    from_row = staticmethod(m.interest_from)

    def add(self, interest: FollowUpInterest) -> None:
        self._insert(interest)

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[FollowUpInterest]:
        c = self.table.c
        return self._list(c.meetup_id == meetup_id, order_by=(c.noted_at, c.member_id))

    def all(self) -> Sequence[FollowUpInterest]:
        c = self.table.c
        return self._list(order_by=(c.meetup_id, c.noted_at, c.member_id))


class _ConsentRepo(_Repo[ContactConsent]):
    table = t.contact_consents
    to_row = staticmethod(m.consent_row)
    from_row = staticmethod(m.consent_from)

    def add(self, consent: ContactConsent) -> None:
        self._insert(consent)

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[ContactConsent]:
        c = self.table.c
        return self._list(c.meetup_id == meetup_id, order_by=(c.member_id, c.with_member_id))

    def all(self) -> Sequence[ContactConsent]:
        c = self.table.c
        return self._list(order_by=(c.meetup_id, c.member_id, c.with_member_id))


class _CommitmentRepo(_Repo[Commitment]):
    table = t.lottery_commitments
    to_row = staticmethod(m.commitment_row)
    from_row = staticmethod(m.commitment_from)

    def get(self, meetup_id: MeetupId) -> Commitment | None:
        return self._by_key(meetup_id)

    def add(self, commitment: Commitment) -> None:
        self._insert(commitment)

    def all(self) -> Sequence[Commitment]:
        return self._list(order_by=(self.table.c.meetup_id,))


class _DrawRepo(_Repo[Draw]):
    table = t.lottery_draws
    to_row = staticmethod(m.draw_row)
    from_row = staticmethod(m.draw_from)

    def get(self, meetup_id: MeetupId) -> Draw | None:
        return self._by_key(meetup_id)

    def add(self, draw: Draw) -> None:
        self._insert(draw)

    def all(self) -> Sequence[Draw]:
        return self._list(order_by=(self.table.c.meetup_id,))


class _SurveyRepo(_Repo[Survey]):
    table = t.surveys
    to_row = staticmethod(m.survey_row)
    from_row = staticmethod(m.survey_from)

    def get(self, survey_id: SurveyId) -> Survey | None:
        return self._by_key(survey_id)

    def get_for_update(self, survey_id: SurveyId) -> Survey | None:
        """``SELECT … FOR UPDATE`` on PostgreSQL; a plain read on SQLite (see meetups)."""
        stmt = sa.select(self.table).where(self.table.c.id == survey_id)
        if self._uow.locks_rows:
            stmt = stmt.with_for_update()
        found = self._uow.execute(stmt).mappings().first()
        return None if found is None else type(self).from_row(found)

    def add(self, survey: Survey) -> None:
        self._insert(survey)

    def update(self, survey: Survey) -> None:
        self._update(survey)

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[Survey]:
        c = self.table.c
        return self._list(c.meetup_id == meetup_id, order_by=(c.created_at, c.id))

    def for_community(self, community_id: CommunityId) -> Sequence[Survey]:
        c = self.table.c
        return self._list(c.community_id == community_id, order_by=(c.created_at, c.id))

    def all(self) -> Sequence[Survey]:
        c = self.table.c
        return self._list(order_by=(c.created_at, c.id))


class _ResponseRepo(_Repo[Response]):
    """Responses and their answers: two tables, two statements per call.

    The statistics are computed by the database (COUNT, SUM, SUM of squares,
    GROUP BY): no answer leaves it to be counted.
    """

    table = t.survey_responses
    to_row = staticmethod(m.response_row)
    from_row = staticmethod(m.response_from)

    def add(self, response: Response) -> None:
        self._insert(response)
        rows = m.answer_rows(response)
        if rows:
            self._uow.execute(sa.insert(t.survey_answers), rows, row={})

    def _with_answers(self, *where: sa.ColumnElement[bool]) -> list[Response]:
        r, a = self.table.c, t.survey_answers.c
        heads = list(
            self._uow.execute(sa.select(self.table).where(*where).order_by(r.id)).mappings()
        )
        if not heads:
            return []
        answers: dict[str, list[Answer]] = {}
        stmt = (
            sa.select(t.survey_answers)
            .join(self.table, r.id == a.response_id)
            .where(*where)
            .order_by(a.response_id, a.question_id, a.item)
        )
        for row in self._uow.execute(stmt).mappings():
            answers.setdefault(row["response_id"], []).append(m.answer_from(row))
        return [m.response_from(head, answers.get(head["id"], ())) for head in heads]

    def for_survey(self, survey_id: SurveyId) -> Sequence[Response]:
        # Sorted by the random id: insertion order would reveal who answered when.
        return self._with_answers(self.table.c.survey_id == survey_id)

    def all(self) -> Sequence[Response]:
        return self._with_answers()

    def statistics(self, survey_id: SurveyId, *, by_band: bool = True) -> ResponseStatistics:
        r, a = self.table.c, t.survey_answers.c
        in_survey = r.survey_id == survey_id
        # Without bands neither statement reads a response's row: the index
        # on (survey_id, id) answers both, and the band is all it lacks.
        band: Any = r.band if by_band else sa.null()
        counted: list[Any] = list(
            self._uow.execute(
                sa.select(band, sa.func.count())
                .select_from(self.table)
                .where(in_survey)
                .group_by(*([band] if by_band else []))
            )
        )
        bands = {_band(band_text): int(n) for band_text, n in counted}
        # One pass over the answers: sums and squares follow from the counts
        # per value.  Each response's answer to a question has exactly one row
        # with item 0 (m.answer_rows numbers a multiple choice's rows from 0),
        # so counting those rows counts respondents without a second scan for
        # count(DISTINCT response_id).
        grouped = (
            [a.question_id, band, a.value, a.choice]
            if by_band
            else [a.question_id, a.value, a.choice]
        )
        first_rows = sa.func.count(sa.case((a.item == 0, 1)))
        stmt = (
            sa.select(a.question_id, band, a.value, a.choice, sa.func.count(), first_rows)
            .select_from(t.survey_answers.join(self.table, r.id == a.response_id))
            .where(in_survey)
            .group_by(*grouped)
        )
        tallies: list[Tally] = []
        respondents: dict[tuple[str, ExperienceBand | None], int] = {}
        rows: list[Any] = list(self._uow.execute(stmt))
        for question_id, band_text, value, choice, n, first in rows:
            key = (question_id, _band(band_text))
            tallies.append((*key, None if value is None else int(value), choice, int(n)))
            respondents[key] = respondents.get(key, 0) + int(first)
        return ResponseStatistics.from_tallies(survey_id, bands, tallies, respondents)

    def texts(self, survey_id: SurveyId, question_id: str) -> Sequence[str]:
        r, a = self.table.c, t.survey_answers.c
        stmt = (
            sa.select(a.text)
            .join(self.table, r.id == a.response_id)
            .where(r.survey_id == survey_id, a.question_id == question_id, a.text.is_not(None))
        )
        # Sorted here, by code point: the same order on every database and locale.
        return sorted(str(text) for (text,) in self._uow.execute(stmt))

    def rewrite_in_id_order(self, survey_id: SurveyId) -> None:
        responses = self.for_survey(survey_id)
        if not responses:
            return
        r, a = self.table.c, t.survey_answers.c
        in_survey = sa.select(r.id).where(r.survey_id == survey_id).scalar_subquery()
        self._uow.execute(sa.delete(t.survey_answers).where(a.response_id.in_(in_survey)))
        self._uow.execute(sa.delete(self.table).where(r.survey_id == survey_id))
        # Inserted again in id order by this one transaction: on PostgreSQL the
        # heap order and every row's xmin now say nothing about who answered when.
        self._uow.execute(sa.insert(self.table), [m.response_row(x) for x in responses])
        answers = [row for x in responses for row in m.answer_rows(x)]
        if answers:
            self._uow.execute(sa.insert(t.survey_answers), answers)


def _band(value: str | None) -> ExperienceBand | None:
    return None if value is None else ExperienceBand(value)


class _ParticipationRepo(_Repo[Participation]):
    table = t.survey_participations
    to_row = staticmethod(m.participation_row)
    from_row = staticmethod(m.participation_from)

    def exists(self, survey_id: SurveyId, member_id: MemberId) -> bool:
        c = self.table.c
        stmt = sa.select(sa.literal(1)).where(c.survey_id == survey_id, c.member_id == member_id)
        return self._uow.execute(stmt).first() is not None

    def add(self, participation: Participation) -> None:
        self._insert(participation)

    def for_survey(self, survey_id: SurveyId) -> Sequence[Participation]:
        c = self.table.c
        return self._list(c.survey_id == survey_id, order_by=(c.member_id,))

    def eligible_count(self, survey: Survey) -> int:
        """The audience's size plus the respondents outside it, in one statement.

        Counting a ``UNION`` would sort or hash both lists of ids to drop the
        duplicates; the audience is unique by its primary key already, so
        only the respondents need checking, each by one index lookup.
        """
        p = self.table.c
        source: sa.Table
        if survey.audience is Audience.ATTENDEES:
            a = t.applications.c
            source, member = t.applications, a.member_id
            audience = [
                a.meetup_id == survey.meetup_id,
                a.state == ApplicationState.ATTENDED.value,
            ]
        else:
            ms = t.memberships.c
            source, member = t.memberships, ms.member_id
            audience = [ms.community_id == survey.community_id]
        members = sa.select(sa.func.count()).select_from(source).where(*audience)
        outside = ~sa.exists().where(*audience, member == p.member_id)
        gone = (
            sa.select(sa.func.count())
            .select_from(self.table)
            .where(p.survey_id == survey.id, outside)
        )
        stmt = sa.select(members.scalar_subquery() + gone.scalar_subquery())
        return int(self._uow.execute(stmt).scalar_one())

    def all(self) -> Sequence[Participation]:
        c = self.table.c
        return self._list(order_by=(c.survey_id, c.member_id))


class _MessageRepo(_Repo[Message]):
    table = t.messages
    to_row = staticmethod(m.message_row)
    from_row = staticmethod(m.message_from)

    def get(self, message_id: MessageId) -> Message | None:
        return self._by_key(message_id)

    def add(self, message: Message) -> None:
        self._insert(message)

    def add_many(self, messages: Sequence[Message]) -> None:
        """One ``executemany`` ``INSERT``; ids repeated within ``messages`` are refused first."""
        if not messages:
            return
        rows = [m.message_row(message) for message in messages]
        seen: set[str] = set()
        for row in rows:
            if row["id"] in seen:
                raise AlreadyExists(row["id"], entity=t.ENTITIES[self.table.name])
            seen.add(row["id"])
        # A clash with a stored message cannot be traced to its row: reported without a value.
        self._uow.execute(sa.insert(self.table), rows, row={})

    def update(self, message: Message) -> None:
        self._update(message)

    def withdraw(
        self,
        subject: str,
        kind: MessageKind,
        recipients: Collection[MemberId] | None,
        now: datetime,
    ) -> int:
        """One ``UPDATE`` through ``ix_messages_subject``; ``now`` is not stored.

        On PostgreSQL a relay marking one of the rows at the same moment makes
        the ``UPDATE`` wait for it and check ``status`` again: a message just
        sent stays sent, and one withdrawn first is not marked.
        """
        if recipients is not None and not recipients:
            return 0
        c = self.table.c
        where = [
            c.subject == subject,
            c.kind == MessageKind(kind).value,
            c.status == DeliveryStatus.PENDING.value,
        ]
        if recipients is not None:
            where.append(_is_one_of(self._uow, c.recipient_id, recipients))
        stmt = (
            sa.update(self.table)
            .where(*where)
            .values(status=DeliveryStatus.CANCELLED.value, claimed_by=None, claimed_until=None)
        )
        return int(self._uow.execute(stmt).rowcount)

    def _due(self, now: datetime) -> list[sa.ColumnElement[bool]]:
        """Pending, past its backoff, and not leased (or the lease ran out) at ``now``."""
        c = self.table.c
        due = sa.bindparam("due", now, type_=UtcDateTime())
        return [
            c.status == DeliveryStatus.PENDING.value,
            sa.or_(c.next_attempt_at.is_(None), c.next_attempt_at <= due),
            sa.or_(c.claimed_until.is_(None), c.claimed_until <= due),
        ]

    def pending(self, limit: int, now: datetime | None = None) -> Sequence[Message]:
        c = self.table.c
        where = self._due(now) if now is not None else [c.status == DeliveryStatus.PENDING.value]
        return self._list(*where, order_by=(c.created_at, c.id), limit=limit)

    def claim(
        self,
        limit: int,
        now: datetime,
        lease: timedelta,
        claimer: str,
        *,
        ids: Collection[MessageId] | None = None,
    ) -> Sequence[Message]:
        """Two statements: pick the due rows, then lease those still claimable.

        PostgreSQL picks ``FOR UPDATE SKIP LOCKED``: rows another relay is
        claiming at this moment are passed over rather than waited for, and
        a row whose claim committed meanwhile is re-checked and dropped.
        SQLite has no row locks and needs none: the unit of work began with
        ``BEGIN IMMEDIATE`` and holds the only write lock from the pick to
        the commit.  On both, the ``UPDATE`` repeats the conditions, so it
        never takes over a lease that is still running.
        """
        if limit < 1 or (ids is not None and not ids):
            return []
        c = self.table.c
        where = self._due(now)
        if ids is not None:
            where.append(_is_one_of(self._uow, c.id, ids))
        pick = sa.select(c.id).where(*where).order_by(c.created_at, c.id).limit(limit)
        if self._uow.locks_rows:
            pick = pick.with_for_update(skip_locked=True)
        picked = [row[0] for row in self._uow.execute(pick)]
        if not picked:
            return []
        stmt = (
            sa.update(self.table)
            .where(c.id.in_(picked), *where)
            .values(claimed_by=claimer, claimed_until=now + lease)
            .returning(*self.table.c)
        )
        claimed = [m.message_from(row) for row in self._uow.execute(stmt).mappings()]
        return sorted(claimed, key=lambda message: (message.created_at, message.id))

    def mark(self, message: Message, claimer: str) -> bool:
        c = self.table.c
        stmt = (
            sa.update(self.table)
            .where(
                c.id == message.id,
                c.status == DeliveryStatus.PENDING.value,
                c.claimed_by == claimer,
            )
            .values(
                status=message.status.value,
                attempts=message.attempts,
                sent_at=message.sent_at,
                last_error=message.last_error,
                next_attempt_at=message.next_attempt_at,
                claimed_by=None,
                claimed_until=None,
            )
        )
        return bool(self._uow.execute(stmt).rowcount == 1)

    def release(self, ids: Collection[MessageId], claimer: str) -> int:
        if not ids:
            return 0
        c = self.table.c
        stmt = (
            sa.update(self.table)
            .where(
                _is_one_of(self._uow, c.id, ids),
                c.status == DeliveryStatus.PENDING.value,
                c.claimed_by == claimer,
            )
            .values(claimed_by=None, claimed_until=None)
        )
        return int(self._uow.execute(stmt).rowcount)

    def dead(
        self, limit: int, before: tuple[datetime, MessageId] | None = None
    ) -> Sequence[Message]:
        c = self.table.c
        where = [c.status == DeliveryStatus.FAILED.value]
        if before is not None:
            at, message_id = before
            where.append(
                sa.tuple_(c.created_at, c.id)
                < sa.tuple_(
                    sa.bindparam("before_at", at, type_=UtcDateTime()),
                    sa.bindparam("before_id", message_id, type_=c.id.type),
                )
            )
        return self._list(*where, order_by=(c.created_at.desc(), c.id.desc()), limit=limit)

    def requeue(self, ids: Collection[MessageId] | None = None) -> int:
        if ids is not None and not ids:
            return 0
        c = self.table.c
        where = [c.status == DeliveryStatus.FAILED.value]
        if ids is not None:
            where.append(_is_one_of(self._uow, c.id, ids))
        stmt = (
            sa.update(self.table)
            .where(*where)
            .values(
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                next_attempt_at=None,
                claimed_by=None,
                claimed_until=None,
            )
        )
        return int(self._uow.execute(stmt).rowcount)

    def erase_secrets(self, subject: str) -> int:
        """Read the settled messages about ``subject`` (``ix_messages_subject``), rewrite theirs.

        JSON editing differs between SQLite and PostgreSQL, and only a
        handful of rows (one code's messages) are concerned: they are read,
        and those holding a one-time parameter are written back without it
        in one ``executemany``.
        """
        c = self.table.c
        stmt = sa.select(c.id, c.params).where(
            c.subject == subject, c.status != DeliveryStatus.PENDING.value
        )
        rows: list[Any] = list(self._uow.execute(stmt))
        changed = [
            {
                "key_id": message_id,
                "params": {k: v for k, v in params.items() if k not in ONE_TIME_PARAMS},
            }
            for message_id, params in rows
            if not ONE_TIME_PARAMS.isdisjoint(params)
        ]
        if changed:
            update = (
                sa.update(self.table)
                .where(c.id == sa.bindparam("key_id"))
                .values(params=sa.bindparam("params"))
            )
            self._uow.execute(update, changed, row={})
        return len(changed)

    def all(self) -> Sequence[Message]:
        c = self.table.c
        return self._list(order_by=(c.created_at, c.id))


class _InboxRepo(_Repo[InboxItem]):
    table = t.inbox_items
    to_row = staticmethod(m.inbox_row)
    from_row = staticmethod(m.inbox_from)

    def get(self, message_id: MessageId) -> InboxItem | None:
        return self._by_key(message_id)

    def add(self, item: InboxItem) -> None:
        self._insert(item)

    def update(self, item: InboxItem) -> None:
        self._update(item)

    def for_recipient(self, member_id: MemberId) -> Sequence[InboxItem]:
        c = self.table.c
        return self._list(
            c.recipient_id == member_id, order_by=(c.delivered_at.desc(), c.message_id.desc())
        )

    def page(
        self,
        member_id: MemberId,
        *,
        limit: int,
        before: tuple[datetime, MessageId] | None = None,
        unread_only: bool = False,
    ) -> Sequence[InboxItem]:
        """One range scan of ``ix_inbox_items_recipient`` (``ix_inbox_items_unread``)."""
        c = self.table.c
        where = [c.recipient_id == member_id]
        if unread_only:
            where.append(c.read_at.is_(None))
        if before is not None:
            at, message_id = before
            where.append(
                sa.tuple_(c.delivered_at, c.message_id)
                < sa.tuple_(
                    sa.bindparam("before_at", at, type_=UtcDateTime()),
                    sa.bindparam("before_id", message_id, type_=c.message_id.type),
                )
            )
        return self._list(
            *where, order_by=(c.delivered_at.desc(), c.message_id.desc()), limit=limit
        )

    def unread_count(self, member_id: MemberId) -> int:
        c = self.table.c
        stmt = sa.select(sa.func.count()).where(c.recipient_id == member_id, c.read_at.is_(None))
        return int(self._uow.execute(stmt).scalar_one())

    def mark_all_read(self, member_id: MemberId, at: datetime) -> int:
        c = self.table.c
        stmt = (
            sa.update(self.table)
            .where(c.recipient_id == member_id, c.read_at.is_(None))
            .values(read_at=at)
        )
        return int(self._uow.execute(stmt).rowcount)

    def all(self) -> Sequence[InboxItem]:
        c = self.table.c
        return self._list(order_by=(c.delivered_at, c.message_id))


class _PreferenceRepo(_Repo[NotificationPreference]):
    table = t.notification_preferences
    to_row = staticmethod(m.preference_row)
    from_row = staticmethod(m.preference_from)

    def for_member(self, member_id: MemberId) -> Sequence[NotificationPreference]:
        c = self.table.c
        return self._list(c.member_id == member_id, order_by=(c.channel, c.kind))

    def put(self, preference: NotificationPreference) -> None:
        """One ``INSERT … ON CONFLICT (member_id, channel, kind) DO UPDATE``."""
        row = m.preference_row(preference)
        insert = postgresql.insert if self._uow.dialect == "postgresql" else sqlite.insert
        stmt = insert(self.table)
        keys = [c.name for c in self._key_columns]
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={"enabled": stmt.excluded.enabled}
        )
        self._uow.execute(stmt, row, row=row)

    def switched_off(
        self,
        kind: MessageKind,
        channels: Collection[str],
        members: Collection[MemberId] | None = None,
    ) -> set[tuple[MemberId, str]]:
        """One query through ``ix_notification_preferences_kind`` (or the key, by member)."""
        if not channels or (members is not None and not members):
            return set()
        c = self.table.c
        where = [
            c.kind == MessageKind(kind).value,
            c.channel.in_(sorted(set(channels))),
            c.enabled == sa.false(),
        ]
        if members is not None:
            where.append(_is_one_of(self._uow, c.member_id, members))
        rows: list[Any] = list(self._uow.execute(sa.select(c.member_id, c.channel).where(*where)))
        return {(MemberId(member_id), str(channel)) for member_id, channel in rows}

    def all(self) -> Sequence[NotificationPreference]:
        c = self.table.c
        return self._list(order_by=(c.member_id, c.channel, c.kind))


# --------------------------------------------------------------------------- bulk loading

#: What :meth:`SqlUnitOfWork.load` writes each export table into, and how.
_LOADS: dict[str, tuple[sa.Table, Callable[[Any], dict[str, Any]]]] = {
    "members": (t.members, m.member_row),
    "nickname_history": (t.nickname_history, m.nickname_change_row),
    "communities": (t.communities, m.community_row),
    "memberships": (t.memberships, m.membership_row),
    "employer_verifications": (t.employer_verifications, m.verification_row),
    "employer_challenges": (t.employer_challenges, m.challenge_row),
    "join_requests": (t.join_requests, m.join_request_row),
    "posts": (t.posts, m.post_row),
    "comments": (t.comments, m.comment_row),
    "reactions": (t.reactions, m.reaction_row),
    "revisions": (t.revisions, m.revision_row),
    "content_policies": (t.content_policies, m.content_policy_row),
    "flags": (t.flags, m.flag_row),
    "moderation_log": (t.moderation_log, m.log_entry_row),
    "meetups": (t.meetups, m.meetup_row),
    "applications": (t.applications, m.application_row),
    "commitments": (t.lottery_commitments, m.commitment_row),
    "draws": (t.lottery_draws, m.draw_row),
    "video_registrations": (t.video_registrations, m.registration_row),
    "follow_up_interests": (t.follow_up_interests, m.interest_row),
    "contact_consents": (t.contact_consents, m.consent_row),
    "surveys": (t.surveys, m.survey_row),
    "responses": (t.survey_responses, m.response_row),
    "participations": (t.survey_participations, m.participation_row),
    "messages": (t.messages, m.message_row),
    "inbox": (t.inbox_items, m.inbox_row),
    "notification_preferences": (t.notification_preferences, m.preference_row),
}


#: Export table name → how a row of it is read back, for a member's rows.
_READS: dict[str, Callable[[Any], Any]] = {
    "members": m.member_from,
    "nickname_history": m.nickname_change_from,
    "employer_verifications": m.verification_from,
    "employer_challenges": m.challenge_from,
    "join_requests": m.join_request_from,
    "memberships": m.membership_from,
    "posts": m.post_from,
    "comments": m.comment_from,
    "reactions": m.reaction_from,
    "revisions": m.revision_from,
    "flags": m.flag_from,
    "moderation_log": m.log_entry_from,
    "meetups": m.meetup_from,
    "applications": m.application_from,
    "video_registrations": m.registration_from,
    "follow_up_interests": m.interest_from,
    "contact_consents": m.consent_from,
    "participations": m.participation_from,
    "messages": m.message_from,
    "inbox": m.inbox_from,
    "notification_preferences": m.preference_from,
}


# --------------------------------------------------------------------------- unit of work

_thread = threading.local()


def _active() -> set[int]:
    active: set[int] | None = getattr(_thread, "active", None)
    if active is None:
        active = _thread.active = set()
    return active


class SqlUnitOfWork:
    """One transaction on one connection of a :class:`SqlStorage`."""

    members: MemberRepository
    nickname_history: NicknameHistoryRepository
    communities: CommunityRepository
    memberships: MembershipRepository
    join_requests: JoinRequestRepository
    verifications: VerificationRepository
    challenges: ChallengeRepository
    posts: PostRepository
    comments: CommentRepository
    reactions: ReactionRepository
    revisions: RevisionRepository
    content_policies: ContentPolicyRepository
    flags: FlagRepository
    moderation_log: ModerationLogRepository
    meetups: MeetupRepository
    applications: ApplicationRepository
    commitments: CommitmentRepository
    draws: DrawRepository
    registrations: RegistrationRepository
    interests: InterestRepository
    consents: ConsentRepository
    surveys: SurveyRepository
    responses: ResponseRepository
    participations: ParticipationRepository
    messages: MessageRepository
    inbox: InboxRepository
    preferences: PreferenceRepository

    def __init__(self, storage: SqlStorage) -> None:
        self._storage = storage
        self._conn: Connection | None = None
        #: ``"sqlite"`` or ``"postgresql"``, for the statements that differ.
        self.dialect: str = storage.engine.dialect.name
        # After a failed statement PostgreSQL refuses everything but ROLLBACK;
        # SQLite undoes the failed statement only and carries on.
        self._aborts_on_error = storage.engine.dialect.name == "postgresql"
        self._aborted = False
        #: Whether ``get_for_update`` needs a row lock: only PostgreSQL runs
        #: units of work side by side (SQLite's hold the write lock from BEGIN).
        self.locks_rows = storage.engine.dialect.name == "postgresql"

    # -- the transaction -----------------------------------------------------

    def __enter__(self) -> Self:
        active = _active()
        if id(self._storage) in active:
            # It would wait for the lock its own thread holds (SQLite) and
            # could not see this thread's uncommitted writes: refuse it now.
            raise StorageError(None, reason="nested unit of work on the same SQL storage")
        lock = self._storage._lock
        if lock is not None:
            lock.acquire()
        failure: StorageError | None = None
        try:
            self._conn = self._storage.engine.connect()
        except sa.exc.DBAPIError as exc:
            if lock is not None:
                lock.release()
            failure = database_error(exc, self._storage.engine.url)
        if failure is not None:
            # Raised outside the handler: the driver's exception, which may
            # hold the password, must not ride along as __context__.
            raise failure
        active.add(id(self._storage))
        self.members = _MemberRepo(self)
        self.nickname_history = _NicknameHistoryRepo(self)
        self.communities = _CommunityRepo(self)
        self.memberships = _MembershipRepo(self)
        self.join_requests = _JoinRequestRepo(self)
        self.verifications = _VerificationRepo(self)
        self.challenges = _ChallengeRepo(self)
        self.posts = _PostRepo(self)
        self.comments = _CommentRepo(self)
        self.reactions = _ReactionRepo(self)
        self.revisions = _RevisionRepo(self)
        self.content_policies = _ContentPolicyRepo(self)
        self.flags = _FlagRepo(self)
        self.moderation_log = _ModerationLogRepo(self)
        self.meetups = _MeetupRepo(self)
        self.applications = _ApplicationRepo(self)
        self.commitments = _CommitmentRepo(self)
        self.draws = _DrawRepo(self)
        self.registrations = _RegistrationRepo(self)
        self.interests = _InterestRepo(self)
        self.consents = _ConsentRepo(self)
        self.surveys = _SurveyRepo(self)
        self.responses = _ResponseRepo(self)
        self.participations = _ParticipationRepo(self)
        self.messages = _MessageRepo(self)
        self.inbox = _InboxRepo(self)
        self.preferences = _PreferenceRepo(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        try:
            if conn is not None:
                conn.close()  # rolls back whatever was not committed
        finally:
            _active().discard(id(self._storage))
            if self._storage._lock is not None:
                self._storage._lock.release()

    def commit(self) -> None:
        """Make every write so far durable and visible.

        :raises StorageError: a statement of this transaction failed on
            PostgreSQL, which has discarded the whole transaction: nothing is
            committed (PostgreSQL would silently turn the COMMIT into a ROLLBACK).
        """
        conn = self._connection()
        self._refuse_if_aborted()
        failure: ProforumError | None = None
        try:
            conn.commit()
        except sa.exc.IntegrityError as exc:
            failure = _integrity_error(exc, {})
        except sa.exc.DBAPIError as exc:
            failure = database_error(exc, self._storage.engine.url)
        if failure is not None:
            raise failure

    def rollback(self) -> None:
        """Discard every write since the last commit."""
        self._connection().rollback()
        self._aborted = False

    def member_rows(self, member_id: MemberId) -> Mapping[str, Sequence[Any]]:
        """One ``SELECT`` per table of :data:`MEMBER_REFERENCES`, by primary key."""
        rows: dict[str, Sequence[Any]] = {}
        for name, fields in MEMBER_REFERENCES.items():
            table, _ = _LOADS[name]
            stmt = (
                sa.select(table)
                .where(sa.or_(*(table.c[field] == member_id for field in fields)))
                .order_by(*table.primary_key.columns)
            )
            read = _READS[name]
            rows[name] = [read(row) for row in self.execute(stmt).mappings()]
        return rows

    def rewrite(self, table: str, entities: Sequence[Any]) -> None:
        """One ``executemany`` ``UPDATE`` of every column, by primary key."""
        if table not in REWRITTEN_TABLES:
            raise ValueError(f"rows of {table!r} are not rewritten")
        if not entities:
            return
        target, to_row = _LOADS[table]
        keys = list(target.primary_key.columns)
        stmt = (
            sa.update(target)
            .where(*(c == sa.bindparam(f"key_{c.name}") for c in keys))
            .values({c.name: sa.bindparam(f"new_{c.name}") for c in target.columns})
        )
        params = []
        for entity in entities:
            row = to_row(entity)
            params.append(
                {f"key_{c.name}": row[c.name] for c in keys}
                | {f"new_{c.name}": row[c.name] for c in target.columns}
            )
        self.execute(stmt, params)

    def remove(self, table: str, entities: Sequence[Any]) -> None:
        """One ``executemany`` ``DELETE`` by primary key."""
        if table not in ERASED_TABLES:
            raise ValueError(f"rows of {table!r} are not removed")
        if not entities:
            return
        target, to_row = _LOADS[table]
        keys = list(target.primary_key.columns)
        stmt = sa.delete(target).where(*(c == sa.bindparam(f"key_{c.name}") for c in keys))
        params = []
        for entity in entities:
            row = to_row(entity)
            params.append({f"key_{c.name}": row[c.name] for c in keys})
        self.execute(stmt, params)

    def load(self, table: str, entities: Sequence[Any]) -> None:
        """One ``executemany`` ``INSERT`` of every entity (responses: a second for answers).

        A clash cannot be traced to its row within an ``executemany``: it is
        reported without the clashing value.  A notification choice is a
        plain ``INSERT`` here, so a repeated one is refused, not replaced.
        """
        if table not in _LOADS:
            raise ValueError(f"unknown table {table!r}")
        if not entities:
            return
        target, to_row = _LOADS[table]
        self.execute(sa.insert(target), [to_row(entity) for entity in entities], row={})
        if table == "responses":
            answers = [row for response in entities for row in m.answer_rows(response)]
            if answers:
                self.execute(sa.insert(t.survey_answers), answers, row={})

    # -- statements, for the repositories ------------------------------------

    def _connection(self) -> Connection:
        if self._conn is None:
            raise StorageError(None, reason="the unit of work is not entered")
        return self._conn

    def _refuse_if_aborted(self) -> None:
        if self._aborted:
            raise StorageError(
                None,
                reason=(
                    "an earlier statement of this unit of work failed and the database"
                    " discarded its transaction; roll back or start a new unit of work"
                ),
            )

    def execute(
        self,
        stmt: Executable,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        row: Mapping[str, Any] | None = None,
    ) -> CursorResult[Any]:
        """Run one statement and translate database failures.

        A unique violation while writing ``row`` becomes :class:`AlreadyExists`
        or :class:`NicknameTaken`; any other failure a :class:`StorageError`.
        """
        conn = self._connection()
        self._refuse_if_aborted()
        failure: ProforumError | None = None
        try:
            return conn.execute(stmt, params)
        except sa.exc.IntegrityError as exc:
            self._aborted = self._aborts_on_error
            written = row if row is not None else params if isinstance(params, Mapping) else {}
            failure = _integrity_error(exc, written or {})
        except sa.exc.DBAPIError as exc:
            self._aborted = self._aborts_on_error
            failure = database_error(exc, self._storage.engine.url)
        except sa.exc.StatementError as exc:  # e.g. a naive datetime, refused before sending
            raise StorageError(None, reason="a value cannot be stored (see the cause)") from exc
        raise failure


# --------------------------------------------------------------------------- storage


class SqlStorage:
    """A SQLite or PostgreSQL database holding a forum.

    Open it with :meth:`open` (or ``proforum.open(url)``), which also creates
    or checks the schema; :meth:`close` releases every pooled connection.
    """

    name = "sql"

    def __init__(
        self, engine: Engine, *, shared_connection: bool = False, url: str | None = None
    ) -> None:
        self.engine = engine
        self._url = url if url is not None else display_url(engine.url)
        # One in-memory SQLite database lives in one connection: units of work
        # take turns on it, like the memory backend's lock.
        self._lock: threading.Lock | None = threading.Lock() if shared_connection else None

    @classmethod
    def open(cls, url: str | URL) -> SqlStorage:
        """Connect to ``url``, create the schema of a new database, check an old one's."""
        parsed = _normalise_url(url)
        engine = create_engine(parsed)
        try:
            ensure_schema(engine, url)
        except sa.exc.DBAPIError as exc:
            engine.dispose()
            raise database_error(exc) from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, shared_connection=is_sqlite_memory(parsed), url=display_url(url))

    @property
    def url(self) -> str:
        """The database URL, without its password."""
        return self._url

    def unit_of_work(self) -> SqlUnitOfWork:
        """Return a new unit of work; enter it with ``with``."""
        return SqlUnitOfWork(self)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"SqlStorage({self.url!r})"
