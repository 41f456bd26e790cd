"""Graph change notifications: the validation handshake and the ``clientState`` check.

Graph signs nothing on basic change notifications.  A subscription carries a
``clientState`` secret, Graph repeats it in every notification, and the
receiver compares it (in constant time) with its own copy.

Creating a subscription, Graph first calls the notification URL with
``?validationToken=<token>``; the endpoint must answer ``200`` with the
URL-decoded token as ``text/plain`` within 10 seconds.  The token arrives in
the query string, which :meth:`~proforum.ports.video.WebhookVerification.verify_webhook`
does not see, so the web application passes it as the pseudo-header
:data:`VALIDATION_TOKEN`, or answers it itself with :func:`validation_response`.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from urllib.parse import parse_qs

from proforum.domain.common import Secret
from proforum.errors import WebhookRejected
from proforum.ports.video import WebhookResult
from proforum_teams.errors import PROVIDER

#: The key (any case) under which ``verify_webhook`` looks for the handshake's token.
VALIDATION_TOKEN = "validationToken"  # noqa: S105 - a parameter name, not a secret
#: Longer tokens are refused: Graph's are a few hundred characters.
MAX_TOKEN = 8192
#: Larger bodies are refused before parsing.
MAX_BODY = 1024 * 1024


def _reject(reason: str) -> WebhookRejected:
    return WebhookRejected(None, provider=PROVIDER, reason=reason)


def validation_response(query: Mapping[str, str | list[str]] | str) -> str | None:
    """The plain-text answer to Graph's validation handshake, or ``None`` if it is not one.

    :param query: the request's query string (``"validationToken=abc%20def"``)
        or its parsed parameters; the token is returned URL-decoded, as Graph
        requires.  Answer it with status ``200`` and ``Content-Type: text/plain``.
    """
    if isinstance(query, str):
        value: object = parse_qs(query, keep_blank_values=True).get(VALIDATION_TOKEN)
    else:
        value = next((v for k, v in query.items() if k.lower() == VALIDATION_TOKEN.lower()), None)
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    if not isinstance(value, str) or not value or len(value) > MAX_TOKEN:
        return None
    return value


def verify_notification(
    client_state: Secret | None, headers: Mapping[str, str], body: bytes
) -> WebhookResult:
    """Check one call to the notification URL.

    A handshake (``headers["validationToken"]``) yields
    ``WebhookResult(reply={"validationToken": token})``: answer the token as
    ``text/plain``.  A notification batch is accepted only if every item in
    ``value[]`` carries the configured ``clientState``; it yields no
    attendance events, because Graph's online-meeting notifications say that
    something changed, not who joined (attendance comes from the reports).

    :raises WebhookRejected: no ``client_state`` configured, a missing or
        wrong ``clientState``, or a body that is not a notification batch.
    """
    token = validation_response(dict(headers))
    if token is not None:
        return WebhookResult(reply={VALIDATION_TOKEN: token}, reply_text=token)
    if client_state is None:
        raise _reject("client_state is not configured")
    if len(body) > MAX_BODY:
        raise _reject("body too large")
    try:
        batch = json.loads(body)
    except ValueError:
        raise _reject("malformed body") from None
    items = batch.get("value") if isinstance(batch, dict) else None
    if not isinstance(items, list) or not items:
        raise _reject("malformed body")
    expected = client_state.reveal().encode()
    for item in items:
        given = item.get("clientState") if isinstance(item, dict) else None
        if not isinstance(given, str):
            raise _reject("clientState missing")
        # Every item is compared: one forged item among genuine ones spoils the batch.
        if not hmac.compare_digest(given.encode(), expected):
            raise _reject("clientState mismatch")
    return WebhookResult()


__all__ = [
    "MAX_BODY",
    "MAX_TOKEN",
    "VALIDATION_TOKEN",
    "validation_response",
    "verify_notification",
]
