"""Reconciliation: where each helpdesk's poll resumes, and the lease of the replica polling it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "helpdesk_checkpoints",
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("checkpoint", sa.Text(), nullable=True),
        sa.Column("polled_at", UtcDateTime(), nullable=True),
        sa.Column("claimed_at", UtcDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("helpdesk_checkpoints")
