"""Someone on the team follows up a detractor's rating: claims it, then resolves it.

Each returns the alert as it reads now; the posted one is re-rendered to match.
"""

from __future__ import annotations

from bot.domain.identity import PersonIdentity
from bot.domain.messages import DetractorAlert
from bot.flows import alerts, closing_the_loop
from bot.services import Services

MAX_NOTE = 500


async def claim(services: Services, follow_up_id: int, who: PersonIdentity) -> DetractorAlert:
    """`who` follows up; the alert says so."""
    async with services.store.transaction() as tx:
        person = await tx.upsert_person(who)
        await tx.claim_follow_up(follow_up_id, person.id, at=services.clock.now())
    return await alerts.refresh(services, follow_up_id)


async def resolve(
    services: Services, follow_up_id: int, who: PersonIdentity, note: str | None
) -> DetractorAlert:
    """`who` closed the loop, with an optional note (spaces tidied, at most 500 characters).

    The note then goes privately to the person who rated, where the team may know them
    (`bot.flows.closing_the_loop`); whether it arrives does not change the resolution.
    """
    cleaned = " ".join((note or "").split())[:MAX_NOTE] or None
    async with services.store.transaction() as tx:
        person = await tx.upsert_person(who)
        await tx.resolve_follow_up(follow_up_id, person.id, cleaned, at=services.clock.now())
    alert = await alerts.refresh(services, follow_up_id)
    await closing_the_loop.follow_up_resolved(services, follow_up_id)
    return alert


async def shown(services: Services, follow_up_id: int) -> DetractorAlert:
    """The alert as it reads now (a click delivered again changes nothing)."""
    return await alerts.refresh(services, follow_up_id)
