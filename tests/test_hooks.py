"""One test per hook in proforum/hookspecs.py, plus how plugins and adapters combine.

Every test registers a small real plugin (an object with ``@proforum.hookimpl``
methods) in a manager made by ``get_plugin_manager(load_entrypoints=False)``,
drives the forum through its use cases and checks what the hook received.
Event hooks also check, from inside the hook, that the change was already
committed: they open their own unit of work on ``forum.storage``.  (The memory
backend refuses a nested unit of work, so a hook called inside the use case's
transaction would fail loudly.)
"""

from __future__ import annotations

import logging
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pluggy
import pytest

import proforum
from forum_world import LINK, World, assert_unchanged, build_world
from proforum import ManualClock, Role, SeededIds
from proforum.adapters.memory import MemoryStorage
from proforum.domain.common import MemberId, PostId, Secret
from proforum.domain.content import PolicyViolation, Post
from proforum.domain.content_status import ContentKind
from proforum.domain.employer import EmployerCheck
from proforum.domain.identity import Member
from proforum.domain.meetup import MeetingRef, Meetup
from proforum.domain.notification import DeliveryStatus, Message, MessageKind
from proforum.domain.participation import ParticipationRecord
from proforum.domain.verdicts import Verdict
from proforum.errors import (
    AlreadyApplied,
    AlreadyDrawn,
    ContentRejected,
    DuplicateAdapter,
    IllegalTransition,
    InvalidVerdict,
    InvalidVerifierResult,
    NicknameTaken,
    NotACommunityMember,
    NotFound,
    RoleRequired,
    StorageError,
    UnknownAdapter,
    VerificationRefused,
)
from proforum.ports.context import AdapterContext
from proforum.ports.notifier import RenderedMessage
from proforum.ports.storage import UnitOfWork
from proforum.ports.video import MeetingRequest
from proforum.services.base import DeliveryReport

# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def pm() -> pluggy.PluginManager:
    return proforum.get_plugin_manager(load_entrypoints=False)


@pytest.fixture
def forum(pm: pluggy.PluginManager, clock: ManualClock) -> Iterator[proforum.Forum]:
    """Overrides conftest's ``forum`` so each test holds the manager (``pm``) it uses."""
    with proforum.open("memory://", plugin_manager=pm, clock=clock, ids=SeededIds("hooks")) as f:
        yield f


def available(error: UnknownAdapter) -> set[str]:
    """The names an UnknownAdapter error offers, checked to appear in both messages."""
    listed = error.params["available"]
    assert listed in error.message_en
    assert listed in error.message_ko
    return set(listed.split(", "))


def cast(forum: proforum.Forum, clock: ManualClock) -> World:
    """The conftest ``world`` cast, for forums a test opens with its own adapters."""
    return build_world(forum, clock)


# --------------------------------------------------------------------------- event recorder


@attrs.define
class Seen:
    """One call of an event hook: its arguments and what a fresh unit of work read then."""

    args: dict[str, Any]
    committed: Any


class EventRecorder:
    """Implements every event hook; each call reads the committed state in its own unit of work."""

    def __init__(self) -> None:
        self.calls: dict[str, list[Seen]] = defaultdict(list)

    def _record(
        self, hook: str, forum: proforum.Forum, read: Callable[[UnitOfWork], Any], **args: Any
    ) -> None:
        with forum.storage.unit_of_work() as uow:
            committed = read(uow)
        self.calls[hook].append(Seen({"forum": forum, **args}, committed))

    def only(self, hook: str) -> Seen:
        """Return the single call of ``hook``, failing if there were none or several."""
        calls = self.calls[hook]
        assert len(calls) == 1, f"{hook} called {len(calls)} times"
        return calls[0]

    @proforum.hookimpl
    def proforum_member_registered(self, forum: proforum.Forum, member: Member) -> None:
        self._record("member_registered", forum, lambda u: u.members.get(member.id), member=member)

    @proforum.hookimpl
    def proforum_member_erased(self, forum: proforum.Forum, member: Member) -> None:
        self._record("member_erased", forum, lambda u: u.members.get(member.id), member=member)

    @proforum.hookimpl
    def proforum_post_published(self, forum: proforum.Forum, post: Any, community: Any) -> None:
        self._record(
            "post_published", forum, lambda u: u.posts.get(post.id), post=post, community=community
        )

    @proforum.hookimpl
    def proforum_comment_published(self, forum: proforum.Forum, comment: Any, post: Any) -> None:
        self._record(
            "comment_published",
            forum,
            lambda u: u.comments.get(comment.id),
            comment=comment,
            post=post,
        )

    @proforum.hookimpl
    def proforum_application_made(
        self, forum: proforum.Forum, application: Any, meetup: Any
    ) -> None:
        self._record(
            "application_made",
            forum,
            lambda u: u.applications.get(application.meetup_id, application.member_id),
            application=application,
            meetup=meetup,
        )

    @proforum.hookimpl
    def proforum_draw_done(self, forum: proforum.Forum, meetup: Any, draw: Any) -> None:
        self._record(
            "draw_done",
            forum,
            lambda u: (u.meetups.get(meetup.id), u.draws.get(meetup.id)),
            meetup=meetup,
            draw=draw,
        )

    @proforum.hookimpl
    def proforum_meetup_ended(
        self, forum: proforum.Forum, meetup: Any, attended: int, no_shows: int
    ) -> None:
        self._record(
            "meetup_ended",
            forum,
            lambda u: (u.meetups.get(meetup.id), list(u.applications.for_meetup(meetup.id))),
            meetup=meetup,
            attended=attended,
            no_shows=no_shows,
        )

    @proforum.hookimpl
    def proforum_survey_closed(self, forum: proforum.Forum, survey: Any, result: Any) -> None:
        self._record(
            "survey_closed",
            forum,
            lambda u: u.surveys.get(survey.id),
            survey=survey,
            result=result,
        )


