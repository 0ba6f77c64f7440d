"""GLPI default payloads over HTTP: a login that is no e-mail, looked up through its API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.helpdesk.api.glpi import GlpiApi, GlpiApiConfig
from adapters.helpdesk.glpi import GlpiWebhook
from adapters.helpdesk.webhook import WebhookEndpoint
from bot.flows.source_mapping import TeamRouter
from bot.ports.helpdesk_api import HelpdeskApi
from bot.services import Services
from storage.store import SqlStore
from tests.adapters.helpdesk import glpi_payloads
from tests.fakes.clock import FakeClock
from tests.fakes.itsm_apis import FakeGlpi

SECRET = "glpi-webhook-secret"
USER_TOKEN = "glpi-user-token"


@pytest.fixture
async def glpi() -> AsyncIterator[FakeGlpi]:
    fake = FakeGlpi(f"user_token {USER_TOKEN}")
    fake.users = {7: {"id": 7, "name": "jan", "firstname": "Jan", "realname": "Jansen"},
                  2: {"id": 2, "name": "piet", "firstname": "Piet", "realname": "Pieters"}}
    fake.emails = {7: [{"email": "Jan@Example.com", "is_default": 1}],
                   2: [{"email": "piet@example.com", "is_default": 1}]}
    async with fake.running():
        yield fake


async def endpoint(store: SqlStore, clock: FakeClock,
                   api: HelpdeskApi | None) -> TestClient[Any, Any]:
    await store.add_team("servicedesk", actor="test", at=clock.now())
    services = Services(store=store, clock=clock)
    source = GlpiWebhook(SECRET, clock=clock, api=api)
    handler = WebhookEndpoint(services, {"glpi": source},
                              route=TeamRouter(store, default_team="servicedesk")).handle
    app = web.Application()
    app.router.add_post("/webhooks/{source}", handler)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


async def post(client: TestClient[Any, Any], clock: FakeClock) -> Any:
    body = glpi_payloads.default_body(
        glpi_payloads.ticket(requester_login="jan", technician_login="piet")
    )
    headers = glpi_payloads.headers(body, SECRET, clock.now())
    response = await client.post("/webhooks/glpi", data=body, headers=headers)
    return response.status, await response.json()


async def test_a_login_that_is_no_email_is_looked_up_in_glpi(
    store: SqlStore, clock: FakeClock, glpi: FakeGlpi
) -> None:
    api = GlpiApi(GlpiApiConfig(glpi.url, USER_TOKEN))
    client = await endpoint(store, clock, api)
    try:
        status, body = await post(client, clock)
    finally:
        await client.close()
        await api.aclose()
    assert status == 202, body
    (pending,) = await store.claim_closes(now=clock.now(), limit=10)
    assert (pending.ticket_id, pending.requester.email, pending.agent.email) == (
        "42", "jan@example.com", "piet@example.com")


async def test_without_the_api_the_400_says_what_to_do(
    store: SqlStore, clock: FakeClock
) -> None:
    client = await endpoint(store, clock, None)
    try:
        status, body = await post(client, clock)
    finally:
        await client.close()
    assert status == 400
    assert "GLPI sends no e-mail addresses" in body["fields"]["requester_email"]


async def test_a_user_without_an_email_in_glpi_is_a_clear_refusal(
    store: SqlStore, clock: FakeClock, glpi: FakeGlpi
) -> None:
    glpi.emails[7] = []
    api = GlpiApi(GlpiApiConfig(glpi.url, USER_TOKEN))
    client = await endpoint(store, clock, api)
    try:
        status, body = await post(client, clock)
    finally:
        await client.close()
        await api.aclose()
    assert status == 400
    assert "neither the payload nor GLPI's API" in body["fields"]["requester_email"]
