"""Every mistake proforum reports, in one hierarchy.

Each error carries a stable machine-readable :attr:`~ProforumError.code`, the
offending value in :attr:`~ProforumError.value`, and a message in Korean and
English.  The offending value is kept on the exception for the caller to
inspect but is never put into ``str()`` or ``repr()``: it may be a nickname, a
meeting link or another piece of personal data, and exceptions end up in logs.

Errors are raised before anything is written, so catching one means the forum
is exactly as it was before the call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

Lang = Literal["ko", "en"]

#: How entity kinds named in ``entity=`` parameters read in each language.
ENTITY_NAMES: Mapping[str, tuple[str, str]] = {
    "member": ("회원", "member"),
    "nickname change": ("닉네임 변경 기록", "nickname change"),
    "community": ("커뮤니티", "community"),
    "membership": ("커뮤니티 가입 정보", "membership"),
    "post": ("게시글", "post"),
    "comment": ("댓글", "comment"),
    "meetup": ("모임", "meetup"),
    "application": ("참가 신청", "application"),
    "draw": ("추첨 결과", "draw"),
    "commitment": ("추첨 약정", "lottery commitment"),
    "survey": ("설문", "survey"),
    "message": ("알림", "message"),
    "response": ("설문 응답", "survey response"),
    "answer": ("설문 답변", "survey answer"),
    "participation": ("설문 참여 기록", "survey participation"),
    "inbox item": ("받은 알림", "inbox item"),
    "notification preference": ("알림 설정", "notification preference"),
    "follow-up interest": ("오프라인 모임 희망", "follow-up interest"),
    "video registration": ("화상회의 참가 등록", "video registration"),
    "contact consent": ("연락처 공유 동의", "contact consent"),
    "join request": ("가입 신청", "join request"),
    "employer verification": ("재직 인증", "employer verification"),
    "verification code": ("인증번호", "verification code"),
    "reaction": ("반응", "reaction"),
    "revision": ("수정 이력", "edit history entry"),
    "flag": ("신고", "flag"),
    "content policy": ("게시 정책", "content policy"),
    "moderation log entry": ("운영 기록", "moderation log entry"),
}


class ProforumError(Exception):
    """Base class of every error proforum raises on purpose.

    :param value: the offending value, kept for programmatic use only.
    :param params: values interpolated into the message templates.  Only put
        identifiers and limits here, never personal data or secrets.
    """

    code: ClassVar[str] = "proforum.error"
    template_ko: ClassVar[str] = "proforum 오류가 발생했습니다."
    template_en: ClassVar[str] = "A proforum error occurred."

    def __init__(self, value: object = None, **params: Any) -> None:
        self.value = value
        entity = params.get("entity")
        if isinstance(entity, str):
            ko, en = ENTITY_NAMES.get(entity, (entity, entity))
            params.setdefault("entity_ko", ko)
            params.setdefault("entity_en", en)
        self.params: Mapping[str, Any] = params
        super().__init__(self.code)

    def message(self, lang: Lang = "en") -> str:
        """Return the human message in ``lang`` (``"ko"`` or ``"en"``)."""
        template = self.template_ko if lang == "ko" else self.template_en
        return template.format(**self.params)

    @property
    def message_ko(self) -> str:
        """The message in Korean."""
        return self.message("ko")

    @property
    def message_en(self) -> str:
        """The message in English."""
        return self.message("en")

    def __str__(self) -> str:
        return f"[{self.code}] {self.message_ko} / {self.message_en}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep errors picklable (multiprocessing, pytest-xdist) with their params.
        return (_rebuild, (type(self), self.value, dict(self.params)))


def _rebuild(cls: type[ProforumError], value: object, params: dict[str, Any]) -> ProforumError:
    return cls(value, **params)


# --------------------------------------------------------------------------- input


class InvalidInput(ProforumError):
    """Base class for values that are malformed whatever the forum's state."""

    code = "input.invalid"
    template_ko = "입력값이 올바르지 않습니다."
    template_en = "The input is not valid."


class InvalidNickname(InvalidInput):
    """A nickname breaks a rule: its length, a forbidden character, or its spacing.

    ``rule_ko`` and ``rule_en`` say which rule; ``min`` and ``max`` are the
    length limits in user-perceived characters.
    """

    code = "input.nickname"
    template_ko = "이 닉네임은 쓸 수 없습니다: {rule_ko}."
    template_en = "This nickname cannot be used: {rule_en}."


class InvalidRealName(InvalidInput):
    """A real name is empty, too long, or contains forbidden characters."""

    code = "input.real_name"
    template_ko = "실명은 1자 이상 {max}자 이하이며 제어 문자를 쓸 수 없습니다."
    template_en = "A real name must be 1 to {max} characters long without control characters."


class InvalidProfile(InvalidInput):
    """A profile field (job function, company, years of experience) is out of range."""

    code = "input.profile"
    template_ko = "프로필 항목 '{field}'의 값이 올바르지 않습니다: {rule_ko}"
    template_en = "Profile field '{field}' is not valid: {rule_en}"


class InvalidText(InvalidInput):
    """A title, body or other text is empty or longer than allowed."""

    code = "input.text"
    template_ko = "'{field}' 항목은 비어 있을 수 없고 {max}자를 넘을 수 없습니다."
    template_en = "'{field}' must not be empty and may not exceed {max} characters."


