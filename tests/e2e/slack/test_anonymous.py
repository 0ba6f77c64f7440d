"""An anonymous team over Slack: after the night's batch rewrote the rating under a new id,
the receipt in the person's message still finds it for a new score and a comment."""

from __future__ import annotations

from dataclasses import replace

from app.bootstrap import Ratebot
from bot.flows.anonymity import release_anonymous_batches
from bot.services import Policy
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_prompt_and_click import deliver, stored_ratings
from tests.fakes.clock import FakeClock
from tests.fakes.slack_api import FakeSlackApi


async def test_the_receipt_finds_the_rating_after_the_nights_batch(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    store, now = ratebot.services.store, ratebot.services.clock.now()
    await store.update_team("servicedesk", {"anonymity": "anonymous"}, actor="test", at=now)
    await deliver(ratebot)
    await slack.clicks("UJAN", 9)
    [given] = await stored_ratings(ratebot)
    clock.advance(days=1)
    nightly = replace(ratebot.services, policy=Policy(min_respondents=1))
    assert (await release_anonymous_batches(nightly)).released == 1
    await slack.clicks("UJAN", 10)  # the updated message carries the receipt
    channel, message = slack.dm_of("UJAN")
    await slack.interaction(slack.block_actions("UJAN", channel, message, "comment"))
    view = slack_api.last("views.open").args["view"]
    await slack.submits_modal("UJAN", view, {
        "comment_block": {"comment_input": {"type": "plain_text_input", "value": "Great"}}})
    [rating] = await stored_ratings(ratebot)
    assert (rating["score"], rating["comment"]) == (10, "Great")
    assert rating["id"] != given["id"] and not rating["awaiting_batch"]
    assert slack_api.called("chat.postEphemeral") == []
