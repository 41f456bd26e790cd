"""Where a member's personal data lives, and what erasing a member does to each place.

A member's rights of access and erasure (개인정보 열람·삭제) are carried out
over the tables of an export document.  :data:`MEMBER_REFERENCES` names, for
each table, the fields that point at a member; storage backends use it to
find a member's rows (:meth:`~proforum.ports.storage.UnitOfWork.member_rows`),
so a new table that names members is covered once it is listed here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

import attrs

from proforum.domain.common import MemberId

#: For each export table, the fields of its entities that name a member.
MEMBER_REFERENCES: Final[Mapping[str, tuple[str, ...]]] = {
    "members": ("id",),
    "nickname_history": ("member_id",),
    "employer_verifications": ("member_id",),
    "employer_challenges": ("member_id",),
    "join_requests": ("member_id",),
    "memberships": ("member_id",),
    "posts": ("author_id",),
    "comments": ("author_id",),
    "reactions": ("member_id",),
    "revisions": ("editor_id",),
    "flags": ("flagger_id",),
    "moderation_log": ("actor_id",),
    "meetups": ("host_id",),
    "applications": ("member_id",),
    "video_registrations": ("member_id",),
    "follow_up_interests": ("member_id",),
    "contact_consents": ("member_id", "with_member_id"),
    "participations": ("member_id",),
    "messages": ("recipient_id",),
    "inbox": ("recipient_id",),
    "notification_preferences": ("member_id",),
}

#: Tables whose rows about an erased member are deleted: they hold personal
#: data (old nicknames and the reasons for changing them, employers and
#: company addresses, personal join links, messages and their parameters,
#: choices) and nothing others rely on.
ERASED_TABLES: Final = frozenset(
    {
        "nickname_history",
        "employer_verifications",
        "employer_challenges",
        "join_requests",
        "video_registrations",
        "follow_up_interests",
        "contact_consents",
        "messages",
        "inbox",
        "notification_preferences",
    }
)

#: Tables whose rows about an erased member stay, with the member's own words
#: removed (:func:`without_own_words`): a flag keeps counting for the
#: moderators, its note goes.
REWRITTEN_TABLES: Final = frozenset({"flags"})

#: What an erased member is shown as, before the short pseudonym.
PSEUDONYM_PREFIX_KO: Final = "탈퇴회원"


def pseudonym(member_id: MemberId) -> str:
    """The nickname an erased member is shown under: ``탈퇴회원 3f9a2c1d``.

    Derived from the id alone, so it reveals nothing the id did not, and the
    same member always gets the same pseudonym (a second erasure is a no-op).
    """
    digest = hashlib.sha256(b"proforum-erased\x00" + member_id.encode()).hexdigest()
    return f"{PSEUDONYM_PREFIX_KO} {digest[:8]}"


def without_own_words(table: str, entity: Any) -> Any:
    """``entity`` of a :data:`REWRITTEN_TABLES` table, without what the member wrote in it."""
    if table == "flags":
        return attrs.evolve(entity, note=None)
    raise ValueError(f"rows of {table!r} are not rewritten")
