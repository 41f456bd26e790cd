"""Talking to Zoom: the Server-to-Server OAuth token, retries, and reading answers.

Every call goes through :meth:`ZoomClient.call`, which

* adds a bearer token from a thread-safe cache, renewed when 60 seconds or
  less remain (Zoom's own SDK does the same) and, after a ``401``, renewed
  once and the request replayed once (as Indico does);
* retries ``5xx`` answers, timeouts and connection errors with exponential
  backoff and full jitter, at most ``max_attempts`` times in all;
* honours ``429`` ``Retry-After`` given in seconds or as a date, up to
  ``max_retry_after`` (a daily limit can ask for hours: that is reported as
  unavailable at once rather than waited for);
* turns any other ``4xx`` and unreadable JSON into
  :class:`~proforum.errors.VideoProviderError`.

Logs name the operation, the attempt and the HTTP status, never a path (it
may hold the host's e-mail address), a token, a body or a link.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import attrs

from proforum.domain.common import Secret
from proforum.errors import ProforumError
from proforum_zoom.errors import ZoomOptionInvalid, refused, unavailable
from proforum_zoom.options import ZoomSettings, check_base_url

__all__ = ["Answer", "ZoomClient", "parse_retry_after"]

log = logging.getLogger("proforum_zoom")

#: Renew the token when this little of its life is left (Zoom's Rivet SDK: 60 s).
RENEW_BEFORE = timedelta(seconds=60)
_USER_AGENT = "proforum-zoom"


@attrs.frozen
class Answer:
    """One HTTP answer: its status, lower-cased headers and parsed JSON (if any)."""

    status: int
    data: Any = attrs.field(default=None, repr=False)
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)

    @property
    def zoom_code(self) -> int | None:
        """Zoom's numeric error ``code`` from an error body, if there is one."""
        if isinstance(self.data, dict):
            code = self.data.get("code")
            if isinstance(code, int) and not isinstance(code, bool):
                return code
        return None


