"""The Teams test graph: a store with the Teams queries, the fake connector, the endpoint."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.app import teams_chat, teams_routes
from adapters.teams.outbound import TeamsChat
from app.bootstrap import Ratebot, policy_from
from app.chart import MatplotlibCharts
from app.delivery_worker import DeliveryWorker
from app.metrics import Metrics
from app.platforms import teams_config
from app.server import build_app
from app.settings import load_settings
from bot.services import Services
from storage.engine import create_engine
from storage.store import SqlStore
from tests.e2e.teams.support import Teams
from tests.fakes.bot_connector import FakeConnector
from tests.fakes.clock import FakeClock


@dataclass
class TeamsBotUnderTest:
    ratebot: Ratebot
    chat: TeamsChat
    teams: Teams
    clock: FakeClock

    @property
    def services(self) -> Services:
        return self.ratebot.services


@asynccontextmanager
async def teams_bot(
    database_url: str, clock: FakeClock, connector: FakeConnector,
    environ: Mapping[str, str] | None = None, *, whole_server: bool = False,
) -> AsyncIterator[TeamsBotUnderTest]:
    """The Teams endpoint alone, or (`whole_server`) added to the server's one application."""
    settings = load_settings({"RATEBOT_DATABASE_URL": database_url, **(environ or {})})
    store = SqlStore(create_engine(database_url))
    charts, metrics = MatplotlibCharts(), Metrics()
    chat = teams_chat(teams_config(settings), store, clock, charts)
    services = Services(store=store, clock=clock, policy=policy_from(settings), chats=(chat,),
                        rng=random.Random(7), charts=charts, telemetry=metrics)
    ratebot = Ratebot(settings=settings, services=services, worker=DeliveryWorker(services),
                      metrics=metrics)
    if whole_server:
        app = build_app(ratebot)  # the server adds the Teams routes itself
    else:
        app = web.Application()
        app.router.add_routes(teams_routes(teams_config(settings), services))
    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield TeamsBotUnderTest(ratebot, chat, Teams(client, connector), clock)
    finally:
        await client.close()
        await store.close()
