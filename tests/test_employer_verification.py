"""Verified employers: a code at a company address, an operator's review, what the feed shows.

Storage is involved everywhere here, so the tests run on memory, SQLite and
PostgreSQL (``backend_url``).  The code is read from the mailbox the way the
member reads it (:mod:`mail_support`).  What must hold:

* the code reaches the company address and nothing else: not the inbox, not
  the member's own address;
* it works until just before ``expires_at`` and not from that instant on,
  for five wrong codes at most, and only until a new one replaces it;
* codes are rate limited per window;
* once delivered (or withdrawn, or given up) neither the code nor the
  address is readable in any row of any table, and neither ever shows in a
  log line, an exception or a ``repr()``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

import proforum
from forum_world import T0, assert_unchanged
from mail_support import ADDRESS, ADDRESS_PIECES, Mailbox, MailWorld, mail_forum, mail_world
from proforum import ManualClock, SeededIds
from proforum.adapters.inbox import InboxNotifier
from proforum.adapters.sql.storage import SqlStorage
from proforum.domain.common import CommunityId, MemberId, MessageId, PostId
from proforum.domain.community import Membership, Role
from proforum.domain.content import Post
from proforum.domain.employer import ChallengeState, EmployerChallenge, VerificationPolicy
from proforum.domain.notification import DeliveryStatus, Message, MessageKind
from proforum.errors import (
    DeliveryRejected,
    InvalidIdentifier,
    NoAddressChannel,
    NotACommunityMember,
    NoVerificationPending,
    ProforumError,
    RoleRequired,
    TooManyVerificationCodes,
    VerificationCodeExpired,
    VerificationLocked,
    WrongVerificationCode,
)
from proforum.ports.context import AdapterContext
from proforum.ports.notifier import RenderedMessage
from proforum.testing.contracts import sample_community, sample_member, sample_verification

COMPANY = "리멤버앤컴퍼니"
DOMAIN = "remember-corp.co.kr"
TTL = timedelta(minutes=15)
#: The tests' start, in UTC as stored values are.
AT = T0.astimezone(UTC)


@pytest.fixture
def mw(backend_url: str, clock: ManualClock) -> Iterator[MailWorld]:
    """The cast on every backend, on a forum that also delivers to e-mail addresses."""
    with mail_world(backend_url, clock) as world:
        yield world


def start(mw: MailWorld, member: int = 0, email: str = ADDRESS) -> proforum.VerificationSent:
    """Member ``member`` asks for a code at ``email``."""
    return mw.forum.start_employer_verification(
        mw.world.members[member].id, company=COMPANY, email=email
    )


def challenge_of(forum: proforum.Forum, member_id: str) -> EmployerChallenge:
    """The member's stored challenge, read straight from storage."""
    with forum.storage.unit_of_work() as uow:
        found = uow.challenges.get(MemberId(member_id))
    assert found is not None
    return found


def wrong(code: str) -> str:
    """A six-digit code that is not ``code``."""
    return f"{(int(code) + 1) % 10**6:06d}"


# --------------------------------------------------------------------------- the code


def test_the_code_goes_to_the_company_address_and_nowhere_else(mw: MailWorld) -> None:
    member = mw.world.members[0]
    sent = start(mw)
    assert sent == proforum.VerificationSent(
        company=COMPANY, domain=DOMAIN, expires_at=AT + TTL, attempts_allowed=5, codes_left=2
    )
    (letter,) = mw.mailbox.letters
    assert (letter.member_id, letter.address) == (member.id, ADDRESS)
    code = mw.mailbox.code_for(ADDRESS)
    assert code not in letter.subject
    (message,) = [m for m in mw.forum.outbox() if m.kind is MessageKind.VERIFICATION_CODE]
    # Only the notifier that delivers to addresses got it: not the in-app inbox.
    assert message.channel == "mail"
    assert mw.forum.inbox(member.id) == []
    stored = challenge_of(mw.forum, member.id)
    assert (stored.company, stored.domain, stored.state) == (COMPANY, DOMAIN, "pending")
    assert stored.code_hash != code
    assert code not in repr(stored)


