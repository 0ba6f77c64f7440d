"""Reconciliation over HTTP against fake helpdesk APIs: missed closes are found, once each."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.helpdesk.api.jira import JiraApi, JiraApiConfig
from adapters.helpdesk.api.zendesk import ZendeskApi, ZendeskApiConfig
from bot.domain.events import ConversationClosed
from bot.flows.asking import close_accepted, make_decider
from bot.flows.reconcile import ReconcileReport, reconcile
from bot.flows.settling import settle_closes
from bot.flows.source_mapping import TeamRouter
from bot.ports.helpdesk_api import ApiRefused, ApiUnavailable, SolvedPage
from bot.services import Services
from tests.fakes.clock import FakeClock
from tests.fakes.helpdesk_apis import FakeJira, FakeZendesk, basic, jira_issue, jira_user
from tests.flows.conftest import ADMIN

EMAIL, TOKEN = "agent@acme.example", "api-token"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
async def zendesk(clock: FakeClock) -> AsyncIterator[FakeZendesk]:
    fake = FakeZendesk(basic(f"{EMAIL}/token", TOKEN))
    fake.add_user(11, "Jan Jansen", "jan@example.com")
    fake.add_user(12, "Kees Klaassen", "kees@example.com")
    fake.add_user(22, "Piet Pieters", "piet@example.com")
    fake.add_group(5, "IT Support")
    solved = clock.now() - timedelta(hours=2)
    # 101's webhook never came; 102's did.
    fake.add_ticket(101, "solved", solved, requester=11, assignee=22, group=5, subject="VPN")
    fake.add_ticket(102, "solved", solved + timedelta(minutes=5), requester=12, assignee=22,
                    group=5, subject="Printer")
    async with fake.running():
        yield fake


@pytest.fixture
def route(services: Services) -> TeamRouter:
    return TeamRouter(services.store, default_team=None)


async def asked(services: Services, engine: AsyncEngine) -> list[str]:
    """Settle what was accepted, as the worker does; then every ticket with a prompt, by
    prompt (a ticket asked twice would be listed twice)."""
    await settle_closes(
        services.store, make_decider(services.policy, random.Random(1)),
        now=services.clock.now(), limit=50, max_attempts=3,
    )
    async with engine.connect() as connection:
        rows = await connection.execute(sa.text(
            "SELECT c.external_id FROM prompts p JOIN conversations c "
            "ON c.id = p.conversation_id"
        ))
        return sorted(row[0] for row in rows)


async def test_a_missed_close_becomes_one_prompt_and_one_that_came_both_ways_asks_once(
    services: Services, route: TeamRouter, zendesk: FakeZendesk, clock: FakeClock,
    store_engine: AsyncEngine,
) -> None:
    await services.store.map_group("zendesk", "IT Support", "servicedesk", actor=ADMIN,
                                   at=clock.now())
    webhook_close = ConversationClosed(
        source="zendesk", ticket_id="102", requester_email="kees@example.com",
        team="servicedesk", closed_at=clock.now(), subject="Printer",
        agent_email="piet@example.com",
    )
    assert await close_accepted(services, webhook_close)
    assert await asked(services, store_engine) == ["102"]

    api = ZendeskApi(ZendeskApiConfig(zendesk.url, EMAIL, TOKEN))
    try:
        report = await reconcile(services, api, route)
        assert report == ReconcileReport("zendesk", found=2, accepted=1, duplicates=1, pages=1)
        assert await asked(services, store_engine) == ["101", "102"]
        # The next round starts at the saved cursor: nothing new, nothing asked again.
        clock.advance(minutes=15)
        again = await reconcile(services, api, route)
    finally:
        await api.aclose()
    assert again == ReconcileReport("zendesk", pages=1)
    assert await asked(services, store_engine) == ["101", "102"]
    assert await services.store.poll_checkpoint("zendesk") is not None


async def test_a_dry_run_counts_and_accepts_nothing(
    services: Services, route: TeamRouter, zendesk: FakeZendesk, store_engine: AsyncEngine
) -> None:
    api = ZendeskApi(ZendeskApiConfig(zendesk.url, EMAIL, TOKEN))
    try:
        report = await reconcile(services, api, route, since=SINCE, dry_run=True)
    finally:
        await api.aclose()
    # No mapping and no default team: both are counted as unmapped, nothing stored.
    assert report == ReconcileReport("zendesk", found=2, unmapped=2, pages=1)
    assert await asked(services, store_engine) == []
    assert await services.store.poll_checkpoint("zendesk") is None


async def test_another_replica_polling_the_source_is_left_alone(
    services: Services, route: TeamRouter, zendesk: FakeZendesk, clock: FakeClock
) -> None:
    assert await services.store.claim_poll("zendesk", now=clock.now(), lease=timedelta(minutes=10))
    api = ZendeskApi(ZendeskApiConfig(zendesk.url, EMAIL, TOKEN))
    try:
        assert await reconcile(services, api, route) is None
    finally:
        await api.aclose()
    assert zendesk.requests == []


async def test_refused_credentials_stop_the_poll_and_free_the_source(
    services: Services, route: TeamRouter, zendesk: FakeZendesk, clock: FakeClock
) -> None:
    api = ZendeskApi(ZendeskApiConfig(zendesk.url, EMAIL, "wrong"))
    try:
        with pytest.raises(ApiRefused):
            await reconcile(services, api, route)
    finally:
        await api.aclose()
    assert await services.store.claim_poll("zendesk", now=clock.now(),
                                           lease=timedelta(minutes=10))


async def test_a_jira_cloud_close_found_by_the_poll_is_asked(
    services: Services, route: TeamRouter, clock: FakeClock, store_engine: AsyncEngine
) -> None:
    await services.store.map_group("jira", "ITSM", "servicedesk", actor=ADMIN, at=clock.now())
    jira = FakeJira(basic(EMAIL, TOKEN))
    jan = jira_user("qm:jan", "Jan Jansen", None, customer=True)
    jira.add_user(jan, hidden_email="jan@example.com")
    jira.issues = [jira_issue("ITSM-7", reporter=jan, assignee=None,
                              resolved=clock.now() - timedelta(hours=1))]
    async with jira.running():
        api = JiraApi(JiraApiConfig(jira.url, email=EMAIL, api_token=TOKEN))
        try:
            report = await reconcile(services, api, route)
        finally:
            await api.aclose()
    assert report == ReconcileReport("jira", found=1, accepted=1, pages=1)
    assert await asked(services, store_engine) == ["ITSM-7"]


class BreaksOnce:
    """A connected API whose `solved_since` fails once, on its `fail_on`-th call."""

    def __init__(self, api: ZendeskApi, fail_on: int) -> None:
        self.source = api.source
        self._api = api
        self._calls = 0
        self._fail_on = fail_on

    async def person_email(self, person_id: str) -> str | None:
        return await self._api.person_email(person_id)

    async def group_name(self, group_id: str) -> str | None:
        return await self._api.group_name(group_id)

    def checkpoint_at(self, since: datetime) -> str:
        return self._api.checkpoint_at(since)

    async def solved_since(self, checkpoint: str) -> SolvedPage:
        self._calls += 1
        if self._calls == self._fail_on:
            raise ApiUnavailable("zendesk API asks to wait 600s (429)", retry_after=600)
        return await self._api.solved_since(checkpoint)

    async def aclose(self) -> None:
        await self._api.aclose()


async def test_a_poll_cut_short_goes_on_from_its_last_page(
    services: Services, route: TeamRouter, zendesk: FakeZendesk, clock: FakeClock,
    store_engine: AsyncEngine,
) -> None:
    await services.store.map_group("zendesk", "IT Support", "servicedesk", actor=ADMIN,
                                   at=clock.now())
    for n in range(3):  # five solved tickets: three pages of two
        zendesk.add_ticket(110 + n, "solved", clock.now() - timedelta(minutes=50 - n),
                           requester=11, assignee=22, group=5, subject=f"More {n}")
    api = BreaksOnce(ZendeskApi(ZendeskApiConfig(zendesk.url, EMAIL, TOKEN)), fail_on=2)
    try:
        with pytest.raises(ApiUnavailable):
            await reconcile(services, api, route)
        first = await asked(services, store_engine)
        clock.advance(minutes=15)
        report = await reconcile(services, api, route)
    finally:
        await api.aclose()
    assert len(first) == 2  # the first page was accepted before the API failed
    assert report is not None and report.accepted == 3 and report.duplicates == 0
    assert await asked(services, store_engine) == ["101", "102", "110", "111", "112"]
