"""Hypothesis strategies for proforum's domain types, every value a valid one.

Each strategy builds values the way proforum does (through ``parse``, ``plan``,
``create`` and the transition methods), so they pass every validator and sit in
a state the library can reach.  Installing proforum registers them with
Hypothesis through the ``hypothesis`` entry point, so ``st.from_type`` and
``st.builds`` find them::

    from hypothesis import given, strategies as st
    from proforum.domain.identity import Member

    @given(st.from_type(Member))
    def test_profile_card(member):
        assert render_card(member)

or use the functions directly for finer control, e.g. ``meetups(states=["open"])``.
Importing this module also registers them (for a source checkout that was not
installed).  Importing it needs Hypothesis, which is only a test dependency.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

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
from proforum.domain.community import JOB_FUNCTIONS, Community, Membership, Role
from proforum.domain.identity import (
    COMPANY_MAX,
    MAX_YEARS_OF_EXPERIENCE,
    NICKNAME_MAX,
    NICKNAME_MIN,
    Member,
    Nickname,
    RealName,
    check_email,
)
from proforum.domain.meetup import (
    Application,
    ApplicationState,
    MeetingRef,
    Meetup,
    MeetupFormat,
    MeetupState,
)
from proforum.domain.notification import DeliveryStatus, Message, MessageKind
from proforum.domain.preferences import MANDATORY_KINDS, NotificationPreference
from proforum.domain.survey import (
    LOWEST_MIN_RESPONSES,
    Audience,
    Breakdown,
    Choice,
    Question,
    QuestionKind,
    Survey,
)
from proforum.domain.survey_questions import CHOICE_KINDS
from proforum.errors import InvalidInput


# Hypothesis calls its entry points while it is itself being imported.  When this
# module is what imports Hypothesis first, Hypothesis finds it half initialised:
# so _register is defined before Hypothesis is imported, does nothing in that
# case, and the call at the end of this module registers the strategies instead.
def _register() -> None:
    """Register every strategy of this module with ``st.register_type_strategy``.

    The ``hypothesis`` entry point of the proforum distribution names this
    function; importing this module runs it too.
    """
    namespace = globals()
    if "_REGISTRY" not in namespace:  # half initialised: see the comment above
        return
    from hypothesis import strategies as st

    for cls, name in namespace["_REGISTRY"]:
        st.register_type_strategy(cls, namespace[name]())


from hypothesis import strategies as st  # noqa: E402  (see _register)

#: Characters names are drawn from: Hangul syllables, ASCII letters and digits,
#: and a wider sample of letters from other scripts.
_HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
_ASCII = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_LETTERS = st.characters(categories=["L", "N"], exclude_characters="\u115f\u1160\u3164\uffa0")
_NAME_CHAR = st.one_of(_HANGUL, _ASCII, _LETTERS)
_TEXT_CHAR = st.one_of(_HANGUL, _ASCII, st.sampled_from(" .,!?/()-"), _LETTERS)

#: Zones the strategies show times in; all exist in every tz database.
TIME_ZONES = ("Asia/Seoul", "UTC", "Asia/Tokyo", "Europe/Berlin", "America/New_York")

_EPOCH = datetime(2020, 1, 1)


def _valid(parse: Callable[[object], object]) -> Callable[[object], bool]:
    """Turn a ``parse`` that raises on bad input into a predicate for ``filter``."""

    def check(value: object) -> bool:
        try:
            parse(value)
        except InvalidInput:
            return False
        return True

    return check


# --------------------------------------------------------------------------- building blocks


def ids(prefix: str) -> st.SearchStrategy[str]:
    """Identifiers such as ``mem_3f2a09c1``: the prefix, ``_``, 8 to 32 hex digits."""
    return st.text("0123456789abcdef", min_size=8, max_size=32).map(lambda h: f"{prefix}_{h}")


def member_ids() -> st.SearchStrategy[MemberId]:
    """Member ids (``mem_...``)."""
    return ids("mem").map(MemberId)


def community_ids() -> st.SearchStrategy[CommunityId]:
    """Community ids (``com_...``)."""
    return ids("com").map(CommunityId)


def post_ids() -> st.SearchStrategy[PostId]:
    """Post ids (``pst_...``)."""
    return ids("pst").map(PostId)


def comment_ids() -> st.SearchStrategy[CommentId]:
    """Comment ids (``cmt_...``)."""
    return ids("cmt").map(CommentId)


def meetup_ids() -> st.SearchStrategy[MeetupId]:
    """Meetup ids (``mtp_...``)."""
    return ids("mtp").map(MeetupId)


def survey_ids() -> st.SearchStrategy[SurveyId]:
    """Survey ids (``srv_...``)."""
    return ids("srv").map(SurveyId)


def response_ids() -> st.SearchStrategy[ResponseId]:
    """Survey response ids (``rsp_...``)."""
    return ids("rsp").map(ResponseId)


def message_ids() -> st.SearchStrategy[MessageId]:
    """Message ids (``msg_...``)."""
    return ids("msg").map(MessageId)


def utc_datetimes(
    min_value: datetime = _EPOCH, max_value: datetime = datetime(2100, 1, 1)
) -> st.SearchStrategy[datetime]:
    """Aware UTC datetimes between two naive bounds (read as UTC), the only kind proforum stores."""
    return st.datetimes(min_value=min_value, max_value=max_value, timezones=st.just(UTC))


def time_zones() -> st.SearchStrategy[str]:
    """IANA time-zone names from :data:`TIME_ZONES`."""
    return st.sampled_from(TIME_ZONES)


def job_functions() -> st.SearchStrategy[str]:
    """Job-function codes: the built-in ones and other well-formed slugs."""
    builtin = st.sampled_from([job.code for job in JOB_FUNCTIONS])
    return st.one_of(builtin, slugs())


def slugs() -> st.SearchStrategy[str]:
    """Lowercase slugs such as ``marketing-pr``."""
    return st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,47}\Z")


def texts(max_size: int = 200, *, min_size: int = 1) -> st.SearchStrategy[str]:
    """One-line texts (titles, topics...) that survive proforum's text cleaning."""
    return (
        st.text(_TEXT_CHAR, min_size=min_size, max_size=max_size)
        .map(lambda t: unicodedata.normalize("NFC", t).strip())
        .filter(lambda t: len(t) >= min_size)
    )


