"""Retention: each team's own limits, and the lease of the day's retention run.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEAM_LIMITS = ("retention_comment_months", "retention_identity_months", "retention_prompt_months")


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        for column in TEAM_LIMITS:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
    op.create_table(
        "retention_runs",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("retention_runs")
    with op.batch_alter_table("teams") as batch:
        for column in reversed(TEAM_LIMITS):
            batch.drop_column(column)
