"""Full-text search over posts and comments, Korean included.

Revision ID: 0011
Revises: 0010
Create Date: 2027-03-01

Trigram indexes: Korean is not split into words by spaces the way English is
(particles stick to nouns: "연봉협상을", "연봉은"), so a word tokenizer would
miss most substrings; trigrams find any substring of three characters or
more in any script.

* **SQLite**: ``search_documents`` gives each post and comment a stable
  integer id (``kind``, ``item_id``; a rowid of ``posts`` would change on
  ``VACUUM``), and the FTS5 table ``search_fts`` (``trigram`` tokenizer)
  holds the title and body under that id.  Triggers on ``posts`` and
  ``comments`` write both on every insert, text change and delete, in the
  transaction of the statement that fired them: the repositories, an
  import's ``executemany`` and any raw SQL keep the index right alike.
  Status is not indexed (searches read it from the rows).  **A later
  migration that rebuilds ``posts`` or ``comments`` (``batch_alter_table``
  on SQLite) drops their triggers and must create them again.**
* **PostgreSQL**: ``pg_trgm`` (created in the current schema if the
  database lacks it) and GIN trigram indexes on the title, body and comment
  body, ASCII-folded with ``translate()`` as the searches fold them.  The
  operator class is named with the extension's schema, wherever it was
  installed.

Both are filled from the rows already there.  Downgrading drops the tables,
triggers and indexes; the extension stays, as other things may use it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "abcdefghijklmnopqrstuvwxyz"

#: (index, table, column) of the PostgreSQL trigram indexes.
_PG_INDEXES = (
    ("ix_posts_search_title", "posts", "title"),
    ("ix_posts_search_body", "posts", "body"),
    ("ix_comments_search_body", "comments", "body"),
)


#: The triggers keeping the index in step with ``posts`` and ``comments``,
#: written out in full.  Status and score changes leave the text alone and
#: skip the index (the ``WHEN`` of the update triggers).
_SQLITE_TRIGGERS = (
    """CREATE TRIGGER search_posts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO search_documents (kind, item_id) VALUES ('post', NEW.id);
    INSERT INTO search_fts (rowid, title, body) VALUES (
        (SELECT id FROM search_documents WHERE kind = 'post' AND item_id = NEW.id),
        NEW.title, NEW.body);
END""",
    """CREATE TRIGGER search_posts_update AFTER UPDATE ON posts
WHEN OLD.id IS NOT NEW.id OR OLD.title IS NOT NEW.title OR OLD.body IS NOT NEW.body BEGIN
    UPDATE search_documents SET item_id = NEW.id WHERE kind = 'post' AND item_id = OLD.id;
    UPDATE search_fts SET title = NEW.title, body = NEW.body WHERE rowid =
        (SELECT id FROM search_documents WHERE kind = 'post' AND item_id = NEW.id);
END""",
    """CREATE TRIGGER search_posts_delete AFTER DELETE ON posts BEGIN
    DELETE FROM search_fts WHERE rowid =
        (SELECT id FROM search_documents WHERE kind = 'post' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'post' AND item_id = OLD.id;
END""",
    """CREATE TRIGGER search_comments_insert AFTER INSERT ON comments BEGIN
    INSERT INTO search_documents (kind, item_id) VALUES ('comment', NEW.id);
    INSERT INTO search_fts (rowid, title, body) VALUES (
        (SELECT id FROM search_documents WHERE kind = 'comment' AND item_id = NEW.id),
        NULL, NEW.body);
END""",
    """CREATE TRIGGER search_comments_update AFTER UPDATE ON comments
WHEN OLD.id IS NOT NEW.id OR OLD.body IS NOT NEW.body BEGIN
    UPDATE search_documents SET item_id = NEW.id WHERE kind = 'comment' AND item_id = OLD.id;
    UPDATE search_fts SET body = NEW.body WHERE rowid =
        (SELECT id FROM search_documents WHERE kind = 'comment' AND item_id = NEW.id);
END""",
    """CREATE TRIGGER search_comments_delete AFTER DELETE ON comments BEGIN
    DELETE FROM search_fts WHERE rowid =
        (SELECT id FROM search_documents WHERE kind = 'comment' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'comment' AND item_id = OLD.id;
END""",
)
#: Their names, for the downgrade.
_SQLITE_TRIGGER_NAMES = tuple(
    f"search_{table}_{event}"
    for table in ("posts", "comments")
    for event in ("insert", "update", "delete")
)


def _upgrade_sqlite() -> None:
    op.execute(
        """CREATE TABLE search_documents (
    id INTEGER PRIMARY KEY,
    kind VARCHAR(16) NOT NULL,
    item_id VARCHAR(64) NOT NULL,
    CONSTRAINT uq_search_documents_kind_item_id UNIQUE (kind, item_id)
)"""
    )
    op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tokenize = 'trigram')")
    op.execute("INSERT INTO search_documents (kind, item_id) SELECT 'post', id FROM posts")
    op.execute("INSERT INTO search_documents (kind, item_id) SELECT 'comment', id FROM comments")
    op.execute(
        "INSERT INTO search_fts (rowid, title, body) SELECT d.id, p.title, p.body"
        " FROM search_documents AS d JOIN posts AS p ON d.kind = 'post' AND p.id = d.item_id"
    )
    op.execute(
        "INSERT INTO search_fts (rowid, title, body) SELECT d.id, NULL, c.body"
        " FROM search_documents AS d JOIN comments AS c"
        " ON d.kind = 'comment' AND c.id = d.item_id"
    )
    for trigger in _SQLITE_TRIGGERS:
        op.execute(trigger)


def _upgrade_postgresql() -> None:
    bind = op.get_bind()
    find = sa.text(
        "SELECT n.nspname FROM pg_extension AS e"
        " JOIN pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    )
    if bind.execute(find).scalar() is None:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    extension_schema = bind.execute(find).scalar_one()
    opclass = f'"{extension_schema}".gin_trgm_ops'
    for index, table, column in _PG_INDEXES:
        op.execute(
            f"CREATE INDEX {index} ON {table} USING gin"
            f" (translate({column}, '{_UPPER}', '{_LOWER}') {opclass})"
        )


def upgrade() -> None:
    """Create the search index of this database and fill it from the existing rows."""
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    """Drop the search index: triggers and tables on SQLite, indexes on PostgreSQL."""
    if op.get_bind().dialect.name == "postgresql":
        for index, _table, _column in _PG_INDEXES:
            op.execute(f"DROP INDEX {index}")
        return
    for name in _SQLITE_TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE search_fts")
    op.execute("DROP TABLE search_documents")
