"""The search use case: a community's visible posts and comments, Korean included.

What matches is :mod:`proforum.domain.search`'s rule; how each backend finds
it fast is its own business (trigram indexes on SQLite and PostgreSQL, see
``docs/concepts/communities.md``).  Results page like the popular feed, by
an opaque cursor over the ``(published_at, id)`` position of the last post
shown.
"""

from __future__ import annotations

from datetime import datetime

from proforum.domain.common import CommunityId, MemberId, PostId, clean_text
from proforum.domain.search import QUERY_MAX, SEARCH_PAGE_MAX, SearchPage
from proforum.errors import InvalidInput
from proforum.services.base import ForumBase
from proforum.services.cursors import decode_position, encode_position
from proforum.services.feeds import feed_entries

_CURSOR_PREFIX = "s1."


def encode_search_cursor(published_at: datetime, post_id: PostId) -> str:
    """The opaque cursor of the search position just after this post."""
    return encode_position(_CURSOR_PREFIX, published_at, post_id)


def decode_search_cursor(cursor: object) -> tuple[datetime, PostId]:
    """The keyset position held by a cursor from :func:`encode_search_cursor`.

    :raises InvalidCursor: ``cursor`` is not such a string.
    """
    at, ident = decode_position(cursor, _CURSOR_PREFIX, "post_id")
    return at, PostId(ident)


class SearchUseCases(ForumBase):
    """Searching a community's posts and comments: members of the community only."""

    def search(
        self,
        actor: MemberId,
        community_id: CommunityId,
        query: str,
        *,
        limit: int = 20,
        after: str | None = None,
    ) -> SearchPage:
        """Return a page of the community's visible posts that ``query`` finds, newest first.

        A post is found when the query occurs in its title or body, or in
        one of its visible comments (the post then comes once, however many
        of its comments match).  Korean is matched as written, from one
        syllable up (``"이직"`` finds ``"이직했어요"``); the letters ``A``–``Z``
        match either case; every other character, quotes and operators
        included, is plain text.  Content awaiting review, hidden or deleted
        is never found, not even by its author or a moderator.  Pass the
        page's ``next_cursor`` as ``after`` to get the next page; a page
        takes the same few queries whatever its size.

        :param query: 1 to 100 characters after outer spaces are removed, on one line.
        :raises InvalidText: the query is empty, too long, not a string, or
            holds line breaks or control characters.
        :raises InvalidInput: ``limit`` is not 1 to 100.
        :raises InvalidCursor: ``after`` is not a cursor this method returned.
        :raises NotACommunityMember: the actor is not a member of the community.
        """
        clean_query = clean_text("query", query, max_len=QUERY_MAX)
        if (
            isinstance(limit, bool)
            or not isinstance(limit, int)
            or not 1 <= limit <= SEARCH_PAGE_MAX
        ):
            raise InvalidInput(limit)
        position = None if after is None else decode_search_cursor(after)
        with self._transaction() as tx:
            tx.community(community_id)
            tx.membership(community_id, actor)
            # One more than asked tells whether another page follows.
            posts = list(
                tx.uow.posts.search(community_id, clean_query, limit=limit + 1, before=position)
            )
            more = len(posts) > limit
            posts = posts[:limit]
            entries = feed_entries(tx, posts, actor)
        last = posts[-1] if more else None
        cursor = None if last is None else encode_search_cursor(last.published_at, last.id)
        return SearchPage(entries, cursor)
