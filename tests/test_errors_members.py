"""Members and communities reject bad input with the specific error and change nothing."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import pytest

import proforum
from forum_world import World, assert_unchanged
from proforum import Role
from proforum.errors import (
    AlreadyExists,
    AlreadyMember,
    InvalidIdentifier,
    InvalidInput,
    InvalidNickname,
    InvalidProfile,
    InvalidRealName,
    InvalidText,
    InvalidTimeZone,
    LastOperator,
    NicknameLocked,
    NicknameTaken,
    NotACommunityMember,
    NotFound,
    ProforumError,
    RoleRequired,
)

JOB = "marketing-pr"
NFD_GA = unicodedata.normalize("NFD", "가")  # two code points, one syllable


def register(forum: proforum.Forum, **kwargs: Any) -> Callable[[], object]:
    kwargs.setdefault("job_function", JOB)
    return lambda: forum.register_member(**kwargs)


# --------------------------------------------------------------------------- nicknames


@pytest.mark.parametrize(
    "nickname",
    [
        pytest.param("", id="empty"),
        pytest.param("a", id="1-char"),
        pytest.param("가", id="1-hangul"),
        pytest.param(NFD_GA, id="1-char-after-NFC"),
        pytest.param(" a ", id="1-char-after-strip"),
        pytest.param("a" * 21, id="21-char"),
        pytest.param("가" * 21, id="21-hangul"),
        pytest.param("   ", id="spaces-only"),
        pytest.param("\t\n ", id="whitespace-only"),
        pytest.param("\u3000\u3000", id="ideographic-spaces-only"),
        pytest.param("ab\x00cd", id="nul"),
        pytest.param("ab\x07cd", id="bell"),
        pytest.param("ab\x1bcd", id="escape"),
        pytest.param("ab\ncd", id="newline"),
        pytest.param("ab\tcd", id="tab"),
        pytest.param("ab\x7fcd", id="delete"),
        pytest.param("ab\u200bcd", id="zero-width-space"),
        pytest.param("ab\u200dcd", id="zero-width-joiner"),
        pytest.param("ab\ufeffcd", id="bom"),
        pytest.param("ab\u00adcd", id="soft-hyphen"),
        pytest.param("ab\u2060cd", id="word-joiner"),
        pytest.param("ab\u202ecd", id="bidi-override-rtl"),
        pytest.param("\u202dabcd", id="bidi-override-ltr"),
        pytest.param("ab\u2067cd", id="bidi-isolate"),
        pytest.param("ab\u200fcd", id="rtl-mark"),
        pytest.param("마케\u3164터", id="hangul-filler"),
        pytest.param("ab\ue000cd", id="private-use"),
        pytest.param("ab\u2028cd", id="line-separator"),
        pytest.param(123, id="int"),
        pytest.param(b"nickname", id="bytes"),
    ],
)
def test_register_rejects_malformed_nicknames(world: World, nickname: object) -> None:
    exc = assert_unchanged(world.forum, register(world.forum, nickname=nickname), InvalidNickname)
    assert exc.params["min"] == 2
    assert exc.params["max"] == 20


@pytest.mark.parametrize("nickname", ["ab", "가" * 20, "마케터 7", NFD_GA + "나"])
def test_nickname_length_limits_are_inclusive(world: World, nickname: str) -> None:
    member = world.forum.register_member(nickname=nickname, job_function=JOB)
    assert member.display_name == unicodedata.normalize("NFC", nickname)


@pytest.mark.parametrize(
    ("taken", "clash"),
    [
        pytest.param("마케터1", "마케터1", id="same"),
        pytest.param("마케터1", " 마케터1 ", id="outer-spaces"),
        pytest.param("마케터1", unicodedata.normalize("NFD", "마케터1"), id="nfd"),
        pytest.param("마케터1", "마케터１", id="fullwidth-digit"),
        pytest.param("PerfKing", "perfking", id="lower-case"),
        pytest.param("PerfKing", "PERFKING", id="upper-case"),
        pytest.param("PerfKing", "ＰｅｒｆＫｉｎｇ", id="fullwidth"),
        pytest.param("Kevin", "\u212aevin", id="kelvin-sign"),
        pytest.param("Straße", "STRASSE", id="casefold-eszett"),
        pytest.param("ROAS요정", "roas요정", id="mixed-script-case"),
        pytest.param("Ⅻmarketer", "XIImarketer", id="roman-numeral-compat"),
    ],
)
def test_register_rejects_look_alike_nicknames(world: World, taken: str, clash: str) -> None:
    if taken != "마케터1":  # the world already has 마케터1
        world.forum.register_member(nickname=taken, job_function=JOB)
    exc = assert_unchanged(
        world.forum, register(world.forum, nickname=clash), NicknameTaken, clash.strip()
    )
    assert exc.value == clash


@pytest.mark.parametrize(
    "identity",
    [
        pytest.param({}, id="neither"),
        pytest.param({"real_name": "김철수", "nickname": "철수짱"}, id="both"),
        pytest.param({"real_name": None, "nickname": None}, id="both-none"),
    ],
)
def test_register_needs_exactly_one_identity(world: World, identity: dict[str, Any]) -> None:
    exc = assert_unchanged(world.forum, register(world.forum, **identity), InvalidProfile)
    assert exc.params["field"] == "identity"


@pytest.mark.parametrize(
    "real_name",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="spaces-only"),
        pytest.param("김" * 51, id="51-char"),
        pytest.param("김\x00철수", id="nul"),
        pytest.param("김\n철수", id="newline"),
        pytest.param("김\u200b철수", id="zero-width-space"),
        pytest.param("김\u202e철수", id="bidi-override"),
        pytest.param(42, id="int"),
    ],
)
def test_register_rejects_malformed_real_names(world: World, real_name: object) -> None:
    assert_unchanged(world.forum, register(world.forum, real_name=real_name), InvalidRealName)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        pytest.param("job_function", "", InvalidProfile, id="job-empty"),
        pytest.param("job_function", "Marketing", InvalidProfile, id="job-upper"),
        pytest.param("job_function", "marketing pr", InvalidProfile, id="job-space"),
        pytest.param("job_function", "마케팅", InvalidProfile, id="job-hangul"),
        pytest.param("job_function", None, InvalidProfile, id="job-none"),
        pytest.param("years_of_experience", -1, InvalidProfile, id="years-negative"),
        pytest.param("years_of_experience", 71, InvalidProfile, id="years-71"),
        pytest.param("years_of_experience", True, InvalidProfile, id="years-bool"),
        pytest.param("years_of_experience", "3", InvalidProfile, id="years-str"),
        pytest.param("years_of_experience", 2.5, InvalidProfile, id="years-float"),
        pytest.param("locale", "jp", InvalidProfile, id="locale-jp"),
        pytest.param("locale", "KO", InvalidProfile, id="locale-upper"),
        pytest.param("locale", "", InvalidProfile, id="locale-empty"),
        pytest.param("time_zone", "Mars/Olympus", InvalidTimeZone, id="tz-unknown"),
        pytest.param("time_zone", "", InvalidTimeZone, id="tz-empty"),
        pytest.param("time_zone", "../../etc/passwd", InvalidTimeZone, id="tz-traversal"),
        pytest.param("time_zone", "/etc/localtime", InvalidTimeZone, id="tz-absolute"),
        pytest.param("time_zone", "+09:00", InvalidTimeZone, id="tz-offset"),
        pytest.param("company", "", InvalidText, id="company-empty"),
        pytest.param("company", "   ", InvalidText, id="company-spaces"),
        pytest.param("company", "회" * 101, InvalidText, id="company-101"),
        pytest.param("company", "리멤버\x00", InvalidText, id="company-nul"),
    ],
)
def test_register_rejects_bad_profile_fields(
    world: World, field: str, value: object, error: type[ProforumError]
) -> None:
    exc = assert_unchanged(
        world.forum, register(world.forum, nickname="새회원", **{field: value}), error
    )
    if error is InvalidProfile:
        assert exc.params["field"] == field


def test_a_rejected_registration_leaves_the_nickname_free(world: World) -> None:
    assert_unchanged(
        world.forum,
        register(world.forum, nickname="새회원", years_of_experience=-1),
        InvalidProfile,
    )
    member = world.forum.register_member(nickname="새회원", job_function=JOB)
    assert member.display_name == "새회원"


# --------------------------------------------------------------------------- communities


def create(world: World, **overrides: Any) -> Callable[[], object]:
    kwargs: dict[str, Any] = {"slug": "growth", "name": "그로스", "job_function": JOB}
    actor = overrides.pop("actor", world.operator.id)
    kwargs.update(overrides)
    return lambda: world.forum.create_community(actor, **kwargs)


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        pytest.param({"slug": "marketing-pr"}, AlreadyExists, None, id="slug-taken"),
        pytest.param({"slug": ""}, InvalidIdentifier, "slug", id="slug-empty"),
        pytest.param({"slug": "Growth"}, InvalidIdentifier, "slug", id="slug-upper"),
        pytest.param({"slug": "growth hack"}, InvalidIdentifier, "slug", id="slug-space"),
        pytest.param({"slug": "-growth"}, InvalidIdentifier, "slug", id="slug-leading-dash"),
        pytest.param({"slug": "그로스"}, InvalidIdentifier, "slug", id="slug-hangul"),
        pytest.param({"slug": "g" * 49}, InvalidIdentifier, "slug", id="slug-49"),
        pytest.param({"slug": None}, InvalidIdentifier, "slug", id="slug-none"),
        pytest.param({"name": ""}, InvalidText, "name", id="name-empty"),
        pytest.param({"name": "  "}, InvalidText, "name", id="name-spaces"),
        pytest.param({"name": "그" * 51}, InvalidText, "name", id="name-51"),
        pytest.param({"name": "그로스\n팀"}, InvalidText, "name", id="name-newline"),
        pytest.param({"name": "그로스\u202e"}, InvalidText, "name", id="name-bidi"),
        pytest.param({"rules": "x" * 5001}, InvalidText, "rules", id="rules-5001"),
        pytest.param({"rules": "규칙\x00"}, InvalidText, "rules", id="rules-nul"),
        pytest.param({"job_function": "Growth"}, InvalidIdentifier, "job_function", id="job"),
        pytest.param({"job_function": ""}, InvalidIdentifier, "job_function", id="job-empty"),
        pytest.param({"time_zone": "Mars/Base"}, InvalidTimeZone, None, id="tz-unknown"),
        pytest.param({"time_zone": ""}, InvalidTimeZone, None, id="tz-empty"),
        pytest.param({"actor": "mem_nobody"}, NotFound, None, id="unknown-actor"),
    ],
)
def test_create_community_rejects_bad_input(
    world: World, overrides: dict[str, Any], error: type[ProforumError], field: str | None
) -> None:
    exc = assert_unchanged(world.forum, create(world, **overrides), error)
    if field is not None:
        assert exc.params["field"] == field


def test_a_community_with_a_bad_time_zone_cannot_break_its_meetups(world: World) -> None:
    # Regression: the time zone used to be stored unchecked, so every
    # create_meetup in the community then failed with InvalidTimeZone.
    assert_unchanged(world.forum, create(world, time_zone="Asia/Nowhere"), InvalidTimeZone)
    with pytest.raises(NotFound):
        world.forum.community_by_slug("growth")


# --------------------------------------------------------------------------- membership


@pytest.mark.parametrize(
    ("who", "community", "error"),
    [
        pytest.param("member", "community", AlreadyMember, id="already-member"),
        pytest.param("operator", "community", AlreadyMember, id="operator-again"),
        pytest.param("host", "community", AlreadyMember, id="host-again"),
        pytest.param("outsider", "com_nowhere", NotFound, id="unknown-community"),
        pytest.param("mem_nobody", "community", NotFound, id="unknown-member"),
    ],
)
def test_join_rejects(world: World, who: str, community: str, error: type[ProforumError]) -> None:
    actor = _actor(world, who)
    community_id = world.community.id if community == "community" else community
    assert_unchanged(world.forum, lambda: world.forum.join_community(actor, community_id), error)


@pytest.mark.parametrize(
    ("who", "community", "error"),
    [
        pytest.param("outsider", "community", NotACommunityMember, id="not-a-member"),
        pytest.param("member", "com_nowhere", NotFound, id="unknown-community"),
        pytest.param("mem_nobody", "community", NotFound, id="unknown-member"),
        pytest.param("operator", "community", LastOperator, id="last-operator"),
    ],
)
def test_leave_rejects(world: World, who: str, community: str, error: type[ProforumError]) -> None:
    actor = _actor(world, who)
    community_id = world.community.id if community == "community" else community
    assert_unchanged(world.forum, lambda: world.forum.leave_community(actor, community_id), error)


def test_leaving_twice_is_refused(world: World) -> None:
    member = world.members[0]
    world.forum.leave_community(member.id, world.community.id)
    assert_unchanged(
        world.forum,
        lambda: world.forum.leave_community(member.id, world.community.id),
        NotACommunityMember,
    )


def _actor(world: World, who: str) -> str:
    return {
        "member": world.members[0].id,
        "other": world.members[1].id,
        "operator": world.operator.id,
        "host": world.host.id,
        "outsider": world.outsider.id,
    }.get(who, who)


@pytest.mark.parametrize(
    ("actor", "target", "role", "error"),
    [
        pytest.param("member", "other", Role.HOST, RoleRequired, id="plain-member"),
        pytest.param("host", "member", Role.HOST, RoleRequired, id="host-is-no-operator"),
        pytest.param("member", "member", Role.OPERATOR, RoleRequired, id="self-promotion"),
        pytest.param("outsider", "member", Role.HOST, NotACommunityMember, id="outsider"),
        pytest.param("operator", "outsider", Role.HOST, NotACommunityMember, id="target-outside"),
        pytest.param("operator", "mem_nobody", Role.HOST, NotFound, id="target-unknown"),
        pytest.param("mem_nobody", "member", Role.HOST, NotFound, id="actor-unknown"),
        pytest.param("operator", "member", "admin", InvalidProfile, id="role-unknown"),
        pytest.param("operator", "member", "HOST", InvalidProfile, id="role-upper"),
        pytest.param("operator", "member", "", InvalidProfile, id="role-empty"),
        pytest.param("operator", "member", None, InvalidProfile, id="role-none"),
        pytest.param("operator", "operator", Role.MEMBER, LastOperator, id="demote-last-op"),
        pytest.param("operator", "operator", Role.HOST, LastOperator, id="last-op-to-host"),
    ],
)
def test_assign_role_rejects(
    world: World, actor: str, target: str, role: object, error: type[ProforumError]
) -> None:
    forum, community_id = world.forum, world.community.id
    actor_id, target_id = _actor(world, actor), _actor(world, target)
    assert_unchanged(
        forum,
        lambda: forum.assign_role(actor_id, community_id, target_id, role),  # type: ignore[arg-type]
        error,
    )


def test_assign_role_in_an_unknown_community(world: World) -> None:
    assert_unchanged(
        world.forum,
        lambda: world.forum.assign_role(
            world.operator.id, "com_nowhere", world.members[0].id, Role.HOST
        ),
        NotFound,
    )


def test_an_operator_may_step_down_once_another_operator_exists(world: World) -> None:
    forum, community_id = world.forum, world.community.id
    forum.assign_role(world.operator.id, community_id, world.host.id, Role.OPERATOR)
    demoted = forum.assign_role(world.operator.id, community_id, world.operator.id, Role.MEMBER)
    assert demoted.role is Role.MEMBER
    # ...and now the remaining operator is the last one.
    assert_unchanged(
        forum,
        lambda: forum.assign_role(world.host.id, community_id, world.host.id, Role.MEMBER),
        LastOperator,
    )


# --------------------------------------------------------------------------- nicknames are fixed


@pytest.mark.parametrize("new_nickname", ["다른닉네임", "마케터1", "", "x" * 40])
def test_a_fixed_nickname_cannot_be_changed(world: World, new_nickname: str) -> None:
    member = world.members[1]  # speaks under the nickname 마케터1
    exc = assert_unchanged(
        world.forum, lambda: world.forum.change_nickname(member.id, new_nickname), NicknameLocked
    )
    assert exc.value == new_nickname
    assert world.forum.member(member.id).display_name == "마케터1"


def test_a_real_name_member_has_no_nickname_to_change(world: World) -> None:
    member = world.members[0]
    assert_unchanged(
        world.forum, lambda: world.forum.change_nickname(member.id, "새닉네임"), InvalidInput
    )


def test_change_nickname_of_an_unknown_member(world: World) -> None:
    assert_unchanged(
        world.forum, lambda: world.forum.change_nickname("mem_nobody", "새닉네임"), NotFound
    )


# --------------------------------------------------------------------------- lookups


@pytest.mark.parametrize(
    ("call", "error", "entity"),
    [
        pytest.param(lambda w: w.forum.member("mem_nobody"), NotFound, "member", id="member"),
        pytest.param(
            lambda w: w.forum.community("com_nowhere"), NotFound, "community", id="community"
        ),
        pytest.param(
            lambda w: w.forum.community_by_slug("growth"), NotFound, "community", id="slug"
        ),
        pytest.param(
            lambda w: w.forum.memberships(w.outsider.id, w.community.id),
            NotACommunityMember,
            None,
            id="memberships-outsider",
        ),
        pytest.param(
            lambda w: w.forum.memberships(w.members[0].id, "com_nowhere"),
            NotFound,
            "community",
            id="memberships-unknown-community",
        ),
    ],
)
def test_lookups_reject(
    world: World, call: Callable[[World], object], error: type[ProforumError], entity: str | None
) -> None:
    exc = assert_unchanged(world.forum, lambda: call(world), error)
    if entity is not None:
        assert exc.params["entity"] == entity
