"""A small Microsoft Graph client: one token, retries, and errors that reveal nothing.

Only what the provider needs: a client-credentials token cached until shortly
before it expires and renewed once when Graph answers ``401``; JSON requests
with the retry schedule of :mod:`proforum_teams.retry`; ``@odata.nextLink``
paging.  HTTP goes through :mod:`http.client` with one connection per request,
which keeps the code free of pool state shared between threads.

Nothing here logs or raises a URL (it names the organizer and the meeting), a
header (the bearer token), a body (join links, e-mail addresses) or Graph's
own error message (it quotes application and user ids): only the operation,
the HTTP method, the status and Graph's short error code.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import attrs

from proforum.errors import VideoProviderError, VideoProviderUnavailable
from proforum.ports.clock import Clock
from proforum_teams.errors import PROVIDER
from proforum_teams.options import TeamsSettings
from proforum_teams.retry import Backoff, is_retryable, parse_retry_after

log = logging.getLogger("proforum_teams")

#: Larger answers are refused as malformed: an attendance page is a few hundred KiB.
MAX_BODY = 8 * 1024 * 1024
#: A report with more pages than this is treated as a paging loop.
MAX_PAGES = 1000
#: Renew the token this long before Graph says it expires (at most half its life).
TOKEN_MARGIN = timedelta(minutes=5)
USER_AGENT = "proforum-teams"

# Graph's error codes are identifiers ("TooManyRequests", "invalid_client");
# anything else is not repeated.
_SAFE_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,63}")


@attrs.frozen
class Response:
    """A finished HTTP exchange: status, lower-cased headers, and the body (never shown)."""

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)


Transport = Callable[..., Response]


def send(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes | None,
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
) -> Response:
    """Make one HTTP request and read the whole answer.

    :raises OSError: the connection failed or timed out (``TimeoutError``).
    :raises http.client.HTTPException: the answer was not HTTP, or too large.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            host,
            parts.port,
            timeout=timeout,
            context=ssl_context or ssl.create_default_context(),
        )
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    try:
        connection.request(method, target, body=body, headers=dict(headers))
        answer = connection.getresponse()
        data = answer.read(MAX_BODY + 1)
        if len(data) > MAX_BODY:
            raise http.client.HTTPException("answer too large")
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
    finally:
        connection.close()


