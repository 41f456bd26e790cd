"""The tables of the SQL backend, in SQLAlchemy Core.

The adapter owns these tables; the domain classes know nothing of them and are
never instrumented by the ORM.  :mod:`proforum.adapters.sql.mapping` turns rows
into domain objects and back.

Rules the schema keeps:

* Every constraint has a name, from :data:`NAMING_CONVENTION`, so migrations
  can refer to it and a unique violation can be told apart by its name
  (``uq_members_nickname_key`` means :class:`~proforum.errors.NicknameTaken`).
* Unique keys mirror the memory backend: member nickname key (NULL for
  real-name members, so nullable-unique), community slug, and the composite
  primary keys of memberships, applications and survey participations; one
  commitment and one draw per meetup (their primary key is the meetup id).
* CHECK constraints restate the domain's invariants: enum values, capacity,
  rating and scale ranges, schedules in order.
* Aggregates refer to each other by id, as in the memory backend, so there are
  no foreign keys between them: a repository stores one aggregate without
  requiring its neighbours to exist (the storage contract relies on this).
* ``survey_responses`` holds the survey id, a random text id and, for surveys
  broken down by experience, a coarse band; its answers are rows of
  ``survey_answers``, written with it by the same repository call.  No
  time, nothing that refers to a member, and on SQLite no rowid either
  (``WITHOUT ROWID``, both tables), so neither a column nor the physical row
  order tells who answered when (trust-practices §4.4, S1/S2).
* ``employer_challenges`` keeps a verification code only as its HMAC-SHA256
  under a salt of its own, and not the address it went to (only the domain);
  ``employer_verifications`` one row per member, ``join_requests`` one per
  (community, member).
* ``posts`` and ``comments`` keep their status in a plain, indexed column
  that feeds, moderation and search filter on; a deleted one keeps no text
  (``ck_posts_tombstone``, ``ck_comments_tombstone``), and a reply names its
  parent exactly when its depth is above 0 (``ck_comments_parent``).
  ``reactions`` are unique by (target, target id, member, kind) and
  ``revisions`` by (target, target id, number): their primary keys.
* ``flags`` are unique by (target, target id, flagger): a member flags a
  post or comment once.  A flag is decided exactly when it has a decision
  time (``ck_flags_resolved``).  ``content_policies`` holds one row per
  community whose operators set a policy; its hide threshold is stored in
  hundredths, an exact integer.  ``moderation_log`` is only ever appended to.
* ``notification_preferences`` holds only the choices members made (every
  kind is on without a row), one per (member, channel, kind).  Its channel
  and kind sort by code point on PostgreSQL too (``COLLATE "C"``), so choices
  list in the same order as in the memory backend.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa

from proforum.adapters.sql.types import UtcDateTime, identifier
from proforum.domain.admission import JoinPolicy, JoinRequestState
from proforum.domain.community import Role
from proforum.domain.content import MAX_REPLY_DEPTH
from proforum.domain.content_policy import BannedWordAction
from proforum.domain.content_status import ContentKind, ContentStatus
from proforum.domain.employer import ChallengeState
from proforum.domain.flags import FlagReason, FlagResolution
from proforum.domain.identity import EMAIL_MAX, MAX_YEARS_OF_EXPERIENCE
from proforum.domain.meetup import MAX_CAPACITY, ApplicationState, MeetupFormat, MeetupState
from proforum.domain.moderation import ModerationAction
from proforum.domain.notification import MAX_CLAIMER_LENGTH, DeliveryStatus, MessageKind
from proforum.domain.reactions import ReactionKind
from proforum.domain.survey import (
    LOWEST_MIN_RESPONSES,
    Audience,
    Breakdown,
    ExperienceBand,
    SurveyState,
)

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _one_of(column: str, values: type[enum.StrEnum]) -> str:
    """SQL text of ``column IN ('a', 'b', …)`` for every value of an enum."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _code(length: int) -> sa.types.TypeEngine[str]:
    """A short code (a channel, a message kind) sorted by code point on every database."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


members = sa.Table(
    "members",
    metadata,
    sa.Column("id", identifier(), primary_key=True),
    sa.Column("identity_kind", sa.String(16), nullable=False),
    _text("identity_value"),
    _text("nickname_key", nullable=True),
    # The look-alike key with case kept (PayPaI = PayPal); NULL for real names.
    _text("nickname_visual_key", nullable=True),
    sa.Column("job_function", sa.String(48), nullable=False),
    sa.Column("registered_at", UtcDateTime(), nullable=False),
    _text("company", nullable=True),
    sa.Column("years_of_experience", sa.Integer(), nullable=True),
    sa.Column("locale", sa.String(8), nullable=False),
    sa.Column("time_zone", sa.String(64), nullable=False),
    # Where e-mail notifiers write to; NULL for a member who gave none.
    sa.Column("email", sa.String(EMAIL_MAX), nullable=True),
    sa.UniqueConstraint("nickname_key"),
    sa.UniqueConstraint("nickname_visual_key"),
    sa.CheckConstraint(
        "(identity_kind = 'nickname' AND nickname_key IS NOT NULL)"
        " OR (identity_kind = 'real_name' AND nickname_key IS NULL)",
        name="identity",
    ),
    sa.CheckConstraint(
        f"years_of_experience IS NULL OR years_of_experience BETWEEN 0 AND {MAX_YEARS_OF_EXPERIENCE}",
        name="years_of_experience",
    ),
    sa.CheckConstraint("locale IN ('ko', 'en')", name="locale"),
)

nickname_history = sa.Table(
    "nickname_history",
    metadata,
    sa.Column("id", identifier(), primary_key=True),
    sa.Column("member_id", identifier(), nullable=False),
    _text("old_nickname"),
    # The old nickname's uniqueness key: reserved for the member who had it.
    _text("old_key"),
    _text("new_nickname"),
    _text("reason"),
    sa.Column("changed_by", identifier(), nullable=False),
    sa.Column("changed_at", UtcDateTime(), nullable=False),
    sa.Index("ix_nickname_history_member", "member_id", "changed_at", "id"),
    sa.Index("ix_nickname_history_old_key", "old_key"),
)

communities = sa.Table(
    "communities",
    metadata,
    sa.Column("id", identifier(), primary_key=True),
    sa.Column("slug", sa.String(48), nullable=False),
    _text("name"),
    sa.Column("job_function", sa.String(48), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    _text("rules"),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("join_policy", sa.String(16), nullable=False),
    # CommunityRequirements, one flag per column.
    sa.Column("real_name_to_post", sa.Boolean(), nullable=False),
    sa.Column("verified_employer_to_post", sa.Boolean(), nullable=False),
    sa.Column("real_name_to_apply", sa.Boolean(), nullable=False),
    sa.Column("verified_employer_to_apply", sa.Boolean(), nullable=False),
    sa.UniqueConstraint("slug"),
    sa.CheckConstraint(_one_of("join_policy", JoinPolicy), name="join_policy"),
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("community_id", identifier(), primary_key=True),
    sa.Column("member_id", identifier(), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("joined_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint(_one_of("role", Role), name="role"),
    sa.Index("ix_memberships_community", "community_id", "joined_at", "member_id"),
)

join_requests = sa.Table(
    "join_requests",
    metadata,
    sa.Column("community_id", identifier(), primary_key=True),
    sa.Column("member_id", identifier(), primary_key=True),
    sa.Column("requested_at", UtcDateTime(), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("decided_at", UtcDateTime(), nullable=True),
    sa.Column("decided_by", identifier(), nullable=True),
    sa.CheckConstraint(_one_of("state", JoinRequestState), name="state"),
    sa.CheckConstraint(
        "(state = 'pending') = (decided_at IS NULL) AND (decided_at IS NULL) = (decided_by IS NULL)",
        name="decision",
    ),
    # A community's pending requests, oldest first.
    sa.Index("ix_join_requests_pending", "community_id", "state", "requested_at", "member_id"),
)

employer_verifications = sa.Table(
    "employer_verifications",
    metadata,
    sa.Column("member_id", identifier(), primary_key=True),
    _text("company"),
    sa.Column("method", sa.String(32), nullable=False),
    sa.Column("verified_at", UtcDateTime(), nullable=False),
    _text("domain", nullable=True),
    # The operator who checked it by hand; NULL for a code or a plugin.
    sa.Column("verified_by", identifier(), nullable=True),
)

employer_challenges = sa.Table(
    "employer_challenges",
    metadata,
    sa.Column("member_id", identifier(), primary_key=True),
    sa.Column("id", identifier(), nullable=False),
    _text("company"),
    _text("domain"),
    # HMAC-SHA256 of the code under the salt, both hex; never the code itself.
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("salt", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("window_started_at", UtcDateTime(), nullable=False),
    sa.Column("codes_in_window", sa.Integer(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.CheckConstraint(_one_of("state", ChallengeState), name="state"),
    sa.CheckConstraint("attempts >= 0 AND codes_in_window >= 0", name="counts"),
    sa.CheckConstraint("expires_at > created_at", name="expiry"),
)

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", identifier(), primary_key=True),
    sa.Column("community_id", identifier(), nullable=False),
    sa.Column("author_id", identifier(), nullable=False),
    _text("title"),
    _text("body"),
    sa.Column("published_at", UtcDateTime(), nullable=False),
    # A plain column: feeds, moderation and search all filter on it.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("edited_at", UtcDateTime(), nullable=True),
    # The popular feed's order, moved by the transaction that adds a comment or reaction.
    sa.Column("score", sa.Integer(), nullable=False),
    sa.CheckConstraint(_one_of("status", ContentStatus), name="status"),
    sa.CheckConstraint("score >= 0", name="score"),
    # A tombstone keeps no text.
    sa.CheckConstraint("status <> 'deleted' OR (title = '' AND body = '')", name="tombstone"),
    # The newest feed: visible posts of a community, by keyset position.
    sa.Index("ix_posts_feed", "community_id", "status", "published_at", "id"),
    # The popular feed: the same, by score first.
    sa.Index("ix_posts_popular", "community_id", "status", "score", "published_at", "id"),
    # Content awaiting review or hidden (few rows) without a scan.
    sa.Index("ix_posts_status", "status"),
)

comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", identifier(), primary_key=True),
    sa.Column("post_id", identifier(), nullable=False),
    sa.Column("author_id", identifier(), nullable=False),
    _text("body"),
    sa.Column("published_at", UtcDateTime(), nullable=False),
    # The comment a reply answers; NULL for a top-level comment.
    sa.Column("parent_id", identifier(), nullable=True),
    sa.Column("depth", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("edited_at", UtcDateTime(), nullable=True),
    sa.CheckConstraint(_one_of("status", ContentStatus), name="status"),
    sa.CheckConstraint(f"depth BETWEEN 0 AND {MAX_REPLY_DEPTH}", name="depth"),
    sa.CheckConstraint("(parent_id IS NULL) = (depth = 0)", name="parent"),
    sa.CheckConstraint("status <> 'deleted' OR body = ''", name="tombstone"),
    sa.Index("ix_comments_post", "post_id", "published_at", "id"),
    sa.Index("ix_comments_status", "status"),
)

reactions = sa.Table(
    "reactions",
    metadata,
    # What is reacted to: a post or a comment, and its id.
    sa.Column("target", _code(16), primary_key=True),
    sa.Column("target_id", identifier(), primary_key=True),
    sa.Column("member_id", identifier(), primary_key=True),
    sa.Column("kind", _code(16), primary_key=True),
    sa.Column("reacted_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint(_one_of("target", ContentKind), name="target"),
    sa.CheckConstraint(_one_of("kind", ReactionKind), name="kind"),
)

revisions = sa.Table(
    "revisions",
    metadata,
    # Whose earlier version: a post or a comment, and its id.
    sa.Column("target", _code(16), primary_key=True),
    sa.Column("target_id", identifier(), primary_key=True),
    sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
    # The post's title then; NULL for a comment.
    _text("title", nullable=True),
    _text("body"),
    sa.Column("editor_id", identifier(), nullable=False),
    sa.Column("replaced_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint(_one_of("target", ContentKind), name="target"),
    sa.CheckConstraint("number >= 1", name="number"),
    sa.CheckConstraint("(target = 'post') = (title IS NOT NULL)", name="title"),
)

content_policies = sa.Table(
    "content_policies",
    metadata,
    sa.Column("community_id", identifier(), primary_key=True),
    # The normalised words, sorted: a JSON list of strings.
    sa.Column("banned_words", sa.JSON(), nullable=False),
    sa.Column("banned_word_action", _code(16), nullable=False),
    sa.Column("max_links", sa.Integer(), nullable=True),
    sa.Column("hold_first_posts", sa.Integer(), nullable=False),
    # The threshold times 100: exact, where a float column would round.
    sa.Column("hide_threshold_hundredths", sa.Integer(), nullable=False),
    sa.Column("updated_by", identifier(), nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=True),
    sa.CheckConstraint(_one_of("banned_word_action", BannedWordAction), name="action"),
    sa.CheckConstraint("max_links >= 0", name="max_links"),
    sa.CheckConstraint("hold_first_posts >= 0", name="hold_first_posts"),
    sa.CheckConstraint("hide_threshold_hundredths > 0", name="hide_threshold"),
)

flags = sa.Table(
    "flags",
    metadata,
    # What is flagged: a post or a comment, and its id.
    sa.Column("target", _code(16), primary_key=True),
    sa.Column("target_id", identifier(), primary_key=True),
    sa.Column("flagger_id", identifier(), primary_key=True),
    sa.Column("community_id", identifier(), nullable=False),
    sa.Column("reason", _code(16), nullable=False),
    sa.Column("flagged_at", UtcDateTime(), nullable=False),
    _text("note", nullable=True),
    sa.Column("resolution", _code(16), nullable=True),
    sa.Column("resolved_at", UtcDateTime(), nullable=True),
    sa.CheckConstraint(_one_of("target", ContentKind), name="target"),
    sa.CheckConstraint(_one_of("reason", FlagReason), name="reason"),
    sa.CheckConstraint(_one_of("resolution", FlagResolution), name="resolution"),
    sa.CheckConstraint("(resolution IS NULL) = (resolved_at IS NULL)", name="resolved"),
    # The queue: a community's open flags, oldest first.
    sa.Index("ix_flags_community", "community_id", "resolution", "flagged_at"),
    # A flagger's record in a community.
    sa.Index("ix_flags_flagger", "community_id", "flagger_id", "resolution"),
)

moderation_log = sa.Table(
    "moderation_log",
    metadata,
    sa.Column("id", identifier(), primary_key=True),
    sa.Column("community_id", identifier(), nullable=False),
    sa.Column("target", _code(16), nullable=False),
    sa.Column("target_id", identifier(), nullable=False),
    sa.Column("action", _code(16), nullable=False),
    # NULL when proforum acted by itself (a hold, an automatic hide).
    sa.Column("actor_id", identifier(), nullable=True),
    _text("reason"),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.CheckConstraint(_one_of("target", ContentKind), name="target"),
    sa.CheckConstraint(_one_of("action", ModerationAction), name="action"),
    sa.Index("ix_moderation_log_community", "community_id", "at", "id"),
)

meetups = sa.Table(
    "meetups",
    metadata,
    sa.Column("id", identifier(), primary_key=True),
    sa.Column("community_id", identifier(), nullable=False),
    sa.Column("host_id", identifier(), nullable=False),
    _text("title"),
    _text("topic"),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("starts_at", UtcDateTime(), nullable=False),
    sa.Column("ends_at", UtcDateTime(), nullable=False),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("capacity", sa.Integer(), nullable=False),
    sa.Column("applications_open_at", UtcDateTime(), nullable=False),
    sa.Column("applications_close_at", UtcDateTime(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    _text("venue", nullable=True),
    sa.Column("follow_up_of", identifier(), nullable=True),
    sa.Column("meeting_provider", sa.String(64), nullable=True),
    _text("meeting_id", nullable=True),
    # The join URL is a Secret in the domain; stored as text, revealed only here.
    _text("meeting_join_url", nullable=True),
    sa.Column("reminder_sent_at", UtcDateTime(), nullable=True),
    sa.Column("links_sent_at", UtcDateTime(), nullable=True),
    # The lottery's company cap and quotas in their public JSON form; NULL for none.
    sa.Column("lottery", sa.JSON(), nullable=True),
    sa.Column("offer_ttl_seconds", sa.Integer(), nullable=False),
    sa.Column("confirm_by", UtcDateTime(), nullable=True),
    sa.Column("min_attended_minutes", sa.Integer(), nullable=False),
    sa.CheckConstraint(_one_of("format", MeetupFormat), name="format"),
    sa.CheckConstraint(_one_of("state", MeetupState), name="state"),
    sa.CheckConstraint(f"capacity BETWEEN 1 AND {MAX_CAPACITY}", name="capacity"),
    sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    sa.CheckConstraint(
        "applications_open_at < applications_close_at AND applications_close_at <= starts_at",
        name="application_window",
    ),
    sa.CheckConstraint(
        "(meeting_provider IS NULL AND meeting_id IS NULL AND meeting_join_url IS NULL)"
        " OR (meeting_provider IS NOT NULL AND meeting_id IS NOT NULL"
        " AND meeting_join_url IS NOT NULL)",
        name="meeting",
    ),
    sa.CheckConstraint("offer_ttl_seconds >= 300", name="offer_ttl"),
    sa.CheckConstraint("min_attended_minutes >= 0", name="min_attended"),
    sa.Index("ix_meetups_community", "community_id", "starts_at", "id"),
    # Drawn meetups whose confirmation deadline passed, found without a scan.
    sa.Index("ix_meetups_confirm_by", "state", "confirm_by"),
    # The meetup a provider's webhook is about.
    sa.Index("ix_meetups_meeting", "meeting_provider", "meeting_id"),
)

applications = sa.Table(
    "applications",
    metadata,
    sa.Column("meetup_id", identifier(), primary_key=True),
    sa.Column("member_id", identifier(), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("applied_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("offer_expires_at", UtcDateTime(), nullable=True),
    sa.Column("attended_seconds", sa.Integer(), nullable=True),
    sa.CheckConstraint(_one_of("state", ApplicationState), name="state"),
    sa.CheckConstraint("(state = 'offered') = (offer_expires_at IS NOT NULL)", name="offer_expiry"),
    sa.CheckConstraint("attended_seconds >= 0", name="attended_seconds"),
    sa.Index("ix_applications_meetup", "meetup_id", "applied_at", "member_id"),
    # A member's record across meetups (the lottery's weight policy reads it).
    sa.Index("ix_applications_member", "member_id", "state"),
    # Lapsed offers, found without a scan.
    sa.Index("ix_applications_offers", "state", "offer_expires_at"),
)

lottery_commitments = sa.Table(
    "lottery_commitments",
    metadata,
    sa.Column("meetup_id", identifier(), primary_key=True),
    sa.Column("seats", sa.Integer(), nullable=False),
    sa.Column("applicants", sa.JSON(), nullable=False),
    sa.Column("applicants_digest", sa.String(64), nullable=False),
    sa.Column("seed_digest", sa.String(64), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("committed_at", UtcDateTime(), nullable=False),
    # The seed stays secret until the draw; a Secret in the domain, text here.
    _text("seed"),
    sa.Column("algorithm", sa.String(64), nullable=False),
    sa.Column("constraints", sa.JSON(), nullable=True),
    sa.Column("beacon", sa.JSON(), nullable=True),
    sa.CheckConstraint("seats >= 1", name="seats"),
)

lottery_draws = sa.Table(
    "lottery_draws",
    metadata,
    sa.Column("meetup_id", identifier(), primary_key=True),
    sa.Column("seats", sa.Integer(), nullable=False),
    sa.Column("applicants", sa.JSON(), nullable=False),
    _text("seed_hex"),
    sa.Column("commitment", sa.String(64), nullable=False),
    sa.Column("selected", sa.JSON(), nullable=False),
    sa.Column("waitlist", sa.JSON(), nullable=False),
    sa.Column("committed_at", UtcDateTime(), nullable=False),
    sa.Column("drawn_at", UtcDateTime(), nullable=False),
    sa.Column("algorithm", sa.String(64), nullable=False),
    sa.Column("constraints", sa.JSON(), nullable=True),
    sa.Column("beacon", sa.JSON(), nullable=True),
    _text("beacon_randomness", nullable=True),
    sa.Column("shortfalls", sa.JSON(), nullable=True),
    sa.CheckConstraint("seats >= 1", name="seats"),
)

video_registrations = sa.Table(
    "video_registrations",
    metadata,
    sa.Column("id", identifier(), primary_key=True),
    sa.Column("meetup_id", identifier(), nullable=False),
    sa.Column("member_id", identifier(), nullable=False),
    sa.Column("meeting_id", sa.Text(), nullable=False),
    sa.Column("provider", sa.String(64), nullable=False),
    # A personal join link: a Secret in the domain, text here.
    _text("join_url"),
    _text("registrant_id", nullable=True),
    sa.Column("registered_at", UtcDateTime(), nullable=False),
    sa.Column("revoke_requested_at", UtcDateTime(), nullable=True),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    sa.Index("ix_video_registrations_meetup", "meetup_id", "member_id"),
    # Revocations still to tell the provider about, found without a scan.
    sa.Index("ix_video_registrations_revocations", "revoke_requested_at", "revoked_at"),
)

follow_up_interests = sa.Table(
    "follow_up_interests",
    metadata,
    sa.Column("meetup_id", identifier(), primary_key=True),
    sa.Column("member_id", identifier(), primary_key=True),
    sa.Column("noted_at", UtcDateTime(), nullable=False),
)

contact_consents = sa.Table(
    "contact_consents",
    metadata,
    # member_id agreed that with_member_id may see their contact details,
    # within what both did at meetup_id; shown only when the other agreed too.
    sa.Column("meetup_id", identifier(), primary_key=True),
    sa.Column("member_id", identifier(), primary_key=True),
    sa.Column("with_member_id", identifier(), primary_key=True),
    sa.Column("given_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint("member_id <> with_member_id", name="not_self"),
)

surveys = sa.Table(
    "surveys",
    metadata,
    sa.Column("id", identifier(), primary_key=True),
    sa.Column("community_id", identifier(), nullable=False),
    # NULL for a survey of the whole community.
    sa.Column("meetup_id", identifier(), nullable=True),
    _text("title"),
    # The questions, in order, as written by mapping.questions_json.
    sa.Column("questions", sa.JSON(), nullable=False),
    sa.Column("anonymous", sa.Boolean(), nullable=False),
    sa.Column("audience", sa.String(16), nullable=False),
    sa.Column("opens_at", UtcDateTime(), nullable=False),
    sa.Column("closes_at", UtcDateTime(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("min_responses", sa.Integer(), nullable=False),
    sa.Column("min_text_responses", sa.Integer(), nullable=False),
    sa.Column("breakdown", sa.String(16), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.CheckConstraint(f"min_responses >= {LOWEST_MIN_RESPONSES}", name="min_responses"),
    sa.CheckConstraint("min_text_responses >= min_responses", name="min_text_responses"),
    sa.CheckConstraint("closes_at > opens_at", name="closes_after_open"),
    sa.CheckConstraint(_one_of("state", SurveyState), name="state"),
    sa.CheckConstraint(_one_of("audience", Audience), name="audience"),
    sa.CheckConstraint("meetup_id IS NOT NULL OR audience <> 'attendees'", name="subject"),
    sa.CheckConstraint(f"breakdown IS NULL OR {_one_of('breakdown', Breakdown)}", name="breakdown"),
    sa.Index("ix_surveys_meetup", "meetup_id", "created_at", "id"),
    sa.Index("ix_surveys_community", "community_id", "created_at", "id"),
)

survey_responses = sa.Table(
    "survey_responses",
    metadata,
    sa.Column("id", identifier(), primary_key=True),
    sa.Column("survey_id", identifier(), nullable=False),
    # The respondent's experience band, only for surveys broken down by it.
    sa.Column("band", sa.String(8), nullable=True),
    sa.CheckConstraint(f"band IS NULL OR {_one_of('band', ExperienceBand)}", name="band"),
    sa.Index("ix_survey_responses_survey", "survey_id", "id"),
    sqlite_with_rowid=False,
)

survey_answers = sa.Table(
    "survey_answers",
    metadata,
    sa.Column("response_id", identifier(), primary_key=True),
    sa.Column("question_id", identifier(), primary_key=True),
    # 0 for most answers; 0, 1, 2 … for the choices of one multiple-choice answer.
    sa.Column("item", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("value", sa.Integer(), nullable=True),
    sa.Column("choice", identifier(), nullable=True),
    _text("text", nullable=True),
    sa.CheckConstraint(
        "(value IS NOT NULL AND choice IS NULL AND text IS NULL)"
        " OR (value IS NULL AND choice IS NOT NULL AND text IS NULL)"
        " OR (value IS NULL AND choice IS NULL AND text IS NOT NULL)",
        name="one_value",
    ),
    sa.CheckConstraint("value IS NULL OR value BETWEEN 0 AND 10", name="value"),
    sa.CheckConstraint("item >= 0", name="item"),
    sqlite_with_rowid=False,
)

survey_participations = sa.Table(
    "survey_participations",
    metadata,
    sa.Column("survey_id", identifier(), primary_key=True),
    sa.Column("member_id", identifier(), primary_key=True),
    # Set only for surveys created as identified (anonymous=False).
    sa.Column("response_id", identifier(), nullable=True),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", identifier(), primary_key=True),
    sa.Column("recipient_id", identifier(), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("params", sa.JSON(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    _text("last_error", nullable=True),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
    # The relay's lease: who is delivering the message, and until when.
    sa.Column("claimed_by", sa.String(MAX_CLAIMER_LENGTH), nullable=True),
    sa.Column("claimed_until", UtcDateTime(), nullable=True),
    # What the message is about (a meetup id for reminders), so it can be withdrawn.
    sa.Column("subject", identifier(), nullable=True),
    sa.CheckConstraint(_one_of("kind", MessageKind), name="kind"),
    sa.CheckConstraint(_one_of("status", DeliveryStatus), name="status"),
    sa.CheckConstraint("attempts >= 0", name="attempts"),
    sa.CheckConstraint("(claimed_by IS NULL) = (claimed_until IS NULL)", name="claim"),
    # Claims (pending, oldest first) and dead letters (failed, newest first).
    sa.Index("ix_messages_pending", "status", "created_at", "id"),
    # Withdrawing the pending messages of one kind about one subject.
    sa.Index("ix_messages_subject", "subject", "kind", "status"),
)

inbox_items = sa.Table(
    "inbox_items",
    metadata,
    sa.Column("message_id", identifier(), primary_key=True),
    sa.Column("recipient_id", identifier(), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("delivered_at", UtcDateTime(), nullable=False),
    sa.Column("params", sa.JSON(), nullable=False),
    sa.Column("read_at", UtcDateTime(), nullable=True),
    sa.CheckConstraint(_one_of("kind", MessageKind), name="kind"),
    # Pages of a member's inbox, newest first, by keyset position.
    sa.Index("ix_inbox_items_recipient", "recipient_id", "delivered_at", "message_id"),
    # The same for unread items only, and the unread count.
    sa.Index(
        "ix_inbox_items_unread",
        "recipient_id",
        "delivered_at",
        "message_id",
        sqlite_where=sa.text("read_at IS NULL"),
        postgresql_where=sa.text("read_at IS NULL"),
    ),
)

notification_preferences = sa.Table(
    "notification_preferences",
    metadata,
    sa.Column("member_id", identifier(), primary_key=True),
    sa.Column("channel", _code(64), primary_key=True),
    sa.Column("kind", _code(32), primary_key=True),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.CheckConstraint(_one_of("kind", MessageKind), name="kind"),
    # Who switched one kind off on some channels (``switched_off``), in one range scan.
    sa.Index("ix_notification_preferences_kind", "kind", "channel"),
)

#: The entity name each table's rows are called in errors, as in the memory backend.
ENTITIES: dict[str, str] = {
    "members": "member",
    "nickname_history": "nickname change",
    "communities": "community",
    "memberships": "membership",
    "join_requests": "join request",
    "employer_verifications": "employer verification",
    "employer_challenges": "verification code",
    "posts": "post",
    "comments": "comment",
    "reactions": "reaction",
    "revisions": "revision",
    "content_policies": "content policy",
    "flags": "flag",
    "moderation_log": "moderation log entry",
    "meetups": "meetup",
    "applications": "application",
    "lottery_commitments": "commitment",
    "lottery_draws": "draw",
    "video_registrations": "video registration",
    "follow_up_interests": "follow-up interest",
    "contact_consents": "contact consent",
    "surveys": "survey",
    "survey_responses": "response",
    "survey_answers": "answer",
    "survey_participations": "participation",
    "messages": "message",
    "inbox_items": "inbox item",
    "notification_preferences": "notification preference",
}