class InvalidCapacity(InvalidInput):
    """A meetup capacity is below one or above the allowed maximum."""

    code = "input.capacity"
    template_ko = "정원은 1명 이상 {max}명 이하여야 합니다."
    template_en = "Capacity must be between 1 and {max}."


class InvalidSchedule(InvalidInput):
    """Times are naive, out of order, or the application window ends after the start."""

    code = "input.schedule"
    template_ko = "일정이 올바르지 않습니다: {rule_ko}"
    template_en = "The schedule is not valid: {rule_en}"


class InvalidTimeZone(InvalidInput):
    """A time zone name is not in the IANA database."""

    code = "input.time_zone"
    template_ko = "알 수 없는 시간대입니다."
    template_en = "Unknown time zone."


class InvalidMeetingLink(InvalidInput):
    """A meeting link is not an absolute https URL."""

    code = "input.meeting_link"
    template_ko = "회의 링크는 https:// 로 시작하는 올바른 주소여야 합니다."
    template_en = "A meeting link must be a valid https:// URL."


class InvalidRating(InvalidInput):
    """A survey rating or NPS answer is not a whole number on the question's scale."""

    code = "input.rating"
    template_ko = "평점은 {min}점에서 {max}점 사이의 정수여야 합니다."
    template_en = "A rating must be a whole number from {min} to {max}."


class InvalidAnswer(InvalidInput):
    """A survey answer has the wrong shape for its question (text for yes/no, a repeated choice…)."""

    code = "input.answer"
    template_ko = "질문 '{question}'의 답이 올바르지 않습니다: {rule_ko}"
    template_en = "The answer to question '{question}' is not valid: {rule_en}"


class MissingAnswer(InvalidInput):
    """A required survey question was left unanswered."""

    code = "input.answer_missing"
    template_ko = "필수 질문 '{question}'에 답해 주세요."
    template_en = "Question '{question}' is required; please answer it."


class UnknownQuestion(InvalidInput):
    """An answer names a question the survey does not have."""

    code = "input.unknown_question"
    template_ko = "설문에 없는 질문에 답했습니다."
    template_en = "The answers name a question this survey does not have."


class UnknownChoice(InvalidInput):
    """A choice answer names a choice the question does not have."""

    code = "input.unknown_choice"
    template_ko = "질문 '{question}'에 없는 선택지입니다."
    template_en = "That is not one of the choices of question '{question}'."


class InvalidQuestion(InvalidInput):
    """A survey question is malformed: its id, scale, choices or the list of questions."""

    code = "input.question"
    template_ko = "설문 질문이 올바르지 않습니다: {rule_ko}"
    template_en = "A survey question is not valid: {rule_en}"


class InvalidSurvey(InvalidInput):
    """A survey's subject, audience or breakdown do not fit together."""

    code = "input.survey"
    template_ko = "설문 설정이 올바르지 않습니다: {rule_ko}"
    template_en = "The survey settings are not valid: {rule_en}"


class InvalidThreshold(InvalidInput):
    """A survey's minimum group size is not a whole number, or is below the allowed minimum."""

    code = "input.threshold"
    template_ko = "'{field}' 공개 기준 인원은 {min}명 이상의 정수여야 합니다."
    template_en = "'{field}' must be a whole number of at least {min} people."


class InvalidSeed(InvalidInput):
    """A lottery seed is too short to be unguessable."""

    code = "input.seed"
    template_ko = "추첨 시드는 {min}바이트 이상이어야 합니다."
    template_en = "A lottery seed must be at least {min} bytes long."


class InvalidConstraints(InvalidInput):
    """Lottery constraints are malformed: a cap below one, a minimum above its maximum..."""

    code = "input.lottery_constraints"
    template_ko = "추첨 조건이 올바르지 않습니다: {rule_ko}"
    template_en = "The lottery constraints are not valid: {rule_en}"


class InvalidWeight(InvalidInput):
    """A lottery weight is negative, zero, not a number, or too large or too precise."""

    code = "input.weight"
    template_ko = (
        "추첨 가중치는 0보다 크고 {max} 이하인 수(소수점 아래 {places}자리까지)여야 합니다."
    )
    template_en = (
        "A lottery weight must be a number above 0 and at most {max}, "
        "with at most {places} decimal places."
    )


class InvalidBeacon(InvalidInput):
    """Public randomness for a draw is malformed or does not match the committed round."""

    code = "input.beacon"
    template_ko = "공개 난수 정보가 올바르지 않습니다: {rule_ko}"
    template_en = "The public randomness is not valid: {rule_en}"


class InvalidSeatRule(InvalidInput):
    """An offer lifetime, confirmation deadline or attendance threshold is out of range."""

    code = "input.seat_rule"
    template_ko = "좌석 규칙이 올바르지 않습니다: {rule_ko}"
    template_en = "The seat rule is not valid: {rule_en}"


class InvalidEmail(InvalidInput):
    """An e-mail address proforum could not deliver to; refused when it is set."""

    code = "input.email"
    template_ko = (
        "이메일 주소 형식이 올바르지 않습니다: 영문 주소(local@example.com) 형식으로, "
        "{max}자 이하여야 합니다."
    )
    template_en = (
        "This is not an e-mail address proforum can deliver to: use the form "
        "local@example.com, at most {max} characters."
    )


