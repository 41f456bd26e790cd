"""Threaded comments, reactions, edit history, tombstones and the popular feed.

Revision ID: 0010
Revises: 0009
Create Date: 2027-02-22

* ``posts`` get ``status`` (``visible``, ``held``, ``hidden`` or ``deleted``;
  existing posts are visible), ``edited_at`` and ``score``: existing posts get
  2 for each of their comments, as a new comment would have given them (they
  have no reactions yet).  ``ix_posts_feed`` becomes ``(community_id, status,
  published_at, id)``; ``ix_posts_popular`` over ``(community_id, status,
  score, published_at, id)`` serves the popular feed and ``ix_posts_status``
  finds content awaiting review.  A deleted post keeps no text
  (``ck_posts_tombstone``).
* ``comments`` get ``parent_id`` (the comment a reply answers), ``depth``
  (0 to 5; existing comments are top-level, 0), ``status`` and
  ``edited_at``, with ``ix_comments_status``.
* ``reactions`` (one row per target, member and kind) and ``revisions`` (the
  earlier versions of edited posts and comments) are new.

The CHECK constraints are written out as they are at this revision.
Downgrading deletes what 0009 would show wrongly: posts and comments that are
not visible (0009 would publish held, hidden and deleted content) and the
comments of such posts; replies become top-level comments, and reactions,
earlier versions, edit times and scores are lost.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUS = "status IN ('visible', 'held', 'hidden', 'deleted')"
_TARGET = "target IN ('post', 'comment')"
_KIND = "kind IN ('like', 'helpful', 'insightful')"
#: What a new comment adds to its post's score (proforum.domain.content.SCORE_PER_COMMENT).
_SCORE_PER_COMMENT = 2


def _id_type() -> sa.types.TypeEngine[str]:
    """An identifier, compared byte by byte (``COLLATE "C"`` on PostgreSQL)."""
    return sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def _code(length: int) -> sa.types.TypeEngine[str]:
    """A short code sorted by code point on every database."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _utc() -> sa.DateTime:
    """A timestamp with its time zone, as ``UtcDateTime`` stores it."""
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the columns, compute the scores, create the two tables."""
    # The feed index gains the status column; dropped first, so SQLite's table
    # rebuild below does not carry the old one along.
    op.drop_index("ix_posts_feed", table_name="posts")
    with op.batch_alter_table("posts") as batch:
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="visible")
        )
        batch.add_column(sa.Column("edited_at", _utc(), nullable=True))
        batch.add_column(sa.Column("score", sa.Integer(), nullable=False, server_default="0"))
        batch.create_check_constraint(op.f("ck_posts_status"), _STATUS)
        batch.create_check_constraint(op.f("ck_posts_score"), "score >= 0")
        batch.create_check_constraint(
            op.f("ck_posts_tombstone"), "status <> 'deleted' OR (title = '' AND body = '')"
        )
    with op.batch_alter_table("posts") as batch:
        # The defaults were for the rows already there; the library always writes both.
        batch.alter_column("status", server_default=None)
        batch.alter_column("score", server_default=None)
    posts = sa.table("posts", sa.column("id", _id_type()), sa.column("score", sa.Integer()))
    comments = sa.table("comments", sa.column("post_id", _id_type()))
    count = sa.select(sa.func.count()).where(comments.c.post_id == posts.c.id).scalar_subquery()
    op.get_bind().execute(sa.update(posts).values(score=_SCORE_PER_COMMENT * count))
    op.create_index(
        op.f("ix_posts_feed"), "posts", ["community_id", "status", "published_at", "id"]
    )
    op.create_index(
        op.f("ix_posts_popular"),
        "posts",
        ["community_id", "status", "score", "published_at", "id"],
    )
    op.create_index(op.f("ix_posts_status"), "posts", ["status"])

    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("parent_id", _id_type(), nullable=True))
        batch.add_column(sa.Column("depth", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="visible")
        )
        batch.add_column(sa.Column("edited_at", _utc(), nullable=True))
        batch.create_check_constraint(op.f("ck_comments_status"), _STATUS)
        batch.create_check_constraint(op.f("ck_comments_depth"), "depth BETWEEN 0 AND 5")
        batch.create_check_constraint(
            op.f("ck_comments_parent"), "(parent_id IS NULL) = (depth = 0)"
        )
        batch.create_check_constraint(
            op.f("ck_comments_tombstone"), "status <> 'deleted' OR body = ''"
        )
    with op.batch_alter_table("comments") as batch:
        batch.alter_column("depth", server_default=None)
        batch.alter_column("status", server_default=None)
    op.create_index(op.f("ix_comments_status"), "comments", ["status"])

    op.create_table(
        "reactions",
        sa.Column("target", _code(16), nullable=False),
        sa.Column("target_id", _id_type(), nullable=False),
        sa.Column("member_id", _id_type(), nullable=False),
        sa.Column("kind", _code(16), nullable=False),
        sa.Column("reacted_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint(
            "target", "target_id", "member_id", "kind", name=op.f("pk_reactions")
        ),
        sa.CheckConstraint(_TARGET, name=op.f("ck_reactions_target")),
        sa.CheckConstraint(_KIND, name=op.f("ck_reactions_kind")),
    )
    op.create_table(
        "revisions",
        sa.Column("target", _code(16), nullable=False),
        sa.Column("target_id", _id_type(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("editor_id", _id_type(), nullable=False),
        sa.Column("replaced_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("target", "target_id", "number", name=op.f("pk_revisions")),
        sa.CheckConstraint(_TARGET, name=op.f("ck_revisions_target")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_revisions_number")),
        sa.CheckConstraint(
            "(target = 'post') = (title IS NOT NULL)", name=op.f("ck_revisions_title")
        ),
    )


def downgrade() -> None:
    """Back to 0009: only visible content, flat comments, no reactions or history."""
    op.drop_table("revisions")
    op.drop_table("reactions")
    bind = op.get_bind()
    posts = sa.table("posts", sa.column("id", _id_type()), sa.column("status", sa.String(16)))
    comments = sa.table(
        "comments", sa.column("post_id", _id_type()), sa.column("status", sa.String(16))
    )
    # 0009 would show everything it holds: what is not public goes.
    hidden_posts = sa.select(posts.c.id).where(posts.c.status != "visible")
    bind.execute(sa.delete(comments).where(comments.c.post_id.in_(hidden_posts)))
    bind.execute(sa.delete(comments).where(comments.c.status != "visible"))
    bind.execute(sa.delete(posts).where(posts.c.status != "visible"))

    op.drop_index(op.f("ix_comments_status"), table_name="comments")
    with op.batch_alter_table("comments") as batch:
        batch.drop_constraint(op.f("ck_comments_tombstone"), type_="check")
        batch.drop_constraint(op.f("ck_comments_parent"), type_="check")
        batch.drop_constraint(op.f("ck_comments_depth"), type_="check")
        batch.drop_constraint(op.f("ck_comments_status"), type_="check")
        batch.drop_column("edited_at")
        batch.drop_column("status")
        batch.drop_column("depth")
        batch.drop_column("parent_id")

    op.drop_index(op.f("ix_posts_status"), table_name="posts")
    op.drop_index(op.f("ix_posts_popular"), table_name="posts")
    op.drop_index(op.f("ix_posts_feed"), table_name="posts")
    with op.batch_alter_table("posts") as batch:
        batch.drop_constraint(op.f("ck_posts_tombstone"), type_="check")
        batch.drop_constraint(op.f("ck_posts_score"), type_="check")
        batch.drop_constraint(op.f("ck_posts_status"), type_="check")
        batch.drop_column("score")
        batch.drop_column("edited_at")
        batch.drop_column("status")
    op.create_index("ix_posts_feed", "posts", ["community_id", "published_at", "id"])
