"""The ``smtp`` notifier and its factory: one SMTP connection per delivered message."""

from __future__ import annotations

import contextlib
import functools
import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any, ClassVar

import attrs

from proforum.domain.identity import Member
from proforum.domain.notification import ADDRESS_PARAM, Message
from proforum.ports.context import AdapterContext
from proforum.ports.notifier import RenderedMessage
from proforum_smtp.compose import compose
from proforum_smtp.errors import (
    EmailAddressInvalid,
    EmailAddressMissing,
    SmtpDeliveryFailed,
    SmtpNotConfigured,
    SmtpRecipientRefused,
)
from proforum_smtp.options import SmtpSettings, parse_options, split_address

log = logging.getLogger("proforum_smtp")

NAME = "smtp"


@attrs.frozen
class SmtpNotifier:
    """Sends each message as an e-mail through the configured SMTP server.

    Returning means the server accepted the message (``250`` after ``DATA``).
    Anything else raises, so proforum keeps the message pending and retries it
    with the same ``Message-ID``:

    - :class:`~proforum_smtp.errors.SmtpDeliveryFailed` when the server cannot be
      reached, times out, hangs up, fails TLS or login, or answers 4xx/5xx;
    - :class:`~proforum_smtp.errors.EmailAddressMissing` when the host
      application has no address for the member (the message ends ``failed``
      after the forum's maximum attempts, visible in the outbox, rather than
      being dropped silently);
    - :class:`~proforum_smtp.errors.EmailAddressInvalid` for a malformed address;
    - :class:`~proforum_smtp.errors.SmtpNotConfigured` when the forum was opened
      without ``notifier_options["smtp"]``.

    ``settings`` is ``None`` for a forum opened without SMTP settings.

    A message naming an address of its own (``to_address``: a verification
    code for a company mailbox) goes to that address only, never to the
    member's: see :class:`proforum.ports.notifier.AddressedDelivery`.
    """

    #: proforum may hand it messages that must reach an address they name.
    delivers_to_address: ClassVar[bool] = True

    settings: SmtpSettings | None
    name: str = NAME

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        """Send ``message`` to its ``to_address``, else to ``recipient``'s address, or raise."""
        settings = self.settings
        if settings is None:
            raise SmtpNotConfigured(None)
        named = message.params.get(ADDRESS_PARAM)
        address = named if named is not None else settings.address_of(recipient)
        if address is None:
            raise EmailAddressMissing(None, member_id=recipient.id, message_id=message.id)
        parts = split_address(address)
        if parts is None:
            raise EmailAddressInvalid(None, member_id=recipient.id, message_id=message.id)
        mail = compose(message, recipient, rendered, sender=settings.sender, to=Address("", *parts))
        send(settings, mail, recipient=address, message_id=message.id)
        log.info("message %s accepted by %s:%d", message.id, settings.host, settings.port)


@attrs.frozen
class SmtpNotifierFactory:
    """Registers :class:`SmtpNotifier` under the name ``smtp``."""

    name: str = NAME

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> SmtpNotifier:
        """Check the options and build the notifier; nothing is connected here.

        proforum builds every installed notifier for every forum, so an empty
        mapping (a forum that does not use e-mail) gives an unconfigured
        notifier instead of an error.  Any other mapping is checked in full.

        :raises SmtpOptionInvalid: an option is unknown, missing or malformed.
        """
        if not options:
            return SmtpNotifier(None)
        return SmtpNotifier(parse_options(options))


@functools.cache
def _default_tls_context() -> ssl.SSLContext:
    # Verifies the server's certificate and host name against the system's CAs.
    return ssl.create_default_context()


def send(settings: SmtpSettings, mail: EmailMessage, *, recipient: str, message_id: str) -> None:
    """Hand ``mail`` to the server over a new connection, closed whatever happens.

    :raises SmtpDeliveryFailed: with the stage that failed, the exception's type
        name and the server's reply code.  The exception is raised outside the
        ``except`` block, so it carries no ``__context__`` that could hold a
        reply text, an address or the password.
    """
    tls = settings.ssl_context or _default_tls_context()
    stage = "connect"
    client: smtplib.SMTP | None = None
    failure: SmtpDeliveryFailed | None = None
    accepted = False
    try:
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                local_hostname=settings.local_hostname,
                timeout=settings.timeout,
                context=tls,
            )
        else:
            client = smtplib.SMTP(
                settings.host,
                settings.port,
                local_hostname=settings.local_hostname,
                timeout=settings.timeout,
            )
        if settings.security == "starttls":
            stage = "starttls"
            # Raises SMTPNotSupportedError when the server does not offer
            # STARTTLS: never fall back to clear text.
            client.starttls(context=tls)
        if settings.username is not None and settings.password is not None:
            stage = "login"
            client.login(settings.username, settings.password.reveal())
        stage = "send"
        refused = client.send_message(
            mail, from_addr=settings.sender.addr_spec, to_addrs=[recipient]
        )
        if refused:  # only possible with several recipients; kept for safety
            failure = _failed(message_id, stage, "SMTPRecipientsRefused", _reply(refused))
        else:
            accepted = True
    except smtplib.SMTPRecipientsRefused as exc:
        failure = _failed(message_id, stage, type(exc).__name__, _reply(exc.recipients))
        if failure.permanent:
            failure = SmtpRecipientRefused(None, **failure.params)
    except smtplib.SMTPResponseException as exc:
        failure = _failed(message_id, stage, type(exc).__name__, exc.smtp_code)
    except Exception as exc:
        failure = _failed(message_id, stage, _reason(exc), None)
    finally:
        if client is not None:
            if accepted:
                with contextlib.suppress(Exception):
                    client.quit()  # the message is accepted; a failed QUIT changes nothing
            client.close()
    if failure is not None:
        log.warning(
            "message %s not sent: %s at %s (reply %s)",
            message_id,
            failure.params["reason"],
            stage,
            failure.params["reply_code"],
        )
        raise failure


def _failed(message_id: str, stage: str, reason: str, reply: int | None) -> SmtpDeliveryFailed:
    return SmtpDeliveryFailed(
        None,
        message_id=message_id,
        stage=stage,
        reason=reason,
        reply_code=reply if reply is not None else "-",
    )


def _reply(refused: Mapping[str, tuple[int, bytes]]) -> int | None:
    return next((code for code, _ in refused.values()), None)


def _reason(exc: BaseException) -> str:
    # smtplib reports a read that timed out as a lost connection; say what it was.
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(
        exc.__context__, TimeoutError
    ):
        return "TimeoutError"
    return type(exc).__name__
