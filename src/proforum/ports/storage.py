"""The storage port: repositories grouped in a unit of work.

A use case opens one unit of work, reads and writes through its repositories
and commits once.  Leaving the ``with`` block without :meth:`UnitOfWork.commit`
(or through an exception) discards every write, so a failed use case leaves no
trace.  Every backend, memory or SQL, keeps this contract; the contract tests
hold each of them to it.

Repositories raise :class:`proforum.errors.AlreadyExists` or
:class:`proforum.errors.NicknameTaken` when a write would break a uniqueness
rule, exactly as a database constraint would.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Final, Protocol, Self

from proforum.domain.admission import JoinRequest
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
from proforum.domain.content_status import ContentKind
from proforum.domain.employer import EmployerChallenge, EmployerVerification
from proforum.domain.flags import Flag, FlaggerRecord, FlagResolution
from proforum.domain.follow_up import ContactConsent, FollowUpInterest
from proforum.domain.identity import Member
from proforum.domain.lottery import Commitment, Draw
from proforum.domain.meetup import Application, ApplicationState, Meetup
from proforum.domain.moderation import ModerationLogEntry
from proforum.domain.nickname_history import NicknameChange
from proforum.domain.notification import InboxItem, Message, MessageKind
from proforum.domain.participation import ParticipationRecord
from proforum.domain.preferences import NotificationPreference
from proforum.domain.reactions import Reaction, ReactionKind, ReactionSummary
from proforum.domain.revisions import Revision
from proforum.domain.survey import Participation, Response, ResponseStatistics, Survey
from proforum.domain.video_registration import VideoRegistration


class MemberRepository(Protocol):
    """Members, unique by id and by nickname key."""

    def get(self, member_id: MemberId) -> Member | None:
        """Return the member or ``None``."""

    def get_many(self, member_ids: Collection[MemberId]) -> Mapping[MemberId, Member]:
        """Return the members that exist among ``member_ids``, in one query."""

    def by_nickname_visual_key(self, visual_key: str) -> Member | None:
        """The member whose nickname has this case-keeping look-alike key, or ``None``."""

    def by_nickname_key(self, key: str) -> Member | None:
        """Return the member whose nickname has ``key``."""

    def add(self, member: Member) -> None:
        """Insert a new member."""

    def update(self, member: Member) -> None:
        """Replace an existing member."""

    def all(self) -> Sequence[Member]:
        """Every member, by registration time then id."""


class NicknameHistoryRepository(Protocol):
    """Every change an operator made to a member's nickname."""

    def add(self, change: NicknameChange) -> None:
        """Record a change."""

    def for_member(self, member_id: MemberId) -> Sequence[NicknameChange]:
        """A member's changes, oldest first."""

    def holder_of_key(self, key: str) -> MemberId | None:
        """The member who once had a nickname of this key, or ``None``."""

    def all(self) -> Sequence[NicknameChange]:
        """Every change, oldest first."""


class CommunityRepository(Protocol):
    """Communities, unique by id and by slug."""

    def get(self, community_id: CommunityId) -> Community | None:
        """Return the community or ``None``."""

    def by_slug(self, slug: str) -> Community | None:
        """Return the community with ``slug``."""

    def add(self, community: Community) -> None:
        """Insert a new community."""

    def update(self, community: Community) -> None:
        """Replace an existing community (its join policy and requirements change)."""

    def all(self) -> Sequence[Community]:
        """Every community, by creation time then id."""


class MembershipRepository(Protocol):
    """Memberships, unique by (community, member)."""

    def get(self, community_id: CommunityId, member_id: MemberId) -> Membership | None:
        """Return the membership or ``None``."""

    def with_parties(
        self, community_id: CommunityId, member_id: MemberId
    ) -> tuple[Community, Membership, Member] | None:
        """Return the membership with its community and member, or ``None`` if not a member.

        Nearly every use case a member starts needs all three: one read (one
        joined ``SELECT`` on SQL) instead of three.
        """

    def add(self, membership: Membership) -> None:
        """Insert a new membership."""

    def update(self, membership: Membership) -> None:
        """Replace an existing membership."""

    def remove(self, community_id: CommunityId, member_id: MemberId) -> None:
        """Delete one."""

    def for_community(self, community_id: CommunityId) -> Sequence[Membership]:
        """Memberships of a community, by join time then member id."""

    def all(self) -> Sequence[Membership]:
        """Every membership."""


