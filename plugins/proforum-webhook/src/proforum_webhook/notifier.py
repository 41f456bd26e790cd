"""The ``webhook`` notifier and its factory: one signed HTTP POST per delivered message."""

from __future__ import annotations

import email.utils
import functools
import http.client
import logging
import math
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from proforum.domain.identity import Member
from proforum.domain.notification import Message
from proforum.ports.clock import Clock, SystemClock
from proforum.ports.context import AdapterContext
from proforum.ports.notifier import RenderedMessage
from proforum_webhook.errors import WebhookDeliveryFailed, WebhookEndpointGone, WebhookRetryLater
from proforum_webhook.keys import sign
from proforum_webhook.options import WebhookSettings, parse_options
from proforum_webhook.payload import build_payload
from proforum_webhook.receiver import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from proforum_webhook.state import EndpointState

log = logging.getLogger("proforum_webhook")

NAME = "webhook"
GONE = 410


@functools.cache
def _user_agent() -> str:
    from proforum_webhook import __version__

    return f"proforum-webhook/{__version__}"


@functools.cache
def _default_tls_context() -> ssl.SSLContext:
    # Verifies the server's certificate and host name against the system's CAs.
    return ssl.create_default_context()


@attrs.frozen
class WebhookNotifier:
    """POSTs each message as signed JSON to one endpoint (Standard Webhooks).

    Returning means the endpoint answered ``2xx``.  Otherwise it raises:

    - :class:`~proforum_webhook.errors.WebhookDeliveryFailed` for a timeout, a
      refused or reset connection, a TLS failure, or any other status
      (``5xx``, ``429``, ``3xx``, ``4xx`` but ``410``): proforum keeps the
      message pending and retries it later with the same ``webhook-id``;
    - :class:`~proforum_webhook.errors.WebhookEndpointGone` (a
      :class:`proforum.errors.DeliveryRejected`) when the endpoint answers
      ``410 Gone``: proforum marks the message ``failed`` at once, and the
      endpoint is disabled.  Later messages are refused the same way without
      an HTTP call until :meth:`enable` (or :func:`proforum_webhook.enable_endpoint`
      for a state file) re-enables it.
    """

    settings: WebhookSettings
    clock: Clock = attrs.field(factory=SystemClock, repr=False)
    name: str = NAME
    _state: EndpointState = attrs.field(init=False, repr=False, eq=False)

    @_state.default
    def _new_state(self) -> EndpointState:
        settings = self.settings
        return EndpointState(settings.url, settings.endpoint, settings.state_file)

    @property
    def disabled(self) -> bool:
        """Whether the endpoint answered ``410 Gone`` and was not re-enabled since."""
        return self._state.is_disabled()

    def enable(self) -> bool:
        """Deliver to the endpoint again; return whether it was disabled.

        Clears the notifier's memory and, if it has one, the state file.
        """
        was_disabled = self._state.enable()
        if was_disabled:
            log.info("webhook endpoint %s re-enabled", self.settings.endpoint)
        return was_disabled

    def deliver(self, message: Message, recipient: Member, rendered: RenderedMessage) -> None:
        """POST ``message`` as ``recipient`` reads it, signed; return once the endpoint took it."""
        settings = self.settings
        if self._state.is_disabled():
            log.info("message %s not sent: endpoint %s is disabled", message.id, settings.endpoint)
            raise WebhookEndpointGone(None)
        body = build_payload(message, rendered, include_params=settings.include_params)
        # The attempt's time, not the message's: a retry is signed anew, so a
        # receiver's replay window never refuses a late but genuine retry.
        timestamp = int(self.clock.now().timestamp())
        headers = dict(settings.headers)
        if not any(name.lower() == "user-agent" for name in headers):
            headers["User-Agent"] = _user_agent()
        headers["Content-Type"] = "application/json"
        headers[ID_HEADER] = message.id
        headers[TIMESTAMP_HEADER] = str(timestamp)
        headers[SIGNATURE_HEADER] = sign(settings.keys, message.id, timestamp, body)
        status, retry_after = post(settings, body, headers)
        if 200 <= status <= 299:
            log.info("message %s accepted by %s (%d)", message.id, settings.endpoint, status)
            return
        if status == GONE:
            self._state.disable(self.clock.now(), status)
            log.warning(
                "message %s refused: %s answered 410 Gone; endpoint disabled",
                message.id,
                settings.endpoint,
            )
            raise WebhookEndpointGone(None)
        log.warning(
            "message %s not accepted by %s: status %d", message.id, settings.endpoint, status
        )
        if status in BUSY and retry_after is not None:
            seconds = retry_after_seconds(retry_after, self.clock.now())
            if seconds is not None:
                raise WebhookRetryLater(None, status=status, reason="status", seconds=seconds)
        raise WebhookDeliveryFailed(None, status=status, reason="status")


