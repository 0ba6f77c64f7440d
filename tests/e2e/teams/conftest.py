"""Fixtures for the Teams tests: the fake connector and the bot behind `/api/messages`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.teams.harness import TeamsBotUnderTest, teams_bot
from tests.fakes.bot_connector import FakeConnector, running_connector
from tests.fakes.clock import FakeClock

ADMIN_ENV = {"RATEBOT_ADMINS": "piet@example.com,aad-piet-0002"}


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with running_connector() as running:
        yield running


@pytest.fixture
async def bot(
    database_url: str, clock: FakeClock, connector: FakeConnector
) -> AsyncIterator[TeamsBotUnderTest]:
    async with teams_bot(database_url, clock, connector, ADMIN_ENV) as running:
        yield running
