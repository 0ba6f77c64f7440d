"""`my data`: everything ratebot stores about the person asking, as a file for them alone."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.identity import PersonIdentity
from bot.domain.personal_data import as_json
from bot.domain.texts import text
from bot.flows.interactions.people import known, reader_locale
from bot.services import Services


@dataclass(frozen=True, slots=True)
class MyDataView:
    """What to tell the person, and the file to send them (None: nothing is stored)."""

    notice: str
    filename: str
    content: bytes | None
    locale: str


async def my_data(services: Services, who: PersonIdentity) -> MyDataView:
    """Everything stored about `who`: only ever sent to `who`, by the adapter that asked."""
    person = await known(services, who)
    locale = reader_locale(services, who, person)
    now = services.clock.now()
    filename = f"ratebot-my-data-{now:%Y-%m-%d}.json"
    data = await services.store.personal_data(person.id) if person is not None else None
    if data is None:
        return MyDataView(text("mydata.none", locale), filename, None, locale)
    return MyDataView(text("mydata.sent", locale), filename, as_json(data, exported_at=now),
                      locale)