class InvalidPreference(InvalidInput):
    """A notification preference names a channel or kind of message that does not exist."""

    code = "input.preference"
    template_ko = "알림 설정의 {field} 값이 올바르지 않습니다. 가능한 값: {allowed}"
    template_en = "The {field} of a notification preference is not valid. Allowed: {allowed}"


class InvalidChartFormat(InvalidInput):
    """A chart was asked for in a format other than PNG or SVG."""

    code = "input.chart_format"
    template_ko = "차트는 {formats} 형식으로만 만들 수 있습니다."
    template_en = "Charts can only be written as {formats}."


class InvalidIdentifier(InvalidInput):
    """An identifier or slug has the wrong shape."""

    code = "input.identifier"
    template_ko = "'{field}' 식별자의 형식이 올바르지 않습니다."
    template_en = "The identifier '{field}' is malformed."


class InvalidDocument(InvalidInput):
    """An imported document or draw record cannot be read."""

    code = "input.document"
    template_ko = "문서를 읽을 수 없습니다: {reason}"
    template_en = "The document cannot be read: {reason}"


class InvalidCursor(InvalidInput):
    """A page cursor was not made by proforum, or was changed on the way."""

    code = "input.cursor"
    template_ko = (
        "페이지 위치(cursor)가 올바르지 않습니다. 이전 페이지의 next_cursor를 그대로 넘겨 주세요."
    )
    template_en = (
        "The page cursor is not valid; pass the previous page's next_cursor exactly as it was."
    )


class UnknownReaction(InvalidInput):
    """A reaction kind is not one of the fixed set (like, helpful, insightful)."""

    code = "input.reaction"
    template_ko = "알 수 없는 반응입니다. 다음 중에서 골라 주세요: {kinds_ko}"
    template_en = "Unknown reaction; choose one of: {kinds_en}."


class InvalidDeliverySetting(InvalidInput):
    """A setting of the message relay (lease, pause, number of passes) is out of range."""

    code = "input.delivery_setting"
    template_ko = "알림 발송 설정 '{field}'의 값이 올바르지 않습니다: {rule_ko}"
    template_en = "The delivery setting '{field}' is not valid: {rule_en}"


class FreeMailDomain(InvalidInput):
    """A company e-mail address is at a free or public mail service (gmail.com, naver.com...).

    Anyone can open an address there, so it proves nothing about an employer.
    The domain is not repeated in the message.
    """

    code = "input.free_mail_domain"
    template_ko = "무료·공용 메일 주소로는 재직 인증을 할 수 없습니다. 회사에서 받은 이메일 주소를 입력해 주세요."
    template_en = (
        "An address at a free or public mail service cannot prove where you work; "
        "use the address your company gave you."
    )


class InvalidVerificationCode(InvalidInput):
    """A verification code is not a string of exactly the expected number of digits."""

    code = "input.verification_code"
    template_ko = "인증번호는 숫자 {digits}자리입니다."
    template_en = "A verification code is {digits} digits."


class InvalidVerificationSetting(InvalidInput):
    """A setting of employer verification (code lifetime, attempts, codes per window) is out of range."""

    code = "input.verification_setting"
    template_ko = "재직 인증 설정 '{field}'의 값이 올바르지 않습니다: {rule_ko}"
    template_en = "The verification setting '{field}' is not valid: {rule_en}"


class InvalidContentPolicy(InvalidInput):
    """A community's content policy has a value out of range (banned words, links, thresholds)."""

    code = "input.content_policy"
    template_ko = "게시 정책의 '{field}' 값이 올바르지 않습니다: {rule_ko}"
    template_en = "The content policy's '{field}' is not valid: {rule_en}"


class UnknownFlagReason(InvalidInput):
    """A flag names a reason category that is not one of the fixed set."""

    code = "input.flag_reason"
    template_ko = "알 수 없는 신고 사유입니다. 다음 중에서 골라 주세요: {reasons_ko}"
    template_en = "Unknown flag reason; choose one of: {reasons_en}."


# --------------------------------------------------------------------------- lookup


class NotFound(ProforumError):
    """Something referred to by id does not exist."""

    code = "lookup.not_found"
    template_ko = "{entity_ko}을(를) 찾을 수 없습니다."
    template_en = "No such {entity_en}."


class CommentNotInPost(NotFound):
    """A reply names a comment that exists but belongs to another post."""

    code = "lookup.comment_not_in_post"
    template_ko = "답글은 같은 게시글의 댓글에만 달 수 있습니다."
    template_en = "A reply can only answer a comment of the same post."


# --------------------------------------------------------------------------- permission


class PermissionDenied(ProforumError):
    """Base class for an acting member who may not do what was asked."""

    code = "permission.denied"
    template_ko = "이 작업을 할 권한이 없습니다."
    template_en = "You are not allowed to do this."


class NotACommunityMember(PermissionDenied):
    """The actor is not a member of the community the action belongs to."""

    code = "permission.not_member"
    template_ko = "이 커뮤니티의 회원만 할 수 있습니다."
    template_en = "Only members of this community can do this."


