"""Property tests for nicknames and real names (trust-practices §8, U1 and U2).

The stored form is NFC; uniqueness is decided on ``Nickname.key`` (NFKC, then case
folding), so canonically equivalent, full-width and case variants of one name are
one name.  Invisible, control and bidi characters are never accepted.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import proforum
from forum_world import T0
from proforum import ManualClock, SeededIds
from proforum.domain.identity import NICKNAME_MAX, NICKNAME_MIN, REAL_NAME_MAX, Nickname, RealName
from proforum.domain.personal_data import PSEUDONYM_PREFIX_KO
from proforum.errors import InvalidNickname, InvalidRealName, NicknameTaken

# Hangul syllables (가..힣) have a different NFD form (conjoining jamo), which is the
# interesting case for normalisation: one syllable is 2 or 3 code points in NFD.
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
ASCII_ALNUM = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
#: Letters whose case and width variants are well defined (no Turkish dotless i etc.).
NAME_CHAR = st.one_of(HANGUL, ASCII_ALNUM)

#: Every character the brief names as forbidden, plus C0/C1 controls.
ZERO_WIDTH_AND_BIDI = [
    *range(0x200B, 0x2010),  # zero-width space/non-joiner/joiner, LRM, RLM
    *range(0x202A, 0x202F),  # LRE, RLE, PDF, LRO, RLO
    *range(0x2066, 0x206A),  # LRI, RLI, FSI, PDI
    0xFEFF,  # zero-width no-break space / BOM
]
CONTROLS = [*range(0x20), *range(0x7F, 0xA0)]  # C0 and C1 controls, DEL
FORBIDDEN = st.sampled_from([chr(c) for c in ZERO_WIDTH_AND_BIDI + CONTROLS])


def not_reserved(text: str) -> bool:
    """Leave out names starting with 탈퇴회원, the prefix kept for erased members."""
    return not nfc(text).startswith(PSEUDONYM_PREFIX_KO)


ANY_OBJECT = st.one_of(
    st.text(),
    st.none(),
    st.integers(),
    st.floats(),
    st.binary(),
    st.booleans(),
    st.lists(st.text(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)


def fullwidth(text: str) -> str:
    """Map printable ASCII (except space) to its full-width form (U+FF01..U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def new_forum() -> proforum.Forum:
    return proforum.open(
        "memory://",
        clock=ManualClock(T0),
        ids=SeededIds("identity-properties"),
        plugin_manager=proforum.get_plugin_manager(load_entrypoints=False),
    )


# --------------------------------------------------------------------------- parsing never crashes


@settings(max_examples=300, deadline=None)
@given(ANY_OBJECT)
@example("\ud800ab")  # a lone surrogate
@example("  ")
@example("a")
def test_nickname_parse_raises_only_invalid_nickname(raw: object) -> None:
    error: InvalidNickname | None = None
    try:
        parsed = Nickname.parse(raw)
    except InvalidNickname as exc:
        error = exc
    if error is not None:
        assert error.value is raw
        assert error.code == "input.nickname"
    else:
        assert isinstance(parsed, Nickname)
        assert isinstance(raw, str)


@settings(max_examples=300, deadline=None)
@given(ANY_OBJECT)
@example("\ud800")
@example("")
def test_real_name_parse_raises_only_invalid_real_name(raw: object) -> None:
    error: InvalidRealName | None = None
    try:
        parsed = RealName.parse(raw)
    except InvalidRealName as exc:
        error = exc
    if error is not None:
        assert error.value is raw
        assert error.code == "input.real_name"
    else:
        assert isinstance(parsed, RealName)
        assert isinstance(raw, str)


# --------------------------------------------------------------------------- what is stored


@settings(max_examples=300, deadline=None)
@given(st.text())
@example("한글" * 5)
@example(nfd("한국어 닉네임"))
def test_accepted_nickname_is_nfc_within_limits_and_clean(raw: str) -> None:
    try:
        nickname = Nickname.parse(raw)
    except InvalidNickname:
        return
    value = nickname.value
    assert unicodedata.is_normalized("NFC", value)
    assert NICKNAME_MIN <= len(value) <= NICKNAME_MAX
    assert value == value.strip()
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in value)
    assert not any(ch.isspace() and ch != " " for ch in value)
    # Parsing the stored value again is the identity: the stored form is canonical.
    assert Nickname.parse(value) == nickname


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_accepted_real_name_is_nfc_within_limits_and_clean(raw: str) -> None:
    try:
        name = RealName.parse(raw)
    except InvalidRealName:
        return
    assert unicodedata.is_normalized("NFC", name.value)
    assert 1 <= len(name.value) <= REAL_NAME_MAX
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name.value)
    assert RealName.parse(name.value) == name


