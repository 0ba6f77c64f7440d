"""`forget me`: a person erases who they are, after confirming; they are never asked again.

The erasure is `ratebot forget`'s (ratings stay as numbers, every link and identifier
goes), plus an opt-out kept as keyed hashes of their email and platform ids, so a close
that names them later is skipped as opted out. The audit log says it happened, not who.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import NotFound
from bot.domain.identity import PersonIdentity
from bot.domain.texts import text
from bot.flows.interactions.people import known, reader_locale
from bot.services import Services


@dataclass(frozen=True, slots=True)
class ForgetQuestion:
    """The confirmation step: what is asked, and the words of the buttons."""

    question: str
    confirm: str
    cancel: str
    locale: str


@dataclass(frozen=True, slots=True)
class Forgotten:
    notice: str
    locale: str
    forgotten: bool  # False: nobody was known by these ids


async def question(services: Services, who: PersonIdentity) -> ForgetQuestion:
    """What `who` confirms before anything is erased."""
    locale = reader_locale(services, who, await known(services, who))
    return ForgetQuestion(text("forgetme.ask", locale), text("forgetme.confirm", locale),
                          text("forgetme.cancel", locale), locale)


async def forget_me(services: Services, who: PersonIdentity) -> Forgotten:
    """Erase `who` (they confirmed). A second click finds nobody left to forget."""
    person = await known(services, who)
    # Their language is read now: it is erased with them.
    locale = reader_locale(services, who, person)
    if person is None:
        return Forgotten(text("forgetme.unknown", locale), locale, False)
    try:
        async with services.store.transaction() as tx:
            kept = await tx.forget_self(person.id, at=services.clock.now())
    except NotFound:
        return Forgotten(text("forgetme.unknown", locale), locale, False)
    return Forgotten(text("forgetme.done", locale, kept=kept), locale, True)
