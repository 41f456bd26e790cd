"""The memory storage backend (``memory://``): complete, transactional, for test suites.

Transactions are serialisable: a unit of work holds the storage's lock from
``__enter__`` to ``__exit__``, so concurrent threads see each other's changes
only after commit, exactly as with a database running one writer at a time.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

import attrs

from proforum.adapters.memory_tables import K, Table, TxTable, V
from proforum.domain.admission import JoinRequest, JoinRequestState
from proforum.domain.common import (
    CommentId,
    CommunityId,
    MeetupId,
    MemberId,
    MessageId,
    PostId,
    ResponseId,
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
from proforum.domain.participation import ParticipationRecord, participation_record
from proforum.domain.personal_data import ERASED_TABLES, MEMBER_REFERENCES, REWRITTEN_TABLES
from proforum.domain.preferences import NotificationPreference
from proforum.domain.reactions import Reaction, ReactionCounts, ReactionKind, ReactionSummary
from proforum.domain.revisions import Revision
from proforum.domain.search import matches
from proforum.domain.survey import Audience, Participation, Response, ResponseStatistics, Survey
from proforum.domain.video_registration import VideoRegistration
from proforum.errors import AlreadyExists, NicknameTaken, NotFound, StorageError
from proforum.ports.storage import (
    LOADABLE_TABLES,
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
    compose_feed_entries,
)

MEMORY_SCHEMES = ("memory",)


class _Tables:
    """Every committed table of one memory storage."""

    def __init__(self) -> None:
        self.members: Table[MemberId, Member] = Table(
            "member",
            lambda m: m.id,
            unique={
                "nickname": lambda m: m.nickname_key,
                "nickname_visual": lambda m: m.nickname_visual_key,
            },
            on_unique={"nickname": NicknameTaken, "nickname_visual": NicknameTaken},
        )
        self.nickname_history: Table[str, NicknameChange] = Table(
            "nickname change",
            lambda c: c.id,
            groups={"member": lambda c: c.member_id, "key": lambda c: c.old_key},
        )
        self.communities: Table[CommunityId, Community] = Table(
            "community", lambda c: c.id, unique={"slug": lambda c: c.slug}
        )
        self.memberships: Table[tuple[CommunityId, MemberId], Membership] = Table(
            "membership",
            lambda m: (m.community_id, m.member_id),
            groups={"community": lambda m: m.community_id},
        )
        self.join_requests: Table[tuple[CommunityId, MemberId], JoinRequest] = Table(
            "join request",
            lambda r: (r.community_id, r.member_id),
            groups={"community": lambda r: r.community_id},
        )
        self.verifications: Table[MemberId, EmployerVerification] = Table(
            "employer verification", lambda v: v.member_id
        )
        self.challenges: Table[MemberId, EmployerChallenge] = Table(
            "verification code", lambda c: c.member_id
        )
        self.posts: Table[PostId, Post] = Table(
            "post",
            lambda p: p.id,
            groups={"community": lambda p: p.community_id},
            # The newest feed, as ix_posts_feed on SQL: a page is a binary
            # search and its rows, not a sort of the whole community.
            ordered={"feed": (_visible_community, _newest_order)},
        )
        self.comments: Table[CommentId, Comment] = Table(
            "comment", lambda c: c.id, groups={"post": lambda c: c.post_id}
        )
        self.reactions: Table[tuple[ContentKind, str, MemberId, ReactionKind], Reaction] = Table(
            "reaction",
            lambda r: (r.target, r.target_id, r.member_id, r.kind),
            groups={"target": lambda r: (r.target, r.target_id)},
        )
        self.revisions: Table[tuple[ContentKind, str, int], Revision] = Table(
            "revision",
            lambda r: (r.target, r.target_id, r.number),
            groups={"target": lambda r: (r.target, r.target_id)},
        )
        self.content_policies: Table[CommunityId, ContentPolicy] = Table(
            "content policy", lambda p: p.community_id
        )
        self.flags: Table[tuple[ContentKind, str, MemberId], Flag] = Table(
            "flag",
            lambda f: (f.target, f.target_id, f.flagger_id),
            groups={
                "target": lambda f: (f.target, f.target_id),
                "community": lambda f: f.community_id,
            },
        )
        self.moderation_log: Table[str, ModerationLogEntry] = Table(
            "moderation log entry", lambda e: e.id, groups={"community": lambda e: e.community_id}
        )
        self.meetups: Table[MeetupId, Meetup] = Table(
            "meetup", lambda m: m.id, groups={"community": lambda m: m.community_id}
        )
        self.applications: Table[tuple[MeetupId, MemberId], Application] = Table(
            "application",
            lambda a: (a.meetup_id, a.member_id),
            groups={
                "meetup": lambda a: a.meetup_id,
                "member": lambda a: a.member_id,
                "state": lambda a: a.state,
            },
        )
        self.commitments: Table[MeetupId, Commitment] = Table("commitment", lambda c: c.meetup_id)
        self.draws: Table[MeetupId, Draw] = Table("draw", lambda d: d.meetup_id)
        self.registrations: Table[str, VideoRegistration] = Table(
            "video registration", lambda r: r.id, groups={"meetup": lambda r: r.meetup_id}
        )
        self.interests: Table[tuple[MeetupId, MemberId], FollowUpInterest] = Table(
            "follow-up interest",
            lambda i: (i.meetup_id, i.member_id),
            groups={"meetup": lambda i: i.meetup_id},
        )
        self.consents: Table[tuple[MeetupId, MemberId, MemberId], ContactConsent] = Table(
            "contact consent",
            lambda c: (c.meetup_id, c.member_id, c.with_member_id),
            groups={"meetup": lambda c: c.meetup_id},
        )
        self.surveys: Table[SurveyId, Survey] = Table(
            "survey",
            lambda s: s.id,
            groups={"meetup": lambda s: s.meetup_id, "community": lambda s: s.community_id},
        )
        self.responses: Table[ResponseId, Response] = Table(
            "response", lambda r: r.id, groups={"survey": lambda r: r.survey_id}
        )
        self.participations: Table[tuple[SurveyId, MemberId], Participation] = Table(
            "participation",
            lambda p: (p.survey_id, p.member_id),
            groups={"survey": lambda p: p.survey_id},
        )
        self.messages: Table[MessageId, Message] = Table(
            "message",
            lambda m: m.id,
            groups={"status": lambda m: m.status, "subject": lambda m: m.subject},
        )
        self.inbox: Table[MessageId, InboxItem] = Table(
            "inbox item", lambda i: i.message_id, groups={"recipient": lambda i: i.recipient_id}
        )
        self.preferences: Table[tuple[MemberId, str, MessageKind], NotificationPreference] = Table(
            "notification preference",
            lambda p: (p.member_id, p.channel, p.kind),
            groups={"member": lambda p: p.member_id, "kind": lambda p: p.kind},
        )


class _MemberRepo:
    def __init__(self, t: TxTable[MemberId, Member]) -> None:
        self._t = t

    def get(self, member_id: MemberId) -> Member | None:
        return self._t.get(member_id)

    def get_many(self, member_ids: Collection[MemberId]) -> Mapping[MemberId, Member]:
        found = {i: self._t.get(i) for i in set(member_ids)}
        return {i: m for i, m in found.items() if m is not None}

    def by_nickname_key(self, key: str) -> Member | None:
        return self._t.find("nickname", key)

    def by_nickname_visual_key(self, visual_key: str) -> Member | None:
        return self._t.find("nickname_visual", visual_key)

    def add(self, member: Member) -> None:
        self._t.insert(member)

    def update(self, member: Member) -> None:
        self._t.update(member)

    def all(self) -> Sequence[Member]:
        return sorted(self._t.values(), key=lambda m: (m.registered_at, m.id))


class _NicknameHistoryRepo:
    def __init__(self, t: TxTable[str, NicknameChange]) -> None:
        self._t = t

    def add(self, change: NicknameChange) -> None:
        self._t.insert(change)

    def for_member(self, member_id: MemberId) -> Sequence[NicknameChange]:
        return sorted(self._t.group("member", member_id), key=lambda c: (c.changed_at, c.id))

    def holder_of_key(self, key: str) -> MemberId | None:
        changes = sorted(self._t.group("key", key), key=lambda c: (c.changed_at, c.id))
        return changes[0].member_id if changes else None

    def all(self) -> Sequence[NicknameChange]:
        return sorted(self._t.values(), key=lambda c: (c.changed_at, c.id))


class _CommunityRepo:
    def __init__(self, t: TxTable[CommunityId, Community]) -> None:
        self._t = t

    def get(self, community_id: CommunityId) -> Community | None:
        return self._t.get(community_id)

    def by_slug(self, slug: str) -> Community | None:
        return self._t.find("slug", slug)

    def add(self, community: Community) -> None:
        self._t.insert(community)

    def update(self, community: Community) -> None:
        self._t.update(community)

    def all(self) -> Sequence[Community]:
        return sorted(self._t.values(), key=lambda c: (c.created_at, c.id))


class _MembershipRepo:
    def __init__(
        self,
        t: TxTable[tuple[CommunityId, MemberId], Membership],
        communities: TxTable[CommunityId, Community],
        members: TxTable[MemberId, Member],
    ) -> None:
        self._t = t
        self._communities = communities
        self._members = members

    def get(self, community_id: CommunityId, member_id: MemberId) -> Membership | None:
        return self._t.get((community_id, member_id))

    def with_parties(
        self, community_id: CommunityId, member_id: MemberId
    ) -> tuple[Community, Membership, Member] | None:
        membership = self._t.get((community_id, member_id))
        if membership is None:
            return None
        community = self._communities.get(community_id)
        member = self._members.get(member_id)
        if community is None or member is None:  # pragma: no cover - kept by the use cases
            return None
        return community, membership, member

    def add(self, membership: Membership) -> None:
        self._t.insert(membership)

    def update(self, membership: Membership) -> None:
        self._t.update(membership)

    def remove(self, community_id: CommunityId, member_id: MemberId) -> None:
        self._t.delete((community_id, member_id))

    def for_community(self, community_id: CommunityId) -> Sequence[Membership]:
        return sorted(
            self._t.group("community", community_id), key=lambda m: (m.joined_at, m.member_id)
        )

    def all(self) -> Sequence[Membership]:
        return sorted(self._t.values(), key=lambda m: (m.joined_at, m.community_id, m.member_id))


class _JoinRequestRepo:
    def __init__(self, t: TxTable[tuple[CommunityId, MemberId], JoinRequest]) -> None:
        self._t = t

    def get(self, community_id: CommunityId, member_id: MemberId) -> JoinRequest | None:
        return self._t.get((community_id, member_id))

    def add(self, request: JoinRequest) -> None:
        self._t.insert(request)

    def update(self, request: JoinRequest) -> None:
        self._t.update(request)

    def remove(self, community_id: CommunityId, member_id: MemberId) -> None:
        self._t.delete((community_id, member_id))

    def pending(self, community_id: CommunityId) -> Sequence[JoinRequest]:
        return sorted(
            (
                r
                for r in self._t.group("community", community_id)
                if r.state is JoinRequestState.PENDING
            ),
            key=lambda r: (r.requested_at, r.member_id),
        )

    def all(self) -> Sequence[JoinRequest]:
        return sorted(self._t.values(), key=lambda r: (r.community_id, r.requested_at, r.member_id))


class _VerificationRepo:
    def __init__(self, t: TxTable[MemberId, EmployerVerification]) -> None:
        self._t = t

    def get(self, member_id: MemberId) -> EmployerVerification | None:
        return self._t.get(member_id)

    def get_many(self, member_ids: Collection[MemberId]) -> Mapping[MemberId, EmployerVerification]:
        found = {i: self._t.get(i) for i in set(member_ids)}
        return {i: v for i, v in found.items() if v is not None}

    def put(self, verification: EmployerVerification) -> None:
        if self._t.get(verification.member_id) is None:
            self._t.insert(verification)
        else:
            self._t.update(verification)

    def all(self) -> Sequence[EmployerVerification]:
        return sorted(self._t.values(), key=lambda v: v.member_id)


class _ChallengeRepo:
    def __init__(self, t: TxTable[MemberId, EmployerChallenge]) -> None:
        self._t = t

    def get(self, member_id: MemberId) -> EmployerChallenge | None:
        return self._t.get(member_id)

    def get_for_update(self, member_id: MemberId) -> EmployerChallenge | None:
        """A plain read: the unit of work holds the storage's lock, nobody else can write."""
        return self._t.get(member_id)

    def add(self, challenge: EmployerChallenge) -> None:
        self._t.insert(challenge)

    def update(self, challenge: EmployerChallenge) -> None:
        self._t.update(challenge)

    def all(self) -> Sequence[EmployerChallenge]:
        return sorted(self._t.values(), key=lambda c: c.member_id)


