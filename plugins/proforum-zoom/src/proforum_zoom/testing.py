"""A fake Zoom for tests: real HTTP on 127.0.0.1, the endpoints the provider uses.

Use it in application tests instead of mocking the provider::

    from proforum_zoom.testing import FakeZoom

    with FakeZoom() as zoom:
        forum = proforum.open("memory://", video_options={"zoom": zoom.options()})
        forum.set_meeting(host_id, meetup_id, provider="zoom")
        assert zoom.meetings  # what the provider created

It serves, with Zoom's status codes and ``{"code", "message"}`` error bodies:

* ``POST /oauth/token`` — Server-to-Server OAuth (Basic auth; parameters in
  the query or a form body); counts the tokens it issues;
* ``POST /v2/users/{user}/meetings``, ``GET /v2/users/{user}/meetings``
  (paged), ``GET|PATCH|DELETE /v2/meetings/{id}``;
* ``POST /v2/meetings/{id}/batch_registrants`` (at most 30),
  ``GET /v2/meetings/{id}/registrants`` (paged),
  ``PUT /v2/meetings/{id}/registrants/status``;
* ``GET /v2/past_meetings/{id or uuid}/participants`` (paged), decoding a
  UUID path segment twice and refusing one that needed double encoding but
  was encoded once.

Faults are queued per route with :meth:`FakeZoom.inject`: a status (``500``,
``429`` with ``Retry-After``), a slow answer, malformed JSON, an expired
token, each either *before* the route does its work or *after* it (the
ambiguous case: the meeting exists, the answer is lost).  Every request is
recorded in :attr:`FakeZoom.requests`.

Behaviour the reference marks as unconfirmed is chosen plausibly and
documented here: re-registering an address returns the same registrant (and
re-approves a cancelled one); batch registration on a meeting without
registration is ``400`` with code ``300``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

import attrs

__all__ = ["FakeZoom", "Fault", "Recorded", "signed_webhook"]

LOOPBACK = "127.0.0.1"
_START_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_MAX_PAGE = 300
_MAX_BATCH = 30

Reply = tuple[int, Any, Mapping[str, str]]


@attrs.frozen
class Fault:
    """One misbehaviour of the fake, for the next request of a route.

    Build them with the class methods.  ``after=True`` makes the route do its
    work first (create the meeting, register the people) and misbehave in
    the answer only.
    """

    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    malformed: bool = False
    expire_token: bool = False
    after: bool = False

    @classmethod
    def error(cls, status: int = 500, *, after: bool = False) -> Self:
        """Answer ``status`` with a Zoom error body."""
        return cls(status=status, after=after)

    @classmethod
    def rate_limited(cls, retry_after: str | None = "1") -> Self:
        """Answer ``429``; ``retry_after`` is seconds, a date, or ``None`` for no header."""
        return cls(status=429, retry_after=retry_after)

    @classmethod
    def slow(cls, seconds: float, *, after: bool = False) -> Self:
        """Wait ``seconds`` before answering (beyond a client's timeout, usually)."""
        return cls(delay=seconds, after=after)

    @classmethod
    def malformed_json(cls, *, after: bool = False) -> Self:
        """Answer the route's success status with a body that is not JSON."""
        return cls(malformed=True, after=after)

    @classmethod
    def token_expired(cls) -> Self:
        """Forget every issued token first: this request gets ``401`` (code 124)."""
        return cls(expire_token=True)


@attrs.frozen
class Recorded:
    """One request the fake received (the bearer token is not kept)."""

    method: str
    route: str
    #: Out of ``repr()``: it may hold the host's e-mail address.
    path: str = attrs.field(repr=False)
    query: Mapping[str, str] = attrs.field(repr=False)
    body: Any = attrs.field(repr=False)


def _error(status: int, code: int, message: str) -> Reply:
    return status, {"code": code, "message": message}, {}


def _now_z() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeZoom


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean (and tokens out of it)

    def _serve(self) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            reply = fake._handle(self.command, self.path, dict(self.headers.items()), raw)
        except _Hang as hang:
            # Slow: the work (and the answer) happen only after the wait, so a
            # client that timed out cannot tell whether the request took effect.
            fake._stopping.wait(hang.seconds)
            reply = hang.produce()
        if reply is None:
            return
        status, data, headers = reply
        if isinstance(data, bytes):
            body = data
        else:
            body = b"" if data is None else json.dumps(data).encode()
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if body:
                self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout) before the answer came


class _Hang(Exception):
    def __init__(self, seconds: float, produce: Callable[[], Reply | None]) -> None:
        super().__init__("hang")
        self.seconds = seconds
        self.produce = produce


