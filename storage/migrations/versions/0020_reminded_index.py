"""The digest counts a week's reminded prompts through a partial index of just those, and
the prompt counts' covering index covers `pulse_id` too (a pulse's prompts are counted apart).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REMINDED = sa.text("reminded_at IS NOT NULL")


_COUNTED = ["team_id", "created_at", "status", "reason"]


def upgrade() -> None:
    op.create_index(
        "ix_prompts_team_reminded", "prompts", ["team_id", "created_at", "status", "pulse_id"],
        sqlite_where=_REMINDED, postgresql_where=_REMINDED,
    )
    op.drop_index("ix_prompts_team_created_status", table_name="prompts")
    op.create_index("ix_prompts_team_created_status", "prompts", [*_COUNTED, "pulse_id"])


def downgrade() -> None:
    op.drop_index("ix_prompts_team_created_status", table_name="prompts")
    op.create_index("ix_prompts_team_created_status", "prompts", _COUNTED)
    op.drop_index("ix_prompts_team_reminded", table_name="prompts")