class JoinRequestRepository(Protocol):
    """Requests to join communities that join by approval, unique by (community, member)."""

    def get(self, community_id: CommunityId, member_id: MemberId) -> JoinRequest | None:
        """Return the member's request to join the community, or ``None``."""

    def add(self, request: JoinRequest) -> None:
        """Insert a new request."""

    def update(self, request: JoinRequest) -> None:
        """Replace an existing request (decided, or asked again)."""

    def remove(self, community_id: CommunityId, member_id: MemberId) -> None:
        """Delete one, if it exists."""

    def pending(self, community_id: CommunityId) -> Sequence[JoinRequest]:
        """The community's pending requests, by request time then member id."""

    def all(self) -> Sequence[JoinRequest]:
        """Every request, by community id, request time, then member id."""


class VerificationRepository(Protocol):
    """Employer verifications, one per member."""

    def get(self, member_id: MemberId) -> EmployerVerification | None:
        """Return the member's verification or ``None``."""

    def get_many(self, member_ids: Collection[MemberId]) -> Mapping[MemberId, EmployerVerification]:
        """Return the verifications of those of ``member_ids`` who have one, in one query.

        A feed page shows every author's verified employer with this one read.
        """

    def put(self, verification: EmployerVerification) -> None:
        """Store the member's verification, replacing any earlier one."""

    def all(self) -> Sequence[EmployerVerification]:
        """Every verification, by member id."""


class ChallengeRepository(Protocol):
    """Company-e-mail verification codes (their hashes), one challenge per member."""

    def get(self, member_id: MemberId) -> EmployerChallenge | None:
        """Return the member's challenge or ``None``."""

    def get_for_update(self, member_id: MemberId) -> EmployerChallenge | None:
        """Return the member's challenge (or ``None``) like :meth:`get`, locked until the end.

        Entering a code and asking for one read the challenge this way, so
        that two guesses at once take turns and each counts: the attempt
        limit holds under concurrency.  Serialised backends may simply read,
        as with :meth:`MeetupRepository.get_for_update`.
        """

    def add(self, challenge: EmployerChallenge) -> None:
        """Insert the member's first challenge; a second one raises ``AlreadyExists``."""

    def update(self, challenge: EmployerChallenge) -> None:
        """Replace the member's challenge (a wrong attempt, a new code, a use)."""

    def all(self) -> Sequence[EmployerChallenge]:
        """Every challenge, by member id."""


class PostRepository(Protocol):
    """Posts, each with a status (only visible ones appear in feeds) and a score."""

    def get(self, post_id: PostId) -> Post | None:
        """Return the post or ``None``."""

    def get_for_update(self, post_id: PostId) -> Post | None:
        """Return the post (or ``None``) like :meth:`get`, locked until this unit of work ends.

        Editing and deleting read the post this way first, so two of them
        take turns: neither loses the other's change, and the revision
        numbers stay in order.  Commenting and reacting do too, so nothing
        lands on a post deleted meanwhile.  Serialised backends may simply read, as with
        :meth:`MeetupRepository.get_for_update`.
        """

    def add(self, post: Post) -> None:
        """Insert a new post."""

    def update(self, post: Post) -> None:
        """Replace an existing post's text, status and edit time.

        The stored ``score`` is kept whatever ``post.score`` says: only
        :meth:`add_to_score` moves it, so an edit never undoes a reaction
        counted meanwhile.

        :raises NotFound: no such post.
        """

    def add_to_score(self, post_id: PostId, delta: int) -> None:
        """Add ``delta`` (may be negative) to the post's score, atomically.

        A database does it in one ``UPDATE … SET score = score + delta``, so
        reactions and comments arriving at once never lose each other's change.

        :raises NotFound: no such post.
        """

    def feed(
        self, community_id: CommunityId, *, limit: int, before: tuple[datetime, PostId] | None
    ) -> Sequence[Post]:
        """Visible posts, newest first, strictly older than the ``before`` keyset position.

        The order is ``(published_at, id)`` descending.
        """

    def feed_entries(
        self,
        community_id: CommunityId,
        reader: MemberId,
        *,
        limit: int,
        before: tuple[datetime, PostId] | None,
    ) -> Sequence[FeedEntry]:
        """The posts :meth:`feed` gives, each as the feed shows it to ``reader``.

        Each entry holds the post, its author's card (the verified employer if
        there is one, the placeholder card if the account is gone), its visible
        comment count, and its reactions with the kinds ``reader`` reacted
        with: what :meth:`feed`, :meth:`MemberRepository.get_many`,
        :meth:`VerificationRepository.get_many`,
        :meth:`CommentRepository.count_for_posts` and
        :meth:`ReactionRepository.summaries` give together
        (:meth:`proforum.domain.content.FeedEntry.of`).  A feed page reads it
        in one call, which a database answers with one query.  It checks
        nothing about ``reader``: the caller has.
        """

    def popular(
        self,
        community_id: CommunityId,
        *,
        limit: int,
        after: tuple[int, datetime, PostId] | None,
    ) -> Sequence[Post]:
        """Visible posts, highest score first, strictly after the ``after`` keyset position.

        The order is ``(score, published_at, id)`` descending: among posts of
        equal score the newest comes first, and the id breaks the last ties,
        so every post has one place and pages neither skip nor repeat posts.
        """

    def search(
        self,
        community_id: CommunityId,
        query: str,
        *,
        limit: int,
        before: tuple[datetime, PostId] | None,
    ) -> Sequence[Post]:
        """Visible posts of a community that ``query`` finds, newest first, each once.

        A post is found when ``query`` occurs in its title or body, or in the
        body of one of its visible comments, the letters ``A``–``Z`` folded
        to lower case and every other character compared exactly
        (:func:`proforum.domain.search.matches` is the rule).  ``query`` is a
        cleaned, non-empty text; it is data, never query syntax, whatever
        characters it holds.  The order is ``(published_at, id)``
        descending, strictly older than the ``before`` keyset position, as in
        :meth:`feed`.  Held, hidden and deleted posts and comments are never
        found, whatever their text was: an index, if the backend keeps one,
        changes in the same transaction as the text and status it reflects.
        """

    def in_review(self, community_id: CommunityId) -> Sequence[Post]:
        """The community's posts awaiting review (status ``held``), oldest first."""

    def count_by_author(self, community_id: CommunityId, author_id: MemberId) -> int:
        """How many posts ``author_id`` published in the community, whatever their status."""

    def all(self) -> Sequence[Post]:
        """Every post, whatever its status, oldest first."""


