"""Self-installation through Microsoft Graph: a person Teams cannot reach gets the app
installed, then the prompt, in the chat the installation opened; a refusal (403) fails
the delivery once, saying which permission is missing, and nothing asks Graph again.

Real botbuilder talks to the fake connector; the installer talks to the fake Graph and
sign-in service over HTTP.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.app import make_adapter, teams_routes
from adapters.teams.graph import PERMISSION
from adapters.teams.outbound import TeamsChat
from app.bootstrap import Ratebot, policy_from
from app.chart import MatplotlibCharts
from app.delivery_worker import DeliveryWorker
from app.metrics import Metrics
from app.platforms import graph_installer, teams_config
from app.settings import load_settings
from bot.domain.identity import PersonIdentity
from bot.domain.model import PromptStatus
from bot.flows.delivery import NOT_INSTALLED
from bot.services import Services
from storage.engine import create_engine
from storage.store import SqlStore
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import ALERT_CHANNEL, JAN, KLAAS, PIET, TENANT, Teams
from tests.e2e.teams.test_prompts import close_for, setup_team
from tests.fakes.bot_connector import FakeConnector
from tests.fakes.clock import FakeClock
from tests.fakes.microsoft_graph import (
    CATALOG_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    FakeGraph,
    running_graph,
)


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with running_graph() as running:
        yield running


def settings_for(database_url: str, graph: FakeGraph, **extra: str) -> dict[str, str]:
    return {"RATEBOT_DATABASE_URL": database_url, "MicrosoftAppTenantId": TENANT,
            "RATEBOT_TEAMS_SELF_INSTALL": "true", "RATEBOT_TEAMS_APP_CATALOG_ID": CATALOG_ID,
            "RATEBOT_GRAPH_URL": graph.graph_url, "RATEBOT_LOGIN_URL": graph.url, **extra}


@pytest.fixture
async def bot(
    database_url: str, clock: FakeClock, connector: FakeConnector, graph: FakeGraph
) -> AsyncIterator[TeamsBotUnderTest]:
    """The Teams bot with self-installation on. The Bot Framework side runs without a token
    (the fake connector takes none); the installer signs in to the fake Graph."""
    settings = load_settings(settings_for(database_url, graph))
    credentials = load_settings(settings_for(
        database_url, graph, MicrosoftAppId=CLIENT_ID, MicrosoftAppPassword=CLIENT_SECRET))
    installer = graph_installer(credentials, clock)
    assert installer is not None
    store = SqlStore(create_engine(database_url))
    config = teams_config(settings)
    chat = TeamsChat(make_adapter(config), store, clock, app_id=None, tenant_id=TENANT,
                     installer=installer)
    charts, metrics = MatplotlibCharts(), Metrics()
    services = Services(store=store, clock=clock, policy=policy_from(settings), chats=(chat,),
                        rng=random.Random(7), charts=charts, telemetry=metrics)
    ratebot = Ratebot(settings=settings, services=services, worker=DeliveryWorker(services),
                      metrics=metrics)
    app = web.Application()
    app.router.add_routes(teams_routes(config, services))
    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield TeamsBotUnderTest(ratebot, chat, Teams(client, connector), clock)
    finally:
        await client.close()
        await chat.aclose()
        await store.close()


async def known_but_not_installed(bot: TeamsBotUnderTest) -> None:
    """Klaas is known by his ids (a channel told them) but does not have the app."""
    await setup_team(bot)
    await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)  # the service URL comes from here
    await bot.services.store.upsert_person(PersonIdentity(
        email=KLAAS.email, teams_user_id=KLAAS.teams_id, teams_aad_object_id=KLAAS.aad,
        teams_tenant_id=TENANT))
    bot.teams.connector.not_installed.add(KLAAS.teams_id)


async def test_an_unreachable_person_gets_the_app_installed_and_then_the_prompt(
    bot: TeamsBotUnderTest, graph: FakeGraph
) -> None:
    await known_but_not_installed(bot)

    prompt = await close_for(bot, KLAAS.email)

    assert prompt.status is PromptStatus.SENT, prompt.reason
    [token] = graph.of("POST", "/oauth2/v2.0/token")
    assert token.path == f"/{TENANT}/oauth2/v2.0/token"  # the person's own tenant
    assert token.body["grant_type"] == "client_credentials"
    assert token.body["scope"].endswith("/.default")
    [install] = graph.of("POST", f"/users/{KLAAS.aad}/teamwork/installedApps")
    assert install.authorization == f"Bearer graph-token-for-{TENANT}"
    assert install.body == {
        "teamsApp@odata.bind": f"{graph.graph_url}/appCatalogs/teamsApps/{CATALOG_ID}"}
    [listed] = graph.of("GET", "/teamwork/installedApps")
    assert listed.query == {"$expand": "teamsApp",
                            "$filter": f"teamsApp/id eq '{CATALOG_ID}'"}
    chat = graph.chat_of(KLAAS.aad)
    [card] = bot.teams.connector.sent_to(chat)
    assert card.body["attachments"][0]["contentType"].endswith("card.adaptive")

    # The chat is kept: the next prompt goes straight there, without Graph.
    asked_before = len(graph.calls)
    bot.clock.advance(days=30)
    again = await close_for(bot, KLAAS.email, ticket="INC-2")
    assert again.status is PromptStatus.SENT, again.reason
    assert len(graph.calls) == asked_before
    assert len(bot.teams.connector.sent_to(chat)) == 2


async def test_someone_known_only_by_email_is_installed_by_sign_in_name(
    bot: TeamsBotUnderTest, graph: FakeGraph
) -> None:
    await setup_team(bot)
    await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)  # Jan is in no roster the bot reads
    prompt = await close_for(bot, JAN.email)
    assert prompt.status is PromptStatus.SENT, prompt.reason
    assert graph.of("POST", f"/users/{JAN.email}/teamwork/installedApps")
    assert bot.teams.connector.sent_to(graph.chat_of(JAN.email))


async def test_an_app_installed_already_is_found_and_used(
    bot: TeamsBotUnderTest, graph: FakeGraph
) -> None:
    await known_but_not_installed(bot)
    graph.installed[KLAAS.aad] = "installation-by-policy"  # Graph answers 409
    prompt = await close_for(bot, KLAAS.email)
    assert prompt.status is PromptStatus.SENT, prompt.reason
    assert bot.teams.connector.sent_to(graph.chat_of(KLAAS.aad))


async def test_without_the_permission_the_delivery_fails_saying_so_and_nothing_loops(
    bot: TeamsBotUnderTest, graph: FakeGraph
) -> None:
    await known_but_not_installed(bot)
    graph.forbidden = True

    prompt = await close_for(bot, KLAAS.email)

    assert prompt.status is PromptStatus.FAILED
    assert prompt.reason is not None and PERMISSION in prompt.reason
    assert NOT_INSTALLED.removesuffix(" for this person") in prompt.reason
    assert len(graph.of("POST", "/teamwork/installedApps")) == 1
    # Another unreachable person in the same tenant: the refusal is remembered.
    await bot.services.store.upsert_person(PersonIdentity(
        email=JAN.email, teams_user_id=JAN.teams_id, teams_tenant_id=TENANT))
    bot.teams.connector.not_installed.add(JAN.teams_id)
    other = await close_for(bot, JAN.email, ticket="INC-2")
    assert other.status is PromptStatus.FAILED and other.reason == prompt.reason
    bot.clock.advance(seconds=3600 * 2)
    await bot.ratebot.worker.run_once()
    assert len(graph.of("POST", "/teamwork/installedApps")) == 1  # never asked again


def test_self_installation_is_wired_only_when_asked_for_and_complete(
    graph: FakeGraph, clock: FakeClock
) -> None:
    full = settings_for("sqlite:///x.db", graph, MicrosoftAppId=CLIENT_ID,
                        MicrosoftAppPassword=CLIENT_SECRET)
    installer = graph_installer(load_settings(full), clock)
    assert installer is not None and installer.config.catalog_id == CATALOG_ID
    off = {**full, "RATEBOT_TEAMS_SELF_INSTALL": "false"}
    assert graph_installer(load_settings(off), clock) is None
    half = {key: value for key, value in full.items() if key != "RATEBOT_TEAMS_APP_CATALOG_ID"}
    assert load_settings(half).incomplete_platforms() == [
        "RATEBOT_TEAMS_SELF_INSTALL is set without RATEBOT_TEAMS_APP_CATALOG_ID"]
