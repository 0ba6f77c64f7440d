"""Coaching in Slack: turned on by `/ratings team set`, the agent's own ratings reach their DM."""

from __future__ import annotations

from app.bootstrap import Ratebot
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_prompt_and_click import deliver
from tests.e2e.slack.test_slash_command import say
from tests.e2e.slack.test_you_said_we_did import notices_in, rate_and_resolve
from tests.fakes.slack_api import FakeSlackApi


async def coach(slack: SlackDriver, *settings: str) -> None:
    for setting in ("coaching on", *settings):
        reply = await say(slack, "UADMIN", f"team set servicedesk {setting}")
        assert reply.startswith("Changed `"), reply
        assert ", coaching on" in reply  # the team as it is now


async def test_a_promoter_reaches_the_agent_at_once(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await coach(slack)
    await deliver(ratebot)
    await slack.clicks("UJAN", 10)
    await slack_api.wait_for("chat.postMessage", 2)  # the prompt, then the praise
    assert notices_in(slack_api, "DPIET") == [
        "Well done! Someone you helped with “Printer on the third floor” for Service Desk "
        "rated it 10 of 10."
    ]


async def test_a_detractors_feedback_once_resolved(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await coach(slack, "anonymity confidential")
    await rate_and_resolve(ratebot, slack, slack_api, "Replaced the toner")
    [feedback] = notices_in(slack_api, "DPIET")
    assert feedback.startswith("Feedback on your help with “Printer on the third floor”")
    assert feedback.endswith("What was done: Replaced the toner")
    assert "Jan" not in feedback
    assert len(notices_in(slack_api, "DJAN")) == 1  # and the rater heard what was done


async def test_off_unless_turned_on(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 10)
    await slack_api.wait_for("chat.update")
    assert notices_in(slack_api, "DPIET") == []


async def test_anonymous_teams_send_the_agent_nothing(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await coach(slack, "anonymity anonymous")
    await rate_and_resolve(ratebot, slack, slack_api, "Replaced the toner")
    assert notices_in(slack_api, "DPIET") == [] and notices_in(slack_api, "DJAN") == []
