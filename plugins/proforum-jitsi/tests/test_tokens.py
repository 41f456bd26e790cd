"""What the tokens say, in each mode, and for how long they are good."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from jitsi_support import (
    APP_ID,
    BASE,
    ENDS,
    GUEST,
    HOST,
    JAAS_APP,
    JAAS_KEY,
    QUIET,
    SECRET,
    STARTS,
    T0,
    decode,
    hs_signature_ok,
    request,
    rs256_signature_ok,
    token_of,
)
from proforum_jitsi import is_room_name
from proforum_jitsi.testing import (
    TokenInvalid,
    decode_unverified,
    token_from_link,
    verify_hs256,
    verify_hs512,
    verify_rs256,
)

import proforum
from proforum.domain.common import MemberId, Secret
from proforum.domain.meetup import MeetingRef
from proforum.errors import VideoProviderError
from proforum.ports.video import Registration

if TYPE_CHECKING:
    from proforum_jitsi.testing import KeyPair

    from conftest import MakeProvider

ROOM_URL = re.compile(r"https://meet\.example\.com/(proforum-mtp0001-[a-z2-7]{32})")


def epoch(moment: Any) -> int:
    return int(moment.timestamp())


def test_create_meeting_names_a_room_and_keeps_the_tokenless_address_secret(
    make_provider: MakeProvider, self_hosted: dict[str, Any]
) -> None:
    meeting = make_provider(self_hosted).create_meeting(request())
    assert meeting.provider == "jitsi"
    match = ROOM_URL.fullmatch(meeting.join_url.reveal())
    assert match is not None
    assert match.group(1) == meeting.meeting_id
    assert "jwt" not in meeting.join_url.reveal()
    assert isinstance(meeting.join_url, Secret)


def test_self_hosted_claims_follow_prosody_token_auth(
    make_provider: MakeProvider, self_hosted: dict[str, Any]
) -> None:
    provider = make_provider(self_hosted)
    meeting = provider.create_meeting(request())
    host, guest = provider.register(meeting, [HOST, GUEST])

    link = guest.join_url.reveal()
    assert link.startswith(f"{BASE}/{meeting.meeting_id}?jwt=")
    token = token_of(link)
    assert hs_signature_ok(token, SECRET)
    header, claims = decode(token)
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims == {
        "aud": "jitsi",
        "iss": APP_ID,
        "sub": "meet.example.com",  # the domain: rooms are /ROOM, no tenant
        "room": meeting.meeting_id,
        "iat": epoch(T0),
        "nbf": epoch(STARTS - timedelta(minutes=30)),
        "exp": epoch(ENDS + timedelta(minutes=30)),
        "context": {"user": {"id": "mem_guest", "name": "Jane Doe", "moderator": "false"}},
    }
    _, host_claims = decode(token_of(host.join_url.reveal()))
    assert host_claims["context"]["user"]["moderator"] == "true"
    assert (host.member_id, host.registrant_id) == (HOST.member_id, "mem_host")
    assert (guest.member_id, guest.registrant_id) == (GUEST.member_id, "mem_guest")


def test_a_tenant_in_the_base_url_becomes_the_subject(
    make_provider: MakeProvider, self_hosted: dict[str, Any]
) -> None:
    provider = make_provider({**self_hosted, "base_url": "https://meet.example.com/Acme/"})
    meeting = provider.create_meeting(request())
    assert meeting.join_url.reveal().startswith("https://meet.example.com/Acme/proforum-")
    (registration,) = provider.register(meeting, [GUEST])
    _, claims = decode(token_of(registration.join_url.reveal()))
    assert claims["sub"] == "acme"
    assert claims["room"] == meeting.meeting_id  # the bare name, never tenant/room


def test_subject_and_audience_can_be_set(
    make_provider: MakeProvider, self_hosted: dict[str, Any]
) -> None:
    provider = make_provider({**self_hosted, "subject": "*", "audience": "proforum-meet"})
    meeting = provider.create_meeting(request())
    (registration,) = provider.register(meeting, [GUEST])
    _, claims = decode(token_of(registration.join_url.reveal()))
    assert (claims["sub"], claims["aud"]) == ("*", "proforum-meet")


def test_hs512_is_signed_with_sha512(
    make_provider: MakeProvider, self_hosted: dict[str, Any]
) -> None:
    provider = make_provider({**self_hosted, "algorithm": "HS512"})
    meeting = provider.create_meeting(request())
    (registration,) = provider.register(meeting, [GUEST])
    token = token_of(registration.join_url.reveal())
    assert decode(token)[0]["alg"] == "HS512"
    assert hs_signature_ok(token, SECRET, hashlib.sha512)
    assert not hs_signature_ok(token, SECRET)
    assert verify_hs512(token, SECRET)["room"] == meeting.meeting_id


def test_self_hosted_rs256_names_its_key(
    make_provider: MakeProvider, self_hosted: dict[str, Any], keys: KeyPair
) -> None:
    options = {**self_hosted, "algorithm": "RS256", "private_key": keys.private_pem}
    options["key_id"] = "proforum-2026"
    del options["secret"]
    provider = make_provider(options)
    meeting = provider.create_meeting(request())
    (registration,) = provider.register(meeting, [GUEST])
    token = token_of(registration.join_url.reveal())
    assert decode(token)[0] == {"alg": "RS256", "kid": "proforum-2026", "typ": "JWT"}
    assert rs256_signature_ok(token, keys.public_pem)


def test_jaas_claims_header_and_link(
    make_provider: MakeProvider, jaas: dict[str, Any], keys: KeyPair
) -> None:
    provider = make_provider(jaas)
    meeting = provider.create_meeting(request())
    assert meeting.join_url.reveal() == f"https://8x8.vc/{JAAS_APP}/{meeting.meeting_id}"
    host, guest = provider.register(meeting, [HOST, GUEST])

    link = guest.join_url.reveal()
    assert link.startswith(f"https://8x8.vc/{JAAS_APP}/{meeting.meeting_id}?jwt=")
    token = token_of(link)
    assert rs256_signature_ok(token, keys.public_pem)
    header, claims = decode(token)
    assert header == {"alg": "RS256", "kid": f"{JAAS_APP}/{JAAS_KEY}", "typ": "JWT"}
    off = {"livestreaming": "false", "recording": "false", "transcription": "false"}
    assert claims == {
        "aud": "jitsi",
        "iss": "chat",
        "sub": JAAS_APP,
        "room": meeting.meeting_id,
        "iat": epoch(T0),
        "nbf": epoch(STARTS - timedelta(minutes=30)),
        "exp": epoch(ENDS + timedelta(minutes=30)),
        "context": {
            "user": {
                "id": "mem_guest",
                "name": "Jane Doe",
                "moderator": "false",
                "hidden-from-recorder": "false",
            },
            "features": {**off, "outbound-call": "false"},
        },
    }
    _, host_claims = decode(token_of(host.join_url.reveal()))
    assert host_claims["context"]["user"]["moderator"] == "true"


def test_jaas_features_are_switched_on_for_the_host_only(
    make_provider: MakeProvider, jaas: dict[str, Any]
) -> None:
    provider = make_provider({**jaas, "features": "recording, transcription"})
    meeting = provider.create_meeting(request())
    host, guest = provider.register(meeting, [HOST, GUEST])
    host_features = decode(token_of(host.join_url.reveal()))[1]["context"]["features"]
    guest_features = decode(token_of(guest.join_url.reveal()))[1]["context"]["features"]
    assert host_features == {
        "livestreaming": "false",
        "recording": "true",
        "transcription": "true",
        "outbound-call": "false",
    }
    assert set(guest_features.values()) == {"false"}
    assert set(guest_features) == set(host_features)


def test_only_the_host_is_a_moderator_whatever_the_order(
    make_provider: MakeProvider, self_hosted: dict[str, Any], jaas: dict[str, Any]
) -> None:
    for options in (self_hosted, jaas):
        provider = make_provider(options)
        meeting = provider.create_meeting(request())
        registrations = provider.register(meeting, [GUEST, QUIET, HOST])
        moderators = [
            decode(token_of(r.join_url.reveal()))[1]["context"]["user"]["moderator"]
            for r in registrations
        ]
        assert moderators == ["false", "false", "true"]
        assert [r.member_id for r in registrations] == [
            GUEST.member_id,
            QUIET.member_id,
            HOST.member_id,
        ]


def test_user_context_holds_only_strings_and_no_email_unless_asked(
    make_provider: MakeProvider, self_hosted: dict[str, Any]
) -> None:
    provider = make_provider(self_hosted)
    meeting = provider.create_meeting(request())
    quiet, guest = provider.register(meeting, [QUIET, GUEST])
    quiet_user = decode(token_of(quiet.join_url.reveal()))[1]["context"]["user"]
    assert quiet_user == {"id": "mem_quiet", "name": "퍼포먼스장인", "moderator": "false"}
    assert "email" not in decode(token_of(guest.join_url.reveal()))[1]["context"]["user"]

    sharing = make_provider({**self_hosted, "share_email": "true"})
    meeting = sharing.create_meeting(request())
    quiet, guest = sharing.register(meeting, [QUIET, GUEST])
    user = decode(token_of(guest.join_url.reveal()))[1]["context"]["user"]
    assert user["email"] == "jane@example.com"
    # No address is left out, never sent as null (Jitsi throws on null).
    assert "email" not in decode(token_of(quiet.join_url.reveal()))[1]["context"]["user"]
    for registration in (quiet, guest):
        values = decode(token_of(registration.join_url.reveal()))[1]["context"]["user"].values()
        assert all(isinstance(v, str) for v in values)


def test_the_window_runs_from_before_the_start_to_after_the_end(
    make_provider: MakeProvider, self_hosted: dict[str, Any], clock: proforum.ManualClock
) -> None:
    provider = make_provider({**self_hosted, "join_before_minutes": "10", "grace_after_minutes": 5})
    meeting = provider.create_meeting(request())
    (registration,) = provider.register(meeting, [GUEST])
    token = token_of(registration.join_url.reveal())
    claims = decode(token)[1]
    assert claims["nbf"] == epoch(STARTS - timedelta(minutes=10))
    assert claims["exp"] == epoch(ENDS + timedelta(minutes=5))
    # The testing helper agrees about when the token works.
    with pytest.raises(TokenInvalid, match="not valid yet"):
        verify_hs256(token, SECRET, now=STARTS - timedelta(minutes=11))
    assert verify_hs256(token, SECRET, now=STARTS - timedelta(minutes=10))
    assert verify_hs256(token, SECRET, now=ENDS + timedelta(minutes=4))
    with pytest.raises(TokenInvalid, match="expired"):
        verify_hs256(token, SECRET, now=ENDS + timedelta(minutes=5))
    # Registering late, during the meeting, gives the same window.
    clock.set(STARTS + timedelta(minutes=20))
    (late,) = provider.register(meeting, [QUIET])
    late_claims = decode(token_of(late.join_url.reveal()))[1]
    assert (late_claims["nbf"], late_claims["exp"]) == (claims["nbf"], claims["exp"])
    assert late_claims["iat"] == epoch(STARTS + timedelta(minutes=20))


def test_after_the_grace_no_token_is_issued(
    make_provider: MakeProvider, self_hosted: dict[str, Any], clock: proforum.ManualClock
) -> None:
    provider = make_provider(self_hosted)
    meeting = provider.create_meeting(request())
    clock.set(ENDS + timedelta(minutes=30))
    with pytest.raises(VideoProviderError) as caught:
        provider.register(meeting, [GUEST])
    assert caught.value.params == {
        "provider": "jitsi",
        "operation": "register",
        "reason": "the meeting is over",
    }


def test_a_meeting_this_process_did_not_create_gets_the_ttl_from_now(
    make_provider: MakeProvider, self_hosted: dict[str, Any], clock: proforum.ManualClock
) -> None:
    meeting = make_provider(self_hosted).create_meeting(request())
    restarted = make_provider({**self_hosted, "token_ttl_minutes": 90})
    clock.advance(timedelta(days=9, hours=8))
    (registration,) = restarted.register(meeting, [GUEST])
    claims = decode(token_of(registration.join_url.reveal()))[1]
    now = clock.now()
    assert claims["nbf"] == epoch(now) - 10
    assert claims["exp"] == epoch(now + timedelta(minutes=90))
    window = restarted.token_window(meeting)
    assert window.expires - window.not_before == timedelta(minutes=90, seconds=10)


def test_moving_the_meeting_moves_the_window_of_new_tokens(
    make_provider: MakeProvider, self_hosted: dict[str, Any]
) -> None:
    provider = make_provider(self_hosted)
    meeting = provider.create_meeting(request())
    provider.register(meeting, [GUEST])
    later = timedelta(days=1)
    moved = provider.update_meeting(meeting, request(STARTS + later, ENDS + later))
    assert moved.meeting_id == meeting.meeting_id
    assert moved.join_url.reveal() == meeting.join_url.reveal()
    claims = decode(token_of(provider.join_link(moved, GUEST.member_id).reveal()))[1]
    assert claims["exp"] == epoch(ENDS + later + timedelta(minutes=30))


def test_join_link_gives_registered_members_a_fresh_personal_token(
    make_provider: MakeProvider, self_hosted: dict[str, Any], clock: proforum.ManualClock
) -> None:
    provider = make_provider(self_hosted)
    meeting = provider.create_meeting(request())
    provider.register(meeting, [HOST, GUEST])
    clock.advance(timedelta(minutes=1))
    host_link = provider.join_link(meeting, HOST.member_id).reveal()
    claims = verify_hs256(token_of(host_link), SECRET)
    assert claims["context"]["user"] == {"id": "mem_host", "name": "김운영", "moderator": "true"}
    assert claims["iat"] == epoch(T0 + timedelta(minutes=1))
    # Somebody who was never registered gets the room without a token.
    assert provider.join_link(meeting, MemberId("mem_other")) == meeting.join_url


def test_meetings_long_over_are_forgotten(
    make_provider: MakeProvider, self_hosted: dict[str, Any], clock: proforum.ManualClock
) -> None:
    provider = make_provider(self_hosted)
    old = provider.create_meeting(request())
    provider.register(old, [GUEST])
    clock.set(ENDS + timedelta(minutes=30))
    provider.create_meeting(request(STARTS + timedelta(days=7), ENDS + timedelta(days=7)))
    # The old meeting's schedule and the people registered for it are gone.
    assert provider.join_link(old, GUEST.member_id) == old.join_url
    assert provider.token_window(old).expires == clock.now() + timedelta(hours=3)


def test_revoke_stops_new_tokens_but_cannot_recall_issued_ones(
    make_provider: MakeProvider, self_hosted: dict[str, Any]
) -> None:
    provider = make_provider(self_hosted)
    meeting = provider.create_meeting(request())
    (registration,) = provider.register(meeting, [GUEST])
    provider.revoke(meeting, registration)
    assert provider.join_link(meeting, GUEST.member_id) == meeting.join_url
    # The token handed out before still verifies: JWTs cannot be withdrawn.
    assert verify_hs256(token_of(registration.join_url.reveal()), SECRET)
    provider.revoke(meeting, registration)  # twice is fine


def test_cancel_forgets_the_room(make_provider: MakeProvider, self_hosted: dict[str, Any]) -> None:
    provider = make_provider(self_hosted)
    meeting = provider.create_meeting(request())
    provider.register(meeting, [GUEST])
    provider.cancel_meeting(meeting)
    provider.cancel_meeting(meeting)  # already gone: not an error
    assert provider.join_link(meeting, GUEST.member_id) == meeting.join_url


@pytest.mark.parametrize(
    "meeting",
    [
        MeetingRef("zoom", "proforum-" + "a" * 32, Secret("https://zoom.us/j/1")),
        MeetingRef("jitsi", "../admin?x=" + "a" * 32, Secret("https://meet.example.com/x")),
        MeetingRef("jitsi", "proforum-" + "A" * 32, Secret("https://meet.example.com/x")),
        MeetingRef("jitsi", "short", Secret("https://meet.example.com/x")),
    ],
    ids=["other-provider", "path-injection", "uppercase", "too-short"],
)
def test_foreign_or_damaged_meetings_are_refused(
    make_provider: MakeProvider, self_hosted: dict[str, Any], meeting: MeetingRef
) -> None:
    provider = make_provider(self_hosted)
    calls = [
        lambda: provider.register(meeting, [GUEST]),
        lambda: provider.join_link(meeting, GUEST.member_id),
        lambda: provider.revoke(meeting, Registration(GUEST.member_id, Secret("x"))),
        lambda: provider.cancel_meeting(meeting),
        lambda: provider.update_meeting(meeting, request()),
        lambda: provider.token(meeting, GUEST),
    ]
    for call in calls:
        with pytest.raises(VideoProviderError) as caught:
            call()
        assert caught.value.params["provider"] == "jitsi"
        assert meeting.meeting_id not in str(caught.value)


def test_token_alone_is_the_same_token_a_link_carries(
    make_provider: MakeProvider, self_hosted: dict[str, Any]
) -> None:
    provider = make_provider(self_hosted)
    meeting = provider.create_meeting(request())
    (registration,) = provider.register(meeting, [HOST])
    assert provider.token(meeting, HOST).reveal() == token_of(registration.join_url.reveal())


def test_the_testing_helpers_read_and_check_tokens(
    make_provider: MakeProvider, jaas: dict[str, Any], keys: KeyPair
) -> None:
    provider = make_provider(jaas)
    meeting = provider.create_meeting(request())
    (registration,) = provider.register(meeting, [GUEST])
    token = token_from_link(registration.join_url)
    assert token == token_of(registration.join_url.reveal())
    header, claims = decode_unverified(token)
    assert (header, claims) == decode(token)
    kid = f"{JAAS_APP}/{JAAS_KEY}"
    assert verify_rs256(token, keys.public_pem, kid=kid, now=STARTS) == claims
    with pytest.raises(TokenInvalid, match="another key"):
        verify_rs256(token, keys.public_pem, kid="other")
    with pytest.raises(TokenInvalid, match="not signed with HS256"):
        verify_hs256(token, SECRET)
    with pytest.raises(TokenInvalid):
        token_from_link(meeting.join_url)
    for broken in ("", "a.b", "a.b.c", "e30.W10.", "!!.e30.e30"):
        with pytest.raises(TokenInvalid):
            decode_unverified(broken)


def test_room_names_have_the_documented_shape(
    make_provider: MakeProvider, self_hosted: dict[str, Any]
) -> None:
    provider = make_provider({**self_hosted, "room_prefix": ""})
    meeting = provider.create_meeting(request(meetup="MTP_Ünïcode/../x"))
    assert is_room_name(meeting.meeting_id)
    assert re.fullmatch(r"mtpncodex-[a-z2-7]{32}", meeting.meeting_id)
