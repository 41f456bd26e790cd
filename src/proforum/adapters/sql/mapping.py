"""Explicit row ↔ domain conversions, one pair of functions per entity.

``*_row(entity)`` returns the column values to write; ``*_from(row)`` builds the
domain object from a result row.  Nothing here touches a connection.

* A member's identity is two columns, ``identity_kind`` and ``identity_value``,
  plus the derived ``nickname_key`` the unique constraint works on.
* :class:`~proforum.domain.common.Secret` values (meeting links, lottery seeds)
  are stored as text: ``reveal()`` is called here and nowhere else in the adapter.
* Tuples of member ids and message parameters are JSON arrays and objects.
* Datetimes go through :class:`~proforum.adapters.sql.types.UtcDateTime`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from proforum.domain.admission import CommunityRequirements, JoinRequest
from proforum.domain.common import (
    CommentId,
    CommunityId,
    MeetupId,
    MemberId,
    MessageId,
    PostId,
    ResponseId,
    Secret,
    SurveyId,
)
from proforum.domain.community import Community, Membership
from proforum.domain.content import Comment, Post
from proforum.domain.content_policy import ContentPolicy
from proforum.domain.employer import EmployerChallenge, EmployerVerification
from proforum.domain.flags import Flag
from proforum.domain.follow_up import ContactConsent, FollowUpInterest
from proforum.domain.identity import Identity, Member, Nickname, RealName
from proforum.domain.lottery import Beacon, Commitment, Constraints, Draw
from proforum.domain.lottery_rules import SortedEntrants, sorted_entrants
from proforum.domain.meetup import Application, MeetingRef, Meetup
from proforum.domain.moderation import ModerationLogEntry
from proforum.domain.nickname_history import NicknameChange
from proforum.domain.notification import InboxItem, Message
from proforum.domain.preferences import NotificationPreference
from proforum.domain.reactions import Reaction
from proforum.domain.revisions import Revision
from proforum.domain.seat_rules import SeatRules
from proforum.domain.survey import Answer, Choice, Participation, Question, Response, Survey
from proforum.domain.video_registration import VideoRegistration

Row = Mapping[Any, Any]


def _ids(values: Any) -> tuple[MemberId, ...]:
    return tuple(MemberId(str(v)) for v in values)


# --------------------------------------------------------------------------- members


def member_row(m: Member) -> dict[str, Any]:
    """Columns of ``members``."""
    return {
        "id": m.id,
        "identity_kind": m.identity.kind,
        "identity_value": m.identity.value,
        "nickname_key": m.nickname_key,
        "nickname_visual_key": m.nickname_visual_key,
        "job_function": m.job_function,
        "registered_at": m.registered_at,
        "company": m.company,
        "years_of_experience": m.years_of_experience,
        "locale": m.locale,
        "time_zone": m.time_zone,
        "email": m.email,
    }


def member_from(r: Row) -> Member:
    """A :class:`Member` from a ``members`` row."""
    identity: Identity = (
        Nickname(r["identity_value"])
        if r["identity_kind"] == "nickname"
        else RealName(r["identity_value"])
    )
    return Member(
        id=MemberId(r["id"]),
        identity=identity,
        job_function=r["job_function"],
        registered_at=r["registered_at"],
        company=r["company"],
        years_of_experience=r["years_of_experience"],
        locale=r["locale"],
        time_zone=r["time_zone"],
        email=r["email"],
    )


def nickname_change_row(c: NicknameChange) -> dict[str, Any]:
    """Columns of ``nickname_history``."""
    return {
        "id": c.id,
        "member_id": c.member_id,
        "old_nickname": c.old_nickname,
        "old_key": c.old_key,
        "new_nickname": c.new_nickname,
        "reason": c.reason,
        "changed_by": c.changed_by,
        "changed_at": c.changed_at,
    }


def nickname_change_from(r: Row) -> NicknameChange:
    """A :class:`NicknameChange` from a ``nickname_history`` row."""
    return NicknameChange(
        id=r["id"],
        member_id=MemberId(r["member_id"]),
        old_nickname=r["old_nickname"],
        old_key=r["old_key"],
        new_nickname=r["new_nickname"],
        reason=r["reason"],
        changed_by=MemberId(r["changed_by"]),
        changed_at=r["changed_at"],
    )


# --------------------------------------------------------------------------- communities


def community_row(c: Community) -> dict[str, Any]:
    """Columns of ``communities``."""
    return {
        "id": c.id,
        "slug": c.slug,
        "name": c.name,
        "job_function": c.job_function,
        "created_at": c.created_at,
        "rules": c.rules,
        "time_zone": c.time_zone,
        "join_policy": c.join_policy.value,
        "real_name_to_post": c.requirements.real_name_to_post,
        "verified_employer_to_post": c.requirements.verified_employer_to_post,
        "real_name_to_apply": c.requirements.real_name_to_apply,
        "verified_employer_to_apply": c.requirements.verified_employer_to_apply,
    }


def community_from(r: Row) -> Community:
    """A :class:`Community` from a ``communities`` row."""
    return Community(
        id=CommunityId(r["id"]),
        slug=r["slug"],
        name=r["name"],
        job_function=r["job_function"],
        created_at=r["created_at"],
        rules=r["rules"],
        time_zone=r["time_zone"],
        join_policy=r["join_policy"],
        requirements=CommunityRequirements(
            real_name_to_post=bool(r["real_name_to_post"]),
            verified_employer_to_post=bool(r["verified_employer_to_post"]),
            real_name_to_apply=bool(r["real_name_to_apply"]),
            verified_employer_to_apply=bool(r["verified_employer_to_apply"]),
        ),
    )


def membership_row(m: Membership) -> dict[str, Any]:
    """Columns of ``memberships``."""
    return {
        "community_id": m.community_id,
        "member_id": m.member_id,
        "role": m.role.value,
        "joined_at": m.joined_at,
    }


def membership_from(r: Row) -> Membership:
    """A :class:`Membership` from a ``memberships`` row."""
    return Membership(
        community_id=CommunityId(r["community_id"]),
        member_id=MemberId(r["member_id"]),
        role=r["role"],
        joined_at=r["joined_at"],
    )


def join_request_row(j: JoinRequest) -> dict[str, Any]:
    """Columns of ``join_requests``."""
    return {
        "community_id": j.community_id,
        "member_id": j.member_id,
        "requested_at": j.requested_at,
        "state": j.state.value,
        "decided_at": j.decided_at,
        "decided_by": j.decided_by,
    }


def join_request_from(r: Row) -> JoinRequest:
    """A :class:`JoinRequest` from a ``join_requests`` row."""
    decided_by = r["decided_by"]
    return JoinRequest(
        community_id=CommunityId(r["community_id"]),
        member_id=MemberId(r["member_id"]),
        requested_at=r["requested_at"],
        state=r["state"],
        decided_at=r["decided_at"],
        decided_by=None if decided_by is None else MemberId(decided_by),
    )


# --------------------------------------------------------------------------- employers


def verification_row(v: EmployerVerification) -> dict[str, Any]:
    """Columns of ``employer_verifications``."""
    return {
        "member_id": v.member_id,
        "company": v.company,
        "method": v.method,
        "verified_at": v.verified_at,
        "domain": v.domain,
        "verified_by": v.verified_by,
    }


def verification_from(r: Row) -> EmployerVerification:
    """An :class:`EmployerVerification` from an ``employer_verifications`` row."""
    verified_by = r["verified_by"]
    return EmployerVerification(
        member_id=MemberId(r["member_id"]),
        company=r["company"],
        method=r["method"],
        verified_at=r["verified_at"],
        domain=r["domain"],
        verified_by=None if verified_by is None else MemberId(verified_by),
    )


def challenge_row(c: EmployerChallenge) -> dict[str, Any]:
    """Columns of ``employer_challenges``: the code's hash and salt, never the code."""
    return {
        "member_id": c.member_id,
        "id": c.id,
        "company": c.company,
        "domain": c.domain,
        "code_hash": c.code_hash,
        "salt": c.salt,
        "created_at": c.created_at,
        "expires_at": c.expires_at,
        "window_started_at": c.window_started_at,
        "codes_in_window": c.codes_in_window,
        "attempts": c.attempts,
        "state": c.state.value,
    }


