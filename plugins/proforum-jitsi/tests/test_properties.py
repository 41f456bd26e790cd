"""Properties: room names are unguessable and distinct; any change to a token breaks it."""

from __future__ import annotations

import base64
import re
import secrets
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jitsi_support import GUEST, HOST, SECRET, hs_signature_ok, request, rs256_signature_ok
from proforum_jitsi import RANDOM_BITS, is_room_name, new_room_name
from proforum_jitsi.testing import TokenInvalid, verify_hs256, verify_rs256
from proforum_jitsi.tokens import b64url_decode, b64url_encode

if TYPE_CHECKING:
    from proforum_jitsi.testing import KeyPair

    from conftest import MakeProvider

FIXTURES = [HealthCheck.function_scoped_fixture]


def random_part(room: str) -> bytes:
    return base64.b32decode(room.rsplit("-", 1)[-1].upper())


@given(
    prefix=st.text(max_size=60),
    meetup=st.text(max_size=80),
    raw=st.binary(min_size=20, max_size=20),
)
def test_the_readable_part_never_touches_the_random_part(
    prefix: str, meetup: str, raw: bytes
) -> None:
    room = new_room_name(prefix, meetup, lambda n: raw[:n])
    assert is_room_name(room)
    assert random_part(room) == raw  # all 160 bits survive, whatever the prefix
    assert re.fullmatch(r"[a-z0-9-]+", room)


@given(a=st.binary(min_size=20, max_size=20), b=st.binary(min_size=20, max_size=20))
def test_different_random_bytes_give_different_rooms(a: bytes, b: bytes) -> None:
    names = {new_room_name("proforum", "mtp_0001", lambda n, r=r: r[:n]) for r in (a, b)}
    assert len(names) == len({a, b})


def test_the_csprng_gives_enough_bits_and_no_repeats() -> None:
    assert RANDOM_BITS >= 128
    seen: list[int] = []

    def spy(n: int) -> bytes:
        seen.append(n)
        return secrets.token_bytes(n)

    rooms = {new_room_name("proforum", "mtp_0001", spy) for _ in range(2000)}
    assert len(rooms) == 2000
    assert set(seen) == {RANDOM_BITS // 8}
    # Every base32 letter turns up in the random parts: nothing is stuck.
    letters = set("".join(r.rsplit("-", 1)[-1] for r in rooms))
    assert letters == set("abcdefghijklmnopqrstuvwxyz234567")


@given(st.binary(max_size=200))
def test_base64url_round_trips(data: bytes) -> None:
    text = b64url_encode(data)
    assert "=" not in text
    assert b64url_decode(text) == data


def flip(token: str, index: int, bit: int) -> str:
    raw = bytearray(token.encode("ascii"))
    raw[index] ^= 1 << bit
    return raw.decode("latin-1")


def still_valid(token: str, check: Any) -> bool:
    try:
        check(token)
    except (TokenInvalid, ValueError, UnicodeError):
        return False
    return True


@pytest.fixture
def hs_token(make_provider: MakeProvider, self_hosted: dict[str, Any]) -> str:
    provider = make_provider(self_hosted)
    meeting = provider.create_meeting(request())
    return provider.token(meeting, HOST).reveal()


@pytest.fixture
def rs_token(make_provider: MakeProvider, jaas: dict[str, Any]) -> str:
    provider = make_provider(jaas)
    meeting = provider.create_meeting(request())
    return provider.token(meeting, GUEST).reveal()


@settings(suppress_health_check=FIXTURES, max_examples=300)
@given(data=st.data())
def test_changing_any_bit_of_an_hs256_token_breaks_it(hs_token: str, data: st.DataObject) -> None:
    assert hs_signature_ok(hs_token, SECRET)
    index = data.draw(st.integers(0, len(hs_token) - 1))
    bit = data.draw(st.integers(0, 7))
    forged = flip(hs_token, index, bit)
    # A base64url character can hide a bit that decodes to nothing: the last
    # character of a segment carries padding bits.  Those tokens decode to the
    # same bytes and are the same token; anything else must fail.
    if still_valid(forged, lambda t: verify_hs256(t, SECRET)):
        assert _same_bytes(forged, hs_token)


@settings(suppress_health_check=FIXTURES, max_examples=60)
@given(data=st.data())
def test_changing_any_bit_of_an_rs256_token_breaks_it(
    rs_token: str, keys: KeyPair, data: st.DataObject
) -> None:
    assert rs256_signature_ok(rs_token, keys.public_pem)
    index = data.draw(st.integers(0, len(rs_token) - 1))
    bit = data.draw(st.integers(0, 7))
    forged = flip(rs_token, index, bit)
    if still_valid(forged, lambda t: verify_rs256(t, keys.public_pem)):
        assert _same_bytes(forged, rs_token)


def _same_bytes(a: str, b: str) -> bool:
    try:
        return [b64url_decode(s) for s in a.split(".")] == [b64url_decode(s) for s in b.split(".")]
    except ValueError:
        return False


@settings(suppress_health_check=FIXTURES, max_examples=50)
@given(secret=st.text(min_size=32).filter(lambda s: s != SECRET))
def test_no_other_secret_verifies(hs_token: str, secret: str) -> None:
    with pytest.raises(TokenInvalid):
        verify_hs256(hs_token, secret)
