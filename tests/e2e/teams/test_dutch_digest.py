"""A Dutch team in Teams: `team set ... locale nl`, then its alert card and digest card and
the chart's description speak Dutch, whatever language the person who rated uses."""

from __future__ import annotations

import json

from bot.flows.digest_flow import DigestFlow, Outcome
from tests.adapters.teams.test_digest_card import all_text
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import ALERT_CHANNEL, JAN, PIET, button
from tests.e2e.teams.test_commands import say
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.bot_connector import card_of

MENTION = "<at>ratebot</at> "
ENGLISH = ("weekly ratings", "Responses", "Follow-ups", "Comments", "compared with",
           "prompts sent", "I'll follow up", "Mark as resolved", "Detractor alert")


async def test_a_dutch_teams_alert_and_digest_cards_are_in_dutch(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)
    for number, option in enumerate(("digest-channel", "alert-channel")):
        await bot.teams.say(PIET, MENTION + f"ratings team set servicedesk {option} here",
                            channel=ALERT_CHANNEL, thread=str(number), message_id=str(number))
    assert (await say(bot, PIET, "ratings team set servicedesk locale nl")).startswith(
        "Changed `locale` of `servicedesk`.")
    await install(bot, JAN)  # Jan's Teams speaks English: the team's cards do not
    await close_for(bot, JAN.email)
    status, clicked = await bot.teams.execute(JAN, button(bot.teams.connector.last_card(), "3"))
    assert status == 200
    status, _ = await bot.teams.execute(JAN, button(clicked["value"], verb="comment"),
                                        {"comment": "Duurde drie dagen"})
    assert status == 200
    [posted] = bot.teams.connector.sent_to(ALERT_CHANNEL)
    assert posted.body["summary"] == "Detractor-melding voor Service Desk: score 3"
    alert = card_of(posted.body)
    alert_text = all_text(alert)
    assert "Detractor-melding voor **Service Desk**" in alert_text
    assert "Ik pak het op" in json.dumps(alert, ensure_ascii=False)

    bot.clock.advance(days=7)  # the rating's week is now the last complete one
    result = await DigestFlow(bot.services).send_digest("servicedesk")
    assert (result.outcome, result.period) == (Outcome.POSTED, "2026-W48")
    post = bot.teams.connector.sent_to(ALERT_CHANNEL)[-1]
    assert post.body["summary"].startswith("Service Desk: wekelijkse beoordelingen, 2026-W48")
    card = card_of(post.body)
    text = all_text(card)
    assert "NPS -100" in text and "0 promotors · 0 passieven · 1 criticus" in text
    assert "**Opmerkingen**" in text and "Duurde drie dagen (3, criticus)" in text
    facts = {fact["title"]: fact["value"] for block in card["body"] if block.get("type") ==
             "FactSet" for fact in block["facts"]}
    assert facts["Reacties"] == "1 · 1 verzoek verstuurd, 100% beantwoord"
    assert facts["Opvolgingen"] == (
        "1 geopend, 0 opgepakt, 0 opgelost · opgevolgd bij 0% van de critici")
    for block in card["body"]:
        if block.get("type") == "Image":
            assert "wekelijkse NPS over de laatste" in block["altText"]
    assert not [word for word in ENGLISH if word in text + alert_text]


async def test_an_admin_whose_teams_speaks_dutch_is_answered_in_dutch(
    bot: TeamsBotUnderTest,
) -> None:
    await setup_team(bot)
    status, _ = await bot.teams.say(PIET, "ratings team set servicedesk expiry 99",
                                    locale="nl-NL")
    assert status == 200
    reply = bot.teams.connector.sent_to(PIET.chat)[-1].body["text"]
    # Escaped for a card after it was said in Dutch: Teams shows the quotes as typed.
    assert reply == ("'99' is geen geldige expiry: gebruik een heel aantal dagen van 1 tot 60.")
    assert (await say(bot, PIET, "ratings team set servicedesk expiry 9")).startswith(
        "Changed `expiry` of `servicedesk`.")
