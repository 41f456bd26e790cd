"""Notification choices in storage behave like a dictionary, on every backend.

A Hypothesis property puts random choices (the same key again and again,
switched on and off) into a memory and a SQLite storage and compares
``for_member``, ``all`` and ``switched_off`` with a plain dictionary of the last
choice per key.  Also: the testing kit's strategies and factories know about
choices, e-mail addresses, subjects and cancelled messages.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import proforum
from proforum.adapters.memory import MemoryStorage
from proforum.adapters.sql.storage import SqlStorageFactory
from proforum.domain.common import MemberId
from proforum.domain.identity import Member, check_email
from proforum.domain.notification import DeliveryStatus, Message, MessageKind
from proforum.domain.preferences import MANDATORY_KINDS, NotificationPreference
from proforum.ports.storage import Storage
from proforum.serialization import structure, unstructure
from proforum.testing import strategies
from proforum.testing.factories import MemberFactory

KINDS = [MessageKind.MEETUP_ANNOUNCED, MessageKind.REMINDER, MessageKind.SELECTED]
CHANNELS = ["inbox", "smtp", "Webhook"]  # "Webhook" sorts first, by code point

#: A choice as (member number, channel, kind, enabled); mandatory kinds only on.
choices = st.tuples(
    st.integers(0, 3), st.sampled_from(CHANNELS), st.sampled_from(KINDS), st.booleans()
).map(lambda c: c if c[2] not in MANDATORY_KINDS else (*c[:3], True))

_examples = itertools.count()


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def storage(request: pytest.FixtureRequest) -> Iterator[Storage]:
    """A storage shared by the examples; each example uses members of its own."""
    opened: Storage = (
        MemoryStorage()
        if request.param == "memory"
        else SqlStorageFactory().open("sqlite:///:memory:")
    )
    yield opened
    opened.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    written=st.lists(choices, max_size=25),
    commits=st.integers(1, 3),
    kind=st.sampled_from(KINDS),
    channels=st.lists(st.sampled_from(CHANNELS), unique=True),
    asked=st.none() | st.lists(st.integers(0, 5)),
)
def test_choices_behave_like_the_last_write_per_key(
    storage: Storage,
    written: list[tuple[int, str, MessageKind, bool]],
    commits: int,
    kind: MessageKind,
    channels: list[str],
    asked: list[int] | None,
) -> None:
    example = next(_examples)
    members = [MemberId(f"mem_{example:05d}_{n}") for n in range(6)]
    model: dict[tuple[str, str, str], NotificationPreference] = {}
    # Written over a few units of work: replacing works across commits too.
    size = -(-len(written) // commits) or 1
    for start in range(0, len(written), size):
        with storage.unit_of_work() as uow:
            for n, channel, chosen_kind, enabled in written[start : start + size]:
                choice = NotificationPreference(members[n], channel, chosen_kind, enabled)
                uow.preferences.put(choice)
                model[(choice.member_id, choice.channel, choice.kind.value)] = choice
            uow.commit()
    wanted = None if asked is None else [members[n] for n in asked]
    with storage.unit_of_work() as uow:
        ours = [p for p in uow.preferences.all() if p.member_id in members]
        assert ours == [model[k] for k in sorted(model)]
        for member in members:
            mine = sorted((k[1], k[2]) for k in model if k[0] == member)
            assert [(p.channel, p.kind.value) for p in uow.preferences.for_member(member)] == mine
        expected = {
            (p.member_id, p.channel)
            for p in model.values()
            if p.kind is kind
            and not p.enabled
            and p.channel in channels
            and (wanted is None or p.member_id in wanted)
        }
        off = uow.preferences.switched_off(kind, channels, wanted)
        assert {pair for pair in off if pair[0] in members} == expected
        if wanted is not None:
            assert off == expected


# --------------------------------------------------------------------------- the testing kit


@settings(max_examples=50, deadline=None)
@given(strategies.notification_preferences())
def test_generated_choices_are_valid_and_survive_serialization(
    choice: NotificationPreference,
) -> None:
    assert choice.enabled or choice.kind not in MANDATORY_KINDS
    assert structure(json.loads(json.dumps(unstructure(choice))), NotificationPreference) == choice


@settings(max_examples=30, deadline=None)
@given(st.from_type(NotificationPreference))
def test_choices_are_registered_with_hypothesis(choice: NotificationPreference) -> None:
    assert type(choice) is NotificationPreference


@settings(max_examples=100, deadline=None)
@given(strategies.emails())
def test_generated_emails_are_accepted(email: str) -> None:
    assert check_email(email) == email


@settings(max_examples=50, deadline=None)
@given(st.from_type(Member), strategies.messages())
def test_generated_members_and_messages_round_trip_through_sqlite(
    member: Member, message: Message
) -> None:
    storage = SqlStorageFactory().open("sqlite:///:memory:")
    try:
        with storage.unit_of_work() as uow:
            uow.members.add(member)
            uow.messages.add_many([message])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.members.get(member.id) == member
            assert uow.messages.get(message.id) == message
    finally:
        storage.close()


@settings(max_examples=30, deadline=None)
@given(strategies.messages(statuses=["cancelled"]))
def test_generated_cancelled_messages_hold_no_claim(message: Message) -> None:
    assert message.status is DeliveryStatus.CANCELLED
    assert (message.claimed_by, message.claimed_until) == (None, None)


def test_the_member_factory_passes_the_email_on() -> None:
    with proforum.open("memory://") as forum:
        make_member = MemberFactory(forum)
        member = make_member(email="kim.marketer@example.co.kr")
        assert member.email == "kim.marketer@example.co.kr"
        assert make_member().email is None
        with forum.storage.unit_of_work() as uow:
            assert uow.members.get(member.id) == member
