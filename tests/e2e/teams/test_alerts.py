"""Closing the loop in Teams: the alert channel, the detractor alert, claim and resolve."""

from __future__ import annotations

import json

from bot.domain.model import FollowUpStatus
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import ALERT_CHANNEL, JAN, KLAAS, PIET, button, buttons, texts_of
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.bot_connector import card_of

MENTION = "<at>ratebot</at> "


async def set_alert_channel(bot: TeamsBotUnderTest, who: object = PIET) -> str:
    await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)
    status, _ = await bot.teams.say(
        who,  # type: ignore[arg-type]
        MENTION + "ratings team set servicedesk alert-channel here",
        channel=ALERT_CHANNEL, thread="555", message_id="555",
    )
    assert status == 200
    reply = bot.teams.connector.of("reply")[-1]
    assert reply.conversation_id == f"{ALERT_CHANNEL};messageid=555"
    text: str = reply.body["text"]
    return text


async def test_an_admin_makes_a_channel_the_alert_channel(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    answer = await set_alert_channel(bot)
    assert "now uses this channel as its alert channel" in answer
    team = await bot.services.store.get_team("servicedesk")
    assert team is not None
    ref = team.channel("teams", "alert")
    assert ref is not None
    assert json.loads(ref)["conversation"]["id"] == ALERT_CHANNEL  # the channel, not the thread


async def test_a_non_admin_is_refused(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    answer = await set_alert_channel(bot, KLAAS)
    assert "Only admins can do that" in answer
    team = await bot.services.store.get_team("servicedesk")
    assert team is not None and team.channel("teams", "alert") is None


async def test_a_detractor_alerts_the_channel_and_is_claimed_and_resolved(
    bot: TeamsBotUnderTest,
) -> None:
    await setup_team(bot)
    await set_alert_channel(bot)
    await install(bot, JAN)
    await close_for(bot, JAN.email)
    card = bot.teams.connector.last_card()
    _, rated = await bot.teams.execute(JAN, button(card, "3"))

    posts = [c for c in bot.teams.connector.of("send") if c.conversation_id == ALERT_CHANNEL]
    assert len(posts) == 1
    alert = card_of(posts[0].body)
    shown = texts_of(alert)
    assert "Detractor alert for **Service Desk**" in shown
    assert "Score: **3** of 10" in shown
    assert "Jan Jansen" in shown  # an identified team names the requester

    # A comment after the click lands in the alert too.
    await bot.teams.execute(JAN, button(rated["value"], verb="comment"),
                            {"comment": "Nobody called back"})
    updates = bot.teams.connector.of("update")
    assert updates and updates[-1].conversation_id == ALERT_CHANNEL
    assert "Nobody called back" in texts_of(card_of(updates[-1].body))

    channel = bot.teams.channel(ALERT_CHANNEL, "9000")
    status, claimed = await bot.teams.execute(
        PIET, button(alert, verb="claim"), conversation=channel, reply_to="9000")
    assert status == 200
    assert "Piet Pieters is following up." in texts_of(claimed["value"])
    assert [b["verb"] for b in buttons(claimed["value"])] == ["resolve"]
    assert "Piet Pieters is following up." in texts_of(
        card_of(bot.teams.connector.of("update")[-1].body))

    status, resolved = await bot.teams.execute(
        PIET, button(claimed["value"], verb="resolve"), {"note": "Called Jan back"},
        conversation=channel, reply_to="9000")
    assert status == 200
    shown = texts_of(resolved["value"])
    assert "Resolved by Piet Pieters." in shown and "Called Jan back" in shown
    assert buttons(resolved["value"]) == []
    store = bot.services.store
    assert await store.open_follow_ups() == []
    found = await store.get_follow_up(1)
    assert found is not None and found.status is FollowUpStatus.RESOLVED
    assert found.note == "Called Jan back"


async def test_a_promoter_alerts_nobody(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await set_alert_channel(bot)
    await install(bot, JAN)
    await close_for(bot, JAN.email)
    await bot.teams.execute(JAN, button(bot.teams.connector.last_card(), "10"))
    assert [c for c in bot.teams.connector.of("send") if c.conversation_id == ALERT_CHANNEL] == []
