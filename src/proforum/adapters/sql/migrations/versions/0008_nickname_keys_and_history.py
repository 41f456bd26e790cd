"""Look-alike nickname keys, and the history of nickname changes.

Revision ID: 0008
Revises: 0007
Create Date: 2027-03-01

* ``members.nickname_key`` is recomputed for every nickname with the UTS #39
  skeleton (:func:`proforum.domain.confusables.confusable_key`): before, the
  key folded width and case only.  Two stored nicknames that now share a key
  (say ``paypal`` and ``pаypal`` with a Cyrillic ``а``) stop the upgrade with
  the ids of both members: an operator renames one, then upgrades again.
* ``members.nickname_visual_key`` is new, unique: the skeleton with letter
  case kept (:func:`proforum.domain.confusables.visual_key`), so ``PayPaI``
  with a capital ``I`` clashes with ``PayPal``.
* ``nickname_history`` is new: one row per change an operator made, with the
  old nickname, its key (kept reserved for that member), the new one, the
  reason, who changed it and when.

Downgrading drops the history and the visual key, and recomputes the keys the
earlier way.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from proforum.domain.confusables import confusable_key, visual_key

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_members = sa.table(
    "members",
    sa.column("id", sa.String()),
    sa.column("identity_kind", sa.String()),
    sa.column("identity_value", sa.Text()),
    sa.column("nickname_key", sa.Text()),
    sa.column("nickname_visual_key", sa.Text()),
)


def _id_type() -> sa.types.TypeEngine[str]:
    """An identifier, compared byte by byte (``COLLATE "C"`` on PostgreSQL)."""
    return sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def _width_and_case_key(value: str) -> str:
    # The key of revisions 0001 to 0007, frozen here: the application's
    # function has moved on.
    return unicodedata.normalize("NFKC", value).casefold()


def _nicknames() -> list[tuple[str, str]]:
    """``(member id, nickname)`` of every nickname member, by id."""
    rows = op.get_bind().execute(
        sa.select(_members.c.id, _members.c.identity_value)
        .where(_members.c.identity_kind == "nickname")
        .order_by(_members.c.id)
    )
    return [(row.id, row.identity_value) for row in rows]


def _keys(key: Callable[[str], str]) -> dict[str, str]:
    """``key`` of every nickname by member id; stops on two members sharing one."""
    keys: dict[str, str] = {}
    first_with: dict[str, str] = {}
    for member_id, nickname in _nicknames():
        keys[member_id] = key(nickname)
        other = first_with.setdefault(keys[member_id], member_id)
        if other != member_id:
            raise RuntimeError(
                f"members {other} and {member_id} have nicknames that look the same; "
                "rename one of them before upgrading"
            )
    return keys


def _write(column: str, keys: dict[str, str]) -> None:
    """Set ``column`` of each member in ``keys``."""
    if not keys:
        return
    bind = op.get_bind()
    update = sa.update(_members).where(_members.c.id == sa.bindparam("member_id"))
    # Park every key first: swapping two keys row by row would trip the
    # unique constraint half-way.  No key holds a control character, so a
    # parked one cannot clash with a real one.
    bind.execute(
        update.values({column: sa.bindparam("parked")}),
        [{"member_id": member_id, "parked": "\x01" + member_id} for member_id in keys],
    )
    bind.execute(
        update.values({column: sa.bindparam("key")}),
        [{"member_id": member_id, "key": key} for member_id, key in keys.items()],
    )


def upgrade() -> None:
    """Recompute nickname keys with the skeleton, add the visual key; create ``nickname_history``."""
    # Both keys are computed, and clashes refused, before anything is written.
    keys, visual_keys = _keys(confusable_key), _keys(visual_key)
    _write("nickname_key", keys)
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("nickname_visual_key", sa.Text(), nullable=True))
    _write("nickname_visual_key", visual_keys)
    with op.batch_alter_table("members") as batch:
        batch.create_unique_constraint(
            op.f("uq_members_nickname_visual_key"), ["nickname_visual_key"]
        )
    op.create_table(
        "nickname_history",
        sa.Column("id", _id_type(), nullable=False),
        sa.Column("member_id", _id_type(), nullable=False),
        sa.Column("old_nickname", sa.Text(), nullable=False),
        sa.Column("old_key", sa.Text(), nullable=False),
        sa.Column("new_nickname", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", _id_type(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nickname_history")),
    )
    op.create_index(
        op.f("ix_nickname_history_member"), "nickname_history", ["member_id", "changed_at", "id"]
    )
    op.create_index(op.f("ix_nickname_history_old_key"), "nickname_history", ["old_key"])


def downgrade() -> None:
    """Drop ``nickname_history``; recompute keys by width and case only."""
    op.drop_index(op.f("ix_nickname_history_old_key"), table_name="nickname_history")
    op.drop_index(op.f("ix_nickname_history_member"), table_name="nickname_history")
    op.drop_table("nickname_history")
    with op.batch_alter_table("members") as batch:
        batch.drop_constraint(op.f("uq_members_nickname_visual_key"), type_="unique")
        batch.drop_column("nickname_visual_key")
    _write("nickname_key", _keys(_width_and_case_key))
