"""`my data` and `forget me` said to the bot in Teams, through the fake Bot Connector."""

from __future__ import annotations

import base64
import json
from typing import Any

import sqlalchemy as sa

from bot.domain.model import PromptStatus, SkipReason
from storage.schema import prompts, ratings
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import JAN, button, buttons, texts_of
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.bot_connector import card_of

JSON_LINK = "data:application/json;base64,"


async def rated(bot: TeamsBotUnderTest, score: int) -> None:
    await setup_team(bot)
    await install(bot, JAN)
    await close_for(bot, JAN.email)
    card = card_of(bot.teams.connector.sent_to(JAN.chat)[-1].body)
    status, _ = await bot.teams.execute(JAN, button(card, str(score)))
    assert status == 200


async def said(bot: TeamsBotUnderTest, words: str) -> dict[str, Any]:
    """The card the bot answers `words` with in Jan's personal chat."""
    status, _ = await bot.teams.say(JAN, words)
    assert status == 200
    return card_of(bot.teams.connector.sent_to(JAN.chat)[-1].body)


async def rows(bot: TeamsBotUnderTest, table: sa.Table) -> list[dict[str, Any]]:
    engine = bot.services.store.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        found = await connection.execute(sa.select(table).order_by(table.c.id))
        return [dict(row._mapping) for row in found]


async def test_my_data_is_a_card_with_the_json_as_a_download_link(
    bot: TeamsBotUnderTest,
) -> None:
    await rated(bot, 9)
    card = await said(bot, "my data")
    assert "everything ratebot stores about you" in texts_of(card)
    [link] = [b for b in buttons(card) if b["type"] == "Action.OpenUrl"]
    assert link["url"].startswith(JSON_LINK)
    data = json.loads(base64.b64decode(link["url"].removeprefix(JSON_LINK)))
    assert data["person"]["email"] == JAN.email
    assert data["person"]["teams_user_id"] == JAN.teams_id
    assert [(r["team"], r["score"]) for r in data["ratings"]] == [("servicedesk", 9)]
    assert [p["status"] for p in data["prompts"]] == ["answered"]


async def test_in_a_channel_my_data_is_not_shown_to_everyone(bot: TeamsBotUnderTest) -> None:
    await rated(bot, 9)
    channel = "19:it-chat@thread.tacv2"
    await bot.teams.say(JAN, "my data", channel=channel, thread="1", message_id="1",
                        mention=True)
    [reply] = bot.teams.connector.of("reply")
    assert "personal chat" in reply.body["text"]
    assert not reply.body.get("attachments")


async def test_forget_me_confirms_then_erases_and_jan_is_never_asked_again(
    bot: TeamsBotUnderTest,
) -> None:
    store = bot.services.store
    await rated(bot, 9)
    card = await said(bot, "forget me")
    assert "never be asked" in texts_of(card)
    assert await store.find_person(email=JAN.email) is not None  # nothing erased yet
    status, answer = await bot.teams.execute(JAN, button(card, verb="forgetme"))
    assert status == 200
    assert "forgotten who you are" in texts_of(answer["value"])
    assert await store.find_person(email=JAN.email) is None
    assert await store.find_person(teams_user_id=JAN.teams_id) is None
    [rating] = await rows(bot, ratings)
    assert (rating["score"], rating["person_id"]) == (9, None)
    [entry] = [e for e in await store.audit_log() if e.action == "person.forget_self"]
    assert "jan" not in json.dumps([entry.actor, entry.detail]).lower()
    bot.services.clock.advance(days=30)  # type: ignore[attr-defined]
    await close_for(bot, JAN.email, ticket="INC-2")
    last = (await rows(bot, prompts))[-1]
    assert (last["status"], last["reason"]) == (
        PromptStatus.SKIPPED.value, SkipReason.OPTED_OUT.value)
