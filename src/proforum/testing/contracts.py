"""Contract suites every adapter runs: one mixin per port.

``StorageContract`` (below) for storage backends; ``VideoProviderContract``
(from :mod:`proforum.testing.video_contract`) for video providers.

A storage backend proves it keeps the storage contract with a few lines::

    import pytest
    from proforum.testing.contracts import StorageContract

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def storage(self):
            storage = MyStorageFactory().open("mydb://...")
            yield storage
            storage.close()

The fixture must yield a new, **empty** storage for each test.  Every test of
the mixin then runs against it: round trips of every entity, uniqueness rules,
orderings, keyset pagination, and the transaction rules (nothing is visible
without a commit; an exception discards everything).

Capability flags are class attributes a backend may switch off, e.g.
``supports_threads = False`` for a backend that cannot be shared by threads.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proforum.domain.admission import (
    CommunityRequirements,
    JoinPolicy,
    JoinRequest,
    JoinRequestState,
)
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
from proforum.domain.community import Community, Membership, Role
from proforum.domain.content import MAX_REPLY_DEPTH, AuthorCard, Comment, FeedEntry, Post
from proforum.domain.content_policy import BannedWordAction, ContentPolicy
from proforum.domain.content_status import ContentKind, ContentStatus
from proforum.domain.employer import (
    ChallengeState,
    EmployerChallenge,
    EmployerVerification,
    code_digest,
)
from proforum.domain.flags import Flag, FlaggerRecord, FlagReason, FlagResolution
from proforum.domain.identity import Member, Nickname, RealName
from proforum.domain.lottery import Commitment, Constraints, Draw, Entrant
from proforum.domain.meetup import Application, ApplicationState, MeetingRef, Meetup, MeetupState
from proforum.domain.moderation import ModerationAction, ModerationLogEntry
from proforum.domain.nickname_history import NicknameChange
from proforum.domain.notification import DeliveryStatus, InboxItem, Message, MessageKind
from proforum.domain.personal_data import MEMBER_REFERENCES
from proforum.domain.preferences import NotificationPreference
from proforum.domain.reactions import Reaction, ReactionCounts, ReactionKind, ReactionSummary
from proforum.domain.revisions import Revision
from proforum.domain.survey import (
    Answer,
    AnswerAggregate,
    Audience,
    Breakdown,
    Choice,
    ExperienceBand,
    Participation,
    Question,
    Response,
    ResponseStatistics,
    Survey,
    SurveyState,
)
from proforum.errors import AlreadyExists, NicknameTaken, NotFound
from proforum.ports.storage import Storage
from proforum.testing.video_contract import VideoProviderContract as VideoProviderContract

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
#: The lease the claim tests take on messages.
LEASE = timedelta(minutes=5)


# --------------------------------------------------------------------------- sample data


def sample_member(n: int, *, nickname: str | None = None, at: datetime = T0) -> Member:
    """Member number ``n``; a real name unless ``nickname`` is given."""
    identity = Nickname.parse(nickname) if nickname else RealName.parse(f"회원{n}")
    return Member(
        id=MemberId(f"mem_{n:04d}"),
        identity=identity,
        job_function="marketing-pr",
        registered_at=at + timedelta(seconds=n),
        company="리멤버앤컴퍼니" if n % 2 else None,
        years_of_experience=n % 20,
        locale="ko" if n % 3 else "en",
    )


def sample_community(n: int = 1, slug: str | None = None) -> Community:
    """Community number ``n``."""
    return Community(
        id=CommunityId(f"com_{n:04d}"),
        slug=slug or f"community-{n}",
        name="마케팅/PR",
        job_function="marketing-pr",
        created_at=T0,
        rules="실명 또는 고정 닉네임으로 일 이야기를 나눕니다.\n고발성 글은 금지합니다.",
    )


def sample_meetup(n: int = 1, community: int = 1, **changes: Any) -> Meetup:
    """Meetup number ``n`` in community number ``community``, with a meeting link."""
    starts = T0 + timedelta(days=9, hours=9)
    meetup = Meetup(
        id=MeetupId(f"mtp_{n:04d}"),
        community_id=CommunityId(f"com_{community:04d}"),
        host_id=MemberId("mem_0001"),
        title="퍼포먼스 마케터끼리 만나요!",
        topic="퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
        format="online",
        starts_at=starts + timedelta(hours=n),
        ends_at=starts + timedelta(hours=n + 2),
        time_zone="Asia/Seoul",
        capacity=20,
        applications_open_at=T0,
        applications_close_at=T0 + timedelta(days=6),
        created_at=T0,
        state=MeetupState.DRAWN,
        meeting=MeetingRef("manual", "manual-1", Secret("https://zoom.us/j/1?pwd=x")),
        reminder_sent_at=T0 + timedelta(days=8),
    )
    return attrs.evolve(meetup, **changes)


def sample_application(meetup: int, member: int, minute: int = 0) -> Application:
    """An application of member ``member`` to meetup ``meetup``."""
    at = T0 + timedelta(minutes=minute)
    return Application(
        meetup_id=MeetupId(f"mtp_{meetup:04d}"),
        member_id=MemberId(f"mem_{member:04d}"),
        state=ApplicationState.APPLIED,
        applied_at=at,
        updated_at=at,
    )


def sample_message(n: int, *, minute: int = 0, recipient: int = 1) -> Message:
    """Pending message number ``n`` holding a link in its parameters."""
    return Message(
        id=MessageId(f"msg_{n:04d}"),
        recipient_id=MemberId(f"mem_{recipient:04d}"),
        kind=MessageKind.MEETING_LINK,
        channel="inbox",
        created_at=T0 + timedelta(minutes=minute),
        params={
            "meetup_title": "퍼포먼스 마케터끼리 만나요!",
            "starts_at": (T0 + timedelta(days=9, hours=9)).isoformat(),
            "link": "https://zoom.us/j/1",
        },
    )


def sample_verification(n: int, *, by: int | None = None) -> EmployerVerification:
    """Member ``n``'s verified employer: by company e-mail, or checked by operator ``by``."""
    return EmployerVerification(
        member_id=MemberId(f"mem_{n:04d}"),
        company=f"리멤버앤컴퍼니 {n}",
        method="company_email" if by is None else "reviewed",
        verified_at=T0 + timedelta(minutes=n),
        domain=f"company{n}.co.kr" if by is None else None,
        verified_by=None if by is None else MemberId(f"mem_{by:04d}"),
    )


def sample_challenge(n: int, *, code: str = "123456", attempts: int = 0) -> EmployerChallenge:
    """Member ``n``'s verification code ``code``, stored as its hash, sent at T0."""
    salt = f"{n:032x}"
    return EmployerChallenge(
        id=f"evc_{n:04d}",
        member_id=MemberId(f"mem_{n:04d}"),
        company="리멤버앤컴퍼니",
        domain="rememberapp.co.kr",
        code_hash=code_digest(salt, code),
        salt=salt,
        created_at=T0,
        expires_at=T0 + timedelta(minutes=15),
        window_started_at=T0,
        codes_in_window=1,
        attempts=attempts,
    )


def sample_join_request(community: int, member: int, minute: int = 0) -> JoinRequest:
    """Member ``member``'s pending request to join community ``community``."""
    return JoinRequest(
        community_id=CommunityId(f"com_{community:04d}"),
        member_id=MemberId(f"mem_{member:04d}"),
        requested_at=T0 + timedelta(minutes=minute),
    )


def sample_questions() -> tuple[Question, ...]:
    """One question of every kind, the first a required 1-5 rating."""
    topics = [
        Choice("ads", "광고", "Ads"),
        Choice("seo", "검색", "Search"),
        Choice("crm", "CRM", "CRM"),
    ]
    return (
        Question.rating("q1", "만족하셨나요?", "Were you satisfied?"),
        Question.nps("nps", "추천하시겠어요?", "Would you recommend it?", required=False),
        Question.single_choice(
            "best", "가장 좋았던 순서는?", "Best part?", topics[:2], required=False
        ),
        Question.multiple_choice("topics", "다룰 주제는?", "Topics?", topics, required=False),
        Question.yes_no("offline", "오프라인 후속 모임에 참여하시겠어요?", "Join offline?"),
        Question.text("comment", "한마디", "Anything else?"),
    )


def sample_survey(n: int = 1, meetup: int | None = 1, *, community: int = 1) -> Survey:
    """An open anonymous survey about meetup ``meetup`` (or, if ``None``, its community)."""
    return Survey(
        id=SurveyId(f"srv_{n:04d}"),
        community_id=CommunityId(f"com_{community:04d}"),
        meetup_id=None if meetup is None else MeetupId(f"mtp_{meetup:04d}"),
        title="모임 만족도 익명 설문",
        questions=sample_questions(),
        anonymous=True,
        audience=Audience.ATTENDEES if meetup is not None else Audience.MEMBERS,
        opens_at=T0,
        closes_at=T0 + timedelta(days=3),
        created_at=T0 + timedelta(minutes=n),
        breakdown=Breakdown.EXPERIENCE,
    )


def sample_response(
    response_id: str,
    survey: int = 1,
    *,
    rating: int = 4,
    band: ExperienceBand | None = None,
    **answers: object,
) -> Response:
    """A response to survey number ``survey`` rating ``rating``, with more ``answers`` if given.

    ``answers`` map question ids of :func:`sample_questions` to stored values:
    an int for ``nps`` and ``offline`` (1 yes, 0 no), a choice id for ``best``,
    a list of choice ids for ``topics``, a string for ``comment``.
    """
    stored = [Answer("q1", value=rating)]
    for question_id, value in answers.items():
        if isinstance(value, list):
            stored.extend(Answer(question_id, choice=c) for c in value)
        elif isinstance(value, int):
            stored.append(Answer(question_id, value=value))
        elif question_id == "comment":
            stored.append(Answer(question_id, text=str(value)))
        else:
            stored.append(Answer(question_id, choice=str(value)))
    return Response(ResponseId(response_id), SurveyId(f"srv_{survey:04d}"), tuple(stored), band)