def test_the_right_code_verifies_the_employer(mw: MailWorld, clock: ManualClock) -> None:
    member = mw.world.members[0]
    start(mw)
    clock.advance(timedelta(minutes=3))
    verification = mw.forum.confirm_employer_verification(
        member.id, f" {mw.mailbox.code_for(ADDRESS)} "
    )
    assert verification == proforum.EmployerVerification(
        member_id=member.id,
        company=COMPANY,
        method="company_email",
        verified_at=AT + timedelta(minutes=3),
        domain=DOMAIN,
    )
    assert mw.forum.employer_verification(member.id) == verification
    assert challenge_of(mw.forum, member.id).state is ChallengeState.USED
    # A code works once.
    assert_unchanged(
        mw.forum,
        lambda: mw.forum.confirm_employer_verification(member.id, mw.mailbox.code_for(ADDRESS)),
        NoVerificationPending,
    )


def test_a_code_works_until_just_before_it_expires(mw: MailWorld, clock: ManualClock) -> None:
    start(mw)
    clock.set(T0 + TTL - timedelta(microseconds=1))
    member = mw.world.members[0]
    verification = mw.forum.confirm_employer_verification(member.id, mw.mailbox.code_for(ADDRESS))
    assert verification.verified_at == T0 + TTL - timedelta(microseconds=1)


@pytest.mark.parametrize("late", [timedelta(0), timedelta(microseconds=1), timedelta(days=2)])
def test_a_code_is_expired_from_its_expiry_instant_on(
    mw: MailWorld, clock: ManualClock, late: timedelta
) -> None:
    start(mw)
    member = mw.world.members[0]
    clock.set(T0 + TTL + late)
    code = mw.mailbox.code_for(ADDRESS)
    assert_unchanged(
        mw.forum,
        lambda: mw.forum.confirm_employer_verification(member.id, code),
        VerificationCodeExpired,
        code,
    )
    assert mw.forum.employer_verification(member.id) is None


def test_the_code_lifetime_is_a_setting(backend_url: str, clock: ManualClock) -> None:
    policy = VerificationPolicy(code_ttl=timedelta(minutes=3))
    with mail_world(backend_url, clock, verification=policy) as mw:
        assert start(mw).expires_at == T0 + timedelta(minutes=3)
        clock.advance(timedelta(minutes=3))
        with pytest.raises(VerificationCodeExpired):
            mw.forum.confirm_employer_verification(
                mw.world.members[0].id, mw.mailbox.code_for(ADDRESS)
            )


def test_a_wrong_code_is_counted_and_nothing_else_changes(mw: MailWorld) -> None:
    member = mw.world.members[0]
    start(mw)
    before = mw.forum.export_data()
    with pytest.raises(WrongVerificationCode) as caught:
        mw.forum.confirm_employer_verification(member.id, wrong(mw.mailbox.code_for(ADDRESS)))
    assert caught.value.params == {"attempts_left": 4}
    after = mw.forum.export_data()
    (challenge,) = after["tables"]["employer_challenges"]
    assert challenge["attempts"] == 1
    # The attempt is the only change: same rows everywhere else.
    challenge_before = before["tables"]["employer_challenges"][0]
    assert {**challenge, "attempts": 0} == challenge_before
    assert {k: v for k, v in after["tables"].items() if k != "employer_challenges"} == {
        k: v for k, v in before["tables"].items() if k != "employer_challenges"
    }


def test_the_fifth_wrong_code_locks_the_code(mw: MailWorld) -> None:
    member = mw.world.members[0]
    start(mw)
    code = mw.mailbox.code_for(ADDRESS)
    left = []
    for _ in range(5):
        with pytest.raises(WrongVerificationCode) as caught:
            mw.forum.confirm_employer_verification(member.id, wrong(code))
        left.append(caught.value.params["attempts_left"])
    assert left == [4, 3, 2, 1, 0]
    stored = challenge_of(mw.forum, member.id)
    assert (stored.attempts, stored.state) == (5, ChallengeState.LOCKED)
    # Even the right code no longer works, and no attempt is counted any more.
    exc = assert_unchanged(
        mw.forum,
        lambda: mw.forum.confirm_employer_verification(member.id, code),
        VerificationLocked,
        code,
    )
    assert exc.params["max"] == 5
    assert challenge_of(mw.forum, member.id).attempts == 5
    # A new code works.
    start(mw)
    assert mw.forum.confirm_employer_verification(member.id, mw.mailbox.code_for(ADDRESS))


