"""What a chat platform tells the bot about reaching people, kept between sends: who
people are on it, and (Teams) the conversation references it handed the bot.

The platform's outbound port holds a `ContactBook`, never the store: what it learns
while sending (a Slack id found by email, a Teams chat it opened) is kept through here,
and so is the platform's directory its sync lists (with where the sync got to, in the
same transaction as each page). What an inbound activity carries is kept by
`remember_conversation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain.clock import Clock
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person
from bot.domain.platform_refs import TeamsConversation
from bot.flows.recording import Alongside
from bot.ports.store import Store
from bot.ports.store.directory import DirectoryEntry, DirectoryPage
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

    # ------------------------------------------------------------------ the directory

    async def directory_entry(self, platform: str, email: str) -> DirectoryEntry | None:
        return await self._store.directory_entry(platform, email)

    async def directory_page(
        self, platform: str, entries: Sequence[DirectoryEntry], gone: Sequence[str], *,
        waiting_reason: str, progress: tuple[str, str] | None = None,
    ) -> DirectoryPage:
        """Keep one page of the directory and, in the same transaction, where the sync
        got to (`progress`: its source and checkpoint): a page is never half kept."""
        now = self._clock.now()
        async with self._store.transaction() as tx:
            saved = await tx.save_directory_page(
                platform, entries, gone, at=now, waiting_reason=waiting_reason)
            if progress is not None:
                await tx.save_checkpoint(progress[0], progress[1], at=now)
        return saved

    async def directory_unseen(self, platform: str, *, before: datetime) -> int:
        """Drop whom the sync that started at `before` did not list (they left)."""
        return await self._store.drop_directory_unseen(platform, before=before)

    async def end_directory_waits(self, reason: str) -> int:
        return await self._store.end_directory_waits(reason, at=self._clock.now())

    async def sync_progress(self, source: str) -> str | None:
        return await self._store.poll_checkpoint(source)

    async def save_sync_progress(self, source: str, progress: str) -> None:
        await self._store.save_checkpoint(source, progress, at=self._clock.now())

    async def claim_sync(self, source: str, *, lease: timedelta) -> bool:
        return await self._store.claim_poll(source, now=self._clock.now(), lease=lease)

    async def release_sync(self, source: str) -> None:
        await self._store.release_poll(source)


async def remember_conversation(services: Services, record: TeamsConversation) -> None:
    """Store `record` unless the stored reference already says all it says.

    Every activity carries one, and writes take the database's write lock: a reference
    is written the first time it is seen and again only when it tells something new
    (the store decides that in the same statement that writes).
    """
    await keeping_conversation(services, record)(services.store)


def keeping_conversation(services: Services, record: TeamsConversation) -> Alongside:
    """`remember_conversation` as work alongside a click's answer, in its transaction."""
    at = services.clock.now()

    async def keep(tx: Store) -> None:
        await tx.remember_teams_conversation(record, at=at)

    return keep