@pytest.fixture
def recorder(pm: pluggy.PluginManager) -> EventRecorder:
    plugin = EventRecorder()
    pm.register(plugin)
    return plugin


# --------------------------------------------------------------------------- registration hooks


@attrs.define
class WrappedMemoryStorage:
    """A MemoryStorage behind another name, counting the units of work use cases open."""

    url: str
    name: str = "wrapped"
    inner: MemoryStorage = attrs.field(factory=MemoryStorage)
    units: int = 0
    closed: bool = False

    def unit_of_work(self) -> Any:
        self.units += 1
        return self.inner.unit_of_work()

    def close(self) -> None:
        self.closed = True


@attrs.define
class WrappedMemoryFactory:
    name: str = "wrapped"
    schemes: tuple[str, ...] = ("wrapped",)
    opened: list[WrappedMemoryStorage] = attrs.field(factory=list)

    def open(self, url: str) -> WrappedMemoryStorage:
        storage = WrappedMemoryStorage(url)
        self.opened.append(storage)
        return storage


class StoragePlugin:
    def __init__(self, *factories: Any) -> None:
        self.factories = list(factories)

    @proforum.hookimpl
    def proforum_register_storage(self) -> list[Any]:
        return self.factories


def test_hook_proforum_register_storage(pm: pluggy.PluginManager, clock: ManualClock) -> None:
    factory = WrappedMemoryFactory()
    pm.register(StoragePlugin(factory))

    with proforum.open("wrapped://team-a", plugin_manager=pm, clock=clock) as forum:
        (storage,) = factory.opened
        assert forum.storage is storage
        assert storage.url == "wrapped://team-a"
        before = storage.units
        member = forum.register_member(real_name="김운영", job_function="marketing-pr")
        assert storage.units > before  # the use case ran on the plugin's storage
        assert forum.member(member.id) == member
    assert storage.closed

    # A driver suffix after "+" still selects the factory by its scheme.
    with proforum.open("wrapped+fast://team-b", plugin_manager=pm, clock=clock) as forum:
        assert forum.storage is factory.opened[-1]
        assert factory.opened[-1].url == "wrapped+fast://team-b"

    # The built-in backend is still chosen by its own scheme.
    with proforum.open("memory://", plugin_manager=pm, clock=clock) as forum:
        assert isinstance(forum.storage, MemoryStorage)
    assert len(factory.opened) == 2


def test_storage_is_closed_when_opening_the_forum_fails(
    pm: pluggy.PluginManager, clock: ManualClock
) -> None:
    factory = WrappedMemoryFactory()
    pm.register(StoragePlugin(factory))
    # An unknown notifier is found before any storage is opened...
    with pytest.raises(UnknownAdapter):
        proforum.open("wrapped://", plugin_manager=pm, clock=clock, notifier="carrier-pigeon")
    assert factory.opened == []

    # ...and a chosen notifier whose settings are refused closes the opened storage.
    class Refusing:
        name = "refusing"

        def create(self, context: AdapterContext, options: Mapping[str, Any]) -> Any:
            raise ValueError("missing settings")

    class NotifierPlugin:
        @proforum.hookimpl
        def proforum_register_notifiers(self) -> list[Any]:
            return [Refusing()]

    pm.register(NotifierPlugin())
    with pytest.raises(ValueError, match="missing settings"):
        proforum.open("wrapped://", plugin_manager=pm, clock=clock, notifier="refusing")
    (storage,) = factory.opened
    assert storage.closed
    # A forum that does not choose it opens fine: adapters are built when first used.
    with proforum.open("wrapped://", plugin_manager=pm, clock=clock) as forum:
        assert forum.storage is factory.opened[-1]


@attrs.define
class PersonalLinkProvider:
    """Gives every member a personal link to one meeting, as Zoom registrants get."""

    base_url: str
    requests: list[MeetingRequest] = attrs.field(factory=list)
    name: str = "personal"

    def create_meeting(self, request: MeetingRequest) -> MeetingRef:
        self.requests.append(request)
        room = f"room-{len(self.requests)}"
        return MeetingRef(self.name, room, Secret(f"{self.base_url}/{room}"))

    def join_link(self, meeting: MeetingRef, member_id: MemberId) -> Secret:
        return Secret(f"{meeting.join_url.reveal()}?who={member_id}")


@attrs.define
class PersonalLinkFactory:
    name: str = "personal"
    built: list[tuple[AdapterContext, Mapping[str, Any], PersonalLinkProvider]] = attrs.field(
        factory=list
    )

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> PersonalLinkProvider:
        provider = PersonalLinkProvider(options.get("base_url", "https://video.example"))
        self.built.append((context, options, provider))
        return provider