def _visible_community(post: Post) -> CommunityId | None:
    return post.community_id if post.is_visible else None


def _newest_order(post: Post) -> tuple[datetime, PostId]:
    return (post.published_at, post.id)


class _PostRepo:
    def __init__(
        self,
        t: TxTable[PostId, Post],
        comments: TxTable[CommentId, Comment],
        uow: MemoryUnitOfWork,
    ) -> None:
        self._t = t
        # Searching reads the comments too: a comment's hit finds its post.
        self._comments = comments
        # A feed page's entries are read through the other repositories.
        self._uow = uow

    def get(self, post_id: PostId) -> Post | None:
        return self._t.get(post_id)

    def get_for_update(self, post_id: PostId) -> Post | None:
        """A plain read: the unit of work holds the storage's lock, nobody else can write."""
        return self._t.get(post_id)

    def add(self, post: Post) -> None:
        self._t.insert(post)

    def update(self, post: Post) -> None:
        stored = self._t.get(post.id)
        if stored is None:
            raise NotFound(post.id, entity="post")
        # The score is add_to_score's alone, as the SQL backend's UPDATE leaves it.
        self._t.update(attrs.evolve(post, score=stored.score))

    def add_to_score(self, post_id: PostId, delta: int) -> None:
        stored = self._t.get(post_id)
        if stored is None:
            raise NotFound(post_id, entity="post")
        self._t.update(attrs.evolve(stored, score=stored.score + delta))

    def _visible(self, community_id: CommunityId) -> list[Post]:
        return [p for p in self._t.group("community", community_id) if p.is_visible]

    def feed(
        self, community_id: CommunityId, *, limit: int, before: tuple[datetime, PostId] | None
    ) -> Sequence[Post]:
        return list(
            itertools.islice(self._t.descending("feed", community_id, below=before), max(limit, 0))
        )

    def feed_entries(
        self,
        community_id: CommunityId,
        reader: MemberId,
        *,
        limit: int,
        before: tuple[datetime, PostId] | None,
    ) -> Sequence[FeedEntry]:
        posts = self.feed(community_id, limit=limit, before=before)
        return compose_feed_entries(self._uow, posts, reader)

    def popular(
        self,
        community_id: CommunityId,
        *,
        limit: int,
        after: tuple[int, datetime, PostId] | None,
    ) -> Sequence[Post]:
        posts = self._visible(community_id)
        if after is not None:
            posts = [p for p in posts if (p.score, p.published_at, p.id) < after]
        posts.sort(key=lambda p: (p.score, p.published_at, p.id), reverse=True)
        return posts[: max(limit, 0)]

    def search(
        self,
        community_id: CommunityId,
        query: str,
        *,
        limit: int,
        before: tuple[datetime, PostId] | None,
    ) -> Sequence[Post]:
        """A scan of the community's visible posts and their comments: the reference rule."""
        posts = [
            p
            for p in self._visible(community_id)
            if (before is None or (p.published_at, p.id) < before)
            and matches(p, self._comments.group("post", p.id), query)
        ]
        posts.sort(key=lambda p: (p.published_at, p.id), reverse=True)
        return posts[: max(limit, 0)]

    def in_review(self, community_id: CommunityId) -> Sequence[Post]:
        held = [
            p for p in self._t.group("community", community_id) if p.status is ContentStatus.HELD
        ]
        return sorted(held, key=lambda p: (p.published_at, p.id))

    def count_by_author(self, community_id: CommunityId, author_id: MemberId) -> int:
        return sum(1 for p in self._t.group("community", community_id) if p.author_id == author_id)

    def all(self) -> Sequence[Post]:
        return sorted(self._t.values(), key=lambda p: (p.published_at, p.id))


