"""Use cases of community feeds: the newest posts, and the popular ones.

Both show visible posts only, each with its author card, visible comment
count and reactions, and page by keyset position (a deep page costs the
same as the first, and no post is skipped or repeated when posts tie):

* the newest feed by ``(published_at, id)``, its position a plain tuple
  (``FeedPage.next_before``), as it has always been;
* the popular feed by ``(score, published_at, id)``, its position an opaque
  string (``FeedPage.next_cursor``) so the score's definition can change
  without breaking the clients that hold a cursor.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from proforum.domain.common import CommunityId, MemberId, PostId, check_id, require_aware
from proforum.domain.content import FeedEntry, FeedPage, Post
from proforum.errors import InvalidCursor, InvalidIdentifier, InvalidInput
from proforum.ports.storage import compose_feed_entries
from proforum.services.base import ForumBase, Tx

#: The most posts one feed page may hold.
FEED_PAGE_MAX = 100
_CURSOR_PREFIX = "p1."
_CURSOR_MAX_LENGTH = 200


def encode_popular_cursor(score: int, published_at: datetime, post_id: PostId) -> str:
    """The opaque cursor of the popular feed position just after this post."""
    position = json.dumps([score, published_at.astimezone(UTC).isoformat(), post_id])
    return _CURSOR_PREFIX + base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def decode_popular_cursor(cursor: object) -> tuple[int, datetime, PostId]:
    """The keyset position held by a cursor from :func:`encode_popular_cursor`.

    :raises InvalidCursor: ``cursor`` is not such a string.
    """
    if (
        not isinstance(cursor, str)
        or len(cursor) > _CURSOR_MAX_LENGTH
        or not cursor.startswith(_CURSOR_PREFIX)
    ):
        raise InvalidCursor(cursor)
    body = cursor.removeprefix(_CURSOR_PREFIX)
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        position: Any = json.loads(raw.decode())
        score, at_text, post_id = position
        at = datetime.fromisoformat(at_text)
        check_id("post_id", post_id)
    except (
        binascii.Error,
        UnicodeDecodeError,
        ValueError,
        TypeError,
        OverflowError,
        InvalidIdentifier,
    ):
        raise InvalidCursor(cursor) from None
    # A score is a whole number a database column can hold; a bool is not one.
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score < 2**31:
        raise InvalidCursor(cursor)
    if at.utcoffset() is None:
        raise InvalidCursor(cursor)
    try:
        return score, at.astimezone(UTC), PostId(post_id)
    except OverflowError:  # a moment just outside what datetime holds in UTC
        raise InvalidCursor(cursor) from None


def _check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= FEED_PAGE_MAX:
        raise InvalidInput(limit)
    return limit


def feed_entries(tx: Tx, posts: Sequence[Post], reader: MemberId) -> tuple[FeedEntry, ...]:
    """The posts with authors (and verified employers), visible comment counts and reactions.

    Feeds and search pages share it, so neither costs a query per post.
    """
    return tuple(compose_feed_entries(tx.uow, posts, reader))


def _check_reader(tx: Tx, community_id: CommunityId, actor: MemberId) -> None:
    """Raise unless ``actor`` is a member of the community; a member costs one read.

    A membership names a community that exists, so a member needs no
    community read.  Anyone else gets exactly the errors, in the same order,
    as reading the community and then the membership would give.
    """
    check_id("community_id", community_id)
    if isinstance(actor, str) and tx.uow.memberships.get(community_id, actor) is not None:
        return
    tx.community(community_id)
    tx.membership(community_id, actor)


class FeedUseCases(ForumBase):
    """Reading a community's feeds: members of the community only."""

    def feed(
        self,
        actor: MemberId,
        community_id: CommunityId,
        *,
        limit: int = 20,
        before: tuple[datetime, PostId] | None = None,
    ) -> FeedPage:
        """Return a page of a community's visible posts, newest first.

        Each entry has the post's author card, visible comment count and
        reactions (with the kinds the actor reacted with).  Pass the page's
        ``next_before`` as ``before`` to get the next page (keyset
        pagination: a deep page costs the same as the first).  A page takes
        the same small number of queries whatever its size.

        :raises NotACommunityMember: the actor is not a member of the community.
        :raises InvalidInput: ``limit`` is not 1 to 100, or ``before`` is not a
            ``(datetime, post id)`` pair.
        :raises InvalidSchedule: the datetime in ``before`` is naive.
        """
        _check_limit(limit)
        if before is not None:
            if not (isinstance(before, tuple) and len(before) == 2 and isinstance(before[1], str)):
                raise InvalidInput(before)
            # In datetime.UTC, the stored posts' zone: comparing datetimes of
            # two different tzinfo objects costs ten times as much.
            before = (require_aware("before", before[0]).astimezone(UTC), before[1])
        with self._transaction() as tx:
            _check_reader(tx, community_id, actor)
            # One more than asked tells whether another page follows.
            entries = tuple(
                tx.uow.posts.feed_entries(community_id, actor, limit=limit + 1, before=before)
            )
        if len(entries) <= limit:
            return FeedPage(entries, None)
        last = entries[limit - 1].post
        return FeedPage(entries[:limit], (last.published_at, last.id))

    def popular_feed(
        self,
        actor: MemberId,
        community_id: CommunityId,
        *,
        limit: int = 20,
        after: str | None = None,
    ) -> FeedPage:
        """Return a page of a community's visible posts, highest score first.

        The score counts each visible comment twice and each reaction to the
        post once (:func:`~proforum.domain.content.post_score`); posts of
        equal score come newest first.  Pass the page's ``next_cursor`` as
        ``after`` to get the next page.  Scores change while a reader pages:
        a post whose score moves across the cursor may then be seen twice or
        not at all, as in any ranking read page by page; a page itself is
        always consistent.

        :raises NotACommunityMember: the actor is not a member of the community.
        :raises InvalidInput: ``limit`` is not 1 to 100.
        :raises InvalidCursor: ``after`` is not a cursor this method returned.
        """
        _check_limit(limit)
        position = None if after is None else decode_popular_cursor(after)
        with self._transaction() as tx:
            tx.community(community_id)
            tx.membership(community_id, actor)
            posts = list(tx.uow.posts.popular(community_id, limit=limit + 1, after=position))
            more = len(posts) > limit
            posts = posts[:limit]
            entries = feed_entries(tx, posts, actor)
        last = posts[-1] if more else None
        cursor = (
            None if last is None else encode_popular_cursor(last.score, last.published_at, last.id)
        )
        return FeedPage(entries, None, cursor)