def challenge_from(r: Row) -> EmployerChallenge:
    """An :class:`EmployerChallenge` from an ``employer_challenges`` row."""
    return EmployerChallenge(
        id=r["id"],
        member_id=MemberId(r["member_id"]),
        company=r["company"],
        domain=r["domain"],
        code_hash=r["code_hash"],
        salt=r["salt"],
        created_at=r["created_at"],
        expires_at=r["expires_at"],
        window_started_at=r["window_started_at"],
        codes_in_window=r["codes_in_window"],
        attempts=r["attempts"],
        state=r["state"],
    )


# --------------------------------------------------------------------------- content


def post_row(p: Post) -> dict[str, Any]:
    """Columns of ``posts``."""
    return {
        "id": p.id,
        "community_id": p.community_id,
        "author_id": p.author_id,
        "title": p.title,
        "body": p.body,
        "published_at": p.published_at,
        "status": p.status.value,
        "edited_at": p.edited_at,
        "score": p.score,
    }


def post_from(r: Row) -> Post:
    """A :class:`Post` from a ``posts`` row."""
    return Post(
        id=PostId(r["id"]),
        community_id=CommunityId(r["community_id"]),
        author_id=MemberId(r["author_id"]),
        title=r["title"],
        body=r["body"],
        published_at=r["published_at"],
        status=r["status"],
        edited_at=r["edited_at"],
        score=r["score"],
    )