class RoleRequired(PermissionDenied):
    """The actor lacks the role the action needs (host, moderator, operator)."""

    code = "permission.role_required"
    template_ko = "{roles_ko} 권한이 필요합니다."
    template_en = "This needs the {roles_en} role."


class LinkNotGranted(PermissionDenied):
    """The actor asked for a meeting link they were not given."""

    code = "permission.link_not_granted"
    template_ko = "선정된 참가자와 사회자만 회의 링크를 볼 수 있습니다."
    template_en = "Only selected participants and the host can see the meeting link."


class NotAnAttendee(PermissionDenied):
    """The actor did not attend the meetup the survey is about."""

    code = "permission.not_attendee"
    template_ko = "모임에 참석한 사람만 설문에 답할 수 있습니다."
    template_en = "Only people who attended the meetup can answer this survey."


class NotOwner(PermissionDenied):
    """The actor tried to act on something that belongs to someone else."""

    code = "permission.not_owner"
    template_ko = "본인의 항목만 다룰 수 있습니다."
    template_en = "You can only act on your own items."


class RealNameRequired(PermissionDenied):
    """The community asks for a real name to post or to apply, and the actor uses a nickname."""

    code = "permission.real_name_required"
    template_ko = "이 커뮤니티에서 {action_ko} 실명으로 활동해야 합니다."
    template_en = "This community asks for your real name {action_en}."


class VerifiedEmployerRequired(PermissionDenied):
    """The community asks for a verified employer to post or to apply, and the actor has none."""

    code = "permission.verified_employer_required"
    template_ko = "이 커뮤니티에서 {action_ko} 재직 인증을 먼저 받아야 합니다."
    template_en = "This community asks for a verified employer {action_en}; verify yours first."


class NotAuthor(PermissionDenied):
    """Someone other than its author tried to edit a post or a comment."""

    code = "permission.not_author"
    template_ko = "글쓴이만 {entity_ko}을(를) 고칠 수 있습니다."
    template_en = "Only its author can edit this {entity_en}."


class NotAuthorOrModerator(PermissionDenied):
    """Someone who is neither its author nor a moderator or operator tried to delete content."""

    code = "permission.not_author_or_moderator"
    template_ko = "글쓴이나 커뮤니티의 관리자, 운영자만 {entity_ko}을(를) 지울 수 있습니다."
    template_en = (
        "Only its author, or a moderator or operator of the community, can delete this {entity_en}."
    )


class OwnContent(PermissionDenied):
    """A member flagged their own content, or a moderator decided about their own."""

    code = "permission.own_content"
    template_ko = "본인이 쓴 {entity_ko}은(는) 신고하거나 직접 심사할 수 없습니다."
    template_en = "You cannot flag, or decide about, your own {entity_en}."


# --------------------------------------------------------------------------- conflicts


class Conflict(ProforumError):
    """Base class for an action that clashes with what already exists."""

    code = "conflict"
    template_ko = "이미 존재하는 항목과 충돌합니다."
    template_en = "This conflicts with something that already exists."


class NicknameTaken(Conflict):
    """Another member already uses this nickname, or one that looks the same."""

    code = "conflict.nickname_taken"
    template_ko = "이미 사용 중이거나 비슷해 보이는 닉네임입니다."
    template_en = "This nickname, or one that looks the same, is already in use."


class NicknameLocked(Conflict):
    """A member tried to change their fixed nickname."""

    code = "conflict.nickname_locked"
    template_ko = "고정 닉네임은 본인이 바꿀 수 없습니다. 운영자에게 문의하세요."
    template_en = "A fixed nickname cannot be changed by its owner; ask an operator."


class LastOperator(Conflict):
    """The only operator of a community tried to leave it or give up the role."""

    code = "conflict.last_operator"
    template_ko = "커뮤니티에는 운영자가 한 명 이상 있어야 합니다. 먼저 다른 운영자를 지정하세요."
    template_en = "A community needs at least one operator; appoint another operator first."


class AlreadyExists(Conflict):
    """An entity with the same unique key already exists."""

    code = "conflict.exists"
    template_ko = "같은 {entity_ko}이(가) 이미 있습니다."
    template_en = "That {entity_en} already exists."


class AlreadyMember(Conflict):
    """The member has already joined the community."""

    code = "conflict.already_member"
    template_ko = "이미 가입한 커뮤니티입니다."
    template_en = "You are already a member of this community."


class AlreadyApplied(Conflict):
    """The member has already applied to this meetup."""

    code = "conflict.already_applied"
    template_ko = "이미 참가 신청을 했습니다."
    template_en = "You have already applied to this meetup."


class AlreadyDrawn(Conflict):
    """The lottery of this meetup has already been drawn."""

    code = "conflict.already_drawn"
    template_ko = "이미 추첨이 끝났습니다."
    template_en = "The lottery has already been drawn."


class AlreadyAnswered(Conflict):
    """The member has already answered this survey."""

    code = "conflict.already_answered"
    template_ko = "이미 설문에 답했습니다."
    template_en = "You have already answered this survey."


