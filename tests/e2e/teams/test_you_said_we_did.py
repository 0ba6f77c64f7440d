"""'You said, we did' in Teams: the resolver's note reaches the rater's personal chat."""

from __future__ import annotations

from typing import Any

from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import ALERT_CHANNEL, JAN, PIET, button
from tests.e2e.teams.test_alerts import set_alert_channel
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.bot_connector import card_of


async def rate_and_resolve(bot: TeamsBotUnderTest, note: str, *, locale: str = "en-US") -> None:
    await set_alert_channel(bot)
    await install(bot, JAN, locale)
    await close_for(bot, JAN.email)
    await bot.teams.execute(JAN, button(bot.teams.connector.last_card(), "3"), locale=locale)
    [post] = [c for c in bot.teams.connector.of("send") if c.conversation_id == ALERT_CHANNEL]
    status, _ = await bot.teams.execute(
        PIET, button(card_of(post.body), verb="resolve"), {"note": note},
        conversation=bot.teams.channel(ALERT_CHANNEL, "9000"), reply_to="9000")
    assert status == 200


def plain_texts_to(bot: TeamsBotUnderTest, conversation: str) -> list[dict[str, Any]]:
    return [c.body for c in bot.teams.connector.sent_to(conversation)
            if not c.body.get("attachments")]


async def test_the_rater_gets_the_note_in_their_chat(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await rate_and_resolve(bot, "Replaced the toner")
    [notice] = plain_texts_to(bot, JAN.chat)
    assert notice["text"] == (
        "You rated Service Desk on “Printer on the third floor”, and they followed up. "
        "What they did: Replaced the toner")
    assert notice["textFormat"] == "plain"


async def test_in_the_raters_language_in_a_confidential_team(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot, anonymity="confidential")
    await rate_and_resolve(bot, "Toner vervangen", locale="nl-NL")
    [notice] = plain_texts_to(bot, JAN.chat)
    assert notice["text"].startswith("Je beoordeelde Service Desk over")
    assert notice["text"].endswith("Wat ze deden: Toner vervangen")


async def test_anonymous_teams_send_nothing(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot, anonymity="anonymous")
    await rate_and_resolve(bot, "Replaced the toner")
    assert plain_texts_to(bot, JAN.chat) == []
    assert await bot.services.store.open_follow_ups() == []  # resolved all the same
    assert "Replaced the toner" in str(bot.teams.connector.of("update")[-1].body)
