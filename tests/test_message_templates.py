"""Message templates: every kind in every language, well formed, in the reader's time zone.

A malformed template must fail here, not in a member's inbox.  The checks the
tests rely on live in :func:`proforum.i18n.check_templates`, and the tests
show that it finds each kind of mistake in a deliberately broken table.
"""

from __future__ import annotations

import logging
import re
import string
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forum_world import World
from proforum.domain.common import MemberId, MessageId
from proforum.domain.notification import Message, MessageKind
from proforum.errors import Lang
from proforum.i18n import (
    LANGS,
    REQUIRED_PARAMS,
    SECRET_PARAMS,
    TEMPLATES,
    check_templates,
    example_params,
    missing_params,
    render,
)

KINDS = list(MessageKind)
KIND_LANGS = [(kind, lang) for kind in KINDS for lang in LANGS]
SURVEY_KINDS = {MessageKind.SURVEY_INVITATION, MessageKind.SURVEY_REMINDER}
SURVEY_FIELDS = {"survey_kind", "survey_thanks", "survey_privacy"}
MEETUP_AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 19:00 in Seoul
CODE = "493817"

Table = dict[MessageKind, dict[Lang, tuple[str, str]]]


def message(kind: MessageKind, **params: str) -> Message:
    return Message(
        id=MessageId("msg_1"),
        recipient_id=MemberId("mem_1"),
        kind=kind,
        channel="inbox",
        created_at=MEETUP_AT,
        params=params,
    )


def text(kind: MessageKind, lang: Lang, time_zone: str, **params: str) -> str:
    rendered = render(message(kind, **params), lang, time_zone, strict=True)
    return f"{rendered.subject}\n{rendered.body}"


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def copy_table() -> Table:
    return {kind: dict(by_lang) for kind, by_lang in TEMPLATES.items()}


# -- every kind, every language ------------------------------------------------


def test_languages_are_korean_and_english() -> None:
    assert set(LANGS) == {"ko", "en"}


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_every_kind_has_korean_and_english_and_its_params(kind: MessageKind) -> None:
    assert set(TEMPLATES[kind]) == {"ko", "en"}
    assert REQUIRED_PARAMS[kind], f"{kind} lists no parameters"


def test_the_real_templates_have_no_problems() -> None:
    assert check_templates() == []


@pytest.mark.parametrize(("kind", "lang"), KIND_LANGS, ids=str)
def test_templates_parse_and_use_only_required_or_derived_fields(
    kind: MessageKind, lang: Lang
) -> None:
    required = REQUIRED_PARAMS[kind]
    times = {name.removesuffix("_at") for name in required if name.endswith("_at")}
    allowed = required | times | (SURVEY_FIELDS if kind in SURVEY_KINDS else set())
    subject, body = TEMPLATES[kind][lang]
    for template in (subject, body):
        used = fields(template)  # raises ValueError on a malformed template
        assert used <= allowed, f"{kind}/{lang} uses {sorted(used - allowed)}"
        # A raw "_at" timestamp is UTC: a member must read the local time.
        assert not {name for name in used if name.endswith("_at")}
    assert "\n" not in subject
    assert "\r" not in subject
    # Secrets go in the body only; subjects end up in headers, previews and logs.
    assert not fields(subject) & SECRET_PARAMS