class _CommentRepo:
    def __init__(self, t: TxTable[CommentId, Comment], posts: TxTable[PostId, Post]) -> None:
        self._t = t
        self._posts = posts

    def in_review(self, community_id: CommunityId) -> Sequence[Comment]:
        held = [
            c
            for p in self._posts.group("community", community_id)
            for c in self._t.group("post", p.id)
            if c.status is ContentStatus.HELD
        ]
        return sorted(held, key=lambda c: (c.published_at, c.id))

    def add(self, comment: Comment) -> None:
        self._t.insert(comment)

    def get(self, comment_id: CommentId) -> Comment | None:
        return self._t.get(comment_id)

    def get_for_update(self, comment_id: CommentId) -> Comment | None:
        """A plain read: the unit of work holds the storage's lock, nobody else can write."""
        return self._t.get(comment_id)

    def update(self, comment: Comment) -> None:
        self._t.update(comment)

    def count_for_posts(self, post_ids: Collection[PostId]) -> Mapping[PostId, int]:
        return {
            p: sum(1 for c in self._t.group("post", p) if c.status is ContentStatus.VISIBLE)
            for p in set(post_ids)
        }

    def for_post(self, post_id: PostId) -> Sequence[Comment]:
        return sorted(self._t.group("post", post_id), key=lambda c: (c.published_at, c.id))

    def all(self) -> Sequence[Comment]:
        return sorted(self._t.values(), key=lambda c: (c.published_at, c.id))


