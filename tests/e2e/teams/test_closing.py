"""Closing a request in a team's help channel: `close` in the thread, or the message action."""

from __future__ import annotations

from typing import Any

from bot.domain.model import PromptStatus
from bot.flows.recording import rating_prompt
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import HELP_CHANNEL, JAN, KLAAS, PIET, TENANT
from tests.e2e.teams.test_prompts import install, setup_team

MENTION = "<at>ratebot</at> "


async def help_channel(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await bot.teams.add_bot_to_channel(HELP_CHANNEL, PIET)
    for user in (JAN, PIET, KLAAS):
        bot.teams.connector.add_member(HELP_CHANNEL, user.member())
    await bot.teams.say(PIET, MENTION + "ratings team set servicedesk help-channel here",
                        channel=HELP_CHANNEL, thread="100", message_id="100")
    assert "help channel" in bot.teams.connector.of("reply")[-1].body["text"]


async def last_reply(bot: TeamsBotUnderTest) -> str:
    text: str = bot.teams.connector.of("reply")[-1].body["text"]
    return text


async def test_close_in_a_thread_asks_the_thread_starter(bot: TeamsBotUnderTest) -> None:
    await help_channel(bot)
    await install(bot, JAN)
    await bot.teams.say(JAN, "My printer is broken", channel=HELP_CHANNEL, thread="700",
                        message_id="700", mention=True)
    await bot.teams.say(KLAAS, "Did you turn it off and on?", channel=HELP_CHANNEL,
                        thread="700", message_id="701")
    status, _ = await bot.teams.say(PIET, MENTION + "close", channel=HELP_CHANNEL, thread="700",
                                    message_id="702")
    assert status == 200
    reply = bot.teams.connector.of("reply")[-1]
    assert reply.conversation_id == f"{HELP_CHANNEL};messageid=700"  # answered in the thread
    assert reply.body["text"] == "Closed. Jan Jansen will be asked to rate Service Desk."

    await bot.ratebot.worker.run_once()
    [card_send] = [c for c in bot.teams.connector.of("send") if c.conversation_id == JAN.chat]
    assert card_send.body["attachments"][0]["contentType"].endswith("card.adaptive")
    person = await bot.services.store.find_person(email=JAN.email)
    assert person is not None
    prompts = await bot.services.store.get_prompt(1)
    assert prompts is not None and prompts.person_id == person.id
    assert prompts.status is PromptStatus.SENT


async def test_close_twice_asks_once(bot: TeamsBotUnderTest) -> None:
    await help_channel(bot)
    await bot.teams.say(JAN, "Help", channel=HELP_CHANNEL, thread="800", message_id="800")
    await bot.teams.say(PIET, "close", channel=HELP_CHANNEL, thread="800", message_id="801")
    await bot.teams.say(PIET, "close", channel=HELP_CHANNEL, thread="800", message_id="802")
    assert await bot.services.store.get_prompt(1) is not None
    assert await bot.services.store.get_prompt(2) is None


async def test_close_outside_a_help_channel_means_nothing(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    other = "19:random@thread.tacv2"
    await bot.teams.say(JAN, "Help", channel=other, thread="900", message_id="900")
    await bot.teams.say(PIET, "close", channel=other, thread="900", message_id="901")
    assert bot.teams.connector.of("reply") == []
    assert await bot.services.store.get_prompt(1) is None


async def test_close_in_a_thread_older_than_the_bot_explains(bot: TeamsBotUnderTest) -> None:
    await help_channel(bot)
    await bot.teams.say(PIET, "close", channel=HELP_CHANNEL, thread="50", message_id="51")
    assert "I don't know who started this thread" in await last_reply(bot)
    assert await bot.services.store.get_prompt(1) is None


async def test_the_closer_is_answered_in_their_language(bot: TeamsBotUnderTest) -> None:
    await help_channel(bot)
    await bot.teams.say(PIET, "close", channel=HELP_CHANNEL, thread="50", message_id="51",
                        locale="nl-NL")
    assert "Ik weet niet wie deze thread begon" in await last_reply(bot)


def message_action(bot: TeamsBotUnderTest, author: dict[str, Any],
                   subject: str = "") -> dict[str, Any]:
    activity = bot.teams.base(
        "invoke", PIET, bot.teams.channel(HELP_CHANNEL, "600"),
        name="composeExtension/submitAction",
        channelData=bot.teams.channel_data(HELP_CHANNEL),
        value={
            "commandId": "closeAndAsk", "commandContext": "message",
            "data": {"subject": subject},
            "messagePayload": {
                "id": "600", "messageType": "message", "subject": None,
                "body": {"contentType": "html", "content": "<p>VPN [drops](x) every hour</p>"},
                "from": {"user": author},
            },
        },
    )
    return activity


async def test_the_message_action_closes_and_asks_the_author(bot: TeamsBotUnderTest) -> None:
    await help_channel(bot)
    await install(bot, JAN)
    status, answer = await bot.teams.post(message_action(bot, {
        "id": JAN.aad, "displayName": JAN.name, "userIdentityType": "aadUser",
        "tenantId": TENANT}))
    assert status == 200
    assert answer == {"task": {"type": "message",
                               "value": "Closed. Jan Jansen will be asked to rate Service Desk."}}
    prompt = await bot.services.store.get_prompt(1)
    person = await bot.services.store.find_person(email=JAN.email)
    assert prompt is not None and person is not None and prompt.person_id == person.id
    rendered = await rating_prompt(bot.services, 1)
    assert rendered is not None and rendered.subject == "VPN [drops](x) every hour"


async def test_the_subject_typed_in_the_message_action_wins(bot: TeamsBotUnderTest) -> None:
    await help_channel(bot)
    await install(bot, JAN)
    await bot.teams.post(message_action(bot, {"id": JAN.aad, "displayName": JAN.name},
                                        subject="VPN outage"))
    rendered = await rating_prompt(bot.services, 1)
    assert rendered is not None and rendered.subject == "VPN outage"


async def test_the_message_action_elsewhere_says_how_to_set_it_up(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    status, answer = await bot.teams.post(message_action(bot, {
        "id": JAN.aad, "displayName": JAN.name}))
    assert status == 200
    assert "help-channel here" in answer["task"]["value"]