class VideoPlugin:
    def __init__(self, *factories: Any) -> None:
        self.factories = list(factories)

    @proforum.hookimpl
    def proforum_register_video_providers(self) -> list[Any]:
        return self.factories


def test_hook_proforum_register_video_providers(
    pm: pluggy.PluginManager, clock: ManualClock
) -> None:
    factory = PersonalLinkFactory()
    pm.register(VideoPlugin(factory))
    options = {"personal": {"base_url": "https://meet.example.org"}}
    with proforum.open("memory://", plugin_manager=pm, clock=clock, video_options=options) as forum:
        assert factory.built == []  # built when first used, not when the forum opens
        world = cast(forum, clock)
        draft = world.meetup(capacity=1)
        meetup = world.drawn_meetup(capacity=3)
        meeting = forum.set_meeting(
            world.host.id, meetup.id, provider="personal", options={"room_hint": "pr"}
        )
        ((context, got_options, provider),) = factory.built
        assert context.storage is forum.storage
        assert context.clock is clock
        assert got_options == {"base_url": "https://meet.example.org"}
        assert meeting.provider == "personal"
        (request,) = provider.requests
        assert (request.meetup_id, request.title) == (meetup.id, meetup.title)
        assert (request.starts_at, request.ends_at) == (meetup.starts_at, meetup.ends_at)
        assert request.options == {"room_hint": "pr"}
        assert forum.meetup(world.host.id, meetup.id).meeting == meeting

        # Each seat holder gets their own link, in the message and on demand.
        holders = world.seat_holders(meetup)
        assert forum.send_meeting_links(world.host.id, meetup.id) == len(holders) == 3
        sent = {
            m.recipient_id: m.params["link"]
            for m in forum.outbox()
            if m.kind is MessageKind.MEETING_LINK
        }
        expected = {h: f"https://meet.example.org/{meeting.meeting_id}?who={h}" for h in holders}
        assert sent == expected
        for holder in holders:
            assert forum.meeting_link(holder, meetup.id) == expected[holder]

        # The built-in provider is still there under its own name.
        manual = forum.set_meeting(
            world.host.id, draft.id, provider="manual", options={"join_url": LINK}
        )
        assert manual.provider == "manual"


def test_unknown_video_provider_lists_the_available_ones_and_changes_nothing(
    pm: pluggy.PluginManager, clock: ManualClock
) -> None:
    pm.register(VideoPlugin(PersonalLinkFactory()))
    with proforum.open("memory://", plugin_manager=pm, clock=clock) as forum:
        world = cast(forum, clock)
        meetup = world.drawn_meetup()
        with pytest.raises(UnknownAdapter) as caught:
            forum.set_meeting(world.host.id, meetup.id, provider="zoom")
        assert caught.value.params["kind"] == "video"
        assert {"manual", "personal"} <= available(caught.value)
        assert forum.meetup(world.host.id, meetup.id).meeting is None


@attrs.define
class DeskNotifier:
    """Records deliveries; fails the first ``failures`` attempts for every message."""

    failures: int = 0
    name: str = "desk"
    delivered: list[tuple[Message, Member, RenderedMessage]] = attrs.field(factory=list)
    attempts: dict[str, int] = attrs.field(factory=lambda: defaultdict(int))

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        self.attempts[message.id] += 1
        if self.attempts[message.id] <= self.failures:
            raise ConnectionError(f"desk unreachable while sending {rendered.body}")
        self.delivered.append((message, recipient, rendered))


@attrs.define
class DeskFactory:
    name: str = "desk"
    built: list[tuple[Mapping[str, Any], DeskNotifier]] = attrs.field(factory=list)

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> DeskNotifier:
        notifier = DeskNotifier(failures=options.get("failures", 0))
        self.built.append((options, notifier))
        return notifier


class NotifierPlugin:
    def __init__(self, *factories: Any) -> None:
        self.factories = list(factories)

    @proforum.hookimpl
    def proforum_register_notifiers(self) -> list[Any]:
        return self.factories


def test_hook_proforum_register_notifiers(pm: pluggy.PluginManager, clock: ManualClock) -> None:
    factory = DeskFactory()
    pm.register(NotifierPlugin(factory))
    with proforum.open(
        "memory://",
        plugin_manager=pm,
        clock=clock,
        notifier="desk",
        notifier_options={"desk": {"team": "ops"}},
    ) as forum:
        ((options, desk),) = factory.built
        assert options == {"team": "ops"}
        world = cast(forum, clock)
        world.open_meetup()  # the announcement goes to every member of the community

        community_members = {
            m.member_id for m in forum.memberships(world.host.id, world.community.id)
        }
        assert {recipient.id for _, recipient, _ in desk.delivered} == community_members
        for message, recipient, rendered in desk.delivered:
            assert message.channel == "desk"
            assert message.recipient_id == recipient.id
            assert rendered.lang == recipient.locale == "ko"
        assert all(m.status is DeliveryStatus.SENT for m in forum.outbox())
        # The chosen notifier replaced the inbox.
        assert forum.inbox(world.host.id) == []


