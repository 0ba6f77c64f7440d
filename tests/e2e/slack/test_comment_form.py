"""The comment form over Slack: the anonymity notice stays in view while the person types,
and a comment refused is refused in the person's language (issue 16)."""

from __future__ import annotations

import json

from app.bootstrap import Ratebot
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_prompt_and_click import deliver
from tests.fakes.slack_api import FakeSlackApi

NOTICE_NL = "Je antwoord is vertrouwelijk: alleen ratebot-beheerders zien je naam."


async def test_a_dutch_person_in_a_confidential_team_keeps_the_notice_and_is_refused_in_dutch(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    store, now = ratebot.services.store, ratebot.services.clock.now()
    await store.update_team("servicedesk", {"anonymity": "confidential"}, actor="test", at=now)
    await deliver(ratebot, email="anne@example.com")
    await slack.clicks("UANNE", 8)
    channel, message = slack.dm_of("UANNE")
    assert NOTICE_NL in json.dumps(message["blocks"], ensure_ascii=False)  # after the click
    await slack.interaction(slack.block_actions("UANNE", channel, message, "comment"))
    [opened] = await slack_api.wait_for("views.open")
    view = opened.args["view"]
    # The modal covers the message: the notice comes along, under the field.
    assert view["blocks"][0]["type"] == "input"
    assert view["blocks"][-1] == {"type": "context", "elements": [
        {"type": "mrkdwn", "text": NOTICE_NL}]}
    response = await slack.submits_modal("UANNE", view, {
        "comment_block": {"comment_input": {"type": "plain_text_input", "value": "   "}}})
    assert await response.json() == {
        "response_action": "errors", "errors": {"comment_block": "De opmerking is leeg."}}