class JoinAlreadyRequested(Conflict):
    """The member asked to join a community whose moderators have not decided yet."""

    code = "conflict.join_already_requested"
    template_ko = "이미 가입을 신청했습니다. 관리자의 승인을 기다려 주세요."
    template_en = "You have already asked to join; please wait for a moderator's decision."


class AlreadyFlagged(Conflict):
    """The member has already flagged this post or comment."""

    code = "conflict.already_flagged"
    template_ko = "이미 신고한 {entity_ko}입니다."
    template_en = "You have already flagged this {entity_en}."


# --------------------------------------------------------------------------- state


class InvalidState(ProforumError):
    """Base class for an action that is not possible in the current state."""

    code = "state.invalid"
    template_ko = "현재 상태에서는 할 수 없는 작업입니다."
    template_en = "This is not possible in the current state."


class ApplicationWindowClosed(InvalidState):
    """Applying or withdrawing outside the meetup's application window."""

    code = "state.window_closed"
    template_ko = "참가 신청 기간이 아닙니다."
    template_en = "Applications are not open at this time."


class ApplicationsStillOpen(InvalidState):
    """The lottery was asked for while the application window is still open."""

    code = "state.window_open"
    template_ko = "참가 신청 기간이 아직 끝나지 않았습니다."
    template_en = "The application window has not closed yet."


class TooLate(InvalidState):
    """The action is only possible before the meetup starts (or before a deadline)."""

    code = "state.too_late"
    template_ko = "이미 시작했거나 기한이 지나 할 수 없습니다."
    template_en = "It is too late for this: the meetup has started or the deadline passed."


class TooEarly(InvalidState):
    """The action is only possible once the meetup has started (or a time has come)."""

    code = "state.too_early"
    template_ko = "아직 할 수 없습니다. 정해진 시각 이후에 다시 시도하세요."
    template_en = "It is too early for this; try again after the set time."


class IllegalTransition(InvalidState):
    """A meetup or application cannot move from its state to the requested one."""

    code = "state.transition"
    template_ko = "{entity_ko} 상태를 '{source}'에서 '{target}'(으)로 바꿀 수 없습니다."
    template_en = "The {entity_en} cannot go from '{source}' to '{target}'."


class NoApplicants(InvalidState):
    """A lottery was requested for a meetup nobody applied to."""

    code = "state.no_applicants"
    template_ko = "신청자가 없어 추첨할 수 없습니다."
    template_en = "There are no applicants to draw from."


class QuotaInfeasible(InvalidState):
    """The lottery constraints cannot be met by the applicants there are."""

    code = "state.quota_infeasible"
    template_ko = (
        "추첨 조건 '{quota}'을(를) 채울 수 없습니다: 최소 {needed}명이 필요하지만 "
        "가능한 신청자는 {available}명입니다."
    )
    template_en = (
        "The lottery constraint '{quota}' cannot be met: it needs at least {needed} "
        "but only {available} eligible applicants can fill it."
    )


class BeaconRequired(InvalidState):
    """The commitment named a public-randomness round, and the draw was not given it."""

    code = "state.beacon_required"
    template_ko = "이 추첨은 공개 난수 {round}회차 값이 있어야 진행할 수 있습니다."
    template_en = "This draw needs the public randomness of round {round}."


class CapacityBelowCommitted(InvalidState):
    """A capacity change would leave fewer seats than people already holding one."""

    code = "state.capacity_below_committed"
    template_ko = "이미 {committed}명이 자리를 받았으므로 정원을 그보다 줄일 수 없습니다."
    template_en = "{committed} people already hold a seat; capacity cannot go below that."


class OfferExpired(InvalidState):
    """A waitlist offer was answered after it expired."""

    code = "state.offer_expired"
    template_ko = "자리 제안의 응답 기한이 지났습니다."
    template_en = "The seat offer has expired."


class SurveyNotOpen(InvalidState):
    """A survey was answered before it opened or after it closed."""

    code = "state.survey_not_open"
    template_ko = "지금은 설문에 답할 수 없습니다."
    template_en = "This survey is not open for answers now."


class SurveyNotYetOpen(SurveyNotOpen):
    """A survey was answered (or its reminders sent) before it opened."""

    code = "state.survey_not_yet_open"
    template_ko = "아직 설문이 시작되지 않았습니다."
    template_en = "This survey has not opened yet."


class SurveyAlreadyClosed(SurveyNotOpen):
    """A survey was answered (or its reminders sent) after it closed."""

    code = "state.survey_closed"
    template_ko = "설문이 이미 마감되었습니다."
    template_en = "This survey has already closed."


class PreferenceLocked(InvalidState):
    """A member tried to switch off a message they must get (their seat, a cancellation...)."""

    code = "state.preference_locked"
    template_ko = "'{kind}' 알림은 꼭 받아야 하는 알림이라 끌 수 없습니다."
    template_en = "'{kind}' messages cannot be switched off: every member must get them."


class ThresholdsFrozen(InvalidState):
    """A survey's minimum group sizes were to change after its first response."""

    code = "state.thresholds_frozen"
    template_ko = "응답이 들어온 뒤에는 설문의 공개 기준 인원을 바꿀 수 없습니다."
    template_en = "A survey's minimum group sizes cannot change once it has responses."