@pytest.mark.parametrize(("kind", "lang"), KIND_LANGS, ids=str)
def test_rendering_with_the_required_params_fills_every_field(
    kind: MessageKind, lang: Lang, caplog: pytest.LogCaptureFixture
) -> None:
    params = example_params(kind)
    assert set(params) == REQUIRED_PARAMS[kind]
    assert missing_params(kind, params) == frozenset()
    with caplog.at_level(logging.WARNING, logger="proforum"):
        shown = text(kind, lang, "Asia/Seoul", **params)
        lenient = render(message(kind, **params), lang, "Asia/Seoul")
    assert not caplog.records
    assert f"{lenient.subject}\n{lenient.body}" == shown
    assert "{" not in shown
    assert "}" not in shown
    # "-" is what a missing parameter reads as.
    assert not re.search(r"(^|\s)-($|\s|[.,)])", shown), shown
    subject, body = TEMPLATES[kind][lang]
    for name in fields(subject) | fields(body):
        if name in params:
            assert params[name] in shown


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_a_missing_required_param_fails_strictly_and_reads_as_a_dash(
    kind: MessageKind, caplog: pytest.LogCaptureFixture
) -> None:
    for lang in LANGS:
        for name in sorted(REQUIRED_PARAMS[kind]):
            params = example_params(kind)
            del params[name]
            assert missing_params(kind, params) == {name}
            with pytest.raises(ValueError, match=re.escape(repr(name))) as raised:
                render(message(kind, **params), lang, "Asia/Seoul", strict=True)
            # The report names parameters, never their values.
            assert not any(value in str(raised.value) for value in params.values())
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="proforum"):
                rendered = render(message(kind, **params), lang, "Asia/Seoul")
            assert name in caplog.text
            subject, body = TEMPLATES[kind][lang]
            if {name, name.removesuffix("_at")} & (fields(subject) | fields(body)):
                assert "-" in rendered.subject + rendered.body


def test_an_unreadable_time_fails_strictly_and_reads_as_a_dash() -> None:
    params = example_params(MessageKind.REMINDER) | {"starts_at": "next thursday"}
    with pytest.raises(ValueError, match="unreadable times \\['starts_at'\\]") as raised:
        render(message(MessageKind.REMINDER, **params), "ko", "Asia/Seoul", strict=True)
    assert "next thursday" not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None
    rendered = render(message(MessageKind.REMINDER, **params), "ko", "Asia/Seoul")
    assert "모임이 곧 시작합니다: -." in rendered.body


# -- check_templates on broken tables --------------------------------------------


def _broken(kind: MessageKind, lang: Lang, subject: str | None, body: str | None) -> Table:
    table = copy_table()
    old_subject, old_body = table[kind][lang]
    table[kind][lang] = (
        old_subject if subject is None else subject,
        old_body if body is None else body,
    )
    return table


BROKEN = [
    pytest.param(
        _broken(MessageKind.SELECTED, "ko", None, "일시: {starts"),
        "selected/ko body: cannot be parsed",
        id="unclosed-brace",
    ),
    pytest.param(
        _broken(MessageKind.SELECTED, "en", "[Selected] {meetup_title}}", None),
        "selected/en subject: cannot be parsed",
        id="stray-closing-brace",
    ),
    pytest.param(
        _broken(MessageKind.REMINDER, "ko", "[리마인더] {meetup_titel}", None),
        "reminder/ko subject: unknown field {meetup_titel}",
        id="misspelt-field",
    ),
    pytest.param(
        _broken(MessageKind.OFFER_MADE, "en", None, "Confirm by {offer_expires_at}."),
        "offer_made/en body: {offer_expires_at} shows a raw UTC timestamp",
        id="raw-timestamp",
    ),
    pytest.param(
        _broken(MessageKind.REMINDER, "en", None, "Starts at {starts}, {expires}."),
        "reminder/en body: unknown field {expires}",
        id="time-of-another-kind",
    ),
    pytest.param(
        _broken(MessageKind.WAITLISTED, "en", None, "You are number {} on the list."),
        "waitlisted/en body: {} is not a parameter name",
        id="positional-field",
    ),
    pytest.param(
        _broken(MessageKind.WAITLISTED, "ko", None, "{meetup_title.__class__}"),
        "waitlisted/ko body: {meetup_title.__class__} is not a parameter name",
        id="attribute-field",
    ),
    pytest.param(
        _broken(MessageKind.WAITLISTED, "ko", None, "대기 {position!r}번"),
        "waitlisted/ko body: {position} has a conversion or format spec",
        id="conversion",
    ),
    pytest.param(
        _broken(MessageKind.PROMOTED, "ko", "[자리 확보]\n{meetup_title}", None),
        "promoted/ko subject: more than one line",
        id="two-line-subject",
    ),
    pytest.param(
        _broken(MessageKind.VERIFICATION_CODE, "en", "Your code is {code}", None),
        "verification_code/en subject: shows the secret {code}",
        id="secret-in-subject",
    ),
    pytest.param(
        _broken(MessageKind.VERIFICATION_CODE, "ko", None, "{expires}까지 입력해 주세요."),
        "verification_code/ko body: does not show {code}",
        id="code-left-out",
    ),
    pytest.param(
        _broken(MessageKind.MEETUP_CANCELLED, "en", None, "Cancelled {{sorry}}"),
        "meetup_cancelled/en body: a brace is left after rendering",
        id="escaped-brace",
    ),
    pytest.param(
        _broken(MessageKind.SELECTED, "en", None, "Congratulations, you were drawn!"),
        "selected: languages show different fields",
        id="english-forgot-the-time",
    ),
]


