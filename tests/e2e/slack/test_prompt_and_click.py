"""The prompt in a direct message, the click, the comment: real bolt and sdk, fake Slack."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.slack.app import NOT_STORED_STATUS
from adapters.slack.outbound import SlackChat
from adapters.slack.pacing import TIER_3, Pacer
from app.bootstrap import Ratebot
from bot.domain.events import ConversationClosed
from bot.domain.messages import PromptUpdate
from bot.domain.model import PromptStatus
from bot.flows.asking import conversation_closed
from bot.flows.recording import rating_prompt
from storage.schema import ratings
from tests.e2e.slack.harness import SlackDriver
from tests.fakes.clock import FakeClock
from tests.fakes.slack_api import FakeSlackApi

PERSONAL = "jan@example.com typed <secret>"


async def close(ratebot: Ratebot, ticket: str = "INC-1", email: str = "jan@example.com",
                subject: str = "Printer on the third floor") -> int:
    event = ConversationClosed(
        source="generic", ticket_id=ticket, requester_email=email, team="servicedesk",
        closed_at=ratebot.services.clock.now(), subject=subject,
        agent_email="piet@example.com",
    )
    outcome = await conversation_closed(ratebot.services, event)
    return outcome.prompt.id


async def deliver(ratebot: Ratebot, ticket: str = "INC-1", **kwargs: Any) -> int:
    prompt_id = await close(ratebot, ticket, **kwargs)
    await ratebot.worker.run_once()
    return prompt_id


async def stored_ratings(ratebot: Ratebot) -> list[dict[str, Any]]:
    engine = ratebot.services.store.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        rows = await connection.execute(sa.select(ratings).order_by(ratings.c.id))
        return [dict(row._mapping) for row in rows]


def all_text(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


# --------------------------------------------------------------------------- the prompt


async def test_the_prompt_asks_one_question_with_a_button_per_score(
    ratebot: Ratebot, slack_api: FakeSlackApi
) -> None:
    prompt_id = await deliver(ratebot)
    lookup = slack_api.last("users.lookupByEmail")
    assert lookup.args["email"] == "jan@example.com"
    # Posting to the user id opens the DM: no conversations.open.
    assert not slack_api.called("conversations.open")
    post = slack_api.last("chat.postMessage")
    assert post.args["channel"] == "UJAN"
    assert "Service Desk" in post.args["text"]  # the notification fallback
    blocks = post.args["blocks"]
    rate = next(b for b in blocks if b.get("block_id") == "rate")
    buttons = rate["elements"]
    assert [b["text"]["text"] for b in buttons] == [str(n) for n in range(11)]
    assert len({b["action_id"] for b in buttons}) == 11
    assert buttons[7]["value"] == f"{prompt_id}:7:"
    body = json.dumps(blocks, ensure_ascii=False)
    assert "Piet Pieters of *Service Desk* helped you with “Printer on the third floor”" in body
    assert "How likely are you to recommend Service Desk to a colleague?" in body
    assert "Your name is shown with your answer" in body  # told before answering
    assert "Don't ask me again" in body
    prompt = await ratebot.services.store.get_prompt(prompt_id)
    assert prompt is not None and prompt.status is PromptStatus.SENT
    assert prompt.message_ref is not None and prompt.message_ref.startswith("DJAN:1700000000.")


async def test_the_slack_id_and_locale_are_kept_so_the_next_prompt_needs_no_lookup(
    ratebot: Ratebot, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    await deliver(ratebot, "INC-1")
    person = await ratebot.services.store.find_person(email="jan@example.com")
    assert person is not None
    assert (person.slack_user_id, person.locale, person.timezone) == (
        "UJAN", "en-US", "Europe/Amsterdam")
    clock.advance(days=30)
    await deliver(ratebot, "INC-2")
    assert len(slack_api.called("chat.postMessage")) == 2
    assert len(slack_api.called("users.lookupByEmail")) == 1
    assert len(slack_api.called("users.info")) == 1
    assert not slack_api.called("conversations.open")
    # The second post goes to the DM the first one's answer named.
    assert [c.args["channel"] for c in slack_api.called("chat.postMessage")] == ["UJAN", "DJAN"]


async def test_a_dutch_slack_user_is_asked_in_dutch(
    ratebot: Ratebot, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot, email="anne@example.com")
    body = all_text(slack_api.last("chat.postMessage").args)
    assert "Hoe waarschijnlijk is het dat je Service Desk aanbeveelt bij een collega?" in body
    assert "Niet meer vragen" in body
    assert "Service Desk vraagt" in slack_api.last("chat.postMessage").args["text"]


async def test_what_people_typed_cannot_ping_or_disguise_a_link(
    ratebot: Ratebot, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot, subject="<!channel> <@U123> <http://evil.example|click> & more")
    body = all_text(slack_api.last("chat.postMessage").args)
    assert "<!channel>" not in body and "<@U123>" not in body and "<http" not in body
    assert "&lt;!channel&gt; &lt;@U123&gt; &lt;http://evil.example|click&gt; &amp; more" in body


async def test_someone_slack_does_not_know_fails_the_prompt(
    ratebot: Ratebot, slack_api: FakeSlackApi
) -> None:
    prompt_id = await deliver(ratebot, email="stranger@example.com")
    prompt = await ratebot.services.store.get_prompt(prompt_id)
    assert prompt is not None
    assert (prompt.status, prompt.reason) == (PromptStatus.FAILED,
                                              "no Slack user has this email")
    assert slack_api.called("chat.postMessage") == []


async def test_a_rate_limit_is_waited_out_and_retried(
    ratebot: Ratebot, slack_api: FakeSlackApi
) -> None:
    slack_api.rate_limit("chat.postMessage", times=1, retry_after=0)
    prompt_id = await deliver(ratebot)
    assert len(slack_api.called("chat.postMessage")) == 2
    prompt = await ratebot.services.store.get_prompt(prompt_id)
    assert prompt is not None and prompt.status is PromptStatus.SENT


async def test_a_lasting_rate_limit_leaves_the_prompt_for_a_later_attempt(
    ratebot: Ratebot, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.rate_limit("chat.postMessage", times=2, retry_after=0)
    prompt_id = await deliver(ratebot)
    prompt = await ratebot.services.store.get_prompt(prompt_id)
    assert prompt is not None
    # Slack's "slow down" is not the prompt's failure: no attempt is used up.
    assert (prompt.status, prompt.attempts) == (PromptStatus.PENDING, 0)
    assert prompt.reason == "slack: ratelimited"
    assert prompt.next_attempt_at is not None and prompt.next_attempt_at > clock.now()


async def test_a_revoked_token_fails_the_prompt_for_good(
    ratebot: Ratebot, slack_api: FakeSlackApi
) -> None:
    slack_api.fail("users.lookupByEmail", "invalid_auth")
    prompt_id = await deliver(ratebot)
    prompt = await ratebot.services.store.get_prompt(prompt_id)
    assert prompt is not None
    assert (prompt.status, prompt.reason) == (PromptStatus.FAILED, "slack: invalid_auth")


# --------------------------------------------------------------------------- the click


async def test_a_click_records_the_rating_and_updates_the_message(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    prompt_id = await deliver(ratebot)
    channel, sent = slack.dm_of("UJAN")
    await slack.clicks("UJAN", 9)
    [update] = await slack_api.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (channel, sent["ts"])
    [rating] = await stored_ratings(ratebot)
    assert (rating["prompt_id"], rating["score"]) == (prompt_id, 9)
    body = json.dumps(update.args["blocks"])
    assert "You rated *9*. Thank you!" in body
    buttons = slack.buttons(slack_api.messages[(channel, sent["ts"])])
    assert "comment" in buttons
    receipt = buttons["rate:9"]["value"].split(":")[2]
    assert receipt and buttons["rate:3"]["value"] == f"{prompt_id}:3:{receipt}"
    assert buttons["comment"]["value"] == f"{prompt_id}:{receipt}"
    assert buttons["rate:9"]["style"] == "primary"


async def test_clicking_another_score_changes_the_rating(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 9)
    await slack_api.wait_for("chat.update")
    await slack.clicks("UJAN", 7)  # on the updated message, with its receipt
    await slack_api.wait_for("chat.update", 2)
    [rating] = await stored_ratings(ratebot)
    assert rating["score"] == 7


async def test_a_replayed_click_records_nothing_twice(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    payload = await slack.clicks("UJAN", 9)
    await slack_api.wait_for("chat.update")
    replay = await slack.interaction(payload)
    assert replay.status == 200
    await slack.clicks("UJAN", 8)  # a later real click still counts
    await slack_api.wait_for("chat.update", 2)
    assert len(slack.updates()) == 2
    [rating] = await stored_ratings(ratebot)
    assert rating["score"] == 8


async def test_a_click_after_expiry_says_so_in_the_message(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    await deliver(ratebot)
    clock.advance(days=8)
    await slack.clicks("UJAN", 9)
    [update] = await slack_api.wait_for("chat.update")
    body = json.dumps(update.args["blocks"])
    assert "has expired" in body
    assert "rate:9" not in body
    assert await stored_ratings(ratebot) == []


async def test_a_click_on_someone_elses_prompt_changes_nothing(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    channel, message = slack.dm_of("UJAN")
    payload = slack.block_actions("UPIET", channel, message, "rate:2")
    await slack.interaction(payload)
    [ephemeral] = await slack_api.wait_for("chat.postEphemeral")
    assert ephemeral.args["user"] == "UPIET"
    assert "sent to someone else" in ephemeral.args["text"]
    assert await stored_ratings(ratebot) == []
    assert slack.updates() == []


async def test_a_score_off_the_scale_changes_nothing(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    prompt_id = await deliver(ratebot)
    await slack.clicks("UJAN", 9, value=f"{prompt_id}:42:")
    [ephemeral] = await slack_api.wait_for("chat.postEphemeral")
    assert "42 is not a score on this scale" in ephemeral.args["text"]
    assert await stored_ratings(ratebot) == []


async def test_a_comment_goes_through_a_modal_and_is_shown_escaped(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    prompt_id = await deliver(ratebot)
    await slack.clicks("UJAN", 8)
    await slack_api.wait_for("chat.update")
    channel, message = slack.dm_of("UJAN")
    await slack.interaction(slack.block_actions("UJAN", channel, message, "comment"))
    [opened] = await slack_api.wait_for("views.open")
    assert opened.args["trigger_id"].endswith(".trigger")
    view = opened.args["view"]
    element = view["blocks"][0]["element"]
    assert (element["multiline"], element["max_length"]) == (True, 2000)
    meta = json.loads(view["private_metadata"])
    assert meta["p"] == prompt_id and meta["r"]
    comment = "Quick fix <!here> & thanks"
    response = await slack.submits_modal("UJAN", view, {
        "comment_block": {"comment_input": {"type": "plain_text_input", "value": comment}}})
    assert response.status == 200
    updates = await slack_api.wait_for("chat.update", 2)
    [rating] = await stored_ratings(ratebot)
    assert rating["comment"] == comment
    body = json.dumps(updates[-1].args["blocks"])
    assert "Quick fix &lt;!here&gt; &amp; thanks" in body and "<!here>" not in body


async def test_an_empty_comment_is_refused_inside_the_modal(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 8)
    await slack_api.wait_for("chat.update")
    channel, message = slack.dm_of("UJAN")
    await slack.interaction(slack.block_actions("UJAN", channel, message, "comment"))
    [opened] = await slack_api.wait_for("views.open")
    response = await slack.submits_modal("UJAN", opened.args["view"], {
        "comment_block": {"comment_input": {"type": "plain_text_input", "value": "   "}}})
    answer = await response.json()
    assert answer["response_action"] == "errors"
    assert "empty" in answer["errors"]["comment_block"]


async def test_the_core_can_re_render_a_sent_prompt(
    ratebot: Ratebot, slack_api: FakeSlackApi
) -> None:
    prompt_id = await deliver(ratebot, email="anne@example.com")
    sent = await ratebot.services.store.get_prompt(prompt_id)
    assert sent is not None and sent.message_ref is not None
    rendered = await rating_prompt(ratebot.services, prompt_id)
    chat = ratebot.services.chats[0]
    await chat.update_prompt(sent.message_ref, PromptUpdate(rendered, notice="Ingetrokken."))
    update = slack_api.last("chat.update")
    assert f"{update.args['channel']}:{update.args['ts']}" == sent.message_ref
    body = all_text(update.args)
    assert "Ingetrokken." in body and "rate:" not in body
    assert "Hoe waarschijnlijk" in body  # still in Anne's language


async def test_an_unexpected_failure_apologises_and_logs_no_personal_data(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await deliver(ratebot)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(PERSONAL)

    ratebot.services.store.answer_facts = broken  # type: ignore[method-assign]
    channel, message = slack.dm_of("UJAN")
    response = await slack.interaction(slack.block_actions("UJAN", channel, message, "rate:9"))
    assert response.status == NOT_STORED_STATUS  # nothing stored: no 200 (a click is not resent)
    [ephemeral] = slack_api.called("chat.postEphemeral")
    assert ephemeral.args["text"].startswith("Sorry, something went wrong on our side.")
    assert "RuntimeError" in caplog.text
    assert "jan@example.com" not in caplog.text and "<secret>" not in caplog.text


async def test_in_an_anonymous_team_the_receipt_in_the_message_finds_the_rating_again(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    store, now = ratebot.services.store, ratebot.services.clock.now()
    await store.update_team("servicedesk", {"anonymity": "anonymous"}, actor="test", at=now)
    await deliver(ratebot)
    await slack.clicks("UJAN", 9)
    await slack.clicks("UJAN", 10)  # the updated message carries the receipt
    channel, message = slack.dm_of("UJAN")
    await slack.interaction(slack.block_actions("UJAN", channel, message, "comment"))
    view = slack_api.last("views.open").args["view"]
    await slack.submits_modal("UJAN", view, {
        "comment_block": {"comment_input": {"type": "plain_text_input", "value": "Great"}}})
    [rating] = await stored_ratings(ratebot)
    assert (rating["score"], rating["comment"]) == (10, "Great")
    assert rating["person_id"] is None and rating["prompt_id"] is None
    assert slack_api.called("chat.postEphemeral") == []


async def test_lookups_are_paced_within_slacks_tier(
    ratebot: Ratebot, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slept: list[float] = []
    moment = [0.0]

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        moment[0] += seconds

    chat = ratebot.services.chats[0]
    assert isinstance(chat, SlackChat)
    chat._pacers = {"users.lookupByEmail": Pacer(TIER_3, burst=1, now=lambda: moment[0],
                                                 sleep=sleep)}
    await close(ratebot, "INC-1", "jan@example.com")
    await close(ratebot, "INC-2", "anne@example.com")
    await ratebot.worker.run_once()
    assert len(slack_api.called("chat.postMessage")) == 2
    assert [round(s, 1) for s in slept] == [1.2]  # the second lookup waited its turn