def comment_row(c: Comment) -> dict[str, Any]:
    """Columns of ``comments``."""
    return {
        "id": c.id,
        "post_id": c.post_id,
        "author_id": c.author_id,
        "body": c.body,
        "published_at": c.published_at,
        "parent_id": c.parent_id,
        "depth": c.depth,
        "status": c.status.value,
        "edited_at": c.edited_at,
    }


def comment_from(r: Row) -> Comment:
    """A :class:`Comment` from a ``comments`` row."""
    parent = r["parent_id"]
    return Comment(
        id=CommentId(r["id"]),
        post_id=PostId(r["post_id"]),
        author_id=MemberId(r["author_id"]),
        body=r["body"],
        published_at=r["published_at"],
        parent_id=None if parent is None else CommentId(parent),
        depth=r["depth"],
        status=r["status"],
        edited_at=r["edited_at"],
    )


def reaction_row(r: Reaction) -> dict[str, Any]:
    """Columns of ``reactions``."""
    return {
        "target": r.target.value,
        "target_id": r.target_id,
        "member_id": r.member_id,
        "kind": r.kind.value,
        "reacted_at": r.reacted_at,
    }


def reaction_from(r: Row) -> Reaction:
    """A :class:`Reaction` from a ``reactions`` row."""
    return Reaction(
        target=r["target"],
        target_id=r["target_id"],
        member_id=MemberId(r["member_id"]),
        kind=r["kind"],
        reacted_at=r["reacted_at"],
    )


def revision_row(r: Revision) -> dict[str, Any]:
    """Columns of ``revisions``."""
    return {
        "target": r.target.value,
        "target_id": r.target_id,
        "number": r.number,
        "title": r.title,
        "body": r.body,
        "editor_id": r.editor_id,
        "replaced_at": r.replaced_at,
    }


