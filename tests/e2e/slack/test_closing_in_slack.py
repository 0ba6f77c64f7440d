"""Closing a request in a team's help channel: the ✅ reaction and the message shortcut."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from app.bootstrap import Ratebot
from bot.domain.model import PromptStatus
from tests.e2e.slack.harness import SlackDriver
from tests.fakes.slack_api import FakeSlackApi

ADMIN = "test:admin"


@pytest.fixture
async def help_channel(ratebot: Ratebot) -> str:
    store, now = ratebot.services.store, ratebot.services.clock.now()
    await store.set_team_channel("servicedesk", "slack", "help", "CHELP", actor=ADMIN, at=now)
    return "CHELP"


def reaction(user: str, channel: str, ts: str, author: str, name: str = "white_check_mark",
             event_id: str = "Ev1") -> dict[str, Any]:
    return {
        "token": "legacy", "team_id": "T111", "api_app_id": "A111", "type": "event_callback",
        "event_id": event_id, "event_time": 1700000000,
        "event": {"type": "reaction_added", "user": user, "reaction": name,
                  "item_user": author, "item": {"type": "message", "channel": channel, "ts": ts},
                  "event_ts": "1700000001.000100"},
        "authorizations": [{"enterprise_id": None, "team_id": "T111", "user_id": "UBOT",
                            "is_bot": True, "is_enterprise_install": False}],
    }


async def test_a_check_mark_closes_the_request_and_asks_its_author(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi, help_channel: str
) -> None:
    ts = slack_api.post_message_as(help_channel, "UJAN", "My laptop <!here> won't boot")
    response = await slack.event(reaction("UPIET", help_channel, ts, "UJAN"))
    assert response.status == 200
    await ratebot.worker.run_once()
    post = slack_api.last("chat.postMessage")
    assert post.args["channel"] == "UJAN"  # the user id: Slack opens the DM
    body = str(post.args["blocks"])
    assert "Piet Pieters of *Service Desk* helped you" in body
    assert "My laptop &lt;!here&gt; won't boot" in body
    jan = await ratebot.services.store.find_person(slack_user_id="UJAN")
    assert jan is not None and jan.email == "jan@example.com"


async def test_other_reactions_and_other_channels_close_nothing(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi, help_channel: str
) -> None:
    ts = slack_api.post_message_as(help_channel, "UJAN", "Help")
    other = slack_api.post_message_as("CRANDOM", "UJAN", "Lunch?")
    await slack.event(reaction("UPIET", help_channel, ts, "UJAN", name="tada", event_id="Ev1"))
    await slack.event(reaction("UPIET", "CRANDOM", other, "UJAN", event_id="Ev2"))
    assert await ratebot.worker.run_once() == 0
    assert slack_api.called("chat.postMessage") == []


async def test_an_agent_asking_about_their_own_message_is_not_asked(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi, help_channel: str
) -> None:
    ts = slack_api.post_message_as(help_channel, "UPIET", "Printer is fixed")
    await slack.event(reaction("UPIET", help_channel, ts, "UPIET"))
    await ratebot.worker.run_once()
    assert slack_api.called("chat.postMessage") == []


async def test_the_message_shortcut_closes_and_confirms(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi, help_channel: str
) -> None:
    ts = slack_api.post_message_as(help_channel, "UJAN", "VPN drops every hour")
    message = slack_api.messages[(help_channel, ts)]
    payload = {
        "type": "message_action", "callback_id": "close_and_ask", "trigger_id": "1.2.x",
        "action_ts": "1700000002.1", "team": {"id": "T111", "domain": "example"},
        "user": {"id": "UPIET", "name": "piet"}, "channel": {"id": help_channel, "name": "help"},
        "message": message, "message_ts": ts,
        "response_url": "https://hooks.slack.com/app/T111/1/x", "token": "legacy",
    }
    response = await slack.interaction(payload)
    assert response.status == 200
    confirmation = slack_api.last("chat.postEphemeral")
    assert confirmation.args["user"] == "UPIET"
    assert confirmation.args["text"] == "Closed. <@UJAN> will be asked to rate Service Desk."
    [prompt] = await ratebot.services.store.claim_due_prompts(
        now=ratebot.services.clock.now(), limit=5, lease=timedelta(minutes=1))
    assert prompt.prompt.status is PromptStatus.PENDING
    assert prompt.ticket_id == f"{help_channel}-{ts}"


async def test_only_the_teams_agents_can_close(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi, help_channel: str
) -> None:
    ts = slack_api.post_message_as(help_channel, "UJAN", "Help")
    await slack.event(reaction("UANNE", help_channel, ts, "UJAN"))  # a colleague
    assert await ratebot.worker.run_once() == 0
    payload = {
        "type": "message_action", "callback_id": "close_and_ask", "trigger_id": "1.2.x",
        "team": {"id": "T111"}, "user": {"id": "UANNE"}, "channel": {"id": help_channel},
        "message": slack_api.messages[(help_channel, ts)], "message_ts": ts,
    }
    await slack.interaction(payload)
    # Anne's Slack speaks Dutch: she is told in her own language.
    assert "Alleen agents van Service Desk kunnen hier verzoeken sluiten" in slack_api.last(
        "chat.postEphemeral").args["text"]
    assert await ratebot.worker.run_once() == 0
