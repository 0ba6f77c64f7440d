"""A relationship pulse in Teams: `pulse` as a message to the bot asks the team's recent
requesters with a card, a click is stored apart from the ratings, and the digest card of
the week it closes shows it."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bot.domain.weeks import IsoWeek
from bot.flows.digest_flow import DigestFlow
from storage.schema import pulse_answers
from tests.adapters.teams.test_digest_card import all_text
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import ALERT_CHANNEL, JAN, KLAAS, PIET, button, buttons, texts_of
from tests.e2e.teams.test_clicks import stored_ratings
from tests.e2e.teams.test_commands import say
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.bot_connector import card_of


async def started(bot: TeamsBotUnderTest, words: str) -> str:
    """Jan and Klaas had tickets two weeks ago; Piet (an admin) starts a pulse now."""
    await setup_team(bot)
    for user in (JAN, KLAAS, PIET):
        await install(bot, user)
    await close_for(bot, JAN.email, "INC-1")
    await close_for(bot, KLAAS.email, "INC-2")
    bot.clock.advance(days=15)
    reply = await say(bot, PIET, words)
    await bot.ratebot.worker.run_once()
    return reply


async def test_the_admin_starts_it_and_a_requester_answers_it_apart_from_the_ratings(
    bot: TeamsBotUnderTest,
) -> None:
    reply = await started(bot, "ratings pulse servicedesk days=20 Would you recommend us?")
    assert reply.startswith("Started a pulse for `servicedesk`: 2 of 2 people")
    assert "Left out: 0 opted out" in reply and "Jan" not in reply
    [send] = [call for call in bot.teams.connector.of("send")
              if call.conversation_id == JAN.chat][-1:]
    card = card_of(send.body)
    shown = texts_of(card)
    assert "A short question from **Service Desk** about how they help you." in shown
    assert "Would you recommend us?" in shown
    assert "Printer" not in shown and "INC-1" not in shown and "Piet" not in shown
    assert [b["title"] for b in buttons(card) if b["title"].isdigit()] == [
        str(score) for score in range(11)]

    status, answer = await bot.teams.execute(JAN, button(card, "9"))
    assert status == 200 and "You rated **9**" in texts_of(answer["value"])
    ratings_before = len(await stored_ratings(bot))
    assert ratings_before == 0
    engine = bot.services.store.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        [row] = (await connection.execute(sa.select(pulse_answers))).all()
    assert row.score == 9

    again = await say(bot, PIET, "ratings pulse servicedesk")
    assert "already has a pulse running; it closes on 2026-12-23" in again
    refused = await say(bot, KLAAS, "ratings pulse servicedesk")
    assert refused.startswith("Only admins can do that.")


async def test_the_digest_card_of_the_week_it_closes_shows_it(bot: TeamsBotUnderTest) -> None:
    await started(bot, "pulse servicedesk")
    await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)
    await bot.teams.say(PIET, "<at>ratebot</at> ratings team set servicedesk digest-channel "
                        "here", channel=ALERT_CHANNEL, thread="5", message_id="5")
    [send] = [call for call in bot.teams.connector.of("send")
              if call.conversation_id == KLAAS.chat][-1:]
    status, _ = await bot.teams.execute(KLAAS, button(card_of(send.body), "10"))
    assert status == 200
    team = await bot.services.store.get_team("servicedesk")
    assert team is not None
    pulse = await bot.services.store.open_pulse(team.id, now=bot.clock.now())
    assert pulse is not None
    bot.clock.advance(days=21)
    week = IsoWeek.last_complete(pulse.closes_at + timedelta(days=7), "UTC")
    await DigestFlow(bot.services).send_digest("servicedesk", week)
    [post] = [call for call in bot.teams.connector.of("send")
              if call.conversation_id == ALERT_CHANNEL]
    text = all_text(card_of(post.body))
    assert "Relationship pulse: NPS +100" in text
    assert "from 1 of 2 asked (closed Wed) · tickets this week NPS" in text