class _Picks:
    """Reproducible choices for contract tests, from SHA-256 of a label and a counter."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._n = 0

    def below(self, n: int) -> int:
        """A whole number from 0 to ``n - 1``."""
        self._n += 1
        digest = hashlib.sha256(f"{self._label}:{self._n}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % n

    def of(self, items: list[Any]) -> Any:
        """One of ``items``."""
        return items[self.below(len(items))]


# --------------------------------------------------------------------------- the contract


class StorageContract:
    """Tests every storage backend must pass; subclass and provide ``storage``."""

    #: Whether two threads may each use their own unit of work at once.
    supports_threads: bool = True

    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        """Yield a new, empty storage; backends must override this fixture."""
        raise NotImplementedError("define a `storage` fixture yielding an empty storage")

    # -- helpers -------------------------------------------------------------

    @staticmethod
    def _put(storage: Storage, *rows: object) -> None:
        adders = {
            Member: lambda u: u.members.add,
            Community: lambda u: u.communities.add,
            Membership: lambda u: u.memberships.add,
            Post: lambda u: u.posts.add,
            Comment: lambda u: u.comments.add,
            Reaction: lambda u: u.reactions.add,
            Revision: lambda u: u.revisions.add,
            ContentPolicy: lambda u: u.content_policies.put,
            Flag: lambda u: u.flags.add,
            ModerationLogEntry: lambda u: u.moderation_log.add,
            Meetup: lambda u: u.meetups.add,
            Application: lambda u: u.applications.add,
            Commitment: lambda u: u.commitments.add,
            Draw: lambda u: u.draws.add,
            Survey: lambda u: u.surveys.add,
            Response: lambda u: u.responses.add,
            Participation: lambda u: u.participations.add,
            Message: lambda u: u.messages.add,
            InboxItem: lambda u: u.inbox.add,
            NotificationPreference: lambda u: u.preferences.put,
            JoinRequest: lambda u: u.join_requests.add,
            EmployerVerification: lambda u: u.verifications.put,
            EmployerChallenge: lambda u: u.challenges.add,
        }
        with storage.unit_of_work() as uow:
            for row in rows:
                adders[type(row)](uow)(row)
            uow.commit()

    # -- members -------------------------------------------------------------

    def test_member_round_trip(self, storage: Storage) -> None:
        """Members with either kind of identity come back equal; lookups by id and nickname key work."""
        real, nick = sample_member(1), sample_member(2, nickname="ROAS요정")
        self._put(storage, real, nick)
        with storage.unit_of_work() as uow:
            assert uow.members.get(real.id) == real
            assert uow.members.get(nick.id) == nick
            assert uow.members.get(MemberId("mem_9999")) is None
            assert uow.members.by_nickname_key("roas요정") == nick
            assert uow.members.by_nickname_key("nobody") is None

    def test_get_many_members_at_once(self, storage: Storage) -> None:
        """``get_many`` returns the members that exist, keyed by id."""
        self._put(storage, sample_member(1), sample_member(2), sample_member(3))
        with storage.unit_of_work() as uow:
            found = uow.members.get_many(
                [
                    MemberId("mem_0003"),
                    MemberId("mem_0001"),
                    MemberId("mem_0009"),
                    MemberId("mem_0001"),
                ]
            )
            assert dict(found) == {"mem_0001": sample_member(1), "mem_0003": sample_member(3)}
            assert dict(uow.members.get_many([])) == {}

    def test_member_ids_and_nickname_keys_are_unique(self, storage: Storage) -> None:
        """Ids and nickname keys are unique; real-name members never clash."""
        self._put(storage, sample_member(1, nickname="Kevin"))
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.members.add(sample_member(1, nickname="Other"))
        # The Kelvin sign folds to "k": a look-alike of an existing nickname.
        with pytest.raises(NicknameTaken), storage.unit_of_work() as uow:
            uow.members.add(sample_member(2, nickname="\u212aevin"))
        # Members speaking under real names never clash on the nickname key.
        self._put(storage, sample_member(3), sample_member(4))
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.members.all()] == ["mem_0001", "mem_0003", "mem_0004"]

    def test_look_alike_nicknames_share_a_key(self, storage: Storage) -> None:
        """A Cyrillic letter or a digit standing in for a Latin letter clashes too."""
        self._put(storage, sample_member(1, nickname="paypal"))
        for n, look_alike in enumerate(("p\u0430ypal", "paypa1", "ＰＡＹＰＡＬ"), start=2):
            with pytest.raises(NicknameTaken), storage.unit_of_work() as uow:
                uow.members.add(sample_member(n, nickname=look_alike))
        # A capital I for a small l: only the case-keeping visual key sees it.
        self._put(storage, sample_member(5, nickname="PayPal2"))
        with pytest.raises(NicknameTaken), storage.unit_of_work() as uow:
            uow.members.add(sample_member(6, nickname="PayPaI2"))
        with storage.unit_of_work() as uow:
            assert uow.members.by_nickname_visual_key("PayPal2") == sample_member(
                5, nickname="PayPal2"
            )
            assert uow.members.by_nickname_visual_key("paypal2") is None
        # Distinct Hangul words stay distinct, even when their jamo look alike.
        self._put(storage, sample_member(7, nickname="각가"), sample_member(8, nickname="가까"))

    def test_nickname_history_round_trip(self, storage: Storage) -> None:
        """Changes come back per member, oldest first; an old key names its first holder."""
        self._put(storage, sample_member(1, nickname="새이름"), sample_member(2))
        first = NicknameChange(
            id="nck_0001",
            member_id=MemberId("mem_0001"),
            old_nickname="옛이름",
            old_key="옛이름",
            new_nickname="중간이름",
            reason="본인 요청",
            changed_by=MemberId("mem_0002"),
            changed_at=T0,
        )
        second = attrs.evolve(
            first,
            id="nck_0002",
            old_nickname="중간이름",
            old_key="중간이름",
            new_nickname="새이름",
            changed_at=T0 + timedelta(days=1),
        )
        with storage.unit_of_work() as uow:
            uow.nickname_history.add(second)
            uow.nickname_history.add(first)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert list(uow.nickname_history.for_member(MemberId("mem_0001"))) == [first, second]
            assert list(uow.nickname_history.for_member(MemberId("mem_0002"))) == []
            assert list(uow.nickname_history.all()) == [first, second]
            assert uow.nickname_history.holder_of_key("중간이름") == "mem_0001"
            assert uow.nickname_history.holder_of_key("새이름") is None
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.nickname_history.add(first)

    def test_member_rows_and_removing_them(self, storage: Storage) -> None:
        """``member_rows`` finds every row naming a member, by key; ``remove`` deletes some."""
        one, two = sample_member(1), sample_member(2)
        self._put(storage, one, two, sample_community())
        messages = [sample_message(3), sample_message(1), sample_message(2, recipient=2)]
        with storage.unit_of_work() as uow:
            uow.memberships.add(Membership(CommunityId("com_0001"), one.id, Role.MEMBER, T0))
            uow.messages.add_many(messages)
            uow.commit()
        with storage.unit_of_work() as uow:
            rows = uow.member_rows(one.id)
            assert set(rows) == set(MEMBER_REFERENCES)
            assert list(rows["members"]) == [one]
            assert [m.id for m in rows["messages"]] == ["msg_0001", "msg_0003"]
            assert [m.member_id for m in rows["memberships"]] == [one.id]
            assert list(rows["posts"]) == []
            uow.remove("messages", rows["messages"])
            uow.remove("messages", rows["messages"])  # gone already: skipped
            with pytest.raises(ValueError, match="posts"):
                uow.remove("posts", [])
            with pytest.raises(ValueError, match="posts"):
                uow.rewrite("posts", [])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.messages.all()] == ["msg_0002"]
            assert [m.id for m in uow.member_rows(two.id)["messages"]] == ["msg_0002"]

    def test_member_update(self, storage: Storage) -> None:
        """Updates replace the row; updating a missing member raises NotFound."""
        member = sample_member(1)
        self._put(storage, member)
        changed = attrs.evolve(member, company="새회사", years_of_experience=11)
        with storage.unit_of_work() as uow:
            uow.members.update(changed)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.members.get(member.id) == changed
        with pytest.raises(NotFound), storage.unit_of_work() as uow:
            uow.members.update(sample_member(2))

    def test_member_email_round_trip(self, storage: Storage) -> None:
        """A member's e-mail address, or its absence, comes back as stored, and can change."""
        without = sample_member(1)
        with_email = attrs.evolve(sample_member(2), email="kim.marketer+pr@example.co.kr")
        longest = attrs.evolve(
            sample_member(3), email=f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 61}"
        )
        assert len(longest.email or "") == 254
        self._put(storage, without, with_email, longest)
        with storage.unit_of_work() as uow:
            assert uow.members.get(without.id) == without
            got = uow.members.get(with_email.id)
            assert got is not None
            assert got.email == "kim.marketer+pr@example.co.kr"
            assert uow.members.get(longest.id) == longest
            assert dict(uow.members.get_many([with_email.id])) == {with_email.id: with_email}
            uow.members.update(attrs.evolve(without, email="new@example.com"))
            uow.members.update(attrs.evolve(with_email, email=None))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert [m.email for m in uow.members.all()] == [
                "new@example.com",
                None,
                longest.email,
            ]

    def test_members_are_listed_by_registration_then_id(self, storage: Storage) -> None:
        """``all()`` orders members by registration time, then id."""
        late = sample_member(1, at=T0 + timedelta(days=1))
        self._put(storage, late, sample_member(3), sample_member(2))
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.members.all()] == ["mem_0002", "mem_0003", "mem_0001"]

    # -- communities and memberships -----------------------------------------

    def test_community_round_trip_and_unique_slug(self, storage: Storage) -> None:
        """Communities round-trip and their slug is unique."""
        community = sample_community(1, slug="marketing-pr")
        self._put(storage, community)
        with storage.unit_of_work() as uow:
            assert uow.communities.get(community.id) == community
            assert uow.communities.by_slug("marketing-pr") == community
            assert uow.communities.by_slug("development") is None
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.communities.add(sample_community(2, slug="marketing-pr"))

    def test_memberships(self, storage: Storage) -> None:
        """Memberships are unique per (community, member), ordered by join time, updatable and removable."""
        c = CommunityId("com_0001")
        rows = [
            Membership(c, MemberId(f"mem_{i:04d}"), Role.MEMBER, T0 + timedelta(minutes=5 - i))
            for i in range(1, 5)
        ]
        other = Membership(CommunityId("com_0002"), MemberId("mem_0001"), Role.OPERATOR, T0)
        self._put(storage, *rows, other)
        with storage.unit_of_work() as uow:
            listed = uow.memberships.for_community(c)
            assert [m.member_id for m in listed] == ["mem_0004", "mem_0003", "mem_0002", "mem_0001"]
            assert uow.memberships.get(c, MemberId("mem_0002")) == rows[1]
            uow.memberships.update(attrs.evolve(rows[1], role=Role.HOST))
            uow.memberships.remove(c, MemberId("mem_0003"))
            uow.commit()
        with storage.unit_of_work() as uow:
            found = uow.memberships.get(c, MemberId("mem_0002"))
            assert found is not None
            assert found.role is Role.HOST
            assert uow.memberships.get(c, MemberId("mem_0003")) is None
            assert len(uow.memberships.all()) == 4
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.memberships.add(rows[0])

    def test_membership_with_parties_reads_all_three(self, storage: Storage) -> None:
        """``with_parties`` gives the community, membership and member of a member only."""
        member, outsider = sample_member(1, nickname="마케터"), sample_member(2)
        community, other = sample_community(1), sample_community(2, "dev")
        joined = Membership(community.id, member.id, Role.HOST, T0)
        self._put(storage, member, outsider, community, other, joined)
        with storage.unit_of_work() as uow:
            assert uow.memberships.with_parties(community.id, member.id) == (
                community,
                joined,
                member,
            )
            assert uow.memberships.with_parties(community.id, outsider.id) is None
            assert uow.memberships.with_parties(other.id, member.id) is None
            # The unit of work's own writes are seen.
            uow.memberships.add(Membership(other.id, outsider.id, Role.MEMBER, T0))
            found = uow.memberships.with_parties(other.id, outsider.id)
            assert found is not None
            assert found[0] == other
            assert found[2] == outsider

    def test_community_join_policy_and_requirements_round_trip_and_update(
        self, storage: Storage
    ) -> None:
        """A community's join policy and requirements come back as stored, and can change."""
        plain = sample_community(1)
        strict = attrs.evolve(
            sample_community(2),
            join_policy=JoinPolicy.APPROVAL,
            requirements=CommunityRequirements(
                real_name_to_post=True, verified_employer_to_apply=True
            ),
        )
        self._put(storage, plain, strict)
        with storage.unit_of_work() as uow:
            assert uow.communities.get(plain.id) == plain
            got = uow.communities.get(strict.id)
            assert got == strict
            assert got is not None
            assert got.join_policy is JoinPolicy.APPROVAL
            every = CommunityRequirements(True, True, True, True)
            uow.communities.update(attrs.evolve(plain, requirements=every))
            uow.communities.update(attrs.evolve(strict, join_policy=JoinPolicy.OPEN))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert [(c.join_policy, c.requirements) for c in uow.communities.all()] == [
                (JoinPolicy.OPEN, every),
                (JoinPolicy.OPEN, strict.requirements),
            ]
            assert uow.communities.by_slug(plain.slug) == attrs.evolve(plain, requirements=every)
        with pytest.raises(NotFound), storage.unit_of_work() as uow:
            uow.communities.update(sample_community(3))

    def test_join_requests(self, storage: Storage) -> None:
        """Requests are unique per (community, member), listed pending-only in request order."""
        requests = [sample_join_request(1, m, minute=10 - m) for m in range(1, 5)]
        other = sample_join_request(2, 1)
        self._put(storage, *requests, other)
        decided = requests[1].decide(True, MemberId("mem_0009"), T0 + timedelta(hours=1))
        with storage.unit_of_work() as uow:
            assert (
                uow.join_requests.get(CommunityId("com_0001"), MemberId("mem_0003"))
                == (requests[2])
            )
            assert uow.join_requests.get(CommunityId("com_0001"), MemberId("mem_0009")) is None
            pending = uow.join_requests.pending(CommunityId("com_0001"))
            assert [r.member_id for r in pending] == [
                "mem_0004",
                "mem_0003",
                "mem_0002",
                "mem_0001",
            ]
            uow.join_requests.update(decided)
            uow.join_requests.remove(CommunityId("com_0001"), MemberId("mem_0004"))
            uow.join_requests.remove(CommunityId("com_0001"), MemberId("mem_0099"))  # no-op
            uow.commit()
        with storage.unit_of_work() as uow:
            got = uow.join_requests.get(CommunityId("com_0001"), MemberId("mem_0002"))
            assert got == decided
            assert got is not None
            assert (got.state, got.decided_by) == (JoinRequestState.APPROVED, "mem_0009")
            pending = uow.join_requests.pending(CommunityId("com_0001"))
            assert [r.member_id for r in pending] == ["mem_0003", "mem_0001"]
            assert [(r.community_id, r.member_id) for r in uow.join_requests.all()] == [
                ("com_0001", "mem_0003"),
                ("com_0001", "mem_0002"),
                ("com_0001", "mem_0001"),
                ("com_0002", "mem_0001"),
            ]
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.join_requests.add(sample_join_request(2, 1, minute=5))
        with pytest.raises(NotFound), storage.unit_of_work() as uow:
            uow.join_requests.update(sample_join_request(3, 1))

    def test_employer_verifications_one_per_member(self, storage: Storage) -> None:
        """``put`` inserts or replaces; ``get_many`` reads many members' at once."""
        by_mail, by_operator = sample_verification(1), sample_verification(2, by=7)
        self._put(storage, by_mail, by_operator)
        with storage.unit_of_work() as uow:
            assert uow.verifications.get(by_mail.member_id) == by_mail
            assert uow.verifications.get(by_operator.member_id) == by_operator
            assert uow.verifications.get(MemberId("mem_0003")) is None
            wanted = [MemberId("mem_0002"), MemberId("mem_0003"), MemberId("mem_0002")]
            assert dict(uow.verifications.get_many(wanted)) == {"mem_0002": by_operator}
            assert dict(uow.verifications.get_many([])) == {}
            moved = attrs.evolve(by_mail, company="새회사", verified_at=T0 + timedelta(days=30))
            uow.verifications.put(moved)
            assert uow.verifications.get(by_mail.member_id) == moved  # read your writes
            uow.commit()
        with storage.unit_of_work() as uow:
            assert list(uow.verifications.all()) == [moved, by_operator]

    def test_verifications_of_thousands_of_authors_at_once(self, storage: Storage) -> None:
        """``get_many`` takes more ids than a statement has parameters for."""
        self._put(storage, sample_verification(1), sample_verification(2400))
        wanted = [MemberId(f"mem_{i:04d}") for i in range(1, 2500)]
        with storage.unit_of_work() as uow:
            found = uow.verifications.get_many(wanted)
        assert sorted(found) == ["mem_0001", "mem_2400"]

    def test_employer_challenges(self, storage: Storage) -> None:
        """One challenge per member, replaced by ``update``; the code stays a hash."""
        first = sample_challenge(1)
        self._put(storage, first, sample_challenge(2))
        with storage.unit_of_work() as uow:
            got = uow.challenges.get(first.member_id)
            assert got == first
            assert got is not None
            assert got.matches("123456")
            assert not got.matches("654321")
            assert uow.challenges.get_for_update(first.member_id) == first
            assert uow.challenges.get(MemberId("mem_0003")) is None
            assert uow.challenges.get_for_update(MemberId("mem_0003")) is None
            locked = attrs.evolve(first, attempts=5, state=ChallengeState.LOCKED)
            uow.challenges.update(locked)
            assert uow.challenges.get_for_update(first.member_id) == locked
            uow.commit()
        with storage.unit_of_work() as uow:
            assert [c.member_id for c in uow.challenges.all()] == ["mem_0001", "mem_0002"]
            assert uow.challenges.get(first.member_id) == locked
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.challenges.add(sample_challenge(1, code="000000"))
        with pytest.raises(NotFound), storage.unit_of_work() as uow:
            uow.challenges.update(sample_challenge(3))

    def test_challenge_get_for_update_makes_guesses_take_turns(self, storage: Storage) -> None:
        """Eight wrong guesses at once each count: none reads a count another is changing."""
        if not self.supports_threads:
            pytest.skip("backend does not support threads")
        self._put(storage, sample_challenge(1))
        start = threading.Barrier(8)
        errors: list[BaseException] = []

        def guess() -> None:
            try:
                start.wait(timeout=30)
                with storage.unit_of_work() as uow:
                    current = uow.challenges.get_for_update(MemberId("mem_0001"))
                    assert current is not None
                    time.sleep(0.005)  # let the others read, if they can
                    uow.challenges.update(current.wrong_attempt(max_attempts=100))
                    uow.commit()
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=guess) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with storage.unit_of_work() as uow:
            got = uow.challenges.get(MemberId("mem_0001"))
            assert got is not None
            assert got.attempts == 8

    # -- posts and comments --------------------------------------------------

    def test_feed_is_newest_first_with_keyset_pages(self, storage: Storage) -> None:
        """The feed is newest first and keyset pages neither skip nor repeat posts."""
        c = CommunityId("com_0001")
        posts = [
            Post(
                PostId(f"pst_{i:04d}"),
                c,
                MemberId("mem_0001"),
                f"제목 {i}",
                "본문 😀",
                T0 + timedelta(minutes=i // 2),  # pairs share a time: ids break the tie
            )
            for i in range(25)
        ]
        elsewhere = Post(
            PostId("pst_9999"),
            CommunityId("com_0002"),
            MemberId("mem_0001"),
            "다른 곳",
            "본문",
            T0 + timedelta(days=1),
        )
        # Held, hidden and deleted posts are never in a feed, whatever their time.
        unseen = [
            attrs.evolve(posts[0], id=PostId(f"pst_x{status.value}"), status=status)
            for status in (ContentStatus.HELD, ContentStatus.HIDDEN)
        ]
        unseen.append(
            attrs.evolve(
                posts[0], id=PostId("pst_xdeleted"), title="", body="", status=ContentStatus.DELETED
            )
        )
        self._put(storage, *posts, elsewhere, *unseen)
        expected = sorted(posts, key=lambda p: (p.published_at, p.id), reverse=True)
        with storage.unit_of_work() as uow:
            page1 = list(uow.posts.feed(c, limit=10, before=None))
            assert page1 == expected[:10]
            last = page1[-1]
            page2 = list(uow.posts.feed(c, limit=10, before=(last.published_at, last.id)))
            assert page2 == expected[10:20]
            last = page2[-1]
            page3 = list(uow.posts.feed(c, limit=10, before=(last.published_at, last.id)))
            assert page3 == expected[20:]
            assert uow.posts.get(PostId("pst_0003")) == posts[3]
            assert uow.posts.get(PostId("pst_xdeleted")) == unseen[-1]
            assert [p.id for p in uow.posts.all()][-1] == "pst_9999"
            assert len(uow.posts.all()) == 29

    def test_feed_sees_the_unit_of_works_own_writes(self, storage: Storage) -> None:
        """Posts added, hidden, shown or deleted in a unit of work move in its feed at once."""
        c = CommunityId("com_0001")
        posts = [
            Post(PostId(f"pst_{i:04d}"), c, MemberId("mem_0001"), f"제목 {i}", "본문", T0)
            for i in range(6)
        ]
        self._put(storage, *posts[:4])
        newest = attrs.evolve(posts[4], published_at=T0 + timedelta(hours=1))
        with storage.unit_of_work() as uow:
            uow.posts.add(newest)
            uow.posts.add(posts[5])  # ties with the stored ones on time: its id places it
            uow.posts.update(attrs.evolve(posts[2], status=ContentStatus.HIDDEN))
            uow.posts.update(posts[1].tombstone())
            ids = [p.id for p in uow.posts.feed(c, limit=10, before=None)]
            assert ids == ["pst_0004", "pst_0005", "pst_0003", "pst_0000"]
            after = [p.id for p in uow.posts.feed(c, limit=2, before=(T0, PostId("pst_0005")))]
            assert after == ["pst_0003", "pst_0000"]
            uow.posts.update(posts[2])
            ids = [p.id for p in uow.posts.feed(c, limit=3, before=(T0, PostId("pst_0005")))]
            assert ids == ["pst_0003", "pst_0002", "pst_0000"]
        with storage.unit_of_work() as uow:
            ids = [p.id for p in uow.posts.feed(c, limit=10, before=None)]
            assert ids == ["pst_0003", "pst_0002", "pst_0001", "pst_0000"]

    def test_feed_entries_are_the_feed_with_authors_counts_and_reactions(
        self, storage: Storage
    ) -> None:
        """``feed_entries`` gives what ``feed`` and the four look-ups give together, page by page."""
        c = CommunityId("com_0001")
        reader = MemberId("mem_0001")
        # mem_0009 has no account: its posts get the placeholder card.
        authors = [MemberId(f"mem_{n:04d}") for n in (1, 2, 3, 9)]
        posts = [
            Post(
                PostId(f"pst_{i:04d}"),
                c,
                authors[i % len(authors)],
                f"제목 {i}",
                "본문",
                T0 + timedelta(minutes=i // 2),  # pairs share a time: ids break the tie
            )
            for i in range(13)
        ]
        hidden = attrs.evolve(posts[0], id=PostId("pst_hidden"), status=ContentStatus.HIDDEN)
        comments = [
            Comment(CommentId(f"cmt_{i}"), posts[i % 5].id, authors[0], "댓글", T0)
            for i in range(9)
        ]
        held = attrs.evolve(comments[0], id=CommentId("cmt_held"), status=ContentStatus.HELD)
        # The reader reacts to post 0 with every kind; others like posts 0 to 3.
        reactions = [Reaction(ContentKind.POST, posts[0].id, reader, k, T0) for k in ReactionKind]
        reactions += [
            Reaction(ContentKind.POST, post.id, MemberId(f"mem_{m:04d}"), "like", T0)
            for post, m in itertools.product(posts[:4], (2, 5))
        ]
        reactions.append(Reaction(ContentKind.POST, posts[1].id, authors[1], "helpful", T0))
        # A reaction to a comment whose id is a post's counts for no post.
        reactions.append(Reaction(ContentKind.COMMENT, posts[5].id, reader, "like", T0))
        self._put(
            storage,
            *(sample_member(n) for n in (1, 2, 3)),
            sample_verification(2),
            sample_verification(9),
            *posts,
            hidden,
            *comments,
            held,
            *reactions,
        )
        with storage.unit_of_work() as uow:
            before: tuple[datetime, PostId] | None = None
            seen: list[PostId] = []
            for _ in range(4):
                page = list(uow.posts.feed_entries(c, reader, limit=5, before=before))
                expected_posts = list(uow.posts.feed(c, limit=5, before=before))
                ids = [p.id for p in expected_posts]
                writers = {p.author_id for p in expected_posts}
                members = uow.members.get_many(writers)
                verified = uow.verifications.get_many(writers)
                counts = uow.comments.count_for_posts(ids)
                summaries = uow.reactions.summaries(ContentKind.POST, ids, reader)
                assert page == [
                    FeedEntry.of(
                        p,
                        members.get(p.author_id),
                        verified.get(p.author_id),
                        counts[p.id],
                        summaries[p.id],
                    )
                    for p in expected_posts
                ]
                seen += ids
                if not page:
                    break
                before = (page[-1].post.published_at, page[-1].post.id)
            assert seen == [p.id for p in sorted(posts, key=lambda p: (p.published_at, p.id))][::-1]
            cards = {
                e.post.author_id: e.author
                for e in uow.posts.feed_entries(c, reader, limit=4, before=None)
            }
            assert cards[MemberId("mem_0009")] == AuthorCard.former(MemberId("mem_0009"))
            assert cards[MemberId("mem_0002")].company_verified
            mine = {
                e.post.id: e.my_reactions
                for e in uow.posts.feed_entries(c, reader, limit=13, before=None)
            }
            assert mine[posts[0].id] == frozenset(ReactionKind)
            assert mine[posts[5].id] == frozenset()

    def test_comment_counts_for_many_posts(self, storage: Storage) -> None:
        """``count_for_posts`` counts each post's visible comments, zero included."""
        comments = [
            Comment(CommentId(f"cmt_{i}"), PostId(f"pst_{i % 2}"), MemberId("mem_0001"), "댓글", T0)
            for i in range(5)
        ]
        unseen = [
            attrs.evolve(comments[0], id=CommentId("cmt_held"), status=ContentStatus.HELD),
            attrs.evolve(comments[1], id=CommentId("cmt_gone"), body="", status="deleted"),
        ]
        self._put(storage, *comments, *unseen)
        with storage.unit_of_work() as uow:
            counts = uow.comments.count_for_posts(
                [PostId("pst_0"), PostId("pst_1"), PostId("pst_7")]
            )
            assert dict(counts) == {"pst_0": 3, "pst_1": 2, "pst_7": 0}
            assert dict(uow.comments.count_for_posts([])) == {}

    def test_comments_are_listed_oldest_first(self, storage: Storage) -> None:
        """Comments of a post come oldest first."""
        p = PostId("pst_0001")
        comments = [
            Comment(
                CommentId(f"cmt_{i}"),
                p,
                MemberId("mem_0001"),
                f"댓글 {i}",
                T0 + timedelta(minutes=10 - i),
            )
            for i in range(3)
        ]
        self._put(storage, *comments)
        with storage.unit_of_work() as uow:
            assert list(uow.comments.for_post(p)) == comments[::-1]
            assert uow.comments.get(CommentId("cmt_1")) == comments[1]
            assert uow.comments.for_post(PostId("pst_0002")) == []

    def test_comment_round_trip_keeps_threads_status_and_edits(self, storage: Storage) -> None:
        """A reply keeps its parent and depth; status and edit time round-trip and update."""
        p = PostId("pst_0001")
        top = Comment(CommentId("cmt_1"), p, MemberId("mem_0001"), "댓글", T0)
        reply = Comment(
            CommentId("cmt_2"),
            p,
            MemberId("mem_0002"),
            "답글",
            T0 + timedelta(minutes=1),
            parent_id=top.id,
            depth=1,
        )
        deepest = Comment(
            CommentId("cmt_3"),
            p,
            MemberId("mem_0003"),
            "깊은 답글",
            T0 + timedelta(minutes=2),
            parent_id=reply.id,
            depth=MAX_REPLY_DEPTH,
            status=ContentStatus.HELD,
            edited_at=T0 + timedelta(minutes=3),
        )
        self._put(storage, top, reply, deepest)
        with storage.unit_of_work() as uow:
            assert list(uow.comments.for_post(p)) == [top, reply, deepest]
            assert uow.comments.get_for_update(reply.id) == reply
            assert uow.comments.get_for_update(CommentId("cmt_9")) is None
            gone = top.tombstone()
            uow.comments.update(gone)
            assert uow.comments.get_for_update(top.id) == gone
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.comments.get(top.id) == gone
            assert uow.comments.get(deepest.id) == deepest
            assert dict(uow.comments.count_for_posts([p])) == {p: 1}
        with pytest.raises(NotFound), storage.unit_of_work() as uow:
            uow.comments.update(attrs.evolve(top, id=CommentId("cmt_9")))

    def test_post_update_keeps_the_score_and_add_to_score_moves_it(self, storage: Storage) -> None:
        """``update`` writes text, status and edit time but never the score; ``add_to_score`` does."""
        post = Post(
            PostId("pst_1"), CommunityId("com_0001"), MemberId("mem_0001"), "제목", "본문", T0
        )
        self._put(storage, post)
        with storage.unit_of_work() as uow:
            assert uow.posts.get_for_update(post.id) == post
            assert uow.posts.get_for_update(PostId("pst_9")) is None
            uow.posts.add_to_score(post.id, 5)
            uow.posts.add_to_score(post.id, -2)
            edited = post.edited("새 제목", "새 본문", T0 + timedelta(hours=1))
            uow.posts.update(attrs.evolve(edited, score=99))  # the score given is ignored
            assert uow.posts.get(post.id) == attrs.evolve(edited, score=3)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.posts.get_for_update(post.id) == attrs.evolve(edited, score=3)
        with pytest.raises(NotFound), storage.unit_of_work() as uow:
            uow.posts.update(attrs.evolve(post, id=PostId("pst_9")))
        with pytest.raises(NotFound), storage.unit_of_work() as uow:
            uow.posts.add_to_score(PostId("pst_9"), 1)

    def test_scores_added_at_once_are_all_kept(self, storage: Storage) -> None:
        """``add_to_score`` from eight units of work at once loses none of them."""
        if not self.supports_threads:
            pytest.skip("backend does not support threads")
        post = Post(
            PostId("pst_1"), CommunityId("com_0001"), MemberId("mem_0001"), "제목", "본문", T0
        )
        self._put(storage, post)
        start = threading.Barrier(8)
        errors: list[BaseException] = []

        def react() -> None:
            try:
                start.wait(timeout=30)
                with storage.unit_of_work() as uow:
                    uow.posts.add_to_score(post.id, 1)
                    time.sleep(0.005)  # keep the transaction open while others try
                    uow.commit()
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=react) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with storage.unit_of_work() as uow:
            got = uow.posts.get(post.id)
            assert got is not None
            assert got.score == 8

    def test_popular_is_by_score_then_time_then_id_with_keyset_pages(
        self, storage: Storage
    ) -> None:
        """The popular feed orders visible posts by (score, published time, id), highest first."""
        c = CommunityId("com_0001")
        posts = [
            Post(
                PostId(f"pst_{i:04d}"),
                c,
                MemberId("mem_0001"),
                f"제목 {i}",
                "본문",
                T0 + timedelta(minutes=i % 4),  # times and scores repeat: ids break ties
                score=(i * 7) % 5,
            )
            for i in range(23)
        ]
        held = attrs.evolve(posts[0], id=PostId("pst_held"), status="held", score=100)
        elsewhere = attrs.evolve(
            posts[0], id=PostId("pst_else"), community_id=CommunityId("com_0002")
        )
        self._put(storage, *posts, held, elsewhere)
        expected = sorted(posts, key=lambda p: (p.score, p.published_at, p.id), reverse=True)
        with storage.unit_of_work() as uow:
            seen: list[Post] = []
            after = None
            while True:
                page = list(uow.posts.popular(c, limit=6, after=after))
                seen.extend(page)
                if len(page) < 6:
                    break
                after = (page[-1].score, page[-1].published_at, page[-1].id)
            assert seen == expected
            assert uow.posts.popular(c, limit=0, after=None) == []

    def test_paging_through_either_feed_visits_every_visible_post_once(
        self, storage: Storage
    ) -> None:
        """Whatever the page size, each feed gives every visible post once, in its order.

        A Hypothesis property over a community's posts (times and scores
        drawn from a few values, so many tie and the id must break them the
        same way on every page; some posts not visible), the page size and
        the feed.  Each example fills a new community: the storage is shared
        between examples.
        """
        communities = itertools.count(1)
        statuses = st.sampled_from(
            [ContentStatus.VISIBLE] * 4 + [ContentStatus.HELD, ContentStatus.HIDDEN]
        )

        @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            layout=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), statuses), max_size=25),
            size=st.integers(1, 9),
            popular=st.booleans(),
        )
        def page_through(
            layout: list[tuple[int, int, ContentStatus]], size: int, popular: bool
        ) -> None:
            community = CommunityId(f"com_{next(communities):06d}")
            posts = [
                Post(
                    PostId(f"pst_{community}_{n:03d}"),
                    community,
                    MemberId("mem_0001"),
                    "제목",
                    "본문",
                    T0 + timedelta(minutes=minute),
                    status=status,
                    score=score,
                )
                for n, (minute, score, status) in enumerate(layout)
            ]
            self._put(storage, *posts)

            def position(p: Post) -> tuple[Any, ...]:
                if popular:
                    return (p.score, p.published_at, p.id)
                return (p.published_at, p.id)

            visible = [p for p in posts if p.status is ContentStatus.VISIBLE]
            expected = sorted(visible, key=position, reverse=True)
            seen: list[Post] = []
            cursor: Any = None
            with storage.unit_of_work() as uow:
                while True:
                    if popular:
                        page = list(uow.posts.popular(community, limit=size, after=cursor))
                    else:
                        page = list(uow.posts.feed(community, limit=size, before=cursor))
                    assert len(page) <= size
                    seen.extend(page)
                    if len(page) < size:
                        break
                    cursor = position(page[-1])
            assert seen == expected

        page_through()

    # -- search ----------------------------------------------------------------

    def test_search_finds_posts_by_their_text_and_visible_comments(self, storage: Storage) -> None:
        """``posts.search`` follows :func:`proforum.domain.search.matches`, newest first.

        Korean from one character up, ``A``-``Z`` in either case, query
        syntax as plain text; a post once however many comments match; held,
        hidden and deleted posts and comments never, even after they were
        found once; edits and status changes count in the unit of work that
        makes them, and a rolled-back edit changes nothing.
        """
        c = CommunityId("com_0001")
        at = T0

        def post(n: int, title: str, body: str, **changes: Any) -> Post:
            return Post(
                PostId(f"pst_{n:04d}"),
                c,
                MemberId("mem_0001"),
                title,
                body,
                at + timedelta(minutes=n),
                **changes,
            )

        def comment(n: int, post_id: str, body: str, **changes: Any) -> Comment:
            return Comment(
                CommentId(f"cmt_{n:04d}"),
                PostId(post_id),
                MemberId("mem_0002"),
                body,
                at,
                **changes,
            )

        pay = post(1, "연봉 협상", 'Google Ads "NEAR(x)" 100%')
        move = post(2, "이직 준비", "포트폴리오")
        review = post(3, "분기 회고", "KPI OR OKR")
        held = post(4, "연봉 비밀", "검토 중", status=ContentStatus.HELD)
        elsewhere = attrs.evolve(
            post(5, "연봉 이야기", "다른 커뮤니티"), community_id=CommunityId("com_0002")
        )
        self._put(
            storage,
            pay,
            move,
            review,
            held,
            elsewhere,
            comment(1, review.id, "저도 이직했어요"),
            comment(2, review.id, "이직 축하해요"),
            comment(3, move.id, "연봉 숨김", status=ContentStatus.HIDDEN),
            comment(4, held.id, "이직 검토 중인 글의 댓글"),
        )

        def ids(query: str, **kwargs: Any) -> list[str]:
            with storage.unit_of_work() as uow:
                options: dict[str, Any] = {"limit": 100, "before": None, **kwargs}
                return [p.id for p in uow.posts.search(c, query, **options)]

        assert ids("연봉") == [pay.id]
        assert ids("연봉 협상") == [pay.id]
        assert ids("이직") == [review.id, move.id]
        assert ids("이직했어요") == [review.id]
        assert ids("google ADS") == [pay.id]
        assert ids('"NEAR(x)"') == [pay.id]
        assert ids("OR") == [review.id]
        assert ids("%") == [pay.id]
        assert ids("_") == []
        assert ids("숨김") == []
        assert ids("검토") == []
        assert ids("이직", limit=1) == [review.id]
        assert ids("이직", before=(review.published_at, review.id)) == [move.id]
        assert ids("이직", limit=0) == []

        with storage.unit_of_work() as uow:
            uow.posts.update(attrs.evolve(move, title="전직 준비"))
            uow.comments.update(comment(1, review.id, "", status=ContentStatus.DELETED))
            assert [p.id for p in uow.posts.search(c, "전직 준비", limit=9, before=None)] == [
                move.id
            ]
            # Not committed: the edit goes with the unit of work.
        assert ids("전직 준비") == []
        assert ids("이직했어요") == [review.id]
        with storage.unit_of_work() as uow:
            uow.posts.update(attrs.evolve(pay, status=ContentStatus.HIDDEN))
            uow.comments.update(comment(1, review.id, "", status=ContentStatus.DELETED))
            uow.comments.update(comment(2, review.id, "이직 축하해요", status=ContentStatus.HELD))
            uow.commit()
        assert ids("연봉 협상") == []
        assert ids("이직") == [move.id]
        with storage.unit_of_work() as uow:
            uow.posts.update(pay)
            uow.commit()
        assert ids("연봉 협상") == [pay.id]

    # -- reactions and earlier versions --------------------------------------

    def test_reactions_are_once_per_member_target_and_kind(self, storage: Storage) -> None:
        """``add`` tells whether a reaction is new and keeps the first; ``remove`` whether it was there."""
        post, comment = ContentKind.POST, ContentKind.COMMENT
        like, helpful = ReactionKind.LIKE, ReactionKind.HELPFUL
        first = Reaction(post, "pst_1", MemberId("mem_0001"), like, T0)
        with storage.unit_of_work() as uow:
            assert uow.reactions.add(first) is True
            assert (
                uow.reactions.add(attrs.evolve(first, reacted_at=T0 + timedelta(hours=1))) is False
            )
            assert uow.reactions.add(attrs.evolve(first, kind=helpful)) is True
            assert uow.reactions.add(attrs.evolve(first, member_id=MemberId("mem_0002"))) is True
            # The same id as a comment is another target.
            assert uow.reactions.add(attrs.evolve(first, target=comment)) is True
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.reactions.all() == [
                attrs.evolve(first, target=comment),
                attrs.evolve(first, kind=helpful),  # kinds in code-point order
                first,
                attrs.evolve(first, member_id=MemberId("mem_0002")),
            ]
            assert uow.reactions.remove(post, "pst_1", MemberId("mem_0001"), like) is True
            assert uow.reactions.remove(post, "pst_1", MemberId("mem_0001"), like) is False
            assert uow.reactions.remove(post, "pst_9", MemberId("mem_0001"), like) is False
            uow.commit()
        with storage.unit_of_work() as uow:
            assert len(uow.reactions.all()) == 3
            assert uow.reactions.add(first) is True  # reacting again after taking it back
            uow.rollback()
        with storage.unit_of_work() as uow:
            assert len(uow.reactions.all()) == 3

    def test_reaction_summaries_count_each_kind_and_the_readers_own(self, storage: Storage) -> None:
        """``summaries`` gives every target asked for its counts per kind and the reader's kinds."""
        rows = [
            Reaction(ContentKind.POST, "pst_1", MemberId(f"mem_{m:04d}"), kind, T0)
            for m, kind in [
                (1, "like"),
                (2, "like"),
                (3, "like"),
                (1, "helpful"),
                (2, "insightful"),
            ]
        ]
        rows.append(Reaction(ContentKind.POST, "pst_2", MemberId("mem_0002"), "helpful", T0))
        rows.append(Reaction(ContentKind.COMMENT, "pst_1", MemberId("mem_0001"), "like", T0))
        self._put(storage, *rows)
        with storage.unit_of_work() as uow:
            found = uow.reactions.summaries(
                ContentKind.POST, ["pst_1", "pst_2", "pst_3", "pst_1"], MemberId("mem_0001")
            )
            assert dict(found) == {
                "pst_1": ReactionSummary(
                    ReactionCounts(like=3, helpful=1, insightful=1),
                    frozenset({ReactionKind.LIKE, ReactionKind.HELPFUL}),
                ),
                "pst_2": ReactionSummary(ReactionCounts(helpful=1), frozenset()),
                "pst_3": ReactionSummary(),
            }
            assert (
                dict(uow.reactions.summaries(ContentKind.COMMENT, [], MemberId("mem_0001"))) == {}
            )
            comments = uow.reactions.summaries(ContentKind.COMMENT, ["pst_1"], MemberId("mem_0009"))
            assert dict(comments) == {"pst_1": ReactionSummary(ReactionCounts(like=1))}

    def test_the_same_reaction_added_at_once_is_kept_once(self, storage: Storage) -> None:
        """Eight units of work adding one reaction at once: one of them adds it, none fails."""
        if not self.supports_threads:
            pytest.skip("backend does not support threads")
        reaction = Reaction(ContentKind.POST, "pst_1", MemberId("mem_0001"), "like", T0)
        start = threading.Barrier(8)
        errors: list[BaseException] = []
        added: list[bool] = []

        def react() -> None:
            try:
                start.wait(timeout=30)
                with storage.unit_of_work() as uow:
                    new = uow.reactions.add(reaction)
                    time.sleep(0.005)  # keep the transaction open while others try
                    uow.commit()
                added.append(new)
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=react) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(added) == [False] * 7 + [True]
        with storage.unit_of_work() as uow:
            assert uow.reactions.all() == [reaction]

    def test_revisions_are_numbered_per_target_and_can_be_erased(self, storage: Storage) -> None:
        """Earlier versions list by number, are unique per target and number, and erase together."""
        first = Revision(ContentKind.POST, "pst_1", 1, "제목", "본문", MemberId("mem_0001"), T0)
        second = attrs.evolve(first, number=2, title="고친 제목", replaced_at=T0 + timedelta(1))
        of_comment = Revision(
            ContentKind.COMMENT, "cmt_1", 1, None, "댓글", MemberId("mem_0002"), T0
        )
        self._put(storage, second, of_comment, first)
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.revisions.add(attrs.evolve(first, body="다른 본문"))
        with storage.unit_of_work() as uow:
            assert uow.revisions.for_target(ContentKind.POST, "pst_1") == [first, second]
            assert uow.revisions.for_target(ContentKind.COMMENT, "cmt_1") == [of_comment]
            assert uow.revisions.for_target(ContentKind.COMMENT, "pst_1") == []
            assert uow.revisions.all() == [of_comment, first, second]
            assert uow.revisions.remove(ContentKind.POST, "pst_1") == 2
            assert uow.revisions.remove(ContentKind.POST, "pst_1") == 0
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.revisions.all() == [of_comment]

    # -- moderation ----------------------------------------------------------

    def test_content_policies_round_trip_and_are_replaced(self, storage: Storage) -> None:
        """One policy per community, every field kept (an exact threshold); ``put`` replaces."""
        bare = ContentPolicy(CommunityId("com_0002"))
        full = ContentPolicy(
            CommunityId("com_0001"),
            banned_words=("먹튀", "scam"),
            banned_word_action=BannedWordAction.HOLD,
            max_links=0,
            hold_first_posts=3,
            hide_threshold=Decimal("2.35"),
            updated_by=MemberId("mem_0001"),
            updated_at=T0,
        )
        self._put(storage, full, bare)
        changed = attrs.evolve(full, banned_words=(), max_links=None, hide_threshold="100")
        with storage.unit_of_work() as uow:
            assert uow.content_policies.get(full.community_id) == full
            assert uow.content_policies.get(CommunityId("com_0009")) is None
            assert uow.content_policies.all() == [full, bare]
            uow.content_policies.put(changed)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.content_policies.all() == [changed, bare]

    def test_flags_are_once_per_member_and_target_and_resolve_together(
        self, storage: Storage
    ) -> None:
        """Open flags list oldest first; resolving decides only the target's open ones."""
        community = CommunityId("com_0001")

        def flag(target_id: str, member: int, minute: int, **changes: Any) -> Flag:
            made = Flag(
                ContentKind.POST,
                target_id,
                MemberId(f"mem_{member:04d}"),
                community,
                FlagReason.SPAM,
                T0 + timedelta(minutes=minute),
            )
            return attrs.evolve(made, **changes)

        a1, a2 = flag("pst_1", 2, 5, note="광고"), flag("pst_1", 1, 9)
        b1 = flag("pst_2", 1, 1, reason=FlagReason.ABUSE)
        old = flag("pst_3", 1, 0, resolution=FlagResolution.UPHELD, resolved_at=T0)
        other = attrs.evolve(flag("pst_4", 1, 2), community_id=CommunityId("com_0002"))
        self._put(storage, a1, a2, b1, old, other)
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.flags.add(attrs.evolve(a1, reason=FlagReason.OTHER))
        with storage.unit_of_work() as uow:
            assert uow.flags.get(ContentKind.POST, "pst_1", a1.flagger_id) == a1
            assert uow.flags.get(ContentKind.COMMENT, "pst_1", a1.flagger_id) is None
            assert uow.flags.open_for_target(ContentKind.POST, "pst_1") == [a1, a2]
            assert uow.flags.open_in_community(community) == [b1, a1, a2]
            decided = uow.flags.resolve(
                ContentKind.POST, "pst_1", FlagResolution.DISMISSED, T0 + timedelta(hours=1)
            )
            assert decided == [
                f.resolved(FlagResolution.DISMISSED, T0 + timedelta(hours=1)) for f in (a1, a2)
            ]
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.flags.open_for_target(ContentKind.POST, "pst_1") == []
            assert uow.flags.resolve(ContentKind.POST, "pst_1", FlagResolution.UPHELD, T0) == []
            records = uow.flags.records(
                community, [MemberId("mem_0001"), MemberId("mem_0002"), MemberId("mem_0003")]
            )
            assert records == {
                MemberId("mem_0001"): FlaggerRecord(upheld=1, dismissed=1),
                MemberId("mem_0002"): FlaggerRecord(upheld=0, dismissed=1),
                MemberId("mem_0003"): FlaggerRecord(),
            }
            assert uow.flags.records(community, []) == {}
            assert len(uow.flags.all()) == 5

    def test_the_moderation_log_lists_a_community_by_time(self, storage: Storage) -> None:
        """Entries come back equal, by (time, id), per community; an id is unique."""

        def entry(n: int, minute: int, community: str = "com_0001") -> ModerationLogEntry:
            return ModerationLogEntry(
                id=f"mlg_{n}",
                community_id=CommunityId(community),
                target=ContentKind.COMMENT,
                target_id="cmt_1",
                action=ModerationAction.AUTO_HIDE if n == 1 else ModerationAction.DISMISS,
                actor_id=None if n == 1 else MemberId("mem_0001"),
                reason=f"이유 {n}",
                at=T0 + timedelta(minutes=minute),
            )

        late, early, elsewhere = entry(1, 5), entry(2, 1), entry(3, 0, "com_0002")
        self._put(storage, late, early, elsewhere)
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.moderation_log.add(attrs.evolve(late, reason="다른 이유"))
        with storage.unit_of_work() as uow:
            assert uow.moderation_log.for_community(CommunityId("com_0001")) == [early, late]
            assert uow.moderation_log.all() == [elsewhere, early, late]

    def test_content_in_review_and_posts_per_author(self, storage: Storage) -> None:
        """Held posts and comments of one community, oldest first; posts counted per author."""
        community, author = CommunityId("com_0001"), MemberId("mem_0001")

        def post(n: int, status: ContentStatus, community_id: CommunityId = community) -> Post:
            at = T0 + timedelta(minutes=10 - n)
            return Post(PostId(f"pst_{n}"), community_id, author, "제목", "본문", at, status)

        held_late, held_early = post(1, ContentStatus.HELD), post(2, ContentStatus.HELD)
        shown, hidden = post(3, ContentStatus.VISIBLE), post(4, ContentStatus.HIDDEN)
        elsewhere = post(5, ContentStatus.HELD, CommunityId("com_0002"))
        comments = [
            Comment(CommentId(f"cmt_{n}"), p.id, MemberId("mem_0002"), "댓글", T0, status=st_)
            for n, (p, st_) in enumerate(
                [
                    (shown, ContentStatus.HELD),
                    (shown, ContentStatus.VISIBLE),
                    (elsewhere, ContentStatus.HELD),
                ]
            )
        ]
        self._put(storage, held_late, held_early, shown, hidden, elsewhere, *comments)
        with storage.unit_of_work() as uow:
            assert uow.posts.in_review(community) == [held_early, held_late]
            assert uow.comments.in_review(community) == [comments[0]]
            assert uow.posts.count_by_author(community, author) == 4
            assert uow.posts.count_by_author(community, MemberId("mem_0002")) == 0

    # -- meetups and applications --------------------------------------------

    def test_meetup_round_trip_keeps_every_field(self, storage: Storage) -> None:
        """Every meetup field survives storage, including the secret link and aware UTC times."""
        full = sample_meetup(
            1,
            venue="서울 중구",
            follow_up_of=MeetupId("mtp_0000"),
            links_sent_at=T0 + timedelta(days=7),
        )
        bare = sample_meetup(2, meeting=None, reminder_sent_at=None, state=MeetupState.DRAFT)
        self._put(storage, full, bare)
        with storage.unit_of_work() as uow:
            assert uow.meetups.get(full.id) == full
            assert uow.meetups.get(bare.id) == bare
            got = uow.meetups.get(full.id)
            assert got is not None
            assert got.meeting is not None
            assert got.meeting.join_url.reveal() == "https://zoom.us/j/1?pwd=x"
            assert got.starts_at.utcoffset() == timedelta(0)
            uow.meetups.update(attrs.evolve(bare, state=MeetupState.OPEN))
            uow.commit()
        with storage.unit_of_work() as uow:
            got = uow.meetups.get(bare.id)
            assert got is not None
            assert got.state is MeetupState.OPEN
            assert [m.id for m in uow.meetups.for_community(CommunityId("com_0001"))] == [
                "mtp_0001",
                "mtp_0002",
            ]

    def test_get_for_update_reads_like_get(self, storage: Storage) -> None:
        """``meetups.get_for_update`` returns what ``get`` does, own writes included."""
        meetup = sample_meetup(1)
        self._put(storage, meetup)
        with storage.unit_of_work() as uow:
            assert uow.meetups.get_for_update(meetup.id) == meetup
            assert uow.meetups.get_for_update(MeetupId("mtp_9999")) is None
            changed = attrs.evolve(meetup, state=MeetupState.ENDED)
            uow.meetups.update(changed)
            assert uow.meetups.get_for_update(meetup.id) == changed
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.meetups.get_for_update(meetup.id) == uow.meetups.get(meetup.id) == changed

    def test_get_for_update_makes_read_modify_write_take_turns(self, storage: Storage) -> None:
        """Units of work that read a meetup with ``get_for_update`` and write it lose no update.

        Each of eight threads adds one seat to the meetup it read; without the
        lock, two reading the same value at once would both write value + 1.
        """
        if not self.supports_threads:
            pytest.skip("backend does not support threads")
        meetup = sample_meetup(1, capacity=20)
        self._put(storage, meetup)
        start = threading.Barrier(8)
        errors: list[BaseException] = []

        def add_a_seat() -> None:
            try:
                start.wait(timeout=30)
                with storage.unit_of_work() as uow:
                    current = uow.meetups.get_for_update(meetup.id)
                    assert current is not None
                    time.sleep(0.005)  # let the others read, if they can
                    uow.meetups.update(attrs.evolve(current, capacity=current.capacity + 1))
                    uow.commit()
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=add_a_seat) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with storage.unit_of_work() as uow:
            got = uow.meetups.get(meetup.id)
            assert got is not None
            assert got.capacity == 28

    def test_applications(self, storage: Storage) -> None:
        """Applications are unique per (meetup, member) and ordered by application time."""
        apps = [sample_application(1, m, minute=10 - m) for m in range(1, 6)]
        self._put(storage, *apps, sample_application(2, 1))
        with storage.unit_of_work() as uow:
            listed = uow.applications.for_meetup(MeetupId("mtp_0001"))
            assert [a.member_id for a in listed] == [f"mem_{m:04d}" for m in range(5, 0, -1)]
            chosen = apps[0].move_to(ApplicationState.SELECTED, T0 + timedelta(days=1))
            uow.applications.update(chosen)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.applications.get(MeetupId("mtp_0001"), MemberId("mem_0001")) == chosen
            assert len(uow.applications.all()) == 6
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.applications.add(sample_application(1, 3))

    def test_move_applied_moves_only_applied_applications(self, storage: Storage) -> None:
        """``move_applied`` changes applied applications of one meetup and counts them."""
        apps = [sample_application(1, m) for m in range(1, 7)]
        withdrawn = apps[5].move_to(ApplicationState.WITHDRAWN, T0)
        self._put(storage, *apps[:5], withdrawn, sample_application(2, 1))
        later = T0 + timedelta(days=1)
        with storage.unit_of_work() as uow:
            first, second = MemberId("mem_0001"), MemberId("mem_0002")
            moved = uow.applications.move_applied(
                MeetupId("mtp_0001"), ApplicationState.SELECTED, later, only=[first, second]
            )
            assert moved == 2
            assert (
                uow.applications.move_applied(
                    MeetupId("mtp_0001"), ApplicationState.SELECTED, later, only=[]
                )
                == 0
            )
            rest = uow.applications.move_applied(
                MeetupId("mtp_0001"), ApplicationState.WAITLISTED, later
            )
            assert rest == 3  # not the withdrawn one, nor the selected again
            uow.commit()
        with storage.unit_of_work() as uow:
            states = {a.member_id: a for a in uow.applications.for_meetup(MeetupId("mtp_0001"))}
            assert states[MemberId("mem_0001")].state is ApplicationState.SELECTED
            assert states[MemberId("mem_0001")].updated_at == later
            assert states[MemberId("mem_0004")].state is ApplicationState.WAITLISTED
            assert states[MemberId("mem_0006")] == withdrawn
            other = uow.applications.get(MeetupId("mtp_0002"), MemberId("mem_0001"))
            assert other == sample_application(2, 1)
        with storage.unit_of_work() as uow:  # not committed: nothing moves
            uow.applications.move_applied(MeetupId("mtp_0002"), ApplicationState.WAITLISTED, later)
        with storage.unit_of_work() as uow:
            other = uow.applications.get(MeetupId("mtp_0002"), MemberId("mem_0001"))
            assert other is not None
            assert other.state is ApplicationState.APPLIED

    def test_commitment_and_draw_one_per_meetup(self, storage: Storage) -> None:
        """Commitments and draws round-trip with their full order; one of each per meetup."""
        applicants = [MemberId(f"mem_{i:04d}") for i in range(40)]
        commitment = Commitment.make(
            meetup_id=MeetupId("mtp_0001"),
            seats=20,
            entrants=[
                Entrant(id=m, weight=Decimal(n % 3 + 1), company=f"c{n % 4 + 1}")
                for n, m in enumerate(applicants)
            ],
            constraints=Constraints(company_cap=6),
            seed=bytes(range(32)),
            committed_at=T0,
        )
        draw = Draw.run(commitment, T0 + timedelta(hours=1))
        self._put(storage, commitment, draw)
        with storage.unit_of_work() as uow:
            assert uow.commitments.get(MeetupId("mtp_0001")) == commitment
            got = uow.draws.get(MeetupId("mtp_0001"))
            assert got == draw
            assert got is not None
            assert got.selected + got.waitlist == draw.selected + draw.waitlist
            assert uow.draws.get(MeetupId("mtp_0002")) is None
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.draws.add(draw)
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.commitments.add(commitment)

    # -- surveys -------------------------------------------------------------

    def test_survey_responses_and_participation(self, storage: Storage) -> None:
        """Surveys round-trip; responses list by random id; participation is unique and apart."""
        survey = sample_survey()
        about_community = sample_survey(2, None)
        ids = ["rsp_f0", "rsp_0a", "rsp_9c", "rsp_33"]
        responses = [sample_response(i, rating=r) for i, r in zip(ids, (5, 4, 3, 4), strict=True)]
        self._put(storage, survey, about_community, *responses)
        self._put(
            storage,
            Participation(survey.id, MemberId("mem_0002")),
            Participation(survey.id, MemberId("mem_0001"), ResponseId("rsp_0a")),
            Participation(about_community.id, MemberId("mem_0003")),
        )
        with storage.unit_of_work() as uow:
            assert uow.surveys.get(survey.id) == survey
            assert uow.surveys.get(about_community.id) == about_community
            assert uow.surveys.get_for_update(survey.id) == survey
            assert uow.surveys.get_for_update(SurveyId("srv_9999")) is None
            assert uow.surveys.for_meetup(MeetupId("mtp_0001")) == [survey]
            assert uow.surveys.for_community(CommunityId("com_0001")) == [survey, about_community]
            assert uow.surveys.for_community(CommunityId("com_0002")) == []
            # Sorted by the random id, never by when the answer arrived.
            assert [r.id for r in uow.responses.for_survey(survey.id)] == sorted(ids)
            assert uow.responses.for_survey(about_community.id) == []
            assert uow.participations.exists(survey.id, MemberId("mem_0001"))
            assert not uow.participations.exists(survey.id, MemberId("mem_0003"))
            assert [p.member_id for p in uow.participations.for_survey(survey.id)] == [
                "mem_0001",
                "mem_0002",
            ]
            assert {p.response_id for p in uow.participations.all()} == {None, "rsp_0a"}
            uow.surveys.update(attrs.evolve(survey, state=SurveyState.CLOSED, min_responses=7))
            uow.commit()
        with storage.unit_of_work() as uow:
            got = uow.surveys.get(survey.id)
            assert got is not None
            assert (got.state, got.min_responses) == (SurveyState.CLOSED, 7)
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.participations.add(Participation(survey.id, MemberId("mem_0001")))
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.responses.add(sample_response("rsp_f0", rating=1))

    def test_eligible_count_is_the_audience_and_whoever_answered(self, storage: Storage) -> None:
        """Attendees or members now, plus respondents who left since, each counted once."""
        about_meetup, about_community = sample_survey(), sample_survey(2, None)
        attended = [
            attrs.evolve(sample_application(1, n), state=ApplicationState.ATTENDED)
            for n in (1, 2, 3)
        ]
        absent = attrs.evolve(sample_application(1, 4), state=ApplicationState.NO_SHOW)
        elsewhere = attrs.evolve(sample_application(2, 5), state=ApplicationState.ATTENDED)
        members = [
            Membership(CommunityId("com_0001"), MemberId(f"mem_{n:04d}"), Role.MEMBER, T0)
            for n in (1, 2, 6)
        ]
        other_community = Membership(CommunityId("com_0002"), MemberId("mem_0007"), Role.MEMBER, T0)
        self._put(
            storage,
            about_meetup,
            about_community,
            *attended,
            absent,
            elsewhere,
            *members,
            other_community,
            # mem_0001 attended and answered: once.  mem_0009 answered, then left.
            Participation(about_meetup.id, MemberId("mem_0001")),
            Participation(about_meetup.id, MemberId("mem_0009")),
            Participation(about_community.id, MemberId("mem_0006")),
            Participation(about_community.id, MemberId("mem_0008")),
        )
        with storage.unit_of_work() as uow:
            assert uow.participations.eligible_count(about_meetup) == 4
            assert uow.participations.eligible_count(about_community) == 4
            assert uow.participations.eligible_count(sample_survey(3, None, community=9)) == 0
            # Read your writes: a member joining in this transaction counts.
            uow.memberships.add(
                Membership(CommunityId("com_0001"), MemberId("mem_0010"), Role.MEMBER, T0)
            )
            assert uow.participations.eligible_count(about_community) == 5

    def test_responses_keep_every_kind_of_answer(self, storage: Storage) -> None:
        """Numbers, choices, several choices, text and the band all come back as stored."""
        full = sample_response(
            "rsp_aa",
            rating=2,
            band=ExperienceBand.FROM_6_TO_10,
            nps=10,
            best="seo",
            topics=["seo", "ads", "crm"],
            offline=1,
            comment="첫 주 ROAS가 반토막 났던 이야기,\n정말 공감했습니다 😀",
        )
        bare = sample_response("rsp_bb", rating=5, offline=0)
        self._put(storage, sample_survey(), full, bare)
        with storage.unit_of_work() as uow:
            assert list(uow.responses.for_survey(SurveyId("srv_0001"))) == [full, bare]
            assert list(uow.responses.all()) == [full, bare]
            got = uow.responses.for_survey(SurveyId("srv_0001"))[0]
            assert [a.choice for a in got.answers if a.question_id == "topics"] == [
                "ads",
                "crm",
                "seo",
            ]

    def test_statistics_are_the_aggregates_of_the_answers(self, storage: Storage) -> None:
        """``statistics`` counts, sums and squares the answers per question and band."""
        junior, senior = ExperienceBand.UP_TO_2, ExperienceBand.FROM_11
        rows = [
            sample_response("rsp_01", rating=5, band=junior, nps=10, topics=["ads", "seo"]),
            sample_response("rsp_02", rating=4, band=junior, nps=6, offline=1, comment="좋아요"),
            sample_response("rsp_03", rating=4, band=senior, best="ads", offline=0),
            sample_response("rsp_04", rating=1, offline=1, topics=["crm"], comment="아쉬워요"),
            sample_response("rsp_05", survey=2, rating=3, nps=0),  # another survey
        ]
        self._put(storage, sample_survey(), sample_survey(2), *rows)
        with storage.unit_of_work() as uow:
            stats = uow.responses.statistics(SurveyId("srv_0001"))
            listed = uow.responses.for_survey(SurveyId("srv_0001"))
            texts = uow.responses.texts(SurveyId("srv_0001"), "comment")
            empty = uow.responses.statistics(SurveyId("srv_0009"))
            unbanded = uow.responses.statistics(SurveyId("srv_0001"), by_band=False)
            empty_unbanded = uow.responses.statistics(SurveyId("srv_0009"), by_band=False)
        assert stats == ResponseStatistics.of(SurveyId("srv_0001"), listed)
        assert stats.responses == 4
        assert dict(stats.bands) == {None: 1, junior: 2, senior: 1}
        rating = stats.question("q1")
        assert (rating.respondents, rating.count, rating.total, rating.squares) == (4, 4, 14, 58)
        assert dict(rating.values) == {1: 1, 4: 2, 5: 1}
        assert stats.in_band("q1", junior) == AnswerAggregate(2, 2, 9, 41, {4: 1, 5: 1}, {}, 0)
        topics = stats.question("topics")
        assert (topics.respondents, dict(topics.choices)) == (2, {"ads": 1, "crm": 1, "seo": 1})
        assert dict(stats.question("offline").values) == {0: 1, 1: 2}
        assert stats.question("comment").texts == 2
        assert stats.question("nowhere") == AnswerAggregate()
        assert texts == ["아쉬워요", "좋아요"]
        assert empty == ResponseStatistics(SurveyId("srv_0009"), 0, {}, {})
        # Without bands: the same figures, every response under None.
        asked = ("q1", "nps", "best", "topics", "offline", "comment")
        assert (unbanded.responses, dict(unbanded.bands)) == (4, {None: 4})
        assert set(unbanded.answers) == {(question_id, None) for question_id in asked}
        for question_id in asked:
            assert unbanded.in_band(question_id, None) == stats.question(question_id)
        assert empty_unbanded == empty

    def test_statistics_equal_counting_in_python(self, storage: Storage) -> None:
        """For many mixes of answers, ``statistics`` equals :meth:`ResponseStatistics.of` them."""
        for run in range(20):
            pick = _Picks(f"statistics-{run}")
            survey = attrs.evolve(sample_survey(), id=SurveyId(f"srv_{run:04d}"))
            responses = []
            for n in range(pick.below(13)):
                answers: dict[str, Any] = {"offline": pick.below(2)}
                if pick.below(2):
                    answers["nps"] = pick.below(11)
                if pick.below(2):
                    answers["topics"] = sorted({pick.of(["ads", "seo", "crm"]) for _ in range(3)})
                if pick.below(2):
                    answers["comment"] = pick.of(["좋아요", "good", "Zzz", "가", "좋아요"])
                band = pick.of([None, *ExperienceBand])
                response = sample_response(
                    f"rsp_{run:02d}_{pick.below(1 << 32):08x}_{n}",
                    rating=1 + pick.below(5),
                    band=band,
                    **answers,
                )
                responses.append(attrs.evolve(response, survey_id=survey.id))
            self._put(storage, survey, *responses)
            with storage.unit_of_work() as uow:
                stats = uow.responses.statistics(survey.id)
                unbanded = uow.responses.statistics(survey.id, by_band=False)
                listed = uow.responses.for_survey(survey.id)
                texts = uow.responses.texts(survey.id, "comment")
            assert list(listed) == sorted(responses, key=lambda r: r.id)
            assert stats == ResponseStatistics.of(survey.id, responses), run
            assert unbanded == ResponseStatistics.of(survey.id, responses, by_band=False), run
            expected = sorted(a.text for r in responses for a in r.answers if a.text is not None)
            assert list(texts) == expected

    def test_rewrite_in_id_order_changes_nothing_one_can_read(self, storage: Storage) -> None:
        """After ``rewrite_in_id_order`` the survey reads the same; other surveys are untouched."""
        junior = ExperienceBand.UP_TO_2
        ours = [
            sample_response("rsp_f1", rating=5, band=junior, nps=9, topics=["ads", "crm"]),
            sample_response("rsp_0c", rating=2, offline=1, comment="아쉬워요"),
            sample_response("rsp_7a", rating=4, band=junior, best="seo", comment="좋아요"),
            sample_response("rsp_3e", rating=3, offline=0),
        ]
        theirs = [
            sample_response("rsp_55", survey=2, rating=1, comment="별로"),
            sample_response("rsp_05", survey=2, rating=5, nps=10),
        ]
        self._put(storage, sample_survey(), sample_survey(2), *ours[:2], *theirs, *ours[2:])
        ours_id, theirs_id = SurveyId("srv_0001"), SurveyId("srv_0002")

        def read(uow: Any, survey_id: SurveyId) -> tuple[Any, ...]:
            return (
                list(uow.responses.for_survey(survey_id)),
                uow.responses.statistics(survey_id),
                list(uow.responses.texts(survey_id, "comment")),
            )

        with storage.unit_of_work() as uow:
            before, others = read(uow, ours_id), read(uow, theirs_id)
            every = list(uow.responses.all())
            uow.responses.rewrite_in_id_order(ours_id)
            assert read(uow, ours_id) == before  # read your writes
            uow.responses.rewrite_in_id_order(SurveyId("srv_0009"))  # no responses: nothing
            uow.commit()
        assert before[0] == sorted(ours, key=lambda r: r.id)
        with storage.unit_of_work() as uow:
            assert read(uow, ours_id) == before
            assert read(uow, theirs_id) == others
            assert list(uow.responses.all()) == every
            # Still one response per id: adding one again is refused.
            with pytest.raises(AlreadyExists):
                uow.responses.add(ours[0])

    # -- messages and inbox --------------------------------------------------

    def test_outbox_pending_order_and_updates(self, storage: Storage) -> None:
        """Pending messages come oldest first; sent and failed ones drop out of ``pending``."""
        messages = [sample_message(i, minute=10 - i) for i in range(1, 6)]
        self._put(storage, *messages)
        with storage.unit_of_work() as uow:
            pending = uow.messages.pending(3)
            assert [m.id for m in pending] == ["msg_0005", "msg_0004", "msg_0003"]
            uow.messages.update(messages[4].sent(T0 + timedelta(hours=1)))
            uow.messages.update(messages[3].failed("Timeout", give_up=True))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.messages.pending(10)] == ["msg_0003", "msg_0002", "msg_0001"]
            got = uow.messages.get(MessageId("msg_0004"))
            assert got is not None
            assert got.status is DeliveryStatus.FAILED
            assert got.params == messages[3].params
            assert len(uow.messages.all()) == 5

    def test_message_subject_round_trip(self, storage: Storage) -> None:
        """A message's subject, or its absence, comes back as stored, and survives updates."""
        about = attrs.evolve(sample_message(1), kind=MessageKind.REMINDER, subject="mtp_0001")
        plain = sample_message(2, minute=1)
        self._put(storage, about, plain)
        with storage.unit_of_work() as uow:
            assert uow.messages.get(about.id) == about
            assert uow.messages.get(plain.id) == plain
            assert [m.subject for m in uow.messages.all()] == ["mtp_0001", None]
            (claimed,) = uow.messages.claim(1, T0, LEASE, "relay-a")
            assert claimed.subject == "mtp_0001"
            assert uow.messages.mark(claimed.sent(T0), "relay-a") is True
            uow.commit()
        with storage.unit_of_work() as uow:
            stored = uow.messages.get(about.id)
            assert stored is not None
            assert (stored.status, stored.subject) == (DeliveryStatus.SENT, "mtp_0001")

    def test_inbox(self, storage: Storage) -> None:
        """Inbox items list newest first per recipient and keep their read time."""
        items = [
            InboxItem(
                MessageId(f"msg_{i:04d}"),
                MemberId("mem_0001"),
                MessageKind.REMINDER,
                T0 + timedelta(minutes=i),
                {"meetup_title": "모임"},
            )
            for i in range(3)
        ]
        self._put(storage, *items)
        with storage.unit_of_work() as uow:
            assert list(uow.inbox.for_recipient(MemberId("mem_0001"))) == items[::-1]
            assert uow.inbox.for_recipient(MemberId("mem_0002")) == []
            uow.inbox.update(attrs.evolve(items[0], read_at=T0 + timedelta(hours=1)))
            uow.commit()
        with storage.unit_of_work() as uow:
            got = uow.inbox.get(MessageId("msg_0000"))
            assert got is not None
            assert got.read_at == T0 + timedelta(hours=1)

    # -- claims: several relays on one storage -----------------------------------

    def test_claim_leases_the_oldest_due_messages(self, storage: Storage) -> None:
        """``claim`` leases due messages oldest first, skipping backoff and leased ones."""
        messages = [sample_message(i, minute=i) for i in range(1, 7)]
        backing_off = messages[0].failed("Timeout", give_up=False, retry_at=T0 + timedelta(hours=2))
        sent = messages[1].sent(T0)
        self._put(storage, backing_off, sent, *messages[2:])
        now = T0 + timedelta(hours=1)
        with storage.unit_of_work() as uow:
            first = uow.messages.claim(2, now, LEASE, "relay-a")
            uow.commit()
        assert [m.id for m in first] == ["msg_0003", "msg_0004"]
        assert {(m.claimed_by, m.claimed_until) for m in first} == {("relay-a", now + LEASE)}
        assert [m.params for m in first] == [messages[2].params, messages[3].params]
        with storage.unit_of_work() as uow:
            assert uow.messages.get(MessageId("msg_0003")) == first[0]
            # Leased messages are not due for anyone else.
            assert [m.id for m in uow.messages.pending(10, now)] == ["msg_0005", "msg_0006"]
            second = uow.messages.claim(10, now, LEASE, "relay-b")
            uow.commit()
        assert [m.id for m in second] == ["msg_0005", "msg_0006"]
        with storage.unit_of_work() as uow:
            assert uow.messages.claim(10, now, LEASE, "relay-c") == []
            # The backoff ends: that message becomes claimable.
            later = uow.messages.claim(1, T0 + timedelta(hours=2), LEASE, "relay-c")
            assert [m.id for m in later] == ["msg_0001"]
            assert later[0].attempts == 1

    def test_a_claim_without_commit_is_not_kept(self, storage: Storage) -> None:
        """A claim is a write like any other: rolled back, it leaves the message free."""
        self._put(storage, sample_message(1))
        with storage.unit_of_work() as uow:
            assert len(uow.messages.claim(5, T0, LEASE, "relay-a")) == 1
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.messages.claim(5, T0, LEASE, "relay-b")] == ["msg_0001"]

    def test_an_expired_lease_can_be_taken_over(self, storage: Storage) -> None:
        """Once a lease has run out, another relay claims the same message, same id."""
        self._put(storage, sample_message(1), sample_message(2, minute=1))
        with storage.unit_of_work() as uow:
            taken = uow.messages.claim(5, T0, LEASE, "relay-a")
            uow.commit()
        just_before = T0 + LEASE - timedelta(microseconds=1)
        with storage.unit_of_work() as uow:
            assert uow.messages.claim(5, just_before, LEASE, "relay-b") == []
            again = uow.messages.claim(5, T0 + LEASE, LEASE, "relay-b")
            uow.commit()
        assert [m.id for m in again] == [m.id for m in taken]
        assert {m.claimed_by for m in again} == {"relay-b"}
        assert {m.claimed_until for m in again} == {T0 + 2 * LEASE}

    def test_claiming_chosen_ids(self, storage: Storage) -> None:
        """With ``ids``, only those of them that are due are claimed."""
        messages = [sample_message(i, minute=i) for i in range(1, 5)]
        self._put(storage, *messages[:3], messages[3].sent(T0))
        wanted = [MessageId("msg_0003"), MessageId("msg_0001"), MessageId("msg_0004")]
        with storage.unit_of_work() as uow:
            claimed = uow.messages.claim(10, T0, LEASE, "relay-a", ids=[*wanted, MessageId("x")])
            assert [m.id for m in claimed] == ["msg_0001", "msg_0003"]
            assert uow.messages.claim(10, T0, LEASE, "relay-b", ids=[]) == []
            again = uow.messages.claim(10, T0, LEASE, "relay-b", ids=wanted)
            assert again == []
            uow.commit()
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.messages.pending(10, T0)] == ["msg_0002"]

    def test_marking_needs_the_claim(self, storage: Storage) -> None:
        """Only the relay holding a message records its outcome; a slow one changes nothing."""
        original = sample_message(1)
        self._put(storage, original, sample_message(2, minute=1))
        with storage.unit_of_work() as uow:
            (slow,) = uow.messages.claim(1, T0, LEASE, "relay-slow")
            uow.commit()
        expired = T0 + LEASE
        with storage.unit_of_work() as uow:
            (fast,) = uow.messages.claim(1, expired, LEASE, "relay-fast")
            uow.commit()
        assert fast.id == slow.id
        with storage.unit_of_work() as uow:
            # The slow relay's lease was taken over: its outcome is ignored.
            assert uow.messages.mark(slow.failed("Timeout", give_up=True), "relay-slow") is False
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.messages.get(slow.id) == fast
            changed = attrs.evolve(fast.sent(expired), params={"link": "https://other.example"})
            assert uow.messages.mark(changed, "relay-fast") is True
            uow.commit()
        with storage.unit_of_work() as uow:
            stored = uow.messages.get(slow.id)
            assert stored is not None
            assert stored.status is DeliveryStatus.SENT
            assert (stored.attempts, stored.sent_at) == (1, expired)
            assert (stored.claimed_by, stored.claimed_until) == (None, None)
            assert stored.params == original.params  # only the delivery state is written
            # Sent is final: neither relay can mark it again.
            assert uow.messages.mark(fast.failed("X", give_up=True), "relay-fast") is False
            assert uow.messages.mark(slow.sent(expired), "relay-slow") is False
            # A message nobody claimed is not marked either.
            other = uow.messages.get(MessageId("msg_0002"))
            assert other is not None
            assert uow.messages.mark(other.sent(expired), "relay-fast") is False
            uow.commit()
        with storage.unit_of_work() as uow:
            assert [m.status for m in uow.messages.all()] == [
                DeliveryStatus.SENT,
                DeliveryStatus.PENDING,
            ]

    def test_a_failed_attempt_is_marked_with_its_backoff(self, storage: Storage) -> None:
        """A failure recorded by the claim holder releases it until its next attempt time."""
        self._put(storage, sample_message(1))
        retry_at = T0 + timedelta(minutes=3)
        with storage.unit_of_work() as uow:
            (claimed,) = uow.messages.claim(1, T0, LEASE, "relay-a")
            outcome = claimed.failed("SMTPServerDisconnected", give_up=False, retry_at=retry_at)
            assert uow.messages.mark(outcome, "relay-a") is True
            uow.commit()
        with storage.unit_of_work() as uow:
            stored = uow.messages.get(MessageId("msg_0001"))
            assert stored == attrs.evolve(outcome, claimed_by=None, claimed_until=None)
            assert uow.messages.claim(1, retry_at - timedelta(seconds=1), LEASE, "b") == []
            assert len(uow.messages.claim(1, retry_at, LEASE, "relay-b")) == 1

    def test_release_gives_back_only_ones_own_claims(self, storage: Storage) -> None:
        """``release`` clears the caller's leases and leaves other relays' alone."""
        self._put(storage, *(sample_message(i, minute=i) for i in range(1, 5)))
        with storage.unit_of_work() as uow:
            mine = uow.messages.claim(2, T0, LEASE, "relay-a")
            theirs = uow.messages.claim(2, T0, LEASE, "relay-b")
            uow.commit()
        ids = [m.id for m in (*mine, *theirs)]
        with storage.unit_of_work() as uow:
            assert uow.messages.release(ids, "relay-a") == 2
            assert uow.messages.release([], "relay-a") == 0
            uow.commit()
        with storage.unit_of_work() as uow:
            free = uow.messages.claim(10, T0, LEASE, "relay-c")
        assert [m.id for m in free] == [m.id for m in mine]

    def test_concurrent_claims_never_share_a_message(self, storage: Storage) -> None:
        """Threads claiming small batches at once each get different messages, all of them."""
        if not self.supports_threads:
            pytest.skip("backend does not support threads")
        self._put(storage, *(sample_message(i, minute=i % 7) for i in range(60)))
        got: dict[str, list[MessageId]] = {}
        errors: list[BaseException] = []
        start = threading.Barrier(4)

        def relay(name: str) -> None:
            try:
                start.wait(timeout=30)
                mine = got.setdefault(name, [])
                while True:
                    with storage.unit_of_work() as uow:
                        batch = uow.messages.claim(4, T0, LEASE, name)
                        uow.commit()
                    if not batch:
                        return
                    mine.extend(m.id for m in batch)
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=relay, args=(f"relay-{n}",)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        every = [message_id for ids in got.values() for message_id in ids]
        assert len(every) == len(set(every)) == 60

    # -- dead letters ----------------------------------------------------------

    def test_dead_letters_newest_first_and_requeued(self, storage: Storage) -> None:
        """Failed messages list newest first by keyset; ``requeue`` makes them pending again."""
        messages = [sample_message(i, minute=i // 2) for i in range(8)]
        dead = [m.failed("TimeoutError", give_up=True) for m in messages[:6]]
        self._put(storage, *dead, messages[6], messages[7].sent(T0))
        expected = sorted(dead, key=lambda m: (m.created_at, m.id), reverse=True)
        with storage.unit_of_work() as uow:
            first = list(uow.messages.dead(4))
            assert first == expected[:4]
            rest = list(uow.messages.dead(4, (first[-1].created_at, first[-1].id)))
            assert rest == expected[4:]
            assert uow.messages.requeue([dead[0].id, messages[6].id, MessageId("x")]) == 1
            assert uow.messages.requeue([]) == 0
            uow.commit()
        with storage.unit_of_work() as uow:
            again = uow.messages.get(dead[0].id)
            assert again == dead[0].requeued()
            assert (again.status, again.attempts, again.last_error) == (
                DeliveryStatus.PENDING,
                0,
                "TimeoutError",
            )
            assert uow.messages.requeue(None) == 5
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.messages.dead(10) == []
            assert len(uow.messages.pending(10, T0)) == 7

    # -- many messages at once ----------------------------------------------------

    def test_add_many_messages(self, storage: Storage) -> None:
        """``add_many`` inserts every message, as ``add`` would; an empty list does nothing."""
        messages = [
            attrs.evolve(
                sample_message(i, minute=10 - i, recipient=i),
                subject="mtp_0001" if i % 2 else None,
                next_attempt_at=T0 + timedelta(days=1) if i == 5 else None,
            )
            for i in range(1, 6)
        ]
        with storage.unit_of_work() as uow:
            uow.messages.add_many(messages)
            uow.messages.add_many([])
            assert uow.messages.get(MessageId("msg_0003")) == messages[2]  # read your writes
            uow.commit()
        with storage.unit_of_work() as uow:
            for message in messages:
                assert uow.messages.get(message.id) == message
            assert list(uow.messages.all()) == messages[::-1]
            # Oldest first; the one planned for tomorrow is not due yet.
            assert [m.id for m in uow.messages.pending(10, T0)] == [
                "msg_0004",
                "msg_0003",
                "msg_0002",
                "msg_0001",
            ]
            assert len(uow.messages.pending(10)) == 5
            uow.messages.add_many([])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert len(uow.messages.all()) == 5

    def test_add_many_refuses_an_id_twice(self, storage: Storage) -> None:
        """An id already stored, or repeated in the batch, raises AlreadyExists; nothing is kept."""
        self._put(storage, sample_message(1))
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.messages.add_many([sample_message(2), sample_message(1, minute=5)])
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.messages.add_many([sample_message(3), sample_message(3, minute=1)])
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.messages.all()] == ["msg_0001"]
            assert uow.messages.get(MessageId("msg_0001")) == sample_message(1)

    def test_add_many_without_commit_is_not_kept(self, storage: Storage) -> None:
        """Messages added together are discarded together without a commit."""
        with storage.unit_of_work() as uow:
            uow.messages.add_many([sample_message(i) for i in range(3)])
        with storage.unit_of_work() as uow:
            assert uow.messages.all() == []

    # -- withdrawing messages -------------------------------------------------------

    @staticmethod
    def _reminder(n: int, recipient: int, subject: str | None = "mtp_0001") -> Message:
        """Pending reminder ``n`` to member ``recipient`` about ``subject``."""
        return attrs.evolve(
            sample_message(n, minute=n, recipient=recipient),
            kind=MessageKind.REMINDER,
            subject=subject,
            next_attempt_at=T0 + timedelta(days=8),
        )

    def test_withdraw_cancels_only_pending_messages_of_that_subject_and_kind(
        self, storage: Storage
    ) -> None:
        """Only pending messages of the subject and kind change; the others stay as they were."""
        now = T0 + timedelta(hours=1)
        targets = [self._reminder(i, recipient=i) for i in range(1, 4)]
        retried = self._reminder(4, recipient=4).failed(
            "TimeoutError", give_up=False, retry_at=T0 + timedelta(days=8)
        )
        untouched = [
            self._reminder(10, recipient=1).sent(T0),
            self._reminder(11, recipient=2).failed("SMTPRecipientsRefused", give_up=True),
            attrs.evolve(self._reminder(12, recipient=3), status=DeliveryStatus.CANCELLED),
            attrs.evolve(self._reminder(13, recipient=1), kind=MessageKind.MEETING_LINK),
            self._reminder(14, recipient=1, subject="mtp_0002"),
            self._reminder(15, recipient=1, subject=None),
        ]
        self._put(storage, *targets, retried, *untouched)
        with storage.unit_of_work() as uow:
            assert uow.messages.withdraw("mtp_0001", MessageKind.REMINDER, None, now) == 4
            uow.commit()
        with storage.unit_of_work() as uow:
            for message in (*targets, retried):
                assert uow.messages.get(message.id) == attrs.evolve(
                    message, status=DeliveryStatus.CANCELLED
                )
            for message in untouched:
                assert uow.messages.get(message.id) == message
            stored = uow.messages.get(targets[0].id)
            assert stored is not None
            assert stored.last_error is None
            withdrawn_retry = uow.messages.get(retried.id)
            assert withdrawn_retry is not None
            assert withdrawn_retry.last_error == "TimeoutError"  # its history is kept
            # Nothing is left to withdraw; cancelled messages are never due, nor dead letters.
            assert uow.messages.withdraw("mtp_0001", MessageKind.REMINDER, None, now) == 0
            later = T0 + timedelta(days=9)
            assert {m.id for m in uow.messages.pending(50, later)} == {
                untouched[3].id,
                untouched[4].id,
                untouched[5].id,
            }
            assert [m.id for m in uow.messages.dead(10)] == [untouched[1].id]
            assert uow.messages.requeue(None) == 1  # the failed one only

    def test_withdraw_for_some_recipients(self, storage: Storage) -> None:
        """With ``recipients``, only their messages are withdrawn; the count says how many."""
        now = T0 + timedelta(hours=1)
        reminders = [self._reminder(i, recipient=1 + i % 3) for i in range(1, 10)]
        self._put(storage, *reminders)
        mem = [MemberId(f"mem_{i:04d}") for i in range(4)]
        with storage.unit_of_work() as uow:
            withdraw = uow.messages.withdraw
            assert withdraw("mtp_0001", MessageKind.REMINDER, [mem[1], mem[0]], now) == 3
            assert withdraw("mtp_0001", MessageKind.REMINDER, [], now) == 0
            assert withdraw("mtp_0001", MessageKind.REMINDER, {mem[1]}, now) == 0
            assert withdraw("mtp_0002", MessageKind.REMINDER, [mem[2]], now) == 0
            assert withdraw("mtp_0001", MessageKind.SELECTED, [mem[2]], now) == 0
            uow.commit()
        with storage.unit_of_work() as uow:
            statuses = {m.id: (m.recipient_id, m.status) for m in uow.messages.all()}
        for message in reminders:
            cancelled = message.recipient_id == mem[1]
            expected = DeliveryStatus.CANCELLED if cancelled else DeliveryStatus.PENDING
            assert statuses[message.id] == (message.recipient_id, expected)
        with storage.unit_of_work() as uow:
            withdraw = uow.messages.withdraw
            assert withdraw("mtp_0001", MessageKind.REMINDER, (mem[2],), now) == 3
            assert withdraw("mtp_0001", MessageKind.REMINDER, None, now) == 3
            uow.commit()
        with storage.unit_of_work() as uow:
            assert {m.status for m in uow.messages.all()} == {DeliveryStatus.CANCELLED}

    def test_a_withdrawn_message_cannot_be_marked_by_its_claimer(self, storage: Storage) -> None:
        """A relay that claimed a message before it was withdrawn cannot record it sent."""
        reminder = attrs.evolve(self._reminder(1, recipient=1), next_attempt_at=None)
        self._put(storage, reminder, self._reminder(2, recipient=2, subject="mtp_0002"))
        with storage.unit_of_work() as uow:
            (claimed,) = uow.messages.claim(1, T0, LEASE, "relay-a")
            uow.commit()
        assert claimed.id == reminder.id
        with storage.unit_of_work() as uow:
            assert uow.messages.withdraw("mtp_0001", MessageKind.REMINDER, None, T0) == 1
            uow.commit()
        with storage.unit_of_work() as uow:
            withdrawn = uow.messages.get(reminder.id)
            assert withdrawn == attrs.evolve(reminder, status=DeliveryStatus.CANCELLED)
            assert uow.messages.mark(claimed.sent(T0), "relay-a") is False
            failed = claimed.failed("TimeoutError", give_up=False, retry_at=T0)
            assert uow.messages.mark(failed, "relay-a") is False
            assert uow.messages.release([reminder.id], "relay-a") == 0
            assert uow.messages.claim(10, T0 + 2 * LEASE, LEASE, "relay-b", ids=[reminder.id]) == []
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.messages.get(reminder.id) == withdrawn

    def test_a_withdrawal_without_commit_is_not_kept(self, storage: Storage) -> None:
        """A withdrawal is a write like any other: rolled back, the messages stay pending."""
        reminder = self._reminder(1, recipient=1)
        self._put(storage, reminder)
        with storage.unit_of_work() as uow:
            assert uow.messages.withdraw("mtp_0001", MessageKind.REMINDER, None, T0) == 1
        with storage.unit_of_work() as uow:
            assert uow.messages.get(reminder.id) == reminder

    @staticmethod
    def _code_message(n: int, subject: str = "evc_0001") -> Message:
        """Pending verification code ``n`` about ``subject``, with its address."""
        return attrs.evolve(
            sample_message(n, minute=n),
            kind=MessageKind.VERIFICATION_CODE,
            subject=subject,
            params={
                "code": f"{n:06d}",
                "expires_at": (T0 + timedelta(minutes=15)).isoformat(),
                "to_address": f"kim{n}@company.co.kr",
            },
        )

    def test_erase_secrets_of_settled_messages_only(self, storage: Storage) -> None:
        """Sent, failed and cancelled messages about the subject lose the code and address."""
        sent = self._code_message(1).sent(T0)
        failed = attrs.evolve(self._code_message(2), status=DeliveryStatus.FAILED)
        cancelled = attrs.evolve(self._code_message(3), status=DeliveryStatus.CANCELLED)
        pending = self._code_message(4)
        elsewhere = self._code_message(5, subject="evc_0002").sent(T0)
        link = attrs.evolve(sample_message(6).sent(T0), subject="evc_0001")  # nothing to erase
        self._put(storage, sent, failed, cancelled, pending, elsewhere, link)
        with storage.unit_of_work() as uow:
            assert uow.messages.erase_secrets("evc_0001") == 3
            uow.commit()
        with storage.unit_of_work() as uow:
            for message in (sent, failed, cancelled):
                stored = uow.messages.get(message.id)
                assert stored is not None
                assert dict(stored.params) == {"expires_at": message.params["expires_at"]}
                assert stored == attrs.evolve(message, params=stored.params)
            assert uow.messages.get(pending.id) == pending
            assert uow.messages.get(elsewhere.id) == elsewhere
            assert uow.messages.get(link.id) == link
            # Nothing is left to erase, and a rolled-back erase is not kept.
            assert uow.messages.erase_secrets("evc_0001") == 0
            assert uow.messages.erase_secrets("evc_0002") == 1
        with storage.unit_of_work() as uow:
            assert uow.messages.get(elsewhere.id) == elsewhere

    def test_long_lists_of_members(self, storage: Storage) -> None:
        """``withdraw`` and ``switched_off`` take thousands of members at once."""
        count = 2500
        reminders = [self._reminder(i, recipient=i) for i in range(count)]
        off = [
            NotificationPreference(
                MemberId(f"mem_{i:04d}"), "inbox", MessageKind.REMINDER, enabled=bool(i % 2)
            )
            for i in range(count)
        ]
        with storage.unit_of_work() as uow:
            uow.messages.add_many(reminders)
            for preference in off:
                uow.preferences.put(preference)
            uow.commit()
        everyone = [MemberId(f"mem_{i:04d}") for i in range(count + 100)]
        with storage.unit_of_work() as uow:
            switched = uow.preferences.switched_off(MessageKind.REMINDER, ["inbox"], everyone)
            assert switched == {(MemberId(f"mem_{i:04d}"), "inbox") for i in range(0, count, 2)}
            some = everyone[::2]  # 1,300 members, 1,250 of them with a reminder
            withdrawn = uow.messages.withdraw("mtp_0001", MessageKind.REMINDER, some, T0)
            assert withdrawn == len(range(0, count, 2))
            uow.commit()
        with storage.unit_of_work() as uow:
            cancelled = {
                m.recipient_id for m in uow.messages.all() if m.status is DeliveryStatus.CANCELLED
            }
        assert cancelled == set(some[: len(range(0, count, 2))])

    # -- notification preferences ---------------------------------------------------

    @staticmethod
    def _choice(
        member: int, channel: str, kind: MessageKind, enabled: bool
    ) -> NotificationPreference:
        return NotificationPreference(MemberId(f"mem_{member:04d}"), channel, kind, enabled)

    def test_preferences_put_replaces_and_lists_in_order(self, storage: Storage) -> None:
        """``put`` inserts or replaces; ``for_member`` and ``all`` list in key order."""
        announced, reminder = MessageKind.MEETUP_ANNOUNCED, MessageKind.REMINDER
        survey = MessageKind.SURVEY_INVITATION
        choices = [
            self._choice(2, "smtp", reminder, False),
            self._choice(1, "smtp", announced, False),
            self._choice(1, "inbox", survey, True),
            self._choice(1, "inbox", announced, False),
            self._choice(1, "Webhook", reminder, False),  # upper case sorts first
            self._choice(1, "smtp", MessageKind.SELECTED, True),
        ]
        self._put(storage, *choices)
        with storage.unit_of_work() as uow:
            listed = list(uow.preferences.for_member(MemberId("mem_0001")))
            assert listed == sorted(choices[1:], key=lambda p: (p.channel, p.kind.value))
            assert [(p.channel, p.kind.value) for p in listed] == [
                ("Webhook", "reminder"),
                ("inbox", "meetup_announced"),
                ("inbox", "survey_invitation"),
                ("smtp", "meetup_announced"),
                ("smtp", "selected"),
            ]
            assert uow.preferences.for_member(MemberId("mem_0009")) == []
            # Replacing: the member changes their mind, twice in one unit of work.
            uow.preferences.put(self._choice(1, "inbox", announced, True))
            uow.preferences.put(self._choice(2, "smtp", reminder, True))
            uow.preferences.put(self._choice(2, "smtp", reminder, False))
            uow.commit()
        with storage.unit_of_work() as uow:
            every = list(uow.preferences.all())
            assert every == sorted(
                [self._choice(1, "inbox", announced, True), *choices[:3], *choices[4:]],
                key=lambda p: (p.member_id, p.channel, p.kind.value),
            )
            assert len(every) == 6
            assert self._choice(2, "smtp", reminder, False) in every

    def test_switched_off_pairs(self, storage: Storage) -> None:
        """``switched_off`` gives the (member, channel) pairs that turned a kind off there."""
        kind, other = MessageKind.MEETUP_ANNOUNCED, MessageKind.SURVEY_INVITATION
        self._put(
            storage,
            self._choice(1, "inbox", kind, False),
            self._choice(1, "smtp", kind, False),
            self._choice(2, "smtp", kind, False),
            self._choice(3, "smtp", kind, True),  # switched back on
            self._choice(4, "smtp", other, False),  # another kind
            self._choice(5, "webhook", kind, False),  # a channel not asked about
        )
        mem = [MemberId(f"mem_{i:04d}") for i in range(6)]
        with storage.unit_of_work() as uow:
            switched_off = uow.preferences.switched_off
            assert switched_off(kind, ["inbox", "smtp"]) == {
                (mem[1], "inbox"),
                (mem[1], "smtp"),
                (mem[2], "smtp"),
            }
            assert switched_off(kind, ("smtp",), None) == {(mem[1], "smtp"), (mem[2], "smtp")}
            assert switched_off(kind, ["inbox", "smtp"], [mem[2], mem[3], mem[4]]) == {
                (mem[2], "smtp")
            }
            assert switched_off(kind, ["inbox", "smtp", "webhook"], {mem[5]}) == {
                (mem[5], "webhook")
            }
            assert switched_off(other, ["inbox", "smtp"]) == {(mem[4], "smtp")}
            assert switched_off(MessageKind.REMINDER, ["inbox", "smtp"]) == set()
            assert switched_off(kind, [], None) == set()
            assert switched_off(kind, ["inbox", "smtp"], []) == set()
            # A choice changed in this unit of work counts at once.
            uow.preferences.put(self._choice(2, "smtp", kind, True))
            uow.preferences.put(self._choice(3, "smtp", kind, False))
            assert switched_off(kind, ["smtp"]) == {(mem[1], "smtp"), (mem[3], "smtp")}

    def test_preferences_without_commit_are_not_kept(self, storage: Storage) -> None:
        """A choice written in a unit of work that does not commit is discarded."""
        kept = self._choice(1, "inbox", MessageKind.REMINDER, False)
        self._put(storage, kept)
        with storage.unit_of_work() as uow:
            uow.preferences.put(self._choice(1, "inbox", MessageKind.REMINDER, True))
            uow.preferences.put(self._choice(2, "inbox", MessageKind.REMINDER, False))
        with storage.unit_of_work() as uow:
            assert list(uow.preferences.all()) == [kept]

    # -- inbox pages -------------------------------------------------------------

    @staticmethod
    def _inbox_items(recipient: str, count: int, read: Collection[int] = ()) -> list[InboxItem]:
        return [
            InboxItem(
                MessageId(f"msg_{recipient}_{i:04d}"),
                MemberId(recipient),
                MessageKind.REMINDER,
                T0 + timedelta(minutes=i // 3),  # threes share a time: ids break the tie
                {"meetup_title": "모임"},
                read_at=T0 + timedelta(days=1) if i in read else None,
            )
            for i in range(count)
        ]

    def test_inbox_pages_newest_first_by_keyset(self, storage: Storage) -> None:
        """Pages neither skip nor repeat items; ``unread_only`` leaves read ones out."""
        items = self._inbox_items("mem_0001", 11, read={0, 4, 5, 10})
        self._put(storage, *items, *self._inbox_items("mem_0002", 3))
        newest = sorted(items, key=lambda i: (i.delivered_at, i.message_id), reverse=True)
        member = MemberId("mem_0001")
        with storage.unit_of_work() as uow:
            page1 = list(uow.inbox.page(member, limit=5))
            assert page1 == newest[:5]
            last = page1[-1]
            page2 = list(
                uow.inbox.page(member, limit=5, before=(last.delivered_at, last.message_id))
            )
            assert page2 == newest[5:10]
            unread = list(uow.inbox.page(member, limit=20, unread_only=True))
            assert unread == [i for i in newest if i.read_at is None]
            after = list(
                uow.inbox.page(
                    member,
                    limit=20,
                    before=(unread[2].delivered_at, unread[2].message_id),
                    unread_only=True,
                )
            )
            assert after == unread[3:]
            assert uow.inbox.page(MemberId("mem_0009"), limit=5) == []
            assert uow.inbox.unread_count(member) == 7
            assert uow.inbox.unread_count(MemberId("mem_0009")) == 0

    def test_mark_all_read(self, storage: Storage) -> None:
        """``mark_all_read`` marks the member's unread items only and counts them."""
        items = self._inbox_items("mem_0001", 5, read={1})
        others = self._inbox_items("mem_0002", 2)
        self._put(storage, *items, *others)
        at = T0 + timedelta(days=2)
        with storage.unit_of_work() as uow:
            assert uow.inbox.mark_all_read(MemberId("mem_0001"), at) == 4
            uow.commit()
        with storage.unit_of_work() as uow:
            stored = {i.message_id: i.read_at for i in uow.inbox.all()}
            assert stored[items[1].message_id] == items[1].read_at  # read before: unchanged
            assert [stored[i.message_id] for i in items if i is not items[1]] == [at] * 4
            assert {stored[i.message_id] for i in others} == {None}
            assert uow.inbox.unread_count(MemberId("mem_0001")) == 0
            assert uow.inbox.mark_all_read(MemberId("mem_0001"), at) == 0

    def test_paging_through_yields_every_item_once_in_order(self, storage: Storage) -> None:
        """Whatever the page size, paging through gives every item exactly once, newest first.

        A Hypothesis property over the inbox's layout (delivery times, many
        of them shared, so the message id must break ties the same way on
        every page; read and unread items), the page size and
        ``unread_only``.  Each example fills the inbox of a new member: the
        storage is shared between examples.
        """
        members = itertools.count(1)

        @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            layout=st.lists(st.tuples(st.integers(0, 5), st.booleans()), max_size=30),
            size=st.integers(1, 12),
            unread_only=st.booleans(),
        )
        def page_through(layout: list[tuple[int, bool]], size: int, unread_only: bool) -> None:
            member = MemberId(f"mem_{next(members):06d}")
            items = [
                InboxItem(
                    MessageId(f"msg_{member}_{n:03d}"),
                    member,
                    MessageKind.MEETING_LINK,
                    T0 + timedelta(minutes=minute),
                    {"link": "https://zoom.us/j/1"},
                    read_at=T0 + timedelta(days=1) if read else None,
                )
                for n, (minute, read) in enumerate(layout)
            ]
            self._put(storage, *items)
            expected = sorted(
                (i for i in items if not (unread_only and i.read_at is not None)),
                key=lambda i: (i.delivered_at, i.message_id),
                reverse=True,
            )
            seen: list[InboxItem] = []
            before = None
            with storage.unit_of_work() as uow:
                while True:
                    page = list(
                        uow.inbox.page(member, limit=size, before=before, unread_only=unread_only)
                    )
                    assert len(page) <= size
                    seen.extend(page)
                    if len(page) < size:
                        break
                    before = (page[-1].delivered_at, page[-1].message_id)
            assert seen == expected

        page_through()

    # -- transactions --------------------------------------------------------

    def test_nothing_is_kept_without_commit(self, storage: Storage) -> None:
        """A unit of work reads its own writes, and keeps none of them without commit."""
        with storage.unit_of_work() as uow:
            uow.members.add(sample_member(1))
            assert uow.members.get(MemberId("mem_0001")) is not None  # read your writes
        with storage.unit_of_work() as uow:
            assert uow.members.get(MemberId("mem_0001")) is None

    def test_an_exception_discards_every_write(self, storage: Storage) -> None:
        """An exception inside a unit of work discards every write it made."""
        self._put(storage, sample_member(1))

        class Boom(Exception):
            pass

        def fail_halfway() -> None:
            with storage.unit_of_work() as uow:
                uow.members.add(sample_member(2))
                uow.communities.add(sample_community())
                uow.members.update(attrs.evolve(sample_member(1), company="바뀜"))
                raise Boom

        with pytest.raises(Boom):
            fail_halfway()
        with storage.unit_of_work() as uow:
            assert list(uow.members.all()) == [sample_member(1)]
            assert uow.communities.all() == []

    def test_rollback_then_more_work_in_the_same_unit(self, storage: Storage) -> None:
        """After ``rollback()`` the same unit of work can go on and commit."""
        with storage.unit_of_work() as uow:
            uow.members.add(sample_member(1))
            uow.rollback()
            uow.members.add(sample_member(2))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.members.all()] == ["mem_0002"]

    def test_commits_from_threads_are_all_kept(self, storage: Storage) -> None:
        """Units of work committed from several threads are all kept."""
        if not self.supports_threads:
            pytest.skip("backend does not support threads")
        errors: list[BaseException] = []

        def work(n: int) -> None:
            try:
                with storage.unit_of_work() as uow:
                    uow.members.add(sample_member(n))
                    uow.commit()
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(1, 9)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with storage.unit_of_work() as uow:
            assert len(uow.members.all()) == 8


