"""Jira Cloud end to end: the real app resolves a webhook's account ids through Jira's API,
and the reconcile poll finds the close whose webhook never came; each is asked once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.helpdesk.api.connected import helpdesk_apis
from adapters.helpdesk.auth import hex_hmac
from adapters.helpdesk.jira import SIGNATURE_HEADER
from app.bootstrap import Ratebot, build
from app.platforms import api_configs
from app.server import build_app
from app.settings import load_settings
from bot.flows.reconcile import ReconcileReport, reconcile
from bot.flows.source_mapping import TeamRouter
from tests.adapters.helpdesk.api.jira_cloud import AGENT_ID, REPORTER_ID, cloud_webhook
from tests.e2e.support import ADMIN, snapshot, webhook_count
from tests.fakes.clock import FakeClock
from tests.fakes.helpdesk_apis import FakeJira, basic, jira_issue, jira_user

SECRET = "jira-e2e-secret"
EMAIL, TOKEN = "bot@acme.example", "atlassian-api-token"


@pytest.fixture
async def jira() -> AsyncIterator[FakeJira]:
    fake = FakeJira(basic(EMAIL, TOKEN))
    fake.add_user(jira_user(REPORTER_ID, "Jan Jansen", None, customer=True),
                  hidden_email="jan@example.com")
    fake.add_user(jira_user(AGENT_ID, "Piet Pieters", None), hidden_email="piet@example.com")
    async with fake.running():
        yield fake


@pytest.fixture
async def ratebot(database_url: str, clock: FakeClock, jira: FakeJira) -> AsyncIterator[Ratebot]:
    settings = load_settings({
        "RATEBOT_DATABASE_URL": database_url, "RATEBOT_JIRA_SECRET": SECRET,
        "RATEBOT_JIRA_URL": jira.url, "RATEBOT_JIRA_EMAIL": EMAIL,
        "RATEBOT_JIRA_API_TOKEN": TOKEN,
    })
    built = await build(settings, clock=clock)
    store = built.services.store
    await store.add_team("servicedesk", actor=ADMIN, at=clock.now())
    await store.map_group("jira", "ITSM", "servicedesk", actor=ADMIN, at=clock.now())
    try:
        yield built
    finally:
        await built.aclose()


async def test_a_cloud_webhook_and_the_poll_each_ask_once(
    ratebot: Ratebot, jira: FakeJira, clock: FakeClock, database_url: str
) -> None:
    apis = helpdesk_apis(api_configs(ratebot.settings))
    reporter = jira_user(REPORTER_ID, "Jan Jansen", None, customer=True)
    jira.issues = [
        # ITSM-1 came by webhook too; ITSM-2's webhook never came.
        jira_issue(key, reporter=reporter, assignee=None, resolved=clock.now())
        for key in ("ITSM-1", "ITSM-2")
    ]
    try:
        async with TestClient(TestServer(build_app(ratebot, apis=apis))) as client:
            raw = json.dumps(cloud_webhook("ITSM-1")).encode()
            response = await client.post("/webhooks/jira", data=raw, headers={
                SIGNATURE_HEADER: "sha256=" + hex_hmac(SECRET, raw),
                "Content-Type": "application/json",
            })
            assert response.status == 202, await response.text()
        route = TeamRouter(ratebot.services.store, default_team=None)
        report = await reconcile(ratebot.services, apis["jira"], route)
    finally:
        for api in apis.values():
            await api.aclose()
    assert webhook_count(ratebot, "jira", "accepted") == 1
    assert report == ReconcileReport("jira", found=2, accepted=1, duplicates=1, pages=1)
    await ratebot.worker.settle_remaining()
    rows: dict[str, Any] = await snapshot(database_url)
    tickets = {c["id"]: c["external_id"] for c in rows["conversations"]}
    asked = sorted(tickets[p["conversation_id"]] for p in rows["prompts"])
    assert asked == ["ITSM-1", "ITSM-2"]
