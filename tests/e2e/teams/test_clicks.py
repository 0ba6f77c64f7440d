"""Clicks on the prompt: Universal Actions, the Action.Submit fallback, comments and rules."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.domain.model import Prompt
from storage.schema import ratings
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import JAN, KLAAS, button, buttons, texts_of
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.bot_connector import card_of
from tests.flows.test_click_transactions import counted_transactions

CARD = "application/vnd.microsoft.card.adaptive"


async def prompted(bot: TeamsBotUnderTest, **team: Any) -> tuple[Prompt, dict[str, Any]]:
    await setup_team(bot, **team)
    await install(bot, JAN)
    await install(bot, KLAAS)
    prompt = await close_for(bot, JAN.email, subject="Printer [here](https://evil.example) **now**")
    return prompt, bot.teams.connector.last_card()


async def stored_ratings(bot: TeamsBotUnderTest) -> list[Any]:
    engine = bot.services.store.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        return list(await connection.execute(sa.select(ratings).order_by(ratings.c.id)))


async def test_execute_click_records_and_answers_with_the_updated_card(
    bot: TeamsBotUnderTest,
) -> None:
    prompt, card = await prompted(bot)
    status, answer = await bot.teams.execute(JAN, button(card, "8"))
    assert status == 200
    assert answer["statusCode"] == 200 and answer["type"] == CARD
    updated = answer["value"]
    assert "You rated **8**" in texts_of(updated)
    box = next(el for el in updated["body"] if el["type"] == "Input.Text")
    assert box["isMultiline"] is True and box["maxLength"] == 2000
    send = button(updated, verb="comment")
    assert send["data"]["prompt"] == prompt.id and send["data"]["receipt"]
    assert button(updated, "8").get("style") == "positive"
    [rating] = await stored_ratings(bot)
    assert (rating.prompt_id, rating.score) == (prompt.id, 8)


async def test_submit_fallback_records_and_updates_the_sent_card(bot: TeamsBotUnderTest) -> None:
    _, card = await prompted(bot)
    status, _ = await bot.teams.submit(JAN, button(card, "9"), reply_to="1000")
    assert status == 200
    [update] = bot.teams.connector.of("update")
    assert update.conversation_id == JAN.chat and update.activity_id == "1000"
    assert "You rated **9**" in texts_of(card_of(update.body))
    [rating] = await stored_ratings(bot)
    assert rating.score == 9


async def test_comment_then_thank_you_card_with_the_comment_escaped(
    bot: TeamsBotUnderTest,
) -> None:
    _, card = await prompted(bot)
    _, answer = await bot.teams.execute(JAN, button(card, "7"))
    typed = "Took [long](https://evil.example) **really** ${secret} {{DATE(x)}}"
    status, thanks = await bot.teams.execute(JAN, button(answer["value"], verb="comment"),
                                             {"comment": typed})
    assert status == 200 and thanks["type"] == CARD
    shown = texts_of(thanks["value"])
    assert "You rated **7**" in shown
    assert "\\[long\\]\\(https://evil.example\\)" in shown
    assert "\\*\\*really\\*\\*" in shown
    assert "${" not in shown and "{{DATE(x" not in shown
    assert not buttons(thanks["value"])
    [rating] = await stored_ratings(bot)
    assert rating.comment == typed


async def test_comment_through_the_submit_fallback(bot: TeamsBotUnderTest) -> None:
    _, card = await prompted(bot)
    await bot.teams.submit(JAN, button(card, "10"), reply_to="1000")
    rated = card_of(bot.teams.connector.of("update")[-1].body)
    await bot.teams.submit(JAN, button(rated, verb="comment"), {"comment": "Great"},
                           reply_to="1000")
    final = card_of(bot.teams.connector.of("update")[-1].body)
    assert "Great" in texts_of(final)
    [rating] = await stored_ratings(bot)
    assert (rating.score, rating.comment) == (10, "Great")


async def test_an_empty_comment_keeps_the_box_and_says_why(bot: TeamsBotUnderTest) -> None:
    _, card = await prompted(bot)
    _, answer = await bot.teams.execute(JAN, button(card, "7"))
    _, again = await bot.teams.execute(JAN, button(answer["value"], verb="comment"),
                                       {"comment": "   "})
    assert any(el["type"] == "Input.Text" for el in again["value"]["body"])
    assert "The comment is empty." in texts_of(again["value"])


async def test_the_subject_is_escaped_in_every_card(bot: TeamsBotUnderTest) -> None:
    _, card = await prompted(bot)
    shown = texts_of(card)
    assert "Printer \\[here\\]\\(https://evil.example\\) \\*\\*now\\*\\*" in shown
    assert "[here](" not in shown


async def test_a_reclick_changes_the_score_and_keeps_one_rating(bot: TeamsBotUnderTest) -> None:
    _, card = await prompted(bot)
    _, first = await bot.teams.execute(JAN, button(card, "8"))
    _, second = await bot.teams.execute(JAN, button(first["value"], "3"))
    assert "You rated **3**" in texts_of(second["value"])
    [rating] = await stored_ratings(bot)
    assert rating.score == 3


async def test_a_score_keeps_what_is_new_in_the_conversation_in_its_own_transaction(
    bot: TeamsBotUnderTest,
) -> None:
    """Teams moved the chat to another service URL: the reference that says so is kept with
    the rating, in no transaction of its own, so the click costs as many as one that
    brings nothing new."""
    prompt, card = await prompted(bot)
    moved = f"{bot.teams.connector.url}/moved/"
    with counted_transactions() as news:
        status, answer = await bot.teams.execute(JAN, button(card, "8"), service_url=moved)
    assert status == 200 and "You rated **8**" in texts_of(answer["value"])
    stored = await bot.services.store.teams_conversation(JAN.chat)
    assert stored is not None and stored.service_url == moved
    with counted_transactions() as nothing_new:
        status, _ = await bot.teams.execute(JAN, button(answer["value"], "9"),
                                            service_url=moved)
    assert status == 200
    assert len(news) == len(nothing_new)
    [rating] = await stored_ratings(bot)
    assert (rating.prompt_id, rating.score) == (prompt.id, 9)


async def test_a_refused_score_still_keeps_what_is_new_in_the_conversation(
    bot: TeamsBotUnderTest,
) -> None:
    _, card = await prompted(bot)
    moved = f"{bot.teams.connector.url}/moved/"
    status, answer = await bot.teams.execute(KLAAS, button(card, "2"), service_url=moved)
    assert status == 200 and "sent to someone else" in texts_of(answer["value"])
    assert await stored_ratings(bot) == []
    stored = await bot.services.store.teams_conversation(KLAAS.chat)
    assert stored is not None and stored.service_url == moved


async def test_an_expired_prompt_records_nothing(bot: TeamsBotUnderTest) -> None:
    _, card = await prompted(bot)
    bot.clock.advance(days=8)
    status, answer = await bot.teams.execute(JAN, button(card, "8"))
    assert status == 200
    assert "expired" in texts_of(answer["value"])
    assert await stored_ratings(bot) == []


async def test_someone_else_cannot_answer(bot: TeamsBotUnderTest) -> None:
    _, card = await prompted(bot)
    status, answer = await bot.teams.execute(KLAAS, button(card, "2"))
    assert status == 200
    assert "sent to someone else" in texts_of(answer["value"])
    assert await stored_ratings(bot) == []


async def test_a_score_off_the_scale_is_refused(bot: TeamsBotUnderTest) -> None:
    _, card = await prompted(bot, scale="csat")
    forged = {**button(card, "5"), "data": {**button(card, "5")["data"], "score": 42}}
    status, answer = await bot.teams.execute(JAN, forged)
    assert status == 200
    assert "not a score on this scale" in texts_of(answer["value"])
    assert await stored_ratings(bot) == []


async def test_a_replayed_invoke_records_nothing_twice(bot: TeamsBotUnderTest) -> None:
    _, card = await prompted(bot)
    first = await bot.teams.execute(JAN, button(card, "4"), activity_id="f:replayed")
    replay = await bot.teams.execute(JAN, button(card, "4"), activity_id="f:replayed")
    assert first[0] == replay[0] == 200
    assert "You rated **4**" in texts_of(replay[1]["value"])
    assert len(await stored_ratings(bot)) == 1
    assert len(bot.teams.connector.of("create")) == 0


async def test_dont_ask_me_again_opts_out(bot: TeamsBotUnderTest) -> None:
    _, card = await prompted(bot)
    status, answer = await bot.teams.execute(JAN, button(card, verb="optout"))
    assert status == 200
    assert "won't be asked" in texts_of(answer["value"])
    person = await bot.services.store.find_person(email=JAN.email)
    assert person is not None and person.opted_out
