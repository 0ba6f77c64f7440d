"""A person says whether they may be asked for ratings (a prompt's button, App Home)."""

from __future__ import annotations

from bot.domain.identity import PersonIdentity
from bot.domain.texts import text
from bot.flows.interactions.people import reader_locale
from bot.flows.interactions.views import OptView
from bot.services import Services


async def opt(
    services: Services, who: PersonIdentity, *, opted_out: bool, replay: bool = False
) -> OptView:
    """Stop (or resume) asking `who`. A replayed click changes nothing again."""
    async with services.store.transaction() as tx:
        person = await tx.upsert_person(who)
        if not replay:
            person = await tx.set_opted_out(person.id, opted_out, at=services.clock.now())
            if not opted_out:
                # Their own choice now wins over the opt-out kept from an earlier `forget me`.
                await tx.keep_own_choice(person.id)
    locale = reader_locale(services, who, person)
    return OptView(person, text("optout.done" if opted_out else "optin.done", locale), locale)