def revision_from(r: Row) -> Revision:
    """A :class:`Revision` from a ``revisions`` row."""
    return Revision(
        target=r["target"],
        target_id=r["target_id"],
        number=r["number"],
        title=r["title"],
        body=r["body"],
        editor_id=MemberId(r["editor_id"]),
        replaced_at=r["replaced_at"],
    )


# --------------------------------------------------------------------------- meetups


def content_policy_row(p: ContentPolicy) -> dict[str, Any]:
    """Columns of ``content_policies``; the threshold in hundredths, an exact integer."""
    return {
        "community_id": p.community_id,
        "banned_words": list(p.banned_words),
        "banned_word_action": p.banned_word_action.value,
        "max_links": p.max_links,
        "hold_first_posts": p.hold_first_posts,
        "hide_threshold_hundredths": int(p.hide_threshold * 100),
        "updated_by": p.updated_by,
        "updated_at": p.updated_at,
    }


def content_policy_from(r: Row) -> ContentPolicy:
    """A :class:`ContentPolicy` from a ``content_policies`` row."""
    updated_by = r["updated_by"]
    return ContentPolicy(
        community_id=CommunityId(r["community_id"]),
        banned_words=tuple(r["banned_words"]),
        banned_word_action=r["banned_word_action"],
        max_links=r["max_links"],
        hold_first_posts=r["hold_first_posts"],
        hide_threshold=Decimal(r["hide_threshold_hundredths"]).scaleb(-2),
        updated_by=None if updated_by is None else MemberId(updated_by),
        updated_at=r["updated_at"],
    )


def flag_row(f: Flag) -> dict[str, Any]:
    """Columns of ``flags``."""
    return {
        "target": f.target.value,
        "target_id": f.target_id,
        "flagger_id": f.flagger_id,
        "community_id": f.community_id,
        "reason": f.reason.value,
        "flagged_at": f.flagged_at,
        "note": f.note,
        "resolution": None if f.resolution is None else f.resolution.value,
        "resolved_at": f.resolved_at,
    }


def flag_from(r: Row) -> Flag:
    """A :class:`Flag` from a ``flags`` row."""
    return Flag(
        target=r["target"],
        target_id=r["target_id"],
        flagger_id=MemberId(r["flagger_id"]),
        community_id=CommunityId(r["community_id"]),
        reason=r["reason"],
        flagged_at=r["flagged_at"],
        note=r["note"],
        resolution=r["resolution"],
        resolved_at=r["resolved_at"],
    )


def log_entry_row(e: ModerationLogEntry) -> dict[str, Any]:
    """Columns of ``moderation_log``."""
    return {
        "id": e.id,
        "community_id": e.community_id,
        "target": e.target.value,
        "target_id": e.target_id,
        "action": e.action.value,
        "actor_id": e.actor_id,
        "reason": e.reason,
        "at": e.at,
    }


def log_entry_from(r: Row) -> ModerationLogEntry:
    """A :class:`ModerationLogEntry` from a ``moderation_log`` row."""
    actor = r["actor_id"]
    return ModerationLogEntry(
        id=r["id"],
        community_id=CommunityId(r["community_id"]),
        target=r["target"],
        target_id=r["target_id"],
        action=r["action"],
        actor_id=None if actor is None else MemberId(actor),
        reason=r["reason"],
        at=r["at"],
    )


def meetup_row(m: Meetup) -> dict[str, Any]:
    """Columns of ``meetups``; the meeting link is revealed into its text column."""
    meeting = m.meeting
    return {
        "id": m.id,
        "community_id": m.community_id,
        "host_id": m.host_id,
        "title": m.title,
        "topic": m.topic,
        "format": m.format.value,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "time_zone": m.time_zone,
        "capacity": m.capacity,
        "applications_open_at": m.applications_open_at,
        "applications_close_at": m.applications_close_at,
        "created_at": m.created_at,
        "state": m.state.value,
        "venue": m.venue,
        "follow_up_of": m.follow_up_of,
        "meeting_provider": meeting.provider if meeting else None,
        "meeting_id": meeting.meeting_id if meeting else None,
        "meeting_join_url": meeting.join_url.reveal() if meeting else None,
        "reminder_sent_at": m.reminder_sent_at,
        "links_sent_at": m.links_sent_at,
        "lottery": _constraints_json(m.lottery),
        "offer_ttl_seconds": int(m.seat_rules.offer_ttl.total_seconds()),
        "confirm_by": m.seat_rules.confirm_by,
        "min_attended_minutes": m.seat_rules.min_attended_minutes,
    }


