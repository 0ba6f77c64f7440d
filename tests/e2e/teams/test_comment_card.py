"""The comment box over Teams: the anonymity notice stays beside it and under the comment,
and a comment refused is refused in the person's language (issue 16)."""

from __future__ import annotations

from bot.domain.model import Anonymity
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import JAN, button, texts_of
from tests.e2e.teams.test_prompts import close_for, install, setup_team

NOTICE_NL = "Je antwoord is anoniem: het is niet naar jou te herleiden."


async def test_a_dutch_person_in_an_anonymous_team_keeps_the_notice_and_is_refused_in_dutch(
    bot: TeamsBotUnderTest,
) -> None:
    await setup_team(bot, anonymity=Anonymity.ANONYMOUS)
    await install(bot, JAN, locale="nl-NL")
    await close_for(bot, JAN.email)
    card = bot.teams.connector.last_card()
    assert NOTICE_NL in texts_of(card)
    status, rated = await bot.teams.execute(JAN, button(card, "8"), locale="nl-NL")
    assert status == 200 and NOTICE_NL in texts_of(rated["value"])  # beside the comment box
    status, refused = await bot.teams.execute(
        JAN, button(rated["value"], verb="comment"), {"comment": "  "}, locale="nl-NL")
    shown = texts_of(refused["value"])
    assert status == 200 and "De opmerking is leeg." in shown and "comment is empty" not in shown
    assert NOTICE_NL in shown
    status, thanks = await bot.teams.execute(
        JAN, button(rated["value"], verb="comment"), {"comment": "Snel geholpen"},
        locale="nl-NL")
    shown = texts_of(thanks["value"])
    assert status == 200 and "Snel geholpen" in shown and NOTICE_NL in shown  # under it
