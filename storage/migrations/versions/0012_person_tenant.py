"""Teams: the Microsoft 365 tenant each person was last seen in, so a chat the bot opens
with them is opened in their own tenant (never another person's).

People who already have a 1:1 chat with the bot take the tenant of their newest one.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("teams_tenant_id", sa.String(64), nullable=True))
    people = sa.table("people", sa.column("id"), sa.column("teams_tenant_id"))
    chats = sa.table(
        "teams_conversations", sa.column("person_id"), sa.column("tenant_id"),
        sa.column("kind"), sa.column("updated_at"),
    )
    newest = (
        sa.select(chats.c.tenant_id)
        .where(chats.c.person_id == people.c.id, chats.c.kind == "personal",
               chats.c.tenant_id.is_not(None))
        .order_by(chats.c.updated_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    op.execute(sa.update(people).values(teams_tenant_id=newest))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("teams_tenant_id")
