"""The installable testing kit: the ``pytest11`` plugin and the Hypothesis strategies.

An application's test suite is played by ``pytester``: a small test file that
uses the fixtures and ``st.from_type`` runs in its own pytest session, and the
outcomes are checked.  The kit's fakes also run the adapter contracts, and the
strategies are checked to produce valid values only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from importlib.metadata import entry_points
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import proforum
from proforum import ApplicationState, ManualClock, MeetupState, Role
from proforum.domain.common import CommunityId, MeetupId, MemberId, Secret
from proforum.domain.community import Community, Membership
from proforum.domain.identity import Member, Nickname, RealName
from proforum.domain.meetup import Application, MeetingRef, Meetup
from proforum.domain.notification import DeliveryStatus, Message, MessageKind
from proforum.domain.survey import Question, Survey
from proforum.serialization import structure, unstructure
from proforum.testing import strategies
from proforum.testing.contracts import NotifierContract, VideoProviderContract
from proforum.testing.factories import START, CommunityFactory, MeetupFactory, MemberFactory
from proforum.testing.fakes import FakeVideoProvider, RecordingNotifier

pytest_plugins = ["pytester"]


# --------------------------------------------------------------------------- entry points


def test_pytest_plugin_is_declared_under_pytest11() -> None:
    (found,) = [ep for ep in entry_points(group="pytest11") if ep.name == "proforum"]
    assert found.value == "proforum.testing.pytest_plugin"


def test_strategies_are_declared_under_hypothesis() -> None:
    (found,) = [ep for ep in entry_points(group="hypothesis") if ep.name == "proforum"]
    assert found.value == "proforum.testing.strategies:_register"
    assert callable(found.load())


def test_the_plugin_is_loaded_in_this_very_session(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.get_plugin("proforum") is not None


# --------------------------------------------------------------------------- fixtures, via pytester

APP_TESTS = '''
from datetime import timedelta

import pytest

import proforum
from proforum import MeetupState, Role
from proforum.domain.notification import MessageKind
from proforum.testing.factories import START


@pytest.fixture
def forum():
    """An application fixture with a common name: the kit must not clash with it."""
    return "the application's own forum"


@pytest.fixture
def clock():
    return "the application's own clock"


def test_application_fixtures_coexist(forum, clock, proforum_forum, proforum_clock):
    assert forum == "the application's own forum"
    assert clock == "the application's own clock"
    assert proforum_forum.clock is proforum_clock


def test_clock_starts_at_a_fixed_aware_time(proforum_clock):
    assert proforum_clock.now() == START
    assert proforum_clock.now().utcoffset() == timedelta(0)
    proforum_clock.advance(timedelta(days=1))
    assert proforum_clock.now() == START + timedelta(days=1)


def test_forum_is_on_the_memory_backend_with_the_kit_adapters(proforum_forum):
    assert isinstance(proforum_forum, proforum.Forum)
    pm = proforum_forum.plugin_manager
    assert pm.get_plugin("proforum.testing") is not None
    assert pm.list_plugin_distinfo() == []  # no entry-point plugins


def test_make_member_defaults_and_choices(proforum_make_member):
    first, second = proforum_make_member(), proforum_make_member()
    assert first.display_name != second.display_name
    named = proforum_make_member(real_name="김운영", locale="en")
    assert (named.display_name, named.locale) == ("김운영", "en")


def test_make_community_has_an_operator_and_a_host(proforum_forum, proforum_make_community):
    made = proforum_make_community(members=3)
    roles = {m.member_id: m.role for m in proforum_forum.memberships(made.operator.id, made.id)}
    assert roles[made.operator.id] == Role.OPERATOR
    assert roles[made.host.id] == Role.HOST
    assert [roles[m.id] for m in made.members] == [Role.MEMBER] * 3
    assert proforum_make_community().community.slug != made.community.slug


def test_make_meetup_is_open_for_applications_now(
    proforum_forum, proforum_clock, proforum_make_meetup, proforum_notifier
):
    meetup = proforum_make_meetup(applicants=2)
    assert meetup.state is MeetupState.OPEN
    assert meetup.accepts_applications_at(proforum_clock.now())
    assert len(proforum_forum.applications(meetup.host_id, meetup.id)) == 2
    assert MessageKind.APPLICATION_RECEIVED in proforum_notifier.kinds()


def test_each_test_gets_a_new_forum_part_1(proforum_make_member):
    assert proforum_make_member().display_name == "테스트회원1"


def test_each_test_gets_a_new_forum_part_2(proforum_make_member):
    assert proforum_make_member().display_name == "테스트회원1"


def test_links_come_from_the_fake_provider(
    proforum_forum, proforum_clock, proforum_make_meetup, proforum_video, proforum_notifier
):
    meetup = proforum_make_meetup(capacity=1, applicants=1)
    (applicant,) = [a.member_id for a in proforum_forum.applications(meetup.host_id, meetup.id)]
    proforum_clock.set(meetup.applications_close_at)
    proforum_forum.close_applications(meetup.host_id, meetup.id)
    proforum_forum.draw(meetup.host_id, meetup.id)
    meeting = proforum_forum.set_meeting(meetup.host_id, meetup.id, provider="fake")
    proforum_forum.send_meeting_links(meetup.host_id, meetup.id)

    assert [r.meetup_id for r in proforum_video.requests] == [meetup.id]
    (link,) = [d for d in proforum_notifier.to(applicant) if d.kind is MessageKind.MEETING_LINK]
    assert proforum_video.link_for(meeting.meeting_id, applicant) in link.text
    assert link.recipient.id == applicant
'''


def test_fixtures_work_in_an_application_test_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=APP_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=9)


KIT_FIXTURES = [
    "proforum_clock",
    "proforum_video",
    "proforum_notifier",
    "proforum_plugin_manager",
    "proforum_storage_url",
    "proforum_forum",
    "proforum_make_member",
    "proforum_make_community",
    "proforum_make_meetup",
]


def test_every_fixture_is_function_scoped(pytester: pytest.Pytester) -> None:
    """Two tests asking for every fixture get new objects each time."""
    arguments = ", ".join(KIT_FIXTURES)
    pytester.makepyfile(
        test_scopes=f"""
        SEEN = []

        def test_first({arguments}, request):
            SEEN.append({{n: id(request.getfixturevalue(n)) for n in {KIT_FIXTURES!r}}})

        def test_second({arguments}, request):
            first = SEEN[0]
            again = {{n: request.getfixturevalue(n) for n in {KIT_FIXTURES!r}}}
            # Strings are interned: the URL is the same object, but may be overridden per test.
            assert [n for n in first if first[n] == id(again[n])] == ["proforum_storage_url"]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_every_fixture_is_documented(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nothing="def test_nothing(): pass")
    out = pytester.runpytest("--fixtures", "-p", "no:cacheprovider").stdout.str()
    section = out.split("fixtures defined from proforum.testing.pytest_plugin", 1)[1]
    section = section.split(" fixtures defined from ", 1)[0]
    shown = [line.split(" ")[0] for line in section.splitlines() if line.startswith("proforum_")]
    assert sorted(shown) == sorted(KIT_FIXTURES)
    assert "no docstring available" not in section


