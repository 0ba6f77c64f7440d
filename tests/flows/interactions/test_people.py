"""Who acted: the platform's directory is asked once."""

from __future__ import annotations

from bot.domain.identity import PersonIdentity
from bot.flows.interactions import people
from bot.services import Services


async def test_the_platform_directory_is_asked_only_when_the_store_lacks_someone(
    services: Services
) -> None:
    asked: list[str] = []

    async def lookup() -> PersonIdentity:
        asked.append("UJAN")
        return PersonIdentity(email="jan@example.com", slack_user_id="UJAN", locale="nl-NL")

    who = PersonIdentity(slack_user_id="UJAN")
    first = await people.person_of(services, who, lookup, wants_locale=True)
    again = await people.person_of(services, who, lookup, wants_locale=True)
    assert first.email == again.email == "jan@example.com" and asked == ["UJAN"]
    assert people.reader_locale(services, who, again) == "nl"
