"""The notifier port: how messages reach members (in-app inbox, email, webhooks...).

Every notifier implements :class:`Notifier`.  One optional capability,
checked with ``getattr`` before proforum relies on it:

* :class:`AddressedDelivery` — deliver a message to the e-mail address named
  in its parameters (``to_address``) instead of the member's own.  Codes that
  prove a member controls a company mailbox go only to such notifiers.
"""

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


class AddressedDelivery(Protocol):
    """A notifier that can send a message to an address the message names.

    It sets the class attribute ``delivers_to_address = True``.  When a
    message's parameters hold
    :data:`~proforum.domain.notification.ADDRESS_PARAM` (``"to_address"``), it
    delivers to that address and to nothing else: not to the member's own
    address, not to an inbox the member reads (that would hand the member the
    code without their ever reading the company mailbox).  Only notifiers
    with the capability are given such messages.  The address, like the code
    it carries, must not be logged.
    """

    delivers_to_address: bool


class NotifierFactory(Protocol):
    """What ``proforum_register_notifiers`` returns."""

    @property
    def name(self) -> str:
        """The name configuration refers to this adapter by."""
        raise NotImplementedError

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> Notifier:
        """Build the notifier for one forum."""
