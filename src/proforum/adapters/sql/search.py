"""Internal: full-text search over posts and comments on SQLite and PostgreSQL.

The rule is :func:`proforum.domain.search.matches`: the query is a substring
of a visible post's title or body, or of a visible comment's body, with
``A``–``Z`` folded.  How each database finds candidates fast:

* **SQLite** keeps an FTS5 table, ``search_fts`` (``trigram`` tokenizer, one
  row per post and per comment, columns ``title`` and ``body``), and
  ``search_documents``, which gives each row a stable integer id (``kind``,
  ``item_id``).  SQL triggers on ``posts`` and ``comments`` (revision 0011)
  keep both in step with every insert, text change and delete, inside the
  writing statement's transaction.  The index holds text only: status is
  read from the posts and comments themselves, so hiding or showing content
  needs no index write and can never leave it stale.  A trigram needs three
  characters: a shorter query scans the community's visible posts, newest
  first, until the page is full.
* **PostgreSQL** has GIN ``pg_trgm`` indexes on the ASCII-folded title, body
  and comment body, and ``LIKE '%…%'`` on the same expression uses them
  (queries of one or two characters too, but then the index cannot narrow
  anything and the community is scanned as on SQLite).

Every candidate is checked against the exact rule in SQL (FTS5's trigram
tokenizer folds more than ASCII, and a phrase may span characters the rule
does not), so all backends return the same posts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from proforum.adapters.sql import tables as t
from proforum.adapters.sql.types import UtcDateTime
from proforum.domain.common import CommunityId, PostId
from proforum.domain.content_status import ContentStatus
from proforum.domain.search import ASCII_LOWER, ASCII_UPPER, TRIGRAM_MIN, fold_case

#: The FTS5 table of SQLite and the table giving its rows stable ids.
FTS_TABLE = "search_fts"
DOCUMENTS_TABLE = "search_documents"
#: The GIN trigram indexes of PostgreSQL.
PG_INDEXES = frozenset({"ix_posts_search_title", "ix_posts_search_body", "ix_comments_search_body"})


def is_search_object(name: str | None) -> bool:
    """Tell whether a table or index is part of the search index (not in ``tables.py``).

    FTS5 keeps its data in shadow tables named after the FTS table
    (``search_fts_data``, ``search_fts_idx``, …).
    """
    if name is None:
        return False
    return name == DOCUMENTS_TABLE or name.startswith(FTS_TABLE) or name in PG_INDEXES


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's ``include_object``: leave the search index out of schema comparisons.

    The index is created by revision 0011 in SQL of its own (a virtual table,
    triggers, expression indexes with an extension's operator class), which
    ``tables.py`` cannot describe.
    """
    return not (reflected and is_search_object(name))


def _fold(dialect: str, column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """The column with ``A``–``Z`` lowered, exactly as :func:`fold_case` does."""
    if dialect == "postgresql":
        # Literal, not bound: the expression must equal the indexed one.
        return sa.func.translate(
            column, sa.literal_column(f"'{ASCII_UPPER}'"), sa.literal_column(f"'{ASCII_LOWER}'")
        )
    # SQLite's lower() changes ASCII letters only (without the ICU extension).
    return sa.func.lower(column)


def _has(dialect: str, column: sa.ColumnElement[str], folded: str) -> sa.ColumnElement[bool]:
    """The folded column contains ``folded``: plain text, no pattern characters."""
    needle = sa.bindparam(None, folded, type_=sa.Text())
    haystack = _fold(dialect, column)
    if dialect == "postgresql":
        return sa.func.strpos(haystack, needle) > 0
    return sa.func.instr(haystack, needle) > 0


def _like(column: sa.ColumnElement[str], folded: str) -> sa.ColumnElement[bool]:
    """PostgreSQL: the folded column ``LIKE '%query%'``, what its trigram index serves."""
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = sa.bindparam(None, f"%{escaped}%", type_=sa.Text())
    return _fold("postgresql", column).like(pattern, escape="\\")


def fts_phrase(query: str) -> str:
    """``query`` as one FTS5 string: every character is text, nothing is syntax.

    Inside double quotes FTS5 reads operators (``AND``, ``NEAR``, ``*``,
    ``:``, ``-``, ``^``, parentheses) as plain characters; a double quote is
    written twice.
    """
    return '"' + query.replace('"', '""') + '"'


def _matching_post_ids(dialect: str, query: str, folded: str) -> sa.CompoundSelect[tuple[str]]:
    """Ids of posts the query finds through their own text or a visible comment's.

    Driven by the index: only rows whose text matches are read, in any
    community; the caller keeps the community's visible posts.
    """
    p, c = t.posts, t.comments
    visible = ContentStatus.VISIBLE.value
    if dialect == "postgresql":
        own = sa.select(p.c.id).where(sa.or_(_like(p.c.title, folded), _like(p.c.body, folded)))
        via = sa.select(c.c.post_id).where(c.c.status == visible, _like(c.c.body, folded))
        return sa.union_all(own, via)
    hits = (
        sa.text(
            "SELECT d.kind AS kind, d.item_id AS item_id FROM search_fts"
            " JOIN search_documents AS d ON d.id = search_fts.rowid"
            " WHERE search_fts MATCH :phrase"
        )
        .bindparams(phrase=fts_phrase(query))
        .columns(sa.column("kind", sa.String()), sa.column("item_id", sa.String()))
        .cte("hits")
    )
    own = (
        sa.select(p.c.id)
        .join(hits, sa.and_(hits.c.kind == "post", hits.c.item_id == p.c.id))
        .where(sa.or_(_has(dialect, p.c.title, folded), _has(dialect, p.c.body, folded)))
    )
    via = (
        sa.select(c.c.post_id)
        .join(hits, sa.and_(hits.c.kind == "comment", hits.c.item_id == c.c.id))
        .where(c.c.status == visible, _has(dialect, c.c.body, folded))
    )
    return sa.union_all(own, via)


def search_statement(
    dialect: str,
    community_id: CommunityId,
    query: str,
    *,
    limit: int,
    before: tuple[datetime, PostId] | None,
) -> sa.Select[Any]:
    """One ``SELECT`` of the posts a search finds, newest first (see the module)."""
    p, c = t.posts, t.comments
    folded = fold_case(query)
    where: list[sa.ColumnElement[bool]] = [
        p.c.community_id == community_id,
        p.c.status == ContentStatus.VISIBLE.value,
    ]
    if before is not None:
        at, post_id = before
        where.append(
            sa.tuple_(p.c.published_at, p.c.id)
            < sa.tuple_(
                sa.bindparam("before_at", at, type_=UtcDateTime()),
                sa.bindparam("before_id", post_id, type_=p.c.id.type),
            )
        )
    if len(query) >= TRIGRAM_MIN:
        where.append(p.c.id.in_(_matching_post_ids(dialect, query, folded)))
    else:
        # Too short for a trigram: walk the community's visible posts newest
        # first (ix_posts_feed) and stop when the page is full.
        in_comment = sa.exists().where(
            c.c.post_id == p.c.id,
            c.c.status == ContentStatus.VISIBLE.value,
            _has(dialect, c.c.body, folded),
        )
        where.append(
            sa.or_(_has(dialect, p.c.title, folded), _has(dialect, p.c.body, folded), in_comment)
        )
    return (
        sa.select(p)
        .where(*where)
        .order_by(p.c.published_at.desc(), p.c.id.desc())
        .limit(max(limit, 0))
    )
