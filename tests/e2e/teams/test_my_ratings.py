"""`my ratings` said to the bot in Teams, through the fake Bot Connector: the person's own page."""

from __future__ import annotations

import base64
import json

from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import JAN, PIET, button, texts_of
from tests.e2e.teams.test_my_data_and_forget_me import JSON_LINK, rated, said
from tests.e2e.teams.test_prompts import install
from tests.fakes.bot_connector import card_of


async def test_my_ratings_shows_jans_rating_and_whether_he_is_asked(
    bot: TeamsBotUnderTest,
) -> None:
    await rated(bot, 9)
    card = await said(bot, "my ratings")
    shown = texts_of(card)
    assert "Your recent ratings" in shown
    assert "Service Desk: **9** on {{DATE(" in shown
    assert "You may be asked for ratings." in shown
    assert "Teams (last" not in shown  # Jan is no admin
    assert [a["title"] for a in card["actions"]] == ["Don't ask me", "My data", "Forget me"]


async def test_the_page_switches_opt_out_and_back_in(bot: TeamsBotUnderTest) -> None:
    store = bot.services.store
    await rated(bot, 9)
    card = await said(bot, "my ratings")
    status, _ = await bot.teams.execute(JAN, button(card, verb="optout"))
    assert status == 200
    jan = await store.find_person(email=JAN.email)
    assert jan is not None and jan.opted_out
    card = await said(bot, "my ratings")
    assert "You have opted out of ratings." in texts_of(card)
    status, _ = await bot.teams.execute(JAN, button(card, "Ask me again", verb="optin"))
    assert status == 200
    jan = await store.find_person(email=JAN.email)
    assert jan is not None and not jan.opted_out


async def test_my_data_on_the_page_sends_the_data_card(bot: TeamsBotUnderTest) -> None:
    await rated(bot, 9)
    card = await said(bot, "my ratings")
    status, answer = await bot.teams.execute(JAN, button(card, verb="mydata"))
    assert status == 200
    [link] = [a for a in answer["value"]["actions"] if a["type"] == "Action.OpenUrl"]
    data = json.loads(base64.b64decode(link["url"].removeprefix(JSON_LINK)))
    assert data["person"]["email"] == JAN.email


async def test_forget_me_on_the_page_asks_first_then_erases(bot: TeamsBotUnderTest) -> None:
    store = bot.services.store
    await rated(bot, 9)
    card = await said(bot, "my ratings")
    forget = button(card, "Forget me")
    assert forget["type"] == "Action.ShowCard"  # a question, not the erasure
    assert await store.find_person(email=JAN.email) is not None
    status, answer = await bot.teams.execute(JAN, button(forget["card"], verb="forgetme"))
    assert status == 200
    assert "forgotten who you are" in texts_of(answer["value"])
    assert await store.find_person(email=JAN.email) is None


async def test_an_admin_also_sees_the_teams(bot: TeamsBotUnderTest) -> None:
    await rated(bot, 9)
    await install(bot, PIET)
    status, _ = await bot.teams.say(PIET, "my ratings")
    assert status == 200
    card = card_of(bot.teams.connector.sent_to(PIET.chat)[-1].body)
    shown = texts_of(card)
    assert "You haven't rated anything yet." in shown
    assert "Teams (last 8 weeks)" in shown
    assert "**Service Desk**: " in shown and "Open follow-ups: 0" in shown


async def test_in_a_channel_my_ratings_says_to_ask_in_private(bot: TeamsBotUnderTest) -> None:
    await rated(bot, 9)
    await bot.teams.say(JAN, "my ratings", channel="19:it-chat@thread.tacv2", thread="1",
                        message_id="1", mention=True)
    [reply] = bot.teams.connector.of("reply")
    assert "personal chat" in reply.body["text"]
    assert not reply.body.get("attachments")


async def test_a_client_without_universal_actions_opts_in_through_the_fallback(
    bot: TeamsBotUnderTest,
) -> None:
    store = bot.services.store
    await rated(bot, 9)
    await bot.teams.execute(JAN, button(await said(bot, "my ratings"), verb="optout"))
    card = await said(bot, "my ratings")
    status, _ = await bot.teams.submit(JAN, button(card, verb="optin"), reply_to="1000")
    assert status == 200
    jan = await store.find_person(email=JAN.email)
    assert jan is not None and not jan.opted_out