class CommentRepository(Protocol):
    """Comments and replies, each with a status."""

    def add(self, comment: Comment) -> None:
        """Insert a new comment."""

    def get(self, comment_id: CommentId) -> Comment | None:
        """Return the comment or ``None``."""

    def get_for_update(self, comment_id: CommentId) -> Comment | None:
        """Return the comment (or ``None``), locked until this unit of work ends.

        As :meth:`PostRepository.get_for_update`, for editing, deleting and
        reacting to comments.
        """

    def update(self, comment: Comment) -> None:
        """Replace an existing comment.

        :raises NotFound: no such comment.
        """

    def count_for_posts(self, post_ids: Collection[PostId]) -> Mapping[PostId, int]:
        """Return how many visible comments each post has (0 included), in one query."""

    def for_post(self, post_id: PostId) -> Sequence[Comment]:
        """Every comment of a post, whatever its status, oldest first (published time, id)."""

    def in_review(self, community_id: CommunityId) -> Sequence[Comment]:
        """Comments awaiting review (status ``held``) on the community's posts, oldest first."""

    def all(self) -> Sequence[Comment]:
        """Every comment, oldest first."""


class ReactionRepository(Protocol):
    """Reactions, unique by (target kind, target id, member, kind)."""

    def add(self, reaction: Reaction) -> bool:
        """Insert a reaction unless the member already reacted so; tell whether it was new.

        A reaction that is already there is left as it is (its time too) and
        no error is raised, even when two units of work add it at once: a
        database uses ``INSERT … ON CONFLICT DO NOTHING``.
        """

    def remove(
        self, target: ContentKind, target_id: str, member_id: MemberId, kind: ReactionKind
    ) -> bool:
        """Delete the member's reaction of ``kind`` to the target; tell whether there was one."""

    def summaries(
        self, target: ContentKind, target_ids: Collection[str], reader: MemberId
    ) -> Mapping[str, ReactionSummary]:
        """The reactions to each target as ``reader`` sees them, in one query.

        Every id asked for is in the answer: counts per kind (zero included)
        and the kinds ``reader`` reacted with.
        """

    def all(self) -> Sequence[Reaction]:
        """Every reaction, by target kind, target id, member, then kind."""


class RevisionRepository(Protocol):
    """Earlier versions of posts and comments, unique by (target kind, target id, number)."""

    def add(self, revision: Revision) -> None:
        """Insert an earlier version; a number taken for that target fails."""

    def for_target(self, target: ContentKind, target_id: str) -> Sequence[Revision]:
        """The earlier versions of one post or comment, by number (oldest first)."""

    def remove(self, target: ContentKind, target_id: str) -> int:
        """Erase every earlier version of one post or comment; return how many."""

    def all(self) -> Sequence[Revision]:
        """Every earlier version, by target kind, target id, then number."""


class ContentPolicyRepository(Protocol):
    """Each community's content policy, at most one per community."""

    def get(self, community_id: CommunityId) -> ContentPolicy | None:
        """Return the community's policy, or ``None`` if its operators never set one."""

    def put(self, policy: ContentPolicy) -> None:
        """Insert the community's policy, or replace the one it has."""

    def all(self) -> Sequence[ContentPolicy]:
        """Every policy, by community id."""


