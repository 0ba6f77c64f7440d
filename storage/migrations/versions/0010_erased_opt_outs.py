"""Forget me: the opt-outs that outlive a person's erasure, as keyed hashes, and the key
generated for them when RATEBOT_ANONYMITY_KEY is not set.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_opt_outs",
        sa.Column("marker", sa.String(64), primary_key=True),
    )
    op.create_table(
        "stored_keys",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stored_keys")
    op.drop_table("erased_opt_outs")
