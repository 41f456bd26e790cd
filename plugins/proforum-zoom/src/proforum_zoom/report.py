"""Turning Zoom's participant rows into one attendance entry per person.

Zoom lists a person once per join/leave interval: someone whose connection
dropped twice appears three times.  Rows are grouped by the registrant id
when Zoom has one (the personal link proforum registered), else by the
address the person joined with (case-insensitive), and their ``duration``
seconds are added up.  Rows with neither (a guest who was not signed in)
become one entry each, with no address: proforum counts them as unmatched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from proforum.domain.common import MemberId
from proforum.ports.video import AttendanceEntry

__all__ = ["summarise"]


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _seconds(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return 0
    return int(value)


def summarise(
    rows: Iterable[Mapping[str, Any]],
    *,
    members: Mapping[str, MemberId] | None = None,
    emails: Mapping[str, str] | None = None,
) -> list[AttendanceEntry]:
    """One :class:`AttendanceEntry` per person, in order of first appearance.

    :param rows: Zoom's ``participants`` rows, from every page.
    :param members: proforum members by registrant id, where known.
    :param emails: registrants' addresses by registrant id, for rows that
        carry a registrant id but no address.
    """
    members = members or {}
    emails = emails or {}
    totals: dict[tuple[str, str], int] = {}
    found: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for index, row in enumerate(rows):
        registrant = _text(row.get("registrant_id"))
        email = _text(row.get("user_email"))
        if registrant is not None:
            key = ("registrant", registrant)
        elif email is not None:
            key = ("email", email.casefold())
        else:
            key = ("row", str(index))
        totals[key] = totals.get(key, 0) + _seconds(row.get("duration"))
        known_registrant, known_email = found.get(key, (None, None))
        found[key] = (registrant or known_registrant, known_email or email)
    entries = []
    for key, seconds in totals.items():
        registrant, email = found[key]
        if registrant is not None and email is None:
            email = emails.get(registrant)
        entries.append(
            AttendanceEntry(
                seconds=seconds,
                member_id=members.get(registrant) if registrant is not None else None,
                email=email,
                registrant_id=registrant,
            )
        )
    return entries
