"""Covering indexes for the digest: prompt counts without the table, comments without the
ratings that have none (100 teams' digests over 1,000,000 ratings read a fifth as many
pages).

The prompts' index by team and creation time gains status and reason, and replaces the
narrower one it extends.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 15:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COMMENTED = sa.text("comment IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_prompts_team_created_status", "prompts", ["team_id", "created_at", "status", "reason"]
    )
    op.drop_index("ix_prompts_team_created", table_name="prompts")
    op.create_index(
        "ix_ratings_team_commented", "ratings", ["team_id", "rated_at"],
        sqlite_where=_COMMENTED, postgresql_where=_COMMENTED,
    )


def downgrade() -> None:
    op.drop_index("ix_ratings_team_commented", table_name="ratings")
    op.create_index("ix_prompts_team_created", "prompts", ["team_id", "created_at"])
    op.drop_index("ix_prompts_team_created_status", table_name="prompts")