class MeetingNotReady(InvalidState):
    """The meetup has no meeting link yet."""

    code = "state.meeting_not_ready"
    template_ko = "아직 회의 링크가 등록되지 않았습니다."
    template_en = "No meeting link has been set for this meetup yet."


class JoinRequestDecided(InvalidState):
    """A join request was approved or refused already: it can be decided once."""

    code = "state.join_request_decided"
    template_ko = "이미 처리된 가입 신청입니다."
    template_en = "This join request has already been decided."


class NoVerificationPending(InvalidState):
    """A verification code was entered, but no code was sent (or the last one was used)."""

    code = "state.no_verification_pending"
    template_ko = "진행 중인 재직 인증이 없습니다. 먼저 인증번호를 받아 주세요."
    template_en = "There is no verification in progress; ask for a code first."


class VerificationCodeExpired(InvalidState):
    """The verification code was entered after it expired."""

    code = "state.verification_code_expired"
    template_ko = "인증번호의 유효 시간이 지났습니다. 인증번호를 다시 받아 주세요."
    template_en = "The verification code has expired; ask for a new one."


class WrongVerificationCode(InvalidState):
    """The verification code does not match; the failed attempt is counted.

    The one error raised *after* a change: the attempt is recorded, otherwise
    guessing would cost nothing.  ``attempts_left`` says how many remain.
    """

    code = "state.wrong_verification_code"
    template_ko = "인증번호가 맞지 않습니다. 남은 입력 기회: {attempts_left}번"
    template_en = "The verification code is not right. Attempts left: {attempts_left}"


class VerificationLocked(InvalidState):
    """Too many wrong codes: this code no longer works, a new one must be asked for."""

    code = "state.verification_locked"
    template_ko = (
        "인증번호를 {max}번 잘못 입력해 이 인증번호는 더 이상 쓸 수 없습니다. 새로 받아 주세요."
    )
    template_en = "The code was entered wrongly {max} times and no longer works; ask for a new one."


class TooManyVerificationCodes(InvalidState):
    """The member asked for more verification codes than allowed in the window."""

    code = "state.too_many_verification_codes"
    template_ko = (
        "인증번호는 {minutes}분에 {limit}번까지 받을 수 있습니다. 잠시 후 다시 시도해 주세요."
    )
    template_en = (
        "At most {limit} verification codes can be sent every {minutes} minutes; try again later."
    )


class VerificationRefused(InvalidState):
    """No verifier plugin vouched for the evidence given with method ``method``."""

    code = "state.verification_refused"
    template_ko = "'{method}' 방식으로 재직 사실을 확인하지 못했습니다."
    template_en = "Your employer could not be verified with the method '{method}'."


class ContentRejected(InvalidState):
    """A content-policy check refused a post or comment."""

    code = "content.rejected"
    template_ko = "커뮤니티 운영 정책에 따라 게시할 수 없습니다: {reasons_ko}"
    template_en = "This cannot be published under the community policy: {reasons_en}"


class ContentDeleted(InvalidState):
    """A post or comment was deleted: it can no longer be edited, answered or reacted to."""

    code = "state.content_deleted"
    template_ko = "삭제된 {entity_ko}입니다. 고치거나 답하거나 반응할 수 없습니다."
    template_en = "This {entity_en} was deleted; it cannot be edited, answered or reacted to."


class ContentNotVisible(InvalidState):
    """A post or comment awaits review or was hidden: nobody can answer or react to it now."""

    code = "state.content_not_visible"
    template_ko = "검토 중이거나 숨겨진 {entity_ko}에는 답하거나 반응할 수 없습니다."
    template_en = (
        "This {entity_en} is awaiting review or hidden; it cannot be answered or reacted to."
    )


class NotAwaitingReview(InvalidState):
    """A moderator approved or removed a post or comment that is not awaiting review."""

    code = "state.not_awaiting_review"
    template_ko = "검토 대기 중인 {entity_ko}만 승인하거나 내릴 수 있습니다."
    template_en = "Only a {entity_en} awaiting review can be approved or removed."


class NoOpenFlags(InvalidState):
    """A moderator upheld or dismissed flags on a post or comment that has none open."""

    code = "state.no_open_flags"
    template_ko = "이 {entity_ko}에는 처리할 신고가 없습니다."
    template_en = "This {entity_en} has no open flags to decide on."


# --------------------------------------------------------------------------- plugins


class PluginError(ProforumError):
    """Base class for problems with plugins and adapters."""

    code = "plugin.error"
    template_ko = "플러그인 오류가 발생했습니다."
    template_en = "A plugin error occurred."


class NotSupportedByProvider(PluginError):
    """The video provider cannot do what was asked (an attendance report, say)."""

    code = "plugin.not_supported"
    template_ko = "화상회의 제공자 '{provider}'은(는) '{operation}' 기능을 지원하지 않습니다."
    template_en = "The video provider '{provider}' does not support '{operation}'."


class VideoProviderError(PluginError):
    """A video provider refused an operation or answered with something unreadable."""

    code = "plugin.video_error"
    template_ko = "화상회의 제공자 '{provider}'의 '{operation}' 작업이 실패했습니다: {reason}"
    template_en = "The video provider '{provider}' failed to {operation}: {reason}"