def secrets() -> st.SearchStrategy[Secret]:
    """Secrets holding https links, as meeting links are."""
    return ids("room").map(lambda room: Secret(f"https://meet.proforum.test/{room}?pwd=x"))


# --------------------------------------------------------------------------- members


def nicknames() -> st.SearchStrategy[Nickname]:
    """Fixed nicknames (고정 닉네임) as :meth:`Nickname.parse` returns them."""
    raw = st.text(_NAME_CHAR, min_size=NICKNAME_MIN, max_size=NICKNAME_MAX)
    return raw.filter(_valid(Nickname.parse)).map(Nickname.parse)


def real_names() -> st.SearchStrategy[RealName]:
    """Real names (실명): a Korean name, or given and family names, as :meth:`RealName.parse` returns them."""
    korean = st.text(_HANGUL, min_size=2, max_size=5)
    words = st.lists(st.text(_NAME_CHAR, min_size=1, max_size=12), min_size=1, max_size=4)
    raw = st.one_of(korean, words.map(" ".join))
    return raw.filter(_valid(RealName.parse)).map(RealName.parse)


_LOCAL_PART = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,12}(\.[A-Za-z0-9_+-]{1,12}){0,2}"
_DOMAIN_LABEL = r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?"


def emails() -> st.SearchStrategy[str]:
    """E-mail addresses :func:`~proforum.domain.identity.check_email` accepts.

    Dot-atom local parts with the odd ``+``, ``'`` or ``!``, and host names of
    two to four labels, as people really type them.
    """
    address = rf"\A{_LOCAL_PART}@{_DOMAIN_LABEL}(\.{_DOMAIN_LABEL}){{0,2}}\.[a-z]{{2,6}}\Z"
    return st.from_regex(address).filter(_valid(check_email))