def test_asking_again_replaces_the_code(mw: MailWorld, clock: ManualClock) -> None:
    member = mw.world.members[0]
    start(mw)
    first = mw.mailbox.code_for(ADDRESS)
    first_id = challenge_of(mw.forum, member.id).id
    clock.advance(timedelta(minutes=1))
    sent = start(mw, email="minji.kim@remember-corp.co.kr")
    assert (sent.expires_at, sent.codes_left) == (T0 + timedelta(minutes=1) + TTL, 1)
    second = mw.mailbox.code_for(ADDRESS)
    replaced = challenge_of(mw.forum, member.id)
    assert replaced.id != first_id
    assert (replaced.attempts, replaced.codes_in_window, replaced.window_started_at) == (0, 2, T0)
    if first != second:
        with pytest.raises(WrongVerificationCode):
            mw.forum.confirm_employer_verification(member.id, first)
    assert mw.forum.confirm_employer_verification(member.id, second).method == "company_email"


def test_a_replaced_code_is_withdrawn_before_it_is_delivered(
    backend_url: str, clock: ManualClock
) -> None:
    """With a relay worker, the first code, replaced before delivery, is never sent."""
    with mail_world(backend_url, clock, deliver="manual") as mw:
        member = mw.world.members[0]
        start(mw)
        replaced = challenge_of(mw.forum, member.id).id
        start(mw)
        codes = {m.subject: m for m in mw.forum.outbox() if m.kind is MessageKind.VERIFICATION_CODE}
        first = codes.pop(replaced)
        (second,) = codes.values()
        assert first.status is DeliveryStatus.CANCELLED
        assert set(first.params) == {"expires_at"}  # the code and the address are erased
        assert second.status is DeliveryStatus.PENDING
        assert {"code", "to_address"} <= set(second.params)  # still to be delivered
        mw.forum.deliver_pending()
        (letter,) = mw.mailbox.letters
        assert letter.message_id == second.id
        verified = mw.forum.confirm_employer_verification(member.id, mw.mailbox.code_for(ADDRESS))
        assert verified.company == COMPANY


def test_codes_are_rate_limited_per_window(mw: MailWorld, clock: ManualClock) -> None:
    member = mw.world.members[0]
    assert [start(mw).codes_left for _ in range(3)] == [2, 1, 0]
    exc = assert_unchanged(mw.forum, lambda: start(mw), TooManyVerificationCodes)
    assert exc.params == {"limit": 3, "minutes": 60}
    clock.set(T0 + timedelta(hours=1) - timedelta(microseconds=1))
    assert_unchanged(mw.forum, lambda: start(mw), TooManyVerificationCodes)
    # The window ends an hour after its first code: the count starts again.
    clock.set(T0 + timedelta(hours=1))
    assert start(mw).codes_left == 2
    assert challenge_of(mw.forum, member.id).window_started_at == T0 + timedelta(hours=1)
    # Each member has a window of their own.
    assert start(mw, member=2).codes_left == 2


def test_the_rate_limit_is_a_setting(backend_url: str, clock: ManualClock) -> None:
    policy = VerificationPolicy(codes_per_window=1, window=timedelta(minutes=10))
    with mail_world(backend_url, clock, verification=policy) as mw:
        assert start(mw).codes_left == 0
        exc = assert_unchanged(mw.forum, lambda: start(mw), TooManyVerificationCodes)
        assert exc.params == {"limit": 1, "minutes": 10}
        clock.advance(timedelta(minutes=10))
        assert start(mw).codes_left == 0


def test_a_forum_without_an_address_notifier_cannot_send_codes(world: Any) -> None:
    """The default forum delivers to the inbox only: no code could reach the company."""
    assert_unchanged(
        world.forum,
        lambda: world.forum.start_employer_verification(
            world.members[0].id, company=COMPANY, email=ADDRESS
        ),
        NoAddressChannel,
        *ADDRESS_PIECES,
    )


# --------------------------------------------------------------------------- no trace left


def stored_text(forum: proforum.Forum) -> str:
    """Everything the storage holds, as text: the export, and on SQL every row of every table."""
    parts = [json.dumps(forum.export_data(), ensure_ascii=False, default=str)]
    storage = forum.storage
    if isinstance(storage, SqlStorage):
        with storage.engine.connect() as conn:
            for table in sa.inspect(conn).get_table_names():
                rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
                parts.append(repr(rows))
    return "\n".join(parts)


