"""Real HTTP receivers on loopback for the plugin's tests.

- :class:`Receiver`: a ``ThreadingHTTPServer`` on 127.0.0.1 and a free port, in
  clear text or TLS (certificates from ``trustme``).  Every POST is checked
  with :func:`proforum_webhook.verify` exactly as a real receiver would, and
  recorded with what was answered.  A script makes it answer given statuses,
  hang before answering, hang up, or reset the connection.
- ``closed_port``: a port nothing listens on (connections are refused) that a
  test can later start a receiver on.
- ``make_notifier``: the ``webhook`` notifier built by its factory, as
  ``proforum.open()`` builds it, on a manual clock shared with the receivers.
"""

from __future__ import annotations

import base64
import collections
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from zoneinfo import ZoneInfo

import attrs
import pytest
import trustme
from proforum_webhook import (
    ReplayGuard,
    WebhookEvent,
    WebhookNotifier,
    WebhookNotifierFactory,
    WebhookVerificationFailed,
    verify,
)

import proforum
from proforum.adapters.memory import MemoryStorage
from proforum.ports.context import AdapterContext

LOOPBACK = "127.0.0.1"
SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)


def make_secret(label: str) -> str:
    """A fixed, recognisable ``whsec_`` secret (32 bytes) for the tests."""
    return "whsec_" + base64.b64encode(label.encode().ljust(32, b"-")).decode()


SECRET = make_secret("proforum-webhook-test-secret")
OLD_SECRET = make_secret("proforum-webhook-old-secret")
#: The path and query of the receiver's URL stand for an access token: they must
#: never show in a log, an error or a repr.
TOKEN = "T0k3n-9f8e7d6c5b4a"
PATH = f"/hooks/{TOKEN}"

#: An answer: a status, a status with a ``Retry-After`` value, or a way of not answering.
Behaviour = int | tuple[int, str] | Literal["slow", "hangup", "reset"]


@attrs.define
class Request:
    """One POST the receiver got, checked with ``verify``, and what it answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    event: WebhookEvent | None
    error: str | None
    status: int | None  # None: hung up or reset without answering

    @property
    def accepted(self) -> bool:
        """Verified and answered with a success."""
        return self.event is not None and self.status is not None and 200 <= self.status < 300


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    receiver: Receiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        behaviour = receiver.next_behaviour()
        event: WebhookEvent | None = None
        error: str | None = None
        try:
            event = verify(
                self.headers, body, receiver.secrets, now=receiver.now(), seen=receiver.guard
            )
        except WebhookVerificationFailed as exc:
            error = exc.code
        request = Request(
            self.path,
            {name.lower(): value for name, value in self.headers.items()},
            body,
            event,
            error,
            None,
        )
        receiver.record(request)
        if behaviour in ("hangup", "reset"):
            if behaviour == "reset":
                # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            self.close_connection = True
            return
        if behaviour == "slow":
            receiver.release.wait(timeout=10)
            behaviour = 204
        retry_after: str | None = None
        if isinstance(behaviour, tuple):
            status, retry_after = behaviour
        elif isinstance(behaviour, int):
            status = behaviour
        elif error is None:
            status = 204
        elif error == "webhook.replayed":
            status = 200  # already handled: the sender must stop retrying
        else:
            status = 401
        request.status = status
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", receiver.url("/moved"))
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean


class Receiver:
    """A webhook endpoint on loopback that verifies and records what it gets."""

    def __init__(
        self,
        *,
        secrets: str | list[str],
        now: Callable[[], datetime],
        guard: ReplayGuard | None,
        tls: ssl.SSLContext | None,
        port: int,
    ) -> None:
        self.secrets = secrets
        self.now = now
        self.guard = guard
        self.tls = tls is not None
        self.requests: list[Request] = []
        self.script: collections.deque[Behaviour] = collections.deque()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server((LOOPBACK, port), _Handler)
        self._server.receiver = self
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = PATH, query: str = "?v=2") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{LOOPBACK}:{self.port}{path}{query}"

    def options(self, **overrides: Any) -> dict[str, Any]:
        """Notifier options that reach this receiver; ``None`` drops an option."""
        options: dict[str, Any] = {"url": self.url(), "secret": SECRET, "timeout": 2}
        options.update(overrides)
        return {k: v for k, v in options.items() if v is not None}

    def answer(self, *behaviours: Behaviour) -> None:
        """Answer the next requests so, in order; afterwards answer as a real receiver."""
        self.script.extend(behaviours)

    def next_behaviour(self) -> Behaviour | None:
        with self._lock:
            return self.script.popleft() if self.script else None

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def accepted(self) -> list[WebhookEvent]:
        """Every request verified and answered with a success, in order."""
        return [r.event for r in self.requests if r.accepted and r.event is not None]

    def received(self) -> list[tuple[str, str]]:
        """``(message id, subject + body)`` of every accepted request (the contract's view)."""
        return [(e.message_id, f"{e.subject}\n{e.body}") for e in self.accepted()]

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


StartReceiver = Callable[..., Receiver]


@attrs.define
class Certificates:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost."""

    ca: trustme.CA
    server: ssl.SSLContext

    def client(self) -> ssl.SSLContext:
        """A client context that trusts the test CA and verifies as usual."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


@pytest.fixture(scope="session")
def certificates() -> Certificates:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(LOOPBACK, "localhost").configure_cert(server)
    return Certificates(ca, server)


@pytest.fixture
def clock() -> proforum.ManualClock:
    """The time the notifier signs with and the receivers check against."""
    return proforum.ManualClock(T0)


@pytest.fixture
def start_receiver(
    clock: proforum.ManualClock, certificates: Certificates
) -> Iterator[StartReceiver]:
    """Start receivers for one test; all are stopped afterwards."""
    running: list[Receiver] = []

    def start(
        *,
        secrets: str | list[str] = SECRET,
        tls: bool = False,
        port: int = 0,
        guard: ReplayGuard | None = None,
    ) -> Receiver:
        receiver = Receiver(
            secrets=secrets,
            now=clock.now,
            guard=guard,
            tls=certificates.server if tls else None,
            port=port,
        )
        running.append(receiver)
        return receiver

    yield start
    for receiver in running:
        receiver.stop()


@pytest.fixture
def receiver(start_receiver: StartReceiver) -> Receiver:
    return start_receiver()


class ReservedPort:
    """A port bound but not listening: connections are refused until it is released."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((LOOPBACK, 0))
        self.port = int(self._sock.getsockname()[1])

    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}{PATH}"

    def options(self, **overrides: Any) -> dict[str, Any]:
        """Notifier options pointing at this port."""
        return {"url": self.url(), "secret": SECRET, "timeout": 1, **overrides}

    def release(self) -> int:
        self._sock.close()
        return self.port


@pytest.fixture
def closed_port() -> Iterator[ReservedPort]:
    reserved = ReservedPort()
    yield reserved
    reserved.release()


MakeNotifier = Callable[[dict[str, Any]], WebhookNotifier]


@pytest.fixture
def make_notifier(clock: proforum.ManualClock) -> MakeNotifier:
    """Build a ``webhook`` notifier from options, as ``proforum.open()`` would."""

    def make(options: dict[str, Any]) -> WebhookNotifier:
        context = AdapterContext(MemoryStorage(), clock)
        return WebhookNotifierFactory().create(context, options)

    return make