def members(
    *,
    identities: st.SearchStrategy[RealName | Nickname] | None = None,
    job_function: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Member]:
    """Members with a real name or a nickname and a valid, sometimes sparse, profile.

    Some have an e-mail address, most none.
    """
    return st.builds(
        Member,
        id=member_ids(),
        identity=identities or st.one_of(real_names(), nicknames()),
        job_function=job_function or job_functions(),
        registered_at=utc_datetimes(),
        company=st.none() | texts(COMPANY_MAX),
        years_of_experience=st.none() | st.integers(0, MAX_YEARS_OF_EXPERIENCE),
        locale=st.sampled_from(["ko", "en"]),
        time_zone=time_zones(),
        email=st.none() | emails(),
    )


# --------------------------------------------------------------------------- communities


def communities() -> st.SearchStrategy[Community]:
    """Communities with a slug, a name, a job function and optional rules."""
    return st.builds(
        Community,
        id=community_ids(),
        slug=slugs(),
        name=texts(100),
        job_function=job_functions(),
        created_at=utc_datetimes(),
        rules=st.just("") | texts(500),
        time_zone=time_zones(),
    )


def memberships(*, roles: Iterable[Role | str] | None = None) -> st.SearchStrategy[Membership]:
    """Memberships with one of ``roles`` (every role by default)."""
    return st.builds(
        Membership,
        community_id=community_ids(),
        member_id=member_ids(),
        role=st.sampled_from([Role(r) for r in roles or Role]),
        joined_at=utc_datetimes(),
    )


# --------------------------------------------------------------------------- meetups


def meeting_refs(provider: str = "manual") -> st.SearchStrategy[MeetingRef]:
    """Video meetings of ``provider`` with a secret https join link."""
    return st.builds(
        MeetingRef,
        provider=st.just(provider),
        meeting_id=ids(provider),
        join_url=secrets(),
    )


#: The transitions that lead from ``draft`` to each state.
_PATHS: dict[MeetupState, tuple[str, ...]] = {
    MeetupState.DRAFT: (),
    MeetupState.OPEN: ("open_applications",),
    MeetupState.CLOSED: ("open_applications", "close_applications"),
    MeetupState.DRAWN: ("open_applications", "close_applications", "mark_drawn"),
    MeetupState.ENDED: ("open_applications", "close_applications", "mark_drawn", "end"),
    MeetupState.CANCELLED: ("cancel",),
}


@st.composite
def _meetup(draw: st.DrawFn, states: tuple[MeetupState, ...], max_capacity: int) -> Meetup:
    minutes = st.integers(1, 60 * 24 * 60)
    created = draw(utc_datetimes(max_value=datetime(2090, 1, 1)))
    opens = created + timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
    closes = opens + timedelta(minutes=draw(minutes))
    starts = closes + timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
    ends = starts + timedelta(minutes=draw(st.integers(15, 60 * 12)))
    meetup_format = draw(st.sampled_from(MeetupFormat))
    meetup = Meetup.plan(
        id=draw(meetup_ids()),
        community_id=draw(community_ids()),
        host_id=draw(member_ids()),
        title=draw(texts(200)),
        topic=draw(texts(500)),
        starts_at=starts,
        ends_at=ends,
        capacity=draw(st.integers(1, max_capacity)),
        applications_open_at=opens,
        applications_close_at=closes,
        created_at=created,
        time_zone=draw(time_zones()),
        format=meetup_format,
        venue=draw(texts(300)) if meetup_format is MeetupFormat.OFFLINE else None,
    )
    state = draw(st.sampled_from(states))
    for step in _PATHS[state]:
        meetup = getattr(meetup, step)()
    if state in (MeetupState.DRAWN, MeetupState.ENDED) and draw(st.booleans()):
        meetup = attrs.evolve(meetup, meeting=draw(meeting_refs()))
    return meetup


def meetups(
    *, states: Iterable[MeetupState | str] | None = None, max_capacity: int = 200
) -> st.SearchStrategy[Meetup]:
    """Meetups planned through :meth:`Meetup.plan` and moved to one of ``states``.

    Schedules are consistent (created, then the application window, then the
    start and the end); drawn and ended meetups sometimes have a meeting.
    """
    return _meetup(tuple(MeetupState(s) for s in states or MeetupState), max_capacity)


