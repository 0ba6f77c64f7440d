"""Microsoft Teams: stored conversation references and the authors of channel threads.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams_conversations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("service_url", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.String(length=400), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_teams_conversations_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_conversations")),
        sa.UniqueConstraint(
            "conversation_id", name=op.f("uq_teams_conversations_conversation_id")
        ),
    )
    op.create_index(
        op.f("ix_teams_conversations_person_id"), "teams_conversations", ["person_id"]
    )
    op.create_index(op.f("ix_teams_conversations_team_id"), "teams_conversations", ["team_id"])
    op.create_table(
        "teams_threads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("thread_id", sa.String(length=400), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_teams_threads_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_threads")),
        sa.UniqueConstraint("thread_id", name=op.f("uq_teams_threads_thread_id")),
    )
    op.create_index(op.f("ix_teams_threads_person_id"), "teams_threads", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_teams_threads_person_id"), table_name="teams_threads")
    op.drop_table("teams_threads")
    op.drop_index(op.f("ix_teams_conversations_team_id"), table_name="teams_conversations")
    op.drop_index(op.f("ix_teams_conversations_person_id"), table_name="teams_conversations")
    op.drop_table("teams_conversations")
