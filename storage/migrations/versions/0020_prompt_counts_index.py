"""The covering index of the digest's prompt counts covers `pulse_id` (a pulse's prompts are
counted apart) and `reminded_at` (the week's reminders, and the answers after them) too.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTED = ["team_id", "created_at", "status", "reason"]


def upgrade() -> None:
    op.drop_index("ix_prompts_team_created_status", table_name="prompts")
    op.create_index("ix_prompts_team_created_status", "prompts",
                    [*_COUNTED, "pulse_id", "reminded_at"])


def downgrade() -> None:
    op.drop_index("ix_prompts_team_created_status", table_name="prompts")
    op.create_index("ix_prompts_team_created_status", "prompts", _COUNTED)
