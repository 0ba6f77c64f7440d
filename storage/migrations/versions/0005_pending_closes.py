"""Accept, then settle: a close is stored at once and decided moments later by the worker.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("pending IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("pending", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("pending_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("pending_retry_at", UtcDateTime(), nullable=True))
    op.create_index(
        "ix_conversations_pending", "conversations", ["id"],
        sqlite_where=_PENDING, postgresql_where=_PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_pending", table_name="conversations")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("pending_retry_at")
        batch.drop_column("pending_attempts")
        batch.drop_column("pending")
