"""Questions after the score: reasons per rating, the work time lost, and the team options.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("reasons", sa.String(600), nullable=True))
        batch.add_column(
            sa.Column("lost_time", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("ratings") as batch:
        batch.add_column(sa.Column("lost_time", sa.String(16), nullable=True))
    op.create_index(
        "ix_ratings_team_lost", "ratings", ["team_id", "rated_at", "lost_time"],
        sqlite_where=sa.text("lost_time IS NOT NULL"),
        postgresql_where=sa.text("lost_time IS NOT NULL"),
    )
    op.create_table(
        "rating_reasons",
        sa.Column("rating_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["rating_id"], ["ratings.id"], ondelete="CASCADE",
                                name="fk_rating_reasons_rating_id_ratings"),
        sa.PrimaryKeyConstraint("rating_id", "reason", name="pk_rating_reasons"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("rating_reasons")
    op.drop_index("ix_ratings_team_lost", table_name="ratings")
    with op.batch_alter_table("ratings") as batch:
        batch.drop_column("lost_time")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("lost_time")
        batch.drop_column("reasons")
