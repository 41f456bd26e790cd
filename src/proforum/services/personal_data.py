"""A member's rights over their personal data: a copy of everything, and erasure."""

from __future__ import annotations

from typing import Any

import attrs

from proforum.domain.common import MemberId
from proforum.domain.events import MemberErased
from proforum.domain.identity import Member, Nickname
from proforum.domain.personal_data import (
    ERASED_TABLES,
    REWRITTEN_TABLES,
    pseudonym,
    without_own_words,
)
from proforum.errors import RoleRequired
from proforum.services.base import ForumBase

#: The ``format`` of a member export document.
MEMBER_EXPORT_FORMAT = "proforum-member-export"
#: Its version; a new field or table bumps it.
MEMBER_EXPORT_VERSION = 1


class PersonalDataUseCases(ForumBase):
    """Access to and erasure of one member's personal data (개인정보 열람·삭제)."""

    def _require_self_or_site_operator(self, actor: MemberId, member_id: MemberId) -> None:
        if actor != member_id and actor not in self._site_operators:
            raise RoleRequired(
                actor, roles_ko="본인, 사이트 운영자", roles_en="self, site operator"
            )

    def export_member(self, actor: MemberId, member_id: MemberId) -> dict[str, Any]:
        """Everything stored about a member, as one JSON-ready document.

        The document has the member's profile (with e-mail address and
        company), every row of every table that names them (memberships,
        posts, comments, meetups they host, applications, follow-up wishes,
        contact consents, survey participations, nickname changes, messages,
        inbox, notification choices, video registrations) and, for each
        table, the rows in the format of :meth:`export_data`.  Personal join
        links are left out (``join_url`` is ``null``): they are credentials,
        not information about the member.  Survey answers are not in it: an
        anonymous answer is linked to nobody, which is the point.

        :raises RoleRequired: the actor is neither the member nor a site operator.
        :raises NotFound: no such member.
        """
        self._require_self_or_site_operator(actor, member_id)
        from proforum.serialization import unstructure

        with self._transaction() as tx:
            tx.member(member_id)
            rows = tx.uow.member_rows(member_id)
            exported_at = tx.now
        tables: dict[str, list[Any]] = {}
        for table, entities in rows.items():
            unstructured = [unstructure(entity) for entity in entities]
            if table == "video_registrations":
                for row in unstructured:
                    row["join_url"] = None
            tables[table] = unstructured
        return {
            "format": MEMBER_EXPORT_FORMAT,
            "version": MEMBER_EXPORT_VERSION,
            "member_id": member_id,
            "exported_at": exported_at.isoformat(),
            "tables": tables,
        }

    def erase_member(self, actor: MemberId, member_id: MemberId) -> Member:
        """Erase a member's personal data, keeping communities, posts and threads whole.

        In one transaction the member's name becomes a pseudonym (``탈퇴회원``
        and eight hex digits derived from the id), their company, years of
        experience and e-mail address are removed, and every row of
        :data:`~proforum.domain.personal_data.ERASED_TABLES` that names them is
        deleted: nickname history (which also frees their old nicknames),
        employer verifications and codes, join requests,
        personal video links, follow-up wishes, contact consents, messages not
        yet sent, inbox and notification choices.  What others rely on stays,
        under the pseudonym: their flags (without the notes they wrote),
        memberships and roles, posts and comments,
        meetups they host, applications and lottery records (which name
        members by id only), survey participations.  After the commit the
        ``proforum_member_erased`` hook tells plugins to erase their copies.
        Erasing twice changes nothing the second time.

        :raises RoleRequired: the actor is neither the member nor a site operator.
        :raises NotFound: no such member.
        """
        self._require_self_or_site_operator(actor, member_id)
        with self._transaction() as tx:
            member = tx.member(member_id)
            erased = attrs.evolve(
                member,
                identity=Nickname(pseudonym(member.id)),
                company=None,
                years_of_experience=None,
                email=None,
            )
            if erased != member:
                tx.uow.members.update(erased)
            rows = tx.uow.member_rows(member_id)
            for table in sorted(ERASED_TABLES):
                tx.uow.remove(table, rows.get(table, ()))
            for table in sorted(REWRITTEN_TABLES):
                stored = rows.get(table, ())
                kept = [without_own_words(table, entity) for entity in stored]
                tx.uow.rewrite(
                    table, [new for old, new in zip(stored, kept, strict=True) if new != old]
                )
            tx.events.append(MemberErased(erased))
        return erased
