"""proforum: professional communities as a library.

Members speak under a real name or a fixed nickname, gather in communities by
job function, publish posts, and run meetups with a verifiable lottery, meeting
links only selected people get, attendance, and anonymous surveys.

Start with :func:`open`::

    import proforum

    forum = proforum.open("memory://")
"""

from __future__ import annotations

from importlib import metadata as _metadata

from proforum import errors
from proforum.bootstrap import open
from proforum.domain.common import Secret
from proforum.domain.community import JOB_FUNCTIONS, Role
from proforum.domain.lottery import Verification
from proforum.domain.lottery import verify_record as verify_draw
from proforum.domain.meetup import ApplicationState, MeetupFormat, MeetupState
from proforum.plugins import get_plugin_manager, hookimpl
from proforum.ports.clock import ManualClock, RandomIds, SeededIds, SystemClock
from proforum.services.forum import Forum

try:
    # Written once, in pyproject.toml; read back from the installed distribution.
    __version__ = _metadata.version("proforum")
except _metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "JOB_FUNCTIONS",
    "ApplicationState",
    "Forum",
    "ManualClock",
    "MeetupFormat",
    "MeetupState",
    "RandomIds",
    "Role",
    "Secret",
    "SeededIds",
    "SystemClock",
    "Verification",
    "__version__",
    "errors",
    "get_plugin_manager",
    "hookimpl",
    "open",
    "verify_draw",
]