class FlagRepository(Protocol):
    """Flags on posts and comments, unique by (target kind, target id, flagger)."""

    def add(self, flag: Flag) -> None:
        """Insert a flag; a second flag by the same member on the same target fails."""

    def get(self, target: ContentKind, target_id: str, flagger_id: MemberId) -> Flag | None:
        """Return the member's flag on the target, open or decided, or ``None``."""

    def open_for_target(self, target: ContentKind, target_id: str) -> Sequence[Flag]:
        """The target's open flags, oldest first (flag time, flagger id)."""

    def open_in_community(self, community_id: CommunityId) -> Sequence[Flag]:
        """The community's open flags, oldest first (flag time, target, target id, flagger)."""

    def resolve(
        self, target: ContentKind, target_id: str, resolution: FlagResolution, at: datetime
    ) -> Sequence[Flag]:
        """Decide every open flag on the target as ``resolution``; return them as decided."""

    def records(
        self, community_id: CommunityId, flagger_ids: Collection[MemberId]
    ) -> Mapping[MemberId, FlaggerRecord]:
        """How each flagger's decided flags in the community turned out, in one query.

        Every id asked for is in the answer; someone without decided flags has
        an empty record.
        """

    def all(self) -> Sequence[Flag]:
        """Every flag, by target kind, target id, then flagger."""


class ModerationLogRepository(Protocol):
    """The moderation log: entries are added, never changed."""

    def add(self, entry: ModerationLogEntry) -> None:
        """Append an entry; an id taken fails."""

    def for_community(self, community_id: CommunityId) -> Sequence[ModerationLogEntry]:
        """The community's entries, oldest first (time, id)."""

    def all(self) -> Sequence[ModerationLogEntry]:
        """Every entry, by time then id."""


class MeetupRepository(Protocol):
    """Meetups."""

    def get(self, meetup_id: MeetupId) -> Meetup | None:
        """Return the meetup or ``None``."""

    def get_for_update(self, meetup_id: MeetupId) -> Meetup | None:
        """Return the meetup (or ``None``) like :meth:`get`, locked until this unit of work ends.

        The meetup is the aggregate that guards its seats, applications and
        draw: a use case that changes any of them reads the meetup with this
        method *first*, so that concurrent ones take turns on it (one lock
        order, no deadlock) and each sees everything the previous one
        committed.  A backend whose units of work are already serialised (the
        memory backend, SQLite with ``BEGIN IMMEDIATE``) may simply read;
        PostgreSQL runs ``SELECT … FOR UPDATE`` on the meetup row.
        """

    def add(self, meetup: Meetup) -> None:
        """Insert a new meetup."""

    def update(self, meetup: Meetup) -> None:
        """Replace an existing meetup."""

    def for_community(self, community_id: CommunityId) -> Sequence[Meetup]:
        """Meetups of a community, by start time then id."""

    def by_meeting(self, provider: str, meeting_id: str) -> Meetup | None:
        """The meetup whose video meeting is ``meeting_id`` at ``provider``, or ``None``."""

    def confirmation_due(self, now: datetime) -> Sequence[MeetupId]:
        """Ids of drawn, not yet started meetups whose confirmation deadline has passed.

        "Passed" means at or before ``now``; the ids come in order.
        """

    def all(self) -> Sequence[Meetup]:
        """Every meetup."""


class ApplicationRepository(Protocol):
    """Applications, unique by (meetup, member)."""

    def get(self, meetup_id: MeetupId, member_id: MemberId) -> Application | None:
        """Return the application or ``None``."""

    def add(self, application: Application) -> None:
        """Insert a new application."""

    def update(self, application: Application) -> None:
        """Replace an existing application."""

    def update_many(self, applications: Sequence[Application]) -> None:
        """Replace several existing applications at once (one ``executemany`` on SQL).

        :raises NotFound: one of them is not stored; nothing is written then.
        """

    def move_applied(
        self,
        meetup_id: MeetupId,
        target: ApplicationState,
        now: datetime,
        *,
        only: Collection[MemberId] | None = None,
    ) -> int:
        """Move the meetup's ``applied`` applications to ``target`` at ``now``; return how many.

        With ``only``, just those members' applications move.  Applications in
        any other state are left alone, so the count tells the caller whether
        everyone it expected was still waiting.  The draw moves a whole
        waitlist this way: one ``UPDATE`` on SQL whatever the number of
        applicants, where reading, changing and writing back every
        application would cost a row each way.  The caller checks that
        ``applied → target`` is a legal transition.
        """

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[Application]:
        """Applications to a meetup, by application time then member id."""

    def records(self, member_ids: Collection[MemberId]) -> Mapping[MemberId, ParticipationRecord]:
        """Each member's record across every meetup, counted in the store.

        Every id asked for is in the answer; a member who never applied has a
        record of zeros.
        """

    def lapsed_offers(self, now: datetime) -> Sequence[MeetupId]:
        """Ids of meetups with an open offer that expired at or before ``now``, by id."""

    def all(self) -> Sequence[Application]:
        """Every application."""