def test_no_row_keeps_the_code_or_the_address_once_delivered(
    backend_url: str, clock: ManualClock
) -> None:
    with mail_world(backend_url, clock, deliver="manual") as mw:
        member = mw.world.members[0]
        start(mw)
        (pending,) = [m for m in mw.forum.outbox() if m.kind is MessageKind.VERIFICATION_CODE]
        code = pending.params["code"]
        # Until it is delivered, the outbox must hold both to deliver it.
        assert code in stored_text(mw.forum)
        assert ADDRESS in stored_text(mw.forum)
        assert mw.forum.deliver_pending().sent == 1
        assert mw.mailbox.code_for(ADDRESS) == code
        (sent,) = [m for m in mw.forum.outbox() if m.kind is MessageKind.VERIFICATION_CODE]
        assert sent.status is DeliveryStatus.SENT
        assert dict(sent.params) == {"expires_at": pending.params["expires_at"]}
        with pytest.raises(WrongVerificationCode):
            mw.forum.confirm_employer_verification(member.id, wrong(code))
        mw.forum.confirm_employer_verification(member.id, code)
        everything = stored_text(mw.forum)
        for secret in (code, *ADDRESS_PIECES):
            assert secret not in everything
        # The inbox never saw it, and the verification keeps the domain only.
        assert DOMAIN in everything
        with mw.forum.storage.unit_of_work() as uow:
            assert not [i for i in uow.inbox.all() if i.kind is MessageKind.VERIFICATION_CODE]


def test_a_code_the_mail_server_never_takes_is_withdrawn_and_erased(
    backend_url: str, clock: ManualClock
) -> None:
    with mail_world(backend_url, clock, deliver="manual", max_delivery_attempts=2) as mw:
        mw.mailbox.failure = ConnectionError(f"refused for {ADDRESS}")
        start(mw)
        (pending,) = [m for m in mw.forum.outbox() if m.kind is MessageKind.VERIFICATION_CODE]
        code = pending.params["code"]
        first = mw.forum.deliver_pending()
        assert (first.retrying, first.failed) == (1, 0)
        assert code in stored_text(mw.forum)  # kept for the retry
        clock.advance(timedelta(hours=1))
        report = mw.forum.deliver_pending()
        assert (report.sent, report.retrying, report.failed) == (0, 0, 1)
        (given_up,) = [m for m in mw.forum.outbox() if m.kind is MessageKind.VERIFICATION_CODE]
        # Not a dead letter to retry later: the code is withdrawn and forgotten.
        assert given_up.status is DeliveryStatus.CANCELLED
        assert given_up.last_error == "ConnectionError"
        assert mw.forum.dead_letters() == []
        everything = stored_text(mw.forum)
        for secret in (code, *ADDRESS_PIECES):
            assert secret not in everything


def test_the_inbox_refuses_a_message_for_an_address(forum: proforum.Forum) -> None:
    member = forum.register_member(real_name="김민지", job_function="marketing-pr")
    message = Message(
        id=MessageId("msg_code"),
        recipient_id=member.id,
        kind=MessageKind.VERIFICATION_CODE,
        channel="inbox",
        created_at=AT,
        params={"code": "123456", "expires_at": AT.isoformat(), "to_address": ADDRESS},
    )
    inbox = InboxNotifier(AdapterContext(storage=forum.storage, clock=forum.clock))
    rendered = RenderedMessage("ko", "[인증번호 안내]", "인증번호: 123456")
    with pytest.raises(DeliveryRejected) as caught:
        inbox.deliver(message, member, rendered)
    assert caught.value.params["reason"] == "addressed_elsewhere"
    assert forum.inbox(member.id) == []


