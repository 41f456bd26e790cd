"""The pages' words in Korean (the default) and English, and how the language is chosen."""

from __future__ import annotations

from proforum.errors import Lang

DEFAULT_LANG: Lang = "ko"

#: key -> (Korean, English)
TEXTS: dict[str, tuple[str, str]] = {
    "site": ("proforum 커뮤니티", "proforum communities"),
    "home": ("처음으로", "Home"),
    "signup": ("회원 가입", "Sign up"),
    "signout": ("로그아웃", "Sign out"),
    "hello": ("{name}님, 안녕하세요.", "Hello, {name}."),
    "signed_out": ("로그인하지 않았습니다.", "You are not signed in."),
    "signin_required": (
        "로그인이 필요합니다. 먼저 회원 가입을 해 주세요.",
        "You need to be signed in. Please sign up first.",
    ),
    "csrf_failed": (
        "요청을 확인할 수 없습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
        "This request could not be verified. Reload the page and try again.",
    ),
    "bad_form": ("양식을 읽을 수 없습니다.", "The form could not be read."),
    "identity": ("이름 표시 방식", "How your name is shown"),
    "real_name": ("실명", "Real name"),
    "nickname": (
        "고정 닉네임 (나중에 바꿀 수 없습니다)",
        "Fixed nickname (cannot be changed later)",
    ),
    "name": ("실명 또는 닉네임", "Real name or nickname"),
    "job_function": ("직무", "Job function"),
    "company": ("회사 (선택)", "Company (optional)"),
    "communities": ("직무별 커뮤니티", "Communities by job function"),
    "no_communities": ("아직 커뮤니티가 없습니다.", "No communities yet."),
    "slug": ("커뮤니티 주소", "Community address"),
    "go": ("이동", "Go"),
    "join": ("커뮤니티 가입", "Join this community"),
    "your_role": ("내 역할: {role}", "Your role: {role}"),
    "not_joined": (
        "이 커뮤니티에 가입하면 모임을 보고 신청할 수 있습니다.",
        "Join this community to see and apply to its meetups.",
    ),
    "meetups": ("모임", "Meetups"),
    "no_meetups": ("아직 모임이 없습니다.", "No meetups yet."),
    "surveys": ("받은 설문", "Surveys for you"),
    "when": ("일시", "When"),
    "topic": ("주제", "Topic"),
    "capacity": ("정원: {n}명", "Seats: {n}"),
    "applications_close": ("신청 마감", "Applications close"),
    "state": ("상태", "Status"),
    "state_draft": ("준비 중", "In preparation"),
    "state_open": ("신청 받는 중", "Open for applications"),
    "state_closed": ("신청 마감, 추첨 전", "Applications closed, draw pending"),
    "state_drawn": ("추첨 완료", "Drawn"),
    "state_ended": ("종료", "Ended"),
    "state_cancelled": ("취소됨", "Cancelled"),
    "apply": ("참가 신청", "Apply"),
    "not_applied": ("아직 신청하지 않았습니다.", "You have not applied."),
    "app_applied": (
        "신청했습니다. 추첨을 기다려 주세요.",
        "You applied. Please wait for the draw.",
    ),
    "app_selected": ("추첨에 선정되었습니다! 🎉", "You were selected! 🎉"),
    "app_confirmed": ("참석을 확정했습니다.", "You confirmed your seat."),
    "app_waitlisted": ("대기 {position}번입니다.", "You are number {position} on the waitlist."),
    "app_declined": ("참석을 취소했습니다.", "You gave up your seat."),
    "app_withdrawn": ("신청을 철회했습니다.", "You withdrew your application."),
    "app_attended": ("참석했습니다.", "You attended."),
    "app_no_show": ("불참(노쇼)으로 기록되었습니다.", "You were recorded as a no-show."),
    "my_application": ("내 신청", "My application"),
    "see_link": ("회의 링크 보기", "See the meeting link"),
    "commitment": ("추첨 약정 (추첨 전에 공개)", "Lottery commitment (published before the draw)"),
    "draw_record": ("공개 추첨 기록", "Public draw record"),
    "record_summary": (
        "신청 {applicants}명 중 {selected}명 선정, 대기 {waitlist}명",
        "{selected} of {applicants} applicants selected, {waitlist} on the waitlist",
    ),
    "you": ("나", "you"),
    "selected_list": ("선정 (추첨 순서)", "Selected (draw order)"),
    "waitlist_list": ("대기 (순서대로)", "Waitlist (in order)"),
    "verify_hint": (
        "누구나 proforum lottery verify draw.json 으로 결과를 다시 계산할 수 있습니다.",
        "Anyone can recompute the result with: proforum lottery verify draw.json",
    ),
    "download_record": ("draw.json 내려받기", "Download draw.json"),
    "link_title": ("회의 링크", "Meeting link"),
    "link_intro": (
        "선정된 분에게만 보이는 링크입니다. 다른 사람과 공유하지 마세요.",
        "Only you can see this link because you were selected. Please do not share it.",
    ),
    "link_refused": (
        "아쉽지만 이번 모임에는 선정되지 않아 회의 링크를 볼 수 없습니다.",
        "Sorry, you were not selected for this meetup, so the meeting link is not available to you.",
    ),
    "link_refused_waitlisted": (
        "현재 대기 {position}번입니다. 자리가 나면 링크를 받게 됩니다.",
        "You are number {position} on the waitlist; if a seat frees up you will get the link.",
    ),
    "survey_question": ("질문", "Question"),
    "answer": ("응답 보내기", "Send my answer"),
    "anonymous_note": (
        "익명 설문입니다: 응답은 누가 보냈는지와 연결되지 않습니다.",
        "This survey is anonymous: your answer is not linked to you.",
    ),
    "thanks": ("응답해 주셔서 감사합니다.", "Thank you for your answer."),
    "result": ("결과", "Result"),
    "result_hidden": (
        "응답이 {min}명 이상 모이면 결과가 공개됩니다 (현재 {n}명).",
        "Results are shown once {min} people have answered ({n} so far).",
    ),
    "result_mean": (
        "평균 {mean}점 / {scale}점 ({n}명 응답)",
        "Mean {mean} of {scale} ({n} answers)",
    ),
    "error_title": ("문제가 생겼습니다", "Something went wrong"),
    "back": ("돌아가기", "Go back"),
}


def t(lang: Lang, key: str, **params: object) -> str:
    """Return the text ``key`` in ``lang`` with ``params`` filled in (not yet HTML-escaped)."""
    ko, en = TEXTS[key]
    return (ko if lang == "ko" else en).format(**params)


def _quality(part: str) -> tuple[str, float]:
    tag, *options = (piece.strip() for piece in part.split(";"))
    quality = 1.0
    for option in options:
        name, _, value = option.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
    return tag.lower().split("-", 1)[0], quality


def choose_lang(query_lang: str | None, accept_language: str | None) -> Lang:
    """Pick the page language: ``?lang=`` first, then ``Accept-Language``, else Korean.

    English wins only when the browser prefers it over Korean (higher quality,
    or listed first at the same quality).
    """
    if query_lang in ("ko", "en"):
        return "en" if query_lang == "en" else "ko"
    best: tuple[float, int, Lang] | None = None
    for index, part in enumerate((accept_language or "").split(",")[:20]):
        if not part.strip():
            continue
        tag, quality = _quality(part)
        if tag in ("ko", "en") and quality > 0:
            candidate: tuple[float, int, Lang] = (quality, -index, "en" if tag == "en" else "ko")
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    return best[2] if best is not None else DEFAULT_LANG
