"""Use cases of the in-app inbox and of the message relay."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from proforum.domain.common import MemberId, MessageId, check_id
from proforum.domain.notification import InboxItem, Message
from proforum.errors import InvalidInput, NotFound, NotOwner
from proforum.i18n import render
from proforum.ports.notifier import RenderedMessage
from proforum.services.base import DeliveryReport, ForumBase


@attrs.frozen
class InboxEntry:
    """One inbox item with its text in the reader's language."""

    item: InboxItem
    text: RenderedMessage

    @property
    def unread(self) -> bool:
        """Tell whether the member has not read it yet."""
        return self.item.read_at is None


class InboxUseCases(ForumBase):
    """Reading the in-app inbox, and pushing the outbox through the notifiers."""

    def inbox(self, actor: MemberId, *, unread_only: bool = False) -> Sequence[InboxEntry]:
        """Return the actor's inbox, newest first, rendered in their language."""
        with self._transaction() as tx:
            member = tx.member(actor)
            items = tx.uow.inbox.for_recipient(actor)
        entries = []
        for item in items:
            if unread_only and item.read_at is not None:
                continue
            as_message = Message(
                id=item.message_id,
                recipient_id=item.recipient_id,
                kind=item.kind,
                channel="inbox",
                created_at=item.delivered_at,
                params=item.params,
            )
            entries.append(InboxEntry(item, render(as_message, member.locale, member.time_zone)))
        return entries

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

    def deliver_pending(self, *, limit: int = 1000) -> DeliveryReport:
        """Deliver up to ``limit`` pending messages through their notifiers.

        Forums opened with ``deliver="manual"`` call this from a worker; by
        default every use case delivers its own messages right after commit, and
        this call only retries those that failed.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInput(limit)
        return self._relay(None, limit)

    def outbox(self) -> Sequence[Message]:
        """Every message ever written, oldest first (for operators and tests)."""
        with self._transaction() as tx:
            return tx.uow.messages.all()
