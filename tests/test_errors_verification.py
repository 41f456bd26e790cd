"""Employer verification and requirements reject bad input with the specific error and change nothing.

The one exception is a wrong code: it is counted, or guessing would be free
(``test_a_wrong_code_changes_the_attempt_count_only``).  Messages never repeat
the address, the code or any other value typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

import proforum
from forum_world import World, assert_unchanged, build_world
from mail_support import ADDRESS, ADDRESS_PIECES, Mailbox, mail_forum
from proforum import CommunityRequirements, ManualClock
from proforum.domain.employer import FREE_MAIL_DOMAINS, VerificationPolicy
from proforum.errors import (
    FreeMailDomain,
    InvalidEmail,
    InvalidIdentifier,
    InvalidInput,
    InvalidText,
    InvalidVerificationCode,
    InvalidVerificationSetting,
    NotFound,
    NoVerificationPending,
    ProforumError,
    RealNameRequired,
    VerificationCodeExpired,
    VerificationLocked,
    VerificationRefused,
    VerifiedEmployerRequired,
    WrongVerificationCode,
)

COMPANY = "리멤버앤컴퍼니"


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def world(clock: ManualClock, mailbox: Mailbox) -> Iterator[World]:
    """The cast on a memory forum that can send codes to addresses."""
    with mail_forum("memory://", clock, mailbox) as forum:
        yield build_world(forum, clock)


def start(world: World, **kwargs: Any) -> Callable[[], object]:
    kwargs = {"company": COMPANY, "email": ADDRESS, **kwargs}
    actor = kwargs.pop("actor", world.members[0].id)
    return lambda: world.forum.start_employer_verification(actor, **kwargs)


def confirm(world: World, code: object, actor: str | None = None) -> Callable[[], object]:
    who = actor or world.members[0].id
    return lambda: world.forum.confirm_employer_verification(who, code)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- asking for a code


@pytest.mark.parametrize(
    "email",
    [
        pytest.param("", id="empty"),
        pytest.param("minji.kim", id="no-at"),
        pytest.param("minji.kim@remember-corp", id="host-without-dot"),
        pytest.param("minji kim@remember-corp.co.kr", id="space"),
        pytest.param("김민지@remember-corp.co.kr", id="non-ascii-local-part"),
        pytest.param('"minji"@remember-corp.co.kr', id="quoted"),
        pytest.param("minji.kim@@remember-corp.co.kr", id="two-ats"),
        pytest.param("m" * 65 + "@remember-corp.co.kr", id="local-part-65"),
        pytest.param("minji@" + "r" * 250 + ".kr", id="longer-than-254"),
        pytest.param(None, id="none"),
        pytest.param(5, id="int"),
    ],
)
def test_a_malformed_address_is_refused(world: World, email: object) -> None:
    exc = assert_unchanged(world.forum, start(world, email=email), InvalidEmail, *ADDRESS_PIECES)
    assert exc.value is None


@pytest.mark.parametrize(
    "email",
    [
        *(pytest.param(f"minji.kim@{d}", id=d) for d in sorted(FREE_MAIL_DOMAINS)),
        pytest.param("minji.kim@GMAIL.COM", id="upper-case"),
        pytest.param("minji.kim@mail.naver.com", id="subdomain"),
        pytest.param("minji.kim@hanmail.net", id="hanmail"),
    ],
)
def test_a_free_or_public_mail_address_is_refused(world: World, email: str) -> None:
    exc = assert_unchanged(world.forum, start(world, email=email), FreeMailDomain, email, "minji")
    assert exc.params == {}
    assert "무료" in exc.message_ko
    assert "free or public mail service" in exc.message_en


@pytest.mark.parametrize(
    "email",
    ["minji@notgmail.com", "minji@gmail.com.remember-corp.co.kr", "minji@naver-corp.co.kr"],
)
def test_a_company_domain_that_only_looks_like_a_free_one_is_taken(
    world: World, mailbox: Mailbox, email: str
) -> None:
    sent = world.forum.start_employer_verification(
        world.members[0].id, company=COMPANY, email=email
    )
    assert sent.domain == email.split("@")[1]
    assert mailbox.to(email)


def test_more_free_mail_domains_are_a_setting(clock: ManualClock) -> None:
    policy = VerificationPolicy(free_mail_domains=FREE_MAIL_DOMAINS | {"corp-mail.kr"})
    with mail_forum("memory://", clock, Mailbox(), verification=policy) as forum:
        world = build_world(forum, clock)
        assert_unchanged(forum, start(world, email="minji@corp-mail.kr"), FreeMailDomain)
        assert_unchanged(forum, start(world, email="minji@gmail.com"), FreeMailDomain)


@pytest.mark.parametrize(
    "company",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="spaces"),
        pytest.param("회" * 101, id="101-chars"),
        pytest.param("리멤버\x00", id="nul"),
        pytest.param("리멤버\n컴퍼니", id="newline"),
        pytest.param("리멤\u202e버", id="bidi"),
        pytest.param(None, id="none"),
    ],
)
def test_a_bad_company_is_refused(world: World, company: object) -> None:
    exc = assert_unchanged(world.forum, start(world, company=company), InvalidText)
    assert exc.params["field"] == "company"


def test_an_unknown_member_cannot_ask_for_a_code(world: World) -> None:
    assert_unchanged(world.forum, start(world, actor="mem_nobody"), NotFound, *ADDRESS_PIECES)


# --------------------------------------------------------------------------- typing a code


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("", id="empty"),
        pytest.param("12345", id="5-digits"),
        pytest.param("1234567", id="7-digits"),
        pytest.param("12a456", id="letter"),
        pytest.param("12 3456", id="inner-space"),
        pytest.param("１２３４５６", id="full-width"),
        pytest.param("٣٣٣٣٣٣", id="arabic-indic"),
        pytest.param(123456, id="int"),
        pytest.param(None, id="none"),
    ],
)
@pytest.mark.parametrize("pending", [True, False], ids=["code-sent", "nothing-sent"])
def test_what_is_not_a_code_is_refused_and_not_counted(
    world: World, code: object, pending: bool
) -> None:
    if pending:
        start(world)()
    exc = assert_unchanged(world.forum, confirm(world, code), InvalidVerificationCode)
    assert exc.params == {"digits": 6}


def test_a_code_without_one_sent(world: World) -> None:
    assert_unchanged(world.forum, confirm(world, "123456"), NoVerificationPending)
    assert_unchanged(world.forum, confirm(world, "123456", actor="mem_nobody"), NotFound)


def test_an_expired_code(world: World, clock: ManualClock, mailbox: Mailbox) -> None:
    start(world)()
    clock.advance(timedelta(minutes=15))
    code = mailbox.code_for(ADDRESS)
    assert_unchanged(world.forum, confirm(world, code), VerificationCodeExpired, code)


def test_a_wrong_code_changes_the_attempt_count_only(world: World, mailbox: Mailbox) -> None:
    start(world)()
    code = mailbox.code_for(ADDRESS)
    typed = f"{(int(code) + 1) % 10**6:06d}"
    outbox = list(world.forum.outbox())
    before = world.forum.export_data()
    with pytest.raises(WrongVerificationCode) as caught:
        confirm(world, typed)()
    after = world.forum.export_data()
    assert list(world.forum.outbox()) == outbox
    changed = {name for name in before["tables"] if before["tables"][name] != after["tables"][name]}
    assert changed == {"employer_challenges"}
    assert after["tables"]["employer_challenges"][0]["attempts"] == 1
    for text in (str(caught.value), repr(caught.value)):
        assert typed not in text
        assert code not in text


def test_too_many_attempts(world: World, mailbox: Mailbox) -> None:
    start(world)()
    code = mailbox.code_for(ADDRESS)
    for _ in range(5):
        with pytest.raises(WrongVerificationCode):
            confirm(world, f"{(int(code) + 7) % 10**6:06d}")()
    exc = assert_unchanged(world.forum, confirm(world, code), VerificationLocked, code)
    assert "5" in exc.message_en


# --------------------------------------------------------------------------- verifier plugins


@pytest.mark.parametrize(
    "method",
    [
        pytest.param("", id="empty"),
        pytest.param("Business_Card", id="upper-case"),
        pytest.param("business card", id="space"),
        pytest.param("1card", id="leading-digit"),
        pytest.param("b" * 33, id="33-chars"),
        pytest.param("company_email", id="reserved-company-email"),
        pytest.param("reviewed", id="reserved-reviewed"),
        pytest.param(None, id="none"),
    ],
)
def test_a_bad_method_is_refused(world: World, method: object) -> None:
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.verify_employer_with(world.members[0].id, method, {}),  # type: ignore[arg-type]
        InvalidIdentifier,
    )
    assert exc.params["field"] == "method"


def test_nobody_vouching_is_a_refusal(world: World) -> None:
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.verify_employer_with(
            world.members[0].id, "business_card", {"card": "secret-scan-ref-99"}
        ),
        VerificationRefused,
        "secret-scan-ref-99",
    )
    assert exc.params == {"method": "business_card"}


@pytest.mark.parametrize(
    "evidence", ["token-abc", None, [("card", "1")]], ids=["str", "none", "list"]
)
def test_evidence_must_be_a_mapping(world: World, evidence: object) -> None:
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.verify_employer_with(world.members[0].id, "okta", evidence),  # type: ignore[arg-type]
        InvalidInput,
        "token-abc",
    )
    assert exc.value is None


def test_a_bad_company_for_a_verifier_is_refused(world: World) -> None:
    assert_unchanged(
        world.forum,
        lambda: world.forum.verify_employer_with(
            world.members[0].id, "business_card", {}, company=" "
        ),
        InvalidText,
    )


# --------------------------------------------------------------------------- requirements


@pytest.mark.parametrize(
    ("flags", "who", "action", "error"),
    [
        ({"real_name_to_post": True}, 1, "post", RealNameRequired),
        ({"real_name_to_post": True}, 1, "comment", RealNameRequired),
        ({"verified_employer_to_post": True}, 0, "post", VerifiedEmployerRequired),
        ({"verified_employer_to_post": True}, 0, "comment", VerifiedEmployerRequired),
        ({"real_name_to_apply": True}, 1, "apply", RealNameRequired),
        ({"verified_employer_to_apply": True}, 0, "apply", VerifiedEmployerRequired),
    ],
)
def test_an_unmet_requirement_changes_nothing(
    world: World,
    flags: dict[str, bool],
    who: int,
    action: str,
    error: type[ProforumError],
) -> None:
    forum, community = world.forum, world.community
    first = forum.publish_post(world.host.id, community.id, title="공지", body="본문")
    meetup = world.open_meetup()
    forum.set_community_requirements(
        world.operator.id, community.id, requirements=CommunityRequirements(**flags)
    )
    member = world.members[who].id
    actions: dict[str, Callable[[], object]] = {
        "post": lambda: forum.publish_post(member, community.id, title="제목", body="본문"),
        "comment": lambda: forum.comment(member, first.id, "댓글"),
        "apply": lambda: forum.apply(member, meetup.id),
    }
    exc = assert_unchanged(forum, actions[action], error)
    assert exc.value is None


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("code_ttl", timedelta(seconds=59)),
        ("code_ttl", timedelta(hours=25)),
        ("code_ttl", 900),
        ("max_attempts", 0),
        ("max_attempts", 21),
        ("max_attempts", True),
        ("codes_per_window", 0),
        ("codes_per_window", "3"),
        ("window", timedelta(0)),
        ("free_mail_domains", "gmail.com"),
        ("free_mail_domains", ["Gmail.com"]),
        ("free_mail_domains", ["localhost"]),
    ],
)
def test_a_bad_verification_setting_is_refused(setting: str, value: object) -> None:
    with pytest.raises(InvalidVerificationSetting) as caught:
        VerificationPolicy(**{setting: value})
    assert caught.value.params["field"] == setting


def test_the_forum_takes_a_verification_policy_only() -> None:
    with pytest.raises(InvalidInput):
        proforum.open("memory://", verification={"code_ttl": 900})  # type: ignore[arg-type]
