"""A fake Microsoft Graph on loopback, for the plugin's tests and for yours.

:class:`FakeGraph` is a real HTTP server (``ThreadingHTTPServer`` on
``127.0.0.1`` and a free port) that implements the endpoints the ``teams``
provider uses, with Graph's status codes, error bodies and paging:

* ``POST /{tenant}/oauth2/v2.0/token`` — client credentials (form body);
  ``401 invalid_client`` for a wrong id or secret;
* ``POST /v1.0/users/{user}/onlineMeetings`` (``201``) and
  ``.../onlineMeetings/createOrGet`` (``201`` new, ``200`` found by
  ``externalId``);
* ``GET`` (``200``), ``PATCH`` (``200``; both times or neither) and
  ``DELETE`` (``204``) on ``.../onlineMeetings/{id}``; ``404`` for an unknown id;
* ``GET .../onlineMeetings/{id}/attendanceReports`` and
  ``.../attendanceReports/{reportId}/attendanceRecords``, ``page_size`` items
  per page with ``@odata.nextLink``;
* ``401 InvalidAuthenticationToken`` without a valid bearer token, ``403
  Unauthorized`` for a user without an application access policy.

Faults are injected per route with :meth:`FakeGraph.inject`: a status (``429``
with ``Retry-After`` in seconds or as a date, ``500``...), a slow answer, a
body that is not JSON, or every token expiring.  Use it as a context manager::

    with FakeGraph() as graph:
        forum = proforum.open("memory://", video_options={"teams": graph.options()})
        ...
        graph.add_report(meeting_id, [attendance_record("a@example.com", 1800)])

Everything here is for tests: tokens and links are random but not secret, and
nothing is persisted.
"""

from __future__ import annotations

import collections
import json
import secrets
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import attrs

LOOPBACK = "127.0.0.1"
SCOPE = "https://graph.microsoft.com/.default"

#: Route names :meth:`FakeGraph.inject` and :attr:`FakeGraph.requests` use.
ROUTES = (
    "token",
    "create",
    "create_or_get",
    "get",
    "update",
    "delete",
    "reports",
    "records",
)


@attrs.frozen
class Fault:
    """One injected misbehaviour, for the next request on a route.

    :param status: answer this status with a Graph error body, without
        doing anything (``429``, ``500``, ``503``...).
    :param retry_after: the ``Retry-After`` header sent with ``status``.
    :param delay: do the work, then wait this long before answering (the
        client times out; the work is done, as when an answer is lost).
    :param malformed: do the work, then answer a body that is not JSON.
    :param expire_token: every token issued so far stops working first,
        so this request gets ``401``.
    """

    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    malformed: bool = False
    expire_token: bool = False


def throttled(retry_after: str | None = "1") -> Fault:
    """``429 TooManyRequests`` with ``Retry-After`` (seconds or an HTTP date)."""
    return Fault(status=429, retry_after=retry_after)


def server_error(status: int = 500) -> Fault:
    """A ``5xx`` answer, the request not carried out."""
    return Fault(status=status)


def slow(seconds: float) -> Fault:
    """Carry the request out, then answer after ``seconds``."""
    return Fault(delay=seconds)


def garbage() -> Fault:
    """Carry the request out, then answer a body that is not JSON."""
    return Fault(malformed=True)


def token_expiry() -> Fault:
    """Every token expires just before this request."""
    return Fault(expire_token=True)


@attrs.frozen
class Seen:
    """A request the fake received: route, method, status answered, JSON body sent."""

    route: str
    method: str
    status: int
    body: Any = attrs.field(default=None, repr=False)


