"""The built-in ``inbox`` notifier and ``manual`` video provider keep their contracts."""

from __future__ import annotations

from typing import Any

import pytest

from proforum.adapters.inbox import InboxNotifier
from proforum.adapters.manual_video import ManualVideoProvider
from proforum.adapters.memory import MemoryStorage
from proforum.domain.notification import Message
from proforum.errors import InvalidMeetingLink
from proforum.i18n import render
from proforum.ports.clock import ManualClock
from proforum.ports.context import AdapterContext
from proforum.testing.contracts import (
    T0,
    NotifierContract,
    VideoProviderContract,
    sample_member,
    sample_message,
    sample_rendered,
)


class TestInboxNotifier(NotifierContract):
    @pytest.fixture
    def notifier(self) -> InboxNotifier:
        return InboxNotifier(AdapterContext(MemoryStorage(), ManualClock(T0)))

    def received(self, notifier: Any) -> list[tuple[str, str]]:
        # The inbox keeps the message's parameters and renders them when read.
        with notifier.context.storage.unit_of_work() as uow:
            items = uow.inbox.for_recipient(sample_member(1).id)
        texts = []
        for item in items:
            message = Message(
                id=item.message_id,
                recipient_id=item.recipient_id,
                kind=item.kind,
                channel="inbox",
                created_at=item.delivered_at,
                params=item.params,
            )
            rendered = render(message, "ko", "Asia/Seoul")
            texts.append((item.message_id, f"{rendered.subject}\n{rendered.body}"))
        return texts


def test_inbox_keeps_one_item_per_message_id() -> None:
    notifier = InboxNotifier(AdapterContext(MemoryStorage(), ManualClock(T0)))
    for _ in range(3):
        notifier.deliver(sample_message(1), sample_member(1), sample_rendered())
    with notifier.context.storage.unit_of_work() as uow:
        assert len(uow.inbox.all()) == 1


class TestManualVideoProvider(VideoProviderContract):
    @pytest.fixture
    def provider(self) -> ManualVideoProvider:
        return ManualVideoProvider()

    @pytest.fixture
    def options(self) -> dict[str, Any]:
        return {"join_url": "https://zoom.us/j/81234567890?pwd=abc"}


@pytest.mark.parametrize(
    "link",
    [
        None,
        "",
        "http://zoom.us/j/1",
        "javascript:alert(1)",
        "https://",
        "https://zoom.us/j/1 2",
        "https://zoom.us:99999/j/1",
        "https://zoom.us/j/1\nx",
        "https://" + "a" * 3000,
        12345,
    ],
)
def test_manual_provider_refuses_anything_but_an_https_link(link: object) -> None:
    request = VideoProviderContract._request({"join_url": link} if link is not None else {})
    with pytest.raises(InvalidMeetingLink) as caught:
        ManualVideoProvider().create_meeting(request)
    if isinstance(link, str) and len(link) > len("https://"):
        assert link not in str(caught.value)
        assert link not in repr(caught.value)


def test_manual_provider_gives_everyone_the_hosts_link() -> None:
    provider = ManualVideoProvider()
    meeting = provider.create_meeting(
        VideoProviderContract._request({"join_url": "https://zoom.us/j/1"})
    )
    assert meeting.meeting_id.startswith("manual-")
    assert "zoom.us" not in meeting.meeting_id
    links = {provider.join_link(meeting, sample_member(n).id).reveal() for n in (1, 2, 3)}
    assert links == {"https://zoom.us/j/1"}