class _ReactionRepo:
    def __init__(
        self, t: TxTable[tuple[ContentKind, str, MemberId, ReactionKind], Reaction]
    ) -> None:
        self._t = t

    def add(self, reaction: Reaction) -> bool:
        key = (reaction.target, reaction.target_id, reaction.member_id, reaction.kind)
        if self._t.get(key) is not None:
            return False
        self._t.insert(reaction)
        return True

    def remove(
        self, target: ContentKind, target_id: str, member_id: MemberId, kind: ReactionKind
    ) -> bool:
        key = (ContentKind(target), target_id, member_id, ReactionKind(kind))
        if self._t.get(key) is None:
            return False
        self._t.delete(key)
        return True

    def summaries(
        self, target: ContentKind, target_ids: Collection[str], reader: MemberId
    ) -> Mapping[str, ReactionSummary]:
        found = {}
        for target_id in set(target_ids):
            reactions = self._t.group("target", (ContentKind(target), target_id))
            counts: dict[ReactionKind, int] = {}
            for r in reactions:
                counts[r.kind] = counts.get(r.kind, 0) + 1
            mine = frozenset(r.kind for r in reactions if r.member_id == reader)
            found[target_id] = ReactionSummary(ReactionCounts.of(counts), mine)
        return found

    def all(self) -> Sequence[Reaction]:
        return sorted(self._t.values(), key=lambda r: (r.target, r.target_id, r.member_id, r.kind))


class _RevisionRepo:
    def __init__(self, t: TxTable[tuple[ContentKind, str, int], Revision]) -> None:
        self._t = t

    def add(self, revision: Revision) -> None:
        self._t.insert(revision)

    def for_target(self, target: ContentKind, target_id: str) -> Sequence[Revision]:
        return sorted(
            self._t.group("target", (ContentKind(target), target_id)), key=lambda r: r.number
        )

    def remove(self, target: ContentKind, target_id: str) -> int:
        erased = self.for_target(target, target_id)
        for revision in erased:
            self._t.delete((revision.target, revision.target_id, revision.number))
        return len(erased)

    def all(self) -> Sequence[Revision]:
        return sorted(self._t.values(), key=lambda r: (r.target, r.target_id, r.number))


class _ContentPolicyRepo:
    def __init__(self, t: TxTable[CommunityId, ContentPolicy]) -> None:
        self._t = t

    def get(self, community_id: CommunityId) -> ContentPolicy | None:
        return self._t.get(community_id)

    def put(self, policy: ContentPolicy) -> None:
        if self._t.get(policy.community_id) is None:
            self._t.insert(policy)
        else:
            self._t.update(policy)

    def all(self) -> Sequence[ContentPolicy]:
        return sorted(self._t.values(), key=lambda p: p.community_id)


def _flag_order(f: Flag) -> tuple[datetime, str, str, str]:
    return (f.flagged_at, f.target.value, f.target_id, f.flagger_id)


class _FlagRepo:
    def __init__(self, t: TxTable[tuple[ContentKind, str, MemberId], Flag]) -> None:
        self._t = t

    def add(self, flag: Flag) -> None:
        self._t.insert(flag)

    def get(self, target: ContentKind, target_id: str, flagger_id: MemberId) -> Flag | None:
        return self._t.get((ContentKind(target), target_id, flagger_id))

    def open_for_target(self, target: ContentKind, target_id: str) -> Sequence[Flag]:
        found = self._t.group("target", (ContentKind(target), target_id))
        return sorted((f for f in found if f.is_open), key=lambda f: (f.flagged_at, f.flagger_id))

    def open_in_community(self, community_id: CommunityId) -> Sequence[Flag]:
        found = self._t.group("community", community_id)
        return sorted((f for f in found if f.is_open), key=_flag_order)

    def resolve(
        self, target: ContentKind, target_id: str, resolution: FlagResolution, at: datetime
    ) -> Sequence[Flag]:
        decided = [f.resolved(resolution, at) for f in self.open_for_target(target, target_id)]
        for flag in decided:
            self._t.update(flag)
        return decided

    def records(
        self, community_id: CommunityId, flagger_ids: Collection[MemberId]
    ) -> Mapping[MemberId, FlaggerRecord]:
        wanted = set(flagger_ids)
        counts = {m: [0, 0] for m in wanted}
        for flag in self._t.group("community", community_id):
            if flag.flagger_id in wanted and flag.resolution is not None:
                counts[flag.flagger_id][flag.resolution is FlagResolution.DISMISSED] += 1
        return {m: FlaggerRecord(upheld, dismissed) for m, (upheld, dismissed) in counts.items()}

    def all(self) -> Sequence[Flag]:
        return sorted(self._t.values(), key=lambda f: (f.target, f.target_id, f.flagger_id))


class _ModerationLogRepo:
    def __init__(self, t: TxTable[str, ModerationLogEntry]) -> None:
        self._t = t

    def add(self, entry: ModerationLogEntry) -> None:
        self._t.insert(entry)

    def for_community(self, community_id: CommunityId) -> Sequence[ModerationLogEntry]:
        return sorted(self._t.group("community", community_id), key=lambda e: (e.at, e.id))

    def all(self) -> Sequence[ModerationLogEntry]:
        return sorted(self._t.values(), key=lambda e: (e.at, e.id))


