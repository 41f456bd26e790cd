"""No secret, key, token or link in a log record, an exception or a repr().

One run goes through everything the provider does in both modes, failures
included, with every logger at DEBUG; then each piece of text that could end
up in a log is searched for every secret the run handled.
"""

from __future__ import annotations

import logging
import pickle
import traceback
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from jitsi_support import ENDS, GUEST, HOST, QUIET, SECRET, request
from proforum_jitsi import JitsiProviderFactory, parse_options
from proforum_jitsi.tokens import HmacSigner, RsaSigner

import proforum
from proforum.domain.common import MemberId
from proforum.errors import ProforumError

if TYPE_CHECKING:
    from proforum_jitsi.testing import KeyPair

    from conftest import MakeProvider


class Run:
    """Collects what a run produced that might be printed, and the secrets it handled."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.secrets: set[str] = set()
        #: Room names: secret on a deployment without tokens, but the core's
        #: MeetingRef shows its meeting_id in repr() (see the README).
        self.rooms: set[str] = set()
        self.refs: list[str] = []

    def show(self, *objects: Any) -> None:
        for obj in objects:
            self.texts += [repr(obj), str(obj)]

    def show_ref(self, *refs: Any) -> None:
        for ref in refs:
            self.refs += [repr(ref), str(ref)]

    def fails(self, call: Callable[[], Any]) -> None:
        with pytest.raises(ProforumError) as caught:
            call()
        error = caught.value
        self.show(error, error.params, error.message("ko"), error.message("en"))
        self.texts.append("".join(traceback.format_exception(error)))
        self.texts.append(repr(pickle.loads(pickle.dumps(error)).params))


@pytest.fixture
def run(caplog: pytest.LogCaptureFixture) -> Iterator[Run]:
    collected = Run()
    with caplog.at_level(logging.DEBUG):
        yield collected
    collected.texts.append(caplog.text)
    collected.texts += [r.getMessage() for r in caplog.records]


def exercise(run: Run, provider: Any, clock: proforum.ManualClock) -> None:
    run.show(provider, provider.settings, provider.settings.signer, JitsiProviderFactory())
    meeting = provider.create_meeting(request())
    run.rooms.add(meeting.meeting_id)
    registrations = provider.register(meeting, [HOST, GUEST, QUIET])
    links = [r.join_url.reveal() for r in registrations]
    links.append(provider.join_link(meeting, HOST.member_id).reveal())
    links.append(provider.token(meeting, GUEST).reveal())
    run.secrets.update(links)
    run.secrets.update(link.rsplit("jwt=", 1)[-1] for link in links)
    run.show_ref(meeting)
    run.show(*registrations, provider.token_window(meeting), HOST, GUEST)
    run.show(provider.join_link(meeting, MemberId("mem_other")), meeting.join_url)
    moved = provider.update_meeting(meeting, request(ENDS, ENDS + timedelta(hours=1)))
    run.show_ref(moved)
    provider.revoke(meeting, registrations[1])
    run.fails(lambda: provider.register(meeting.__class__("zoom", "1", meeting.join_url), [GUEST]))
    clock.advance(timedelta(days=30))
    run.fails(lambda: provider.register(meeting, [GUEST]))
    provider.cancel_meeting(meeting)
    run.show(provider)


def assert_clean(run: Run, extra: set[str]) -> None:
    secrets = run.secrets | extra
    assert secrets
    assert run.rooms
    for text in run.texts:
        for secret in secrets | run.rooms:
            assert secret not in text, (secret[:12], text[:200])
    for text in run.refs:
        for secret in secrets:
            assert secret not in text, (secret[:12], text[:200])
    # The people's names and addresses stay out too.
    for text in run.texts:
        for personal in ("Jane Doe", "김운영", "jane@example.com", "host@example.com"):
            assert personal not in text


def test_self_hosted_run_leaks_nothing(
    run: Run, make_provider: MakeProvider, self_hosted: dict[str, Any], clock: proforum.ManualClock
) -> None:
    exercise(run, make_provider({**self_hosted, "share_email": True}), clock)
    run.fails(lambda: make_provider({**self_hosted, "secret": SECRET[:20]}))
    run.fails(lambda: make_provider({**self_hosted, "algorithm": "HS1", "secret": SECRET}))
    run.fails(lambda: make_provider({**self_hosted, SECRET: 1}))
    assert_clean(run, {SECRET, SECRET[:20]})


def test_jaas_run_leaks_nothing(
    run: Run,
    make_provider: MakeProvider,
    jaas: dict[str, Any],
    keys: KeyPair,
    clock: proforum.ManualClock,
) -> None:
    exercise(run, make_provider(jaas), clock)
    damaged = keys.private_pem.replace("A", "B", 3)
    run.fails(lambda: make_provider({**jaas, "private_key": damaged}))
    run.fails(lambda: make_provider({**jaas, "private_key": keys.private_pem[:300]}))
    run.fails(lambda: make_provider({**jaas, "private_key": keys.public_pem}))
    key_lines = {
        line
        for pem in (keys.private_pem, damaged)
        for line in pem.splitlines()
        if "-----" not in line
    }
    assert_clean(run, key_lines)


def test_signers_and_settings_hide_their_keys(jaas: dict[str, Any], keys: KeyPair) -> None:
    hmac_signer = HmacSigner(SECRET.encode())
    assert repr(hmac_signer) == "HmacSigner(algorithm='HS256', secret='***')"
    rsa_signer = parse_options(jaas).signer
    assert isinstance(rsa_signer, RsaSigner)
    assert "private_key='***'" in repr(rsa_signer)
    assert "PRIVATE" not in repr(parse_options(jaas))
    assert "PRIVATE" not in repr(keys)
