"""A person's timezone comes with what they send in Teams (the `clientInfo` entity) and is
kept, so the first prompt to them already keeps to their working hours."""

from __future__ import annotations

from typing import Any

from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import JAN, User


async def install_from(bot: TeamsBotUnderTest, user: User, timezone: Any) -> None:
    bot.teams.connector.add_member(user.chat, user.member())
    activity = bot.teams.base("installationUpdate", user, bot.teams.personal(user),
                              action="add")
    activity["entities"] = [{"type": "clientInfo", "locale": "nl-NL", "timezone": timezone,
                             "country": "NL", "platform": "Web"}]
    status, _ = await bot.teams.post(activity)
    assert status == 200


async def test_the_timezone_teams_sends_is_kept_and_follows_a_move(
    bot: TeamsBotUnderTest,
) -> None:
    await install_from(bot, JAN, "Europe/Amsterdam")
    person = await bot.services.store.find_person(email=JAN.email)
    assert person is not None and person.timezone == "Europe/Amsterdam"

    await install_from(bot, JAN, "America/New_York")
    person = await bot.services.store.find_person(email=JAN.email)
    assert person is not None and person.timezone == "America/New_York"


async def test_a_timezone_no_one_knows_is_not_kept(bot: TeamsBotUnderTest) -> None:
    await install_from(bot, JAN, "Europe/Amsterdam")
    for nonsense in ("Mars/Base", "../../etc/passwd", 42):
        await install_from(bot, JAN, nonsense)
        person = await bot.services.store.find_person(email=JAN.email)
        assert person is not None and person.timezone == "Europe/Amsterdam"