def test_unknown_notifier_lists_the_available_ones(
    pm: pluggy.PluginManager, clock: ManualClock
) -> None:
    pm.register(NotifierPlugin(DeskFactory()))
    with pytest.raises(UnknownAdapter) as caught:
        proforum.open("memory://", plugin_manager=pm, clock=clock, notifier="kakao")
    assert caught.value.params["kind"] == "notifier"
    assert {"desk", "inbox"} <= available(caught.value)


def test_unknown_storage_scheme_lists_the_available_ones(
    pm: pluggy.PluginManager, clock: ManualClock
) -> None:
    pm.register(StoragePlugin(WrappedMemoryFactory()))
    with pytest.raises(UnknownAdapter) as caught:
        proforum.open("cassandra://db", plugin_manager=pm, clock=clock)
    assert caught.value.params["kind"] == "storage"
    assert {"memory", "wrapped"} <= available(caught.value)


def test_failing_notifier_retries_then_gives_up(
    pm: pluggy.PluginManager, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    pm.register(NotifierPlugin(DeskFactory()))
    with proforum.open(
        "memory://",
        plugin_manager=pm,
        clock=clock,
        notifier="desk",
        notifier_options={"desk": {"failures": 100}},
        max_delivery_attempts=3,
    ) as forum:
        world = cast(forum, clock)
        with caplog.at_level(logging.WARNING, logger="proforum"):
            meetup = world.open_meetup()
        # The use case succeeded although nothing could be delivered.
        assert forum.meetup(world.host.id, meetup.id).state == "open"
        messages = forum.outbox()
        assert len(messages) == 8
        for message in messages:
            assert message.status is DeliveryStatus.PENDING
            assert (message.attempts, message.last_error) == (1, "ConnectionError")
        # Only the kind of failure is logged, never the message text.
        assert len(caplog.records) == 8
        assert "desk unreachable" not in caplog.text
        assert meetup.title not in caplog.text

        clock.advance(timedelta(hours=7))  # past any backoff
        assert forum.deliver_pending() == DeliveryReport(retrying=8)
        clock.advance(timedelta(hours=7))  # past any backoff
        assert forum.deliver_pending() == DeliveryReport(failed=8)
        for message in forum.outbox():
            assert (message.status, message.attempts) == (DeliveryStatus.FAILED, 3)
        clock.advance(timedelta(hours=7))  # past any backoff
        assert forum.deliver_pending() == DeliveryReport()


def test_failing_notifier_delivers_on_retry(pm: pluggy.PluginManager, clock: ManualClock) -> None:
    factory = DeskFactory()
    pm.register(NotifierPlugin(factory))
    with proforum.open(
        "memory://",
        plugin_manager=pm,
        clock=clock,
        notifier="desk",
        notifier_options={"desk": {"failures": 1}},
    ) as forum:
        world = cast(forum, clock)
        world.open_meetup()
        assert all(m.status is DeliveryStatus.PENDING for m in forum.outbox())
        clock.advance(timedelta(hours=7))  # past any backoff
        assert forum.deliver_pending() == DeliveryReport(sent=8)
        for message in forum.outbox():
            assert (message.status, message.attempts) == (DeliveryStatus.SENT, 2)
        ((_, desk),) = factory.built
        assert len(desk.delivered) == 8


@attrs.frozen
class Named:
    """A factory stand-in: only its name and schemes matter before it is used."""

    name: str
    schemes: tuple[str, ...] = ()


@pytest.mark.parametrize(
    ("plugin", "kind", "name"),
    [
        (StoragePlugin(Named("memory", ("other",))), "storage", "memory"),
        (StoragePlugin(Named("shadow", ("memory",))), "storage", "memory"),
        (StoragePlugin(Named("a", ("x",)), Named("a", ("y",))), "storage", "a"),
        (VideoPlugin(Named("manual")), "video", "manual"),
        (NotifierPlugin(Named("inbox")), "notifier", "inbox"),
    ],
    ids=["storage-name", "storage-scheme", "same-plugin", "video", "notifier"],
)
def test_duplicate_adapters_are_refused(
    pm: pluggy.PluginManager, clock: ManualClock, plugin: object, kind: str, name: str
) -> None:
    pm.register(plugin)
    with pytest.raises(DuplicateAdapter) as caught:
        proforum.open("memory://", plugin_manager=pm, clock=clock)
    assert caught.value.params["kind"] == kind
    assert caught.value.params["name"] == name


# --------------------------------------------------------------------------- content hook


@attrs.define
class NoExposes:
    """A house rule: no exposé posts.  Records what the hook received."""

    received: list[dict[str, Any]] = attrs.field(factory=list)

    @proforum.hookimpl
    def proforum_check_post(
        self, community: Any, author: Member, title: str | None, body: str
    ) -> list[PolicyViolation]:
        self.received.append(
            {"community": community, "author": author, "title": title, "body": body}
        )
        if "고발" in f"{title or ''} {body}":
            return [PolicyViolation("civility.expose", "고발성 글 금지", "no exposés")]
        return []


def test_hook_proforum_check_post(
    pm: pluggy.PluginManager, world: World, recorder: EventRecorder
) -> None:
    rule = NoExposes()
    pm.register(rule)
    forum, author = world.forum, world.members[0]

    # Decomposed Hangul (NFD) reaches the hook already normalised to NFC.
    nfd_body = unicodedata.normalize("NFD", "  성과 측정 이야기  ")
    post = forum.publish_post(author.id, world.community.id, title="회고", body=nfd_body)
    (call,) = rule.received
    assert call == {
        "community": world.community,
        "author": author,
        "title": "회고",
        "body": "성과 측정 이야기",
    }
    assert post.body == call["body"]

    # Comments are checked too, with no title.
    forum.comment(author.id, post.id, "저도 같은 경험이 있어요")
    assert rule.received[-1]["title"] is None
    assert rule.received[-1]["body"] == "저도 같은 경험이 있어요"

    # The plugin's violation and the built-in policy's are reported together.
    with pytest.raises(ContentRejected) as caught:
        forum.publish_post(
            author.id, world.community.id, title="회사 고발", body="연락처 010-1234-5678"
        )
    assert sorted(caught.value.value) == ["civility.expose", "phone_number"]
    assert "no exposés" in caught.value.message_en
    assert "phone numbers may not be published" in caught.value.message_en
    assert "고발성 글 금지" in caught.value.message_ko

    with pytest.raises(ContentRejected) as caught:
        forum.comment(author.id, post.id, "이건 고발해야 합니다")
    assert caught.value.value == ["civility.expose"]

    # Nothing refused was stored, and no event announced it.
    assert [p.id for p in forum.feed(author.id, world.community.id).posts] == [post.id]
    assert len(forum.comments(author.id, post.id)) == 1
    assert len(recorder.calls["post_published"]) == 1
    assert len(recorder.calls["comment_published"]) == 1


def test_check_post_without_plugins_applies_the_builtin_policy_only(world: World) -> None:
    post = world.forum.publish_post(
        world.members[0].id, world.community.id, title="회사 고발", body="문제를 공유합니다"
    )
    assert post.title == "회사 고발"
    with pytest.raises(ContentRejected) as caught:
        world.forum.comment(world.members[1].id, post.id, "메일 주세요 kim@example.com")
    assert caught.value.value == ["email_address"]


# --------------------------------------------------------------------------- lottery weights


@attrs.define
class Weigh:
    """A weight policy that records its calls and weighs members by a table."""

    weights: dict[str, object]
    received: list[dict[str, Any]] = attrs.field(factory=list)

    @proforum.hookimpl
    def proforum_lottery_weight(
        self, meetup: Meetup, member: Member, record: ParticipationRecord
    ) -> object:
        self.received.append({"meetup": meetup.id, "member": member.id, "record": record})
        return self.weights.get(member.id)


class Gatekeeper:
    """Holds texts mentioning salaries, rejects "고발", records every call."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    @proforum.hookimpl
    def proforum_moderate_content(
        self,
        community: Any,
        author: Member,
        kind: ContentKind,
        title: str | None,
        body: str,
        edit: bool,
    ) -> Verdict | None:
        self.received.append({"kind": kind, "title": title, "body": body, "edit": edit})
        if "고발" in body:
            return Verdict.reject(
                PolicyViolation("civility.expose", "고발성 글 금지", "no exposés")
            )
        if "연봉" in body:
            return Verdict.hold(
                PolicyViolation(
                    "pay.review", "연봉 이야기는 확인 후 공개", "pay talk is checked first"
                )
            )
        return Verdict.allow() if kind is ContentKind.POST else None


def test_hook_proforum_moderate_content(
    pm: pluggy.PluginManager, world: World, recorder: EventRecorder
) -> None:
    gate = Gatekeeper()
    pm.register(gate)
    forum, author = world.forum, world.members[0]
    post = forum.publish_post(author.id, world.community.id, title="회고", body="성과 이야기")
    assert post.status == "visible"
    assert gate.received[-1] == {
        "kind": ContentKind.POST,
        "title": "회고",
        "body": "성과 이야기",
        "edit": False,
    }
    assert recorder.only("post_published").args["post"] == post

    # Hold: stored as held, not announced, queued with the plugin's rule.
    comment = forum.comment(world.members[1].id, post.id, "연봉 협상 팁")
    assert comment.status == "held"
    assert gate.received[-1]["kind"] is ContentKind.COMMENT
    assert gate.received[-1]["title"] is None
    assert "comment_published" not in recorder.calls
    forum.assign_role(world.operator.id, world.community.id, world.members[5].id, Role.MODERATOR)
    (queued,) = forum.moderation_queue(world.members[5].id, world.community.id)
    assert (queued.target_id, queued.held_for) == (comment.id, ("pay.review",))

    # An edit is checked with edit=True; a hold makes the visible post held.
    edited = forum.edit_post(author.id, post.id, body="연봉 이야기로 바꿉니다")
    assert gate.received[-1]["edit"] is True
    assert edited.status == "held"

    # Reject beats hold; the built-in personal-data rule's rejection is reported with it.
    with pytest.raises(ContentRejected) as caught:
        forum.publish_post(
            author.id, world.community.id, title="고발", body="연봉 고발 010-1234-5678"
        )
    assert sorted(caught.value.value) == ["civility.expose", "phone_number"]
    assert "no exposés" in caught.value.message_en
    assert "고발성 글 금지" in caught.value.message_ko

    # Anything but a verdict names the plugin and changes nothing.
    class Broken:
        @proforum.hookimpl
        def proforum_moderate_content(self) -> object:
            return "allow"

    pm.register(Broken(), name="broken-gate")
    error = assert_unchanged(
        forum,
        lambda: forum.publish_post(author.id, world.community.id, title="t", body="b"),
        InvalidVerdict,
    )
    assert error.params["plugin"] == "broken-gate"


def test_hook_proforum_lottery_weight(
    pm: pluggy.PluginManager, world: World, recorder: EventRecorder
) -> None:
    forum = world.forum
    meetup = world.applied_meetup(capacity=2, applicants=4)
    first, second, third, fourth = (m.id for m in world.members[:4])
    # Two policies: their weights multiply; None means "no opinion" (1).
    a = Weigh({first: 2, second: "0.5", third: None})
    b = Weigh({first: Decimal("1.5"), fourth: 3})
    pm.register(a)
    pm.register(b)
    world.close(meetup)
    with forum.storage.unit_of_work() as uow:
        stored = uow.commitments.get(meetup.id)
    assert stored is not None
    weights = {e.id: e.weight for e in stored.entrants}
    assert weights == {
        first: Decimal(3),
        second: Decimal("0.5"),
        third: Decimal(1),
        fourth: Decimal(3),
    }
    # Each policy saw every applicant once, with the meetup and their record.
    for policy in (a, b):
        assert sorted(c["member"] for c in policy.received) == sorted(weights)
        assert {c["meetup"] for c in policy.received} == {meetup.id}
        assert all(c["record"].applied == 1 for c in policy.received)
    # The weights are part of what is published and verified.
    forum.draw(world.host.id, meetup.id)
    record = forum.draw_record(world.host.id, meetup.id)
    assert {e["id"]: e["weight"] for e in record["entrants"]} == {
        first: "3",
        second: "0.5",
        third: "1",
        fourth: "3",
    }
    assert proforum.verify_draw(record).valid


# --------------------------------------------------------------------------- employer verifiers


class CardDesk:
    """A verifier plugin for ``business_card``: a person checked the card behind each id."""

    def __init__(self, checked: dict[str, tuple[str, str | None]]) -> None:
        self.checked = checked
        self.calls: list[dict[str, Any]] = []
        self.transaction_open: list[bool] = []
        self.forum: proforum.Forum | None = None

    @proforum.hookimpl
    def proforum_verify_employer(
        self, member: Member, method: str, company: str | None, evidence: Mapping[str, Any]
    ) -> EmployerCheck | None:
        self.calls.append(
            {"member": member.id, "method": method, "company": company, "evidence": evidence}
        )
        if self.forum is not None:
            # The memory backend refuses a nested unit of work: this shows none is open.
            try:
                with self.forum.storage.unit_of_work():
                    self.transaction_open.append(False)
            except StorageError:
                self.transaction_open.append(True)
        if method != "business_card":
            return None
        found = self.checked.get(str(evidence.get("card_id")))
        if found is None or (company is not None and company != found[0]):
            return None
        return EmployerCheck(company=found[0], domain=found[1])


class AnswersWith:
    """A verifier plugin answering every method with ``answer`` (for the odd cases)."""

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.calls = 0

    @proforum.hookimpl
    def proforum_verify_employer(self, method: str) -> object:
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_hook_proforum_verify_employer(
    pm: pluggy.PluginManager, world: World, clock: ManualClock
) -> None:
    forum, member = world.forum, world.members[0]
    desk = CardDesk({"card-7": ("리멤버앤컴퍼니", "Remember.co.kr")})
    desk.forum = forum
    pm.register(desk)
    clock.advance(timedelta(minutes=30))
    verified = forum.verify_employer_with(
        member.id, "business_card", {"card_id": "card-7"}, company="리멤버앤컴퍼니"
    )
    assert verified == proforum.EmployerVerification(
        member_id=member.id,
        company="리멤버앤컴퍼니",
        method="business_card",
        verified_at=clock.now().astimezone(UTC),
        domain="remember.co.kr",
    )
    assert forum.employer_verification(member.id) == verified
    assert desk.calls == [
        {
            "member": member.id,
            "method": "business_card",
            "company": "리멤버앤컴퍼니",
            "evidence": {"card_id": "card-7"},
        }
    ]
    assert desk.transaction_open == [False]  # called outside the use case's transaction
    # The evidence is handed over, never kept.
    assert "card-7" not in repr(forum.export_data())

    # Evidence that does not convince, or a method nobody handles: refused, nothing kept.
    other = world.members[2]
    for method, evidence in (("business_card", {"card_id": "card-8"}), ("okta", {"t": "x"})):
        exc = assert_unchanged(
            forum,
            lambda m=method, e=evidence: forum.verify_employer_with(other.id, m, e),  # type: ignore[misc]
            VerificationRefused,
        )
        assert exc.params["method"] == method
    assert [c["method"] for c in desk.calls[1:]] == ["business_card", "okta"]

    # The first non-None answer wins: the newest plugin answering stops the others.
    newest = AnswersWith(EmployerCheck(company="다른회사"))
    pm.register(newest)
    calls_before = len(desk.calls)
    assert forum.verify_employer_with(other.id, "okta", {}).company == "다른회사"
    assert newest.calls == 1
    assert len(desk.calls) == calls_before


@pytest.mark.parametrize(
    "answer",
    ["리멤버", {"company": "리멤버"}, EmployerCheck(company=" "), EmployerCheck(company="x" * 101)],
    ids=["a-string", "a-dict", "blank-company", "long-company"],
)
def test_a_verifier_answering_nonsense_records_nothing(
    pm: pluggy.PluginManager, world: World, answer: object
) -> None:
    pm.register(AnswersWith(answer))
    assert_unchanged(
        world.forum,
        lambda: world.forum.verify_employer_with(world.members[0].id, "okta", {}),
        InvalidVerifierResult,
    )


def test_a_verifier_failing_records_nothing(pm: pluggy.PluginManager, world: World) -> None:
    pm.register(AnswersWith(ConnectionError("identity provider down")))
    before = world.forum.export_data()
    with pytest.raises(ConnectionError):
        world.forum.verify_employer_with(world.members[0].id, "okta", {"token": "t"})
    assert world.forum.export_data() == before


# --------------------------------------------------------------------------- event hooks


def test_hook_proforum_member_registered(forum: proforum.Forum, recorder: EventRecorder) -> None:
    member = forum.register_member(nickname="마케터", job_function="marketing-pr")

    seen = recorder.only("member_registered")
    assert seen.args == {"forum": forum, "member": member}
    assert seen.committed == member  # visible to a fresh unit of work: committed

    with pytest.raises(NicknameTaken):
        forum.register_member(nickname="마케터", job_function="development")
    recorder.only("member_registered")


def test_hook_proforum_member_erased(forum: proforum.Forum, recorder: EventRecorder) -> None:
    member = forum.register_member(
        real_name="홍길동", job_function="marketing-pr", email="hong@example.com"
    )
    erased = forum.erase_member(member.id, member.id)

    seen = recorder.only("member_erased")
    assert seen.args == {"forum": forum, "member": erased}
    assert seen.committed == erased  # the pseudonymous record is committed before the hook
    assert erased.email is None

    other = forum.register_member(real_name="김철수", job_function="marketing-pr")
    with pytest.raises(RoleRequired):
        forum.erase_member(other.id, member.id)
    recorder.only("member_erased")


def test_hook_proforum_post_published(world: World, recorder: EventRecorder) -> None:
    forum = world.forum
    post = forum.publish_post(
        world.members[0].id, world.community.id, title="회고", body="망한 캠페인 이야기"
    )

    seen = recorder.only("post_published")
    assert seen.args == {"forum": forum, "post": post, "community": world.community}
    assert seen.committed == post

    with pytest.raises(NotACommunityMember):
        forum.publish_post(world.outsider.id, world.community.id, title="홍보", body="안녕하세요")
    with pytest.raises(ContentRejected):
        forum.publish_post(
            world.members[0].id, world.community.id, title="연락", body="010-1234-5678"
        )
    recorder.only("post_published")


def test_hook_proforum_comment_published(world: World, recorder: EventRecorder) -> None:
    forum = world.forum
    post = forum.publish_post(world.members[0].id, world.community.id, title="회고", body="본문")
    comment = forum.comment(world.members[1].id, post.id, "공감합니다")

    seen = recorder.only("comment_published")
    assert seen.args == {"forum": forum, "comment": comment, "post": post}
    assert seen.committed == comment

    with pytest.raises(NotFound):
        forum.comment(world.members[1].id, PostId("pst_missing"), "공감합니다")
    with pytest.raises(NotACommunityMember):
        forum.comment(world.outsider.id, post.id, "저도요")
    recorder.only("comment_published")


def test_hook_proforum_application_made(world: World, recorder: EventRecorder) -> None:
    forum = world.forum
    meetup = world.open_meetup()
    application = forum.apply(world.members[0].id, meetup.id)

    seen = recorder.only("application_made")
    assert seen.args == {"forum": forum, "application": application, "meetup": meetup}
    assert application.state == "applied"
    assert seen.committed == application

    with pytest.raises(AlreadyApplied):
        forum.apply(world.members[0].id, meetup.id)
    with pytest.raises(NotACommunityMember):
        forum.apply(world.outsider.id, meetup.id)
    recorder.only("application_made")


def test_hook_proforum_draw_done(world: World, recorder: EventRecorder) -> None:
    forum = world.forum
    meetup = world.applied_meetup(capacity=3)
    world.close(meetup)
    with pytest.raises(RoleRequired):
        forum.draw(world.members[0].id, meetup.id)
    assert recorder.calls["draw_done"] == []

    draw = forum.draw(world.host.id, meetup.id)

    seen = recorder.only("draw_done")
    assert seen.args["forum"] is forum
    assert seen.args["draw"] == draw
    assert seen.args["meetup"].id == meetup.id
    assert seen.args["meetup"].state == "drawn"
    assert seen.committed == (seen.args["meetup"], draw)
    assert proforum.verify_draw(seen.args["draw"].record()).valid

    with pytest.raises(AlreadyDrawn):
        forum.draw(world.host.id, meetup.id)
    recorder.only("draw_done")


def test_hook_proforum_meetup_ended(world: World, recorder: EventRecorder) -> None:
    meetup = world.ended_meetup(capacity=3, absent=1)

    seen = recorder.only("meetup_ended")
    assert seen.args["forum"] is world.forum
    assert (seen.args["attended"], seen.args["no_shows"]) == (2, 1)
    ended = seen.args["meetup"]
    assert (ended.id, ended.state) == (meetup.id, "ended")
    stored_meetup, applications = seen.committed
    assert stored_meetup == ended
    assert sorted(a.state for a in applications if a.state in ("attended", "no_show")) == [
        "attended",
        "attended",
        "no_show",
    ]

    with pytest.raises(IllegalTransition):
        world.forum.end_meetup(world.host.id, meetup.id)
    recorder.only("meetup_ended")


def test_hook_proforum_survey_closed(world: World, recorder: EventRecorder) -> None:
    forum, clock = world.forum, world.clock
    meetup = world.ended_meetup(capacity=3)
    survey = forum.create_survey(
        world.host.id,
        meetup.id,
        title="모임 후기",
        question_ko="오늘 모임은 어땠나요?",
        question_en="How was today's meetup?",
        closes_at=clock.now() + timedelta(days=1),
        min_responses=3,
    )
    for member_id in world.attendees(meetup):
        forum.answer_survey(member_id, survey.id, 4)
    with pytest.raises(RoleRequired):
        forum.close_survey(world.members[0].id, survey.id)
    assert recorder.calls["survey_closed"] == []

    result = forum.close_survey(world.host.id, survey.id)

    seen = recorder.only("survey_closed")
    assert seen.args["forum"] is forum
    assert seen.args["result"] == result
    assert (result.responses, result.mean, result.closed) == (3, 4.0, True)
    closed = seen.args["survey"]
    assert (closed.id, closed.state) == (survey.id, "closed")
    assert seen.committed == closed

    with pytest.raises(IllegalTransition):
        forum.close_survey(world.host.id, survey.id)
    recorder.only("survey_closed")


# --------------------------------------------------------------------------- how hooks combine


class Broken:
    """An event plugin with a bug."""

    @proforum.hookimpl
    def proforum_post_published(self, post: Any) -> None:
        raise RuntimeError("plugin bug")


def test_failing_event_hook_is_logged_and_the_change_stays(
    pm: pluggy.PluginManager, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    pm.register(Broken())
    with caplog.at_level(logging.ERROR, logger="proforum"):
        post = world.forum.publish_post(
            world.members[0].id, world.community.id, title="회고", body="본문"
        )

    assert world.forum.feed(world.members[0].id, world.community.id).posts == (post,)
    (record,) = [r for r in caplog.records if r.name == "proforum"]
    assert record.levelno == logging.ERROR
    assert record.getMessage().startswith("plugin ")
    assert record.getMessage().endswith("failed in proforum_post_published")
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


def test_one_failing_event_hook_does_not_hide_the_event_from_others(
    pm: pluggy.PluginManager, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    class Listener:
        def __init__(self) -> None:
            self.posts: list[Post] = []

        @proforum.hookimpl
        def proforum_post_published(self, post: Post) -> None:
            self.posts.append(post)

    before, after = Listener(), Listener()
    pm.register(before)
    pm.register(Broken())
    pm.register(after)
    with caplog.at_level(logging.ERROR, logger="proforum"):
        post = world.forum.publish_post(
            world.members[0].id, world.community.id, title="회고", body="본문"
        )
    assert before.posts == [post]
    assert after.posts == [post]
    assert len([r for r in caplog.records if r.name == "proforum"]) == 1


class Frugal:
    """Implementations that accept fewer arguments than their specs offer."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    @proforum.hookimpl
    def proforum_member_registered(self, member: Member) -> None:
        self.seen.append(member.id)

    @proforum.hookimpl
    def proforum_meetup_ended(self, no_shows: int, attended: int) -> None:
        self.seen.append((attended, no_shows))

    @proforum.hookimpl
    def proforum_check_post(self, body: str) -> list[PolicyViolation] | None:
        self.seen.append(body)
        return None


def test_hookimpls_with_fewer_arguments_still_work(pm: pluggy.PluginManager, world: World) -> None:
    frugal = Frugal()
    pm.register(frugal)
    pm.check_pending()
    member = world.forum.register_member(real_name="최신입", job_function="marketing-pr")
    world.forum.publish_post(world.members[0].id, world.community.id, title="t", body="본문")
    world.ended_meetup(capacity=2, absent=1)
    assert frugal.seen == [member.id, "본문", (1, 1)]


def test_hookimpl_asking_for_an_unknown_argument_is_refused(pm: pluggy.PluginManager) -> None:
    class Greedy:
        @proforum.hookimpl
        def proforum_member_registered(self, member: Member, referrer: str) -> None:
            raise AssertionError("never called")

    with pytest.raises(pluggy.PluginValidationError):
        pm.register(Greedy())


def test_events_reach_plugins_registered_after_the_forum_was_opened(
    forum: proforum.Forum,
) -> None:
    late = EventRecorder()
    forum.plugin_manager.register(late)
    member = forum.register_member(real_name="박늦음", job_function="sales")
    assert late.only("member_registered").args["member"] == member
