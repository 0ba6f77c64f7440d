"""Coaching in Teams: turned on by an admin's message, the agent's own ratings reach their
personal chat with the bot."""

from __future__ import annotations

from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import JAN, PIET, button
from tests.e2e.teams.test_commands import say
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.e2e.teams.test_you_said_we_did import plain_texts_to, rate_and_resolve


def notices_to_piet(bot: TeamsBotUnderTest) -> list[str]:
    return [body["text"] for body in plain_texts_to(bot, PIET.chat)
            if body.get("textFormat") == "plain"]


async def coach(bot: TeamsBotUnderTest, *settings: str) -> None:
    await install(bot, PIET)
    for setting in ("coaching on", *settings):
        answer = await say(bot, PIET, f"ratings team set servicedesk {setting}")
        assert ", coaching on" in answer, answer


async def test_a_promoter_reaches_the_agent_at_once(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await coach(bot)
    await install(bot, JAN)
    await close_for(bot, JAN.email)
    await bot.teams.execute(JAN, button(bot.teams.connector.last_card(), "9"))
    assert notices_to_piet(bot) == [
        "Well done! Someone you helped with “Printer on the third floor” for Service Desk "
        "rated it 9 of 10."
    ]


async def test_a_detractors_feedback_once_resolved(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await coach(bot, "anonymity confidential")
    await rate_and_resolve(bot, "Replaced the toner")
    [feedback] = notices_to_piet(bot)
    assert feedback.startswith("Feedback on your help with “Printer on the third floor”")
    assert feedback.endswith("What was done: Replaced the toner") and "Jan" not in feedback


async def test_anonymous_teams_send_the_agent_nothing(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await coach(bot, "anonymity anonymous")
    await rate_and_resolve(bot, "Replaced the toner")
    assert notices_to_piet(bot) == []