def _constraints_json(c: Constraints) -> dict[str, Any] | None:
    return None if c == Constraints() else c.public()


def _constraints_of(value: Any) -> Constraints:
    return Constraints() if value is None else Constraints.from_public(value)


def meetup_from(r: Row) -> Meetup:
    """A :class:`Meetup` from a ``meetups`` row; the link comes back as a :class:`Secret`."""
    meeting = None
    if r["meeting_provider"] is not None:
        meeting = MeetingRef(
            provider=r["meeting_provider"],
            meeting_id=r["meeting_id"],
            join_url=Secret(r["meeting_join_url"]),
        )
    follow_up_of = r["follow_up_of"]
    return Meetup(
        id=MeetupId(r["id"]),
        community_id=CommunityId(r["community_id"]),
        host_id=MemberId(r["host_id"]),
        title=r["title"],
        topic=r["topic"],
        format=r["format"],
        starts_at=r["starts_at"],
        ends_at=r["ends_at"],
        time_zone=r["time_zone"],
        capacity=r["capacity"],
        applications_open_at=r["applications_open_at"],
        applications_close_at=r["applications_close_at"],
        created_at=r["created_at"],
        state=r["state"],
        venue=r["venue"],
        follow_up_of=None if follow_up_of is None else MeetupId(follow_up_of),
        meeting=meeting,
        reminder_sent_at=r["reminder_sent_at"],
        links_sent_at=r["links_sent_at"],
        lottery=_constraints_of(r["lottery"]),
        seat_rules=SeatRules(
            offer_ttl=timedelta(seconds=r["offer_ttl_seconds"]),
            confirm_by=r["confirm_by"],
            min_attended_minutes=r["min_attended_minutes"],
        ),
    )


def application_row(a: Application) -> dict[str, Any]:
    """Columns of ``applications``."""
    return {
        "meetup_id": a.meetup_id,
        "member_id": a.member_id,
        "state": a.state.value,
        "applied_at": a.applied_at,
        "updated_at": a.updated_at,
        "offer_expires_at": a.offer_expires_at,
        "attended_seconds": a.attended_seconds,
    }


def application_from(r: Row) -> Application:
    """An :class:`Application` from an ``applications`` row."""
    return Application(
        meetup_id=MeetupId(r["meetup_id"]),
        member_id=MemberId(r["member_id"]),
        state=r["state"],
        applied_at=r["applied_at"],
        updated_at=r["updated_at"],
        offer_expires_at=r["offer_expires_at"],
        attended_seconds=r["attended_seconds"],
    )


# --------------------------------------------------------------------------- lottery


def _entrants(values: Any) -> SortedEntrants:
    # Rows written before 0006 hold bare member ids: entrants of weight 1.
    return sorted_entrants(values)


def _beacon_of(value: Any) -> Beacon | None:
    return None if value is None else Beacon.from_public(value)


def commitment_row(c: Commitment) -> dict[str, Any]:
    """Columns of ``lottery_commitments``; the seed is revealed into its text column."""
    return {
        "meetup_id": c.meetup_id,
        "seats": c.seats,
        "applicants": [e.public() for e in c.entrants],
        "applicants_digest": c.applicants_digest,
        "seed_digest": c.seed_digest,
        "digest": c.digest,
        "committed_at": c.committed_at,
        "seed": c.seed.reveal(),
        "algorithm": c.algorithm,
        "constraints": _constraints_json(c.constraints),
        "beacon": None if c.beacon is None else c.beacon.public(),
    }