def applications(
    *, states: Iterable[ApplicationState | str] | None = None
) -> st.SearchStrategy[Application]:
    """Applications in one of ``states``, updated no earlier than they were made."""

    @st.composite
    def build(draw: st.DrawFn) -> Application:
        applied = draw(utc_datetimes(max_value=datetime(2090, 1, 1)))
        return Application(
            meetup_id=draw(meetup_ids()),
            member_id=draw(member_ids()),
            state=draw(st.sampled_from([ApplicationState(s) for s in states or ApplicationState])),
            applied_at=applied,
            updated_at=applied + timedelta(seconds=draw(st.integers(0, 86_400 * 30))),
        )

    return build()


# --------------------------------------------------------------------------- surveys


def rating_questions() -> st.SearchStrategy[Question]:
    """Required rating questions (id ``q1``) in Korean and English, scale 2 to 10 (5 most often)."""
    return st.builds(
        Question.rating,
        id=st.just("q1"),
        text_ko=texts(300),
        text_en=texts(300),
        scale=st.just(5) | st.integers(2, 10),
    )


_QUESTION_IDS = st.from_regex(r"\A[a-z][a-z0-9_-]{0,15}\Z")


@st.composite
def _choices(draw: st.DrawFn) -> list[Choice]:
    ids = draw(st.lists(_QUESTION_IDS, min_size=2, max_size=6, unique=True), label="choice ids")
    return [Choice(i, draw(texts(100)), draw(texts(100))) for i in ids]


@st.composite
def _question(draw: st.DrawFn, kinds: tuple[QuestionKind, ...]) -> Question:
    kind = draw(st.sampled_from(kinds), label="kind")
    question = Question(
        id=draw(_QUESTION_IDS, label="id"),
        kind=kind,
        text_ko=draw(texts(300)),
        text_en=draw(texts(300)),
        required=draw(st.booleans(), label="required"),
        scale=draw(st.just(5) | st.integers(2, 10)) if kind is QuestionKind.RATING else None,
        choices=draw(_choices()) if kind in CHOICE_KINDS else (),
    )
    return question.checked()


def questions(*, kinds: Iterable[QuestionKind | str] | None = None) -> st.SearchStrategy[Question]:
    """Valid survey questions of any of ``kinds`` (every kind by default)."""
    return _question(tuple(QuestionKind(k) for k in kinds or QuestionKind))


@st.composite
def _survey(draw: st.DrawFn) -> Survey:
    created = draw(utc_datetimes(max_value=datetime(2090, 1, 1)))
    opens = created + timedelta(minutes=draw(st.integers(0, 60 * 24 * 7)))
    about_meetup = draw(st.booleans(), label="about a meetup")
    asked = draw(st.lists(questions(), min_size=1, max_size=5, unique_by=lambda q: q.id))
    if not any(q.required for q in asked):
        asked[0] = attrs.evolve(asked[0], required=True)
    min_responses = draw(st.integers(LOWEST_MIN_RESPONSES, 50), label="min_responses")
    survey = Survey.create(
        id=draw(survey_ids()),
        community_id=draw(community_ids()),
        meetup_id=draw(meetup_ids()) if about_meetup else None,
        title=draw(texts(200)),
        questions=asked,
        opens_at=opens,
        closes_at=opens + timedelta(minutes=draw(st.integers(1, 60 * 24 * 30))),
        created_at=created,
        anonymous=draw(st.booleans()),
        audience=draw(st.sampled_from(list(Audience))) if about_meetup else None,
        min_responses=min_responses,
        min_text_responses=draw(st.none() | st.integers(min_responses, 60)),
        breakdown=draw(st.none() | st.sampled_from(list(Breakdown))),
    )
    return survey.close() if draw(st.booleans()) else survey


def surveys() -> st.SearchStrategy[Survey]:
    """Surveys made through :meth:`Survey.create`, about a meetup or a community, open or closed."""
    return _survey()


# --------------------------------------------------------------------------- messages


