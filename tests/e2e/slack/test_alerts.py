"""Closing the loop in Slack: a detractor alerts the team; someone claims and resolves it."""

from __future__ import annotations

import json

from app.bootstrap import Ratebot
from bot.domain.model import FollowUpStatus
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_prompt_and_click import deliver
from tests.fakes.slack_api import FakeSlackApi

ADMIN = "test:admin"


def alert_body(slack_api: FakeSlackApi) -> str:
    return json.dumps(slack_api.messages[next(
        key for key in slack_api.messages if key[0] == "CALERT")]["blocks"], ensure_ascii=False)


async def test_a_detractor_alerts_the_team_channel(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot, subject="VPN <!channel>")
    await slack.clicks("UJAN", 3)
    [post] = [c for c in await slack_api.wait_for("chat.postMessage", 2)
              if c.args["channel"] == "CALERT"]
    body = json.dumps(post.args["blocks"], ensure_ascii=False)
    assert "Score: *3* of 10" in body
    assert "Agent: Piet Pieters" in body and "Requester: Jan Jansen" in body
    assert "Ticket: INC-1" in body and "VPN &lt;!channel&gt;" in body
    assert "I'll follow up" in body and "Mark as resolved" in body
    [follow_up] = await ratebot.services.store.open_follow_ups()
    assert follow_up.alert_platform == "slack"
    alert_ts = next(ts for channel, ts in slack_api.messages if channel == "CALERT")
    assert follow_up.alert_ref == f"CALERT:{alert_ts}"


async def test_a_promoter_alerts_nobody(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 10)
    await slack_api.wait_for("chat.update")
    assert [c for c in slack_api.called("chat.postMessage") if c.args["channel"] == "CALERT"] == []


async def test_anonymous_teams_alert_without_names(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    store, now = ratebot.services.store, ratebot.services.clock.now()
    await store.update_team("servicedesk", {"anonymity": "anonymous"}, actor=ADMIN, at=now)
    await deliver(ratebot)
    assert "anonymous" in json.dumps(slack_api.last("chat.postMessage").args["blocks"])
    await slack.clicks("UJAN", 2)
    await slack_api.wait_for("chat.postMessage", 2)
    body = alert_body(slack_api)
    assert "Score: *2*" in body
    assert "Piet" not in body and "Jan" not in body and "INC-1" not in body


async def test_confidential_teams_alert_without_the_requester(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    store, now = ratebot.services.store, ratebot.services.clock.now()
    await store.update_team("servicedesk", {"anonymity": "confidential"}, actor=ADMIN, at=now)
    await deliver(ratebot)
    await slack.clicks("UJAN", 2)
    await slack_api.wait_for("chat.postMessage", 2)
    body = alert_body(slack_api)
    assert "Agent: Piet Pieters" in body and "Jan" not in body


async def test_claim_then_resolve_with_a_note(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 1)
    await slack_api.wait_for("chat.postMessage", 2)
    key = next(k for k in slack_api.messages if k[0] == "CALERT")
    alert = slack_api.messages[key]
    await slack.interaction(slack.block_actions("UPIET", "CALERT", alert, "followup.claim"))
    updates = await slack_api.wait_for("chat.update", 2)  # the prompt, then the alert
    claimed = [u for u in updates if u.args["channel"] == "CALERT"][-1]
    body = json.dumps(claimed.args["blocks"])
    assert "Piet Pieters is following up." in body and "followup.claim" not in body
    [follow_up] = await ratebot.services.store.open_follow_ups()
    assert follow_up.status is FollowUpStatus.CLAIMED

    await slack.interaction(slack.block_actions("UPIET", "CALERT", slack_api.messages[key],
                                                "followup.resolve"))
    [opened] = await slack_api.wait_for("views.open")
    await slack.submits_modal("UPIET", opened.args["view"], {
        "note_block": {"note_input": {"type": "plain_text_input",
                                      "value": "Called Jan, <!here> replaced the toner"}}})
    updates = await slack_api.wait_for("chat.update", 3)
    body = json.dumps(updates[-1].args["blocks"])
    assert "Resolved by Piet Pieters." in body
    assert "Called Jan, &lt;!here&gt; replaced the toner" in body
    assert await ratebot.services.store.open_follow_ups() == []
    resolved = await ratebot.services.store.get_follow_up(follow_up.id)
    assert resolved is not None and resolved.note == "Called Jan, <!here> replaced the toner"


async def test_a_late_comment_joins_the_alert(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 4)
    await slack_api.wait_for("chat.postMessage", 2)
    channel, message = slack.dm_of("UJAN")
    await slack.interaction(slack.block_actions("UJAN", channel, message, "comment"))
    [opened] = await slack_api.wait_for("views.open")
    await slack.submits_modal("UJAN", opened.args["view"], {
        "comment_block": {"comment_input": {"type": "plain_text_input", "value": "Too slow"}}})
    updates = await slack_api.wait_for("chat.update", 3)
    assert "Too slow" in json.dumps([u.args["blocks"] for u in updates
                                     if u.args["channel"] == "CALERT"])
