"""The whole loop in one test: webhook, DM with buttons, click, comment, alert, claim."""

from __future__ import annotations

import json

import sqlalchemy as sa

from adapters.helpdesk.generic import sign as sign_webhook
from app.bootstrap import Ratebot
from bot.domain.model import FollowUpStatus
from storage.schema import ratings
from tests.e2e.slack.conftest import WEBHOOK_SECRET
from tests.e2e.slack.harness import SlackDriver
from tests.fakes.slack_api import FakeSlackApi


async def test_from_a_closed_ticket_to_a_claimed_follow_up(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    # The helpdesk says the ticket is solved.
    body = json.dumps({
        "ticket_id": "INC-1042", "requester_email": "jan@example.com",
        "agent": "piet@example.com", "team": "servicedesk",
        "subject": "Printer on the third floor", "closed_at": "2026-11-24T09:30:00Z",
    }).encode()
    response = await slack.client.post("/webhooks/generic", data=body, headers={
        "Content-Type": "application/json",
        "X-Ratebot-Signature": sign_webhook(body, WEBHOOK_SECRET)})
    assert response.status == 202

    # The worker delivers the prompt: a direct message with one button per score.
    assert await ratebot.worker.run_once() == 1
    channel, prompt = slack.dm_of("UJAN")
    assert {f"rate:{n}" for n in range(11)} <= set(slack.buttons(prompt))

    # Jan clicks 4: the message updates in place and the team is alerted.
    await slack.clicks("UJAN", 4)
    assert "You rated *4*" in json.dumps(slack_api.messages[(channel, prompt["ts"])]["blocks"])
    alert_key = next(key for key in slack_api.messages if key[0] == "CALERT")

    # Jan adds a comment through the modal; it is stored and shown in both messages.
    channel, prompt = slack.dm_of("UJAN")
    await slack.interaction(slack.block_actions("UJAN", channel, prompt, "comment"))
    view = slack_api.last("views.open").args["view"]
    await slack.submits_modal("UJAN", view, {"comment_block": {"comment_input": {
        "type": "plain_text_input", "value": "It took three days"}}})
    engine = ratebot.services.store.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        [row] = (await connection.execute(sa.select(ratings))).all()
    assert (row.score, row.comment) == (4, "It took three days")
    assert "It took three days" in json.dumps(slack_api.messages[(channel, prompt["ts"])])
    assert "It took three days" in json.dumps(slack_api.messages[alert_key])

    # Piet claims the follow-up; the alert says so.
    await slack.interaction(slack.block_actions("UPIET", "CALERT", slack_api.messages[alert_key],
                                                "followup.claim"))
    assert "Piet Pieters is following up." in json.dumps(slack_api.messages[alert_key])
    [follow_up] = await ratebot.services.store.open_follow_ups()
    assert follow_up.status is FollowUpStatus.CLAIMED