class _Transient(Exception):
    """An attempt that may succeed if repeated: why, and how long Zoom asked to wait."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Return the wait a ``Retry-After`` header asks for, in seconds, or ``None``.

    Zoom sends seconds for per-second limits and a date for daily limits;
    both ISO 8601 (``2020-05-31T00:00:00Z``, as in Zoom's documentation) and
    the HTTP date form are read.  A date in the past means "now" (0).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    when: datetime | None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            when = None
    if when is None or when.tzinfo is None:
        return None
    return max((when - now).total_seconds(), 0.0)


@attrs.define
class _Token:
    value: Secret
    expires_at: datetime
    api_url: str


class ZoomClient:
    """Authenticated, retrying calls to one Zoom account's REST API.

    :param settings: the validated options.
    :param now: the forum's clock (token expiry and ``Retry-After`` dates).
    """

    def __init__(self, settings: ZoomSettings, now: Callable[[], datetime]) -> None:
        self._settings = settings
        self._now = now
        self._lock = threading.Lock()
        self._token: _Token | None = None
        #: Tokens fetched so far, for tests and metrics.
        self.tokens_fetched = 0

    def __repr__(self) -> str:
        return f"ZoomClient(api_url={self._settings.api_url!r})"

    # ------------------------------------------------------------------ token

    def _current_token(self, operation: str, *, stale: Secret | None = None) -> _Token:
        """The cached token, fetched anew when missing, near expiry, or ``stale``."""
        with self._lock:
            token = self._token
            if (
                token is None
                or token.expires_at - self._now() <= RENEW_BEFORE
                or (stale is not None and token.value.reveal() == stale.reveal())
            ):
                # Under the lock: concurrent callers wait for one fetch and share it.
                token = self._fetch_token(operation)
                self._token = token
            return token

    def _fetch_token(self, operation: str) -> _Token:
        settings = self._settings
        credentials = f"{settings.client_id}:{settings.client_secret.reveal()}"
        headers = {
            "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode("ascii"),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        form = urlencode({"grant_type": "account_credentials", "account_id": settings.account_id})

        def attempt() -> Answer:
            answer = self._exchange(
                settings.oauth_url, "POST", "/oauth/token", headers, form.encode(), operation
            )
            if answer.status == 429 or answer.status >= 500:
                raise self._failure(operation, answer)
            return answer

        answer = self._with_retries(operation, attempt)
        if answer.status != 200:
            log.warning("zoom %s: token refused (HTTP %s)", operation, answer.status)
            raise refused(operation, "access token refused", status=answer.status)
        data = answer.data
        if not isinstance(data, dict):
            raise refused(operation, "malformed token response", status=answer.status)
        access = data.get("access_token")
        expires_in = data.get("expires_in")
        if (
            not isinstance(access, str)
            or not access
            or isinstance(expires_in, bool)
            or not isinstance(expires_in, int | float)
            or expires_in <= 0
        ):
            raise refused(operation, "malformed token response", status=answer.status)
        api_url = settings.api_url
        regional = data.get("api_url")
        if settings.use_token_api_url and regional:
            try:
                api_url = check_base_url(regional, "api_url")
            except ZoomOptionInvalid:
                # Zoom named a base we would not send a bearer token to: keep ours.
                log.warning("zoom %s: ignoring an unusable api_url in the token", operation)
        self.tokens_fetched += 1
        log.debug("zoom %s: new access token, valid %ss", operation, int(expires_in))
        return _Token(Secret(access), self._now() + timedelta(seconds=float(expires_in)), api_url)

    # ------------------------------------------------------------------ calls

    def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        expect: Sequence[int] = (200,),
        allow: Sequence[int] = (),
        retry: bool = True,
    ) -> Answer:
        """Call ``method path`` under ``/v2`` with retries; return an expected answer.

        :param operation: the provider operation, for errors and logs.
        :param path: the path below the API base, already URL-encoded.
        :param expect: the success statuses; their JSON body is parsed.
        :param allow: other statuses handed back instead of raised (``404``...).
        :param retry: ``False`` makes one attempt only and lets a transient
            failure out as :class:`TransientFailure` (for callers that must
            check what happened before trying again).
        :raises VideoProviderError: a refusal or an unreadable answer.
        :raises VideoProviderUnavailable: transient failures after every retry.
        """
        target = path + (f"?{urlencode(query)}" if query else "")
        payload = None if body is None else json.dumps(body, ensure_ascii=False).encode()

        def attempt() -> Answer:
            return self._api_attempt(operation, method, target, payload, expect, allow)

        if not retry:
            try:
                return attempt()
            except _Transient as exc:
                raise TransientFailure(exc.reason, exc.retry_after) from None
        return self._with_retries(operation, attempt)

    def _api_attempt(
        self,
        operation: str,
        method: str,
        target: str,
        payload: bytes | None,
        expect: Sequence[int],
        allow: Sequence[int],
    ) -> Answer:
        token = self._current_token(operation)
        answer = self._authorised(token, method, target, payload, operation)
        if answer.status == 401:
            # The token was revoked or expired early: renew it once, replay once.
            log.info("zoom %s: 401, renewing the access token", operation)
            token = self._current_token(operation, stale=token.value)
            answer = self._authorised(token, method, target, payload, operation)
            if answer.status == 401:
                raise refused(operation, "unauthorized", status=401, zoom_code=answer.zoom_code)
        if answer.status in expect or answer.status in allow:
            return answer
        raise self._failure(operation, answer)

    def _authorised(
        self, token: _Token, method: str, target: str, payload: bytes | None, operation: str
    ) -> Answer:
        headers = {
            "Authorization": f"Bearer {token.value.reveal()}",
            "Accept": "application/json",
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        return self._exchange(token.api_url, method, "/v2" + target, headers, payload, operation)

    def _failure(self, operation: str, answer: Answer) -> Exception:
        """What an unexpected answer means: a retry (429, 5xx) or a refusal."""
        status = answer.status
        if status == 429:
            wait = parse_retry_after(answer.headers.get("retry-after"), self._now())
            return _Transient("rate limited", wait)
        if status >= 500:
            return _Transient(f"HTTP {status}")
        code = answer.zoom_code
        reason = f"HTTP {status}" + ("" if code is None else f", Zoom code {code}")
        log.warning("zoom %s: refused (%s)", operation, reason)
        return refused(operation, reason, status=status, zoom_code=code)

    def _with_retries(self, operation: str, attempt: Callable[[], Answer]) -> Answer:
        """Run ``attempt`` until it succeeds, a refusal is raised, or attempts run out."""
        number = 1
        while True:
            try:
                return attempt()
            except _Transient as exc:
                if number >= self._settings.max_attempts:
                    log.warning(
                        "zoom %s: giving up after %d attempts (%s)", operation, number, exc.reason
                    )
                    raise unavailable(operation, exc.reason) from None
                self.pause(operation, number, exc.reason, exc.retry_after)
                number += 1

    def pause(self, operation: str, attempt: int, reason: str, retry_after: float | None) -> None:
        """Sleep before the attempt after ``attempt``: Zoom's ``Retry-After``, else backoff.

        :raises VideoProviderUnavailable: Zoom asked to wait longer than
            ``max_retry_after`` (a daily limit): waiting would block for hours.
        """
        wait = self.backoff(attempt)
        if retry_after is not None:
            if retry_after > self._settings.max_retry_after:
                log.warning(
                    "zoom %s: asked to wait %ds, more than allowed", operation, int(retry_after)
                )
                raise unavailable(operation, "rate limited")
            wait = retry_after
        log.info(
            "zoom %s: attempt %d failed (%s), retrying in %.2fs", operation, attempt, reason, wait
        )
        self._settings.sleep(wait)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed ``attempt`` (1-based): full jitter, capped."""
        settings = self._settings
        ceiling = min(settings.backoff_max, settings.backoff_base * 2.0 ** (attempt - 1))
        return float(settings.random()) * ceiling

    # ------------------------------------------------------------------ transport

    def _exchange(
        self,
        base_url: str,
        method: str,
        target: str,
        headers: Mapping[str, str],
        payload: bytes | None,
        operation: str,
    ) -> Answer:
        """One HTTP exchange; connection trouble and timeouts become :class:`_Transient`."""
        parts = urlsplit(base_url)
        host = parts.hostname or ""
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                host, parts.port, timeout=self._settings.timeout
            )
        else:
            connection = http.client.HTTPConnection(
                host, parts.port, timeout=self._settings.timeout
            )
        all_headers = {"User-Agent": _USER_AGENT, **headers}
        try:
            connection.request(method, parts.path + target, body=payload, headers=all_headers)
            response = connection.getresponse()
            raw = response.read()
            status = response.status
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
        except TimeoutError:
            log.info("zoom %s: timed out", operation)
            raise _Transient("timeout") from None
        except (OSError, http.client.HTTPException) as exc:
            log.info("zoom %s: connection failed (%s)", operation, type(exc).__name__)
            raise _Transient(type(exc).__name__) from None
        finally:
            connection.close()
        log.debug("zoom %s: %s -> HTTP %d", operation, method, status)
        data: Any = None
        if raw.strip():
            try:
                data = json.loads(raw)
            except ValueError:
                if 200 <= status < 300:
                    raise refused(operation, "malformed JSON", status=status) from None
                data = None  # an unreadable error body: the status says enough
        return Answer(status, data, answer_headers)


class TransientFailure(ProforumError):
    """One attempt failed in a way that may pass (``retry=False`` calls only).

    ``params["reason"]`` says why; ``params["retry_after"]`` is Zoom's
    ``Retry-After`` in seconds, when it gave one.
    """

    code = "zoom.transient"
    template_ko = "Zoom 요청이 일시적으로 실패했습니다: {reason}"
    template_en = "A Zoom request failed for now: {reason}"

    def __init__(self, reason: str, retry_after: float | None) -> None:
        super().__init__(None, reason=reason, retry_after=retry_after)


def utc_now() -> datetime:
    """The current time in UTC (the default clock of a client built outside a forum)."""
    return datetime.now(UTC)
