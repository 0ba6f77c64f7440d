"""A relationship pulse in Slack: `/ratings pulse` asks the team's recent requesters in a DM,
a click is stored apart from the ratings, and the digest of the week it closes shows it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from adapters.slack.outbound import SlackChat
from app.bootstrap import Ratebot
from bot.domain.messages import DigestMessage
from bot.domain.weeks import IsoWeek
from bot.flows.digest import weekly_digest
from storage.schema import pulse_answers
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_prompt_and_click import all_text, deliver, stored_ratings
from tests.e2e.slack.test_slash_command import say
from tests.fakes.clock import FakeClock
from tests.fakes.slack_api import FakeSlackApi


async def answers(ratebot: Ratebot) -> list[dict[str, Any]]:
    engine = ratebot.services.store.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        rows = await connection.execute(sa.select(pulse_answers))
        return [dict(row._mapping) for row in rows]


async def started(ratebot: Ratebot, slack: SlackDriver, clock: FakeClock) -> str:
    """Jan and Anne had tickets rated two weeks ago; the admin starts a pulse now."""
    await deliver(ratebot, "INC-1", email="jan@example.com")
    await deliver(ratebot, "INC-2", email="anne@example.com")
    clock.advance(days=15)  # out of the cooldown (14 days)
    reply = await say(slack, "UADMIN", "pulse servicedesk days=30")
    await ratebot.worker.run_once()
    return reply


async def test_the_admin_starts_it_and_the_requesters_get_the_question_in_a_dm(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    reply = await started(ratebot, slack, clock)
    assert reply.startswith("Started a pulse for `servicedesk`: 2 of 2 people who had a "
                            "conversation with it in the last 30 days will be asked.")
    assert "Left out: 0 opted out, 0 asked recently (cooldown)" in reply
    assert "Jan" not in reply and "Anne" not in reply
    _, message = slack.dm_of("UJAN")
    body = all_text(message)
    assert "A short question from *Service Desk* about how they help you." in body
    assert "How likely are you to recommend Service Desk to a colleague?" in body
    assert "Printer" not in body and "INC-" not in body and "Piet" not in body
    assert [f"rate:{score}" for score in range(11)] == [
        action for action in slack.buttons(message) if action.startswith("rate:")]
    _, dutch = slack.dm_of("UANNE")
    assert "Hoe waarschijnlijk is het dat je Service Desk aanbeveelt" in all_text(dutch)

    again = await say(slack, "UADMIN", "pulse servicedesk")
    assert again.startswith("`servicedesk` already has a pulse running; it closes on 2026-12-23")
    refused = await say(slack, "UJAN", "pulse servicedesk")
    assert refused.startswith("Only admins can do that.")


async def test_a_click_is_stored_apart_and_the_closing_weeks_digest_shows_it(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    await started(ratebot, slack, clock)
    await slack.clicks("UJAN", 3)
    [update] = await slack_api.wait_for("chat.update")
    assert "How likely are you to recommend Service Desk" in json.dumps(update.args["blocks"])
    assert await stored_ratings(ratebot) == []
    [answer] = await answers(ratebot)
    assert answer["score"] == 3 and answer["person_id"] is not None
    assert not [c for c in slack_api.called("chat.postMessage")
                if c.args["channel"] == "CALERT"]  # no detractor alert for a pulse

    team = await ratebot.services.store.get_team("servicedesk")
    assert team is not None
    pulse = await ratebot.services.store.open_pulse(team.id, now=clock.now())
    assert pulse is not None
    clock.advance(days=21)
    digest = await weekly_digest(ratebot.services, team,
                                 IsoWeek.last_complete(pulse.closes_at + timedelta(days=7), "UTC"))
    chat = ratebot.services.chats[0]
    assert isinstance(chat, SlackChat)
    await chat.post_message("CDIGEST", DigestMessage(digest))
    body = json.dumps(slack_api.last("chat.postMessage").args["blocks"], ensure_ascii=False)
    assert "Relationship pulse" in body
    assert "NPS -100 " in body and "from 1 of 2 asked (closed Wed)" in body