@pytest.mark.parametrize(("table", "expected"), BROKEN)
def test_check_templates_finds_a_broken_template(table: Table, expected: str) -> None:
    problems = check_templates(table)
    assert any(expected in problem for problem in problems), problems


def test_check_templates_finds_a_missing_language_or_kind() -> None:
    table = copy_table()
    del table[MessageKind.OFFER_EXPIRING]["en"]
    del table[MessageKind.VERIFICATION_CODE]
    problems = check_templates(table)
    assert "offer_expiring/en: no template" in problems
    assert "verification_code: no templates" in problems


def test_check_templates_finds_a_kind_without_required_params() -> None:
    required = {k: v for k, v in REQUIRED_PARAMS.items() if k is not MessageKind.OFFER_MADE}
    assert check_templates(TEMPLATES, required) == ["offer_made: no required parameters listed"]


def test_check_templates_finds_a_template_that_needs_an_unlisted_param() -> None:
    required: Mapping[MessageKind, frozenset[str]] = {
        **REQUIRED_PARAMS,
        MessageKind.MEETUP_RESCHEDULED: frozenset({"meetup_title", "starts_at"}),
    }
    problems = check_templates(TEMPLATES, required)
    assert "meetup_rescheduled/ko body: unknown field {previous_starts}" in problems
    assert "meetup_rescheduled/en body: unknown field {previous_starts}" in problems


# -- the verification code is a secret -----------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_verification_code_is_in_the_body_only(lang: Lang) -> None:
    expires = (MEETUP_AT + timedelta(minutes=10)).isoformat()
    sent = message(MessageKind.VERIFICATION_CODE, code=CODE, expires_at=expires)
    rendered = render(sent, lang, "Asia/Seoul", strict=True)
    assert CODE in rendered.body
    assert CODE not in rendered.subject
    assert CODE not in repr(rendered)
    assert CODE not in repr(sent)
    assert ("오후 7시 10분" if lang == "ko" else "7:10 PM") in rendered.body


