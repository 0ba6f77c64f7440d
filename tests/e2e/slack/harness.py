"""Drive ratebot's Slack side like Slack does: signed requests in, the fake Web API out."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from adapters.slack.app import SlackBinding, slack_chat
from adapters.slack.outbound import SlackChat
from app.bootstrap import Ratebot
from app.delivery_worker import DeliveryWorker
from app.platforms import slack_config
from tests.fakes.slack_api import Call, FakeSlackApi

SIGNING_SECRET = "slack-signing-secret-for-tests"
BOT_TOKEN = "xoxb-test-token"


def sign(
    body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Headers exactly as Slack signs a request: v0, the timestamp, HMAC-SHA256."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def with_slack(ratebot: Ratebot, *, paced: bool = True) -> SlackChat:
    """The Slack port in the services: the composition root's, or one put there as it would."""
    for chat in ratebot.services.chats:
        if isinstance(chat, SlackChat):
            if not paced:
                chat._pacers = {}
            return chat
    chat = slack_chat(slack_config(ratebot.settings), ratebot.services.store,
                      pacers=None if paced else {})
    services = dataclasses.replace(ratebot.services, chats=(*ratebot.services.chats, chat))
    ratebot.services = services
    ratebot.worker = DeliveryWorker(services)
    return chat


async def close(ratebot: Ratebot) -> None:
    for chat in ratebot.services.chats:
        if isinstance(chat, SlackChat):
            await chat.aclose()  # a second close (by the composition root) does nothing
    await ratebot.aclose()


@dataclasses.dataclass
class SlackDriver:
    """Requests into `/slack/events` in the shapes of Slack's payloads."""

    client: TestClient[Any, Any]
    api: FakeSlackApi
    binding: SlackBinding
    _ids: itertools.count[int] = dataclasses.field(default_factory=lambda: itertools.count(1))

    async def post(self, body: bytes, content_type: str, *, headers: dict[str, str] | None = None,
                   signed: bool = True) -> ClientResponse:
        all_headers = {"Content-Type": content_type, **(sign(body) if signed else {})}
        all_headers.update(headers or {})
        response = await self.client.post("/slack/events", data=body, headers=all_headers)
        await response.read()
        await self.binding.interactions.idle()  # the work Slack's ack let run on
        return response

    async def event(self, payload: dict[str, Any], **kwargs: Any) -> ClientResponse:
        return await self.post(json.dumps(payload).encode(), "application/json", **kwargs)

    async def interaction(self, payload: dict[str, Any], **kwargs: Any) -> ClientResponse:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded", **kwargs)

    async def command(self, user: str, text: str, *, channel: str = "C0ADMIN") -> ClientResponse:
        body = urlencode({
            "token": "legacy", "team_id": "T111", "team_domain": "example",
            "channel_id": channel, "channel_name": "helpdesk-admin", "user_id": user,
            "user_name": user.lower(), "command": "/ratings", "text": text, "api_app_id": "A111",
            "is_enterprise_install": "false",
            "response_url": self.api.response_url,
            "trigger_id": f"{next(self._ids)}.111.x",
        }).encode()
        return await self.post(body, "application/x-www-form-urlencoded")

    # ------------------------------------------------------------------ the product's words

    def dm_of(self, user: str) -> tuple[str, dict[str, Any]]:
        """The newest message the bot posted in `user`'s direct message: (channel, message)."""
        channel = "D" + user[1:]
        found = [(ts, m) for (c, ts), m in self.api.messages.items() if c == channel]
        assert found, f"no direct message to {user}"
        return channel, max(found, key=lambda item: item[0])[1]

    def buttons(self, message: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {
            element["action_id"]: element
            for block in message["blocks"] if block["type"] == "actions"
            for element in block["elements"]
        }

    def block_actions(self, user: str, channel: str, message: dict[str, Any],
                      action_id: str, *, value: str | None = None) -> dict[str, Any]:
        button = self.buttons(message)[action_id]
        n = next(self._ids)
        return {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T111"},
            "api_app_id": "A111", "token": "legacy",
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel,
                          "is_ephemeral": False},
            "trigger_id": f"{n}.111.trigger", "team": {"id": "T111", "domain": "example"},
            "enterprise": None, "is_enterprise_install": False,
            "channel": {"id": channel, "name": "directmessage"},
            "message": message, "state": {"values": {}},
            "response_url": "https://hooks.slack.com/actions/T111/1/x",
            "actions": [{"action_id": action_id, "block_id": "b", "type": "button",
                         "value": button["value"] if value is None else value,
                         "action_ts": f"1700001000.{n:06d}"}],
        }

    async def clicks(self, user: str, score: int, **kwargs: Any) -> dict[str, Any]:
        """`user` clicks `score` in their newest rating prompt; returns the payload sent."""
        channel, message = self.dm_of(user)
        payload = self.block_actions(user, channel, message, f"rate:{score}", **kwargs)
        response = await self.interaction(payload)
        assert response.status == 200
        return payload

    async def submits_modal(self, user: str, view: dict[str, Any], values: dict[str, Any],
                            ) -> ClientResponse:
        n = next(self._ids)
        payload = {
            "type": "view_submission", "team": {"id": "T111", "domain": "example"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(),
                     "team_id": "T111"},
            "api_app_id": "A111", "token": "legacy", "trigger_id": f"{n}.111.x",
            "view": {**view, "id": f"V{n}", "hash": f"{n}.hash", "state": {"values": values},
                     "team_id": "T111", "app_id": "A111", "bot_id": "B111"},
            "response_urls": [], "is_enterprise_install": False, "enterprise": None,
        }
        return await self.interaction(payload)

    def last_view(self) -> dict[str, Any]:
        view: dict[str, Any] = self.api.last("views.open").args["view"]
        return view

    def updates(self) -> list[Call]:
        return self.api.called("chat.update")