def commitment_from(r: Row) -> Commitment:
    """A :class:`Commitment` from a ``lottery_commitments`` row."""
    return Commitment(
        meetup_id=MeetupId(r["meetup_id"]),
        seats=r["seats"],
        entrants=_entrants(r["applicants"]),
        constraints=_constraints_of(r["constraints"]),
        applicants_digest=r["applicants_digest"],
        seed_digest=r["seed_digest"],
        digest=r["digest"],
        committed_at=r["committed_at"],
        seed=Secret(r["seed"]),
        beacon=_beacon_of(r["beacon"]),
        algorithm=r["algorithm"],
    )


def draw_row(d: Draw) -> dict[str, Any]:
    """Columns of ``lottery_draws``."""
    return {
        "meetup_id": d.meetup_id,
        "seats": d.seats,
        "applicants": [e.public() for e in d.entrants],
        "seed_hex": d.seed_hex,
        "commitment": d.commitment,
        "selected": list(d.selected),
        "waitlist": list(d.waitlist),
        "committed_at": d.committed_at,
        "drawn_at": d.drawn_at,
        "algorithm": d.algorithm,
        "constraints": _constraints_json(d.constraints),
        "beacon": None if d.beacon is None else d.beacon.public(),
        "beacon_randomness": d.beacon_randomness,
        "shortfalls": list(d.shortfalls) or None,
    }


def draw_from(r: Row) -> Draw:
    """A :class:`Draw` from a ``lottery_draws`` row."""
    return Draw(
        meetup_id=MeetupId(r["meetup_id"]),
        seats=r["seats"],
        entrants=_entrants(r["applicants"]),
        constraints=_constraints_of(r["constraints"]),
        seed_hex=r["seed_hex"],
        commitment=r["commitment"],
        selected=_ids(r["selected"]),
        waitlist=_ids(r["waitlist"]),
        committed_at=r["committed_at"],
        drawn_at=r["drawn_at"],
        beacon=_beacon_of(r["beacon"]),
        beacon_randomness=r["beacon_randomness"],
        shortfalls=tuple(r["shortfalls"] or ()),
        algorithm=r["algorithm"],
    )


# --------------------------------------------------------------------------- video registrations


def registration_row(r: VideoRegistration) -> dict[str, Any]:
    """Columns of ``video_registrations``; the personal link is revealed into its text column."""
    return {
        "id": r.id,
        "meetup_id": r.meetup_id,
        "member_id": r.member_id,
        "meeting_id": r.meeting_id,
        "provider": r.provider,
        "join_url": r.join_url.reveal(),
        "registrant_id": r.registrant_id,
        "registered_at": r.registered_at,
        "revoke_requested_at": r.revoke_requested_at,
        "revoked_at": r.revoked_at,
    }


def registration_from(r: Row) -> VideoRegistration:
    """A :class:`VideoRegistration` from a ``video_registrations`` row."""
    return VideoRegistration(
        id=r["id"],
        meetup_id=MeetupId(r["meetup_id"]),
        member_id=MemberId(r["member_id"]),
        meeting_id=r["meeting_id"],
        provider=r["provider"],
        join_url=Secret(r["join_url"]),
        registrant_id=r["registrant_id"],
        registered_at=r["registered_at"],
        revoke_requested_at=r["revoke_requested_at"],
        revoked_at=r["revoked_at"],
    )


# --------------------------------------------------------------------------- follow-ups


def interest_row(i: FollowUpInterest) -> dict[str, Any]:
    """Columns of ``follow_up_interests``."""
    return {"meetup_id": i.meetup_id, "member_id": i.member_id, "noted_at": i.noted_at}


