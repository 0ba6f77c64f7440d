"""Reminders: a team's delay before one reminder of an unanswered prompt (0: none), and
the moment a prompt's reminder was claimed, set once by the worker that sends it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 16:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(
            sa.Column("reminder_minutes", sa.Integer(), nullable=False, server_default="2880")
        )
    with op.batch_alter_table("prompts") as batch:
        batch.add_column(sa.Column("reminded_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prompts") as batch:
        batch.drop_column("reminded_at")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("reminder_minutes")
