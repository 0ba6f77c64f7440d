"""Exactly once through real slack-sdk: metadata on every prompt, sends in doubt looked up."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from adapters.slack.outbound import SlackChat
from adapters.slack.render import plain_message
from app.bootstrap import Ratebot
from bot.domain.model import PromptStatus
from bot.ports.chat import RateLimited
from storage.schema import prompts
from tests.e2e.slack.test_prompt_and_click import close, deliver
from tests.fakes.clock import FakeClock
from tests.fakes.slack_api import FakeSlackApi


async def set_prompt(ratebot: Ratebot, prompt_id: int, **values: Any) -> None:
    engine = ratebot.services.store.engine  # type: ignore[attr-defined]
    async with engine.begin() as connection:
        await connection.execute(
            sa.update(prompts).where(prompts.c.id == prompt_id).values(**values)
        )


async def test_every_prompt_carries_its_id_in_message_metadata(
    ratebot: Ratebot, slack_api: FakeSlackApi
) -> None:
    prompt_id = await deliver(ratebot)
    post = slack_api.last("chat.postMessage")
    assert post.args["metadata"] == {
        "event_type": "ratebot_prompt", "event_payload": {"prompt_id": str(prompt_id)},
    }


async def test_a_post_that_arrived_before_a_crash_is_found_not_repeated(
    ratebot: Ratebot, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.real_time = True  # message times like Slack's, after the test clock's now
    prompt_id = await deliver(ratebot)
    sent = await ratebot.services.store.get_prompt(prompt_id)
    assert sent is not None and sent.message_ref is not None
    # The process died after Slack took the post and before it was recorded as sent.
    await set_prompt(ratebot, prompt_id, status=PromptStatus.PENDING.value, message_ref=None,
                     sent_at=None, claimed_until=None, sending_since=clock.now())
    clock.advance(minutes=1)
    await ratebot.worker.run_once()
    assert len(slack_api.called("chat.postMessage")) == 1
    history = slack_api.last("conversations.history")
    assert history.args["include_all_metadata"] in (True, "true", "1", 1)
    found = await ratebot.services.store.get_prompt(prompt_id)
    assert found is not None
    assert (found.status, found.message_ref) == (PromptStatus.SENT, sent.message_ref)
    assert found.sending_since is None


async def test_a_post_slack_failed_on_is_looked_for_then_sent_once(
    ratebot: Ratebot, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.real_time = True
    slack_api.fail("chat.postMessage", "internal_error", status=500)
    prompt_id = await deliver(ratebot)
    waiting = await ratebot.services.store.get_prompt(prompt_id)
    assert waiting is not None and waiting.status is PromptStatus.PENDING
    assert waiting.sending_since is not None  # a 500 may have posted all the same
    clock.advance(hours=1)
    await ratebot.worker.run_once()
    assert len(slack_api.called("conversations.history")) == 1
    assert slack_api.deliveries()[str(prompt_id)] == 1
    sent = await ratebot.services.store.get_prompt(prompt_id)
    assert sent is not None and sent.status is PromptStatus.SENT


async def test_a_refused_post_is_not_in_doubt(
    ratebot: Ratebot, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.fail("chat.postMessage", "fatal_error")
    prompt_id = await deliver(ratebot)
    waiting = await ratebot.services.store.get_prompt(prompt_id)
    assert waiting is not None and waiting.sending_since is None
    clock.advance(hours=1)
    await ratebot.worker.run_once()
    assert slack_api.called("conversations.history") == []
    assert slack_api.deliveries()[str(prompt_id)] == 1


async def test_a_429_keeps_every_later_post_out_of_its_window(
    ratebot: Ratebot, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.rate_limit("chat.postMessage", retry_after=30)
    first = await close(ratebot, "INC-1")
    second = await close(ratebot, "INC-2", email="anne@example.com")
    await ratebot.worker.run_once()
    # The second prompt of the batch did not walk into the window the first was told of.
    assert len(slack_api.called("chat.postMessage")) == 1
    for prompt_id in (first, second):
        prompt = await ratebot.services.store.get_prompt(prompt_id)
        assert prompt is not None and prompt.status is PromptStatus.PENDING
        assert prompt.attempts == 0
        assert prompt.next_attempt_at is not None
        assert prompt.next_attempt_at >= clock.now().replace(microsecond=0)
    clock.advance(seconds=29)
    await ratebot.worker.run_once()
    assert len(slack_api.called("chat.postMessage")) == 1
    clock.advance(seconds=1)
    await ratebot.worker.run_once()
    assert slack_api.deliveries()[str(first)] == 1
    assert slack_api.deliveries()[str(second)] == 1


async def test_a_click_waits_out_a_short_window_for_its_update(
    ratebot: Ratebot, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    chat = next(c for c in ratebot.services.chats if isinstance(c, SlackChat))
    waited: list[float] = []

    async def sleep(seconds: float) -> None:  # the test clock moves instead of waiting
        waited.append(seconds)
        clock.advance(seconds=seconds)

    chat.gate.sleep = sleep
    prompt = await ratebot.services.store.get_prompt(await deliver(ratebot))
    assert prompt is not None and prompt.message_ref is not None
    channel, ts = prompt.message_ref.split(":")
    slack_api.rate_limit("chat.update", retry_after=3)
    await chat.update(channel, ts, plain_message("updated"))
    assert waited == [3]
    assert len(slack_api.called("chat.update")) == 2


async def test_a_long_window_fails_a_click_update_at_once(
    ratebot: Ratebot, slack_api: FakeSlackApi
) -> None:
    chat = next(c for c in ratebot.services.chats if isinstance(c, SlackChat))
    slack_api.rate_limit("chat.update", retry_after=120)
    with pytest.raises(RateLimited):
        await chat.update("DJAN", "1.0", plain_message("updated"))
    with pytest.raises(RateLimited):
        await chat.update("DJAN", "1.0", plain_message("again"))
    assert len(slack_api.called("chat.update")) == 1
