"""Fixed nicknames: look-alikes, user-perceived length, and changes by site operators.

Issue 8, point 1.  Uniqueness is decided on :func:`confusable_key`: width and
case folded, then the UTS #39 skeleton, with Hangul syllables kept whole.  A
nickname is fixed for its owner; a site operator may change it with a
reason, the change is kept, and the old nickname stays reserved for the member
who had it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import proforum
from forum_world import T0, assert_unchanged
from proforum import ManualClock, SeededIds
from proforum.domain.common import MemberId
from proforum.domain.confusables import confusable_key, skeleton
from proforum.domain.identity import NICKNAME_MAX, Nickname, grapheme_count
from proforum.errors import (
    InvalidInput,
    InvalidNickname,
    InvalidProfile,
    InvalidText,
    NicknameLocked,
    NicknameTaken,
    NotFound,
    RoleRequired,
)

JOB = "development"
SEED = "nicknames"
#: The first id the forum hands out: the site operator registers first.
STAFF = MemberId(SeededIds(SEED).new("mem"))

HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
#: Latin letters and the characters of other scripts drawn the same way.
LOOK_ALIKES = {
    "a": "\u0430",  # CYRILLIC SMALL LETTER A
    "c": "\u0441",  # CYRILLIC SMALL LETTER ES
    "e": "\u0435",  # CYRILLIC SMALL LETTER IE
    "i": "\u0456",  # CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
    "o": "\u03bf",  # GREEK SMALL LETTER OMICRON
    "p": "\u0440",  # CYRILLIC SMALL LETTER ER
    "x": "\u0445",  # CYRILLIC SMALL LETTER HA
    "y": "\u0443",  # CYRILLIC SMALL LETTER U
    "l": "1",  # DIGIT ONE
}


@pytest.fixture
def forum(backend_url: str, clock: ManualClock) -> Iterator[proforum.Forum]:
    """A forum on each backend whose one site operator is :data:`STAFF`."""
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open(
        backend_url,
        clock=clock,
        ids=SeededIds(SEED),
        plugin_manager=pm,
        site_operators=[STAFF],
    ) as f:
        staff = f.register_member(real_name="운영팀", job_function="hr")
        assert staff.id == STAFF
        yield f


def register(forum: proforum.Forum, nickname: str) -> MemberId:
    return forum.register_member(nickname=nickname, job_function=JOB).id


# --------------------------------------------------------------------------- look-alikes


@pytest.mark.parametrize(
    ("taken", "clash"),
    [
        pytest.param("paypal", "p\u0430yp\u0430l", id="cyrillic-a"),
        pytest.param("paypal", "paypa1", id="digit-one-for-l"),
        pytest.param("PayPal", "PayPaI", id="capital-i-for-l"),
        pytest.param("paypal", "PAYPAL", id="upper-case"),
        pytest.param("google", "g00gle", id="digit-zero-for-o"),
        pytest.param("google", "g\u03bf\u03bfgle", id="greek-omicron"),
        pytest.param("modern", "rnodern", id="rn-for-m"),
        pytest.param(
            "paypal", "\U0001d429\U0001d41a\U0001d432\U0001d429\U0001d41a\U0001d425", id="math-bold"
        ),
        pytest.param("paypal", "ｐａｙｐａｌ", id="fullwidth"),
        pytest.param("Kevin", "\u212aevin", id="kelvin-sign"),
        pytest.param("마케터kim", "마케터k\u0456m", id="hangul-with-cyrillic-i"),
    ],
)
def test_a_look_alike_of_a_nickname_is_taken(forum: proforum.Forum, taken: str, clash: str) -> None:
    register(forum, taken)
    exc = assert_unchanged(
        forum,
        lambda: forum.register_member(nickname=clash, job_function=JOB),
        NicknameTaken,
        clash,
    )
    assert exc.value == clash


@pytest.mark.parametrize(
    "nicknames",
    [
        pytest.param(("각가", "가까"), id="final-consonant-vs-double-initial"),
        pytest.param(("김dev", "김dew"), id="hangul-with-latin"),
        pytest.param(("ROAS요정", "CPA요정"), id="latin-with-hangul"),
        pytest.param(("이사", "ㅇl사"), id="syllable-vs-jamo-and-latin"),
        pytest.param(("마케터 Kim", "마케터Kim2"), id="space-and-digit"),
    ],
)
def test_different_names_mixing_hangul_and_latin_are_all_allowed(
    forum: proforum.Forum, nicknames: tuple[str, ...]
) -> None:
    ids = [register(forum, n) for n in nicknames]
    assert [forum.member(i).display_name for i in ids] == list(nicknames)


@settings(max_examples=300, deadline=None)
@given(st.text(HANGUL, min_size=1, max_size=NICKNAME_MAX))
def test_hangul_syllables_are_their_own_key(text: str) -> None:
    """Distinct syllable strings never collide: each is its own key."""
    assert confusable_key(text) == text


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=30))
@example("g00gle")
@example("\u212a")
@example("ǅ")
def test_the_key_of_a_key_is_itself(text: str) -> None:
    """A key is a fixed point, so a name and its key always clash."""
    key = confusable_key(text)
    assert confusable_key(key) == key


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.sampled_from("acdeilmnoprstuvwxy"), min_size=2, max_size=NICKNAME_MAX),
    st.data(),
)
def test_swapping_letters_for_look_alikes_keeps_the_key(text: str, data: st.DataObject) -> None:
    positions = [i for i, ch in enumerate(text) if ch in LOOK_ALIKES]
    swapped = list(text)
    for i in data.draw(st.sets(st.sampled_from(positions)) if positions else st.just(set[int]())):
        swapped[i] = LOOK_ALIKES[text[i]]
    assert Nickname.parse("".join(swapped)).key == Nickname.parse(text).key


def test_the_skeleton_follows_uts39_outside_hangul() -> None:
    assert skeleton("p\u0430ypal") == "paypal"
    assert skeleton("m") == "rn"
    # Decomposed, 각 ends with ᆨ, whose prototype is the initial ᄀ: kept whole, it is not.
    assert skeleton("각가") != skeleton("가까")


# --------------------------------------------------------------------------- length and characters


@pytest.mark.parametrize(
    ("nickname", "count"),
    [
        pytest.param("가나", 2, id="syllables"),
        pytest.param(unicodedata.normalize("NFD", "가나"), 2, id="jamo"),
        pytest.param("\u1100\u119e\u1100\u119e", 2, id="archaic-jamo-no-syllable"),
        pytest.param("g\u0303o", 2, id="letter-with-mark-no-precomposed"),
        pytest.param("\U0001f1f0\U0001f1f7", 1, id="flag"),
        pytest.param("👍🏽", 1, id="emoji-with-skin-tone"),
    ],
)
def test_length_counts_user_perceived_characters(nickname: str, count: int) -> None:
    assert grapheme_count(unicodedata.normalize("NFC", nickname)) == count


def test_twenty_letters_with_marks_fit_and_twenty_one_do_not() -> None:
    twenty = "g\u0303" * 20  # 40 code points, 20 characters on screen
    assert Nickname.parse(twenty).value == twenty
    with pytest.raises(InvalidNickname) as info:
        Nickname.parse(twenty + "g\u0303")
    assert "2 to 20" in info.value.message_en


@pytest.mark.parametrize(
    ("nickname", "rule_en", "rule_ko"),
    [
        pytest.param("a", "2 to 20 characters", "2자 이상 20자 이하", id="short"),
        pytest.param("ab\u200bcd", "invisible", "보이지 않는", id="zero-width"),
        pytest.param("ab\u2800cd", "invisible", "보이지 않는", id="braille-blank"),
        pytest.param("ab\U000e0100cd", "invisible", "보이지 않는", id="variation-selector-17"),
        pytest.param("ab\u202ecd", "text-direction", "방향", id="bidi-override"),
        pytest.param(
            "a\u0301\u0302\u0303\u0304\u0305b", "combining marks", "결합 문자", id="stacked-marks"
        ),
        pytest.param("ab  cd", "single spaces", "한 칸", id="double-space"),
    ],
)
def test_each_broken_rule_is_named(nickname: str, rule_en: str, rule_ko: str) -> None:
    with pytest.raises(InvalidNickname) as info:
        Nickname.parse(nickname)
    assert rule_en in info.value.message_en
    assert rule_ko in info.value.message_ko


# --------------------------------------------------------------------------- changes by operators


def test_a_site_operator_renames_with_a_reason_and_the_change_is_kept(
    forum: proforum.Forum,
) -> None:
    member = register(forum, "paypa1")
    renamed = forum.rename_nickname(STAFF, member, "새닉네임", reason="사칭 신고 / impersonation")
    assert renamed.display_name == "새닉네임"
    assert forum.member(member).display_name == "새닉네임"
    [change] = forum.nickname_history(member, member)
    assert (change.old_nickname, change.new_nickname) == ("paypa1", "새닉네임")
    assert (change.changed_by, change.changed_at) == (STAFF, T0)
    assert change.reason == "사칭 신고 / impersonation"
    assert "impersonation" not in repr(change)


def test_an_old_nickname_stays_reserved_for_the_member_who_had_it(
    forum: proforum.Forum, clock: ManualClock
) -> None:
    member = register(forum, "paypal")
    forum.rename_nickname(STAFF, member, "새닉네임", reason="요청")
    for clash in ("paypal", "PAYPA1", "p\u0430ypal"):
        assert_unchanged(
            forum,
            lambda c=clash: forum.register_member(nickname=c, job_function=JOB),
            NicknameTaken,
        )
    other = register(forum, "다른회원")
    assert_unchanged(
        forum, lambda: forum.rename_nickname(STAFF, other, "paypal", reason="x"), NicknameTaken
    )
    # Its holder may have it back; the history then holds both changes.
    clock.advance(timedelta(days=1))
    forum.rename_nickname(STAFF, member, "PayPal", reason="되돌림")
    assert [c.new_nickname for c in forum.nickname_history(STAFF, member)] == ["새닉네임", "PayPal"]


def test_reasons_are_shown_to_the_member_and_site_operators_only(forum: proforum.Forum) -> None:
    member = register(forum, "닉네임1")
    onlooker = register(forum, "구경꾼")
    forum.rename_nickname(STAFF, member, "닉네임2", reason="개인 사정")
    assert forum.nickname_history(member, member)[0].reason == "개인 사정"
    assert forum.nickname_history(STAFF, member)[0].reason == "개인 사정"
    [seen] = forum.nickname_history(onlooker, member)
    assert (seen.old_nickname, seen.new_nickname, seen.reason) == ("닉네임1", "닉네임2", "")


def test_the_owner_still_cannot_change_it(forum: proforum.Forum) -> None:
    member = register(forum, "고정닉")
    assert_unchanged(forum, lambda: forum.change_nickname(member, "새고정닉"), NicknameLocked)


def test_bad_renames_change_nothing(forum: proforum.Forum) -> None:
    member = register(forum, "닉네임1")
    taken = register(forum, "닉네임2")
    real = forum.register_member(real_name="김실명", job_function=JOB).id
    community_operator = register(forum, "커뮤니티운영자")
    forum.create_community(community_operator, slug="dev", name="개발", job_function=JOB)
    forum.join_community(member, forum.community_by_slug("dev").id)
    cases: list[tuple[object, type[Exception]]] = [
        (lambda: forum.rename_nickname(member, member, "새이름", reason="셀프"), RoleRequired),
        (
            lambda: forum.rename_nickname(community_operator, member, "새이름", reason="x"),
            RoleRequired,
        ),
        (lambda: forum.rename_nickname(STAFF, member, "닉네임2", reason="x"), NicknameTaken),
        (lambda: forum.rename_nickname(STAFF, member, "a", reason="x"), InvalidNickname),
        (lambda: forum.rename_nickname(STAFF, member, "새이름", reason=""), InvalidText),
        (lambda: forum.rename_nickname(STAFF, member, "새이름", reason="x" * 501), InvalidText),
        (lambda: forum.rename_nickname(STAFF, real, "새이름", reason="x"), InvalidProfile),
        (
            lambda: forum.rename_nickname(STAFF, MemberId("mem_nobody"), "새이름", reason="x"),
            NotFound,
        ),
    ]
    for action, expected in cases:
        assert_unchanged(forum, action, expected)  # type: ignore[arg-type]
    assert forum.member(taken).display_name == "닉네임2"


def test_site_operators_must_be_a_collection_of_ids() -> None:
    with pytest.raises(InvalidInput):
        proforum.open("memory://", site_operators="mem_staff")


def test_the_bundled_table_is_the_version_the_keys_name() -> None:
    """A new confusables.txt changes keys: the version constant (and a migration) must follow."""
    from importlib import resources

    from proforum.domain.confusables import CONFUSABLES_VERSION

    text = resources.files("proforum.domain").joinpath("data/confusables.tsv").read_text("utf-8")
    assert f"# Version: {CONFUSABLES_VERSION}\n" in text
    assert sum(1 for line in text.splitlines() if not line.startswith("#")) > 6000