def test_the_plugin_can_be_switched_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_off="""
        def test_needs_the_kit(proforum_forum):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:proforum")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'proforum_forum' not found*"])


def test_storage_url_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def proforum_storage_url(tmp_path):
            return f"sqlite:///{tmp_path / 'forum.db'}"
        """
    )
    pytester.makepyfile(
        test_sql="""
        def test_runs_on_sqlite(proforum_forum, proforum_make_meetup):
            assert type(proforum_forum.storage).__name__ == "SqlStorage"
            assert proforum_make_meetup(applicants=1).state == "open"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


# --------------------------------------------------------------------------- strategies, via pytester

STRATEGY_TESTS = """
import attrs
from hypothesis import given, settings, strategies as st

from proforum.domain.common import MeetupId, MemberId
from proforum.domain.community import Community
from proforum.domain.identity import Member, Nickname, RealName
from proforum.domain.meetup import Application, Meetup
from proforum.domain.notification import Message
from proforum.domain.survey import Question


@attrs.frozen
class Badge:
    '''An application's own type built from proforum's: st.builds infers it.'''

    member: Member
    meetup_id: MeetupId


@settings(max_examples=25)
@given(st.from_type(Member), st.from_type(Nickname), st.from_type(RealName))
def test_members(member, nickname, real_name):
    assert isinstance(member, Member)
    assert Nickname.parse(nickname.value) == nickname
    assert RealName.parse(real_name.value) == real_name


@settings(max_examples=25)
@given(
    st.from_type(Community),
    st.from_type(Meetup),
    st.from_type(Application),
    st.from_type(Question),
    st.from_type(Message),
)
def test_other_types(community, meetup, application, question, message):
    for value in (community, meetup, application, question, message):
        attrs.validate(value)
    assert meetup.applications_close_at <= meetup.starts_at < meetup.ends_at


@settings(max_examples=25)
@given(st.builds(Badge), st.from_type(MemberId))
def test_application_types(badge, member_id):
    assert isinstance(badge.member, Member)
    assert badge.meetup_id.startswith("mtp_")
    assert member_id.startswith("mem_")
"""


def test_from_type_works_through_the_entry_point(pytester: pytest.Pytester) -> None:
    # A new interpreter: nothing here has imported proforum.testing.strategies,
    # so only Hypothesis' entry point can have registered the strategies.
    pytester.makepyfile(test_types=STRATEGY_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=300)
    result.assert_outcomes(passed=3)


IMPORT_ORDERS = {
    "strategies first": "import proforum.testing.strategies",
    "hypothesis first": "import hypothesis",
    "entry point switched off": "import proforum.testing.strategies",
}


@pytest.mark.parametrize("order", sorted(IMPORT_ORDERS))
def test_registration_whatever_the_import_order(order: str) -> None:
    """Importing the strategies module first used to meet a half-initialised module."""
    env = dict(os.environ)
    if order == "entry point switched off":
        env["HYPOTHESIS_NO_PLUGINS"] = "1"
    code = (
        IMPORT_ORDERS[order] + "\n"
        "import json\n"
        "from hypothesis import strategies as st\n"
        "from proforum.domain.identity import Member\n"
        "from hypothesis import find\n"
        "print(json.dumps(type(find(st.from_type(Member), lambda _: True)).__name__))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == "Member"


# --------------------------------------------------------------------------- the fakes keep the contracts


class TestRecordingNotifier(NotifierContract):
    @pytest.fixture
    def notifier(self) -> RecordingNotifier:
        return RecordingNotifier()

    def received(self, notifier: Any) -> list[tuple[str, str]]:
        return [(d.message.id, d.text) for d in notifier.deliveries]


class TestFakeVideoProvider(VideoProviderContract):
    @pytest.fixture
    def provider(self) -> FakeVideoProvider:
        return FakeVideoProvider()


def test_fakes_fail_when_told_to() -> None:
    video, notifier = FakeVideoProvider(), RecordingNotifier()
    video.failure = notifier.failure = TimeoutError("down")
    request = VideoProviderContract._request({})
    with pytest.raises(TimeoutError):
        video.create_meeting(request)
    assert video.requests == []
    assert "down" not in repr(video)


# --------------------------------------------------------------------------- the fixtures, used here


def test_failed_delivery_stays_pending_and_is_retried(
    proforum_forum: proforum.Forum,
    proforum_notifier: RecordingNotifier,
    proforum_make_community: CommunityFactory,
    proforum_make_meetup: MeetupFactory,
    proforum_clock: ManualClock,
) -> None:
    made = proforum_make_community(members=2)
    proforum_notifier.failure = ConnectionError("smtp down")
    proforum_make_meetup(made)
    assert proforum_notifier.deliveries == []
    pending = [m for m in proforum_forum.outbox() if m.status is DeliveryStatus.PENDING]
    assert len(pending) == 4  # the announcement to the operator, the host and two members

    proforum_notifier.failure = None
    proforum_clock.advance(timedelta(days=1))
    proforum_forum.deliver_pending()
    assert proforum_notifier.kinds() == [MessageKind.MEETUP_ANNOUNCED] * 4


def test_recorded_messages_also_reach_the_inbox(
    proforum_forum: proforum.Forum,
    proforum_notifier: RecordingNotifier,
    proforum_make_meetup: MeetupFactory,
    proforum_make_community: CommunityFactory,
) -> None:
    made = proforum_make_community(members=1)
    proforum_make_meetup(made)
    (member,) = made.members
    (delivery,) = proforum_notifier.to(member.id)
    assert delivery.recipient == member
    assert "퍼포먼스 마케터끼리 만나요!" in delivery.text
    assert [e.item.kind for e in proforum_forum.inbox(member.id)] == [MessageKind.MEETUP_ANNOUNCED]
    assert delivery.rendered.body not in repr(delivery)  # the body may hold a link


def test_factories_take_choices(
    proforum_forum: proforum.Forum,
    proforum_make_member: MemberFactory,
    proforum_make_community: CommunityFactory,
    proforum_make_meetup: MeetupFactory,
) -> None:
    made = proforum_make_community(slug="development", job_function="development")
    moderator = proforum_make_member(community=made, role=Role.MODERATOR)
    roles = {m.member_id: m.role for m in proforum_forum.memberships(made.operator.id, made.id)}
    assert roles[moderator.id] is Role.MODERATOR
    with pytest.raises(TypeError):
        proforum_make_member(role=Role.HOST)

    draft = proforum_make_meetup(
        made, announce=False, capacity=3, starts_at=START + timedelta(days=2)
    )
    assert (draft.state, draft.capacity) == (MeetupState.DRAFT, 3)
    assert draft.applications_open_at == START
    assert draft.applications_close_at == START + timedelta(days=2) * 2 / 3
    applicant = proforum_make_member(community=made)
    meetup = proforum_make_meetup(made, applicants=[applicant])
    assert proforum_forum.application(applicant.id, meetup.id).state is ApplicationState.APPLIED


# --------------------------------------------------------------------------- strategies give valid values

REGISTERED: list[type[Any]] = [
    Member,
    Nickname,
    RealName,
    Community,
    Membership,
    Meetup,
    MeetingRef,
    Application,
    Question,
    Survey,
    Message,
    Secret,
]


@pytest.mark.parametrize("cls", REGISTERED, ids=lambda c: c.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_registered_values_are_valid_instances(cls: type[Any], data: st.DataObject) -> None:
    value = data.draw(st.from_type(cls))
    assert type(value) is cls
    attrs.validate(value)


@pytest.mark.parametrize(
    "cls", [c for c in REGISTERED if c not in (Secret, MeetingRef)], ids=lambda c: c.__name__
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_registered_values_survive_serialization(cls: type[Any], data: st.DataObject) -> None:
    value = data.draw(st.from_type(cls))
    assert structure(json.loads(json.dumps(unstructure(value))), cls) == value


@settings(max_examples=60, deadline=None)
@given(strategies.meetups(states=["open", "drawn"]))
def test_meetups_reach_the_requested_states(meetup: Meetup) -> None:
    assert meetup.state in (MeetupState.OPEN, MeetupState.DRAWN)
    assert meetup.created_at <= meetup.applications_open_at < meetup.applications_close_at
    assert meetup.applications_close_at <= meetup.starts_at < meetup.ends_at
    assert meetup.venue is None or meetup.format == "offline"


@settings(max_examples=60, deadline=None)
@given(strategies.messages())
def test_messages_carry_a_consistent_delivery_history(message: Message) -> None:
    if message.status is DeliveryStatus.SENT:
        assert message.sent_at is not None
        assert message.attempts >= 1
    elif message.status is DeliveryStatus.FAILED:
        assert message.last_error
        assert message.next_attempt_at is None


@settings(max_examples=30, deadline=None)
@given(st.from_type(Member))
def test_generated_members_round_trip_through_storage(member: Member) -> None:
    from proforum.adapters.memory import MemoryStorage

    storage = MemoryStorage()
    with storage.unit_of_work() as uow:
        uow.members.add(member)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.members.get(member.id) == member


@settings(max_examples=30, deadline=None)
@given(st.from_type(MemberId), st.from_type(CommunityId), st.from_type(MeetupId))
def test_ids_follow_the_identifier_rules(member: str, community: str, meetup: str) -> None:
    from proforum.domain.common import check_id

    for prefix, value in (("mem_", member), ("com_", community), ("mtp_", meetup)):
        assert check_id("id", value).startswith(prefix)
