"""Mutual rating: a team option, the checks sent to agents, and their answers kept apart.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(
            sa.Column("mutual", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "request_checks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("platform", sa.String(16), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE",
                                name="fk_request_checks_conversation_id_conversations"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"],
                                name="fk_request_checks_team_id_teams"),
        sa.ForeignKeyConstraint(["agent_id"], ["people.id"],
                                name="fk_request_checks_agent_id_people"),
        sa.PrimaryKeyConstraint("id", name="pk_request_checks"),
        sa.UniqueConstraint("conversation_id", name="uq_request_checks_conversation_id"),
    )
    op.create_index("ix_request_checks_agent_id", "request_checks", ["agent_id"])
    op.create_index("ix_request_checks_due", "request_checks", ["status", "next_attempt_at"])
    op.create_table(
        "request_answers",
        sa.Column("id", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", UtcDateTime(), nullable=False),
        sa.Column("clarity", sa.String(8), nullable=True),
        sa.Column("reach", sa.String(8), nullable=True),
        sa.Column("receipt_hash", sa.String(64), nullable=False),
        sa.Column("shuffled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"],
                                name="fk_request_answers_team_id_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_request_answers"),
        sa.UniqueConstraint("receipt_hash", name="uq_request_answers_receipt_hash"),
    )
    op.create_index("ix_request_answers_team_day", "request_answers", ["team_id", "day"])


def downgrade() -> None:
    op.drop_table("request_answers")
    op.drop_table("request_checks")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("mutual")
