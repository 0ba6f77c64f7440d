"""The whole Teams loop over HTTP: install, webhook, proactive card, click, comment, alert."""

from __future__ import annotations

import json

from adapters.helpdesk.generic import sign
from bot.domain.model import FollowUpStatus, PromptStatus
from tests.e2e.teams.harness import teams_bot
from tests.e2e.teams.support import ALERT_CHANNEL, JAN, PIET, button, texts_of
from tests.e2e.teams.test_prompts import install, setup_team
from tests.fakes.bot_connector import FakeConnector, card_of
from tests.fakes.clock import FakeClock

SECRET = "webhook-secret"
MENTION = "<at>ratebot</at> "


async def test_install_close_card_click_comment_and_alert(
    database_url: str, clock: FakeClock, connector: FakeConnector
) -> None:
    environ = {"RATEBOT_ADMINS": PIET.aad, "RATEBOT_WEBHOOK_SECRET": SECRET}
    async with teams_bot(database_url, clock, connector, environ, whole_server=True) as bot:
        teams = bot.teams
        await setup_team(bot)
        # The bot joins the team's alert channel and an admin makes it the alert channel.
        await teams.add_bot_to_channel(ALERT_CHANNEL, PIET)
        await teams.say(PIET, MENTION + "ratings team set servicedesk alert-channel here",
                        channel=ALERT_CHANNEL, thread="10", message_id="10")
        # Jan installs the app.
        await install(bot, JAN)

        # The helpdesk closes Jan's ticket.
        body = json.dumps({"ticket_id": "INC-1042", "requester_email": JAN.email,
                           "agent": PIET.email, "team": "servicedesk",
                           "subject": "VPN drops every hour",
                           "closed_at": "2026-11-24T09:55:00Z"}).encode()
        response = await teams.client.post(
            "/webhooks/generic", data=body,
            headers={"Content-Type": "application/json", "X-Ratebot-Signature": sign(body, SECRET)})
        assert response.status in (200, 202), await response.text()

        # The delivery worker sends the card proactively into Jan's chat.
        await bot.ratebot.worker.run_once()
        [sent] = connector.sent_to(JAN.chat)
        card = card_of(sent.body)
        assert "VPN drops every hour" in texts_of(card)
        prompt = await bot.services.store.get_prompt(1)
        assert prompt is not None and prompt.status is PromptStatus.SENT

        # Jan clicks 2: the invoke answers with the updated card.
        status, clicked = await teams.execute(JAN, button(card, "2"))
        assert status == 200
        assert "You rated **2**" in texts_of(clicked["value"])

        # A detractor: the alert is in the channel at once.
        [alert_post] = [c for c in connector.of("send") if c.conversation_id == ALERT_CHANNEL]
        alert = card_of(alert_post.body)
        assert "Detractor alert for **Service Desk**" in texts_of(alert)

        # Jan comments: the thank-you card, and the alert shows the comment.
        status, thanks = await teams.execute(JAN, button(clicked["value"], verb="comment"),
                                             {"comment": "Third time this month"})
        assert status == 200
        assert "Third time this month" in texts_of(thanks["value"])
        assert "Thank you" in texts_of(thanks["value"])
        updated = [c for c in connector.of("update") if c.conversation_id == ALERT_CHANNEL]
        assert "Third time this month" in texts_of(card_of(updated[-1].body))

        # Piet follows up from the channel.
        status, claimed = await teams.execute(
            PIET, button(alert, verb="claim"), conversation=teams.channel(ALERT_CHANNEL, "77"))
        assert status == 200
        assert "is following up" in texts_of(claimed["value"])
        follow_up = await bot.services.store.get_follow_up(1)
        assert follow_up is not None and follow_up.status is FollowUpStatus.CLAIMED
        answered = await bot.services.store.get_prompt(1)
        assert answered is not None and answered.status is PromptStatus.ANSWERED
