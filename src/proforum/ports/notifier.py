"""The notifier port: how messages reach members (in-app inbox, email, webhooks...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import attrs

from proforum.domain.identity import Member
from proforum.domain.notification import Message
from proforum.ports.context import AdapterContext


@attrs.frozen
class RenderedMessage:
    """A message's text in the recipient's language; ``body`` may hold a link."""

    lang: str
    subject: str
    body: str = attrs.field(repr=False)


class Notifier(Protocol):
    """Delivers one message; raising means "not delivered, try again later"."""

    @property
    def name(self) -> str:
        """The name configuration refers to this adapter by."""
        raise NotImplementedError

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        """Send ``message`` to ``recipient``.  Use ``message.id`` as the idempotency key."""


class NotifierFactory(Protocol):
    """What ``proforum_register_notifiers`` returns."""

    @property
    def name(self) -> str:
        """The name configuration refers to this adapter by."""
        raise NotImplementedError

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> Notifier:
        """Build the notifier for one forum."""
