"""Relationship pulses: the pulses, their answers (apart from ratings) and the prompts'
link to the pulse that made them.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pulses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("closes_at", UtcDateTime(), nullable=False),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("left_out", sa.JSON(), nullable=False),
    )
    op.create_index("ix_pulses_team_closes", "pulses", ["team_id", "closes_at"])
    op.create_table(
        "pulse_answers",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("pulse_id", sa.Integer(), sa.ForeignKey("pulses.id"), nullable=False),
        sa.Column("prompt_id", sa.Integer(), sa.ForeignKey("prompts.id"), nullable=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("category", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.String(2000), nullable=True),
        sa.Column("receipt_hash", sa.String(64), nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("awaiting_batch", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("prompt_id"),
        sa.UniqueConstraint("receipt_hash"),
    )
    op.create_index("ix_pulse_answers_pulse_id", "pulse_answers", ["pulse_id"])
    op.create_index("ix_pulse_answers_person_id", "pulse_answers", ["person_id"])
    with op.batch_alter_table("prompts") as batch:
        batch.add_column(sa.Column("pulse_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_prompts_pulse_id_pulses", "pulses", ["pulse_id"], ["id"])
        batch.create_index("ix_prompts_pulse_id", ["pulse_id"])


def downgrade() -> None:
    with op.batch_alter_table("prompts") as batch:
        batch.drop_index("ix_prompts_pulse_id")
        batch.drop_constraint("fk_prompts_pulse_id_pulses", type_="foreignkey")
        batch.drop_column("pulse_id")
    op.drop_table("pulse_answers")
    op.drop_table("pulses")
