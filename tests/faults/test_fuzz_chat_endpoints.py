"""Hostile bodies into `POST /slack/events` (signed as Slack signs) and `POST /api/messages`.

Slack: events, clicks, modal submissions and `/ratings` commands with fields made
hostile, random JSON and broken bytes, JSON and form-encoded, mostly correctly signed and
now and then unsigned, forged or with a timestamp that is no number. Teams: activities
with fields made hostile, with the Bot Framework Emulator's open door (so they reach the
bot) and behind an app id (so every one must be refused). Each answer is judged as the
webhooks' are: no 5xx but 503, a refusal stores nothing, and the server is healthy after.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import strategies as st

from adapters.helpdesk.generic import sign as sign_webhook
from adapters.slack import render
from adapters.slack.app import binding_of
from app.bootstrap import Ratebot, build
from app.server import build_app
from app.settings import load_settings
from bot.domain.identity import PersonIdentity
from tests.e2e.slack.harness import BOT_TOKEN, SIGNING_SECRET, SlackDriver, close, with_slack
from tests.e2e.slack.test_prompt_and_click import deliver
from tests.e2e.support import CLOSE
from tests.e2e.teams.harness import TeamsBotUnderTest, teams_bot
from tests.e2e.teams.support import JAN
from tests.fakes.bot_connector import FakeConnector, running_connector
from tests.fakes.clock import FakeClock
from tests.fakes.slack_api import FakeSlackApi
from tests.faults.fuzz_support import (
    Probe,
    encoded,
    hostile_text,
    json_bodies,
    mutated,
    raw_bodies,
    run_examples,
    sendable,
)

pytestmark = pytest.mark.faults

FIXTURES = Path("/work/shared/fixtures")
ADMIN = "test:admin"
WEBHOOK_SECRET = "generic-webhook-secret-for-the-chat-fuzz"
JSON, FORM = "application/json", "application/x-www-form-urlencoded"
APP_ID = {"MicrosoftAppId": "8d88f59b-ae61-4300-bec0-caace7d28446",
          "MicrosoftAppPassword": "secret"}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


# ---------------------------------------------------------------- Slack


def slack_command() -> dict[str, str]:
    fields = dict(parse_qsl((FIXTURES / "slack_slash_command_body.txt").read_text().strip()))
    return {**fields, "command": "/ratings", "text": "stats", "user_id": "UADMIN"}


def form(fields: dict[str, Any]) -> bytes:
    """A slash command as Slack posts it; hostile values go as their text."""
    return urlencode({str(k): str(v) for k, v in fields.items()}, errors="surrogatepass").encode()


def payload_form(document: Any, ascii_only: bool) -> bytes:
    """An interaction as Slack posts it: its JSON in the form field `payload`."""
    text = encoded(document, ascii_only=ascii_only).decode("utf-8", "surrogatepass")
    return urlencode({"payload": text}, errors="surrogatepass").encode()


@dataclass(frozen=True)
class Request:
    body: bytes
    content_type: str
    signing: str  # "signed", "unsigned", "forged" or "stamp" (a timestamp that is no number)


def slack_requests(valid: SlackPayloads) -> st.SearchStrategy[Request]:
    bodies = st.one_of(
        *(st.tuples(json_bodies(mutated(event)), st.just(JSON)) for event in valid.events),
        *(st.tuples(st.builds(payload_form, mutated(interaction), st.booleans()), st.just(FORM))
          for interaction in valid.interactions),
        st.tuples(mutated(valid.command).map(form), st.just(FORM)),
        st.tuples(raw_bodies(json.dumps(valid.events[0]).encode()),
                  st.sampled_from([JSON, FORM])),
    )
    signing = st.sampled_from(["signed"] * 8 + ["unsigned", "forged", "stamp"])
    return st.builds(lambda body, how: Request(body[0], body[1], how), bodies, signing)


@dataclass(frozen=True)
class SlackPayloads:
    """Payloads the app's own listeners take, for the fuzzer to make hostile."""

    events: list[dict[str, Any]]
    interactions: list[dict[str, Any]]
    command: dict[str, str]