def interest_from(r: Row) -> FollowUpInterest:
    """A :class:`FollowUpInterest` from a ``follow_up_interests`` row."""
    return FollowUpInterest(
        meetup_id=MeetupId(r["meetup_id"]),
        member_id=MemberId(r["member_id"]),
        noted_at=r["noted_at"],
    )


def consent_row(c: ContactConsent) -> dict[str, Any]:
    """Columns of ``contact_consents``."""
    return {
        "meetup_id": c.meetup_id,
        "member_id": c.member_id,
        "with_member_id": c.with_member_id,
        "given_at": c.given_at,
    }


def consent_from(r: Row) -> ContactConsent:
    """A :class:`ContactConsent` from a ``contact_consents`` row."""
    return ContactConsent(
        meetup_id=MeetupId(r["meetup_id"]),
        member_id=MemberId(r["member_id"]),
        with_member_id=MemberId(r["with_member_id"]),
        given_at=r["given_at"],
    )


# --------------------------------------------------------------------------- surveys


def questions_json(questions: tuple[Question, ...]) -> list[dict[str, Any]]:
    """A survey's questions as the JSON array of ``surveys.questions``."""
    return [
        {
            "id": q.id,
            "kind": q.kind.value,
            "text_ko": q.text_ko,
            "text_en": q.text_en,
            "required": q.required,
            "scale": q.scale,
            "choices": [
                {"id": c.id, "text_ko": c.text_ko, "text_en": c.text_en} for c in q.choices
            ],
        }
        for q in questions
    ]


def questions_from(value: Any) -> tuple[Question, ...]:
    """The questions of a ``surveys.questions`` JSON array."""
    return tuple(
        Question(
            id=q["id"],
            kind=q["kind"],
            text_ko=q["text_ko"],
            text_en=q["text_en"],
            required=q["required"],
            scale=q["scale"],
            choices=tuple(Choice(c["id"], c["text_ko"], c["text_en"]) for c in q["choices"]),
        )
        for q in value
    )


def survey_row(s: Survey) -> dict[str, Any]:
    """Columns of ``surveys``; the questions are one JSON array."""
    return {
        "id": s.id,
        "community_id": s.community_id,
        "meetup_id": s.meetup_id,
        "title": s.title,
        "questions": questions_json(s.questions),
        "anonymous": s.anonymous,
        "audience": s.audience.value,
        "opens_at": s.opens_at,
        "closes_at": s.closes_at,
        "created_at": s.created_at,
        "min_responses": s.min_responses,
        "min_text_responses": s.min_text_responses,
        "breakdown": None if s.breakdown is None else s.breakdown.value,
        "state": s.state.value,
    }


def survey_from(r: Row) -> Survey:
    """A :class:`Survey` from a ``surveys`` row."""
    meetup_id = r["meetup_id"]
    return Survey(
        id=SurveyId(r["id"]),
        community_id=CommunityId(r["community_id"]),
        meetup_id=None if meetup_id is None else MeetupId(meetup_id),
        title=r["title"],
        questions=questions_from(r["questions"]),
        anonymous=bool(r["anonymous"]),
        audience=r["audience"],
        opens_at=r["opens_at"],
        closes_at=r["closes_at"],
        created_at=r["created_at"],
        min_responses=r["min_responses"],
        min_text_responses=r["min_text_responses"],
        breakdown=r["breakdown"],
        state=r["state"],
    )


def response_row(r: Response) -> dict[str, Any]:
    """Columns of ``survey_responses``: the id, the survey and the band, nothing else."""
    return {
        "id": r.id,
        "survey_id": r.survey_id,
        "band": None if r.band is None else r.band.value,
    }


def answer_rows(r: Response) -> list[dict[str, Any]]:
    """Rows of ``survey_answers`` for a response; ``item`` numbers the answers to one question."""
    rows: list[dict[str, Any]] = []
    items: dict[str, int] = {}
    for answer in r.answers:
        item = items.get(answer.question_id, 0)
        items[answer.question_id] = item + 1
        rows.append(
            {
                "response_id": r.id,
                "question_id": answer.question_id,
                "item": item,
                "value": answer.value,
                "choice": answer.choice,
                "text": answer.text,
            }
        )
    return rows


