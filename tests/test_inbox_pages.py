"""The inbox in pages: keyset cursors, unread only, counts, marking everything read."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from forum_world import LINK, World, assert_unchanged
from proforum import InboxEntry, InboxPage
from proforum.domain.common import MemberId, MessageId
from proforum.domain.notification import InboxItem, MessageKind
from proforum.errors import InvalidCursor, InvalidInput, NotFound
from proforum.services.inbox import decode_cursor, encode_cursor

ITEMS = 45


def fill_inbox(world: World, member: MemberId, count: int = ITEMS) -> list[InboxItem]:
    """``count`` items, three to a delivery time (the id breaks ties), every fifth read."""
    now = world.clock.now()
    items = [
        InboxItem(
            MessageId(f"msg_page_{n:03d}"),
            member,
            MessageKind.MEETING_LINK,
            now + timedelta(minutes=n // 3),
            {"meetup_title": f"모임 {n}", "starts_at": now.isoformat(), "link": LINK},
            read_at=now + timedelta(days=1) if n % 5 == 0 else None,
        )
        for n in range(count)
    ]
    with world.forum.storage.unit_of_work() as uow:
        for item in items:
            uow.inbox.add(item)
        uow.commit()
    return sorted(items, key=lambda i: (i.delivered_at, i.message_id), reverse=True)


def page_through(world: World, member: MemberId, **options: object) -> list[InboxPage]:
    pages = [world.forum.inbox(member, **options)]  # type: ignore[arg-type]
    while pages[-1].next_cursor is not None:
        pages.append(world.forum.inbox(member, before=pages[-1].next_cursor, **options))  # type: ignore[arg-type]
    return pages


def test_pages_walk_the_whole_inbox_newest_first(world: World) -> None:
    member = world.members[0].id
    newest = fill_inbox(world, member)
    pages = page_through(world, member)
    assert [len(p) for p in pages] == [20, 20, 5]
    assert [e.item for p in pages for e in p] == newest
    assert pages[-1].next_cursor is None
    assert all(isinstance(p.next_cursor, str) for p in pages[:-1])
    # Entries are rendered in the member's language.
    assert pages[0][0].text.subject
    assert pages[0][0].unread == (pages[0][0].item.read_at is None)


@pytest.mark.parametrize("size", [1, 7, 20, 44, 45, 100])
def test_any_page_size_gives_every_item_once(world: World, size: int) -> None:
    member = world.members[0].id
    newest = fill_inbox(world, member)
    pages = page_through(world, member, limit=size)
    assert [e.item for p in pages for e in p] == newest
    assert all(len(p) <= size for p in pages)


def test_unread_only_pages_and_counts(world: World) -> None:
    member = world.members[0].id
    newest = fill_inbox(world, member)
    unread = [i for i in newest if i.read_at is None]
    pages = page_through(world, member, unread_only=True, limit=10)
    assert [e.item for p in pages for e in p] == unread
    assert world.forum.unread_count(member) == len(unread) == 36

    first = world.forum.inbox(member, limit=3)
    world.forum.mark_read(member, first[0].item.message_id)
    assert world.forum.unread_count(member) == 35
    # A cursor from the full listing works for the unread listing too.
    after = world.forum.inbox(member, unread_only=True, before=first.next_cursor, limit=100)
    assert [e.item.message_id for e in after] == [
        i.message_id
        for i in unread
        if (i.delivered_at, i.message_id)
        < (
            first[2].item.delivered_at,
            first[2].item.message_id,
        )
    ]


def test_mark_all_read(world: World) -> None:
    member, other = world.members[0].id, world.members[1].id
    fill_inbox(world, member)
    others_before = world.forum.unread_count(other)
    assert world.forum.mark_all_read(member) == 36
    assert world.forum.unread_count(member) == 0
    assert world.forum.inbox(member, unread_only=True) == []
    assert world.forum.mark_all_read(member) == 0
    assert world.forum.unread_count(other) == others_before
    read_at = {e.item.read_at for e in world.forum.inbox(member, limit=100)}
    assert world.clock.now() in read_at


def test_a_page_is_still_a_list_of_entries(world: World) -> None:
    """Code written when inbox() returned a list keeps working."""
    world.open_meetup()
    member = world.members[0].id
    page = world.forum.inbox(member)
    assert len(page) == 1
    assert isinstance(page[0], InboxEntry)
    assert page[:1] == (page[0],)
    assert list(page) == [page[0]]
    assert page == [page[0]]
    assert page != []
    assert world.forum.inbox(world.outsider.id) == []
    assert page == world.forum.inbox(member)
    assert LINK not in repr(world.forum.inbox(member))


def test_the_cursor_round_trips_and_is_opaque(world: World) -> None:
    member = world.members[0].id
    newest = fill_inbox(world, member)
    page = world.forum.inbox(member, limit=4)
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor) == (newest[3].delivered_at, newest[3].message_id)
    assert decode_cursor(encode_cursor(newest[3].delivered_at, newest[3].message_id)) == (
        newest[3].delivered_at,
        newest[3].message_id,
    )
    assert newest[3].message_id not in page.next_cursor


def _cursor(value: object) -> str:
    text = json.dumps(value).encode()
    return "i1." + base64.urlsafe_b64encode(text).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("", id="empty"),
        pytest.param("nonsense", id="no-prefix"),
        pytest.param("i1.!!!", id="not-base64"),
        pytest.param("i1." + "A" * 300, id="too-long"),
        pytest.param(_cursor(["2026-12-01T01:00:00+00:00"]), id="one-part"),
        pytest.param(_cursor({"at": 1, "id": 2}), id="object"),
        pytest.param(_cursor(["yesterday", "msg_1"]), id="bad-time"),
        pytest.param(_cursor(["2026-12-01T01:00:00", "msg_1"]), id="naive-time"),
        pytest.param(_cursor(["2026-12-01T01:00:00+00:00", "../etc"]), id="bad-id"),
        pytest.param(_cursor(["2026-12-01T01:00:00+00:00", 7]), id="number-id"),
        pytest.param(_cursor(["0001-01-01T00:00:00+01:00", "msg_1"]), id="overflow"),
        pytest.param("i1." + base64.urlsafe_b64encode(b"\xff\xfe").decode(), id="not-utf8"),
        pytest.param(12, id="an-int"),
        pytest.param(("2026", "msg_1"), id="a-tuple"),
    ],
)
def test_a_malformed_cursor_is_refused_and_changes_nothing(world: World, cursor: object) -> None:
    member = world.members[0].id
    fill_inbox(world, member, 5)
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.inbox(member, before=cursor),  # type: ignore[arg-type]
        InvalidCursor,
    )
    assert exc.code == "input.cursor"
    assert "next_cursor" in exc.message_ko
    assert "next_cursor" in exc.message_en


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"limit": 0}, id="limit-0"),
        pytest.param({"limit": 101}, id="limit-101"),
        pytest.param({"limit": True}, id="limit-bool"),
        pytest.param({"limit": "20"}, id="limit-str"),
        pytest.param({"unread_only": "yes"}, id="unread-str"),
    ],
)
def test_bad_page_options_are_refused(world: World, options: dict[str, object]) -> None:
    member = world.members[0].id
    assert_unchanged(
        world.forum,
        lambda: world.forum.inbox(member, **options),  # type: ignore[arg-type]
        InvalidInput,
    )


@pytest.mark.parametrize("call", ["unread_count", "mark_all_read", "inbox"])
def test_an_unknown_member_has_no_inbox(world: World, call: str) -> None:
    exc = assert_unchanged(
        world.forum, lambda: getattr(world.forum, call)(MemberId("mem_nobody")), NotFound
    )
    assert exc.params["entity"] == "member"
