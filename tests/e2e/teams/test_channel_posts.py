"""What the core posts and updates through `TeamsChat`: the digest, text, withdrawn prompts."""

from __future__ import annotations

import json

from adapters.teams.outbound import MessageRef
from bot.domain.messages import DigestMessage, PromptUpdate, TextMessage
from bot.flows.digest import weekly_digest
from bot.flows.recording import rating_prompt
from tests.adapters.teams.test_digest_card import all_text
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import ALERT_CHANNEL, JAN, PIET, texts_of
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.bot_connector import card_of

MENTION = "<at>ratebot</at> "


async def test_the_weekly_digest_is_posted_as_a_card_into_the_channel(
    bot: TeamsBotUnderTest,
) -> None:
    await setup_team(bot, display_name="Desk *one*")
    await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)
    await bot.teams.say(PIET, MENTION + "ratings team set servicedesk digest-channel here",
                        channel=ALERT_CHANNEL, thread="5", message_id="5")
    team = await bot.services.store.get_team("servicedesk")
    assert team is not None
    channel = team.channel("teams", "digest")
    assert channel is not None

    digest = await weekly_digest(bot.services, team)
    ref = await bot.chat.post_message(channel, DigestMessage(digest, late=True))

    post = bot.teams.connector.of("send")[-1]
    assert post.conversation_id == ALERT_CHANNEL  # a new post, not a reply in a thread
    card = card_of(post.body)
    text = all_text(card)
    assert "Desk \\*one\\*" in text  # the team's name is escaped
    assert "Posted late" in text
    assert not [el for el in card["body"] if el["type"] == "Image"]  # no chart was given
    assert MessageRef.decode(ref).activity_id


async def test_plain_text_to_a_channel(bot: TeamsBotUnderTest) -> None:
    await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)
    stored = await bot.services.store.teams_conversation(ALERT_CHANNEL)
    assert stored is not None
    await bot.chat.post_message(stored.reference, TextMessage("hello"))
    assert bot.teams.connector.of("send")[-1].body["text"] == "hello"


async def test_a_withdrawn_prompt_is_updated_in_place(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await install(bot, JAN)
    prompt = await close_for(bot, JAN.email)
    assert prompt.message_ref is not None
    rendered = await rating_prompt(bot.services, prompt.id)
    assert rendered is not None
    notice = "This rating request was withdrawn because the ticket was reopened."
    await bot.chat.update_prompt(prompt.message_ref, PromptUpdate(rendered, notice=notice))
    [update] = bot.teams.connector.of("update")
    ref = MessageRef.decode(prompt.message_ref)
    assert (update.conversation_id, update.activity_id) == (JAN.chat, ref.activity_id)
    card = card_of(update.body)
    assert "withdrawn" in texts_of(card)
    assert not [el for el in card["body"] if el["type"] == "ActionSet"]
    assert json.loads(json.dumps(update.body))["type"] == "message"