class RegistrationRepository(Protocol):
    """Participants registered with a meetup's video provider, unique by id."""

    def add_many(self, registrations: Sequence[VideoRegistration]) -> None:
        """Insert several at once (one ``executemany`` on SQL)."""

    def update(self, registration: VideoRegistration) -> None:
        """Replace an existing registration (a revocation asked for or done)."""

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[VideoRegistration]:
        """Registrations of a meetup, by member id, then when registered, then id."""

    def pending_revocations(self) -> Sequence[VideoRegistration]:
        """Registrations whose revocation was asked for and not yet confirmed, by meetup."""

    def all(self) -> Sequence[VideoRegistration]:
        """Every registration."""


class InterestRepository(Protocol):
    """Who asked to continue a meetup offline, one row per (meetup, member)."""

    def add(self, interest: FollowUpInterest) -> None:
        """Insert; asking twice fails with :class:`~proforum.errors.AlreadyExists`."""

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[FollowUpInterest]:
        """Interests in a meetup, by when they were noted then member id."""

    def all(self) -> Sequence[FollowUpInterest]:
        """Every interest."""


class ConsentRepository(Protocol):
    """Consents to share contact details, one row per (meetup, member, other member)."""

    def add(self, consent: ContactConsent) -> None:
        """Insert; giving the same consent twice fails with :class:`~proforum.errors.AlreadyExists`."""

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[ContactConsent]:
        """Consents given at a meetup, by member id then the other member's id."""

    def all(self) -> Sequence[ContactConsent]:
        """Every consent."""


class CommitmentRepository(Protocol):
    """Lottery commitments, one per meetup."""

    def get(self, meetup_id: MeetupId) -> Commitment | None:
        """Return it or ``None``."""

    def add(self, commitment: Commitment) -> None:
        """Insert; a second one for a meetup fails."""

    def all(self) -> Sequence[Commitment]:
        """Every commitment."""


class DrawRepository(Protocol):
    """Lottery draws, one per meetup."""

    def get(self, meetup_id: MeetupId) -> Draw | None:
        """Return it or ``None``."""

    def add(self, draw: Draw) -> None:
        """Insert; a second draw for a meetup fails."""

    def all(self) -> Sequence[Draw]:
        """Every draw."""


class SurveyRepository(Protocol):
    """Surveys."""

    def get(self, survey_id: SurveyId) -> Survey | None:
        """Return the survey or ``None``."""

    def get_for_update(self, survey_id: SurveyId) -> Survey | None:
        """Return the survey (or ``None``) like :meth:`get`, locked until this unit of work ends.

        Answering, closing and changing the thresholds of a survey read it
        this way first, so they take turns: no answer slips in after the
        survey closed or after its thresholds changed, and no threshold
        changes after an answer.  Serialised backends may simply read, as
        with :meth:`MeetupRepository.get_for_update`.
        """

    def add(self, survey: Survey) -> None:
        """Insert a new survey."""

    def update(self, survey: Survey) -> None:
        """Replace an existing survey."""

    def for_meetup(self, meetup_id: MeetupId) -> Sequence[Survey]:
        """Surveys about a meetup, by creation time then id."""

    def for_community(self, community_id: CommunityId) -> Sequence[Survey]:
        """Surveys of a community, about its meetups or itself, by creation time then id."""

    def all(self) -> Sequence[Survey]:
        """Every survey."""


