"""What the Teams adapter keeps in the database: conversation references and thread authors.

Teams can only message someone proactively through a conversation reference it handed
the bot earlier, so references are stored (never kept in memory only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.chat_ports import ChatStore
from bot.domain.model import Person


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


@runtime_checkable
class TeamsStore(ChatStore, Protocol):
    """The store with the Teams queries (storage.teams_queries.TeamsQueries)."""

    async def save_teams_conversation(
        self, conversation: TeamsConversation, *, at: datetime
    ) -> None:
        """Insert or refresh a reference (one row per conversation id)."""
        ...

    async def teams_conversation(self, conversation_id: str) -> TeamsConversation | None: ...

    async def teams_personal_conversation(self, person_id: int) -> TeamsConversation | None:
        """The person's newest 1:1 conversation with the bot."""
        ...

    async def teams_team_conversations(self, tenant_id: str | None) -> list[TeamsConversation]:
        """One channel per Teams team the bot is in (newest first), to read rosters through."""
        ...

    async def teams_newest_conversation(self, tenant_id: str | None) -> TeamsConversation | None:
        """The most recently seen conversation (any kind), for its service URL and tenant."""
        ...

    async def save_teams_thread(self, thread_id: str, person_id: int, *, at: datetime) -> None:
        """Remember who started a channel thread (the first author is the requester)."""
        ...

    async def teams_thread_author(self, thread_id: str) -> Person | None: ...

    async def forget_teams_person(self, person_id: int) -> None:
        """Drop the person's stored 1:1 references and thread authorships."""
        ...
