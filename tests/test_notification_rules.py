"""The rules under notification preferences, reminders and e-mail addresses, without storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proforum.domain.identity import EMAIL_MAX, check_email
from proforum.domain.notification import MessageKind
from proforum.domain.preferences import (
    DEFAULT_REMINDER_OFFSETS,
    MANDATORY_KINDS,
    MAX_REMINDER_OFFSET,
    NotificationPreference,
    check_reminder_offsets,
    offset_label,
    reminder_times,
)
from proforum.errors import InvalidEmail, InvalidInput, PreferenceLocked

START = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)  # 19:00 in Seoul

# --------------------------------------------------------------------------- e-mail

_ATOM = st.text(
    alphabet=st.sampled_from(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-"
    ),
    min_size=1,
    max_size=10,
)
_LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)


@given(st.lists(_ATOM, min_size=1, max_size=3), st.lists(_LABEL, min_size=2, max_size=4))
def test_ordinary_addresses_are_accepted_as_they_are(atoms: list[str], labels: list[str]) -> None:
    address = ".".join(atoms) + "@" + ".".join(labels)
    assert check_email(address) == address


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "kim",
        "kim@localhost",  # one label: no domain to deliver to
        "kim@@example.com",
        "kim min@example.com",
        "kim@exam ple.com",
        ".kim@example.com",
        "kim.@example.com",
        "kim..min@example.com",
        "김민수@example.com",  # internationalised local parts are refused, not half supported
        "kim@-example.com",
        "kim@example.com\n",
        '"kim"@example.com',
        "kim@[127.0.0.1]",
        "k" * 65 + "@example.com",
        "kim@" + "a" * 250 + ".com",
        None,
        42,
    ],
)
def test_addresses_that_could_not_be_delivered_are_refused(bad: object) -> None:
    with pytest.raises(InvalidEmail) as caught:
        check_email(bad)
    # The address is personal data: the message never repeats it.
    if isinstance(bad, str) and bad:
        assert bad not in str(caught.value)
    assert str(EMAIL_MAX) in caught.value.message_en


# --------------------------------------------------------------------------- preferences


@pytest.mark.parametrize("kind", sorted(MANDATORY_KINDS))
def test_a_message_every_member_must_get_cannot_be_switched_off(kind: MessageKind) -> None:
    with pytest.raises(PreferenceLocked) as caught:
        NotificationPreference("mem_a", "inbox", kind, enabled=False)
    assert kind.value in caught.value.message_ko
    assert NotificationPreference("mem_a", "inbox", kind, enabled=True).enabled


def test_the_mandatory_kinds_are_about_the_member_themselves() -> None:
    # Documented in docs/notifications.md: their seat, offer, link, a move or a cancellation, a code.
    assert {
        MessageKind.SELECTED,
        MessageKind.MEETING_LINK,
        MessageKind.MEETUP_CANCELLED,
        MessageKind.MEETUP_RESCHEDULED,
    } <= MANDATORY_KINDS
    assert MessageKind.MEETUP_ANNOUNCED not in MANDATORY_KINDS
    assert MessageKind.REMINDER not in MANDATORY_KINDS


# --------------------------------------------------------------------------- reminders


def test_default_reminders_are_a_day_and_an_hour_before() -> None:
    times = reminder_times(START, DEFAULT_REMINDER_OFFSETS, START - timedelta(days=3))
    assert times == [
        (timedelta(days=1), START - timedelta(days=1)),
        (timedelta(hours=1), START - timedelta(hours=1)),
    ]
    assert [offset_label(o) for o, _ in times] == ["1d", "1h"]


@given(
    st.lists(
        st.timedeltas(min_value=timedelta(minutes=1), max_value=MAX_REMINDER_OFFSET),
        min_size=1,
        max_size=5,
    ),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_only_reminders_still_ahead_are_planned(
    offsets: list[timedelta], before_start: timedelta
) -> None:
    checked = check_reminder_offsets(offsets)
    now = START - before_start
    planned = reminder_times(START, checked, now)
    assert all(due > now for _, due in planned)
    assert {o for o, _ in planned} == {o for o in checked if START - o > now}
    # Earliest first, one per offset.
    assert [due for _, due in planned] == sorted(due for _, due in planned)
    assert len({o for o, _ in planned}) == len(planned)


@pytest.mark.parametrize(
    "bad",
    [
        "1d",
        [timedelta(0)],
        [timedelta(hours=-1)],
        [MAX_REMINDER_OFFSET + timedelta(seconds=1)],
        [3600],
        None,
    ],
)
def test_reminder_offsets_are_checked(bad: object) -> None:
    with pytest.raises(InvalidInput):
        check_reminder_offsets(bad)