def attendance_record(
    email: str | None,
    *durations: int,
    identity_id: str | None = None,
    display_name: str = "Attendee",
    role: str = "Attendee",
    start: datetime | None = None,
    with_total: bool = True,
) -> dict[str, Any]:
    """An ``attendanceRecord`` with one interval per duration (seconds), back to back.

    ``with_total=False`` leaves out ``totalAttendanceInSeconds``, for clients
    that must fall back on the intervals.
    """
    moment = start or datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    intervals = []
    for seconds in durations:
        leave = moment + timedelta(seconds=seconds)
        intervals.append(
            {
                "joinDateTime": _graph_time(moment),
                "leaveDateTime": _graph_time(leave),
                "durationInSeconds": seconds,
            }
        )
        moment = leave + timedelta(seconds=30)
    record: dict[str, Any] = {
        "id": secrets.token_hex(8),
        "emailAddress": email,
        "role": role,
        "identity": {
            "id": identity_id or secrets.token_hex(8),
            "displayName": display_name,
            "tenantId": None,
        },
        "attendanceIntervals": intervals,
    }
    if with_total:
        record["totalAttendanceInSeconds"] = sum(durations)
    return record


def change_notification(client_state: str, *, items: int = 1) -> bytes:
    """A change-notification batch as Graph posts it, each item carrying ``client_state``."""
    value = [
        {
            "id": secrets.token_hex(8),
            "subscriptionId": "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
            "subscriptionExpirationDateTime": "2026-12-11T10:00:00.0000000Z",
            "clientState": client_state,
            "changeType": "updated",
            "resource": "communications/onlineMeetings/meeting",
            "tenantId": "84bd8158-6d4d-4958-8b9f-9d6445542f95",
            "resourceData": {"@odata.type": "#Microsoft.Graph.onlineMeeting"},
        }
        for _ in range(items)
    ]
    return json.dumps({"value": value}).encode()


