"""`/ratings my-data` and `/ratings forget-me` in Slack, and their buttons in the App Home."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from app.bootstrap import Ratebot
from bot.domain.model import PromptStatus, SkipReason
from storage.schema import prompts
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_app_home import open_home
from tests.e2e.slack.test_prompt_and_click import close, deliver, stored_ratings
from tests.fakes.slack_api import FakeSlackApi


async def command(slack: SlackDriver, user: str, words: str) -> dict[str, Any]:
    response = await slack.command(user, words)
    assert response.status == 200
    reply: dict[str, Any] = await response.json()
    return reply


def uploaded(slack_api: FakeSlackApi, user: str) -> dict[str, Any]:
    """The JSON file sent to `user` alone, through files.uploadV2's three steps."""
    assert slack_api.called("files.getUploadURLExternal")
    complete = slack_api.last("files.completeUploadExternal")
    assert complete.args["channel_id"] == "D" + user[1:]
    [file] = complete.args["files"]
    content = slack_api.uploads[file["id"]]
    data: dict[str, Any] = json.loads(content)
    return data


async def decisions(ratebot: Ratebot) -> list[tuple[str, str | None]]:
    engine = ratebot.services.store.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.select(prompts.c.status, prompts.c.reason).order_by(prompts.c.id))
        return [(row.status, row.reason) for row in rows]


async def test_my_data_sends_everything_stored_about_the_person_as_a_json_file(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 9)
    reply = await command(slack, "UJAN", "my-data")
    assert reply["text"].startswith("Here is everything ratebot stores about you")
    data = uploaded(slack_api, "UJAN")
    assert data["person"]["email"] == "jan@example.com"
    assert data["person"]["slack_user_id"] == "UJAN"
    assert data["asking"]["opted_out"] is False
    [prompt] = data["prompts"]
    assert (prompt["team"], prompt["ticket"], prompt["status"]) == (
        "servicedesk", "generic:INC-1", "answered")
    [rating] = data["ratings"]
    assert (rating["team"], rating["score"]) == ("servicedesk", 9)
    assert [f["role"] for f in data["follow_ups"]] == []
    assert "anonymous" in data["anonymous_ratings"]


async def test_an_anonymous_rating_is_not_linked_to_the_person_in_their_data(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    store, now = ratebot.services.store, ratebot.services.clock.now()
    await store.update_team("servicedesk", {"anonymity": "anonymous"}, actor="test", at=now)
    await deliver(ratebot)
    await slack.clicks("UJAN", 3)
    await command(slack, "UJAN", "my-data")
    data = uploaded(slack_api, "UJAN")
    assert data["ratings"] == [] and data["follow_ups"] == []
    assert [p["anonymous_team"] for p in data["prompts"]] == [True]


async def test_an_agents_data_names_the_follow_ups_they_handled(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 2)  # a detractor: a follow-up for the team
    [alert] = [m for (c, _), m in slack_api.messages.items() if c == "CALERT"]
    await slack.interaction(slack.block_actions("UPIET", "CALERT", alert, "followup.claim"))
    await command(slack, "UPIET", "my-data")
    data = uploaded(slack_api, "UPIET")
    assert data["person"]["agent_of"] == ["servicedesk"]
    assert [(f["role"], f["status"]) for f in data["follow_ups"]] == [
        ("handled by you", "claimed")]
    assert data["ratings"] == []


async def test_forget_me_asks_first_then_erases_and_is_never_asked_again(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    store = ratebot.services.store
    await deliver(ratebot)
    await slack.clicks("UJAN", 9)
    question = await command(slack, "UJAN", "forget-me")
    assert "never be asked" in question["text"]
    assert await store.find_person(email="jan@example.com") is not None  # nothing yet
    message = {"ts": "1700000500.000100", "blocks": question["blocks"]}
    await slack.interaction(slack.block_actions("UJAN", "C0ADMIN", message, "privacy.forgetme"))
    assert await store.find_person(email="jan@example.com") is None
    assert await store.find_person(slack_user_id="UJAN") is None
    assert "forgotten who you are" in slack_api.last("chat.postEphemeral").args["text"]
    [rating] = await stored_ratings(ratebot)
    assert (rating["score"], rating["person_id"]) == (9, None)
    [entry] = [e for e in await store.audit_log() if e.action == "person.forget_self"]
    assert "UJAN" not in json.dumps([entry.actor, entry.detail])
    assert "jan" not in json.dumps([entry.actor, entry.detail])
    # A later close names them by email: they are skipped as opted out, not asked.
    ratebot.services.clock.advance(days=30)  # type: ignore[attr-defined]
    await close(ratebot, "INC-2")
    assert (await decisions(ratebot))[-1] == (
        PromptStatus.SKIPPED.value, SkipReason.OPTED_OUT.value)


async def test_the_app_home_links_to_my_data_and_to_forget_me_behind_a_dialog(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 8)
    view = await open_home(slack, slack_api, "UJAN")
    buttons = slack.buttons(view)
    assert buttons["privacy.forgetme"]["confirm"]["confirm"]["text"] == "Yes, forget me"
    home = {**view, "id": "VHOME", "hash": "h"}

    def clicked(action_id: str) -> dict[str, Any]:
        return {
            "type": "block_actions", "user": {"id": "UJAN", "name": "jan"},
            "api_app_id": "A111", "container": {"type": "view", "view_id": "VHOME"},
            "trigger_id": "9.9.x", "team": {"id": "T111"}, "view": home,
            "actions": [{"action_id": action_id, "block_id": "b", "type": "button",
                         "value": buttons[action_id]["value"], "action_ts": "1700000009.1"}],
        }

    await slack.interaction(clicked("privacy.mydata"))
    assert uploaded(slack_api, "UJAN")["ratings"][0]["score"] == 8
    await slack.interaction(clicked("privacy.forgetme"))
    assert await ratebot.services.store.find_person(slack_user_id="UJAN") is None
    assert "forgotten who you are" in slack_api.last("chat.postMessage").args["text"]
