"""Socket Mode: the same bolt app over a WebSocket Slack opens to us (no public URL)."""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

from adapters.slack.app import SlackBinding

log = logging.getLogger(__name__)


class SlackSocket:
    """Connects with the app-level token (`SLACK_APP_TOKEN`, xapp-...) and keeps connected."""

    def __init__(self, binding: SlackBinding, app_token: str, *, ping_interval: float = 10) -> None:
        self._binding = binding
        self._handler = AsyncSocketModeHandler(
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
