"""The contract every video provider keeps: ``VideoProviderContract``.

A provider package proves it with a few lines (import it from
:mod:`proforum.testing.contracts`)::

    import pytest
    from proforum.testing.contracts import VideoProviderContract

    class TestMyProvider(VideoProviderContract):
        @pytest.fixture
        def provider(self):
            with MyFakeServer() as server:
                yield MyProvider(base_url=server.url, ...)

The tests cover the required methods for every provider, and each optional
capability (moving and deleting meetings, registering participants,
attendance reports, webhooks) only where the provider has it: a provider
without ``register`` is simply not asked to register anybody.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from proforum.domain.common import MeetupId, MemberId, Secret
from proforum.domain.meetup import MeetingRef
from proforum.errors import ProforumError, WebhookRejected
from proforum.ports.video import (
    AttendanceEntry,
    MeetingRequest,
    Participant,
    Registration,
    WebhookResult,
)

#: When the contract's meeting starts: far enough ahead for any provider.
STARTS_AT = datetime(2030, 12, 10, 10, 0, tzinfo=UTC)


def _https(link: Secret) -> str:
    value = link.reveal()
    parts = urlsplit(value)
    assert parts.scheme == "https", "join links are https"
    assert parts.hostname, "join links name a host"
    return value


class VideoProviderContract:
    """Mixin of tests for a video provider; subclasses supply the ``provider`` fixture.

    Override the ``options`` fixture when the provider needs options to create a
    meeting (what a host passes to ``Forum.set_meeting``; the ``manual``
    provider needs a ``join_url``).
    """

    @pytest.fixture
    def provider(self) -> Any:
        """Return the provider under test."""
        raise NotImplementedError("define a `provider` fixture")

    @pytest.fixture
    def options(self) -> dict[str, Any]:
        """Return the meeting options a host would give."""
        return {}

    @staticmethod
    def _request(
        options: dict[str, Any], meetup: str = "mtp_0001", hours: int = 0
    ) -> MeetingRequest:
        """A meeting request for a two-hour meetup ``hours`` after :data:`STARTS_AT`."""
        starts = STARTS_AT + timedelta(hours=hours)
        return MeetingRequest(
            meetup_id=MeetupId(meetup),
            title="퍼포먼스 마케터끼리 만나요!",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            time_zone="Asia/Seoul",
            options=options,
        )

    @staticmethod
    def participants(n: int) -> list[Participant]:
        """``n`` participants, the first of them the host."""
        return [
            Participant(
                member_id=MemberId(f"mem_contract{i:03d}"),
                display_name=f"참가자 {i}",
                email=f"member{i}@example.com",
                host=i == 0,
            )
            for i in range(n)
        ]

    # -- required -------------------------------------------------------------

    def test_the_provider_has_a_name(self, provider: Any) -> None:
        """``name`` is what configuration and stored meetings refer to."""
        assert isinstance(provider.name, str)
        assert provider.name

    def test_a_meeting_is_created_with_an_https_link(
        self, provider: Any, options: dict[str, Any]
    ) -> None:
        """``create_meeting`` names the provider and gives an https link kept secret."""
        meeting = provider.create_meeting(self._request(options))
        assert isinstance(meeting, MeetingRef)
        assert meeting.provider == provider.name
        assert meeting.meeting_id
        link = _https(meeting.join_url)
        assert link not in repr(meeting)

    def test_join_links_are_https_and_secret(self, provider: Any, options: dict[str, Any]) -> None:
        """``join_link`` gives a member an https link that ``repr`` never shows."""
        meeting = provider.create_meeting(self._request(options))
        link = provider.join_link(meeting, MemberId("mem_contract000"))
        assert isinstance(link, Secret)
        value = _https(link)
        assert value not in repr(link)
        assert value not in repr(provider)

    def test_two_meetups_get_two_meetings(self, provider: Any, options: dict[str, Any]) -> None:
        """Meetings of different meetups are different meetings."""
        first = provider.create_meeting(self._request(options, "mtp_contract_a"))
        second = provider.create_meeting(self._request(options, "mtp_contract_b", hours=24))
        assert first.meeting_id != second.meeting_id

    # -- optional capabilities ------------------------------------------------

    @staticmethod
    def _capable(provider: Any, *names: str) -> None:
        if not all(callable(getattr(provider, n, None)) for n in names):
            pytest.skip(f"{provider.name} has no {' / '.join(names)}")

    def test_a_meeting_moves_and_keeps_its_id(self, provider: Any, options: dict[str, Any]) -> None:
        """``update_meeting`` returns the same meeting, moved."""
        self._capable(provider, "update_meeting")
        meeting = provider.create_meeting(self._request(options))
        moved = provider.update_meeting(meeting, self._request(options, hours=3))
        assert isinstance(moved, MeetingRef)
        assert moved.meeting_id == meeting.meeting_id
        assert moved.provider == provider.name

    def test_deleting_twice_is_not_an_error(self, provider: Any, options: dict[str, Any]) -> None:
        """``cancel_meeting`` on a meeting already deleted succeeds."""
        self._capable(provider, "cancel_meeting")
        meeting = provider.create_meeting(self._request(options))
        provider.cancel_meeting(meeting)
        provider.cancel_meeting(meeting)

    def test_each_participant_gets_their_own_link(
        self, provider: Any, options: dict[str, Any]
    ) -> None:
        """``register`` returns one registration per participant, in order, links distinct."""
        self._capable(provider, "register")
        meeting = provider.create_meeting(self._request(options))
        people = self.participants(35)  # more than one batch for batching providers
        registrations: Sequence[Registration] = provider.register(meeting, people)
        assert [r.member_id for r in registrations] == [p.member_id for p in people]
        links = [_https(r.join_url) for r in registrations]
        assert len(set(links)) == len(links)
        for registration, link in zip(registrations, links, strict=True):
            assert link not in repr(registration)

    def test_a_registration_can_be_revoked(self, provider: Any, options: dict[str, Any]) -> None:
        """``revoke`` accepts a registration ``register`` returned."""
        self._capable(provider, "register", "revoke")
        meeting = provider.create_meeting(self._request(options))
        (registration,) = provider.register(meeting, self.participants(1))
        provider.revoke(meeting, registration)

    def test_attendance_is_a_list_of_non_negative_times(
        self, provider: Any, options: dict[str, Any]
    ) -> None:
        """``attendance`` returns entries of whole, non-negative seconds."""
        self._capable(provider, "attendance")
        meeting = provider.create_meeting(self._request(options))
        entries: Sequence[AttendanceEntry] = provider.attendance(meeting)
        assert all(isinstance(e, AttendanceEntry) for e in entries)
        assert all(isinstance(e.seconds, int) and e.seconds >= 0 for e in entries)

    @pytest.mark.parametrize(
        "headers",
        [{}, {"x-zm-signature": "v0=00", "x-fake-signature": "00", "x-signature": "00"}],
        ids=["unsigned", "wrongly-signed"],
    )
    def test_an_unsigned_webhook_is_rejected(self, provider: Any, headers: dict[str, str]) -> None:
        """``verify_webhook`` refuses a call it cannot authenticate, with ``WebhookRejected``."""
        self._capable(provider, "verify_webhook")
        body = b'{"event": "meeting.participant_joined", "payload": {}}'
        with pytest.raises(WebhookRejected) as caught:
            provider.verify_webhook(headers, body, datetime.now(UTC))
        assert isinstance(caught.value, ProforumError)
        assert caught.value.params.get("provider") == provider.name

    def test_webhook_results_are_typed(self) -> None:
        """A :class:`WebhookResult` with nothing in it is a valid answer."""
        assert WebhookResult().events == ()