class ResponseRepository(Protocol):
    """Anonymous survey responses, each with its answers.

    Listing order must not reveal the order of submission: backends return
    responses sorted by their random id.
    """

    def add(self, response: Response) -> None:
        """Insert a response with its answers."""

    def for_survey(self, survey_id: SurveyId) -> Sequence[Response]:
        """Responses to a survey, sorted by id."""

    def statistics(self, survey_id: SurveyId, *, by_band: bool = True) -> ResponseStatistics:
        """Integer aggregates of a survey's answers, per question and experience band.

        Responses per band; per (question, band): how many responses answered,
        COUNT, SUM and SUM of squares of the numeric answers, how many gave
        each value and picked each choice, how many wrote text.  A database
        computes them with ``GROUP BY`` without sending any answer over;
        every backend must give exactly what
        :meth:`~proforum.domain.survey_aggregates.ResponseStatistics.of` gives
        for :meth:`for_survey`, with the same ``by_band``.

        :param by_band: ``False`` counts every response under the band
            ``None`` without reading the bands: for a survey with no
            breakdown, whose responses record none anyway.
        """

    def texts(self, survey_id: SurveyId, question_id: str) -> Sequence[str]:
        """The free-text answers to one question, sorted by text (never by arrival)."""

    def rewrite_in_id_order(self, survey_id: SurveyId) -> None:
        """Write the survey's responses again, in id order, in this transaction.

        Called when a survey closes.  Where a database keeps a row's write
        history beside the row — PostgreSQL's heap order and the transaction id
        (``xmin``) it shares with the participation written by the same answer —
        every response then looks written at once, in an order set by the
        random ids alone.  A backend with no such history (the memory backend;
        SQLite's ``WITHOUT ROWID`` tables, already kept in id order) may do nothing.
        """

    def all(self) -> Sequence[Response]:
        """Every response, sorted by id."""


class ParticipationRepository(Protocol):
    """Who answered which survey, unique by (survey, member)."""

    def exists(self, survey_id: SurveyId, member_id: MemberId) -> bool:
        """Tell if they answered."""

    def add(self, participation: Participation) -> None:
        """Record an answer."""

    def for_survey(self, survey_id: SurveyId) -> Sequence[Participation]:
        """Who answered a survey, by member id."""

    def eligible_count(self, survey: Survey) -> int:
        """How many people may answer ``survey`` now or did: the response rate's divisor.

        Its audience today — the meetup's attendees, or the community's
        members — together with everyone who answered and has left it since,
        each counted once.  One query on a database, whatever the community's size.
        """

    def all(self) -> Sequence[Participation]:
        """Every participation, by survey id then member id."""


class MessageRepository(Protocol):
    """The outbox: every message, written in the transaction that caused it."""

    def get(self, message_id: MessageId) -> Message | None:
        """Return the message or ``None``."""

    def add(self, message: Message) -> None:
        """Insert a new message."""

    def add_many(self, messages: Sequence[Message]) -> None:
        """Insert many new messages at once; an empty sequence does nothing.

        The same rules as :meth:`add` hold for every message (a duplicate id
        raises :class:`~proforum.errors.AlreadyExists`), but the cost does not
        grow in statements: a database writes them with one ``executemany``
        ``INSERT``, so announcing to a whole community is one round trip.
        """

    def update(self, message: Message) -> None:
        """Replace an existing message."""

    def pending(self, limit: int, now: datetime | None = None) -> Sequence[Message]:
        """Pending messages due at ``now`` (all pending ones if ``None``), oldest first.

        Due means past its backoff and not leased to a relay
        (:meth:`~proforum.domain.notification.Message.due`).
        """

    def claim(
        self,
        limit: int,
        now: datetime,
        lease: timedelta,
        claimer: str,
        *,
        ids: Collection[MessageId] | None = None,
    ) -> Sequence[Message]:
        """Lease up to ``limit`` due messages to ``claimer`` until ``now + lease``; return them.

        Due messages are those :meth:`pending` returns at ``now``: pending, past
        their backoff, and not leased, or leased with a lease that has run
        out (a relay that died mid-pass).  With ``ids``, only those messages
        are candidates (a use case delivering the batch it just wrote).  The
        messages come back oldest first, with ``claimed_by`` and
        ``claimed_until`` set.

        Claiming is atomic across processes: two relays claiming at once
        never get the same message while its lease runs.  PostgreSQL selects
        the rows ``FOR UPDATE SKIP LOCKED`` and updates them in the same
        transaction; SQLite's ``BEGIN IMMEDIATE`` and the memory backend's
        lock serialise claims, and the update only takes rows that are still
        claimable.  The caller commits the unit of work right away.
        """

    def mark(self, message: Message, claimer: str) -> bool:
        """Record the outcome of ``claimer``'s delivery attempt if it still holds the message.

        ``message`` is the claimed message after
        :meth:`~proforum.domain.notification.Message.sent` or
        :meth:`~proforum.domain.notification.Message.failed`.  Its delivery
        state (``status``, ``attempts``, ``sent_at``, ``last_error``,
        ``next_attempt_at`` and the released claim) is written only if the
        stored message is still pending and still claimed by ``claimer``;
        nothing else of the row is touched.  A relay whose lease ran out and
        was taken over, or whose message was cancelled meanwhile, changes
        nothing.

        :return: whether the outcome was recorded.
        """

    def release(self, ids: Collection[MessageId], claimer: str) -> int:
        """Give up ``claimer``'s lease on ``ids`` (those still pending and claimed by it).

        The relay calls it for the messages it claimed but could not settle,
        so they need not wait for the lease to run out.  Return how many were
        released.
        """

    def dead(
        self, limit: int, before: tuple[datetime, MessageId] | None = None
    ) -> Sequence[Message]:
        """Failed (dead-lettered) messages, newest first, strictly before the keyset position."""

    def requeue(self, ids: Collection[MessageId] | None = None) -> int:
        """Put failed messages back to pending, attempts reset; return how many.

        :param ids: only these messages (those of them that are failed); every
            failed message if ``None``.
        """

    def withdraw(
        self,
        subject: str,
        kind: MessageKind,
        recipients: Collection[MemberId] | None,
        now: datetime,
    ) -> int:
        """Cancel the pending messages of ``kind`` about ``subject``; return how many.

        Every message with that ``subject`` and ``kind`` that is still
        ``pending`` (to one of ``recipients``, or to anybody if ``None``)
        becomes ``cancelled``, its claim released; sent, failed and already
        cancelled messages are left as they are.  A relay that had claimed
        one of them finds :meth:`mark` refuse its outcome afterwards, so a
        withdrawn message is never recorded as sent.  A database does it in
        one ``UPDATE``.

        :param recipients: only messages to these members; an empty collection
            withdraws nothing.
        :param now: when the messages are withdrawn (the use case's clock
            reading).  A message keeps no time of its withdrawal, so backends
            need not store it.
        """

    def erase_secrets(self, subject: str) -> int:
        """Erase the one-time parameters of the settled messages about ``subject``.

        Every message with that ``subject`` that is no longer pending (sent,
        failed or cancelled) loses its
        :data:`~proforum.domain.notification.ONE_TIME_PARAMS` (a verification
        code and the address it went to); its other parameters stay.
        Pending messages keep them: they still have to be delivered.  Return
        how many messages changed.
        """

    def all(self) -> Sequence[Message]:
        """Every message, oldest first."""


