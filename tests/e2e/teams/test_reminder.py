"""A reminder through real botbuilder against the fake Bot Connector: the card again, in
the person's chat with the bot, after two days; a click on it records the same prompt."""

from __future__ import annotations

from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import JAN, button, texts_of
from tests.e2e.teams.test_clicks import stored_ratings
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.bot_connector import card_of


async def test_one_reminder_card_and_a_click_on_it_records_the_prompt(
    bot: TeamsBotUnderTest,
) -> None:
    await setup_team(bot)
    await install(bot, JAN)
    prompt = await close_for(bot, JAN.email)
    connector = bot.teams.connector
    assert len(connector.of("send")) == 1
    bot.clock.advance(days=2, minutes=-1)
    await bot.ratebot.worker.run_once()
    assert len(connector.of("send")) == 1  # not yet
    bot.clock.advance(minutes=1)
    await bot.ratebot.worker.run_once()
    sends = connector.of("send")
    assert len(sends) == 2
    reminder = sends[-1]
    assert reminder.conversation_id == JAN.chat
    card = card_of(reminder.body)
    shown = texts_of(card)
    assert shown.index("A reminder: **Service Desk** would still like to know") < shown.index(
        "How likely are you to recommend Service Desk"
    )
    assert button(card, "6")["data"]["prompt"] == prompt.id

    status, answer = await bot.teams.execute(JAN, button(card, "6"))
    assert status == 200 and "You rated **6**" in texts_of(answer["value"])
    [rating] = await stored_ratings(bot)
    assert (rating.prompt_id, rating.score) == (prompt.id, 6)

    bot.clock.advance(days=1)
    await bot.ratebot.worker.run_once()
    assert len(connector.of("send")) == 2  # once only


async def test_a_team_that_turned_reminders_off_sends_none(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot, reminder_minutes=0)
    await install(bot, JAN)
    await close_for(bot, JAN.email)
    bot.clock.advance(days=3)
    await bot.ratebot.worker.run_once()
    assert len(bot.teams.connector.of("send")) == 1
