"""The chat platform's directory, cached: Slack user id, time zone and language by a keyed
hash of the email, so a first prompt to someone new needs no per-person lookup.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_directory",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("email_hash", sa.String(64), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("locale", sa.String(35), nullable=True),
        sa.Column("updated", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", name="pk_chat_directory"),
    )
    op.create_index(
        "ix_chat_directory_platform_email_hash", "chat_directory", ["platform", "email_hash"]
    )
    op.create_index("ix_chat_directory_seen_at", "chat_directory", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_chat_directory_seen_at", table_name="chat_directory")
    op.drop_index("ix_chat_directory_platform_email_hash", table_name="chat_directory")
    op.drop_table("chat_directory")
