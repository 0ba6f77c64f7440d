"""What a chat platform tells the bot about reaching people, kept between sends: who
people are on it, and (Teams) the conversation references it handed the bot.

The platform's outbound port holds a `ContactBook`, never the store: what it learns
while sending (a Slack id found by email, a Teams chat it opened) is kept through here.
What an inbound activity carries is kept by `remember_conversation`.
"""

from __future__ import annotations

from bot.domain.clock import Clock
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person
from bot.domain.platform_refs import TeamsConversation
from bot.ports.store import Store
from bot.services import Services


class ContactBook:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def learned(self, who: PersonIdentity) -> Person:
        """Keep what the platform told about someone (their id there, name, language)."""
        return await self._store.upsert_person(who)

    async def personal_conversation(self, person_id: int) -> TeamsConversation | None:
        """The person's own chat with the bot, once one was opened or seen."""
        return await self._store.teams_personal_conversation(person_id)

    async def newest_conversation(self, tenant_id: str | None) -> TeamsConversation | None:
        """The conversation last seen in the tenant: where a new chat can be opened from."""
        return await self._store.teams_newest_conversation(tenant_id)

    async def team_conversations(self, tenant_id: str | None) -> list[TeamsConversation]:
        """The teams the bot is in, whose rosters can find someone by email."""
        return await self._store.teams_team_conversations(tenant_id)

    async def opened(self, record: TeamsConversation) -> None:
        """A conversation the bot opened itself, kept to reach the person again."""
        await self._store.save_teams_conversation(record, at=self._clock.now())


async def remember_conversation(services: Services, record: TeamsConversation) -> None:
    """Store `record` unless the stored reference already says all it says.

    Every activity carries one, and writes take the database's write lock: a reference
    is written the first time it is seen and again only when it tells something new.
    """
    stored = await services.store.teams_conversation(record.conversation_id)
    if stored is None or _news(stored, record):
        await services.store.save_teams_conversation(record, at=services.clock.now())


def _news(stored: TeamsConversation, record: TeamsConversation) -> bool:
    """Whether `record` tells anything the stored reference does not (None tells nothing)."""
    pairs = (
        (stored.reference, record.reference),
        (stored.service_url, record.service_url),
        (stored.tenant_id, record.tenant_id),
        (stored.person_id, record.person_id),
        (stored.team_id, record.team_id),
    )
    return any(new is not None and new != old for old, new in pairs)
