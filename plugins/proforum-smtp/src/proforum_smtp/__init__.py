"""proforum-smtp: deliver proforum's messages as e-mail over SMTP.

Install the distribution, then choose the notifier by name::

    forum = proforum.open(
        "sqlite:///forum.db",
        notifier="smtp",
        notifier_options={
            "smtp": {
                "host": "smtp.example.com",
                "security": "starttls",
                "username": "community@example.com",
                "password": os.environ["SMTP_PASSWORD"],
                "sender": "리멤버 커뮤니티 <community@example.com>",
                "address_of": lambda member: my_app.email_of(member.id),
            }
        },
    )

Every option is described in the package's README.
"""

from __future__ import annotations

from importlib import metadata as _metadata

import proforum
from proforum_smtp.compose import ID_HEADER, message_id
from proforum_smtp.errors import (
    EmailAddressInvalid,
    EmailAddressMissing,
    SmtpDeliveryFailed,
    SmtpError,
    SmtpNotConfigured,
    SmtpOptionInvalid,
    SmtpRecipientRefused,
)
from proforum_smtp.notifier import SmtpNotifier, SmtpNotifierFactory
from proforum_smtp.options import SmtpSettings, parse_options

try:
    # Written once, in pyproject.toml; read back from the installed distribution.
    __version__ = _metadata.version("proforum-smtp")
except _metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "ID_HEADER",
    "EmailAddressInvalid",
    "EmailAddressMissing",
    "SmtpDeliveryFailed",
    "SmtpError",
    "SmtpNotConfigured",
    "SmtpNotifier",
    "SmtpNotifierFactory",
    "SmtpOptionInvalid",
    "SmtpRecipientRefused",
    "SmtpSettings",
    "__version__",
    "message_id",
    "parse_options",
    "proforum_register_notifiers",
]


@proforum.hookimpl
def proforum_register_notifiers() -> list[SmtpNotifierFactory]:
    """Provide the ``smtp`` notifier."""
    return [SmtpNotifierFactory()]
