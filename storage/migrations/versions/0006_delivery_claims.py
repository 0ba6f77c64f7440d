"""Exactly-once delivery: claims carry a token, a send in doubt is marked, 429s are shared.

Workers register where they run, so a restarted one can release what its dead
predecessor held at once instead of waiting for the lease.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("prompts") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(32), nullable=True))
        batch.add_column(sa.Column("sending_since", UtcDateTime(), nullable=True))
    op.create_index("ix_prompts_claim_token", "prompts", ["claim_token"])
    op.create_table(
        "delivery_workers",
        sa.Column("instance", sa.String(16), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "platform_pauses",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("method", sa.String(64), primary_key=True),
        sa.Column("until", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("platform_pauses")
    op.drop_table("delivery_workers")
    op.drop_index("ix_prompts_claim_token", table_name="prompts")
    with op.batch_alter_table("prompts") as batch:
        batch.drop_column("sending_since")
        batch.drop_column("claim_token")
