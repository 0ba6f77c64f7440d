"""A weekly digest posted through `SlackChat`: escaped mrkdwn, the chart in its thread."""

from __future__ import annotations

import json

from adapters.slack.outbound import SlackChat
from app.bootstrap import Ratebot
from bot.domain.messages import DigestMessage, TextMessage
from bot.flows.digest import weekly_digest
from tests.fakes.slack_api import FakeSlackApi

ADMIN = "test:admin"


async def test_a_digest_is_posted_with_its_chart_in_the_thread(
    ratebot: Ratebot, slack_api: FakeSlackApi
) -> None:
    store, now = ratebot.services.store, ratebot.services.clock.now()
    await store.update_team("servicedesk", {"display_name": "Desk <!channel>"}, actor=ADMIN,
                            at=now)
    team = await store.get_team("servicedesk")
    assert team is not None
    chat = ratebot.services.chats[0]
    assert isinstance(chat, SlackChat)
    digest = await weekly_digest(ratebot.services, team)
    ref = await chat.post_message("CDIGEST", DigestMessage(digest, chart_png=b"\x89PNG..."))
    post = slack_api.last("chat.postMessage")
    assert ref.startswith("CDIGEST:1700000000.")
    body = json.dumps(post.args["blocks"])
    assert "Desk &lt;!channel&gt;" in body and "<!channel>" not in body
    assert "No ratings this week." in body
    complete = slack_api.last("files.completeUploadExternal")
    assert complete.args["channel_id"] == "CDIGEST"
    assert complete.args["thread_ts"] == ref.split(":")[1]
    assert list(slack_api.uploads.values()) == [b"\x89PNG..."]


async def test_a_text_message_is_escaped(ratebot: Ratebot, slack_api: FakeSlackApi) -> None:
    chat = ratebot.services.chats[0]
    await chat.post_message("C1", TextMessage("<@U1> & co"))
    assert slack_api.last("chat.postMessage").args["text"] == "&lt;@U1&gt; &amp; co"