# --------------------------------------------------------------------------- notifiers


def sample_rendered(lang: str = "ko") -> Any:
    """A rendered message with Korean text and a link, as the relay hands it over."""
    from proforum.ports.notifier import RenderedMessage

    return RenderedMessage(
        lang=lang,
        subject="[참가 링크] 퍼포먼스 마케터끼리 만나요!",
        body="2026년 12월 10일 (목) 오후 7시에 아래 링크로 입장해 주세요.\nhttps://zoom.us/j/1?pwd=x",
    )


class NotifierContract:
    """Tests every notifier must pass; subclass and provide ``notifier`` and ``received``.

    ``received(notifier)`` returns what the receiving end got so far, as a list of
    ``(message_id, text)`` pairs where ``text`` holds the subject and body as the
    member would read them.
    """

    @pytest.fixture
    def notifier(self) -> Any:
        """Return the notifier under test, wired to a receiving end the test can read."""
        raise NotImplementedError("define a `notifier` fixture")

    def received(self, notifier: Any) -> list[tuple[str, str]]:
        """Return ``(message_id, text)`` for everything delivered so far."""
        raise NotImplementedError("define `received`")

    def test_delivered_message_reaches_the_member_with_its_id(self, notifier: Any) -> None:
        """The receiving end gets the message id (its idempotency key) and the Korean text."""
        message = sample_message(1)
        notifier.deliver(message, sample_member(1), sample_rendered())
        got = self.received(notifier)
        assert [mid for mid, _ in got] == [message.id]
        assert "퍼포먼스 마케터끼리 만나요!" in got[0][1]
        assert "오후 7시" in got[0][1]

    def test_redelivery_keeps_the_same_id(self, notifier: Any) -> None:
        """Delivering one message twice (a retry) hands over the same id both times."""
        message = sample_message(2)
        notifier.deliver(message, sample_member(1), sample_rendered())
        notifier.deliver(message, sample_member(1), sample_rendered())
        ids = {mid for mid, _ in self.received(notifier)}
        assert ids == {message.id}

    def test_repr_shows_no_message_text_or_link(self, notifier: Any) -> None:
        """Neither the notifier's repr nor the message's shows the link."""
        message = sample_message(3)
        notifier.deliver(message, sample_member(1), sample_rendered())
        assert "zoom.us" not in repr(notifier)
        assert "zoom.us" not in repr(message)
        assert "zoom.us" not in repr(sample_rendered())
