"""Room names nobody can guess.

On Jitsi a room exists as soon as someone opens ``https://<domain>/<room>``,
so on a deployment without tokens the name is the only lock on the door.
Each name ends in 160 random bits from :mod:`secrets`, written in lowercase
base32: Prosody folds room names to lowercase (they are the node part of a
MUC JID), so mixed-case letters would look random without adding entropy.
The readable part in front (a prefix and the meetup id) only helps people
reading server logs; it adds nothing to, and takes nothing from, the random
part.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable
from typing import Final

__all__ = [
    "MEETUP_CHARS",
    "RANDOM_BITS",
    "RANDOM_BYTES",
    "RANDOM_CHARS",
    "is_room_name",
    "new_room_name",
    "readable_part",
]

#: Bytes drawn from the CSPRNG for each room: 160 bits, well above the 128 required.
RANDOM_BYTES: Final = 20
RANDOM_BITS: Final = RANDOM_BYTES * 8
#: Length of the random part: base32 writes 5 bits a character (no padding for 20 bytes).
RANDOM_CHARS: Final = RANDOM_BITS // 5
#: At most this many characters of the meetup id appear in the name.
MEETUP_CHARS: Final = 24

_ROOM = re.compile(rf"(?:[a-z0-9]{{1,40}}-)*[a-z2-7]{{{RANDOM_CHARS}}}")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def readable_part(text: str, limit: int = MEETUP_CHARS) -> str:
    """``text`` reduced to lowercase ASCII letters and digits, at most ``limit`` of them."""
    return _NOT_ALNUM.sub("", text.lower())[:limit]


def new_room_name(
    prefix: str, meetup_id: str, token_bytes: Callable[[int], bytes] = secrets.token_bytes
) -> str:
    """Return ``{prefix}-{meetup}-{160 random bits}``, leaving out empty readable parts.

    :param token_bytes: the random source; :func:`secrets.token_bytes` except in tests.
    """
    random = base64.b32encode(token_bytes(RANDOM_BYTES)).decode("ascii").lower()
    parts = [p for p in (readable_part(prefix, 40), readable_part(meetup_id)) if p]
    return "-".join([*parts, random])


def is_room_name(value: object) -> bool:
    """Whether ``value`` has the shape of a name :func:`new_room_name` makes.

    Checked before a stored meeting id goes into a URL or a token, so that a
    foreign or damaged id cannot smuggle a path, a query or another room in.
    """
    return isinstance(value, str) and len(value) <= 200 and _ROOM.fullmatch(value) is not None
