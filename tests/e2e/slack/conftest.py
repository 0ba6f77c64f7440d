"""A ratebot with Slack enabled, its HTTP app, and the fake Slack Web API it talks to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.slack.app import binding_of
from app.bootstrap import Ratebot, build
from app.server import build_app
from app.settings import load_settings
from bot.domain.identity import PersonIdentity
from tests.e2e.slack.harness import (
    BOT_TOKEN,
    SIGNING_SECRET,
    SlackDriver,
    close,
    with_slack,
)
from tests.fakes.clock import FakeClock
from tests.fakes.slack_api import FakeSlackApi

ADMIN = "test:admin"
WEBHOOK_SECRET = "generic-webhook-secret-for-slack-tests"


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi.running() as api:
        api.add_user("UJAN", "jan@example.com", "Jan Jansen")
        api.add_user("UPIET", "piet@example.com", "Piet Pieters")
        api.add_user("UANNE", "anne@example.com", "Anne de Vries", locale="nl-NL")
        api.add_user("UADMIN", "admin@example.com", "Ada Admin")
        yield api


@pytest.fixture
def slack_env(database_url: str, slack_api: FakeSlackApi) -> dict[str, str]:
    return {
        "RATEBOT_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.base_url,
        "RATEBOT_ADMINS": "admin@example.com",
        "RATEBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


@pytest.fixture
async def ratebot(slack_env: dict[str, str], clock: FakeClock) -> AsyncIterator[Ratebot]:
    settings = load_settings(slack_env)
    ratebot = await build(settings, clock=clock)
    with_slack(ratebot)
    store, now = ratebot.services.store, clock.now()
    await store.add_team("servicedesk", display_name="Service Desk", actor=ADMIN, at=now)
    await store.set_team_channel("servicedesk", "slack", "alert", "CALERT", actor=ADMIN, at=now)
    await store.add_agent("servicedesk", PersonIdentity(email="piet@example.com",
                                                        display_name="Piet Pieters"),
                          actor=ADMIN, at=now)
    yield ratebot
    await close(ratebot)


@pytest.fixture
async def slack(ratebot: Ratebot, slack_api: FakeSlackApi) -> AsyncIterator[SlackDriver]:
    """The server's own app with Slack mounted on it, as `serve` runs it."""
    app = build_app(ratebot)
    binding = binding_of(app)
    assert binding is not None
    client: TestClient[Any, Any]
    async with TestClient(TestServer(app)) as client:
        yield SlackDriver(client, slack_api, binding)
