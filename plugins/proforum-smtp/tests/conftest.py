"""Real SMTP servers on loopback for the plugin's tests.

- :class:`MailServer`: aiosmtpd in a thread, on a free port, in clear text, with
  STARTTLS (required) or with implicit TLS, optionally with AUTH; its
  :class:`Mailbox` handler records every accepted envelope and can be switched
  to answer 451, answer 550 or hang up in the middle of a transaction.
- :class:`RawServer`: a bare TCP server for what aiosmtpd cannot be made to do:
  never answer at all, or hang up right after accepting.
- ``closed_port``: a port nothing listens on (connections are refused) that a
  test can later start a real server on.
"""

from __future__ import annotations

import asyncio
import email
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from email import policy
from email.message import EmailMessage
from typing import Any, Literal
from zoneinfo import ZoneInfo

import attrs
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from proforum_smtp import ID_HEADER, SmtpNotifier, SmtpNotifierFactory

import proforum
from proforum.adapters.memory import MemoryStorage
from proforum.ports.context import AdapterContext

LOOPBACK = "127.0.0.1"
USERNAME = "community"
PASSWORD = "s3cr3t-Pa55-7f1d"
SENDER = "리멤버 커뮤니티 <community@example.com>"
SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)

Mode = Literal["accept", "tempfail", "reject", "hangup"]
Security = Literal["none", "starttls", "tls"]


def address_of(member: Any) -> str | None:
    """The host application's directory: every member has an address."""
    return f"{member.id}@members.example.com"


# --------------------------------------------------------------------------- aiosmtpd


@attrs.define
class Delivery:
    """One envelope the server accepted (or saw before hanging up)."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool

    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.data, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message


@attrs.define
class Mailbox:
    """An aiosmtpd handler that records envelopes and fails on demand."""

    mode: Mode = "accept"
    delivered: list[Delivery] = attrs.field(factory=list)
    dropped: list[Delivery] = attrs.field(factory=list)
    logins: list[tuple[str, str]] = attrs.field(factory=list)
    quits: int = 0

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.mode == "reject":
            return "550 5.1.1 <" + address + ">: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        assert server.transport is not None
        delivery = Delivery(
            mail_from=str(envelope.mail_from),
            rcpt_tos=list(envelope.rcpt_tos),
            data=bytes(envelope.original_content or b""),
            tls=server.transport.get_extra_info("ssl_object") is not None,
        )
        if self.mode == "tempfail":
            return "451 4.3.0 mailbox busy, try again later"
        if self.mode == "hangup":
            # The message went over the wire, but the client never hears back.
            self.dropped.append(delivery)
            server.transport.close()
            await asyncio.sleep(3600)  # cancelled when the connection is lost
        self.delivered.append(delivery)
        return "250 2.0.0 OK queued"

    async def handle_QUIT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.quits += 1
        return "221 Bye"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == USERNAME.encode()
            and data.password == PASSWORD.encode()
        )
        if ok:
            self.logins.append((mechanism, data.login.decode()))
        return AuthResult(success=ok, handled=False)

    def messages(self) -> list[EmailMessage]:
        return [d.parsed() for d in self.delivered]

    def received(self) -> list[tuple[str, str]]:
        """``(proforum message id, subject + text body)`` of every accepted e-mail."""
        out = []
        for message in self.messages():
            body = message.get_body(("plain",))
            assert body is not None
            out.append((str(message[ID_HEADER]), f"{message['subject']}\n{body.get_content()}"))
        return out


class _FreePortController(Controller):
    """aiosmtpd's controller, bound to the port the OS picks when ``port`` is 0."""

    def _create_server(self) -> Any:
        return self._bind()

    async def _bind(self) -> asyncio.AbstractServer:
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context
        )
        self.port = server.sockets[0].getsockname()[1]
        return server


@attrs.define
class Certificates:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost."""

    ca: trustme.CA
    server: ssl.SSLContext

    def client(self) -> ssl.SSLContext:
        """A client context that trusts the test CA, and verifies as usual."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


@attrs.define
class MailServer:
    USERNAME = USERNAME
    PASSWORD = PASSWORD
    SENDER = SENDER

    security: Security
    mailbox: Mailbox
    controller: Controller

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def options(self, certificates: Certificates, **overrides: Any) -> dict[str, Any]:
        """The notifier options that reach this server."""
        options: dict[str, Any] = {
            "host": LOOPBACK,
            "port": self.port,
            "security": self.security,
            "sender": SENDER,
            "address_of": address_of,
            "timeout": 5,
            "local_hostname": "forum.example.com",
        }
        if self.security != "none":
            options["ssl_context"] = certificates.client()
        options.update(overrides)
        return {k: v for k, v in options.items() if v is not None}

    def stop(self) -> None:
        self.controller.stop()


