"""proforum-teams: Microsoft Teams online meetings for proforum, through Microsoft Graph.

Install the distribution, then choose the provider by name::

    forum = proforum.open(
        "sqlite:///forum.db",
        video_options={
            "teams": {
                "tenant": "contoso.onmicrosoft.com",
                "client_id": os.environ["TEAMS_CLIENT_ID"],
                "client_secret": os.environ["TEAMS_CLIENT_SECRET"],
                "organizer": "5f1c...",  # the Entra object id meetings belong to
            }
        },
    )
    forum.set_meeting(host_id, meetup_id, provider="teams")

Every option, the Entra app registration and the webhook wiring are described
in the package's README; :mod:`proforum_teams.testing` has a fake Graph server
for application tests.
"""

from __future__ import annotations

from importlib import metadata as _metadata

import proforum
from proforum_teams.errors import PROVIDER, TeamsOptionInvalid
from proforum_teams.options import LOBBY_SCOPES, PRESENTERS, TeamsSettings, parse_options
from proforum_teams.provider import MEETING_OPTIONS, TeamsProvider, TeamsProviderFactory
from proforum_teams.retry import parse_retry_after
from proforum_teams.webhooks import VALIDATION_TOKEN, validation_response, verify_notification

try:
    # Written once, in pyproject.toml; read back from the installed distribution.
    __version__ = _metadata.version("proforum-teams")
except _metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "LOBBY_SCOPES",
    "MEETING_OPTIONS",
    "PRESENTERS",
    "PROVIDER",
    "VALIDATION_TOKEN",
    "TeamsOptionInvalid",
    "TeamsProvider",
    "TeamsProviderFactory",
    "TeamsSettings",
    "__version__",
    "parse_options",
    "parse_retry_after",
    "proforum_register_video_providers",
    "validation_response",
    "verify_notification",
]


@proforum.hookimpl
def proforum_register_video_providers() -> list[TeamsProviderFactory]:
    """Provide the ``teams`` video provider."""
    return [TeamsProviderFactory()]
