"""Mutual rating in Slack: a close asks the agent about the request in their DM; a tap is
stored apart and redrawn; admins see the totals in `/ratings stats` above the minimum."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from adapters.slack.app import NOT_STORED_STATUS
from app.bootstrap import Ratebot
from storage.schema_mutual import request_answers
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_durable_click import failing, signed_form
from tests.e2e.slack.test_prompt_and_click import close, deliver
from tests.e2e.slack.test_slash_command import say
from tests.fakes.slack_api import FakeSlackApi

CLEAR, REACHABLE = "mutual.clarity.clear", "mutual.reach.yes"


async def mutual_on(slack: SlackDriver) -> str:
    reply = await say(slack, "UADMIN", "team set servicedesk mutual on")
    assert reply.startswith("Changed `mutual` of `servicedesk`."), reply
    return reply


def checks_in(slack_api: FakeSlackApi) -> list[dict[str, Any]]:
    """The agent's request checks in their DM, oldest first."""
    return [message for (channel, ts), message in sorted(slack_api.messages.items())
            if channel == "DPIET"]


async def tap(slack: SlackDriver, message: dict[str, Any], action_id: str) -> None:
    payload = slack.block_actions("UPIET", "DPIET", message, action_id)
    assert (await slack.interaction(payload)).status == 200


async def answers(ratebot: Ratebot) -> list[dict[str, Any]]:
    engine = ratebot.services.store.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        return [dict(row._mapping) for row in await connection.execute(sa.select(request_answers))]


async def test_turning_it_on_says_what_it_means(slack: SlackDriver) -> None:
    reply = await mutual_on(slack)
    assert "mutual rating on (agents rate requests; admins see totals only)" in reply
    assert "never per agent or requester" in reply
    listing = await say(slack, "UADMIN", "teams")
    assert "mutual rating on" in listing


async def test_a_close_asks_the_agent_and_a_tap_is_stored_apart_and_redrawn(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await mutual_on(slack)
    await deliver(ratebot)
    [check] = checks_in(slack_api)
    assert check["text"] == "How was this request to work on? (Service Desk)"
    shown = json.dumps(check["blocks"], ensure_ascii=False)
    assert "You closed “Printer on the third floor” for Service Desk." in shown
    assert "Jan" not in shown  # the agent is not told again who asked
    assert set(slack.buttons(check)) == {
        "mutual.clarity.clear", "mutual.clarity.partly", "mutual.clarity.unclear",
        "mutual.reach.yes", "mutual.reach.no",
    }
    await tap(slack, check, CLEAR)
    [update] = await slack_api.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == ("DPIET", check["ts"])
    redrawn = checks_in(slack_api)[0]
    assert slack.buttons(redrawn)[CLEAR].get("style") == "primary"
    assert "Thanks, noted." in json.dumps(redrawn["blocks"])
    await tap(slack, redrawn, REACHABLE)  # the redrawn buttons carry the answer's receipt
    await slack_api.wait_for("chat.update", 2)
    [stored] = await answers(ratebot)
    assert (stored["clarity"], stored["reach"]) == ("clear", "yes")
    assert set(stored) == {"id", "team_id", "day", "clarity", "reach", "receipt_hash", "shuffled"}
    # Jan's prompt is untouched: no rating, and nothing of this in his DM.
    _, prompt = slack.dm_of("UJAN")
    assert "request to work on" not in json.dumps(prompt["blocks"])


async def test_off_unless_turned_on(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    assert checks_in(slack_api) == []


async def test_stats_show_the_totals_only_above_the_minimum_and_the_score_is_unchanged(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await mutual_on(slack)
    await deliver(ratebot)
    await slack.clicks("UJAN", 9)
    await slack_api.wait_for("chat.update")
    before = await say(slack, "UADMIN", "stats")
    digest = await say(slack, "UADMIN", "digest preview servicedesk")
    for number in range(2, 6):
        await close(ratebot, f"INC-{number}")
    await ratebot.worker.run_once()
    checks = checks_in(slack_api)
    assert len(checks) == 5  # one per conversation
    for count, check in enumerate(checks[:4], start=1):
        await tap(slack, check, CLEAR if count < 4 else "mutual.clarity.unclear")
        await slack_api.wait_for("chat.update", count + 1)
    assert await say(slack, "UADMIN", "stats") == before  # 4 answers: below the minimum
    await tap(slack, checks[4], "mutual.clarity.partly")
    await slack_api.wait_for("chat.update", 6)
    stats = await say(slack, "UADMIN", "stats")
    assert stats.startswith(before)  # the score's line as it was
    assert await say(slack, "UADMIN", "digest preview servicedesk") == digest  # never in it
    assert stats.endswith(
        "• Service Desk, requests as agents saw them (last 90 days): clear 60%, partly 20%, "
        "unclear 20%; reachable — (n=5)"
    )


async def test_a_dutch_agent_is_asked_in_dutch(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    slack_api.users["UPIET"].locale = "nl-NL"
    await mutual_on(slack)
    await deliver(ratebot)
    [check] = checks_in(slack_api)
    assert check["text"] == "Hoe was het om aan dit verzoek te werken? (Service Desk)"
    await tap(slack, check, REACHABLE)
    await slack_api.wait_for("chat.update")
    redrawn = json.dumps(checks_in(slack_api)[0]["blocks"], ensure_ascii=False)
    assert "Bedankt, genoteerd." in redrawn and "De persoon was bereikbaar" in redrawn


async def test_the_200_comes_with_the_answer_already_committed(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await mutual_on(slack)
    await deliver(ratebot)
    [check] = checks_in(slack_api)
    payload = slack.block_actions("UPIET", "DPIET", check, CLEAR)
    # Read the database the moment the answer arrives, before the work after it.
    response = await slack.client.post("/slack/events", **signed_form(payload))
    assert response.status == 200
    [stored] = await answers(ratebot)
    assert stored["clarity"] == "clear"


async def test_a_tap_the_store_could_not_keep_is_not_acknowledged(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await mutual_on(slack)
    await deliver(ratebot)
    [check] = checks_in(slack_api)
    with failing("INSERT INTO REQUEST_ANSWERS") as refused:
        response = await slack.interaction(slack.block_actions("UPIET", "DPIET", check, CLEAR))
    assert refused, "the tap never reached the store"
    assert response.status == NOT_STORED_STATUS
    assert await answers(ratebot) == []
    assert slack_api.called("chat.update") == []  # it does not show an answer it did not keep
    again = await slack.interaction(slack.block_actions("UPIET", "DPIET", check, CLEAR))
    assert again.status == 200
    [stored] = await answers(ratebot)
    assert stored["clarity"] == "clear"
