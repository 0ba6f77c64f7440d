"""Conversation references a platform handed the bot, kept for messaging people later.

Teams can only message someone proactively through a conversation reference it handed
the bot earlier, so references are stored (never kept in memory only). Storage keeps
them as opaque text; only the Teams adapter reads what is inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class TeamsConversation:
    """A stored conversation reference: a person's 1:1 chat, a channel, or a group chat."""

    conversation_id: str  # a channel's own id, never a thread's ("…;messageid=…")
    kind: str  # "personal", "channel" or "groupChat"
    tenant_id: str | None
    service_url: str
    reference: str  # the Bot Framework ConversationReference as JSON
    person_id: int | None = None  # personal conversations: whose chat it is
    team_id: str | None = None  # channels: the Teams team, whose roster can be read
    updated_at: datetime | None = None