@settings(max_examples=200, deadline=None)
@given(st.text(NAME_CHAR, min_size=0, max_size=NICKNAME_MAX + 5).filter(not_reserved))
def test_nickname_length_limits_are_exact(raw: str) -> None:
    """For clean letters, the length alone decides: 2..20 accepted, anything else refused."""
    if NICKNAME_MIN <= len(raw) <= NICKNAME_MAX:
        assert Nickname.parse(raw).value == raw
    else:
        with pytest.raises(InvalidNickname):
            Nickname.parse(raw)


@settings(max_examples=100, deadline=None)
@given(st.text(NAME_CHAR, min_size=0, max_size=REAL_NAME_MAX + 5))
def test_real_name_length_limits_are_exact(raw: str) -> None:
    if 1 <= len(raw) <= REAL_NAME_MAX:
        assert RealName.parse(raw).value == raw
    else:
        with pytest.raises(InvalidRealName):
            RealName.parse(raw)


# --------------------------------------------------------------------------- NFC / NFD


@settings(max_examples=200, deadline=None)
@given(st.text(HANGUL, min_size=1, max_size=NICKNAME_MAX + 3).filter(not_reserved))
def test_hangul_nfd_and_nfc_give_the_same_nickname(text: str) -> None:
    """Conjoining jamo count as the syllable they compose: NFD and NFC are accepted or
    refused together, and store the same value under the same key."""
    composed, decomposed = nfc(text), nfd(text)
    assert composed != decomposed  # every Hangul syllable decomposes
    outcomes = []
    for form in (composed, decomposed):
        try:
            outcomes.append(Nickname.parse(form))
        except InvalidNickname:
            outcomes.append(None)
    assert outcomes[0] == outcomes[1]
    if outcomes[0] is not None:
        assert outcomes[0].value == composed
        assert outcomes[0].key == outcomes[1].key  # type: ignore[union-attr]
    assert (outcomes[0] is not None) == (NICKNAME_MIN <= len(composed) <= NICKNAME_MAX)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_nfd_and_nfc_forms_of_any_text_parse_identically(text: str) -> None:
    results: list[object] = []
    for form in (nfc(text), nfd(text), text):
        try:
            results.append(Nickname.parse(form))
        except InvalidNickname:
            results.append("refused")
    assert results[0] == results[1] == results[2]


@settings(max_examples=100, deadline=None)
@given(st.text(HANGUL, min_size=1, max_size=REAL_NAME_MAX))
def test_hangul_nfd_and_nfc_give_the_same_real_name(text: str) -> None:
    assert RealName.parse(nfd(text)) == RealName.parse(nfc(text))
    assert RealName.parse(nfd(text)).value == nfc(text)


# --------------------------------------------------------------------------- the uniqueness key


@settings(max_examples=300, deadline=None)
@given(st.text(NAME_CHAR, min_size=NICKNAME_MIN, max_size=NICKNAME_MAX).filter(not_reserved))
@example("Kevin")
@example("김dev")
def test_fullwidth_case_and_normalisation_variants_share_one_key(text: str) -> None:
    key = Nickname.parse(text).key
    variants = {
        "lower": text.lower(),
        "upper": text.upper(),
        "swapcase": text.swapcase(),
        "fullwidth": fullwidth(text),
        "fullwidth upper": fullwidth(text.upper()),
        "nfd": nfd(text),
        "nfd fullwidth": nfd(fullwidth(text)),
        "kelvin sign": text.replace("K", "\u212a"),
    }
    for label, variant in variants.items():
        assert Nickname.parse(variant).key == key, label
    assert key == unicodedata.normalize("NFKC", key).casefold()


