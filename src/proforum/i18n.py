"""Korean and English text for everything a member reads: messages and times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from proforum.domain.notification import Message, MessageKind
from proforum.errors import Lang
from proforum.ports.notifier import RenderedMessage

_WEEKDAYS_KO = "월화수목금토일"

# Each template is (subject, body).  Bodies may use any parameter the use case
# stored on the message; ``{starts}`` is rendered from ``starts_at`` in the
# recipient's time zone.
TEMPLATES: Mapping[MessageKind, Mapping[Lang, tuple[str, str]]] = {
    MessageKind.MEETUP_ANNOUNCED: {
        "ko": (
            "[모임 안내] {meetup_title}",
            "{community_name} 커뮤니티에서 모임을 엽니다: {meetup_title}\n"
            "주제: {topic}\n일시: {starts}\n정원: {capacity}명 (추첨)\n"
            "신청 마감: {closes}",
        ),
        "en": (
            "[Meetup] {meetup_title}",
            "The {community_name} community is holding a meetup: {meetup_title}\n"
            "Topic: {topic}\nWhen: {starts}\nSeats: {capacity} (by lottery)\n"
            "Applications close: {closes}",
        ),
    },
    MessageKind.APPLICATION_RECEIVED: {
        "ko": (
            "[신청 완료] {meetup_title}",
            "참가 신청이 접수되었습니다. 추첨 결과는 알림으로 알려 드립니다.",
        ),
        "en": (
            "[Applied] {meetup_title}",
            "Your application was received. You will be told the result of the lottery.",
        ),
    },
    MessageKind.LOTTERY_COMMITTED: {
        "ko": (
            "[추첨 예정] {meetup_title}",
            "신청이 마감되었습니다. 신청자 {applicants}명 중 {seats}명을 추첨합니다.\n"
            "추첨 약정값(커밋먼트): {commitment}\n추첨 뒤 공개되는 기록으로 누구나 결과를 검증할 수 있습니다.",
        ),
        "en": (
            "[Lottery] {meetup_title}",
            "Applications are closed. {seats} of {applicants} applicants will be drawn.\n"
            "Commitment: {commitment}\nAnyone can check the result with the record "
            "published after the draw.",
        ),
    },
    MessageKind.SELECTED: {
        "ko": (
            "[당첨] {meetup_title}",
            "축하합니다! 추첨에 당첨되었습니다. 일시: {starts}\n참석 여부를 확인해 주세요.",
        ),
        "en": (
            "[Selected] {meetup_title}",
            "Congratulations, you were drawn! When: {starts}\nPlease confirm you will come.",
        ),
    },
    MessageKind.WAITLISTED: {
        "ko": (
            "[대기] {meetup_title}",
            "아쉽게도 이번에는 당첨되지 않았습니다. 대기 순번 {position}번입니다. 자리가 나면 알려 드립니다.",
        ),
        "en": (
            "[Waitlist] {meetup_title}",
            "You were not drawn this time. You are number {position} on the waitlist; "
            "we will tell you if a seat frees up.",
        ),
    },
    MessageKind.PROMOTED: {
        "ko": (
            "[자리 확보] {meetup_title}",
            "대기 중이던 모임에 자리가 생겼습니다! 일시: {starts}",
        ),
        "en": (
            "[Seat available] {meetup_title}",
            "A seat freed up and it is yours! When: {starts}",
        ),
    },
    MessageKind.MEETING_LINK: {
        "ko": (
            "[참가 링크] {meetup_title}",
            "{starts}에 아래 링크로 입장해 주세요.\n{link}\n링크는 본인만 사용해 주세요.",
        ),
        "en": (
            "[Your link] {meetup_title}",
            "Join at {starts} with this link:\n{link}\nPlease do not share it.",
        ),
    },
    MessageKind.REMINDER: {
        "ko": (
            "[리마인더] {meetup_title}",
            "모임이 곧 시작합니다: {starts}. 참석이 어려우면 미리 취소해 다른 분께 자리를 양보해 주세요.",
        ),
        "en": (
            "[Reminder] {meetup_title}",
            "The meetup starts soon: {starts}. If you cannot come, please decline so "
            "someone on the waitlist can take your seat.",
        ),
    },
    MessageKind.SURVEY_INVITATION: {
        "ko": (
            "[{survey_kind} 설문] {survey_title}",
            "{survey_thanks}설문에 답해 주세요. {survey_privacy}\n마감: {closes}",
        ),
        "en": (
            "[{survey_kind} survey] {survey_title}",
            "{survey_thanks}Please answer the survey. {survey_privacy}\nCloses: {closes}",
        ),
    },
    MessageKind.SURVEY_REMINDER: {
        "ko": (
            "[설문 리마인더] {survey_title}",
            "아직 답하지 않으셨다면 마감 전에 설문에 답해 주세요. {survey_privacy}\n마감: {closes}",
        ),
        "en": (
            "[Survey reminder] {survey_title}",
            "If you have not answered yet, please answer the survey before it closes. "
            "{survey_privacy}\nCloses: {closes}",
        ),
    },
    MessageKind.FOLLOW_UP_PROPOSED: {
        "ko": (
            "[후속 모임 제안] {meetup_title}",
            "오프라인 후속 모임이 제안되었습니다: {meetup_title}\n일시: {starts}\n장소: {venue}",
        ),
        "en": (
            "[Follow-up] {meetup_title}",
            "An offline follow-up was proposed: {meetup_title}\nWhen: {starts}\nWhere: {venue}",
        ),
    },
    MessageKind.MEETUP_CANCELLED: {
        "ko": ("[모임 취소] {meetup_title}", "모임이 취소되었습니다."),
        "en": ("[Cancelled] {meetup_title}", "The meetup has been cancelled."),
    },
}


def format_time(when: datetime, time_zone: str, lang: Lang) -> str:
    """Show ``when`` in ``time_zone`` the way a reader of ``lang`` expects."""
    local = when.astimezone(ZoneInfo(time_zone))
    if lang == "ko":
        half = "오전" if local.hour < 12 else "오후"
        hour = local.hour % 12 or 12
        weekday = _WEEKDAYS_KO[local.weekday()]
        return f"{local.year}년 {local.month}월 {local.day}일 ({weekday}) {half} {hour}시" + (
            f" {local.minute}분" if local.minute else ""
        )
    hour12 = local.hour % 12 or 12
    ampm = "AM" if local.hour < 12 else "PM"
    return f"{local:%a} {local.day} {local:%b %Y}, {hour12}:{local:%M} {ampm} ({time_zone})"


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "-"


def _survey_texts(params: Mapping[str, str], lang: Lang) -> dict[str, str]:
    """How a survey message tells its kind (``anonymous``) and thanks attendees (``audience``)."""
    anonymous = params.get("anonymous") == "yes"
    meetup = params.get("audience") == "attendees"
    if lang == "ko":
        return {
            "survey_kind": "익명" if anonymous else "기명",
            "survey_thanks": "참석해 주셔서 감사합니다. " if meetup else "",
            "survey_privacy": (
                "익명 설문입니다: 응답은 누가 했는지와 연결되지 않습니다."
                if anonymous
                else "기명 설문입니다: 응답과 함께 누가 답했는지 기록됩니다."
            ),
        }
    return {
        "survey_kind": "Anonymous" if anonymous else "Identified",
        "survey_thanks": "Thank you for coming. " if meetup else "",
        "survey_privacy": (
            "It is anonymous: answers are not linked to who gave them."
            if anonymous
            else "It is identified: who answered is recorded with the answers."
        ),
    }


def render(message: Message, lang: Lang, time_zone: str) -> RenderedMessage:
    """Render ``message`` in ``lang``, showing times in ``time_zone``."""
    params = _Params(message.params)
    for name in ("starts", "closes"):
        raw = message.params.get(f"{name}_at")
        if raw:
            params[name] = format_time(datetime.fromisoformat(raw), time_zone, lang)
    if message.kind in (MessageKind.SURVEY_INVITATION, MessageKind.SURVEY_REMINDER):
        params.update(_survey_texts(message.params, lang))
    subject, body = TEMPLATES[message.kind][lang]
    return RenderedMessage(
        lang=lang, subject=subject.format_map(params), body=body.format_map(params)
    )
