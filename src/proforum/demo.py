"""The story of ``../shared/SCENARIO.md``, replayed through the public API.

:func:`run_story` drives a forum step by step and reports each step to a
``narrate`` callback; ``proforum demo`` renders those steps with rich.  The
story only uses what any host application can use: :func:`proforum.open` and
the methods of :class:`proforum.Forum`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from proforum.domain.common import MeetupId, MemberId
from proforum.domain.community import Role
from proforum.domain.lottery import Constraints
from proforum.domain.meetup import ApplicationState, MeetupFormat
from proforum.domain.survey import BandResult, Breakdown, Question, SurveyResult
from proforum.errors import ContentRejected, LinkNotGranted, ProforumError
from proforum.i18n import format_time
from proforum.ports.clock import ManualClock
from proforum.services.attendance import AttendanceReport
from proforum.services.forum import Forum
from proforum.survey_report import SurveyReport

SEOUL = ZoneInfo("Asia/Seoul")
MEETUP_TITLE = "리멤버에서 퍼포먼스 마케터끼리 만나요!"
MEETUP_TOPIC = "퍼포먼스 마케팅, 나는 이렇게 망해봤다!"
SEATS = 20
MEMBERS = 44
#: At most this many selected from one employer.
COMPANY_CAP = 3

_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
_GIVEN = (
    "민준",
    "서연",
    "지훈",
    "하은",
    "도윤",
    "수아",
    "예준",
    "지우",
    "시우",
    "서윤",
    "주원",
    "하린",
    "지호",
    "채원",
    "준서",
    "유나",
    "건우",
    "다은",
    "현우",
    "소율",
)
_NICKNAMES = (
    "퍼포먼스장인",
    "ROAS요정",
    "그로스해커K",
    "CPA사냥꾼",
    "전환율지킴이",
    "광고비절약왕",
    "메타광고러",
    "구글애즈덕후",
    "리타겟팅고수",
    "A/B테스트중독",
    "퍼널설계자",
    "데이터마케터J",
    "브랜딩과퍼포사이",
    "새벽세팅러",
    "카피한줄",
    "대시보드수집가",
)
_COMPANIES = (
    "리멤버앤컴퍼니",
    "한빛커머스",
    "푸른핀테크",
    "오름게임즈",
    "다온뷰티",
    "새봄여행",
    "모아에듀",
    "바른헬스케어",
    "초록리테일",
    "누리미디어",
)
# Ratings the attendees give, chosen so the story's "about 4 of 5" comes out honestly
# from individual answers rather than from a number written into the code.
_RATING_PATTERN = (5, 4, 4, 3, 4, 5, 4, 4, 3, 4)
# Whether they would join an offline follow-up: most would, so the story's step 8 follows.
_OFFLINE_PATTERN = (True, True, False, True, True, True, True, False, True, True)
#: The questions of the story's survey.
SATISFACTION = "satisfaction"
OFFLINE = "offline_follow_up"


def _pick(seed: str, label: str, n: int) -> int:
    digest = hashlib.sha256(f"{seed}:{label}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % n


@attrs.frozen
class Step:
    """One narrated step of the story."""

    key: str
    params: dict[str, Any]


@attrs.frozen
class StoryResult:
    """What happened, for tests and for ``--out``."""

    community_id: str
    meetup_id: MeetupId
    follow_up_id: MeetupId
    members: int
    applicants: int
    selected: tuple[MemberId, ...]
    waitlist: tuple[MemberId, ...]
    link_recipients: tuple[MemberId, ...]
    attendance: AttendanceReport
    survey: SurveyResult
    #: The survey's result with its questions: what ``survey.json`` holds.
    survey_report: SurveyReport
    #: The host, who organised the meetup and its survey.
    host_id: MemberId
    draw_record: dict[str, Any]
    draw_valid: bool


def story_start() -> datetime:
    """When the story begins: ten days before the meetup, at 10:00 in Seoul."""
    return datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)


def run_story(
    forum: Forum,
    clock: ManualClock,
    *,
    seed: str,
    narrate: Callable[[Step], None],
) -> StoryResult:
    """Replay the meetup story on ``forum``; ``clock`` is moved as the days pass.

    The lottery's seed comes from the forum's seed source: open the forum with
    :class:`~proforum.ports.clock.ReplayableSeeds` to replay the same draw.
    """

    def say(key: str, **params: Any) -> None:
        narrate(Step(key, params))

    # -- the community ------------------------------------------------------
    operator = forum.register_member(
        real_name="김운영",
        job_function="marketing-pr",
        company="리멤버앤컴퍼니",
        years_of_experience=9,
    )
    host = forum.register_member(
        real_name="박성과",
        job_function="marketing-pr",
        company="리멤버앤컴퍼니",
        years_of_experience=8,
    )
    community = forum.create_community(
        operator.id,
        slug="marketing-pr",
        name="마케팅/PR",
        job_function="marketing-pr",
        rules="실명 또는 고정 닉네임으로 일 이야기를 나눕니다. 고발성 글과 개인정보 노출은 금지합니다.",
    )
    forum.join_community(host.id, community.id)
    forum.assign_role(operator.id, community.id, host.id, Role.HOST)
    members = []
    for i in range(MEMBERS):
        kwargs: dict[str, Any]
        if i % 3 == 2:
            kwargs = {"nickname": f"{_NICKNAMES[i % len(_NICKNAMES)]}{i // len(_NICKNAMES) or ''}"}
        else:
            kwargs = {
                "real_name": _SURNAMES[_pick(seed, f"s{i}", len(_SURNAMES))]
                + _GIVEN[_pick(seed, f"g{i}", len(_GIVEN))]
            }
        member = forum.register_member(
            job_function="marketing-pr",
            company=_COMPANIES[_pick(seed, f"c{i}", len(_COMPANIES))],
            years_of_experience=1 + _pick(seed, f"y{i}", 12),
            **kwargs,
        )
        forum.join_community(member.id, community.id)
        members.append(member)
    say(
        "community",
        name=community.name,
        members=len(members) + 2,
        real=sum(1 for m in members if m.identity.kind == "real_name"),
        nick=sum(1 for m in members if m.identity.kind == "nickname"),
    )

    # -- work talk, not exposés ---------------------------------------------
    post = forum.publish_post(
        members[0].id,
        community.id,
        title="신규 캠페인 ROAS가 첫 주에 반토막 났던 이야기",
        body="타기팅을 너무 좁게 잡았던 게 원인이었습니다. 다들 초기 학습 기간 어떻게 버티시나요?",
    )
    forum.comment(members[1].id, post.id, "저는 첫 주엔 예산을 나눠서 소재 테스트부터 합니다.")
    try:
        forum.publish_post(
            members[2].id,
            community.id,
            title="OO회사 팀장 연락처 공개합니다",
            body="이 사람 010-1234-5678 로 항의하세요.",
        )
    except ContentRejected as exc:
        say("post_rejected", code=exc.code, reason_ko=exc.message_ko, reason_en=exc.message_en)
    say("post", author=members[0].display_name, title=post.title)

    # -- 1. announce ---------------------------------------------------------
    starts = datetime(2026, 12, 10, 19, 0, tzinfo=SEOUL)
    meetup = forum.create_meetup(
        host.id,
        community.id,
        title=MEETUP_TITLE,
        topic=MEETUP_TOPIC,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=SEATS,
        applications_open_at=story_start(),
        applications_close_at=datetime(2026, 12, 7, 23, 59, tzinfo=SEOUL),
        format=MeetupFormat.ONLINE,
        # At most three people from one employer, so one company cannot fill the room.
        lottery=Constraints(company_cap=COMPANY_CAP),
    )
    meetup = forum.announce_meetup(host.id, meetup.id)
    say(
        "announce",
        title=meetup.title,
        topic=meetup.topic,
        starts=meetup.starts_at,
        capacity=meetup.capacity,
        tz=meetup.time_zone,
    )

    # -- 2. apply ------------------------------------------------------------
    applicants = [m for i, m in enumerate(members) if _pick(seed, f"apply{i}", 10) < 9]
    for n, member in enumerate(applicants):
        clock.set(story_start() + timedelta(hours=2 + n * 3))
        forum.apply(member.id, meetup.id)
    try:
        forum.apply(applicants[0].id, meetup.id)
    except ProforumError as exc:
        say("apply_twice", code=exc.code)
    say("applied", applicants=len(applicants), members=len(members))

    # -- 3. draw -------------------------------------------------------------
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=SEOUL))
    commitment = forum.close_applications(host.id, meetup.id)
    say(
        "commitment",
        digest=commitment.digest,
        applicants=len(commitment.applicants),
        seats=commitment.seats,
    )
    clock.advance(timedelta(hours=1))
    draw = forum.draw(host.id, meetup.id)
    say("draw", selected=len(draw.selected), waitlist=len(draw.waitlist), seed=draw.seed_hex)

    # -- 4. link -------------------------------------------------------------
    join_url = "https://zoom.us/j/" + str(8_000_000_000 + _pick(seed, "zoom", 999_999_999))
    forum.set_meeting(host.id, meetup.id, provider="manual", options={"join_url": join_url})
    clock.advance(timedelta(hours=2))
    decliner = draw.selected[_pick(seed, "decline", SEATS)]
    forum.decline(decliner, meetup.id)
    for member_id in draw.selected:
        if member_id != decliner:
            forum.confirm(member_id, meetup.id)
    # The freed seat is offered to the first on the waitlist the cap allows.
    offered = [
        a.member_id
        for a in forum.applications(host.id, meetup.id)
        if a.state is ApplicationState.OFFERED
    ]
    clock.advance(timedelta(hours=3))
    for member_id in offered:
        forum.confirm(member_id, meetup.id)
    say("declined", promoted=len(offered) == 1)
    forum.send_meeting_links(host.id, meetup.id)
    link_recipients = tuple(m.recipient_id for m in forum.outbox() if m.kind == "meeting_link")
    try:
        forum.meeting_link(draw.waitlist[-1], meetup.id)
    except LinkNotGranted as exc:
        say("link_refused", code=exc.code)
    say("links", sent=len(link_recipients))

    # -- 5. D-day ------------------------------------------------------------
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=SEOUL))
    reminded = forum.send_reminders(host.id, meetup.id)
    say("reminder", sent=reminded)
    clock.set(starts - timedelta(minutes=5))
    seat_holders = [
        a.member_id
        for a in forum.applications(host.id, meetup.id)
        if a.state in (ApplicationState.SELECTED, ApplicationState.CONFIRMED)
    ]
    no_show_count = 1 + _pick(seed, "noshows", 3)
    skip = {seat_holders[_pick(seed, f"ns{k}", len(seat_holders))] for k in range(no_show_count)}
    for member_id in seat_holders:
        if member_id not in skip:
            forum.check_in(member_id, meetup.id)

    # -- 6. run: the talk goes on past the planned end -----------------------
    clock.set(starts + timedelta(hours=2, minutes=40))
    report = forum.end_meetup(host.id, meetup.id)
    say(
        "ended",
        attended=len(report.attended),
        no_shows=len(report.no_shows),
        rate=round(report.show_rate * 100),
    )

    # -- 7. feedback ---------------------------------------------------------
    survey = forum.create_survey(
        host.id,
        meetup.id,
        title="모임 만족도 익명 설문",
        questions=[
            Question.rating(
                SATISFACTION,
                "오늘 모임은 얼마나 만족스러우셨나요?",
                "How satisfied were you with today's meetup?",
            ),
            Question.yes_no(
                OFFLINE,
                "오프라인 후속 모임에 참여하시겠어요?",
                "Would you join an offline follow-up meetup?",
            ),
        ],
        closes_at=starts + timedelta(days=3),
        breakdown=Breakdown.EXPERIENCE,
    )
    say("survey_opened", invited=len(report.attended), questions=len(survey.questions))
    early = len(report.attended) * 2 // 3
    for n, member_id in enumerate(report.attended):
        if n == early:
            # The next morning: a reminder to those who have not answered, by count only.
            clock.set(starts + timedelta(days=1))
            say("survey_reminder", sent=forum.send_survey_reminders(host.id, survey.id))
        clock.advance(timedelta(minutes=3))
        forum.answer_survey(
            member_id,
            survey.id,
            {
                SATISFACTION: _RATING_PATTERN[n % len(_RATING_PATTERN)],
                OFFLINE: _OFFLINE_PATTERN[n % len(_OFFLINE_PATTERN)],
            },
        )
    clock.set(starts + timedelta(days=3, hours=1))
    result = forum.close_survey(host.id, survey.id)
    satisfaction, offline_answers = result.question(SATISFACTION), result.question(OFFLINE)
    interval = satisfaction.confidence_interval
    say(
        "survey",
        responses=result.responses,
        rate=None if result.response_rate is None else round(result.response_rate * 100),
        mean=satisfaction.mean,
        low=None if interval is None else f"{interval[0]:.2f}",
        high=None if interval is None else f"{interval[1]:.2f}",
        distribution=satisfaction.distribution,
    )
    say(
        "survey_offline",
        yes=None if offline_answers.choices is None else offline_answers.choices["yes"],
        no=None if offline_answers.choices is None else offline_answers.choices["no"],
    )
    say("survey_bands", bands=result.bands, k=result.min_responses)

    # -- 8. follow-up --------------------------------------------------------
    # Those who said so in the survey ask to continue offline (the survey is
    # anonymous, so they say it again under their name), and two of them agree
    # to swap contact details.
    wanting = [
        m for n, m in enumerate(report.attended) if _OFFLINE_PATTERN[n % len(_OFFLINE_PATTERN)]
    ]
    for member_id in wanting:
        forum.want_follow_up(member_id, meetup.id)
    first, second = wanting[0], wanting[1]
    forum.share_contact(first, meetup.id, second)
    forum.share_contact(second, meetup.id, first)
    shared = forum.shared_contacts(first, meetup.id)
    say("contacts", asked=len(wanting), shared=len(shared))
    offline = datetime(2027, 1, 14, 19, 30, tzinfo=SEOUL)
    follow_up = forum.propose_follow_up(
        host.id,
        meetup.id,
        title="퍼포먼스 마케터 오프라인 모임",
        topic="온라인 모임에서 못다 한 실패담, 오프라인에서 이어갑니다",
        starts_at=offline,
        ends_at=offline + timedelta(hours=2, minutes=30),
        capacity=SEATS,
        applications_open_at=clock.now(),
        applications_close_at=offline - timedelta(days=5),
        venue="서울 중구 리멤버 라운지",
    )
    follow_up_offers = sum(
        1 for a in forum.applications(host.id, follow_up.id) if a.state is ApplicationState.OFFERED
    )
    say(
        "follow_up",
        title=follow_up.title,
        starts=follow_up.starts_at,
        venue=follow_up.venue,
        tz=follow_up.time_zone,
        offers=follow_up_offers,
    )

    record = forum.draw_record(host.id, meetup.id)
    from proforum.domain.lottery import verify_record

    valid = verify_record(record).valid
    say("verified", valid=valid)
    return StoryResult(
        community_id=community.id,
        meetup_id=meetup.id,
        follow_up_id=follow_up.id,
        members=len(members) + 2,
        applicants=len(applicants),
        selected=draw.selected,
        waitlist=draw.waitlist,
        link_recipients=link_recipients,
        attendance=report,
        survey=result,
        survey_report=SurveyReport(forum.survey(host.id, result.survey_id), result),
        host_id=host.id,
        draw_record=record,
        draw_valid=valid,
    )


# --------------------------------------------------------------------------- narration text

NARRATION: dict[str, dict[str, str]] = {
    "community": {
        "ko": "커뮤니티 '{name}' 개설: 회원 {members}명 (실명 {real}명, 고정 닉네임 {nick}명, 운영자와 사회자 포함)",
        "en": "Community '{name}' opened: {members} members ({real} real names, {nick} fixed nicknames, plus the operator and the host)",
    },
    "post": {
        "ko": "{author} 님의 글 게시: 「{title}」",
        "en": "{author} published: “{title}”",
    },
    "post_rejected": {
        "ko": "개인정보를 드러낸 고발성 글은 게시 거부됨 ({code}): {reason_ko}",
        "en": "An accusing post exposing personal data was refused ({code}): {reason_en}",
    },
    "announce": {
        "ko": "1. 모임 공지: 「{title}」 — 주제 「{topic}」, {starts_local}, 정원 {capacity}명 추첨",
        "en": "1. Meetup announced: “{title}” — topic “{topic}”, {starts_local}, {capacity} seats by lottery",
    },
    "apply_twice": {
        "ko": "   같은 사람의 중복 신청은 거부됨 ({code})",
        "en": "   A second application by the same person was refused ({code})",
    },
    "applied": {
        "ko": "2. 참가 신청: 회원 {members}명 중 {applicants}명 신청",
        "en": "2. Applications: {applicants} of {members} members applied",
    },
    "commitment": {
        "ko": "3. 신청 마감 및 추첨 약정 공개: {digest} (신청자 {applicants}명, 좌석 {seats}석)",
        "en": "3. Applications closed, lottery commitment published: {digest} ({applicants} applicants, {seats} seats)",
    },
    "draw": {
        "ko": "   추첨 완료: {selected}명 당첨, 대기 {waitlist}명 (공개된 시드 {seed_short}…)",
        "en": "   Draw done: {selected} selected, {waitlist} on the waitlist (revealed seed {seed_short}…)",
    },
    "declined": {
        "ko": "   당첨자 1명이 참석을 취소 → 대기자에게 기한부 자리 제안, 확정: {promoted_text}",
        "en": "   One selected member declined → the seat was offered to the waitlist and confirmed: {promoted_text}",
    },
    "link_refused": {
        "ko": "   당첨되지 않은 회원의 링크 요청은 거부됨 ({code})",
        "en": "   A member without a seat asking for the link was refused ({code})",
    },
    "links": {
        "ko": "4. ZOOM 링크를 선정된 {sent}명에게만 발송",
        "en": "4. The ZOOM link went to the {sent} selected participants only",
    },
    "reminder": {
        "ko": "5. 당일 오전 리마인더 {sent}건 발송",
        "en": "5. {sent} reminders sent on the morning of the day",
    },
    "ended": {
        "ko": "6. 오후 7시 모임 진행, 예정보다 늦게 종료: 참석 {attended}명, 노쇼 {no_shows}명 (참석률 {rate}%)",
        "en": "6. The 7 PM meetup ran past its planned end: {attended} attended, {no_shows} no-shows ({rate}% turnout)",
    },
    "survey_opened": {
        "ko": "7. 익명 설문 발송: 참석자 {invited}명에게 질문 {questions}개 (만족도 1-5점, 오프라인 후속 모임 참여 의향)",
        "en": "7. Anonymous survey sent to the {invited} attendees: {questions} questions (satisfaction from 1 to 5, joining an offline follow-up)",
    },
    "survey_reminder": {
        "ko": "   다음 날 설문 리마인더: 아직 답하지 않은 {sent}명에게 발송 (사회자는 인원수만 알 수 있음)",
        "en": "   Next day, a survey reminder to the {sent} who have not answered (the host learns only the number)",
    },
    "survey": {
        "ko": "   설문 결과: 응답 {responses}건 (응답률 {rate}%), 만족도 평균 {mean} / 5점 (95% 신뢰구간 {low}–{high}, 분포 {distribution})",
        "en": "   Survey result: {responses} responses ({rate}% response rate), satisfaction {mean} of 5 (95% CI {low}–{high}, distribution {distribution})",
    },
    "survey_offline": {
        "ko": "   오프라인 후속 모임에 참여하겠다: 예 {yes}명, 아니오 {no}명",
        "en": "   Would join an offline follow-up: yes {yes}, no {no}",
    },
    "survey_bands": {
        "ko": "   경력별 만족도: {bands_text}",
        "en": "   Satisfaction by experience: {bands_text}",
    },
    "contacts": {
        "ko": "   {asked}명이 오프라인으로 이어가고 싶다고 밝힘; 서로 동의한 {shared}쌍만 연락처 공유",
        "en": "   {asked} asked to continue offline; contacts shared only where both agreed ({shared} pair)",
    },
    "follow_up": {
        "ko": "8. 오프라인 후속 모임 제안: 「{title}」, {starts_local}, {venue} — 원한 {offers}명에게 먼저 자리 제안",
        "en": "8. Offline follow-up proposed: “{title}”, {starts_local}, {venue} — seats offered first to the {offers} who asked",
    },
    "verified": {
        "ko": "추첨 기록 검증 (데이터베이스 없이 재계산): {valid_text}",
        "en": "Draw record verified (recomputed without the database): {valid_text}",
    },
}


def narrate_text(step: Step, lang: str) -> str:
    """Return the sentence for ``step`` in ``lang`` (``"ko"`` or ``"en"``)."""
    params = dict(step.params)
    if "starts" in params:
        params["starts_local"] = format_time(
            params["starts"], params.get("tz", "Asia/Seoul"), "ko" if lang == "ko" else "en"
        )
    if "seed" in params:
        params["seed_short"] = params["seed"][:16]
    yes, no = ("예", "아니오") if lang == "ko" else ("yes", "no")
    if "promoted" in params:
        params["promoted_text"] = yes if params["promoted"] else no
    if "valid" in params:
        params["valid_text"] = (
            ("유효함" if lang == "ko" else "valid")
            if params["valid"]
            else ("불일치" if lang == "ko" else "INVALID")
        )
    for name in ("mean", "low", "high", "rate", "yes", "no"):
        if name in params and params[name] is None:
            params[name] = "-"
    if "bands" in params:
        params["bands_text"] = _bands_text(params["bands"], params["k"], lang)
    return NARRATION[step.key]["ko" if lang == "ko" else "en"].format(**params)


def _bands_text(bands: Sequence[BandResult], k: int, lang: str) -> str:
    """One experience band after another: its mean, or why it is hidden."""
    parts = []
    for band in bands:
        label = band.band.label_ko if lang == "ko" else band.band.label_en
        first = band.questions[0]
        if first.mean is not None:
            people = f"{band.respondents}명" if lang == "ko" else f"{band.respondents} people"
            parts.append(f"{label} {first.mean} ({people})")
        elif first.hidden is not None:
            parts.append(f"{label} ({first.hidden.message('ko' if lang == 'ko' else 'en', k)})")
    return "; ".join(parts)


def _offline_yes(result: SurveyResult) -> str:
    """How many of those who answered would join the offline follow-up, as ``14/18``."""
    offline = result.question(OFFLINE)
    if offline.choices is None or offline.answered is None:
        return "-"
    return f"{offline.choices['yes']}/{offline.answered}"


def summary_rows(result: StoryResult) -> Sequence[tuple[str, str]]:
    """Key figures of a finished story, for the closing table."""
    return (
        ("members", str(result.members)),
        ("applicants", str(result.applicants)),
        ("selected", str(len(result.selected))),
        ("waitlist", str(len(result.waitlist))),
        ("links", str(len(result.link_recipients))),
        ("attended", str(len(result.attendance.attended))),
        ("no_shows", str(len(result.attendance.no_shows))),
        ("survey_mean", "-" if result.survey.mean is None else f"{result.survey.mean:.2f}"),
        ("survey_offline_yes", _offline_yes(result.survey)),
        ("draw_valid", "yes" if result.draw_valid else "no"),
    )