class _MeetupRepo:
    def __init__(self, t: TxTable[MeetupId, Meetup]) -> None:
        self._t = t

    def get(self, meetup_id: MeetupId) -> Meetup | None:
        return self._t.get(meetup_id)

    def get_for_update(self, meetup_id: MeetupId) -> Meetup | None:
        """A plain read: the unit of work holds the storage's lock, nobody else can write."""
        return self._t.get(meetup_id)

    def add(self, meetup: Meetup) -> None:
        self._t.insert(meetup)

    def update(self, meetup: Meetup) -> None:
        self._t.update(meetup)

    def for_community(self, community_id: CommunityId) -> Sequence[Meetup]:
        return sorted(self._t.group("community", community_id), key=lambda m: (m.starts_at, m.id))

    def by_meeting(self, provider: str, meeting_id: str) -> Meetup | None:
        for meetup in self._t.values():
            meeting = meetup.meeting
            if meeting is not None and (meeting.provider, meeting.meeting_id) == (
                provider,
                meeting_id,
            ):
                return meetup
        return None

    def confirmation_due(self, now: datetime) -> Sequence[MeetupId]:
        return sorted(
            m.id
            for m in self._t.values()
            if m.state is MeetupState.DRAWN
            and m.seat_rules.confirm_by is not None
            and m.seat_rules.confirm_by <= now < m.starts_at
        )

    def all(self) -> Sequence[Meetup]:
        return sorted(self._t.values(), key=lambda m: (m.created_at, m.id))


class _ApplicationRepo:
    def __init__(self, t: TxTable[tuple[MeetupId, MemberId], Application]) -> None:
        self._t = t

    def get(self, meetup_id: MeetupId, member_id: MemberId) -> Application | None:
        return self._t.get((meetup_id, member_id))

    def add(self, application: Application) -> None:
        self._t.insert(application)

    def update(self, application: Application) -> None:
        self._t.update(application)

    def update_many(self, applications: Sequence[Application]) -> None:
        for application in applications:  # all or nothing: checked before writing
            if self._t.get((application.meetup_id, application.member_id)) is None:
                raise NotFound((application.meetup_id, application.member_id), entity="application")
        for application in applications:
            self._t.update(application)

    def move_applied(
        self,
        meetup_id: MeetupId,
        target: ApplicationState,
        now: datetime,
        *,
        only: Collection[MemberId] | None = None,
    ) -> int:
        wanted = None if only is None else set(only)
        moving = [
            a
            for a in self._t.group("meetup", meetup_id)
            if a.state is ApplicationState.APPLIED and (wanted is None or a.member_id in wanted)
        ]
        for application in moving:
            self._t.update(
                attrs.evolve(application, state=target, updated_at=now, offer_expires_at=None)
            )
        return len(moving)

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[Application]:
        return sorted(self._t.group("meetup", meetup_id), key=lambda a: (a.applied_at, a.member_id))

    def records(self, member_ids: Collection[MemberId]) -> Mapping[MemberId, ParticipationRecord]:
        return {
            member_id: participation_record(member_id, self._t.group("member", member_id))
            for member_id in set(member_ids)
        }

    def lapsed_offers(self, now: datetime) -> Sequence[MeetupId]:
        return sorted(
            {
                a.meetup_id
                for a in self._t.group("state", ApplicationState.OFFERED)
                if a.offer_lapsed_at(now)
            }
        )

    def all(self) -> Sequence[Application]:
        return sorted(self._t.values(), key=lambda a: (a.applied_at, a.meetup_id, a.member_id))


class _RegistrationRepo:
    def __init__(self, t: TxTable[str, VideoRegistration]) -> None:
        self._t = t

    def add_many(self, registrations: Sequence[VideoRegistration]) -> None:
        for registration in registrations:
            self._t.insert(registration)

    def update(self, registration: VideoRegistration) -> None:
        self._t.update(registration)

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[VideoRegistration]:
        return sorted(
            self._t.group("meetup", meetup_id), key=lambda r: (r.member_id, r.registered_at, r.id)
        )

    def pending_revocations(self) -> Sequence[VideoRegistration]:
        return sorted(
            (r for r in self._t.values() if r.revoke_requested_at and r.revoked_at is None),
            key=lambda r: (r.meetup_id, r.member_id, r.registered_at, r.id),
        )

    def all(self) -> Sequence[VideoRegistration]:
        return sorted(
            self._t.values(), key=lambda r: (r.meetup_id, r.member_id, r.registered_at, r.id)
        )


class _InterestRepo:
    def __init__(self, t: TxTable[tuple[MeetupId, MemberId], FollowUpInterest]) -> None:
        self._t = t

    def add(self, interest: FollowUpInterest) -> None:
        self._t.insert(interest)

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[FollowUpInterest]:
        return sorted(self._t.group("meetup", meetup_id), key=lambda i: (i.noted_at, i.member_id))

    def all(self) -> Sequence[FollowUpInterest]:
        return sorted(self._t.values(), key=lambda i: (i.meetup_id, i.noted_at, i.member_id))


class _ConsentRepo:
    def __init__(self, t: TxTable[tuple[MeetupId, MemberId, MemberId], ContactConsent]) -> None:
        self._t = t

    def add(self, consent: ContactConsent) -> None:
        self._t.insert(consent)

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[ContactConsent]:
        return sorted(
            self._t.group("meetup", meetup_id), key=lambda c: (c.member_id, c.with_member_id)
        )

    def all(self) -> Sequence[ContactConsent]:
        return sorted(self._t.values(), key=lambda c: (c.meetup_id, c.member_id, c.with_member_id))


class _CommitmentRepo:
    def __init__(self, t: TxTable[MeetupId, Commitment]) -> None:
        self._t = t

    def get(self, meetup_id: MeetupId) -> Commitment | None:
        return self._t.get(meetup_id)

    def add(self, commitment: Commitment) -> None:
        self._t.insert(commitment)

    def all(self) -> Sequence[Commitment]:
        return sorted(self._t.values(), key=lambda c: c.meetup_id)


class _DrawRepo:
    def __init__(self, t: TxTable[MeetupId, Draw]) -> None:
        self._t = t

    def get(self, meetup_id: MeetupId) -> Draw | None:
        return self._t.get(meetup_id)

    def add(self, draw: Draw) -> None:
        self._t.insert(draw)

    def all(self) -> Sequence[Draw]:
        return sorted(self._t.values(), key=lambda d: d.meetup_id)


