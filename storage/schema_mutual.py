"""Mutual rating's tables (migration 0019), in the one MetaData of `storage.schema`.

Apart from the core tables because nothing else reads them: `storage.request_checks`
says what is kept and why.
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import BIG_ID, _id, metadata
from storage.types import UtcDateTime

request_checks = sa.Table(
    "request_checks",
    metadata,
    _id(),
    # Unique: one check per conversation, however often it is closed again.
    sa.Column("conversation_id", sa.Integer,
              sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False,
              unique=True),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("people.id"), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),  # pending, sending, sent, failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
    sa.Column("platform", sa.String(16), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=True),
    sa.Index("ix_request_checks_due", "status", "next_attempt_at"),
)

# The answers: random ids, the day only, nothing naming the check, agent or conversation.
request_answers = sa.Table(
    "request_answers",
    metadata,
    sa.Column("id", BIG_ID, primary_key=True, autoincrement=False),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("day", UtcDateTime(), nullable=False),
    sa.Column("clarity", sa.String(8), nullable=True),
    sa.Column("reach", sa.String(8), nullable=True),
    sa.Column("receipt_hash", sa.String(64), nullable=False, unique=True),
    # Rewritten by the nightly anonymity job in random order (storage.request_checks).
    sa.Column("shuffled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_request_answers_team_day", "team_id", "day"),
)