def error_code(response: Response) -> str | None:
    """Graph's short error code (``{"error": {"code": ...}}`` or the token endpoint's ``error``)."""
    try:
        data = json.loads(response.body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    code = error.get("code") if isinstance(error, dict) else error
    if isinstance(code, str) and _SAFE_CODE.fullmatch(code):
        return code
    return None


def refused(operation: str, response: Response) -> VideoProviderError:
    """The error for a final, non-success answer: the status and Graph's code only."""
    code = error_code(response)
    reason = f"HTTP {response.status}" + (f" {code}" if code else "")
    if response.status == 403 or code == "Unauthorized":
        # The most common cause by far, and invisible from the status alone.
        reason += " (is an application access policy granted for the organizer?)"
    return VideoProviderError(None, provider=PROVIDER, operation=operation, reason=reason)


def malformed(operation: str, what: str = "malformed response") -> VideoProviderError:
    """The error for an answer that is not what Graph documents."""
    return VideoProviderError(None, provider=PROVIDER, operation=operation, reason=what)


def json_object(operation: str, response: Response) -> dict[str, Any]:
    """The answer's body as a JSON object, or :func:`malformed`."""
    try:
        data = json.loads(response.body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise malformed(operation)
    return data


@attrs.frozen
class _Token:
    value: str = attrs.field(repr=False)
    renew_at: datetime


class GraphClient:
    """Authenticated, retried calls to Graph for one tenant, application and organizer."""

    def __init__(
        self,
        settings: TeamsSettings,
        clock: Clock,
        backoff: Backoff,
        transport: Transport = send,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._backoff = backoff
        self._transport = transport
        self._token: _Token | None = None
        # One token fetch at a time: threads that need a token meanwhile wait
        # for it instead of asking for their own.
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"GraphClient(settings={self._settings!r}, token_cached={self._token is not None})"

    @property
    def base(self) -> str:
        """The Graph base URL requests are made against (``.../v1.0``)."""
        return self._settings.graph_base

    def call(
        self, operation: str, method: str, url: str, payload: Mapping[str, Any] | None = None
    ) -> Response:
        """Make an authenticated request; return the final answer, whatever its status.

        A ``401`` fetches a new token and replays the request once; 429, 5xx,
        timeouts and connection failures are retried by the backoff.

        :raises VideoProviderUnavailable: still failing after the last attempt.
        :raises VideoProviderError: the token was refused.
        """
        body = None if payload is None else json.dumps(payload).encode()
        token = self._access_token(operation)
        response = self._exchange(operation, method, url, self._headers(token, body), body)
        if response.status == 401:
            log.info("teams: %s: access token refused, renewing it once", operation)
            self._forget(token)
            token = self._access_token(operation)
            response = self._exchange(operation, method, url, self._headers(token, body), body)
        return response

    def pages(self, operation: str, url: str) -> Iterator[list[dict[str, Any]]]:
        """Yield the ``value`` list of each page, following ``@odata.nextLink``."""
        origin = _origin(self.base)
        seen: set[str] = set()
        next_url: str | None = url
        while next_url is not None:
            if len(seen) >= MAX_PAGES or next_url in seen:
                raise malformed(operation, "paging does not end")
            seen.add(next_url)
            response = self.call(operation, "GET", next_url)
            if response.status != 200:
                raise refused(operation, response)
            data = json_object(operation, response)
            values = data.get("value")
            if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
                raise malformed(operation)
            yield values
            link = data.get("@odata.nextLink")
            # The bearer token goes with the next request: only to Graph itself.
            if link is not None and (not isinstance(link, str) or _origin(link) != origin):
                raise malformed(operation, "paging link leaves Graph")
            next_url = link

    # ------------------------------------------------------------------ internals

    def _headers(self, token: str, body: bytes | None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        return headers

    def _exchange(
        self,
        operation: str,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> Response:
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                response = self._transport(
                    method, url, headers=headers, body=body, timeout=self._settings.timeout
                )
            except TimeoutError:
                failure = "timeout"
            except (OSError, http.client.HTTPException) as exc:
                failure = f"connection failed ({type(exc).__name__})"
            else:
                log.debug("teams: %s: %s -> HTTP %d", operation, method, response.status)
                if not is_retryable(response.status):
                    return response
                failure = f"HTTP {response.status}"
                retry_after = parse_retry_after(
                    response.headers.get("retry-after"), self._clock.now()
                )
            delay = self._backoff.delay(attempt, retry_after)
            if delay is None:
                log.warning(
                    "teams: %s: giving up after attempt %d (%s)", operation, attempt, failure
                )
                raise VideoProviderUnavailable(
                    None, provider=PROVIDER, operation=operation, reason=failure
                )
            log.info(
                "teams: %s: attempt %d failed (%s), retrying in %.2f s",
                operation,
                attempt,
                failure,
                delay,
            )
            self._backoff.sleep(delay)

    def _access_token(self, operation: str) -> str:
        with self._lock:
            now = self._clock.now()
            if self._token is not None and now < self._token.renew_at:
                return self._token.value
            settings = self._settings
            form = urlencode(
                {
                    "client_id": settings.client_id,
                    "client_secret": settings.client_secret.reveal(),
                    "scope": settings.scope,
                    "grant_type": "client_credentials",
                }
            ).encode()
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            }
            response = self._exchange(operation, "POST", settings.token_url, headers, form)
            if response.status != 200:
                # "invalid_client" and the like; Entra's description quotes the app id.
                code = error_code(response)
                detail = f"HTTP {response.status}" + (f" {code}" if code else "")
                raise VideoProviderError(
                    None,
                    provider=PROVIDER,
                    operation=operation,
                    reason=f"token request refused ({detail})",
                )
            data = json_object(operation, response)
            value = data.get("access_token")
            lifetime = data.get("expires_in")
            if (
                isinstance(lifetime, str) and lifetime.isascii() and lifetime.isdigit()
            ):  # v1 endpoints send a string
                lifetime = int(lifetime)
            if (
                not isinstance(value, str)
                or not value
                or isinstance(lifetime, bool)
                or not isinstance(lifetime, int)
                or lifetime <= 0
            ):
                raise malformed(operation, "malformed token response")
            life = timedelta(seconds=lifetime)
            self._token = _Token(value, now + life - min(TOKEN_MARGIN, life / 2))
            log.debug("teams: new access token, valid for %d s", lifetime)
            return value

    def _forget(self, token: str) -> None:
        with self._lock:
            # Another thread may already have replaced it with a fresh one.
            if self._token is not None and self._token.value == token:
                self._token = None


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


__all__ = [
    "MAX_PAGES",
    "GraphClient",
    "Response",
    "Transport",
    "error_code",
    "json_object",
    "malformed",
    "refused",
    "send",
]
