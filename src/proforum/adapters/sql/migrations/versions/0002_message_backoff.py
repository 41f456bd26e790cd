"""Give each outbox message the time of its next delivery attempt.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Failed deliveries are retried with exponential backoff; ``next_attempt_at`` is
when the relay may try again (``NULL``: as soon as it runs).  Existing messages
keep ``NULL``, so every pending message stays due exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the nullable ``messages.next_attempt_at`` column."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop ``messages.next_attempt_at``; pending messages become due at once."""
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("next_attempt_at")