def _graph_time(moment: datetime) -> str:
    # Graph writes ticks: seven fractional digits.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    text = value.replace("Z", "+00:00")
    if "." in text:
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[:digits][:6].ljust(6, '0')}{tail[digits:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    graph: FakeGraph


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.graph._serve(self, "GET")

    def do_POST(self) -> None:
        self.server.graph._serve(self, "POST")

    def do_PATCH(self) -> None:
        self.server.graph._serve(self, "PATCH")

    def do_DELETE(self) -> None:
        self.server.graph._serve(self, "DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: request lines hold user and meeting ids.
        return


Answer = tuple[int, Any]


class FakeGraph:
    """Microsoft Graph's token endpoint, onlineMeetings and attendance reports, in memory.

    :param page_size: items per page of reports and records.
    :param token_lifetime: ``expires_in`` of issued tokens (seconds).
    """

    def __init__(
        self,
        *,
        tenant: str = "contoso.onmicrosoft.com",
        client_id: str = "9f3c6a1e-2b7d-4e58-8c0a-5d1f7e3b9a24",
        client_secret: str = "fake-graph-client-secret-0123456789",  # noqa: S107 - a fake's
        organizer: str = "5f1c2e3d-4b5a-6978-8a9b-0c1d2e3f4a5b",
        page_size: int = 2,
        token_lifetime: int = 3599,
    ) -> None:
        self.tenant = tenant
        self.client_id = client_id
        self.client_secret = client_secret
        self.organizer = organizer
        self.page_size = page_size
        self.token_lifetime = token_lifetime
        #: Users the application may act for (an application access policy).
        self.granted: set[str] = {organizer}
        #: Every meeting by id, as Graph would return it.
        self.meetings: dict[str, dict[str, Any]] = {}
        #: Every request received, in order.
        self.requests: list[Seen] = []
        #: Tokens issued and still valid.
        self.tokens: set[str] = set()
        #: Every token ever issued, in order.
        self.issued: list[str] = []
        #: ``False``: Graph refuses every token, even fresh ones (consent revoked).
        self.accept_tokens = True
        self._external: dict[tuple[str, str], str] = {}
        self._reports: dict[str, list[dict[str, Any]]] = {}
        self._faults: collections.deque[tuple[str | None, Fault]] = collections.deque()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"FakeGraph(url={self.url!r}, meetings={len(self.meetings)})"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeGraph:
        """Listen on 127.0.0.1 and a free port, in a background thread."""
        server = _Server((LOOPBACK, 0), _Handler)
        server.graph = self
        self._server = server
        # A short poll interval: stop() waits for the loop to notice, once per test.
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.02,), name="fake-graph", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening; slow answers still waiting are released first."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> FakeGraph:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: the login base; Graph is under ``/v1.0``."""
        port = self._server.server_address[1] if self._server else 0
        return f"http://{LOOPBACK}:{port}"

    def options(self, **overrides: Any) -> dict[str, Any]:
        """``video_options["teams"]`` pointing at this fake."""
        return {
            "tenant": self.tenant,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "organizer": self.organizer,
            "login_base": self.url,
            "graph_base": f"{self.url}/v1.0",
            **overrides,
        }

    # ------------------------------------------------------------------ test controls

    def inject(self, *faults: Fault, route: str | None = None) -> None:
        """Misbehave on the next requests to ``route`` (any Graph call when ``None``).

        Each fault is used once, in order; the token endpoint is only
        affected by faults injected with ``route="token"``.
        """
        if route is not None and route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; one of {ROUTES}")
        with self._lock:
            self._faults.extend((route, fault) for fault in faults)

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (Graph then answers ``401``)."""
        with self._lock:
            self.tokens.clear()

    def add_report(
        self,
        meeting_id: str,
        records: Sequence[Mapping[str, Any]],
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> str:
        """Add one session's attendance report to a meeting; return the report's id."""
        begin = start or datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
        report_id = secrets.token_hex(12)
        with self._lock:
            self._reports.setdefault(meeting_id, []).append(
                {
                    "id": report_id,
                    "totalParticipantCount": len(records),
                    "meetingStartDateTime": _graph_time(begin),
                    "meetingEndDateTime": _graph_time(end or begin + timedelta(hours=2)),
                    "attendanceRecords": [dict(r) for r in records],
                }
            )
        return report_id

    def seen(self, route: str) -> list[Seen]:
        """The requests received on ``route``."""
        with self._lock:
            return [r for r in self.requests if r.route == route]

    # ------------------------------------------------------------------ serving

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(request.path)
        query = parse_qs(parts.query)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        route, args = self._route(method, parts.path)
        body: Any = None
        if route is None:
            status, payload = _error(404, "BadRequest", "Resource not found for the segment.")
            self._answer(request, status, payload)
            return
        fault = self._take_fault(route)
        if fault.expire_token:
            self.expire_tokens()
        if route == "token":
            body = {k: v[0] for k, v in parse_qs(raw.decode("ascii", "replace")).items()}
        elif raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        if fault.status is not None:
            status, payload = self._fault_answer(route, fault.status)
            self._record(route, method, status, body)
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._answer(request, status, payload, headers)
            return
        if route == "token":
            status, payload = self._token(args, body)
        else:
            status, payload = self._authorise(request, args[0])
            if status == 200:
                status, payload = self._dispatch(route, args, body, query, parts.path)
        self._record(route, method, status, body)
        if fault.delay:
            self._release.wait(fault.delay)
        self._answer(request, status, payload, malformed=fault.malformed)

    def _route(self, method: str, path: str) -> tuple[str | None, list[str]]:
        segments = [unquote(s) for s in path.strip("/").split("/")]
        if method == "POST" and len(segments) == 4 and segments[1:] == ["oauth2", "v2.0", "token"]:
            return "token", [segments[0]]
        if (
            len(segments) < 4
            or segments[:2] != ["v1.0", "users"]
            or segments[3] != "onlineMeetings"
        ):
            return None, []
        user, rest = segments[2], segments[4:]
        table: dict[tuple[str, int], str] = {
            ("POST", 0): "create",
            ("GET", 1): "get",
            ("PATCH", 1): "update",
            ("DELETE", 1): "delete",
        }
        if method == "POST" and rest == ["createOrGet"]:
            return "create_or_get", [user]
        if method == "GET" and len(rest) == 2 and rest[1] == "attendanceReports":
            return "reports", [user, rest[0]]
        if (
            method == "GET"
            and len(rest) == 4
            and rest[1] == "attendanceReports"
            and rest[3] == "attendanceRecords"
        ):
            return "records", [user, rest[0], rest[2]]
        name = table.get((method, len(rest)))
        return (name, [user, *rest]) if name else (None, [])

    def _take_fault(self, route: str) -> Fault:
        with self._lock:
            for index, (wanted, fault) in enumerate(self._faults):
                if wanted == route or (wanted is None and route != "token"):
                    del self._faults[index]
                    return fault
        return Fault()

    def _record(self, route: str, method: str, status: int, body: Any) -> None:
        if route == "token" and isinstance(body, dict):
            body = {k: v for k, v in body.items() if k != "client_secret"}
        with self._lock:
            self.requests.append(Seen(route, method, status, body))

    @staticmethod
    def _answer(
        request: BaseHTTPRequestHandler,
        status: int,
        payload: Any,
        headers: Mapping[str, str] | None = None,
        *,
        malformed: bool = False,
    ) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        if malformed:
            data = b'{"value": [{"id": '
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(data)
        except OSError:  # the client gave up (timeout) before the answer
            pass

    def _fault_answer(self, route: str, status: int) -> Answer:
        if route == "token":
            return status, {"error": "temporarily_unavailable", "error_description": "Retry."}
        if status == 429:
            return _error(429, "TooManyRequests", "Please retry again later.")
        return _error(status, "UnknownError", "An internal server error occurred.")

    def _token(self, args: list[str], form: Any) -> Answer:
        if not isinstance(form, dict) or args[0] != self.tenant:
            return 400, {"error": "invalid_request", "error_description": "AADSTS900023"}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type", "error_description": "AADSTS70003"}
        if form.get("scope") != SCOPE:
            return 400, {"error": "invalid_scope", "error_description": "AADSTS1002012"}
        if form.get("client_id") != self.client_id or form.get("client_secret") != (
            self.client_secret
        ):
            return 401, {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
            }
        token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0." + secrets.token_urlsafe(24)
        with self._lock:
            self.tokens.add(token)
            self.issued.append(token)
        lifetime = self.token_lifetime
        return 200, {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": token,
        }

    def _authorise(self, request: BaseHTTPRequestHandler, user: str) -> Answer:
        header = request.headers.get("Authorization") or ""
        token = header.removeprefix("Bearer ")
        with self._lock:
            valid = self.accept_tokens and header.startswith("Bearer ") and token in self.tokens
            granted = user in self.granted
        if not valid:
            return _error(
                401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid."
            )
        if not granted:
            return _error(
                403,
                "Unauthorized",
                f"App {self.client_id} is not authorized to Create meeting on behalf of user {user}",
            )
        return 200, None

    def _dispatch(
        self, route: str, args: list[str], body: Any, query: Mapping[str, list[str]], path: str
    ) -> Answer:
        with self._lock:
            if route in ("create", "create_or_get"):
                return self._create(args[0], body, external=route == "create_or_get")
            meeting = self.meetings.get(args[1])
            if meeting is None or meeting["_user"] != args[0]:
                return _error(404, "NotFound", "The onlineMeeting was not found.")
            if route == "get":
                return 200, _public(meeting)
            if route == "update":
                return self._update(meeting, body)
            if route == "delete":
                del self.meetings[args[1]]
                self._external.pop((args[0], meeting.get("externalId") or ""), None)
                return 204, None
            reports = self._reports.get(args[1], [])
            if route == "reports":
                listed = [{**r, "attendanceRecords": []} for r in reports]
                return self._page(listed, query, path)
            report = next((r for r in reports if r["id"] == args[2]), None)
            if report is None:
                return _error(404, "NotFound", "The attendance report was not found.")
            return self._page(report["attendanceRecords"], query, path)

    def _page(
        self, items: list[dict[str, Any]], query: Mapping[str, list[str]], path: str
    ) -> Answer:
        start = int(query.get("$skiptoken", ["0"])[0])
        page: dict[str, Any] = {"value": items[start : start + self.page_size]}
        if start + self.page_size < len(items):
            page["@odata.nextLink"] = f"{self.url}{quote(path)}?$skiptoken={start + self.page_size}"
        return 200, page

    def _create(self, user: str, body: Any, *, external: bool) -> Answer:
        if not isinstance(body, dict):
            return _error(400, "BadRequest", "The request body is not valid JSON.")
        external_id = body.get("externalId")
        if external:
            if not isinstance(external_id, str) or not external_id:
                return _error(400, "BadRequest", "externalId is required.")
            existing = self._external.get((user, external_id))
            if existing is not None:
                return 200, _public(self.meetings[existing])
        start = _parse_time(body.get("startDateTime"))
        end = _parse_time(body.get("endDateTime"))
        if end is not None and start is None:
            return _error(400, "BadRequest", "endDateTime requires startDateTime.")
        start = start or datetime.now(UTC)
        end = end or start + timedelta(hours=1)
        if end < start:
            return _error(400, "BadRequest", "endDateTime is before startDateTime.")
        meeting_id = "MSp" + secrets.token_urlsafe(30)
        thread = secrets.token_hex(16)
        meeting: dict[str, Any] = {
            "_user": user,
            "id": meeting_id,
            "creationDateTime": _graph_time(datetime.now(UTC)),
            "startDateTime": _graph_time(start),
            "endDateTime": _graph_time(end),
            "subject": body.get("subject"),
            "externalId": external_id if external else None,
            "joinWebUrl": (
                f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{thread}%40thread.v2/0"
                f"?context=%7b%22Tid%22%3a%22{quote(self.tenant)}%22%7d"
            ),
            "allowedPresenters": "everyone",
            "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": False},
            "joinMeetingIdSettings": {
                "isPasscodeRequired": False,
                "joinMeetingId": str(secrets.randbelow(10**12)).zfill(12),
                "passcode": None,
            },
            "participants": {
                "organizer": {"identity": {"user": {"id": user}}, "role": "presenter"},
                "attendees": [],
            },
            "chatInfo": {"threadId": f"19:meeting_{thread}@thread.v2", "messageId": "0"},
        }
        self.meetings[meeting_id] = meeting
        if external:
            self._external[(user, external_id)] = meeting_id  # type: ignore[index]
        return 201, _public(meeting)

    def _update(self, meeting: dict[str, Any], body: Any) -> Answer:
        if not isinstance(body, dict):
            return _error(400, "BadRequest", "The request body is not valid JSON.")
        if ("startDateTime" in body) != ("endDateTime" in body):
            return _error(
                400, "BadRequest", "startDateTime and endDateTime must be updated together."
            )
        if "startDateTime" in body:
            start = _parse_time(body["startDateTime"])
            end = _parse_time(body["endDateTime"])
            if start is None or end is None or end < start:
                return _error(400, "BadRequest", "Invalid startDateTime or endDateTime.")
            meeting["startDateTime"], meeting["endDateTime"] = _graph_time(start), _graph_time(end)
        if "participants" in body and "organizer" in (body["participants"] or {}):
            return _error(400, "BadRequest", "The organizer cannot be changed.")
        for key in ("subject", "lobbyBypassSettings", "allowedPresenters", "isEntryExitAnnounced"):
            if key in body:
                meeting[key] = body[key]
        return 200, _public(meeting)


def _public(meeting: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in meeting.items() if not k.startswith("_")}


def _error(status: int, code: str, message: str) -> Answer:
    return status, {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": secrets.token_hex(16),
            },
        }
    }


__all__ = [
    "ROUTES",
    "FakeGraph",
    "Fault",
    "Seen",
    "attendance_record",
    "change_notification",
    "garbage",
    "server_error",
    "slow",
    "throttled",
    "token_expiry",
]