class PreferenceRepository(Protocol):
    """Members' notification choices, unique by (member, channel, kind).

    Only choices a member made are stored: a kind with no row is on.
    """

    def for_member(self, member_id: MemberId) -> Sequence[NotificationPreference]:
        """The member's stored choices, by channel then kind."""

    def put(self, preference: NotificationPreference) -> None:
        """Store a choice, replacing the member's earlier one for that channel and kind."""

    def switched_off(
        self,
        kind: MessageKind,
        channels: Collection[str],
        members: Collection[MemberId] | None = None,
    ) -> set[tuple[MemberId, str]]:
        """The ``(member, channel)`` pairs on which ``kind`` is switched off, in one query.

        Only ``channels`` are looked at, and only ``members`` if given (every
        member if ``None``); an empty collection of either gives an empty set.
        Writing one message to a whole community needs this one query rather
        than one per member.
        """

    def all(self) -> Sequence[NotificationPreference]:
        """Every stored choice, by member, channel, then kind."""


class InboxRepository(Protocol):
    """In-app inbox items, unique by message id."""

    def get(self, message_id: MessageId) -> InboxItem | None:
        """Return the item or ``None``."""

    def add(self, item: InboxItem) -> None:
        """Insert a new item."""

    def update(self, item: InboxItem) -> None:
        """Replace an existing item."""

    def for_recipient(self, member_id: MemberId) -> Sequence[InboxItem]:
        """A member's inbox, newest first."""

    def page(
        self,
        member_id: MemberId,
        *,
        limit: int,
        before: tuple[datetime, MessageId] | None = None,
        unread_only: bool = False,
    ) -> Sequence[InboxItem]:
        """Up to ``limit`` of a member's items, newest first, strictly before ``before``.

        The order is ``(delivered_at, message_id)`` descending and ``before``
        is a keyset position in it: a deep page costs the same as the first
        (no ``OFFSET``).  ``unread_only`` leaves out items already read.
        """

    def unread_count(self, member_id: MemberId) -> int:
        """How many of a member's items are unread, in one query."""

    def mark_all_read(self, member_id: MemberId, at: datetime) -> int:
        """Mark every unread item of a member read at ``at``; return how many."""

    def all(self) -> Sequence[InboxItem]:
        """Every item."""


#: The tables :meth:`UnitOfWork.load` takes, named as in an export document.
LOADABLE_TABLES: Final = (
    "members",
    "nickname_history",
    "communities",
    "memberships",
    "employer_verifications",
    "employer_challenges",
    "join_requests",
    "posts",
    "comments",
    "reactions",
    "revisions",
    "content_policies",
    "flags",
    "moderation_log",
    "meetups",
    "applications",
    "commitments",
    "draws",
    "video_registrations",
    "follow_up_interests",
    "contact_consents",
    "surveys",
    "responses",
    "participations",
    "messages",
    "inbox",
    "notification_preferences",
)


