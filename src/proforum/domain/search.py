"""What a search finds: the one matching rule every backend implements.

A post matches a query when the query is a substring of the post's title or
body, or of the body of one of its *visible* comments, with the letters
``A``–``Z`` compared case-insensitively (:func:`fold_case`) and every other
character compared exactly.  Hangul has no case, so Korean text is compared
as it is written (both sides are NFC: :func:`~proforum.domain.common.clean_text`
normalises posts, comments and queries alike).  Only visible posts are ever
found.

Why only ASCII letters fold: it is the one case rule SQLite's ``lower()`` (no
ICU), PostgreSQL's ``translate()`` and Python agree on exactly, whatever the
database's locale.  PostgreSQL's ``ILIKE`` and ``lower()`` follow the
database's locale (with ICU, Greek final sigma lowers differently at the end
of a word), and SQLite's FTS5 folds more than its ``LIKE``, so each would
give its own answers.  Accented and other non-ASCII letters (``É``/``é``)
must therefore be typed as they appear.

:func:`matches` is the reference the backends are tested against.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from proforum.domain.content import Comment, FeedEntry, Post

#: The longest query, in characters (after outer spaces are removed).
QUERY_MAX = 100
#: The shortest query a trigram index can answer; shorter ones are scanned for.
TRIGRAM_MIN = 3
#: The most posts one search page may hold.
SEARCH_PAGE_MAX = 100

ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ASCII_LOWER = "abcdefghijklmnopqrstuvwxyz"
_FOLD = str.maketrans(ASCII_UPPER, ASCII_LOWER)


def fold_case(text: str) -> str:
    """``text`` with ``A``–``Z`` lowered and every other character kept as it is."""
    return text.translate(_FOLD)


def contains(text: str, query: str) -> bool:
    """Tell whether ``query`` occurs in ``text``, ASCII letters folded (see the module)."""
    return fold_case(query) in fold_case(text)


def matches(post: Post, comments: Iterable[Comment], query: str) -> bool:
    """Tell whether a search for ``query`` finds ``post`` with these ``comments``.

    The reference rule: a visible post whose title or body, or the body of
    one of its visible comments, contains the query.
    """
    if not post.is_visible:
        return False
    if contains(post.title, query) or contains(post.body, query):
        return True
    return any(c.is_visible and c.post_id == post.id and contains(c.body, query) for c in comments)


@attrs.frozen
class SearchPage:
    """A page of search results: visible posts, newest first, each once.

    A post found through one of its comments comes as the post.

    :param entries: the posts with author card, visible comment count and reactions.
    :param next_cursor: the opaque cursor to pass as ``after`` for the next
        page; ``None`` on the last page.
    """

    entries: tuple[FeedEntry, ...]
    next_cursor: str | None

    @property
    def posts(self) -> tuple[Post, ...]:
        """The posts of the page, without authors and counts."""
        return tuple(entry.post for entry in self.entries)
