"""Mutual rating in Teams: a close asks the agent about the request in their chat with the
bot; a tap is stored apart and the card redrawn; admins see the totals above the minimum."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from storage.schema_mutual import request_answers
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import JAN, PIET, button, buttons, texts_of
from tests.e2e.teams.test_commands import say
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.bot_connector import card_of


def checks_to_piet(bot: TeamsBotUnderTest) -> list[dict[str, Any]]:
    found = []
    for call in bot.teams.connector.sent_to(PIET.chat):
        if call.body.get("attachments"):
            card = card_of(call.body)
            if any(action["verb"] == "mutual" for action in buttons(card)):
                found.append(card)
    return found


async def mutual_on(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await install(bot, PIET)
    answer = await say(bot, PIET, "ratings team set servicedesk mutual on")
    assert "mutual rating on" in answer and "never per agent or requester" in answer, answer


async def stored(bot: TeamsBotUnderTest) -> list[Any]:
    engine = bot.services.store.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        return list(await connection.execute(sa.select(request_answers)))


async def test_a_close_asks_the_agent_and_a_tap_is_stored_apart_and_redrawn(
    bot: TeamsBotUnderTest,
) -> None:
    await mutual_on(bot)
    await install(bot, JAN)
    await close_for(bot, JAN.email)
    [check] = checks_to_piet(bot)
    shown = texts_of(check)
    assert "You closed “Printer on the third floor” for Service Desk." in shown
    assert "How was this request to work on?" in shown and "Jan" not in shown
    assert [action["title"] for action in buttons(check)] == [
        "Clear", "Partly clear", "Unclear", "Yes", "Not easily"]

    status, answer = await bot.teams.execute(PIET, button(check, "Unclear"))
    assert status == 200
    redrawn = answer["value"]
    assert "Thanks, noted." in texts_of(redrawn)
    assert button(redrawn, "Unclear").get("style") == "positive"
    status, answer = await bot.teams.execute(PIET, button(redrawn, "Not easily"))
    assert status == 200
    assert button(answer["value"], "Not easily").get("style") == "positive"
    assert button(answer["value"], "Unclear").get("style") == "positive"
    [row] = await stored(bot)
    assert (row.clarity, row.reach) == ("unclear", "no")
    # Nothing of it reaches Jan: his chat holds his prompt alone.
    assert len(bot.teams.connector.sent_to(JAN.chat)) == 1


async def test_someone_else_tapping_the_card_stores_nothing(bot: TeamsBotUnderTest) -> None:
    await mutual_on(bot)
    await install(bot, JAN)
    await close_for(bot, JAN.email)
    [check] = checks_to_piet(bot)
    status, answer = await bot.teams.execute(JAN, button(check, "Clear"))
    assert status == 200
    assert "This question was sent to someone else." in texts_of(answer["value"])
    assert await stored(bot) == []


async def test_off_unless_turned_on(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await install(bot, PIET)
    await install(bot, JAN)
    await close_for(bot, JAN.email)
    assert checks_to_piet(bot) == []


async def test_stats_show_the_totals_above_the_minimum_only(bot: TeamsBotUnderTest) -> None:
    await mutual_on(bot)
    for number in range(1, 6):
        await close_for(bot, f"user{number}@example.com", ticket=f"INC-{number}")
    checks = checks_to_piet(bot)
    assert len(checks) == 5
    for check in checks[:4]:
        await bot.teams.execute(PIET, button(check, "Clear"))
    assert "agents saw" not in await say(bot, PIET, "ratings stats")
    await bot.teams.execute(PIET, button(checks[4], "Yes"))
    stats = await say(bot, PIET, "ratings stats")
    assert ("Service Desk, requests as agents saw them (last 90 days): clear 100%, partly 0%, "
            "unclear 0%; reachable 100% (n=5)") in stats


async def test_a_dutch_agent_is_asked_in_dutch(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await install(bot, PIET, "nl-NL")
    await bot.services.store.update_team("servicedesk", {"mutual": True}, actor="test",
                                         at=bot.services.clock.now())
    await close_for(bot, JAN.email)
    [check] = checks_to_piet(bot)
    assert "Hoe was het om aan dit verzoek te werken?" in texts_of(check)
    status, answer = await bot.teams.execute(PIET, button(check, "Duidelijk"), locale="nl-NL")
    assert status == 200 and "Bedankt, genoteerd." in texts_of(answer["value"])
