"""Keeping the conversation references a platform hands the bot (Teams), for later sends.

A reference is stored the first time it is seen and again only when it tells something
new: every activity carries one, and writes take the database's write lock.
"""

from __future__ import annotations

from bot.domain.platform_refs import TeamsConversation
from bot.services import Services


async def remember(services: Services, record: TeamsConversation) -> None:
    """Store `record` unless the stored reference already says all it says."""
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
