"""Socket Mode: the same bolt app over a WebSocket Slack opens to us (no public URL)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from adapters.slack import inbound
from adapters.slack.app import SlackBinding
from bot.domain.untrusted import loggable

log = logging.getLogger(__name__)


class CheckedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's handler, refusing envelopes bolt cannot read before they reach the app.

    Bolt would raise on them with a traceback and leave them unacknowledged, so Slack
    would send them again. Refused ones are acknowledged empty and logged in one line.
    """

    async def handle(self, client: Any, req: SocketModeRequest) -> None:
        try:
            inbound.check_socket_payload(req.payload)
        except inbound.BadPayload as exc:
            log.warning("slack: refused a Socket Mode envelope: %s", loggable(exc))
            await client.send_socket_mode_response(SocketModeResponse(req.envelope_id))
            return
        await super().handle(client, req)


class SlackSocket:
    """Connects with the app-level token (`SLACK_APP_TOKEN`, xapp-...) and keeps connected."""

    def __init__(self, binding: SlackBinding, app_token: str, *, ping_interval: float = 10) -> None:
        self._binding = binding
        self._handler = CheckedSocketModeHandler(
            binding.app, app_token, web_client=binding.chat.client, ping_interval=ping_interval
        )

    async def start(self) -> None:
        """Open the connection (`apps.connections.open`, then the WebSocket)."""
        await self._handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("slack: connected over Socket Mode")

    async def stop(self) -> None:
        """Stop taking deliveries, then let the ones in progress finish."""
        await self._handler.close_async()  # type: ignore[no-untyped-call]
        await self._binding.interactions.idle()
