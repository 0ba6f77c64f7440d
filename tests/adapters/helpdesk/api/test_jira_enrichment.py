"""Jira Cloud webhooks over HTTP: account ids resolved through Jira's API, or refused saying how."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.helpdesk.api.jira import JiraApi, JiraApiConfig
from adapters.helpdesk.auth import hex_hmac
from adapters.helpdesk.jira import SIGNATURE_HEADER, JiraWebhook
from adapters.helpdesk.webhook import WebhookEndpoint
from bot.ports.helpdesk_api import HelpdeskApi
from bot.services import Services
from storage.store import SqlStore
from tests.adapters.helpdesk.api.jira_cloud import AGENT_ID, REPORTER_ID, cloud_webhook
from tests.fakes.clock import FakeClock
from tests.fakes.helpdesk_apis import FakeJira, basic, jira_user

SECRET = "jira-webhook-secret"
EMAIL, TOKEN = "bot@acme.example", "atlassian-api-token"


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
async def jira() -> AsyncIterator[FakeJira]:
    fake = FakeJira(basic(EMAIL, TOKEN))
    fake.add_user(jira_user(REPORTER_ID, "Jan Jansen", "jan@example.com", customer=True))
    fake.add_user(jira_user(AGENT_ID, "Piet Pieters", "Piet@Example.com"))
    async with fake.running():
        yield fake


async def endpoint(store: SqlStore, clock: FakeClock, api: HelpdeskApi | None,
                   **jira: Any) -> TestClient[Any, Any]:
    await store.add_team("ITSM", actor="test", at=clock.now())
    services = Services(store=store, clock=clock)
    source = JiraWebhook(SECRET, clock=clock, api=api, **jira)
    app = web.Application()
    app.router.add_post("/webhooks/{source}", WebhookEndpoint(services, {"jira": source}).handle)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


async def post(client: TestClient[Any, Any], payload: dict[str, Any]) -> web.Response:
    raw = json.dumps(payload).encode()
    headers = {SIGNATURE_HEADER: "sha256=" + hex_hmac(SECRET, raw),
               "Content-Type": "application/json"}
    return await client.post("/webhooks/jira", data=raw, headers=headers)  # type: ignore[return-value]


async def test_a_cloud_close_resolves_its_account_ids_through_the_api(
    store: SqlStore, clock: FakeClock, jira: FakeJira
) -> None:
    api = JiraApi(JiraApiConfig(jira.url, email=EMAIL, api_token=TOKEN))
    client = await endpoint(store, clock, api)
    try:
        first = await post(client, cloud_webhook("ITSM-1"))
        assert first.status == 202, await first.text()
        again = await post(client, cloud_webhook("ITSM-2"))
        assert again.status == 202
    finally:
        await client.close()
        await api.aclose()
    asked = sorted(query["accountId"] for path, query in jira.requests)
    assert asked == sorted([REPORTER_ID, AGENT_ID])  # once each: the second close is cached
    pending = await store.claim_closes(now=clock.now(), limit=10)
    assert sorted(close.ticket_id for close in pending) == ["ITSM-1", "ITSM-2"]
    people = {(close.requester.email, close.agent.email) for close in pending}
    assert people == {("jan@example.com", "piet@example.com")}


async def test_without_the_api_the_400_says_what_to_configure(
    store: SqlStore, clock: FakeClock
) -> None:
    client = await endpoint(store, clock, None)
    try:
        response = await post(client, cloud_webhook())
        body = await response.json()
    finally:
        await client.close()
    assert response.status == 400
    assert "RATEBOT_JIRA_URL, RATEBOT_JIRA_EMAIL and RATEBOT_JIRA_API_TOKEN" in body["error"]
    assert "{{reporter.emailAddress}}" in body["error"]
    assert body["fields"] == {"issue.fields.reporter.emailAddress": "required"}


async def test_a_hidden_email_is_a_clear_refusal(
    store: SqlStore, clock: FakeClock, jira: FakeJira
) -> None:
    jira.add_user(jira_user(REPORTER_ID, "Jan Jansen", None, customer=True))
    api = JiraApi(JiraApiConfig(jira.url, email=EMAIL, api_token=TOKEN))
    client = await endpoint(store, clock, api)
    try:
        response = await post(client, cloud_webhook())
        body = await response.json()
    finally:
        await client.close()
        await api.aclose()
    assert response.status == 400
    assert "profile's visibility hides it" in body["error"]


async def test_an_api_that_makes_the_webhook_wait_answers_503(
    store: SqlStore, clock: FakeClock, jira: FakeJira
) -> None:
    jira.throttle, jira.retry_after = 5, 90
    api = JiraApi(JiraApiConfig(jira.url, email=EMAIL, api_token=TOKEN), sleep=Sleeps())
    client = await endpoint(store, clock, api)
    try:
        response = await post(client, cloud_webhook())
        retry = response.headers.get("Retry-After")
    finally:
        await client.close()
        await api.aclose()
    assert response.status == 503
    assert retry == "90"
    assert await store.claim_closes(now=clock.now(), limit=10) == []


async def test_a_status_change_that_is_no_close_asks_nothing(
    store: SqlStore, clock: FakeClock, jira: FakeJira
) -> None:
    api = JiraApi(JiraApiConfig(jira.url, email=EMAIL, api_token=TOKEN))
    client = await endpoint(store, clock, api)
    payload = cloud_webhook(status="Declined")
    try:
        response = await post(client, payload)
    finally:
        await client.close()
        await api.aclose()
    assert response.status == 200
    assert jira.requests == []
