"""The store's part for people, agents, opt-outs, forgetting, platform conversation references."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.identity import PersonIdentity
from bot.domain.model import Person
from bot.domain.platform_refs import TeamsConversation


class People(Protocol):
    """People, agents, opt-outs, forgetting; the platform conversation references kept for them."""

    async def upsert_person(self, identity: PersonIdentity) -> Person:
        """Find the person by any id and fill the gaps, or insert them: opted out when
        inserted under ids someone erased themselves with (see `forget_self`). Their name,
        language, timezone and Teams tenant follow what they were last seen with."""
        ...

    async def find_person(
        self,
        *,
        email: str | None = None,
        slack_user_id: str | None = None,
        teams_user_id: str | None = None,
    ) -> Person | None: ...

    async def set_opted_out(self, person_id: int, opted_out: bool, *, at: datetime) -> Person: ...

    async def forget_person(self, email: str, *, actor: str, at: datetime) -> int:
        """Erase a person's identifying fields; keep their ratings without a person.

        Returns how many ratings were kept. Raise `NotFound` for an unknown email.
        """
        ...

    async def add_agent(
        self, team: str, identity: PersonIdentity, *, actor: str, at: datetime
    ) -> Person: ...

    async def remove_agent(self, team: str, email: str, *, actor: str, at: datetime) -> bool:
        """Stop counting the person with `email` as an agent of `team`.

        False when they were not one; raise `UnknownTeam` for an unknown team.
        """
        ...

    async def list_agents(self, team: str | None = None) -> list[tuple[str, Person]]: ...

    async def save_teams_conversation(
        self, conversation: TeamsConversation, *, at: datetime
    ) -> None:
        """Insert or refresh a reference (one row per conversation id)."""
        ...

    async def remember_teams_conversation(
        self, conversation: TeamsConversation, *, at: datetime
    ) -> bool:
        """Save `conversation` only where it tells something the stored one does not (its
        reference, service URL, or a tenant, person or team where it names one): True when
        that wrote anything. One statement: no read before the write."""
        ...

    async def teams_conversation(self, conversation_id: str) -> TeamsConversation | None: ...

    async def teams_personal_conversation(self, person_id: int) -> TeamsConversation | None:
        """The person's newest 1:1 conversation with the bot."""
        ...

    async def teams_team_conversations(self, tenant_id: str | None) -> list[TeamsConversation]:
        """One channel per Teams team the bot is in (newest first), to read rosters through."""
        ...

    async def teams_newest_conversation(self, tenant_id: str | None) -> TeamsConversation | None:
        """The most recently seen conversation (any kind) in `tenant_id` (None: any tenant),
        for its service URL and the bot's account; a new chat's tenant is the person's own."""
        ...

    async def save_teams_thread(self, thread_id: str, person_id: int, *, at: datetime) -> None:
        """Remember who started a channel thread (the first author is the requester)."""
        ...

    async def teams_thread_author(self, thread_id: str) -> Person | None: ...

    async def forget_teams_person(self, person_id: int) -> None:
        """Drop the person's stored 1:1 references and thread authorships."""
        ...