def answer_from(r: Row) -> Answer:
    """An :class:`Answer` from a ``survey_answers`` row."""
    return Answer(r["question_id"], value=r["value"], choice=r["choice"], text=r["text"])


def response_from(r: Row, answers: Iterable[Answer] = ()) -> Response:
    """A :class:`Response` from a ``survey_responses`` row and its answers."""
    return Response(
        id=ResponseId(r["id"]),
        survey_id=SurveyId(r["survey_id"]),
        answers=tuple(answers),
        band=r["band"],
    )


def participation_row(p: Participation) -> dict[str, Any]:
    """Columns of ``survey_participations``."""
    return {"survey_id": p.survey_id, "member_id": p.member_id, "response_id": p.response_id}


def participation_from(r: Row) -> Participation:
    """A :class:`Participation` from a ``survey_participations`` row."""
    response_id = r["response_id"]
    return Participation(
        survey_id=SurveyId(r["survey_id"]),
        member_id=MemberId(r["member_id"]),
        response_id=None if response_id is None else ResponseId(response_id),
    )


# --------------------------------------------------------------------------- notifications


def message_row(m: Message) -> dict[str, Any]:
    """Columns of ``messages``; the parameters are a JSON object."""
    return {
        "id": m.id,
        "recipient_id": m.recipient_id,
        "kind": m.kind.value,
        "channel": m.channel,
        "created_at": m.created_at,
        "params": dict(m.params),
        "status": m.status.value,
        "attempts": m.attempts,
        "sent_at": m.sent_at,
        "last_error": m.last_error,
        "next_attempt_at": m.next_attempt_at,
        "claimed_by": m.claimed_by,
        "claimed_until": m.claimed_until,
        "subject": m.subject,
    }


def message_from(r: Row) -> Message:
    """A :class:`Message` from a ``messages`` row."""
    return Message(
        id=MessageId(r["id"]),
        recipient_id=MemberId(r["recipient_id"]),
        kind=r["kind"],
        channel=r["channel"],
        created_at=r["created_at"],
        params=r["params"],
        status=r["status"],
        attempts=r["attempts"],
        sent_at=r["sent_at"],
        last_error=r["last_error"],
        next_attempt_at=r["next_attempt_at"],
        claimed_by=r["claimed_by"],
        claimed_until=r["claimed_until"],
        subject=r["subject"],
    )


def inbox_row(i: InboxItem) -> dict[str, Any]:
    """Columns of ``inbox_items``."""
    return {
        "message_id": i.message_id,
        "recipient_id": i.recipient_id,
        "kind": i.kind.value,
        "delivered_at": i.delivered_at,
        "params": dict(i.params),
        "read_at": i.read_at,
    }


def inbox_from(r: Row) -> InboxItem:
    """An :class:`InboxItem` from an ``inbox_items`` row."""
    return InboxItem(
        message_id=MessageId(r["message_id"]),
        recipient_id=MemberId(r["recipient_id"]),
        kind=r["kind"],
        delivered_at=r["delivered_at"],
        params=r["params"],
        read_at=r["read_at"],
    )


def preference_row(p: NotificationPreference) -> dict[str, Any]:
    """Columns of ``notification_preferences``."""
    return {
        "member_id": p.member_id,
        "channel": p.channel,
        "kind": p.kind.value,
        "enabled": p.enabled,
    }


def preference_from(r: Row) -> NotificationPreference:
    """A :class:`NotificationPreference` from a ``notification_preferences`` row."""
    return NotificationPreference(
        member_id=MemberId(r["member_id"]),
        channel=r["channel"],
        kind=r["kind"],
        enabled=bool(r["enabled"]),
    )