class _SurveyRepo:
    def __init__(self, t: TxTable[SurveyId, Survey]) -> None:
        self._t = t

    def get(self, survey_id: SurveyId) -> Survey | None:
        return self._t.get(survey_id)

    def get_for_update(self, survey_id: SurveyId) -> Survey | None:
        """A plain read: the unit of work holds the storage's lock, nobody else can write."""
        return self._t.get(survey_id)

    def add(self, survey: Survey) -> None:
        self._t.insert(survey)

    def update(self, survey: Survey) -> None:
        self._t.update(survey)

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[Survey]:
        return sorted(self._t.group("meetup", meetup_id), key=lambda s: (s.created_at, s.id))

    def for_community(self, community_id: CommunityId) -> Sequence[Survey]:
        return sorted(self._t.group("community", community_id), key=lambda s: (s.created_at, s.id))

    def all(self) -> Sequence[Survey]:
        return sorted(self._t.values(), key=lambda s: (s.created_at, s.id))


class _ResponseRepo:
    def __init__(self, t: TxTable[ResponseId, Response]) -> None:
        self._t = t

    def add(self, response: Response) -> None:
        self._t.insert(response)

    def for_survey(self, survey_id: SurveyId) -> Sequence[Response]:
        # Sorted by the random id: insertion order would reveal who answered when.
        return sorted(self._t.group("survey", survey_id), key=lambda r: r.id)

    def statistics(self, survey_id: SurveyId, *, by_band: bool = True) -> ResponseStatistics:
        # Unsorted: the aggregates do not depend on the order of the responses.
        return ResponseStatistics.of(survey_id, self._t.group("survey", survey_id), by_band=by_band)

    def texts(self, survey_id: SurveyId, question_id: str) -> Sequence[str]:
        return sorted(
            a.text
            for r in self._t.group("survey", survey_id)
            for a in r.answers
            if a.question_id == question_id and a.text is not None
        )

    def all(self) -> Sequence[Response]:
        return sorted(self._t.values(), key=lambda r: r.id)

    def rewrite_in_id_order(self, survey_id: SurveyId) -> None:
        # Nothing to do: a dict keeps no write history, and reads sort by id.
        return None


class _ParticipationRepo:
    def __init__(
        self,
        t: TxTable[tuple[SurveyId, MemberId], Participation],
        memberships: TxTable[tuple[CommunityId, MemberId], Membership],
        applications: TxTable[tuple[MeetupId, MemberId], Application],
    ) -> None:
        self._t = t
        # The same views the unit of work's other repositories write through,
        # so the count sees this transaction's own changes.
        self._memberships = memberships
        self._applications = applications

    def eligible_count(self, survey: Survey) -> int:
        if survey.audience is Audience.ATTENDEES:
            audience = {
                a.member_id
                for a in self._applications.group("meetup", survey.meetup_id)
                if a.state is ApplicationState.ATTENDED
            }
        else:
            audience = {
                m.member_id for m in self._memberships.group("community", survey.community_id)
            }
        # Like the SQL backend: no union built, only the respondents who left counted.
        gone = sum(1 for p in self._t.group("survey", survey.id) if p.member_id not in audience)
        return len(audience) + gone

    def exists(self, survey_id: SurveyId, member_id: MemberId) -> bool:
        return self._t.get((survey_id, member_id)) is not None

    def add(self, participation: Participation) -> None:
        self._t.insert(participation)

    def for_survey(self, survey_id: SurveyId) -> Sequence[Participation]:
        return sorted(self._t.group("survey", survey_id), key=lambda p: p.member_id)

    def all(self) -> Sequence[Participation]:
        return sorted(self._t.values(), key=lambda p: (p.survey_id, p.member_id))


