"""Helpdesk sources: which team each helpdesk group (or Jira project) belongs to.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 04:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team_sources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("group_key", sa.String(length=200), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_sources_team_id_teams"),
            ondelete="CASCADE",  # removing a team removes its mappings
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_sources")),
        sa.UniqueConstraint("source", "group_key", name=op.f("uq_team_sources_source_group_key")),
    )
    op.create_index(op.f("ix_team_sources_team_id"), "team_sources", ["team_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_team_sources_team_id"), table_name="team_sources")
    op.drop_table("team_sources")
