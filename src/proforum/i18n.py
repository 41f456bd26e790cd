"""Korean and English text for everything a member reads: messages and times.

Every :class:`~proforum.domain.notification.MessageKind` has a subject and a
body in each language of :data:`LANGS` (:data:`TEMPLATES`).  A template reads
the parameters the use case stored on the message (:data:`REQUIRED_PARAMS`
lists what each kind needs) and a few derived ones:

- ``{starts}``, ``{offer_expires}``, ... : the ``starts_at``,
  ``offer_expires_at``, ... parameter (an ISO 8601 UTC timestamp) shown by
  :func:`format_time` in the recipient's time zone and language;
- ``{survey_kind}``, ``{survey_thanks}``, ``{survey_privacy}`` in survey messages.

:func:`check_templates` finds a malformed template before a member would;
the test suite runs it on :data:`TEMPLATES`.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import get_args
from zoneinfo import ZoneInfo

from proforum.domain.common import MemberId, MessageId
from proforum.domain.notification import Message, MessageKind
from proforum.errors import Lang
from proforum.ports.notifier import RenderedMessage

log = logging.getLogger("proforum")

#: Every language a member can read messages in; each template exists in all of them.
LANGS: tuple[Lang, ...] = get_args(Lang)

_WEEKDAYS_KO = "월화수목금토일"

#: The parameters each kind of message needs, as use cases pass them to
#: ``tx.notify(member_id, kind, **params)``.  Times are ISO 8601 UTC timestamps
#: named ``*_at``; a template shows them without the suffix (``{starts}``).
#: Use cases may pass more (``meetup_params`` adds ``meetup_id``, ``venue``...),
#: which templates may not rely on.  For the kinds still waiting for their use
#: cases:
#:
#: - ``OFFER_MADE``: a waitlisted member is offered a freed seat and must
#:   confirm before ``offer_expires_at``, or it goes to the next in line;
#: - ``OFFER_EXPIRING``: a reminder that the offer runs out at ``offer_expires_at``;
#: - ``MEETUP_RESCHEDULED``: the meetup moved from ``previous_starts_at`` to ``starts_at``;
#: - ``VERIFICATION_CODE``: a one-time ``code`` (verifying an email address or an
#:   employer) valid until ``expires_at``.  The code is a secret: see
#:   :data:`SECRET_PARAMS`.
REQUIRED_PARAMS: Mapping[MessageKind, frozenset[str]] = {
    MessageKind.MEETUP_ANNOUNCED: frozenset(
        {"meetup_title", "community_name", "topic", "starts_at", "capacity", "closes_at"}
    ),
    MessageKind.APPLICATION_RECEIVED: frozenset({"meetup_title"}),
    MessageKind.LOTTERY_COMMITTED: frozenset({"meetup_title", "applicants", "seats", "commitment"}),
    MessageKind.SELECTED: frozenset({"meetup_title", "starts_at"}),
    MessageKind.WAITLISTED: frozenset({"meetup_title", "position"}),
    MessageKind.PROMOTED: frozenset({"meetup_title", "starts_at"}),
    MessageKind.OFFER_MADE: frozenset({"meetup_title", "starts_at", "offer_expires_at"}),
    MessageKind.OFFER_EXPIRING: frozenset({"meetup_title", "starts_at", "offer_expires_at"}),
    MessageKind.SEAT_EXPIRED: frozenset({"meetup_title", "starts_at"}),
    MessageKind.MEETING_LINK: frozenset({"meetup_title", "starts_at", "link"}),
    MessageKind.REMINDER: frozenset({"meetup_title", "starts_at"}),
    # ``anonymous`` and ``audience`` are not shown as they are but decide what
    # the message promises about privacy: without them it would default to
    # "identified", so they are required like the rest.
    MessageKind.SURVEY_INVITATION: frozenset(
        {"survey_title", "anonymous", "audience", "closes_at"}
    ),
    MessageKind.SURVEY_REMINDER: frozenset({"survey_title", "anonymous", "audience", "closes_at"}),
    MessageKind.FOLLOW_UP_PROPOSED: frozenset({"meetup_title", "starts_at", "venue"}),
    MessageKind.MEETUP_RESCHEDULED: frozenset({"meetup_title", "previous_starts_at", "starts_at"}),
    MessageKind.MEETUP_CANCELLED: frozenset({"meetup_title"}),
    MessageKind.VERIFICATION_CODE: frozenset({"code", "expires_at"}),
    MessageKind.JOIN_APPROVED: frozenset({"community_name"}),
    MessageKind.JOIN_REFUSED: frozenset({"community_name"}),
    # ``excerpt`` is the start of the author's own title or comment, so they
    # know which one is meant; moderation messages go to the author only.
    MessageKind.CONTENT_HELD: frozenset({"community_name", "excerpt"}),
    MessageKind.CONTENT_APPROVED: frozenset({"community_name", "excerpt"}),
    MessageKind.CONTENT_REMOVED: frozenset({"community_name", "excerpt", "reason"}),
    MessageKind.CONTENT_HIDDEN: frozenset({"community_name", "excerpt"}),
    MessageKind.CONTENT_RESTORED: frozenset({"community_name", "excerpt"}),
}

#: Parameters that let whoever reads them act as the member: a template may
#: show them in the body only.  Subjects travel further than bodies: they are
#: in mail headers, lock-screen previews, ``repr(RenderedMessage)`` and so in logs.
SECRET_PARAMS: frozenset[str] = frozenset({"code", "link"})

#: Each template is ``(subject, body)``; see the module docstring for the fields.
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
    MessageKind.OFFER_MADE: {
        "ko": (
            "[자리 제안] {meetup_title}",
            "대기 중이신 모임에 자리가 생겨 안내해 드립니다.\n일시: {starts}\n"
            "확정 기한: {offer_expires}\n"
            "기한 안에 참석을 확정해 주셔야 자리가 배정되며, "
            "기한이 지나면 다음 대기자에게 자리가 넘어갑니다.",
        ),
        "en": (
            "[Seat offered] {meetup_title}",
            "A seat has freed up at a meetup you are waitlisted for.\nWhen: {starts}\n"
            "Confirm by: {offer_expires}\n"
            "The seat is yours once you confirm; after the deadline it goes to the next "
            "person on the waitlist.",
        ),
    },
    MessageKind.OFFER_EXPIRING: {
        "ko": (
            "[확정 기한 임박] {meetup_title}",
            "제안해 드린 자리의 참석 확정 기한이 곧 끝납니다.\n확정 기한: {offer_expires}\n"
            "일시: {starts}\n참석하시려면 기한 전에 확정해 주세요. "
            "확정하지 않으시면 자리가 다음 대기자에게 넘어갑니다.",
        ),
        "en": (
            "[Offer expiring] {meetup_title}",
            "The seat offered to you is held only a little longer.\n"
            "Confirm by: {offer_expires}\nWhen: {starts}\n"
            "If you want to come, please confirm before then; otherwise the seat goes to the "
            "next person on the waitlist.",
        ),
    },
    MessageKind.SEAT_EXPIRED: {
        "ko": (
            "[자리 만료] {meetup_title}",
            "기한 안에 참석을 확정하지 않으셔서 자리가 다음 대기자에게 넘어갔습니다.\n"
            "일시: {starts}\n다음 모임에서 다시 만나기를 바랍니다.",
        ),
        "en": (
            "[Seat released] {meetup_title}",
            "Your seat was not confirmed in time, so it went to the next person on the "
            "waitlist.\nWhen: {starts}\nWe hope to see you at the next meetup.",
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
    MessageKind.MEETUP_RESCHEDULED: {
        "ko": (
            "[일정 변경] {meetup_title}",
            "모임 일정이 변경되었습니다.\n변경 전: {previous_starts}\n변경 후: {starts}\n"
            "바뀐 일정에 참석하기 어려우시면 미리 취소해 다른 분께 자리를 양보해 주세요.",
        ),
        "en": (
            "[Rescheduled] {meetup_title}",
            "The meetup has been moved.\nWas: {previous_starts}\nNow: {starts}\n"
            "If the new time does not suit you, please cancel so someone else can take your place.",
        ),
    },
    MessageKind.MEETUP_CANCELLED: {
        "ko": ("[모임 취소] {meetup_title}", "모임이 취소되었습니다."),
        "en": ("[Cancelled] {meetup_title}", "The meetup has been cancelled."),
    },
    # The excerpt stays out of subjects: they show on lock screens.
    MessageKind.CONTENT_HELD: {
        "ko": (
            "[검토 중] {community_name}에 올린 글",
            '올리신 글 "{excerpt}"은(는) 운영진이 확인한 뒤 공개됩니다. '
            "그동안에는 회원님과 운영진에게만 보입니다.",
        ),
        "en": (
            "[Awaiting review] Your text in {community_name}",
            'Your text "{excerpt}" will be shown once a moderator has checked it. '
            "Until then only you and the moderators can see it.",
        ),
    },
    MessageKind.CONTENT_APPROVED: {
        "ko": (
            "[공개됨] {community_name}에 올린 글",
            '운영진이 확인을 마쳐 올리신 글 "{excerpt}"이(가) 이제 모든 회원에게 보입니다.',
        ),
        "en": (
            "[Published] Your text in {community_name}",
            'A moderator has checked your text "{excerpt}"; every member can see it now.',
        ),
    },
    MessageKind.CONTENT_REMOVED: {
        "ko": (
            "[게시 중단] {community_name}에 올린 글",
            '운영진이 올리신 글 "{excerpt}"을(를) 내렸습니다.\n사유: {reason}\n'
            "회원님과 운영진에게만 보입니다.",
        ),
        "en": (
            "[Removed] Your text in {community_name}",
            'A moderator removed your text "{excerpt}".\nReason: {reason}\n'
            "Only you and the moderators can see it.",
        ),
    },
    MessageKind.CONTENT_HIDDEN: {
        "ko": (
            "[임시 숨김] {community_name}에 올린 글",
            '여러 회원의 신고로 올리신 글 "{excerpt}"이(가) 운영진이 판단할 때까지 숨겨졌습니다.',
        ),
        "en": (
            "[Hidden for now] Your text in {community_name}",
            'Flags from several members have hidden your text "{excerpt}" '
            "until a moderator decides.",
        ),
    },
    MessageKind.CONTENT_RESTORED: {
        "ko": (
            "[다시 공개됨] {community_name}에 올린 글",
            '운영진이 신고를 검토한 결과 올리신 글 "{excerpt}"은(는) 그대로 둡니다. '
            "모든 회원에게 다시 보입니다.",
        ),
        "en": (
            "[Shown again] Your text in {community_name}",
            'A moderator reviewed the flags and kept your text "{excerpt}"; '
            "every member can see it again.",
        ),
    },
    # The code stays out of the subject (see SECRET_PARAMS) and nothing else
    # is shown with it: the message says only what the code is for and how long
    # it lasts.
    MessageKind.VERIFICATION_CODE: {
        "ko": (
            "[인증번호 안내] 인증을 완료해 주세요",
            "인증번호: {code}\n{expires}까지 입력해 주세요.\n"
            "인증번호는 다른 사람에게 절대 알려 주지 마세요. "
            "본인이 요청하지 않으셨다면 이 메시지는 무시하셔도 됩니다.",
        ),
        "en": (
            "[Verification code] Please complete your verification",
            "Your verification code: {code}\nEnter it by {expires}.\n"
            "Never share this code with anyone. If you did not ask for it, you can ignore "
            "this message.",
        ),
    },
    MessageKind.JOIN_APPROVED: {
        "ko": (
            "[가입 승인] {community_name}",
            "{community_name} 커뮤니티 가입이 승인되었습니다. 이제 글을 읽고 모임에 참여할 수 있습니다.",
        ),
        "en": (
            "[Welcome] {community_name}",
            "Your request to join the {community_name} community was approved. "
            "You can now read its posts and take part in its meetups.",
        ),
    },
    MessageKind.JOIN_REFUSED: {
        "ko": (
            "[가입 거절] {community_name}",
            "죄송합니다. {community_name} 커뮤니티 가입 신청이 받아들여지지 않았습니다.",
        ),
        "en": (
            "[Not approved] {community_name}",
            "Sorry: your request to join the {community_name} community was not approved.",
        ),
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


_TIME_SUFFIX = "_at"

# When check_templates renders a template, and what the time zone test shows:
# 19:00 in Seoul.
_EXAMPLE_TIME = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)

_FORMATTER = string.Formatter()


def _parse_utc(raw: str) -> datetime:
    """Read a ``*_at`` parameter: an ISO 8601 timestamp, taken as UTC if naive."""
    when = datetime.fromisoformat(raw)
    # Stored times are aware UTC; a naive one can only be UTC that lost its
    # offset, and astimezone() would take it as the server's local time.
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


class _Params(dict[str, str]):
    """A message's parameters as a template reads them.

    A field ``x`` that is not a parameter is derived from ``x_at`` the first
    time a template asks for it, as a time in the reader's zone and language.
    One that cannot be derived reads as "-" so that a member still gets the
    rest of the message, and is recorded for :func:`_render` to report.
    """

    def __init__(self, raw: Mapping[str, str], lang: Lang, time_zone: str) -> None:
        super().__init__(raw)
        self.lang: Lang = lang
        self.time_zone = time_zone
        self.missing: set[str] = set()
        self.malformed: set[str] = set()

    def __missing__(self, key: str) -> str:
        time_key = key + _TIME_SUFFIX
        raw = self.get(time_key)
        if raw is None:
            self.missing.add(key)
            return "-"
        try:
            when = _parse_utc(raw)
        except ValueError:
            self.malformed.add(time_key)
            return "-"
        try:
            shown = format_time(when, self.time_zone, self.lang)
        except OverflowError:
            # Within a day of datetime.min or .max the local time may not exist.
            self.malformed.add(time_key)
            return "-"
        self[key] = shown
        return shown


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


_SURVEY_KINDS = frozenset({MessageKind.SURVEY_INVITATION, MessageKind.SURVEY_REMINDER})
# Taken from the function itself so that the two cannot drift apart.
_SURVEY_FIELDS = frozenset(_survey_texts({}, "en"))


def missing_params(kind: MessageKind, params: Mapping[str, str]) -> frozenset[str]:
    """Return the parameters of :data:`REQUIRED_PARAMS` for ``kind`` that ``params`` lacks."""
    return REQUIRED_PARAMS.get(kind, frozenset()) - params.keys()


def render(
    message: Message, lang: Lang, time_zone: str, *, strict: bool = False
) -> RenderedMessage:
    """Render ``message`` in ``lang``, showing times in ``time_zone``.

    A required parameter that is missing, or a time that cannot be read, shows
    as "-" and is logged by name (never by value): the member still gets the
    rest of the message.  With ``strict=True`` (for tests) it raises
    :class:`ValueError` instead.
    """
    return _render(message, lang, time_zone, TEMPLATES, REQUIRED_PARAMS, strict=strict)


def _render(
    message: Message,
    lang: Lang,
    time_zone: str,
    templates: Mapping[MessageKind, Mapping[Lang, tuple[str, str]]],
    required: Mapping[MessageKind, frozenset[str]],
    *,
    strict: bool,
) -> RenderedMessage:
    """Render with the given tables: :func:`check_templates` passes the ones it checks."""
    params = _Params(message.params, lang, time_zone)
    if message.kind in _SURVEY_KINDS:
        params.update(_survey_texts(message.params, lang))
    subject, body = templates[message.kind][lang]
    rendered = RenderedMessage(
        lang=lang, subject=subject.format_map(params), body=body.format_map(params)
    )
    needed = required.get(message.kind, frozenset())
    # A missing ``starts_at`` also leaves ``{starts}`` underived: name it once.
    absent = (needed - message.params.keys()) | {
        name for name in params.missing if name + _TIME_SUFFIX not in needed
    }
    if absent or params.malformed:
        # Names only: a value may be a verification code or a meeting link.
        problem = (
            f"message {message.id} ({message.kind.value}, {lang}): "
            f"missing {sorted(absent)}, unreadable times {sorted(params.malformed)}"
        )
        if strict:
            raise ValueError(problem)
        log.warning("rendered with '-' for %s", problem)
    return rendered


def example_params(
    kind: MessageKind, required: Mapping[MessageKind, frozenset[str]] = REQUIRED_PARAMS
) -> dict[str, str]:
    """Return a value for every parameter ``kind`` requires, to preview or check its templates.

    Times are 2026-12-03 10:00 UTC, the survey switches say "anonymous, for
    attendees", and every other parameter reads as its own name in angle
    brackets (``<meetup_title>``), so that a preview shows where each one goes.
    """
    values: dict[str, str] = {}
    for name in sorted(required.get(kind, frozenset())):
        if name.endswith(_TIME_SUFFIX):
            values[name] = _EXAMPLE_TIME.isoformat()
        elif name == "anonymous":
            values[name] = "yes"
        elif name == "audience":
            values[name] = "attendees"
        else:
            values[name] = f"<{name}>"
    return values


def _allowed_fields(kind: MessageKind, needed: frozenset[str]) -> frozenset[str]:
    """The fields a template of ``kind`` may use: its parameters and what derives from them."""
    times = {name.removesuffix(_TIME_SUFFIX) for name in needed if name.endswith(_TIME_SUFFIX)}
    derived = _SURVEY_FIELDS if kind in _SURVEY_KINDS else frozenset()
    return needed | times | derived


def _template_problems(where: str, template: str, allowed: frozenset[str]) -> list[str]:
    """What is wrong with one subject or body, read with ``string.Formatter().parse``."""
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        return [f"{where}: cannot be parsed ({exc})"]
    problems = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if spec or conversion:
            problems.append(f"{where}: {{{field}}} has a conversion or format spec")
        if not field.isidentifier():
            # Positional ("{}", "{0}"), attribute or index fields: a template
            # names one parameter, nothing it could reach through it.
            problems.append(f"{where}: {{{field}}} is not a parameter name")
        elif field.endswith(_TIME_SUFFIX):
            short = field.removesuffix(_TIME_SUFFIX)
            problems.append(f"{where}: {{{field}}} shows a raw UTC timestamp; use {{{short}}}")
        elif field not in allowed:
            problems.append(f"{where}: unknown field {{{field}}}")
    return problems


def _fields(template: str) -> frozenset[str]:
    """The fields ``template`` uses; call it on a template that parses."""
    return frozenset(field for _, field, _, _ in _FORMATTER.parse(template) if field)


def check_templates(
    templates: Mapping[MessageKind, Mapping[Lang, tuple[str, str]]] = TEMPLATES,
    required: Mapping[MessageKind, frozenset[str]] = REQUIRED_PARAMS,
) -> list[str]:
    """Return what is wrong with the message templates, one line per problem; ``[]`` if nothing.

    For every :class:`MessageKind` it checks that ``required`` lists its
    parameters and that ``templates`` has a subject and a body in every
    language of :data:`LANGS`; that each parses with ``string.Formatter`` and
    uses only plain fields that are required parameters or derived from them
    (``{starts}`` from ``starts_at``, never ``{starts_at}`` itself); that
    subjects are one line and show no :data:`SECRET_PARAMS`, while a secret
    the kind requires is in every body; that every language shows the same
    fields; and that rendering with :func:`example_params` needs nothing more
    and leaves no brace behind.  Both tables default to the real ones; pass
    others to check a change before making it.
    """
    problems: list[str] = []
    for kind in MessageKind:
        needed = required.get(kind)
        by_lang = templates.get(kind)
        if needed is None:
            problems.append(f"{kind.value}: no required parameters listed")
            continue
        if by_lang is None:
            problems.append(f"{kind.value}: no templates")
            continue
        allowed = _allowed_fields(kind, needed)
        shown: dict[Lang, frozenset[str]] = {}
        for lang in LANGS:
            pair = by_lang.get(lang)
            if pair is None:
                problems.append(f"{kind.value}/{lang}: no template")
                continue
            subject, body = pair
            where = f"{kind.value}/{lang}"
            found = _template_problems(f"{where} subject", subject, allowed)
            found += _template_problems(f"{where} body", body, allowed)
            if "\n" in subject or "\r" in subject:
                found.append(f"{where} subject: more than one line")
            if found:
                # Checking fields or rendering a template that does not parse
                # would only repeat the same problem.
                problems += found
                continue
            for secret in sorted(_fields(subject) & SECRET_PARAMS):
                problems.append(f"{where} subject: shows the secret {{{secret}}}")
            for secret in sorted((needed & SECRET_PARAMS) - _fields(body)):
                problems.append(f"{where} body: does not show {{{secret}}}")
            shown[lang] = _fields(subject) | _fields(body)
            problems += _rendering_problems(kind, lang, templates, required)
        if len(set(shown.values())) > 1:
            listed = ", ".join(f"{lang} {sorted(fields)}" for lang, fields in shown.items())
            problems.append(f"{kind.value}: languages show different fields: {listed}")
    return problems


def _rendering_problems(
    kind: MessageKind,
    lang: Lang,
    templates: Mapping[MessageKind, Mapping[Lang, tuple[str, str]]],
    required: Mapping[MessageKind, frozenset[str]],
) -> list[str]:
    """Render one kind in one language with :func:`example_params` and report what went wrong."""
    message = Message(
        id=MessageId("msg_template_check"),
        recipient_id=MemberId("mem_template_check"),
        kind=kind,
        channel="check",
        created_at=_EXAMPLE_TIME,
        params=example_params(kind, required),
    )
    where = f"{kind.value}/{lang}"
    try:
        rendered = _render(message, lang, "Asia/Seoul", templates, required, strict=True)
    except (ValueError, LookupError, AttributeError) as exc:
        return [f"{where}: cannot be rendered ({exc})"]
    # The example values hold no braces, so any left came from the template
    # (an escaped "{{" or "}}"): a member would see it as it is.
    return [
        f"{where} {part}: a brace is left after rendering"
        for part, text in (("subject", rendered.subject), ("body", rendered.body))
        if "{" in text or "}" in text
    ]
