"""Chat platforms: the ids of delivered events and interactions, to handle each once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 04:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_deliveries")),
        sa.UniqueConstraint("key", name=op.f("uq_chat_deliveries_key")),
    )
    op.create_index(op.f("ix_chat_deliveries_seen_at"), "chat_deliveries", ["seen_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_deliveries_seen_at"), table_name="chat_deliveries")
    op.drop_table("chat_deliveries")