class _MessageRepo:
    def __init__(self, t: TxTable[MessageId, Message]) -> None:
        self._t = t

    def get(self, message_id: MessageId) -> Message | None:
        return self._t.get(message_id)

    def add(self, message: Message) -> None:
        self._t.insert(message)

    def add_many(self, messages: Sequence[Message]) -> None:
        """Like :meth:`add` for each, but every id is checked before any is written."""
        seen: set[MessageId] = set()
        for message in messages:
            if message.id in seen or self._t.get(message.id) is not None:
                raise AlreadyExists(message.id, entity="message")
            seen.add(message.id)
        for message in messages:
            self._t.insert(message)

    def update(self, message: Message) -> None:
        self._t.update(message)

    def withdraw(
        self,
        subject: str,
        kind: MessageKind,
        recipients: Collection[MemberId] | None,
        now: datetime,
    ) -> int:
        wanted = MessageKind(kind)
        to = None if recipients is None else set(recipients)
        withdrawn = [
            m
            for m in self._t.group("subject", subject)
            if m.kind is wanted
            and m.status is DeliveryStatus.PENDING
            and (to is None or m.recipient_id in to)
        ]
        for message in withdrawn:
            self._t.update(
                attrs.evolve(
                    message, status=DeliveryStatus.CANCELLED, claimed_by=None, claimed_until=None
                )
            )
        return len(withdrawn)

    def pending(self, limit: int, now: datetime | None = None) -> Sequence[Message]:
        rows = self._t.group("status", DeliveryStatus.PENDING)
        if now is not None:
            rows = [m for m in rows if m.due(now)]
        rows.sort(key=lambda m: (m.created_at, m.id))
        return rows[: max(limit, 0)]

    def claim(
        self,
        limit: int,
        now: datetime,
        lease: timedelta,
        claimer: str,
        *,
        ids: Collection[MessageId] | None = None,
    ) -> Sequence[Message]:
        """Lease due messages; the unit of work holds the storage's lock, so no one races."""
        if ids is None:
            candidates = self.pending(limit, now)
        else:
            found = (self._t.get(i) for i in set(ids))
            due = [m for m in found if m is not None and m.due(now)]
            candidates = sorted(due, key=lambda m: (m.created_at, m.id))[: max(limit, 0)]
        claimed = [m.claimed(claimer, now + lease) for m in candidates]
        for message in claimed:
            self._t.update(message)
        return claimed

    def mark(self, message: Message, claimer: str) -> bool:
        stored = self._t.get(message.id)
        if (
            stored is None
            or stored.status is not DeliveryStatus.PENDING
            or stored.claimed_by != claimer
        ):
            return False
        self._t.update(
            attrs.evolve(
                stored,
                status=message.status,
                attempts=message.attempts,
                sent_at=message.sent_at,
                last_error=message.last_error,
                next_attempt_at=message.next_attempt_at,
                claimed_by=None,
                claimed_until=None,
            )
        )
        return True

    def release(self, ids: Collection[MessageId], claimer: str) -> int:
        found = (self._t.get(i) for i in set(ids))
        held = [
            m
            for m in found
            if m is not None and m.status is DeliveryStatus.PENDING and m.claimed_by == claimer
        ]
        for message in held:
            self._t.update(attrs.evolve(message, claimed_by=None, claimed_until=None))
        return len(held)

    def dead(
        self, limit: int, before: tuple[datetime, MessageId] | None = None
    ) -> Sequence[Message]:
        rows = self._t.group("status", DeliveryStatus.FAILED)
        if before is not None:
            rows = [m for m in rows if (m.created_at, m.id) < before]
        rows.sort(key=lambda m: (m.created_at, m.id), reverse=True)
        return rows[: max(limit, 0)]

    def requeue(self, ids: Collection[MessageId] | None = None) -> int:
        if ids is None:
            rows = self._t.group("status", DeliveryStatus.FAILED)
        else:
            found = (self._t.get(i) for i in set(ids))
            rows = [m for m in found if m is not None and m.status is DeliveryStatus.FAILED]
        for message in rows:
            self._t.update(message.requeued())
        return len(rows)

    def erase_secrets(self, subject: str) -> int:
        settled = [
            m
            for m in self._t.group("subject", subject)
            if m.status is not DeliveryStatus.PENDING and m.one_time
        ]
        for message in settled:
            kept = {k: v for k, v in message.params.items() if k not in ONE_TIME_PARAMS}
            self._t.update(attrs.evolve(message, params=kept))
        return len(settled)

    def all(self) -> Sequence[Message]:
        return sorted(self._t.values(), key=lambda m: (m.created_at, m.id))


class _InboxRepo:
    def __init__(self, t: TxTable[MessageId, InboxItem]) -> None:
        self._t = t

    def get(self, message_id: MessageId) -> InboxItem | None:
        return self._t.get(message_id)

    def add(self, item: InboxItem) -> None:
        self._t.insert(item)

    def update(self, item: InboxItem) -> None:
        self._t.update(item)

    def for_recipient(self, member_id: MemberId) -> Sequence[InboxItem]:
        items = self._t.group("recipient", member_id)
        items.sort(key=lambda i: (i.delivered_at, i.message_id), reverse=True)
        return items

    def page(
        self,
        member_id: MemberId,
        *,
        limit: int,
        before: tuple[datetime, MessageId] | None = None,
        unread_only: bool = False,
    ) -> Sequence[InboxItem]:
        items = self._t.group("recipient", member_id)
        if unread_only:
            items = [i for i in items if i.read_at is None]
        if before is not None:
            items = [i for i in items if (i.delivered_at, i.message_id) < before]
        items.sort(key=lambda i: (i.delivered_at, i.message_id), reverse=True)
        return items[: max(limit, 0)]

    def unread_count(self, member_id: MemberId) -> int:
        return sum(1 for i in self._t.group("recipient", member_id) if i.read_at is None)

    def mark_all_read(self, member_id: MemberId, at: datetime) -> int:
        unread = [i for i in self._t.group("recipient", member_id) if i.read_at is None]
        for item in unread:
            self._t.update(attrs.evolve(item, read_at=at))
        return len(unread)

    def all(self) -> Sequence[InboxItem]:
        return sorted(self._t.values(), key=lambda i: (i.delivered_at, i.message_id))


class _PreferenceRepo:
    def __init__(
        self, t: TxTable[tuple[MemberId, str, MessageKind], NotificationPreference]
    ) -> None:
        self._t = t

    def for_member(self, member_id: MemberId) -> Sequence[NotificationPreference]:
        return sorted(self._t.group("member", member_id), key=lambda p: (p.channel, p.kind))

    def put(self, preference: NotificationPreference) -> None:
        key = (preference.member_id, preference.channel, preference.kind)
        if self._t.get(key) is None:
            self._t.insert(preference)
        else:
            self._t.update(preference)

    def switched_off(
        self,
        kind: MessageKind,
        channels: Collection[str],
        members: Collection[MemberId] | None = None,
    ) -> set[tuple[MemberId, str]]:
        on = set(channels)
        who = None if members is None else set(members)
        return {
            (p.member_id, p.channel)
            for p in self._t.group("kind", MessageKind(kind))
            if not p.enabled and p.channel in on and (who is None or p.member_id in who)
        }

    def all(self) -> Sequence[NotificationPreference]:
        return sorted(self._t.values(), key=lambda p: (p.member_id, p.channel, p.kind))


_state = threading.local()


