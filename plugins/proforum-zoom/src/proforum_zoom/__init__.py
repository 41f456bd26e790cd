"""proforum-zoom: create proforum's meetings on Zoom, with personal links and attendance.

Install the distribution, then give the provider its settings and choose it
by name::

    forum = proforum.open(
        "sqlite:///forum.db",
        video_options={
            "zoom": {
                "account_id": os.environ["ZOOM_ACCOUNT_ID"],
                "client_id": os.environ["ZOOM_CLIENT_ID"],
                "client_secret": os.environ["ZOOM_CLIENT_SECRET"],
                "user": "host@example.com",
                "webhook_secret": os.environ["ZOOM_WEBHOOK_SECRET"],
            }
        },
    )
    forum.set_meeting(host_id, meetup_id, provider="zoom")

Application tests can point the provider at :class:`proforum_zoom.testing.FakeZoom`.
Every option is described in the package's README.
"""

from __future__ import annotations

from importlib import metadata as _metadata

import proforum
from proforum_zoom.client import Answer, TransientFailure, ZoomClient, parse_retry_after
from proforum_zoom.errors import PROVIDER, ZoomError, ZoomOptionInvalid
from proforum_zoom.options import ZoomSettings, parse_options
from proforum_zoom.provider import (
    BATCH_SIZE,
    MARKER_PREFIX,
    ZoomProvider,
    ZoomProviderFactory,
    marker,
    meeting_segment,
)
from proforum_zoom.report import summarise
from proforum_zoom.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, url_validation_reply

try:
    # Written once, in pyproject.toml; read back from the installed distribution.
    __version__ = _metadata.version("proforum-zoom")
except _metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "BATCH_SIZE",
    "MARKER_PREFIX",
    "PROVIDER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Answer",
    "TransientFailure",
    "ZoomClient",
    "ZoomError",
    "ZoomOptionInvalid",
    "ZoomProvider",
    "ZoomProviderFactory",
    "ZoomSettings",
    "__version__",
    "marker",
    "meeting_segment",
    "parse_options",
    "parse_retry_after",
    "proforum_register_video_providers",
    "sign",
    "summarise",
    "url_validation_reply",
]


@proforum.hookimpl
def proforum_register_video_providers() -> list[ZoomProviderFactory]:
    """Provide the ``zoom`` video provider."""
    return [ZoomProviderFactory()]
