"""A notifier that delivers to e-mail addresses, for the employer-verification tests.

:class:`Mailbox` is named ``mail`` and says ``delivers_to_address = True``, so
forums give it the codes meant for company addresses.  It keeps what a person
reading each mailbox would see: the address, the subject and the body, from
which :meth:`Mailbox.code_for` reads the code the way a member would.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import attrs
import pluggy

import proforum
from forum_world import World, build_world
from proforum import ManualClock, SeededIds
from proforum.domain.identity import Member
from proforum.domain.notification import ADDRESS_PARAM, Message
from proforum.ports.context import AdapterContext
from proforum.ports.notifier import Notifier, NotifierFactory, RenderedMessage

CODE = re.compile(r"\b([0-9]{6})\b")
#: The company address the tests verify with; its pieces must never leak.
ADDRESS = "minji.kim@remember-corp.co.kr"
ADDRESS_PIECES = (ADDRESS, "minji.kim", "minji")


@attrs.frozen
class Letter:
    """One e-mail as it landed in a mailbox."""

    message_id: str
    member_id: str
    address: str = attrs.field(repr=False)
    subject: str
    body: str = attrs.field(repr=False)


class Mailbox:
    """Delivers each message to its ``to_address`` (or the member's own) and keeps it.

    Set :attr:`failure` to make deliveries raise it, as a mail server that is
    down would.
    """

    name = "mail"
    delivers_to_address = True

    def __init__(self) -> None:
        self.letters: list[Letter] = []
        self.failure: Exception | None = None
        self._lock = threading.Lock()

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        """Keep the e-mail, or raise :attr:`failure`."""
        with self._lock:
            if self.failure is not None:
                raise self.failure
            address = message.params.get(ADDRESS_PARAM) or recipient.email or "-"
            self.letters.append(
                Letter(message.id, recipient.id, address, rendered.subject, rendered.body)
            )

    def to(self, address: str) -> list[Letter]:
        """The letters that reached ``address``, oldest first."""
        with self._lock:
            return [letter for letter in self.letters if letter.address == address]

    def code_for(self, address: str) -> str:
        """The code in the last letter to ``address``, read from its body as a person would."""
        letters = self.to(address)
        assert letters, f"nothing was sent to {address}"
        found = CODE.search(letters[-1].body)
        assert found is not None, "the letter holds no six-digit code"
        return found.group(1)

    def __repr__(self) -> str:
        return f"Mailbox(letters={len(self.letters)})"


@attrs.frozen
class MailboxFactory:
    """Hands the forum one given :class:`Mailbox`."""

    mailbox: Mailbox
    name: str = "mail"

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> Notifier:
        """Return the mailbox itself, so the test reads what the forum sent."""
        return self.mailbox


@attrs.frozen
class MailPlugin:
    """A plugin registering a :class:`Mailbox` as the ``mail`` notifier."""

    mailbox: Mailbox

    @proforum.hookimpl
    def proforum_register_notifiers(self) -> list[NotifierFactory]:
        """Provide the mailbox."""
        return [MailboxFactory(self.mailbox)]


def mail_forum(
    url: str,
    clock: ManualClock,
    mailbox: Mailbox,
    *,
    plugin_manager: pluggy.PluginManager | None = None,
    **options: Any,
) -> proforum.Forum:
    """A forum on ``url`` delivering through the inbox and ``mailbox``."""
    pm = plugin_manager or proforum.get_plugin_manager(load_entrypoints=False)
    pm.register(MailPlugin(mailbox))
    options.setdefault("ids", SeededIds("verification"))
    return proforum.open(url, clock=clock, plugin_manager=pm, notifier=("inbox", "mail"), **options)


@attrs.define
class MailWorld:
    """The story's cast on a forum with a mailbox."""

    world: World
    mailbox: Mailbox

    @property
    def forum(self) -> proforum.Forum:
        """The forum."""
        return self.world.forum


@contextmanager
def mail_world(url: str, clock: ManualClock, **options: Any) -> Iterator[MailWorld]:
    """The cast on a forum at ``url`` with a mailbox, closed when the block ends."""
    mailbox = Mailbox()
    with mail_forum(url, clock, mailbox, **options) as forum:
        yield MailWorld(build_world(forum, clock), mailbox)
