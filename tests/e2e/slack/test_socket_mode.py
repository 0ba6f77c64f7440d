"""Socket Mode against a fake `apps.connections.open` and a local WebSocket server."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.slack.app import SlackBinding, binding_of, build_slack
from adapters.slack.socket_mode import SlackSocket
from app.bootstrap import Ratebot
from app.platforms import slack_config
from app.server import build_app
from app.settings import load_settings
from tests.e2e.support import unchanged
from tests.fakes.slack_api import FakeSlackApi, FakeSocketModeServer

ENVELOPES: list[dict[str, Any]] = json.loads(
    (Path("/work/shared/fixtures") / "slack_socket_mode_envelopes.json").read_text()
)
APP_TOKEN = "xapp-1-test"


@pytest.fixture
async def socket_server(slack_api: FakeSlackApi) -> AsyncIterator[FakeSocketModeServer]:
    server = FakeSocketModeServer()
    async with server.running():
        slack_api.socket_url = server.url
        yield server


@pytest.fixture
async def connected(ratebot: Ratebot, slack_env: dict[str, str],
                    socket_server: FakeSocketModeServer) -> AsyncIterator[SlackBinding]:
    settings = load_settings({**slack_env, "SLACK_APP_TOKEN": APP_TOKEN})
    binding = build_slack(ratebot.services, slack_config(settings), ratebot.services.chats[0])  # type: ignore[arg-type]
    socket = SlackSocket(binding, APP_TOKEN)
    await socket.start()
    try:
        yield binding
    finally:
        await socket.stop()


def envelope(kind: str) -> dict[str, Any]:
    return next(e for e in ENVELOPES if e.get("type") == kind)


async def next_ack(server: FakeSocketModeServer, envelope_id: str) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            ack = await server.acks.get()
            if ack.get("envelope_id") == envelope_id:
                return ack


async def test_connects_with_the_app_token(
    connected: SlackBinding, slack_api: FakeSlackApi, socket_server: FakeSocketModeServer
) -> None:
    assert socket_server.connected.is_set()
    assert slack_api.last("apps.connections.open").token == APP_TOKEN


async def test_a_slash_command_is_answered_in_the_ack(
    connected: SlackBinding, socket_server: FakeSocketModeServer
) -> None:
    command = envelope("slash_commands")
    command["payload"] = {**command["payload"], "command": "/ratings", "text": "statz"}
    await socket_server.send(command)
    ack = await next_ack(socket_server, command["envelope_id"])
    assert "Did you mean `stats`?" in ack["payload"]["text"]


async def test_events_are_handled_once_even_when_redelivered(
    connected: SlackBinding, slack_api: FakeSlackApi, socket_server: FakeSocketModeServer
) -> None:
    slack_api.add_user("U111", "u111@example.com", "Someone")
    event = envelope("events_api")
    event["payload"]["event"]["tab"] = "home"
    await socket_server.send(event)
    await next_ack(socket_server, event["envelope_id"])
    await slack_api.wait_for("views.publish")
    # Socket Mode can deliver the same event again (retry_attempt counts from 0).
    again = {**event, "envelope_id": "another-envelope", "retry_attempt": 1}
    await socket_server.send(again)
    await next_ack(socket_server, "another-envelope")
    await connected.interactions.idle()
    assert len(slack_api.called("views.publish")) == 1


async def test_with_an_app_token_the_server_connects_instead_of_serving_the_endpoint(
    ratebot: Ratebot, slack_env: dict[str, str], slack_api: FakeSlackApi,
    socket_server: FakeSocketModeServer,
) -> None:
    ratebot.settings = load_settings({**slack_env, "SLACK_APP_TOKEN": APP_TOKEN})
    app = build_app(ratebot)
    binding = binding_of(app)
    assert binding is not None
    async with TestClient(TestServer(app)) as client:
        assert socket_server.connected.is_set()
        response = await client.post("/slack/events", data=b"{}")
        assert response.status in (404, 405)
        command = envelope("slash_commands")
        command["payload"] = {**command["payload"], "command": "/ratings", "text": "help"}
        await socket_server.send(command)
        ack = await next_ack(socket_server, command["envelope_id"])
        assert "*Usage:*" in ack["payload"]["text"]


async def test_garbage_envelopes_neither_crash_the_connection_nor_reach_the_app(
    connected: SlackBinding, slack_api: FakeSlackApi, socket_server: FakeSocketModeServer,
    database_url: str, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="adapters.slack.socket_mode")
    socket = socket_server._socket
    assert socket is not None
    # Frames that are not even envelopes: the SDK reads and drops them.
    for frame in ("not json", "[]", "null", '{"type": "events_api"}'):
        await socket.send_str(frame)
    command = envelope("slash_commands")
    hostile = [
        {**command, "envelope_id": "list", "payload": [1, 2]},
        {**command, "envelope_id": "types", "payload": {**command["payload"], "enterprise": 5}},
        {**command, "envelope_id": "nul",
         "payload": {**command["payload"], "command": "/ratings", "text": "team add a\x00b"}},
        {**command, "envelope_id": "surrogate",
         "payload": {**command["payload"], "command": "/ratings", "user_id": "U\ud800"}},
    ]
    async with unchanged(database_url):
        for each in hostile:
            await socket_server.send(each)
        # Refused envelopes are acknowledged empty, so Slack does not send them again.
        for envelope_id in ("types", "nul", "surrogate"):
            ack = await next_ack(socket_server, envelope_id)
            assert "payload" not in ack
    refused = [r.getMessage() for r in caplog.records if r.name == "adapters.slack.socket_mode"
               and "refused" in r.getMessage()]
    assert len(refused) == 3
    assert "text: contains a NUL character, which cannot be stored" in " ".join(refused)
    # Still connected, still answering.
    command["payload"] = {**command["payload"], "command": "/ratings", "text": "statz"}
    await socket_server.send(command)
    ack = await next_ack(socket_server, command["envelope_id"])
    assert "Did you mean `stats`?" in ack["payload"]["text"]