class FakeZoom:
    """A Zoom account on loopback: OAuth, meetings, registrants, reports, faults.

    :param api_url: what the token answer names as the regional API base;
        this server by default.  Give another fake's URL to test that the
        provider follows it.
    """

    def __init__(
        self,
        *,
        account_id: str = "fake-account-id",
        client_id: str = "fake-client-id",
        # Fake credentials of a fake account: recognisable in leak scans.
        client_secret: str = "fake-client-secret-0123456789",  # noqa: S107
        user: str = "host@example.com",
        webhook_secret: str = "fake-webhook-secret-token-42",  # noqa: S107
        expires_in: int = 3600,
        api_url: str | None = None,
    ) -> None:
        self.account_id = account_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.user = user
        self.webhook_secret = webhook_secret
        self.expires_in = expires_in
        self._api_url = api_url
        self.requests: list[Recorded] = []
        #: Meetings by id, as Zoom would answer ``GET /meetings/{id}``.
        self.meetings: dict[str, dict[str, Any]] = {}
        #: Registrants by meeting id, then registrant id.
        self.registrants: dict[str, dict[str, dict[str, Any]]] = {}
        #: Past participants rows by meeting id or instance UUID.
        self.participants: dict[str, list[dict[str, Any]]] = {}
        self.tokens_issued = 0
        #: Every access token issued, expired or not (for leak scans in tests).
        self.issued_tokens: list[str] = []
        self._tokens: set[str] = set()
        self._faults: dict[str, list[Fault]] = {}
        self._pages: dict[str, int] = {}
        self._ids = itertools.count(81_234_567_890)
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"FakeZoom({where}, meetings={len(self.meetings)})"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Listen on 127.0.0.1 and a free port, serving from a background thread."""
        self._stopping.clear()
        self._server = _Server((LOOPBACK, 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging answers, stop serving and close the socket."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: both the OAuth and the API base."""
        if self._server is None:
            raise RuntimeError("the fake Zoom is not running")
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    def options(self, **overrides: Any) -> dict[str, Any]:
        """Provider options that reach this fake; an override of ``None`` drops an option."""
        options: dict[str, Any] = {
            "account_id": self.account_id,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "user": self.user,
            "webhook_secret": self.webhook_secret,
            "oauth_url": self.url,
            "api_url": self.url,
            "timeout": 2,
        }
        options.update(overrides)
        return {k: v for k, v in options.items() if v is not None}

    # ------------------------------------------------------------------ scripting

    def inject(self, route: str, *faults: Fault) -> None:
        """Misbehave on the next requests of ``route`` (``"*"``: any route), in order.

        Routes: ``token``, ``create_meeting``, ``list_meetings``,
        ``get_meeting``, ``update_meeting``, ``delete_meeting``,
        ``batch_registrants``, ``list_registrants``, ``registrant_status``,
        ``past_participants``.
        """
        with self._lock:
            self._faults.setdefault(route, []).extend(faults)

    def expire_tokens(self) -> None:
        """Make every issued token invalid: the next API call gets ``401``."""
        with self._lock:
            self._tokens.clear()

    def end_meeting(
        self, meeting_id: str, participants: list[dict[str, Any]], *, uuid: str | None = None
    ) -> None:
        """Record the participants rows of a meeting that took place.

        Rows are Zoom's: ``{id, name, user_email, registrant_id, join_time,
        leave_time, duration}``; missing ``id``/``name`` are filled in.
        """
        rows = [
            {"id": f"p{n}", "name": f"Participant {n}", "status": "in_meeting", **row}
            for n, row in enumerate(participants)
        ]
        with self._lock:
            self.participants[str(meeting_id)] = rows
            if uuid is not None:
                self.participants[uuid] = rows

    def routes(self) -> list[str]:
        """The route of every request so far, in order."""
        with self._lock:
            return [r.route for r in self.requests]

    def bodies(self, route: str) -> list[Any]:
        """The JSON bodies sent to ``route``, in order."""
        with self._lock:
            return [r.body for r in self.requests if r.route == route]

    # ------------------------------------------------------------------ dispatch

    def _take(self, route: str) -> Fault | None:
        with self._lock:
            for key in (route, "*"):
                queue = self._faults.get(key)
                if queue:
                    return queue.pop(0)
        return None

    def _handle(
        self, method: str, target: str, headers: Mapping[str, str], raw: bytes
    ) -> Reply | None:
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        lowered = {k.lower(): v for k, v in headers.items()}
        body: Any = None
        if raw and lowered.get("content-type", "").startswith("application/json"):
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        segments = parts.path.split("/")[1:]
        route, handler = self._route(method, segments, query, lowered, raw, body)
        with self._lock:
            self.requests.append(Recorded(method, route, parts.path, query, body))
        fault = self._take(route)
        if fault is not None and fault.expire_token:
            self.expire_tokens()
        if route != "token" and route != "unknown" and not self._authorised(lowered):
            return _error(401, 124, "Invalid access token.")
        if fault is not None and not fault.after:
            early = self._misbehave(fault, None)
            if fault.delay:
                raise _Hang(fault.delay, lambda: early or handler())
            if early is not None:
                return early
        reply = handler()
        if fault is not None and fault.after:
            late = self._misbehave(fault, reply)
            if fault.delay:
                raise _Hang(fault.delay, lambda: late or reply)
            if late is not None:
                return late
        return reply

    @staticmethod
    def _misbehave(fault: Fault, reply: Reply | None) -> Reply | None:
        if fault.status is not None:
            headers: dict[str, str] = {}
            if fault.status == 429:
                headers = {"X-RateLimit-Category": "Light", "X-RateLimit-Type": "QPS"}
                if fault.retry_after is not None:
                    headers["Retry-After"] = fault.retry_after
            return fault.status, {"code": fault.status, "message": "Injected fault."}, headers
        if fault.malformed:
            status = reply[0] if reply is not None and reply[0] != 204 else 200
            return status, b'{"id": 8123, "join_url": "https://zo', {}
        return None

    def _authorised(self, headers: Mapping[str, str]) -> bool:
        value = headers.get("authorization", "")
        with self._lock:
            return value.startswith("Bearer ") and value[7:] in self._tokens

    def _route(
        self,
        method: str,
        seg: list[str],
        query: Mapping[str, str],
        headers: Mapping[str, str],
        raw: bytes,
        body: Any,
    ) -> tuple[str, Callable[[], Reply]]:
        n = len(seg)
        if method == "POST" and seg == ["oauth", "token"]:
            return "token", lambda: self._token(query, headers, raw)
        if n >= 2 and seg[0] == "v2":
            rest = seg[1:]
            if rest[0] == "users" and len(rest) == 3 and rest[2] == "meetings":
                user = unquote(rest[1])
                if method == "POST":
                    return "create_meeting", lambda: self._create(user, body)
                if method == "GET":
                    return "list_meetings", lambda: self._list_meetings(user, query)
            if rest[0] == "meetings" and len(rest) >= 2:
                meeting = unquote(rest[1])
                tail = rest[2:]
                if not tail:
                    if method == "GET":
                        return "get_meeting", lambda: self._get(meeting)
                    if method == "PATCH":
                        return "update_meeting", lambda: self._patch(meeting, body)
                    if method == "DELETE":
                        return "delete_meeting", lambda: self._delete(meeting)
                if tail == ["batch_registrants"] and method == "POST":
                    return "batch_registrants", lambda: self._batch(meeting, body)
                if tail == ["registrants"] and method == "GET":
                    return "list_registrants", lambda: self._list_registrants(meeting, query)
                if tail == ["registrants", "status"] and method == "PUT":
                    return "registrant_status", lambda: self._status(meeting, body)
            if (
                rest[0] == "past_meetings"
                and len(rest) == 3
                and rest[2] == "participants"
                and method == "GET"
            ):
                return "past_participants", lambda: self._past(rest[1], query)
        return "unknown", lambda: _error(404, 404, "No such endpoint.")

    # ------------------------------------------------------------------ OAuth

    def _token(self, query: Mapping[str, str], headers: Mapping[str, str], raw: bytes) -> Reply:
        params = dict(query)
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update({k: v[-1] for k, v in parse_qs(raw.decode("ascii", "replace")).items()})
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if not hmac.compare_digest(headers.get("authorization", ""), f"Basic {expected}"):
            return (
                401,
                {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
                {},
            )
        if params.get("grant_type") != "account_credentials":
            return 400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}, {}
        if params.get("account_id") != self.account_id:
            return 400, {"reason": "Invalid account_id", "error": "invalid_request"}, {}
        token = "eyJ" + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens.add(token)
            self.issued_tokens.append(token)
            self.tokens_issued += 1
        return (
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.expires_in,
                "scope": "meeting:read:meeting:admin meeting:write:meeting:admin",
                "api_url": self._api_url or self.url,
            },
            {},
        )

    # ------------------------------------------------------------------ meetings

    def _create(self, user: str, body: Any) -> Reply:
        if user != self.user:
            return _error(404, 1001, "User does not exist.")
        if not isinstance(body, dict):
            return _error(400, 300, "Request Body should be a valid JSON object.")
        problem = self._check_schedule(body, creating=True)
        if problem:
            return _error(400, 300, problem)
        given = body.get("settings")
        settings: dict[str, Any] = given if isinstance(given, dict) else {}
        meeting_id = str(next(self._ids))
        password = secrets.token_hex(4)
        meeting = {
            "uuid": base64.b64encode(secrets.token_bytes(16)).decode(),
            "id": int(meeting_id),
            "host_id": "fakeHostId",
            "host_email": self.user,
            "topic": body["topic"],
            "type": body.get("type", 2),
            "status": "waiting",
            "start_time": body["start_time"],
            "duration": body["duration"],
            "timezone": body.get("timezone", "UTC"),
            "agenda": body.get("agenda", ""),
            "created_at": _now_z(),
            "password": password,
            "join_url": f"https://zoom.us/j/{meeting_id}?pwd={secrets.token_urlsafe(16)}",
            "start_url": f"https://zoom.us/s/{meeting_id}?zak={secrets.token_urlsafe(24)}",
            "settings": {
                "waiting_room": False,
                "join_before_host": False,
                "approval_type": 2,
                **settings,
            },
        }
        if meeting["settings"]["approval_type"] in (0, 1):
            meeting["registration_url"] = f"https://zoom.us/meeting/register/{meeting_id}"
        with self._lock:
            self.meetings[meeting_id] = meeting
            self.registrants[meeting_id] = {}
        return 201, meeting, {}

    @staticmethod
    def _check_schedule(body: Mapping[str, Any], *, creating: bool) -> str | None:
        if creating and body.get("type", 2) not in (1, 2, 3, 8):
            return "Invalid meeting type."
        topic = body.get("topic")
        if (creating or "topic" in body) and (not isinstance(topic, str) or len(topic) > 200):
            return "Invalid field: topic."
        start = body.get("start_time")
        if (creating or "start_time" in body) and (
            not isinstance(start, str) or not _START_TIME.fullmatch(start)
        ):
            return "Invalid field: start_time."
        duration = body.get("duration")
        if (creating or "duration" in body) and (
            isinstance(duration, bool) or not isinstance(duration, int) or duration <= 0
        ):
            return "Invalid field: duration."
        return None

    def _page(self, items: list[dict[str, Any]], key: str, query: Mapping[str, str]) -> Reply:
        size_text = query.get("page_size", "30")
        if not size_text.isdigit() or not 1 <= int(size_text) <= _MAX_PAGE:
            return _error(400, 300, "Invalid field: page_size.")
        size = int(size_text)
        token = query.get("next_page_token", "")
        with self._lock:
            if token and token not in self._pages:
                return _error(400, 300, "The next page token is invalid or expired.")
            offset = self._pages.get(token, 0) if token else 0
            chunk = items[offset : offset + size]
            following = ""
            if offset + size < len(items):
                following = secrets.token_urlsafe(12)
                self._pages[following] = offset + size
        return (
            200,
            {
                "page_size": size,
                "total_records": len(items),
                "next_page_token": following,
                key: chunk,
            },
            {},
        )

    def _list_meetings(self, user: str, query: Mapping[str, str]) -> Reply:
        if user != self.user:
            return _error(404, 1001, "User does not exist.")
        fields = ("uuid", "id", "host_id", "topic", "type", "start_time", "duration")
        with self._lock:
            items = [
                {
                    **{f: m[f] for f in fields},
                    "timezone": m["timezone"],
                    "agenda": m["agenda"],
                    "created_at": m["created_at"],
                    "join_url": m["join_url"],
                }
                for m in self.meetings.values()
            ]
        return self._page(items, "meetings", query)

    def _get(self, meeting_id: str) -> Reply:
        with self._lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None:
                return _error(404, 3001, "Meeting does not exist.")
            return 200, dict(meeting), {}

    def _patch(self, meeting_id: str, body: Any) -> Reply:
        if not isinstance(body, dict):
            return _error(400, 300, "Request Body should be a valid JSON object.")
        problem = self._check_schedule(body, creating=False)
        if problem:
            return _error(400, 300, problem)
        with self._lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None:
                return _error(404, 3001, "Meeting does not exist.")
            for field in ("topic", "start_time", "duration", "timezone", "agenda"):
                if field in body:
                    meeting[field] = body[field]
        return 204, None, {}

    def _delete(self, meeting_id: str) -> Reply:
        with self._lock:
            if self.meetings.pop(meeting_id, None) is None:
                return _error(404, 3001, "Meeting does not exist.")
        return 204, None, {}

    # ------------------------------------------------------------------ registrants

    def _batch(self, meeting_id: str, body: Any) -> Reply:
        with self._lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None:
                return _error(404, 3001, "Meeting does not exist.")
            if meeting["settings"].get("approval_type") not in (0, 1):
                return _error(400, 300, "Registration has not been enabled for this meeting.")
            rows = body.get("registrants") if isinstance(body, dict) else None
            if not isinstance(rows, list) or not rows:
                return _error(400, 300, "Invalid field: registrants.")
            if len(rows) > _MAX_BATCH:
                return _error(400, 300, "Only 30 registrants can be added at a time.")
            for row in rows:
                if not isinstance(row, dict) or not row.get("email") or not row.get("first_name"):
                    return _error(400, 300, "Invalid field: email or first_name.")
                if str(row["email"]).casefold() == self.user.casefold():
                    return _error(400, 3027, "Host or alternative host cannot be added.")
            people = self.registrants[meeting_id]
            answered = []
            for row in rows:
                email = str(row["email"])
                existing = next(
                    (r for r in people.values() if r["email"].casefold() == email.casefold()),
                    None,
                )
                if existing is None:
                    registrant_id = secrets.token_urlsafe(16)
                    existing = {
                        "id": registrant_id,
                        "email": email,
                        "first_name": row["first_name"],
                        "last_name": row.get("last_name", ""),
                        "status": "approved",
                        "create_time": _now_z(),
                        "join_url": (
                            f"https://zoom.us/w/{meeting_id}?tk={secrets.token_urlsafe(24)}"
                        ),
                        "participant_pin_code": 100000 + len(people),
                    }
                    people[registrant_id] = existing
                existing["status"] = "approved"
                answered.append(
                    {
                        "email": existing["email"],
                        "join_url": existing["join_url"],
                        "registrant_id": existing["id"],
                        "participant_pin_code": existing["participant_pin_code"],
                    }
                )
        return 201, {"registrants": answered}, {}

    def _list_registrants(self, meeting_id: str, query: Mapping[str, str]) -> Reply:
        wanted = query.get("status", "approved")
        with self._lock:
            people = self.registrants.get(meeting_id)
            if people is None:
                return _error(404, 3001, "Meeting does not exist.")
            items = [dict(r) for r in people.values() if r["status"] == wanted]
        return self._page(items, "registrants", query)

    def _status(self, meeting_id: str, body: Any) -> Reply:
        statuses = {"approve": "approved", "deny": "denied", "cancel": "cancelled"}
        with self._lock:
            people = self.registrants.get(meeting_id)
            if people is None or meeting_id not in self.meetings:
                return _error(404, 3001, "Meeting does not exist.")
            if not isinstance(body, dict) or body.get("action") not in statuses:
                return _error(400, 300, "Invalid field: action.")
            rows = body.get("registrants")
            if not isinstance(rows, list) or not rows:
                return _error(400, 300, "Invalid field: registrants.")
            for row in rows:
                person = people.get(str(row.get("id"))) if isinstance(row, dict) else None
                if person is None:
                    return _error(400, 3000, "Registrant not found.")
                person["status"] = statuses[body["action"]]
        return 204, None, {}

    # ------------------------------------------------------------------ reports

    def _past(self, raw_segment: str, query: Mapping[str, str]) -> Reply:
        once = unquote(raw_segment)
        if once.startswith("/") or "//" in once:
            # Zoom's router decodes %2F into a path separator: the UUID is lost.
            return _error(404, 3001, "Meeting does not exist.")
        key = unquote(once) if re.search(r"%[0-9A-Fa-f]{2}", once) else once
        with self._lock:
            rows = self.participants.get(key)
        if rows is None:
            return _error(404, 3001, "Meeting does not exist.")
        return self._page([dict(r) for r in rows], "participants", query)


def signed_webhook(
    secret: str, event: Mapping[str, Any] | bytes, timestamp: int
) -> tuple[dict[str, str], bytes]:
    """Headers and body of a webhook call signed as Zoom signs it, for tests.

    ``event`` is the JSON envelope (``{"event", "payload", "event_ts"}``) or
    raw bytes to sign as they are.
    """
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    message = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    headers = {
        "x-zm-signature": f"v0={digest}",
        "x-zm-request-timestamp": str(timestamp),
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Zoom Marketplace/1.0a",
    }
    return headers, body