class UnitOfWork(Protocol):
    """One transaction over every repository."""

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

    def __enter__(self) -> Self:
        """Begin the transaction."""

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """End the transaction, discarding everything not committed."""

    def commit(self) -> None:
        """Make every write so far durable and visible."""

    def rollback(self) -> None:
        """Discard every write since the last commit."""

    def load(self, table: str, entities: Sequence[Any]) -> None:
        """Insert many new entities of one table at once: the bulk path of an import.

        ``table`` is one of :data:`LOADABLE_TABLES` (the names of an export
        document) and ``entities`` are of that table's entity type
        (``"posts"``: :class:`~proforum.domain.content.Post`, ``"inbox"``:
        :class:`~proforum.domain.notification.InboxItem`,
        ``"notification_preferences"``:
        :class:`~proforum.domain.preferences.NotificationPreference`, …); an
        empty sequence does nothing.  Every entity is *inserted* as the
        repository's ``add`` would (a notification choice too: it never
        replaces one, unlike :meth:`PreferenceRepository.put`), and a clash
        with a stored row or another entity of the call raises
        :class:`~proforum.errors.AlreadyExists` or
        :class:`~proforum.errors.NicknameTaken`, possibly without the clashing
        value.  After such an error the unit of work is to be abandoned.

        The cost grows in rows, not in statements: a database writes the
        entities with one ``executemany`` ``INSERT`` per table (a response's
        answers are a second one).  Callers feed a large import in chunks of
        about a thousand so neither side holds more than a chunk at a time.

        :raises ValueError: ``table`` is not one of :data:`LOADABLE_TABLES`.
        """

    def member_rows(self, member_id: MemberId) -> Mapping[str, Sequence[Any]]:
        """Every stored entity that names ``member_id``, by export table name.

        The tables and fields are those of
        :data:`proforum.domain.personal_data.MEMBER_REFERENCES`; a table with no
        such row maps to an empty sequence.  Rows come in the order of the
        table's key.
        """

    def rewrite(self, table: str, entities: Sequence[Any]) -> None:
        """Replace stored entities (found by their key) of an export table with these.

        Only for tables of :data:`~proforum.domain.personal_data.REWRITTEN_TABLES`;
        an entity that is not stored is skipped.
        """

    def remove(self, table: str, entities: Sequence[Any]) -> None:
        """Delete these entities (found by their key) from an export table.

        Only for tables of :data:`~proforum.domain.personal_data.ERASED_TABLES`;
        an entity that is not stored is skipped.
        """


class Storage(Protocol):
    """A storage backend: hands out units of work."""

    @property
    def name(self) -> str:
        """The name configuration refers to this adapter by."""
        raise NotImplementedError

    def unit_of_work(self) -> UnitOfWork:
        """Return a new, not yet entered, unit of work."""

    def close(self) -> None:
        """Release connections and files."""


class StorageFactory(Protocol):
    """What :func:`proforum_register_storage` returns: opens storages by URL scheme."""

    @property
    def name(self) -> str:
        """The name configuration refers to this adapter by."""
        raise NotImplementedError

    @property
    def schemes(self) -> tuple[str, ...]:
        """The URL schemes this factory opens, e.g. ``("sqlite",)``."""
        raise NotImplementedError

    def open(self, url: str) -> Storage:
        """Open (and create if needed) the storage at ``url``."""


def compose_feed_entries(
    uow: UnitOfWork, posts: Sequence[Post], reader: MemberId
) -> list[FeedEntry]:
    """``posts`` as feed entries, from the plain repository methods.

    This is what :meth:`PostRepository.feed_entries` means: each post with
    its author and verified employer, its visible comment count and its
    reactions as ``reader`` sees them, in four reads whatever the number of
    posts.  Use cases build popular and search pages with it, and a backend
    may answer ``feed_entries`` with it before it has a faster way.
    """
    ids = [p.id for p in posts]
    author_ids = {p.author_id for p in posts}
    authors = uow.members.get_many(author_ids)
    verified = uow.verifications.get_many(author_ids)
    counts = uow.comments.count_for_posts(ids)
    reactions = uow.reactions.summaries(ContentKind.POST, ids, reader)
    return [
        FeedEntry.of(
            post,
            authors.get(post.author_id),
            verified.get(post.author_id),
            counts[post.id],
            reactions[post.id],
        )
        for post in posts
    ]