async def slack_payloads(ratebot: Ratebot, slack: SlackDriver) -> SlackPayloads:
    """A real prompt in Jan's direct message: its score click and its comment modal."""
    prompt = await deliver(ratebot)
    channel, message = slack.dm_of("UJAN")
    click = slack.block_actions("UJAN", channel, message, f"{render.RATE_ACTION}9")
    # The comment button appears once a score is in; its value is the prompt's id.
    opening = {**click, "actions": [{**click["actions"][0], "action_id": render.COMMENT_ACTION,
                                     "value": f"{prompt}:"}]}
    metadata = {"p": prompt, "r": "", "c": channel, "t": message["ts"]}
    view = {**render.comment_modal("en-US", metadata),
            "id": "V1", "hash": "1.hash", "team_id": "T111", "app_id": "A111"}
    submission = {
        "type": "view_submission", "team": {"id": "T111", "domain": "example"},
        "user": {"id": "UJAN", "username": "jan", "name": "jan", "team_id": "T111"},
        "api_app_id": "A111", "token": "legacy", "trigger_id": "1.111.x",
        "view": {**view, "state": {"values": {render.COMMENT_BLOCK: {render.COMMENT_INPUT: {
            "type": "plain_text_input", "value": "Quick fix, thanks"}}}}},
        "response_urls": [], "is_enterprise_install": False, "enterprise": None,
    }
    home = fixture("slack_app_home_opened.json")
    home["event"] = {**home["event"], "user": "UJAN", "tab": "home"}
    # Copies: the fake Slack goes on changing the message the click carries.
    return SlackPayloads(
        events=json.loads(json.dumps([home, fixture("slack_url_verification.json")])),
        interactions=json.loads(json.dumps([click, opening, submission])),
        command=slack_command(),
    )


def slack_headers(request: Request) -> dict[str, str]:
    if request.signing == "unsigned":
        return {}
    stamp = "soon" if request.signing == "stamp" else str(int(time.time()))
    secret = "not-the-secret" if request.signing == "forged" else SIGNING_SECRET
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + request.body,
                      hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