def test_a_verification_problem_is_logged_without_the_code(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent = message(MessageKind.VERIFICATION_CODE, code=CODE)
    with caplog.at_level(logging.DEBUG):
        rendered = render(sent, "en", "Asia/Seoul")
    assert "expires_at" in caplog.text
    assert CODE not in caplog.text
    assert CODE in rendered.body
    with pytest.raises(ValueError, match="expires_at") as raised:
        render(sent, "ko", "Asia/Seoul", strict=True)
    assert CODE not in str(raised.value)


# -- times in the member's zone ----------------------------------------------------


@pytest.mark.parametrize(
    ("time_zone", "lang", "expected"),
    [
        ("Asia/Seoul", "ko", "2026년 12월 3일 (목) 오후 7시"),
        ("Asia/Seoul", "en", "Thu 3 Dec 2026, 7:00 PM (Asia/Seoul)"),
        ("Europe/Berlin", "ko", "2026년 12월 3일 (목) 오전 11시"),
        ("Europe/Berlin", "en", "Thu 3 Dec 2026, 11:00 AM (Europe/Berlin)"),
        ("America/Los_Angeles", "ko", "2026년 12월 3일 (목) 오전 2시"),
        ("America/Los_Angeles", "en", "Thu 3 Dec 2026, 2:00 AM (America/Los_Angeles)"),
    ],
)
def test_a_meetup_time_is_shown_in_the_members_zone(
    time_zone: str, lang: Lang, expected: str
) -> None:
    starts_at = MEETUP_AT.isoformat()
    for kind in (MessageKind.SELECTED, MessageKind.REMINDER, MessageKind.OFFER_MADE):
        params = example_params(kind) | {"starts_at": starts_at}
        shown = text(kind, lang, time_zone, **params)
        assert expected in shown
    # 10:00 UTC is never what a member reads, unless that is their local time.
    seoul = text(MessageKind.SELECTED, lang, "Asia/Seoul", meetup_title="t", starts_at=starts_at)
    assert "오전 10시" not in seoul
    assert "10:00 AM" not in seoul


@pytest.mark.parametrize(
    ("when", "ko", "en"),
    [
        # Winter: CET is UTC+1.
        (datetime(2026, 12, 3, 18, 0, tzinfo=UTC), "(목) 오후 7시", "7:00 PM"),
        # Summer: CEST is UTC+2, so the same UTC time reads an hour later.
        (datetime(2026, 7, 2, 18, 0, tzinfo=UTC), "(목) 오후 8시", "8:00 PM"),
        # The last minute before clocks go forward on 29 March 2026...
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "(일) 오전 1시 59분", "1:59 AM"),
        # ...and the first after: 02:00 local never happens.
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "(일) 오전 3시", "3:00 AM"),
        # Going back on 25 October 2026: 02:30 local happens twice.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "(일) 오전 2시 30분", "2:30 AM"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "(일) 오전 2시 30분", "2:30 AM"),
        (datetime(2026, 10, 25, 2, 0, tzinfo=UTC), "(일) 오전 3시", "3:00 AM"),
    ],
)
def test_berlin_times_follow_daylight_saving(when: datetime, ko: str, en: str) -> None:
    params = {"meetup_title": "t", "starts_at": when.isoformat()}
    assert ko in text(MessageKind.REMINDER, "ko", "Europe/Berlin", **params)
    assert en in text(MessageKind.REMINDER, "en", "Europe/Berlin", **params)


def test_a_rescheduled_meetup_shows_both_times_locally() -> None:
    params = {
        "meetup_title": "퍼포먼스 마케터끼리 만나요!",
        "previous_starts_at": MEETUP_AT.isoformat(),
        "starts_at": (MEETUP_AT + timedelta(days=7, minutes=30)).isoformat(),
    }
    ko = text(MessageKind.MEETUP_RESCHEDULED, "ko", "Asia/Seoul", **params)
    assert "변경 전: 2026년 12월 3일 (목) 오후 7시\n" in ko
    assert "변경 후: 2026년 12월 10일 (목) 오후 7시 30분\n" in ko
    en = text(MessageKind.MEETUP_RESCHEDULED, "en", "Europe/Berlin", **params)
    assert "Was: Thu 3 Dec 2026, 11:00 AM (Europe/Berlin)\n" in en
    assert "Now: Thu 10 Dec 2026, 11:30 AM (Europe/Berlin)\n" in en


@pytest.mark.parametrize("kind", [MessageKind.OFFER_MADE, MessageKind.OFFER_EXPIRING], ids=str)
def test_an_offer_shows_its_deadline_locally(kind: MessageKind) -> None:
    params = {
        "meetup_title": "퍼포먼스 마케터끼리 만나요!",
        "starts_at": MEETUP_AT.isoformat(),
        "offer_expires_at": datetime(2026, 12, 2, 3, 0, tzinfo=UTC).isoformat(),
    }
    ko = text(kind, "ko", "Asia/Seoul", **params)
    assert "확정 기한: 2026년 12월 2일 (수) 오후 12시\n" in ko
    assert "일시: 2026년 12월 3일 (목) 오후 7시" in ko
    en = text(kind, "en", "America/Los_Angeles", **params)
    assert "Confirm by: Tue 1 Dec 2026, 7:00 PM (America/Los_Angeles)\n" in en
    assert "When: Thu 3 Dec 2026, 2:00 AM (America/Los_Angeles)" in en


def test_a_naive_timestamp_is_taken_as_utc() -> None:
    params = {"meetup_title": "t", "starts_at": "2026-12-03T10:00:00"}
    assert "오후 7시" in text(MessageKind.REMINDER, "ko", "Asia/Seoul", **params)


