"""An anonymous team over Teams: the click, the night's batch, then the receipt in the card
still finds the rating, and the detractor's alert (its random id in the card data) works."""

from __future__ import annotations

from bot.domain.model import Anonymity, FollowUpStatus, PromptStatus
from bot.flows.anonymity import release_anonymous_batches
from tests.e2e.teams.harness import teams_bot
from tests.e2e.teams.support import ALERT_CHANNEL, JAN, PIET, button, texts_of
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.bot_connector import FakeConnector, card_of
from tests.fakes.clock import FakeClock

MENTION = "<at>ratebot</at> "


async def test_a_rating_changes_and_its_alert_is_claimed_after_the_nights_batch(
    database_url: str, clock: FakeClock, connector: FakeConnector
) -> None:
    environ = {"RATEBOT_ADMINS": PIET.aad, "RATEBOT_MIN_RESPONDENTS": "1",
               "RATEBOT_ANONYMITY_KEY": "a long random secret"}
    async with teams_bot(database_url, clock, connector, environ) as bot:
        teams = bot.teams
        await setup_team(bot, anonymity=Anonymity.ANONYMOUS)
        await teams.add_bot_to_channel(ALERT_CHANNEL, PIET)
        await teams.say(PIET, MENTION + "ratings team set servicedesk alert-channel here",
                        channel=ALERT_CHANNEL, thread="10", message_id="10")
        await install(bot, JAN)
        prompt = await close_for(bot, JAN.email)
        await bot.ratebot.worker.run_once()
        [sent] = connector.sent_to(JAN.chat)
        status, clicked = await teams.execute(JAN, button(card_of(sent.body), "2"))
        assert status == 200 and "You rated **2**" in texts_of(clicked["value"])
        [alert_post] = [c for c in connector.of("send") if c.conversation_id == ALERT_CHANNEL]
        alert = card_of(alert_post.body)

        clock.advance(days=1)
        run = await release_anonymous_batches(bot.services)
        assert (run.ran, run.released) == (True, 1)

        # The card Jan has carries the receipt: the score changes, the comment lands.
        status, changed = await teams.execute(JAN, button(clicked["value"], "3"))
        assert status == 200 and "You rated **3**" in texts_of(changed["value"])
        status, thanks = await teams.execute(JAN, button(changed["value"], verb="comment"),
                                             {"comment": "Still slow"})
        assert status == 200 and "Still slow" in texts_of(thanks["value"])
        status, claimed = await teams.execute(
            PIET, button(alert, verb="claim"), conversation=teams.channel(ALERT_CHANNEL, "77"))
        assert status == 200 and "is following up" in texts_of(claimed["value"])
        [follow_up] = await bot.services.store.open_follow_ups()
        assert follow_up.id < 0 and follow_up.status is FollowUpStatus.CLAIMED
        stored = await bot.services.store.get_prompt(prompt.id)
        assert stored is not None and stored.status is PromptStatus.SENT
