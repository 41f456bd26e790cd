"""proforum-webhook: deliver proforum's messages as signed HTTP POSTs (Standard Webhooks).

Install the distribution, then choose the notifier by name::

    forum = proforum.open(
        "sqlite:///forum.db",
        notifier="webhook",
        notifier_options={
            "webhook": {
                "url": "https://hooks.example.com/proforum",
                "secret": os.environ["PROFORUM_WEBHOOK_SECRET"],  # whsec_...
                "state_file": "/var/lib/myapp/webhook-state.json",
            }
        },
        deliver="manual",
    )

The receiving side checks each request with :func:`verify`.  Every option and
the JSON payload are described in the package's README.
"""

from __future__ import annotations

from importlib import metadata as _metadata

import proforum
from proforum_webhook.errors import (
    WebhookDeliveryFailed,
    WebhookEndpointGone,
    WebhookError,
    WebhookHeaderInvalid,
    WebhookHeaderMissing,
    WebhookNotConfigured,
    WebhookOptionInvalid,
    WebhookPayloadInvalid,
    WebhookReplayed,
    WebhookRetryLater,
    WebhookSignatureMismatch,
    WebhookTimestampOutOfRange,
    WebhookTimestampTooNew,
    WebhookTimestampTooOld,
    WebhookVerificationFailed,
)
from proforum_webhook.keys import SECRET_PREFIX, SigningKey, new_secret, sign
from proforum_webhook.notifier import WebhookNotifier, WebhookNotifierFactory
from proforum_webhook.options import WebhookSettings, parse_options
from proforum_webhook.payload import WebhookEvent
from proforum_webhook.receiver import (
    DEFAULT_TOLERANCE,
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ReplayGuard,
    SignedRequest,
    verify,
    verify_signature,
)
from proforum_webhook.state import enable_endpoint

try:
    # Written once, in pyproject.toml; read back from the installed distribution.
    __version__ = _metadata.version("proforum-webhook")
except _metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_TOLERANCE",
    "ID_HEADER",
    "SECRET_PREFIX",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "ReplayGuard",
    "SignedRequest",
    "SigningKey",
    "WebhookDeliveryFailed",
    "WebhookEndpointGone",
    "WebhookError",
    "WebhookEvent",
    "WebhookHeaderInvalid",
    "WebhookHeaderMissing",
    "WebhookNotConfigured",
    "WebhookNotifier",
    "WebhookNotifierFactory",
    "WebhookOptionInvalid",
    "WebhookPayloadInvalid",
    "WebhookReplayed",
    "WebhookRetryLater",
    "WebhookSettings",
    "WebhookSignatureMismatch",
    "WebhookTimestampOutOfRange",
    "WebhookTimestampTooNew",
    "WebhookTimestampTooOld",
    "WebhookVerificationFailed",
    "__version__",
    "enable_endpoint",
    "new_secret",
    "parse_options",
    "proforum_register_notifiers",
    "sign",
    "verify",
    "verify_signature",
]


@proforum.hookimpl
def proforum_register_notifiers() -> list[WebhookNotifierFactory]:
    """Provide the ``webhook`` notifier."""
    return [WebhookNotifierFactory()]