# -- property: any kind, language, zone and time ----------------------------------------

ZONES = sorted(zoneinfo.available_timezones())


def _local_hour(when: datetime, time_zone: str, lang: Lang) -> str:
    local = when.astimezone(ZoneInfo(time_zone))
    hour12 = local.hour % 12 or 12
    if lang == "ko":
        return f"{'오전' if local.hour < 12 else '오후'} {hour12}시"
    return f"{hour12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    lang=st.sampled_from(LANGS),
    time_zone=st.sampled_from(ZONES),
    # Whole years away from datetime's limits, where a local time may not exist.
    when=st.datetimes(
        min_value=datetime(2, 1, 1),
        max_value=datetime(9998, 12, 31),
        timezones=st.timezones(),
    ),
)
def test_rendering_never_fails_and_shows_the_local_hour(
    kind: MessageKind, lang: Lang, time_zone: str, when: datetime
) -> None:
    params = example_params(kind)
    times = [name for name in params if name.endswith("_at")]
    for name in times:
        params[name] = when.isoformat()
    rendered = render(message(kind, **params), lang, time_zone, strict=True)
    if times:
        assert _local_hour(when, time_zone, lang) in rendered.body


# -- what use cases send ---------------------------------------------------------------


def _meetup_story(world: World) -> set[MessageKind]:
    forum = world.forum
    meetup = world.linked_meetup(capacity=3)
    waitlist = forum.draw_record(world.host.id, meetup.id)["waitlist"]
    forum.decline(world.seat_holders(meetup)[0], meetup.id)  # offered to the first waiting
    forum.confirm(waitlist[0], meetup.id)  # taken: told, and sent the link
    forum.change_capacity(world.host.id, meetup.id, 4)  # offered to the next
    world.clock.advance(timedelta(days=2))
    forum.process_deadlines()  # that offer lapsed
    forum.send_reminders(world.host.id, meetup.id)
    forum.cancel_meetup(world.host.id, meetup.id)
    return {
        MessageKind.MEETUP_ANNOUNCED,
        MessageKind.APPLICATION_RECEIVED,
        MessageKind.LOTTERY_COMMITTED,
        MessageKind.SELECTED,
        MessageKind.WAITLISTED,
        MessageKind.MEETING_LINK,
        MessageKind.OFFER_MADE,
        MessageKind.OFFER_EXPIRING,
        MessageKind.SEAT_EXPIRED,
        MessageKind.PROMOTED,
        MessageKind.REMINDER,
        MessageKind.MEETUP_CANCELLED,
    }


def _after_story(world: World) -> set[MessageKind]:
    forum, clock = world.forum, world.clock
    meetup = world.ended_meetup(capacity=3)
    starts = clock.now() + timedelta(days=20)
    forum.propose_follow_up(
        world.host.id,
        meetup.id,
        title="오프라인 뒤풀이",
        topic="못다 한 이야기",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        capacity=10,
        applications_open_at=clock.now(),
        applications_close_at=clock.now() + timedelta(days=10),
        venue="서울 성수동",
    )
    survey = forum.create_survey(
        world.host.id,
        meetup.id,
        title="후기",
        question_ko="만족하셨나요?",
        question_en="Were you satisfied?",
        closes_at=clock.now() + timedelta(days=3),
    )
    forum.send_survey_reminders(world.host.id, survey.id)
    return {
        MessageKind.FOLLOW_UP_PROPOSED,
        MessageKind.SURVEY_INVITATION,
        MessageKind.SURVEY_REMINDER,
    }


@pytest.mark.parametrize("story", [_meetup_story, _after_story], ids=["meetup", "after"])
def test_use_cases_send_every_required_param(
    world: World, story: Callable[[World], set[MessageKind]]
) -> None:
    expected = story(world)
    sent = world.forum.outbox()
    assert expected <= {m.kind for m in sent}
    for sent_message in sent:
        assert missing_params(sent_message.kind, sent_message.params) == frozenset(), (
            sent_message.kind
        )
        for lang in LANGS:
            render(sent_message, lang, "Asia/Seoul", strict=True)
