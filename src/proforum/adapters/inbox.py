"""The ``inbox`` notifier: messages members read inside the host application."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from proforum.domain.identity import Member
from proforum.domain.notification import ADDRESS_PARAM, InboxItem, Message
from proforum.errors import DeliveryRejected
from proforum.ports.context import AdapterContext
from proforum.ports.notifier import RenderedMessage


@attrs.frozen
class InboxNotifier:
    """Delivers a message by putting it in the recipient's in-app inbox.

    Delivery is idempotent: delivering the same message id twice keeps one item,
    so a relay that retries after a crash never shows a message twice.

    A message addressed to an e-mail address (a company-verification code) is
    refused for good: putting it where the member reads it would let them
    verify a mailbox they never opened.  proforum does not give it such
    messages; the refusal guards a notifier that wraps it.
    """

    context: AdapterContext = attrs.field(repr=False)
    name: str = "inbox"

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        """Store ``message`` in ``recipient``'s inbox unless it is already there.

        :raises DeliveryRejected: the message must go to an e-mail address.
        """
        if ADDRESS_PARAM in message.params:
            raise DeliveryRejected(None, reason="addressed_elsewhere")
        with self.context.storage.unit_of_work() as uow:
            if uow.inbox.get(message.id) is None:
                uow.inbox.add(
                    InboxItem(
                        message_id=message.id,
                        recipient_id=recipient.id,
                        kind=message.kind,
                        delivered_at=self.context.clock.now(),
                        params=message.params,
                    )
                )
            uow.commit()


@attrs.frozen
class InboxNotifierFactory:
    """Registers :class:`InboxNotifier` under the name ``inbox``."""

    name: str = "inbox"

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> InboxNotifier:
        """Build the notifier over the forum's own storage."""
        return InboxNotifier(context)