StartServer = Callable[..., MailServer]


@pytest.fixture(scope="session")
def certificates() -> Certificates:
    ca = trustme.CA()
    cert = ca.issue_cert(LOOPBACK, "localhost")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server)
    return Certificates(ca, server)


@pytest.fixture
def start_server(certificates: Certificates) -> Iterator[StartServer]:
    """Start aiosmtpd servers for one test; all are stopped afterwards."""
    running: list[MailServer] = []

    def start(
        security: Security = "none",
        *,
        auth: bool = False,
        exclude: tuple[str, ...] = (),
        port: int = 0,
        server_context: ssl.SSLContext | None = None,
    ) -> MailServer:
        mailbox = Mailbox()
        kwargs: dict[str, Any] = {"server_hostname": "mail.example.com"}
        tls_context = server_context or certificates.server
        if security == "starttls":
            kwargs.update(tls_context=tls_context, require_starttls=True)
        elif security == "tls":
            kwargs["ssl_context"] = tls_context
            # The whole connection is encrypted, which aiosmtpd's AUTH check
            # (made for STARTTLS) cannot see; it is safe to allow AUTH here.
            kwargs["auth_require_tls"] = False
        if auth:
            kwargs.update(authenticator=mailbox.authenticate, auth_exclude_mechanism=exclude)
            if security == "starttls":
                kwargs["auth_required"] = True
        controller = _FreePortController(mailbox, hostname=LOOPBACK, port=port, **kwargs)
        controller.start()
        server = MailServer(security, mailbox, controller)
        running.append(server)
        return server

    yield start
    for server in running:
        if server.controller._thread is not None:
            server.stop()


# --------------------------------------------------------------------------- raw TCP


class _RawHandler(socketserver.BaseRequestHandler):
    server: _RawTCPServer

    def handle(self) -> None:
        self.server.connections += 1
        if self.server.behaviour == "hangup":
            return  # accept, then close at once, before the greeting
        # "silent": say nothing and wait for the client to give up.
        self.request.settimeout(10)
        try:
            while self.request.recv(1024):
                pass
        except OSError:
            return
        self.server.closed_by_client += 1


class _RawTCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, behaviour: str) -> None:
        super().__init__((LOOPBACK, 0), _RawHandler)
        self.behaviour = behaviour
        self.connections = 0
        self.closed_by_client = 0


@attrs.define
class RawServer:
    server: _RawTCPServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def connections(self) -> int:
        return self.server.connections

    def wait_closed_by_client(self, count: int = 1, within: float = 5.0) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.server.closed_by_client >= count:
                return True
            time.sleep(0.01)
        return False


@pytest.fixture
def raw_server() -> Iterator[Callable[[str], RawServer]]:
    """Start bare TCP servers that ``"hangup"`` on connect or stay ``"silent"``."""
    running: list[RawServer] = []

    def start(behaviour: str) -> RawServer:
        server = _RawTCPServer(behaviour)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        raw = RawServer(server, thread)
        running.append(raw)
        return raw

    yield start
    for raw in running:
        raw.server.shutdown()
        raw.server.server_close()
        raw.thread.join(5)


class ReservedPort:
    """A port bound but not listening: connections are refused until it is released.

    No other program can take the port meanwhile, so a test can release it and
    start a real server on the very port a forum was configured with.
    """

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((LOOPBACK, 0))
        self.port = int(self._sock.getsockname()[1])

    def release(self) -> int:
        self._sock.close()
        return self.port


@pytest.fixture
def closed_port() -> Iterator[ReservedPort]:
    """A port where connections are refused (see :class:`ReservedPort`)."""
    reserved = ReservedPort()
    yield reserved
    reserved.release()


# --------------------------------------------------------------------------- notifiers


@pytest.fixture
def make_notifier() -> Callable[[dict[str, Any]], SmtpNotifier]:
    """Build an ``smtp`` notifier from options, as ``proforum.open()`` would."""

    def make(options: dict[str, Any]) -> SmtpNotifier:
        context = AdapterContext(MemoryStorage(), proforum.ManualClock(T0))
        return SmtpNotifierFactory().create(context, options)

    return make