class MemoryUnitOfWork:
    """One serialisable transaction over a :class:`MemoryStorage`."""

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

    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        self._views: list[TxTable[Any, Any]] = []
        #: This transaction's view of each table, by the table's identity (for :meth:`load`).
        self._view_of: dict[int, TxTable[Any, Any]] = {}
        self._entered = False

    def _view(self, table: Table[K, V]) -> TxTable[K, V]:
        view: TxTable[K, V] = TxTable(table)
        self._views.append(view)
        self._view_of[id(table)] = view
        return view

    def __enter__(self) -> Self:
        if getattr(_state, "active", None) is self._storage:
            # A nested unit of work would read committed rows, not this
            # transaction's, and then deadlock on the lock: refuse it early.
            raise StorageError(None, reason="nested unit of work on the same memory storage")
        self._storage._lock.acquire()
        _state.active = self._storage
        self._entered = True
        t = self._storage._tables
        v = self._view
        members, communities = v(t.members), v(t.communities)
        self.members = _MemberRepo(members)
        self.nickname_history = _NicknameHistoryRepo(v(t.nickname_history))
        self.communities = _CommunityRepo(communities)
        memberships, applications = v(t.memberships), v(t.applications)
        self.memberships = _MembershipRepo(memberships, communities, members)
        self.join_requests = _JoinRequestRepo(v(t.join_requests))
        self.verifications = _VerificationRepo(v(t.verifications))
        self.challenges = _ChallengeRepo(v(t.challenges))
        posts, comments = v(t.posts), v(t.comments)
        self.posts = _PostRepo(posts, comments, self)
        self.comments = _CommentRepo(comments, posts)
        self.reactions = _ReactionRepo(v(t.reactions))
        self.revisions = _RevisionRepo(v(t.revisions))
        self.content_policies = _ContentPolicyRepo(v(t.content_policies))
        self.flags = _FlagRepo(v(t.flags))
        self.moderation_log = _ModerationLogRepo(v(t.moderation_log))
        self.meetups = _MeetupRepo(v(t.meetups))
        self.applications = _ApplicationRepo(applications)
        self.commitments = _CommitmentRepo(v(t.commitments))
        self.draws = _DrawRepo(v(t.draws))
        self.registrations = _RegistrationRepo(v(t.registrations))
        self.interests = _InterestRepo(v(t.interests))
        self.consents = _ConsentRepo(v(t.consents))
        self.surveys = _SurveyRepo(v(t.surveys))
        self.responses = _ResponseRepo(v(t.responses))
        self.participations = _ParticipationRepo(v(t.participations), memberships, applications)
        self.messages = _MessageRepo(v(t.messages))
        self.inbox = _InboxRepo(v(t.inbox))
        self.preferences = _PreferenceRepo(v(t.preferences))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._entered = False
            _state.active = None
            self._storage._lock.release()

    def commit(self) -> None:
        """Publish every write of this transaction."""
        if not self._entered:
            raise StorageError(None, reason="commit outside a unit of work")
        for view in self._views:
            view.apply()

    def rollback(self) -> None:
        """Discard every write since the last commit."""
        for view in self._views:
            view.discard()

    def member_rows(self, member_id: MemberId) -> Mapping[str, Sequence[Any]]:
        """Every row naming ``member_id`` (a scan of each table: memory is small)."""
        rows: dict[str, Sequence[Any]] = {}
        for table, fields in MEMBER_REFERENCES.items():
            view = self._export_view(table)
            found = [e for e in view.values() if any(getattr(e, f) == member_id for f in fields)]
            rows[table] = sorted(found, key=view.table_key)
        return rows

    def rewrite(self, table: str, entities: Sequence[Any]) -> None:
        """Replace stored entities by key; those not stored are skipped."""
        if table not in REWRITTEN_TABLES:
            raise ValueError(f"rows of {table!r} are not rewritten")
        view = self._export_view(table)
        for entity in entities:
            if view.get(view.table_key(entity)) is not None:
                view.update(entity)

    def remove(self, table: str, entities: Sequence[Any]) -> None:
        """Delete these entities by key; those not stored are skipped."""
        if table not in ERASED_TABLES:
            raise ValueError(f"rows of {table!r} are not removed")
        view = self._export_view(table)
        for entity in entities:
            key = view.table_key(entity)
            if view.get(key) is not None:
                view.delete(key)

    def _export_view(self, table: str) -> TxTable[Any, Any]:
        if not self._entered:
            raise StorageError(None, reason="a read outside a unit of work")
        attribute = _TABLE_ATTRIBUTES.get(table, table)
        return self._view_of[id(getattr(self._storage._tables, attribute))]

    def load(self, table: str, entities: Sequence[Any]) -> None:
        """Insert each entity into this transaction's overlay, as the repositories' ``add`` do.

        There is no statement to save here; what matters is that the same
        unique checks run, and that a notification choice is inserted (a
        repeated key is refused) rather than replaced as ``put`` would.
        """
        if table not in LOADABLE_TABLES:
            raise ValueError(f"unknown table {table!r}")
        if not self._entered:
            raise StorageError(None, reason="load outside a unit of work")
        attribute = _TABLE_ATTRIBUTES.get(table, table)
        view = self._view_of[id(getattr(self._storage._tables, attribute))]
        for entity in entities:
            view.insert(entity)


#: Export table names that differ from :class:`_Tables`' attributes.
_TABLE_ATTRIBUTES: dict[str, str] = {
    "notification_preferences": "preferences",
    "employer_verifications": "verifications",
    "employer_challenges": "challenges",
    "video_registrations": "registrations",
    "follow_up_interests": "interests",
    "contact_consents": "consents",
}


@attrs.define
class MemoryStorage:
    """Storage that lives in this process: fast, transactional, gone at exit."""

    name: str = "memory"
    _tables: _Tables = attrs.field(factory=_Tables, init=False, repr=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False)

    def unit_of_work(self) -> MemoryUnitOfWork:
        """Return a new unit of work; enter it with ``with``."""
        return MemoryUnitOfWork(self)

    def close(self) -> None:
        """Nothing to release; present for the storage protocol."""


@attrs.frozen
class MemoryStorageFactory:
    """Opens a new, empty :class:`MemoryStorage` for every ``memory://`` URL."""

    name: str = "memory"
    schemes: tuple[str, ...] = MEMORY_SCHEMES

    def open(self, url: str) -> MemoryStorage:
        """Return a fresh memory storage; the rest of the URL is ignored."""
        return MemoryStorage()
