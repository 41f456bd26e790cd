"""Opaque keyset cursors over a ``(moment, id)`` position, shared by pages that use one.

A cursor is a version prefix and the URL-safe base64 of a JSON pair.  Each
kind of page has its own prefix, so a cursor of one kind is refused by
another instead of silently paging the wrong list.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from proforum.domain.common import check_id
from proforum.errors import InvalidCursor, InvalidIdentifier

#: The longest cursor accepted: far above a real one, low enough to refuse junk cheaply.
CURSOR_MAX_LENGTH = 200


def encode_position(prefix: str, at: datetime, ident: str) -> str:
    """The cursor, under ``prefix``, of the position just after ``(at, ident)``."""
    position = json.dumps([at.astimezone(UTC).isoformat(), ident])
    return prefix + base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def decode_position(cursor: object, prefix: str, id_field: str) -> tuple[datetime, str]:
    """The ``(moment in UTC, id)`` a cursor from :func:`encode_position` holds.

    :param id_field: the id's name, for :func:`~proforum.domain.common.check_id`.
    :raises InvalidCursor: ``cursor`` is not such a string under ``prefix``.
    """
    if (
        not isinstance(cursor, str)
        or len(cursor) > CURSOR_MAX_LENGTH
        or not cursor.startswith(prefix)
    ):
        raise InvalidCursor(cursor)
    body = cursor.removeprefix(prefix)
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        position: Any = json.loads(raw.decode())
        at_text, ident = position
        at = datetime.fromisoformat(at_text)
        check_id(id_field, ident)
    except (
        binascii.Error,
        UnicodeDecodeError,
        ValueError,
        TypeError,
        OverflowError,
        InvalidIdentifier,
    ):
        raise InvalidCursor(cursor) from None
    if at.utcoffset() is None:
        raise InvalidCursor(cursor)
    try:
        return at.astimezone(UTC), str(ident)
    except OverflowError:  # a moment just outside what datetime holds in UTC
        raise InvalidCursor(cursor) from None