class VideoProviderUnavailable(PluginError):
    """A video provider could not be reached, or kept failing, after every retry."""

    code = "plugin.video_unavailable"
    template_ko = (
        "화상회의 제공자 '{provider}'에 연결할 수 없어 '{operation}' 작업을 하지 못했습니다. "
        "나중에 다시 시도해 주세요."
    )
    template_en = (
        "The video provider '{provider}' could not be reached to {operation}; try again later."
    )


class WebhookRejected(PluginError):
    """An incoming webhook's signature, timestamp or shape did not check out."""

    code = "plugin.webhook_rejected"
    template_ko = "'{provider}'에서 온 웹훅을 거부했습니다: {reason}"
    template_en = "A webhook from '{provider}' was rejected: {reason}"


class UnknownAdapter(PluginError):
    """No plugin registered a storage, video provider or notifier by that name."""

    code = "plugin.unknown_adapter"
    template_ko = "'{name}' 이름의 {kind} 어댑터가 등록되어 있지 않습니다. 사용 가능: {available}"
    template_en = "No {kind} adapter named '{name}' is registered. Available: {available}"


class InvalidVerdict(PluginError):
    """A ``proforum_moderate_content`` implementation returned something other than a verdict."""

    code = "plugin.invalid_verdict"
    template_ko = "게시글 검사 플러그인 '{plugin}'이(가) 올바르지 않은 판정을 돌려주었습니다."
    template_en = "The content-check plugin '{plugin}' returned something that is not a verdict."


class DuplicateAdapter(PluginError):
    """Two plugins registered an adapter under the same name."""

    code = "plugin.duplicate_adapter"
    template_ko = "'{name}' 이름의 {kind} 어댑터가 두 번 등록되었습니다."
    template_en = "Two plugins registered a {kind} adapter named '{name}'."


class DeliveryRejected(PluginError):
    """A notifier's permanent refusal: retrying the message cannot succeed.

    Raise it from :meth:`Notifier.deliver <proforum.ports.notifier.Notifier.deliver>`
    when the receiving side said no for good (an SMTP 5xx reply, an HTTP 410
    from a webhook endpoint, an address that does not exist).  The relay then
    dead-letters the message at once instead of spending its remaining
    attempts; any other exception means "try again later".  ``reason`` is a
    short stable identifier, never an address or a link.
    """

    code = "delivery.rejected"
    template_ko = "수신 측이 메시지를 영구적으로 거부했습니다: {reason}"
    template_en = "The receiving side refused the message for good: {reason}"

    def __init__(self, value: object = None, *, reason: str = "rejected", **params: Any) -> None:
        super().__init__(value, reason=reason, **params)


class RetryLater(PluginError):
    """A notifier's "not now, and not before ``seconds``": the receiver asked for a pause.

    Raise it when the receiving side said when to come back (an HTTP ``429``
    or ``503`` with ``Retry-After``).  The relay keeps the message pending and
    waits at least that long — longer if the backoff says so, and never more
    than the retry policy's cap — before the next attempt.
    """

    code = "delivery.retry_later"
    template_ko = "수신 측이 {seconds}초 뒤에 다시 보내 달라고 했습니다."
    template_en = "The receiving side asked to be tried again in {seconds} seconds."

    def __init__(self, value: object = None, *, seconds: int = 0, **params: Any) -> None:
        super().__init__(value, seconds=seconds, **params)


class NoAddressChannel(PluginError):
    """No notifier of this forum can send a message to an e-mail address (see ``delivers_to_address``)."""

    code = "plugin.no_address_channel"
    template_ko = "이 포럼에는 이메일 주소로 인증번호를 보낼 수 있는 알림 채널이 없습니다. 운영자에게 문의하세요."
    template_en = (
        "This forum has no notifier that can send a code to an e-mail address; "
        "ask the people who run it."
    )


class InvalidVerifierResult(PluginError):
    """An employer-verifier plugin returned something other than an ``EmployerCheck`` or ``None``."""

    code = "plugin.verifier_result"
    template_ko = "재직 인증 플러그인이 올바르지 않은 결과를 돌려주었습니다."
    template_en = "An employer-verification plugin returned a result proforum cannot read."


class ExtraNotInstalled(PluginError):
    """A feature needs an optional extra of proforum that is not installed."""

    code = "plugin.extra_missing"
    template_ko = (
        '이 기능에는 {package} 패키지가 필요합니다: pip install "proforum[{extra}]" 로 설치하세요.'
    )
    template_en = (
        'This needs the {package} package: install it with pip install "proforum[{extra}]".'
    )


class StorageError(PluginError):
    """The storage backend failed in a way that is not the caller's mistake."""

    code = "storage.error"
    template_ko = "저장소 오류가 발생했습니다: {reason}"
    template_en = "The storage failed: {reason}"


class DatabaseUnavailable(StorageError):
    """The database cannot be opened or used: unreachable, login refused, read-only.

    ``params["kind"]`` says which, as a stable identifier a program can test:
    ``unreachable``, ``login_refused``, ``no_database``, ``no_directory``,
    ``cannot_open``, ``read_only``, ``not_a_database``, ``no_driver``,
    ``bad_option`` or ``unavailable``.  The message shows the URL without its
    password; the driver's own message, with any password taken out, is the
    exception's ``__cause__``.
    """

    code = "storage.unavailable"
    template_ko = "데이터베이스 {url}을(를) 사용할 수 없습니다: {reason_ko}"
    template_en = "The database {url} cannot be used: {reason_en}"


