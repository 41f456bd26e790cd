"""Use cases of the in-app inbox: pages of it, unread counts, marking items read."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import overload

import attrs

from proforum.domain.common import MemberId, MessageId, check_id
from proforum.domain.identity import Member
from proforum.domain.notification import InboxItem, Message
from proforum.errors import InvalidInput, NotFound, NotOwner
from proforum.i18n import render
from proforum.ports.notifier import RenderedMessage
from proforum.services.base import ForumBase
from proforum.services.cursors import decode_position, encode_position

#: The most items one inbox page may hold.
INBOX_PAGE_MAX = 100
_CURSOR_PREFIX = "i1."


@attrs.frozen
class InboxEntry:
    """One inbox item with its text in the reader's language."""

    item: InboxItem
    text: RenderedMessage

    @property
    def unread(self) -> bool:
        """Tell whether the member has not read it yet."""
        return self.item.read_at is None


@attrs.frozen(eq=False)
class InboxPage(Sequence[InboxEntry]):
    """A page of a member's inbox, newest first.

    ``next_cursor`` is an opaque string to pass as ``before`` for the next
    (older) page, or ``None`` when this page is the last.  The page is also a
    sequence of its entries (``len(page)``, ``page[0]``, ``for entry in
    page``, ``page == []``), so code written when :meth:`~InboxUseCases.inbox`
    returned a list keeps working.
    """

    entries: tuple[InboxEntry, ...]
    next_cursor: str | None = None

    @overload
    def __getitem__(self, index: int) -> InboxEntry: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[InboxEntry]: ...

    def __getitem__(self, index: int | slice) -> InboxEntry | Sequence[InboxEntry]:
        return self.entries[index]

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[InboxEntry]:
        return iter(self.entries)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, InboxPage):
            return (self.entries, self.next_cursor) == (other.entries, other.next_cursor)
        if isinstance(other, list | tuple):
            return list(self.entries) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def encode_cursor(delivered_at: datetime, message_id: MessageId) -> str:
    """The opaque cursor of the position just after ``(delivered_at, message_id)``."""
    return encode_position(_CURSOR_PREFIX, delivered_at, message_id)


def decode_cursor(cursor: object) -> tuple[datetime, MessageId]:
    """The keyset position held by a cursor from :func:`encode_cursor`.

    :raises InvalidCursor: ``cursor`` is not such a string.
    """
    at, ident = decode_position(cursor, _CURSOR_PREFIX, "message_id")
    return at, MessageId(ident)


def _entry(item: InboxItem, member: Member) -> InboxEntry:
    as_message = Message(
        id=item.message_id,
        recipient_id=item.recipient_id,
        kind=item.kind,
        channel="inbox",
        created_at=item.delivered_at,
        params=item.params,
    )
    return InboxEntry(item, render(as_message, member.locale, member.time_zone))


class InboxUseCases(ForumBase):
    """Reading the in-app inbox and marking it read: each member their own only."""

    def inbox(
        self,
        actor: MemberId,
        *,
        unread_only: bool = False,
        limit: int = 20,
        before: str | None = None,
    ) -> InboxPage:
        """Return a page of the actor's inbox, newest first, rendered in their language.

        Pass the page's ``next_cursor`` as ``before`` for the next, older
        page (keyset pagination: a deep page costs the same as the first).
        ``unread_only`` leaves out what the actor has read already; a cursor
        works with either setting.

        :raises NotFound: the actor does not exist.
        :raises InvalidInput: ``limit`` is not 1 to 100, or ``unread_only``
            is not a bool.
        :raises InvalidCursor: ``before`` is not a cursor this method returned.
        """
        if (
            isinstance(limit, bool)
            or not isinstance(limit, int)
            or not 1 <= limit <= INBOX_PAGE_MAX
        ):
            raise InvalidInput(limit)
        if not isinstance(unread_only, bool):
            raise InvalidInput(unread_only)
        position = None if before is None else decode_cursor(before)
        with self._transaction() as tx:
            member = tx.member(actor)
            # One more than asked tells whether another page follows.
            items = list(
                tx.uow.inbox.page(actor, limit=limit + 1, before=position, unread_only=unread_only)
            )
        more = len(items) > limit
        items = items[:limit]
        last = items[-1] if more else None
        cursor = None if last is None else encode_cursor(last.delivered_at, last.message_id)
        return InboxPage(tuple(_entry(item, member) for item in items), cursor)

    def unread_count(self, actor: MemberId) -> int:
        """Return how many items of the actor's inbox are unread (one query).

        :raises NotFound: the actor does not exist.
        """
        with self._transaction() as tx:
            tx.member(actor)
            return tx.uow.inbox.unread_count(actor)

    def mark_read(self, actor: MemberId, message_id: MessageId) -> InboxItem:
        """Mark one of the actor's inbox items as read.

        :raises NotFound: no such item.
        :raises NotOwner: the item belongs to someone else.
        """
        with self._transaction() as tx:
            tx.member(actor)
            item = tx.uow.inbox.get(MessageId(check_id("message_id", message_id)))
            if item is None:
                raise NotFound(message_id, entity="message")
            if item.recipient_id != actor:
                raise NotOwner(message_id)
            if item.read_at is not None:
                return item
            read = attrs.evolve(item, read_at=tx.now)
            tx.uow.inbox.update(read)
        return read

    def mark_all_read(self, actor: MemberId) -> int:
        """Mark every unread item of the actor's inbox read, in one statement; return how many.

        :raises NotFound: the actor does not exist.
        """
        with self._transaction() as tx:
            tx.member(actor)
            return tx.uow.inbox.mark_all_read(actor, tx.now)