@asynccontextmanager
async def slack_ratebot(
    database_url: str, clock: FakeClock
) -> AsyncIterator[tuple[Ratebot, FakeSlackApi]]:
    async with FakeSlackApi.running() as api:
        api.add_user("UADMIN", "admin@example.com", "Ada Admin")
        api.add_user("UJAN", "jan@example.com", "Jan Jansen")
        api.add_user("U111", "u111@example.com", "Someone")
        settings = load_settings({
            "RATEBOT_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": api.base_url,
            "RATEBOT_ADMINS": "admin@example.com", "RATEBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        })
        ratebot = await build(settings, clock=clock)
        try:
            with_slack(ratebot)
            store, now = ratebot.services.store, clock.now()
            await store.add_team("servicedesk", display_name="Service Desk", actor=ADMIN, at=now)
            await store.set_team_channel("servicedesk", "slack", "alert", "CALERT", actor=ADMIN,
                                         at=now)
            await store.add_agent("servicedesk", PersonIdentity(email="piet@example.com"),
                                  actor=ADMIN, at=now)
            yield ratebot, api
        finally:
            await close(ratebot)


async def test_no_hostile_body_breaks_the_slack_endpoint_or_leaves_anything_behind(
    database_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    async with slack_ratebot(database_url, clock) as (ratebot, api):
        app = build_app(ratebot)
        binding = binding_of(app)
        assert binding is not None
        async with TestClient(TestServer(app)) as client:
            valid = await slack_payloads(ratebot, SlackDriver(client, api, binding))

            async def finish() -> None:
                await binding.interactions.idle()  # the work Slack's ack let run on
                while await ratebot.worker.settle():
                    pass

            async with Probe(database_url, caplog, settle=finish) as probe:

                async def attempt(sent: Request) -> None:
                    headers = {"Content-Type": sent.content_type, **slack_headers(sent)}
                    response = await client.post("/slack/events", data=sendable(sent.body),
                                                 headers=headers)
                    await response.read()
                    await binding.interactions.idle()
                    await probe.judge(response.status, sent.body)

                await asyncio.to_thread(run_examples, asyncio.get_running_loop(),
                                        slack_requests(valid), attempt)
                await slack_healthy_after(client, probe)
    probe.report(request)
    probe.assert_enough()


async def slack_healthy_after(client: TestClient[Any, Any], probe: Probe) -> None:
    assert (await client.get("/healthz")).status == 200
    check = json.dumps(fixture("slack_url_verification.json")).encode()
    answer = await client.post("/slack/events", data=check, headers={
        "Content-Type": JSON, **slack_headers(Request(check, JSON, "signed"))})
    assert answer.status == 200
    assert (await answer.json())["challenge"]
    await accepts_a_close(client, probe)


async def accepts_a_close(client: TestClient[Any, Any], probe: Probe) -> None:
    body = json.dumps({**CLOSE, "ticket_id": "FUZZ-AFTER-1"}).encode()
    response = await client.post("/webhooks/generic", data=body, headers={
        "Content-Type": JSON, "X-Ratebot-Signature": sign_webhook(body, WEBHOOK_SECRET)})
    assert response.status == 202
    await probe.judge(response.status, b"the fresh close")


# ---------------------------------------------------------------- Teams


def teams_requests(connector: FakeConnector, bot: TeamsBotUnderTest) -> st.SearchStrategy[
    Request
]:
    teams = bot.teams
    message = teams.base("message", JAN, teams.personal(JAN), text="ratings stats")
    activities = [
        message,
        {**fixture("teams_installation_update_personal.json"), "serviceUrl": connector.url},
        {**fixture("teams_invoke_adaptive_card_action.json"), "serviceUrl": connector.url},
        {**fixture("teams_message_action_submit.json"), "serviceUrl": connector.url},
    ]
    valid = st.sampled_from(activities)
    bodies = st.one_of(
        valid.flatmap(lambda activity: json_bodies(mutated(activity))),
        valid.flatmap(lambda activity: json_bodies(mutated(activity))),
        raw_bodies(json.dumps(message).encode()),
        hostile_text.map(lambda text: json.dumps({**message, "text": text}).encode()),
    )
    content_types = st.sampled_from([JSON] * 8 + ["application/json; charset=utf-8",
                                                  "text/plain", FORM])
    return st.builds(lambda body, kind: Request(body, kind, "unsigned"), bodies, content_types)


def failed_reply(record: logging.LogRecord) -> bool:
    """The bot's answer could not be sent: the SDK failed on the activity's own conversation.

    Replies go where the activity says it came from; a hostile conversation id or service
    URL cannot be answered, and the app logs that failed SDK call at ERROR, as it should.
    """
    return record.name == "adapters.teams.app" and "turn failed" in record.getMessage()


@pytest.mark.parametrize("environ", [{}, APP_ID], ids=["emulator", "app-id"])
async def test_no_hostile_body_breaks_the_teams_endpoint_or_leaves_anything_behind(
    database_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest, environ: dict[str, str],
) -> None:
    env = {**environ, "RATEBOT_WEBHOOK_SECRET": WEBHOOK_SECRET}
    async with running_connector() as connector, teams_bot(
        database_url, clock, connector, env, whole_server=True
    ) as bot:
        await bot.services.store.add_team("servicedesk", actor=ADMIN, at=clock.now())

        async def settle() -> None:
            while await bot.ratebot.worker.settle():
                pass

        client = bot.teams.client
        async with Probe(database_url, caplog, settle=settle, tolerated=failed_reply) as probe:

            async def attempt(sent: Request) -> None:
                response = await client.post("/api/messages", data=sendable(sent.body),
                                             headers={"Content-Type": sent.content_type})
                await response.read()
                if environ:
                    # Behind an app id nothing unauthenticated gets through, garbage or not.
                    assert response.status in (400, 401, 413, 415), response.status
                await probe.judge(response.status, sent.body)

            await asyncio.to_thread(run_examples, asyncio.get_running_loop(),
                                    teams_requests(connector, bot), attempt)
            assert (await client.get("/healthz")).status == 200
            if not environ:
                status, _ = await bot.teams.say(JAN, "ratings stats")
                assert status == 200
            await accepts_a_close(client, probe)
    probe.report(request)
    probe.assert_enough()