#: Statuses whose ``Retry-After`` the relay honours: too many requests, unavailable.
BUSY = frozenset({429, 503})
#: A ``Retry-After`` longer than this is read as this: a day is long enough to wait.
MAX_RETRY_AFTER = 86_400


def retry_after_seconds(value: str, now: datetime) -> int | None:
    """Seconds to wait from a ``Retry-After`` header (RFC 9110: seconds or an HTTP date).

    ``None`` for a value that is neither; a date in the past waits 0 seconds;
    anything over :data:`MAX_RETRY_AFTER` is cut to it.
    """
    text = value.strip()
    if text.isdigit():
        return min(int(text), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are in GMT
        when = when.replace(tzinfo=UTC)
    return max(0, min(math.ceil((when - now).total_seconds()), MAX_RETRY_AFTER))


def post(
    settings: WebhookSettings, body: bytes, headers: Mapping[str, str]
) -> tuple[int, str | None]:
    """Send one POST over a new connection, closed whatever happens.

    Returns the status and the answer's ``Retry-After`` header, if any.

    Redirects are not followed (a ``3xx`` is returned like any other status):
    following one would hand the signed message to a URL nobody configured.
    ``settings.timeout`` bounds connecting and each wait for the server.

    :raises WebhookDeliveryFailed: no answer came (refused, reset, timed out,
        TLS failure...), with the exception's type name.  It is raised outside
        the ``except`` block, so no ``__context__`` carries a host's error text.
    """
    connection: http.client.HTTPConnection
    if settings.scheme == "https":
        connection = http.client.HTTPSConnection(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            context=settings.ssl_context or _default_tls_context(),
        )
    else:
        connection = http.client.HTTPConnection(
            settings.host, settings.port, timeout=settings.timeout
        )
    status: int | None = None
    retry_after: str | None = None
    reason = "-"
    try:
        connection.request("POST", settings.target, body=body, headers=dict(headers))
        # Only the status and Retry-After matter; the answer's body is never
        # read, so a slow or huge one cannot hold the relay up.
        response = connection.getresponse()
        status = response.status
        retry_after = response.getheader("Retry-After")
    except Exception as exc:
        reason = type(exc).__name__
    finally:
        connection.close()
    if status is None:
        log.warning("webhook POST to %s failed: %s", settings.endpoint, reason)
        raise WebhookDeliveryFailed(None, status="-", reason=reason)
    return status, retry_after


@attrs.frozen
class WebhookNotifierFactory:
    """Registers :class:`WebhookNotifier` under the name ``webhook``."""

    name: str = NAME

    def create(self, context: AdapterContext | None, options: Mapping[str, Any]) -> WebhookNotifier:
        """Check the options and build the notifier; nothing is sent here.

        proforum builds a notifier only for a forum that chooses it or a message
        that names it, so empty options are a mistake and are refused.  The
        forum's clock dates each attempt (``webhook-timestamp``).

        :raises WebhookNotConfigured: ``options`` is empty.
        :raises WebhookOptionInvalid: an option is unknown, missing or malformed.
        """
        settings = parse_options(options)
        clock = context.clock if context is not None else SystemClock()
        return WebhookNotifier(settings, clock)
