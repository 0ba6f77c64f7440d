"""Anonymity that survives a database read: random 64-bit rating ids, the nightly batches,
per-day answer counts and the markers that refuse a replayed first click.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # SQLite's INTEGER is 64 bits already; PostgreSQL's SERIAL is 32.
        op.alter_column("ratings", "id", type_=sa.BigInteger())
        op.alter_column("follow_ups", "id", type_=sa.BigInteger())
        op.alter_column("follow_ups", "rating_id", type_=sa.BigInteger())
    with op.batch_alter_table("ratings") as batch:
        batch.add_column(
            sa.Column("awaiting_batch", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "anonymous_answer_counts",
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id", ondelete="CASCADE",
                  name="fk_anonymous_answer_counts_team_id_teams"), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("answered", sa.Integer(), nullable=False),
    )
    op.create_table(
        "anonymous_answered",
        sa.Column("marker", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("fresh", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "anonymity_runs",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("ran_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("anonymity_runs")
    op.drop_table("anonymous_answered")
    op.drop_table("anonymous_answer_counts")
    with op.batch_alter_table("ratings") as batch:
        batch.drop_column("awaiting_batch")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("follow_ups", "rating_id", type_=sa.Integer())
        op.alter_column("follow_ups", "id", type_=sa.Integer())
        op.alter_column("ratings", "id", type_=sa.Integer())
