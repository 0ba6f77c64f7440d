"""The Workflow Builder step "Ask for a rating", through bolt over HTTP to the fake Web API."""

from __future__ import annotations

from typing import Any

from adapters.slack.app import build_slack
from adapters.slack.outbound import SlackChat
from adapters.slack.socket_mode import SlackSocket
from app.bootstrap import Ratebot
from app.platforms import slack_config
from app.settings import load_settings
from tests.e2e.slack.harness import SlackDriver
from tests.fakes.slack_api import FakeSlackApi, FakeSocketModeServer


def function_executed(inputs: dict[str, Any], *, execution: str = "Fx0AB1CD2EF3",
                      event_id: str = "Ev0WF1") -> dict[str, Any]:
    """A `function_executed` event as Slack sends it to an app running its own step."""
    return {
        "token": "legacy", "team_id": "T111", "api_app_id": "A111", "type": "event_callback",
        "event_id": event_id, "event_time": 1700000000,
        "event": {
            "type": "function_executed",
            "function": {
                "id": "Fn0WF123", "callback_id": "ask_for_rating", "title": "Ask for a rating",
                "description": "Ask the requester to rate the help they got from a team",
                "type": "app", "app_id": "A111", "date_created": 1699990000,
                "date_updated": 1699990000, "date_deleted": 0,
                "input_parameters": [
                    {"type": "slack#/types/user_id", "name": "requester", "title": "Requester",
                     "description": "The person who asked for help", "is_required": True},
                    {"type": "string", "name": "team", "title": "Team",
                     "description": "The ratebot team that helped (its name)",
                     "is_required": True},
                    {"type": "slack#/types/user_id", "name": "agent", "title": "Agent",
                     "description": "Who helped", "is_required": False},
                    {"type": "string", "name": "subject", "title": "Subject",
                     "description": "What the request was about", "is_required": False},
                ],
                "output_parameters": [],
            },
            "inputs": inputs,
            "function_execution_id": execution,
            "workflow_execution_id": "Wx0WF456",
            "event_ts": "1700000000.000100",
            "bot_access_token": "xwfp-workflow-token",
        },
        "authorizations": [{"enterprise_id": None, "team_id": "T111", "user_id": "UBOT",
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }


async def rounds(ratebot: Ratebot, execution: str) -> int | None:
    """How many closes the execution's conversation counts (one per close that asked)."""
    async with ratebot.services.store.transaction() as tx:
        found = await tx.find_conversation("slack-workflow", execution)
    return None if found is None else found.round


INPUTS = {"requester": "UJAN", "team": "servicedesk", "agent": "UPIET",
          "subject": "New laptop <!here>"}


async def test_a_step_run_becomes_one_prompt_and_completes(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    response = await slack.event(function_executed(INPUTS))
    assert response.status == 200
    (done,) = await slack_api.wait_for("functions.completeSuccess")
    assert done.args["function_execution_id"] == "Fx0AB1CD2EF3"
    assert done.token == "xwfp-workflow-token"  # bolt completes with the execution's token
    assert await ratebot.worker.run_once() == 1
    post = slack_api.last("chat.postMessage")
    assert post.args["channel"] == "UJAN"  # the user id: Slack opens the DM
    body = str(post.args["blocks"])
    assert "Piet Pieters of *Service Desk* helped you" in body
    assert "New laptop &lt;!here&gt;" in body
    assert await rounds(ratebot, "Fx0AB1CD2EF3") == 1
    assert slack_api.called("functions.completeError") == []


async def test_a_retried_execution_asks_once(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await slack.event(function_executed(INPUTS, event_id="Ev0WF1"))
    await slack_api.wait_for("functions.completeSuccess")
    await ratebot.worker.run_once()
    # The same execution again, as a new delivery: completed again, asked once.
    await slack.event(function_executed(INPUTS, event_id="Ev0WF2"))
    await slack_api.wait_for("functions.completeSuccess", count=2)
    await ratebot.worker.run_once()
    assert len(slack_api.called("chat.postMessage")) == 1
    assert await rounds(ratebot, "Fx0AB1CD2EF3") == 1


async def test_an_unknown_team_fails_the_step_naming_it(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await slack.event(function_executed({**INPUTS, "team": "facilities"}))
    (failed,) = await slack_api.wait_for("functions.completeError")
    assert failed.args["function_execution_id"] == "Fx0AB1CD2EF3"
    assert "'facilities'" in failed.args["error"]
    assert await ratebot.worker.run_once() == 0
    assert slack_api.called("chat.postMessage") == []
    assert slack_api.called("functions.completeSuccess") == []


async def test_a_missing_requester_fails_the_step_saying_so(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await slack.event(function_executed({"team": "servicedesk"}))
    (failed,) = await slack_api.wait_for("functions.completeError")
    assert "requester" in failed.args["error"]
    assert await ratebot.worker.run_once() == 0


async def test_a_requester_slack_does_not_know_fails_the_step(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await slack.event(function_executed({**INPUTS, "requester": "UGONE"}))
    (failed,) = await slack_api.wait_for("functions.completeError")
    assert "requester or agent" in failed.args["error"]
    assert await ratebot.worker.run_once() == 0
    assert slack_api.called("chat.postMessage") == []


async def test_over_socket_mode_the_step_runs_the_same(
    ratebot: Ratebot, slack_env: dict[str, str], slack_api: FakeSlackApi
) -> None:
    server = FakeSocketModeServer()
    async with server.running():
        slack_api.socket_url = server.url
        settings = load_settings({**slack_env, "SLACK_APP_TOKEN": "xapp-1-test"})
        chat = next(c for c in ratebot.services.chats if isinstance(c, SlackChat))
        socket = SlackSocket(build_slack(ratebot.services, slack_config(settings), chat),
                             "xapp-1-test")
        await socket.start()
        try:
            await server.send({"envelope_id": "env-wf-1", "type": "events_api",
                               "accepts_response_payload": False, "retry_attempt": 0,
                               "retry_reason": "", "payload": function_executed(INPUTS)})
            (done,) = await slack_api.wait_for("functions.completeSuccess")
        finally:
            await socket.stop()
    assert done.args["function_execution_id"] == "Fx0AB1CD2EF3"
    assert await ratebot.worker.run_once() == 1
    assert slack_api.last("chat.postMessage").args["channel"] == "UJAN"