class SchemaOutdated(StorageError):
    """The database schema is older than this version of proforum needs."""

    code = "storage.schema_outdated"
    template_ko = (
        "데이터베이스 스키마가 이 버전의 proforum보다 오래되었습니다"
        " (현재 {current}, 필요 {head}). 다음 명령으로 올리세요: {command}"
    )
    template_en = (
        "The database schema is older than this version of proforum needs"
        " (at {current}, needs {head}). Upgrade it with: {command}"
    )


class SchemaTooNew(StorageError):
    """The database schema is newer than this version of proforum knows."""

    code = "storage.schema_too_new"
    template_ko = (
        "데이터베이스 스키마({current})가 이 버전의 proforum(최신 {head})보다 새롭습니다."
        " 데이터베이스를 올린 proforum 버전으로 업그레이드하세요."
    )
    template_en = (
        "The database schema ({current}) is newer than this version of proforum"
        " knows (latest {head}). Install the proforum version that upgraded it."
    )


class TransientConflict(StorageError):
    """A concurrent use case got in the way; running this one again may succeed.

    PostgreSQL reports a serialization failure (SQLSTATE ``40001``) or a
    deadlock (``40P01``), or SQLite stayed locked by another writer for longer
    than its busy timeout.  Nothing was written.  The use cases that can meet
    one are already re-run a few times with jittered backoff before this
    reaches the caller.
    """

    code = "storage.transient_conflict"
    template_ko = (
        "다른 요청과 동시에 처리되어 작업을 완료하지 못했습니다."
        " 아무것도 바뀌지 않았으니 잠시 후 다시 시도하세요. ({reason})"
    )
    template_en = (
        "Another request was being processed at the same time, so this one could"
        " not finish. Nothing was changed; try again shortly. ({reason})"
    )


__all__ = [
    "ENTITY_NAMES",
    "AlreadyAnswered",
    "AlreadyApplied",
    "AlreadyDrawn",
    "AlreadyExists",
    "AlreadyFlagged",
    "AlreadyMember",
    "ApplicationWindowClosed",
    "ApplicationsStillOpen",
    "BeaconRequired",
    "CapacityBelowCommitted",
    "CommentNotInPost",
    "Conflict",
    "ContentDeleted",
    "ContentNotVisible",
    "ContentRejected",
    "DatabaseUnavailable",
    "DeliveryRejected",
    "DuplicateAdapter",
    "ExtraNotInstalled",
    "FreeMailDomain",
    "IllegalTransition",
    "InvalidAnswer",
    "InvalidBeacon",
    "InvalidCapacity",
    "InvalidChartFormat",
    "InvalidConstraints",
    "InvalidContentPolicy",
    "InvalidCursor",
    "InvalidDeliverySetting",
    "InvalidDocument",
    "InvalidEmail",
    "InvalidIdentifier",
    "InvalidInput",
    "InvalidMeetingLink",
    "InvalidNickname",
    "InvalidPreference",
    "InvalidProfile",
    "InvalidQuestion",
    "InvalidRating",
    "InvalidRealName",
    "InvalidSchedule",
    "InvalidSeatRule",
    "InvalidSeed",
    "InvalidState",
    "InvalidSurvey",
    "InvalidText",
    "InvalidThreshold",
    "InvalidTimeZone",
    "InvalidVerdict",
    "InvalidVerificationCode",
    "InvalidVerificationSetting",
    "InvalidVerifierResult",
    "InvalidWeight",
    "JoinAlreadyRequested",
    "JoinRequestDecided",
    "Lang",
    "LastOperator",
    "LinkNotGranted",
    "MeetingNotReady",
    "MissingAnswer",
    "NicknameLocked",
    "NicknameTaken",
    "NoAddressChannel",
    "NoApplicants",
    "NoOpenFlags",
    "NoVerificationPending",
    "NotACommunityMember",
    "NotAnAttendee",
    "NotAuthor",
    "NotAuthorOrModerator",
    "NotAwaitingReview",
    "NotFound",
    "NotOwner",
    "NotSupportedByProvider",
    "OfferExpired",
    "OwnContent",
    "PermissionDenied",
    "PluginError",
    "PreferenceLocked",
    "ProforumError",
    "QuotaInfeasible",
    "RealNameRequired",
    "RetryLater",
    "RoleRequired",
    "SchemaOutdated",
    "SchemaTooNew",
    "StorageError",
    "SurveyAlreadyClosed",
    "SurveyNotOpen",
    "SurveyNotYetOpen",
    "ThresholdsFrozen",
    "TooEarly",
    "TooLate",
    "TooManyVerificationCodes",
    "TransientConflict",
    "UnknownAdapter",
    "UnknownChoice",
    "UnknownFlagReason",
    "UnknownQuestion",
    "UnknownReaction",
    "VerificationCodeExpired",
    "VerificationLocked",
    "VerificationRefused",
    "VerifiedEmployerRequired",
    "VideoProviderError",
    "VideoProviderUnavailable",
    "WebhookRejected",
    "WrongVerificationCode",
]