@st.composite
def _message(draw: st.DrawFn, statuses: tuple[DeliveryStatus, ...]) -> Message:
    created = draw(utc_datetimes(max_value=datetime(2090, 1, 1)))
    message = Message(
        id=draw(message_ids()),
        recipient_id=draw(member_ids()),
        kind=draw(st.sampled_from(MessageKind)),
        channel=draw(st.sampled_from(["inbox", "smtp", "recording"])),
        created_at=created,
        params=draw(
            st.dictionaries(st.from_regex(r"\A[a-z_]{1,20}\Z"), texts(100, min_size=0), max_size=5)
        ),
        subject=draw(st.none() | meetup_ids()),
    )
    status = draw(st.sampled_from(statuses))
    later = created + timedelta(seconds=draw(st.integers(0, 86_400)))
    failures = draw(st.integers(0, 3)) if status is DeliveryStatus.PENDING else 0
    for _ in range(failures):
        message = message.failed("TimeoutError", give_up=False, retry_at=later)
    if status is DeliveryStatus.PENDING and draw(st.booleans()):
        # A relay is delivering it: leased to a relay pass until some later time.
        relay = draw(st.from_regex(r"\A[a-z0-9-]{1,20}:[0-9]{1,7}:[0-9a-f]{8}\Z"))
        message = message.claimed(relay, later + timedelta(minutes=5))
    if status is DeliveryStatus.SENT:
        message = message.sent(later)
    elif status is DeliveryStatus.FAILED:
        message = message.failed("SMTPRecipientsRefused", give_up=True)
    elif status is DeliveryStatus.CANCELLED:
        # Withdrawn before delivery, as ``MessageRepository.withdraw`` leaves it.
        message = attrs.evolve(
            message, status=DeliveryStatus.CANCELLED, claimed_by=None, claimed_until=None
        )
    return message


def messages(
    *, statuses: Iterable[DeliveryStatus | str] | None = None
) -> st.SearchStrategy[Message]:
    """Outbox messages in one of ``statuses``, with the attempts that lead there.

    Some pending messages are claimed by a relay (``claimed_by``, ``claimed_until``);
    some are about a meetup (``subject``).
    """
    return _message(tuple(DeliveryStatus(s) for s in statuses or DeliveryStatus))


# --------------------------------------------------------------------------- preferences


def channels() -> st.SearchStrategy[str]:
    """Notifier names a forum delivers through (``inbox``, ``smtp``...)."""
    return st.sampled_from(["inbox", "smtp", "recording", "webhook"])


@st.composite
def _preference(draw: st.DrawFn, kinds: tuple[MessageKind, ...]) -> NotificationPreference:
    kind = draw(st.sampled_from(kinds))
    # A kind every member must get can only be chosen on.
    enabled = True if kind in MANDATORY_KINDS else draw(st.booleans())
    return NotificationPreference(draw(member_ids()), draw(channels()), kind, enabled)


def notification_preferences(
    *, kinds: Iterable[MessageKind | str] | None = None
) -> st.SearchStrategy[NotificationPreference]:
    """A member's choice for one of ``kinds`` (every kind by default) on one channel.

    Kinds in :data:`~proforum.domain.preferences.MANDATORY_KINDS` are only
    ever switched on, as the domain requires.
    """
    return _preference(tuple(MessageKind(k) for k in kinds or MessageKind))


__all__ = [
    "TIME_ZONES",
    "applications",
    "channels",
    "comment_ids",
    "communities",
    "community_ids",
    "emails",
    "ids",
    "job_functions",
    "meeting_refs",
    "meetup_ids",
    "meetups",
    "member_ids",
    "members",
    "memberships",
    "message_ids",
    "messages",
    "nicknames",
    "notification_preferences",
    "post_ids",
    "questions",
    "rating_questions",
    "real_names",
    "response_ids",
    "secrets",
    "slugs",
    "survey_ids",
    "surveys",
    "texts",
    "time_zones",
    "utc_datetimes",
]

#: Each registered type and the name of the function in this module that builds it.
_REGISTRY: tuple[tuple[Any, str], ...] = (
    (MemberId, "member_ids"),
    (CommunityId, "community_ids"),
    (PostId, "post_ids"),
    (CommentId, "comment_ids"),
    (MeetupId, "meetup_ids"),
    (SurveyId, "survey_ids"),
    (ResponseId, "response_ids"),
    (MessageId, "message_ids"),
    (Secret, "secrets"),
    (Nickname, "nicknames"),
    (RealName, "real_names"),
    (Member, "members"),
    (Community, "communities"),
    (Membership, "memberships"),
    (MeetingRef, "meeting_refs"),
    (Meetup, "meetups"),
    (Application, "applications"),
    (Question, "questions"),
    (Survey, "surveys"),
    (Message, "messages"),
    (NotificationPreference, "notification_preferences"),
)

_register()