def test_logs_errors_and_reprs_never_show_the_code_or_the_address(
    backend_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Every path, refusals and failed deliveries included, at DEBUG on every logger."""
    shown: list[str] = []
    errors: list[ProforumError] = []

    def attempt(action: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        try:
            shown.append(repr(action(*args, **kwargs)))
        except ProforumError as exc:
            errors.append(exc)

    caplog.set_level(logging.DEBUG)
    with mail_world(backend_url, clock, deliver="manual", max_delivery_attempts=2) as mw:
        forum, member = mw.forum, mw.world.members[0]
        begin, confirm = forum.start_employer_verification, forum.confirm_employer_verification
        for email in ("minji.kim@gmail.com", "minji.kim@remember-corp", ADDRESS):
            attempt(begin, member.id, company=COMPANY, email=email)
        mw.mailbox.failure = ConnectionError(f"mailbox {ADDRESS} is full")
        attempt(forum.deliver_pending)
        mw.mailbox.failure = None
        clock.advance(timedelta(minutes=5))
        attempt(forum.deliver_pending)
        code = mw.mailbox.code_for(ADDRESS)
        for typed in (wrong(code), "12a456", code[:5], code, code):
            attempt(confirm, member.id, typed)
        for _ in range(3):
            attempt(begin, member.id, company=COMPANY, email=ADDRESS)
        attempt(forum.deliver_pending)
        later = mw.mailbox.code_for(ADDRESS)
        for _ in range(6):
            attempt(confirm, member.id, wrong(later))
        clock.advance(TTL)
        attempt(confirm, member.id, later)
        shown.extend(repr(m) for m in forum.outbox())
        shown.extend(repr(letter) for letter in mw.mailbox.letters)
        shown.extend(repr(entry) for entry in forum.inbox(member.id))
        shown += [repr(challenge_of(forum, member.id)), repr(forum), repr(mw.mailbox)]
        secrets = (code, later, *ADDRESS_PIECES)
    # Every kind of refusal happened, and was logged or raised without the secrets.
    assert {
        "FreeMailDomain",
        "InvalidEmail",
        "WrongVerificationCode",
        "InvalidVerificationCode",
        "NoVerificationPending",
        "TooManyVerificationCodes",
        "VerificationLocked",
    } <= {type(e).__name__ for e in errors}
    assert any("delivery of message" in r.getMessage() for r in caplog.records)
    texts = [r.getMessage() for r in caplog.records] + [caplog.text] + shown
    for exc in errors:
        texts += [str(exc), repr(exc), exc.message_ko, exc.message_en, repr(exc.args)]
        assert exc.value is None
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"{secret!r} shows in {text[:80]!r}"


# --------------------------------------------------------------------------- an operator's review


def test_an_operator_records_a_verification_checked_by_hand(
    backend_world: Any, clock: ManualClock
) -> None:
    world = backend_world
    forum, operator, member = world.forum, world.operator, world.members[1]
    clock.advance(timedelta(hours=2))
    recorded = forum.record_employer_verification(
        operator.id, world.community.id, member.id, company=" 리멤버 ", method="business_card"
    )
    assert recorded == proforum.EmployerVerification(
        member_id=member.id,
        company="리멤버",
        method="business_card",
        verified_at=AT + timedelta(hours=2),
        verified_by=operator.id,
    )
    assert forum.employer_verification(member.id) == recorded
    # A later review replaces it; "reviewed" is the default method.
    again = forum.record_employer_verification(
        operator.id, world.community.id, member.id, company="새회사"
    )
    assert (again.method, again.company) == ("reviewed", "새회사")
    assert forum.employer_verification(member.id) == again


@pytest.mark.parametrize(
    ("who", "target", "method", "error"),
    [
        ("host", "member", "reviewed", RoleRequired),
        ("member", "other", "reviewed", RoleRequired),
        ("outsider", "member", "reviewed", NotACommunityMember),
        ("operator", "outsider", "reviewed", NotACommunityMember),
        ("operator", "member", "company_email", InvalidIdentifier),
        ("operator", "member", "Business Card", InvalidIdentifier),
    ],
)
def test_only_operators_record_reviews_of_their_members(
    backend_world: Any, who: str, target: str, method: str, error: type[ProforumError]
) -> None:
    world = backend_world
    people = {
        "host": world.host.id,
        "member": world.members[0].id,
        "other": world.members[1].id,
        "outsider": world.outsider.id,
        "operator": world.operator.id,
    }
    assert_unchanged(
        world.forum,
        lambda: world.forum.record_employer_verification(
            people[who], world.community.id, people[target], company=COMPANY, method=method
        ),
        error,
    )


# --------------------------------------------------------------------------- next to posts


def test_the_feed_shows_verified_and_stated_companies(backend_url: str, clock: ManualClock) -> None:
    with mail_world(backend_url, clock) as mw:
        forum, world = mw.forum, mw.world
        stating = forum.register_member(
            nickname="말로만", job_function="marketing-pr", company="말뿐인회사"
        )
        forum.join_community(stating.id, world.community.id)
        verified = world.members[0]
        start(mw)
        forum.confirm_employer_verification(verified.id, mw.mailbox.code_for(ADDRESS))
        reviewed = world.members[1]
        forum.record_employer_verification(
            world.operator.id, world.community.id, reviewed.id, company="검증회사"
        )
        for author in (verified, reviewed, stating, world.members[2]):
            forum.publish_post(author.id, world.community.id, title="안녕하세요", body="본문")
            clock.advance(timedelta(minutes=1))
        cards = {
            e.author.member_id: e.author
            for e in forum.feed(verified.id, world.community.id).entries
        }
        assert (cards[verified.id].company, cards[verified.id].company_verified) == (COMPANY, True)
        assert cards[verified.id].verification_method == "company_email"
        assert (cards[reviewed.id].company, cards[reviewed.id].verification_method) == (
            "검증회사",
            "reviewed",
        )
        # What a member only states stays marked as unverified.
        assert (cards[stating.id].company, cards[stating.id].company_verified) == (
            "말뿐인회사",
            False,
        )
        assert cards[stating.id].verification_method is None
        assert (
            cards[world.members[2].id].company,
            cards[world.members[2].id].company_verified,
        ) == (
            None,
            False,
        )
        assert COMPANY not in repr(cards[verified.id])


def test_a_feed_page_reads_every_author_verification_in_one_statement(
    sql_backend_url: str,
) -> None:
    """A page's statements do not grow with its authors, verified or not: 3 or 40 alike."""
    counts = []
    for posts in (3, 40):
        with proforum.open(
            sql_backend_url,
            plugin_manager=proforum.get_plugin_manager(load_entrypoints=False),
            clock=ManualClock(T0),
        ) as forum:
            community = CommunityId(f"com_{posts:04d}")
            with forum.storage.unit_of_work() as uow:
                reader = sample_member(1)
                if uow.members.get(reader.id) is None:
                    uow.members.add(reader)
                uow.communities.add(sample_community(posts, slug=f"feed-{posts}"))
                uow.memberships.add(Membership(community, reader.id, Role.OPERATOR, AT))
                for i in range(posts):
                    author = sample_member(10_000 * posts + i)
                    uow.members.add(author)
                    if i % 2:
                        uow.verifications.put(sample_verification(10_000 * posts + i))
                    uow.posts.add(
                        Post(PostId(f"pst_{posts}_{i}"), community, author.id, "제목", "본문", AT)
                    )
                uow.commit()
            page, statements = _statements(
                forum, lambda f=forum, c=community: f.feed(MemberId("mem_0001"), c, limit=100)
            )
            assert [e.author.company_verified for e in page.entries] == [
                bool(int(e.post.id.rsplit("_", 1)[1]) % 2) for e in page.entries
            ]
            counts.append(statements)
    assert counts[0] == counts[1] <= 3


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_backend_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """One SQL database per test, SQLite or PostgreSQL."""
    from sql_support import postgres_database, postgres_schema, sqlite_url

    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "feed.db")
    else:
        with postgres_database() as database, postgres_schema(database) as url:
            yield url


def _statements(forum: proforum.Forum, action: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``action``; return what it returned and how many SQL statements it issued."""
    storage = forum.storage
    assert isinstance(storage, SqlStorage)
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    sa.event.listen(storage.engine, "before_cursor_execute", count)
    try:
        result = action()
    finally:
        sa.event.remove(storage.engine, "before_cursor_execute", count)
    return result, len(seen)


def test_seeded_codes_are_reproducible_for_tests(clock: ManualClock) -> None:
    """With ReplayableSeeds the same story sends the same codes (never in production)."""
    codes = []
    for _ in range(2):
        mailbox = Mailbox()
        with mail_forum(
            "memory://", clock, mailbox, ids=SeededIds("x"), seeds=proforum.ReplayableSeeds("x")
        ) as forum:
            member = forum.register_member(real_name="김민지", job_function="marketing-pr")
            forum.start_employer_verification(member.id, company=COMPANY, email=ADDRESS)
            codes.append(mailbox.code_for(ADDRESS))
    assert codes[0] == codes[1]