def test_known_key_collisions() -> None:
    """The PRECIS examples: full-width K and the Kelvin sign both fold to k."""
    assert Nickname.parse("\u212aevin").key == Nickname.parse("ｋｅｖｉｎ").key == "kevin"
    assert Nickname.parse("ＫＥＶＩＮ").key == "kevin"
    assert Nickname.parse(nfd("마케터")).key == Nickname.parse("마케터").key


# --------------------------------------------------------------------------- forbidden characters


@settings(max_examples=400, deadline=None)
@given(
    st.text(NAME_CHAR, min_size=NICKNAME_MIN, max_size=NICKNAME_MAX - 1).filter(not_reserved),
    FORBIDDEN,
    st.data(),
)
def test_interior_forbidden_character_is_refused(
    base: str, forbidden: str, data: st.DataObject
) -> None:
    """A control, zero-width or bidi character anywhere inside the name refuses it."""
    position = data.draw(st.integers(1, len(base) - 1), label="position")
    raw = base[:position] + forbidden + base[position:]
    with pytest.raises(InvalidNickname):
        Nickname.parse(raw)
    with pytest.raises(InvalidRealName):
        RealName.parse(raw)


@settings(max_examples=300, deadline=None)
@given(
    st.text(NAME_CHAR, min_size=NICKNAME_MIN, max_size=NICKNAME_MAX - 2).filter(not_reserved),
    FORBIDDEN,
    st.sampled_from(["start", "end", "both"]),
)
def test_forbidden_character_at_the_edges_never_reaches_storage(
    base: str, forbidden: str, where: str
) -> None:
    """At the edges, a character is either refused or, if it is whitespace that
    :meth:`str.strip` trims (tab, newline, NEL...), trimmed like a space.  Either way
    the stored name never contains it."""
    raw = {
        "start": forbidden + base,
        "end": base + forbidden,
        "both": forbidden + base + forbidden,
    }[where]
    if forbidden.isspace():
        assert Nickname.parse(raw).value == base
        assert RealName.parse(raw).value == base
    else:
        with pytest.raises(InvalidNickname):
            Nickname.parse(raw)
        with pytest.raises(InvalidRealName):
            RealName.parse(raw)


@pytest.mark.parametrize("codepoint", ZERO_WIDTH_AND_BIDI, ids=lambda c: f"U+{c:04X}")
def test_every_named_invisible_or_bidi_character_is_refused(codepoint: int) -> None:
    for raw in (f"ab{chr(codepoint)}cd", f"{chr(codepoint)}abcd", f"abcd{chr(codepoint)}"):
        with pytest.raises(InvalidNickname):
            Nickname.parse(raw)
        with pytest.raises(InvalidRealName):
            RealName.parse(raw)


# --------------------------------------------------------------------------- registration


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.text(NAME_CHAR, min_size=NICKNAME_MIN, max_size=NICKNAME_MAX).filter(not_reserved),
    st.sampled_from(["same", "upper", "lower", "fullwidth", "nfd", "padded"]),
)
def test_registering_a_nickname_with_a_taken_key_fails(text: str, variant: str) -> None:
    second = {
        "same": text,
        "upper": text.upper(),
        "lower": text.lower(),
        "fullwidth": fullwidth(text),
        "nfd": nfd(text),
        "padded": f"  {text} ",
    }[variant]
    with new_forum() as forum:
        first = forum.register_member(nickname=text, job_function="marketing-pr")
        assert first.display_name == nfc(text)
        before = forum.export_data()
        with pytest.raises(NicknameTaken):
            forum.register_member(nickname=second, job_function="development")
        assert forum.export_data() == before
        # A real name is not a nickname: the same text as a real name is fine.
        forum.register_member(real_name=second, job_function="design")
        assert len(forum.export_data()["tables"]["members"]) == 2


def test_different_keys_register_side_by_side() -> None:
    with new_forum() as forum:
        forum.register_member(nickname="마케터1", job_function="marketing-pr")
        forum.register_member(nickname="마케터2", job_function="marketing-pr")
        with pytest.raises(NicknameTaken):
            forum.register_member(nickname="마케터１", job_function="marketing-pr")
        assert len(forum.export_data()["tables"]["members"]) == 2
