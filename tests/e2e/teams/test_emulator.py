"""Teams in Bot Framework Emulator mode (no MicrosoftAppId): `serve` wires the Teams chat
without credentials, and prompts reach the people who opened a chat in the Emulator.

The Emulator is played by the fake connector, which takes no token: what botbuilder sends
it without credentials is what the real Emulator receives.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from rich.console import Console

from adapters.teams.personal import AWAITING_CHAT
from app.bootstrap import Ratebot, build
from app.cli.reporting import stats_table
from app.platforms import check_bind
from app.server import build_app
from app.settings import load_settings
from bot.domain.events import ConversationClosed
from bot.domain.model import Prompt, PromptStatus
from bot.flows.asking import conversation_closed
from bot.flows.reporting import team_stats
from tests.fakes.bot_connector import FakeConnector, card_of
from tests.fakes.clock import FakeClock

BOT = {"id": "ratebot-in-the-emulator", "name": "Bot", "role": "bot"}
EMAIL = "jan@example.com"
# The tester set their user id to their email address in the Emulator's settings.
USER = {"id": EMAIL, "name": "Jan", "role": "user"}
CHAT = "2f1c9a70-emulator-chat|livechat"


@dataclass
class Emulator:
    """Posts activities shaped as the Bot Framework Emulator sends them (no token)."""

    client: TestClient[Any, Any]
    connector: FakeConnector
    ratebot: Ratebot
    clock: FakeClock
    _ids: itertools.count[int]

    def activity(self, kind: str, **extra: Any) -> dict[str, Any]:
        # No tenant, no conversationType, no channelData: the Emulator sends none of them.
        return {"type": kind, "id": f"emu-{next(self._ids)}", "channelId": "emulator",
                "serviceUrl": self.connector.url, "conversation": {"id": CHAT},
                "from": USER, "recipient": BOT, "locale": "en-US",
                "timestamp": "2026-11-24T10:00:00.000Z", **extra}

    async def open_chat(self) -> None:
        """What the Emulator sends when someone opens a chat with the bot, then a hello."""
        for activity in (self.activity("conversationUpdate", membersAdded=[BOT, USER]),
                         self.activity("message", text="hi")):
            response = await self.client.post("/api/messages", json=activity)
            assert response.status == 200, await response.text()

    async def close(self) -> Prompt:
        """A helpdesk closes Jan's ticket; the worker runs once."""
        services = self.ratebot.services
        await services.store.add_team("servicedesk", display_name="Service Desk",
                                      actor="test:admin", at=self.clock.now())
        outcome = await conversation_closed(services, ConversationClosed(
            source="generic", ticket_id="INC-1", requester_email=EMAIL, team="servicedesk",
            closed_at=self.clock.now(), subject="Printer"))
        await self.ratebot.worker.run_once()
        return await self.prompt(outcome.prompt.id)

    async def prompt(self, prompt_id: int) -> Prompt:
        found = await self.ratebot.services.store.get_prompt(prompt_id)
        assert found is not None
        return found


@pytest.fixture
async def emulator(
    database_url: str, clock: FakeClock, connector: FakeConnector
) -> AsyncIterator[Emulator]:
    settings = load_settings({"RATEBOT_DATABASE_URL": database_url})  # no platform at all
    ratebot = await build(settings, clock=clock, serving=True)
    client: TestClient[Any, Any] = TestClient(TestServer(build_app(ratebot), host="127.0.0.1"))
    await client.start_server()
    try:
        yield Emulator(client, connector, ratebot, clock, itertools.count(1))
    finally:
        await client.close()
        await ratebot.aclose()


async def test_serve_wires_teams_without_credentials_and_logs_it_once(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    assert [chat.platform for chat in emulator.ratebot.services.chats] == ["teams"]
    with caplog.at_level(logging.WARNING, logger="app.platforms"):
        check_bind(emulator.ratebot.settings)
    [line] = [r.getMessage() for r in caplog.records if r.name == "app.platforms"]
    assert "Teams runs in Bot Framework Emulator mode" in line


async def test_a_command_never_loads_teams_for_the_emulator(database_url: str) -> None:
    ratebot = await build(load_settings({"RATEBOT_DATABASE_URL": database_url}))
    try:
        assert ratebot.services.chats == ()  # `stats` still says no platform is configured
    finally:
        await ratebot.aclose()


async def test_someone_who_opened_a_chat_gets_the_prompt_there(emulator: Emulator) -> None:
    await emulator.open_chat()

    prompt = await emulator.close()

    assert prompt.status is PromptStatus.SENT, prompt.reason
    [send] = [c for c in emulator.connector.sent_to(CHAT) if c.body.get("attachments")]
    assert send.authorization is None  # the Emulator takes no token
    card = card_of(send.body)
    assert any("Service Desk" in str(element.get("text")) for element in card["body"])


async def test_someone_without_a_chat_waits_pending_and_gets_it_once_they_open_one(
    emulator: Emulator,
) -> None:
    prompt = await emulator.close()

    assert prompt.status is PromptStatus.PENDING
    assert (prompt.reason, prompt.attempts) == (AWAITING_CHAT, 0)  # waiting is no failure
    assert emulator.connector.of("create") == []  # the Emulator opens no chat for the bot
    stats = await team_stats(emulator.ratebot.services, team=None, weeks=12)
    assert dict(stats[0].waiting.retrying) == {AWAITING_CHAT: 1}
    console = Console(width=400, record=True)
    console.print(stats_table(stats, 12))
    assert f"retrying after: {AWAITING_CHAT} 1" in console.export_text()

    # Looked at again within a minute: still nobody to send to, still no attempt used.
    emulator.clock.advance(seconds=61)
    await emulator.ratebot.worker.run_once()
    assert (await emulator.prompt(prompt.id)).attempts == 0

    await emulator.open_chat()
    emulator.clock.advance(seconds=61)
    await emulator.ratebot.worker.run_once()

    sent = await emulator.prompt(prompt.id)
    assert sent.status is PromptStatus.SENT
    cards = [c for c in emulator.connector.sent_to(CHAT) if c.body.get("attachments")]
    assert len(cards) == 1
