"""Reasons and lost time in Teams, through the real botbuilder against the fake Bot
Connector: the rated card offers them, each tap is stored and answered with the card
redrawn (Universal Actions) or the card updated (the Action.Submit fallback)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.domain.model import Anonymity
from storage.schema import rating_reasons
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import JAN, PIET, button, buttons, texts_of
from tests.e2e.teams.test_clicks import prompted, stored_ratings
from tests.e2e.teams.test_commands import say
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.bot_connector import card_of


async def stored_reasons(bot: TeamsBotUnderTest) -> list[str]:
    engine = bot.services.store.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.select(rating_reasons.c.reason).order_by(rating_reasons.c.reason))
        return [row.reason for row in rows]


def titles(card: dict[str, Any], verb: str) -> list[str]:
    return [action["title"] for action in buttons(card) if action["verb"] == verb]


async def tap(bot: TeamsBotUnderTest, card: dict[str, Any], title: str) -> dict[str, Any]:
    status, answer = await bot.teams.execute(JAN, button(card, title))
    assert status == 200 and answer["type"] == "application/vnd.microsoft.card.adaptive"
    shown: dict[str, Any] = answer["value"]
    return shown


async def test_reasons_and_lost_time_are_tapped_stored_and_redrawn(
    bot: TeamsBotUnderTest,
) -> None:
    _, card = await prompted(bot, lost_time=True)
    _, answer = await bot.teams.execute(JAN, button(card, "4"))
    rated = answer["value"]
    assert "What held it back? Tap all that apply." in texts_of(rated)
    offered = titles(rated, "reason")
    assert set(offered) == {"Took too long", "Not solved", "Had to explain twice", "Unfriendly"}
    assert titles(rated, "lost") == ["None", "< 1 h", "Half a day", "A day or more"]
    assert titles(rated, "comment")  # the optional comment stays
    shown = await tap(bot, rated, "Had to explain twice")
    assert button(shown, "✓ Had to explain twice")["style"] == "positive"
    # Delivered again, the same tap sets the same state.
    again = await tap(bot, rated, "Had to explain twice")
    assert "✓ Had to explain twice" in titles(again, "reason")
    shown = await tap(bot, again, "A day or more")
    assert "✓ A day or more" in titles(shown, "lost")
    assert [title.removeprefix("✓ ") for title in titles(shown, "reason")] == offered
    assert await stored_reasons(bot) == ["explain_twice"]
    [rating] = await stored_ratings(bot)
    assert rating.lost_time == "day_plus"
    _, changed = await bot.teams.execute(JAN, button(shown, "9"))  # over to a promoter
    assert set(titles(changed["value"], "reason")) == {
        "Fast", "Solved for good", "Clear explanation", "Friendly"}
    assert "✓ A day or more" in titles(changed["value"], "lost")
    assert await stored_reasons(bot) == []


async def test_a_tap_through_the_submit_fallback_updates_the_card(
    bot: TeamsBotUnderTest,
) -> None:
    _, card = await prompted(bot)
    await bot.teams.submit(JAN, button(card, "10"), reply_to="1000")
    rated = card_of(bot.teams.connector.of("update")[-1].body)
    await bot.teams.submit(JAN, button(rated, "Fast"), reply_to="1000")
    updated = card_of(bot.teams.connector.of("update")[-1].body)
    assert "✓ Fast" in titles(updated, "reason")
    assert await stored_reasons(bot) == ["fast"]


async def test_anonymous_answers_and_a_teams_own_labels(bot: TeamsBotUnderTest) -> None:
    _, card = await prompted(bot, anonymity=Anonymity.ANONYMOUS,
                             reasons="low: Waited ages | high: Spot on; Kind")
    _, answer = await bot.teams.execute(JAN, button(card, "10"))
    assert set(titles(answer["value"], "reason")) == {"Spot on", "Kind"}
    shown = await tap(bot, answer["value"], "Kind")
    assert "✓ Kind" in titles(shown, "reason")
    [rating] = await stored_ratings(bot)
    assert rating.person_id is None and rating.prompt_id is None
    assert await stored_reasons(bot) == ["high:Kind"]


async def test_the_admin_sets_them_by_message(bot: TeamsBotUnderTest) -> None:
    await prompted(bot)
    await install(bot, PIET)
    answer = await say(bot, PIET, "ratings team set servicedesk reasons high: Quick; Kind")
    assert "reasons high: Quick; Kind" in answer
    answer = await say(bot, PIET, "ratings team set servicedesk reasons low: ;")
    assert "a label is empty" in answer


async def test_a_replayed_score_shows_the_answers_as_they_are(bot: TeamsBotUnderTest) -> None:
    _, card = await prompted(bot)
    _, answer = await bot.teams.execute(JAN, button(card, "4"), activity_id="f:score")
    await tap(bot, answer["value"], "Not solved")
    _, replay = await bot.teams.execute(JAN, button(card, "4"), activity_id="f:score")
    assert "✓ Not solved" in titles(replay["value"], "reason")
    assert await stored_reasons(bot) == ["not_solved"]


async def test_a_dutch_person_is_asked_in_dutch(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot, lost_time=True)
    await install(bot, JAN, locale="nl-NL")
    await close_for(bot, JAN.email)
    card = bot.teams.connector.last_card()
    _, rated = await bot.teams.execute(JAN, button(card, "3"), locale="nl-NL")
    shown = texts_of(rated["value"])
    assert "Wat kon er beter? Tik alles aan wat klopt." in shown
    assert "Hoeveel werktijd heeft dit probleem je gekost?" in shown
    assert set(titles(rated["value"], "reason")) == {
        "Duurde te lang", "Niet opgelost", "Moest het twee keer uitleggen", "Onvriendelijk"}
    assert titles(rated["value"], "lost") == ["Geen", "< 1 uur", "Een halve dag",
                                              "Een dag of meer"]
    status, tapped = await bot.teams.execute(JAN, button(rated["value"], "Een halve dag"),
                                             locale="nl-NL")
    assert status == 200 and "✓ Een halve dag" in titles(tapped["value"], "lost")
