"""proforum-jitsi: Jitsi Meet rooms for proforum meetups, with a signed token per participant.

Install the distribution, then choose the provider by name::

    forum = proforum.open(
        "sqlite:///forum.db",
        video_options={
            "jitsi": {
                "mode": "self-hosted",
                "base_url": "https://meet.example.com",
                "app_id": "proforum",
                "secret": os.environ["JITSI_APP_SECRET"],
            }
        },
    )
    meeting = forum.set_meeting(host_id, meetup_id, provider="jitsi")

8x8 JaaS works the same way with ``"mode": "jaas"`` and an RSA key.  Every
option is described in the package's README; :mod:`proforum_jitsi.testing`
helps application tests read the tokens back.
"""

from __future__ import annotations

from importlib import metadata as _metadata

import proforum
from proforum_jitsi.errors import JitsiError, JitsiNotConfigured, JitsiOptionInvalid
from proforum_jitsi.options import DEFAULT_FEATURES, JAAS_BASE_URL, JitsiSettings, parse_options
from proforum_jitsi.provider import NAME, JitsiProvider, JitsiProviderFactory, TokenWindow
from proforum_jitsi.rooms import RANDOM_BITS, is_room_name, new_room_name

try:
    # Written once, in pyproject.toml; read back from the installed distribution.
    __version__ = _metadata.version("proforum-jitsi")
except _metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_FEATURES",
    "JAAS_BASE_URL",
    "NAME",
    "RANDOM_BITS",
    "JitsiError",
    "JitsiNotConfigured",
    "JitsiOptionInvalid",
    "JitsiProvider",
    "JitsiProviderFactory",
    "JitsiSettings",
    "TokenWindow",
    "__version__",
    "is_room_name",
    "new_room_name",
    "parse_options",
    "proforum_register_video_providers",
]


@proforum.hookimpl
def proforum_register_video_providers() -> list[JitsiProviderFactory]:
    """Provide the ``jitsi`` video provider."""
    return [JitsiProviderFactory()]
