"""Indexes for the digest's one read (`storage.one_read`): follow-ups by team and time
opened, so a week's are found without a look-up per rating; and on PostgreSQL the ratings'
covering index carries the agent, the person and the id, so the week's ratings are read
from the index alone (SQLite's indexes hold the id already; its agent and person are read
from the table there).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RATED = ["team_id", "rated_at", "category", "score"]


def upgrade() -> None:
    op.create_index("ix_follow_ups_team_created", "follow_ups", ["team_id", "created_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_ratings_team_rated", table_name="ratings")
        op.create_index("ix_ratings_team_rated", "ratings", _RATED,
                        postgresql_include=["agent_id", "person_id", "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_ratings_team_rated", table_name="ratings")
        op.create_index("ix_ratings_team_rated", "ratings", _RATED)
    op.drop_index("ix_follow_ups_team_created", table_name="follow_ups")
