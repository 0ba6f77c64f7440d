"""What the webhook and server e2e tests share: a served ratebot, its database as a value."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer

from app.bootstrap import Ratebot, build
from app.delivery_worker import DeliveryWorker
from app.metrics import Metrics
from app.server import build_app
from app.settings import load_settings
from bot.services import Services
from storage.engine import create_engine
from storage.schema import metadata
from storage.store import open_store
from tests.fakes.clock import FakeClock

ADMIN = "test:admin"
# The generic webhook's secret and a close it accepts.
SECRET = "generic-webhook-test-secret"
CLOSE = {
    "ticket_id": "INC-1042",
    "requester_email": "jan@example.com",
    "agent": "piet@example.com",
    "team": "servicedesk",
    "subject": "Printer on the third floor",
    "closed_at": "2026-11-24T09:30:00Z",
}
# Nothing listens on 127.0.0.1:1: a database server that is down.
UNREACHABLE_POSTGRES = "postgresql://postgres@127.0.0.1:1/ratebot"

Rows = dict[str, list[dict[str, Any]]]


async def snapshot(database_url: str) -> Rows:
    """Every row of every table, in a stable order: the whole database as a value."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows: Rows = {}
            for table in metadata.sorted_tables:
                result = await conn.execute(sa.select(table).order_by(*table.primary_key.columns))
                rows[table.name] = [dict(row._mapping) for row in result]
            return rows
    finally:
        await engine.dispose()



@asynccontextmanager
async def unchanged(database_url: str) -> AsyncIterator[None]:
    """Asserts that what runs inside leaves every row of the database as it was."""
    before = await snapshot(database_url)
    yield
    assert await snapshot(database_url) == before


async def generic_ratebot(
    database_url: str, clock: FakeClock, *, secret: str | None = SECRET,
    rng: random.Random | None = None,
) -> Ratebot:
    """A ratebot taking generic webhooks signed with `secret`, with a `servicedesk` team."""
    env = {"RATEBOT_DATABASE_URL": database_url}
    if secret is not None:
        env["RATEBOT_WEBHOOK_SECRET"] = secret
    ratebot = await build(load_settings(env), clock=clock, rng=rng)
    store = ratebot.services.store
    if await store.get_team("servicedesk") is None:
        await store.add_team(
            "servicedesk", display_name="Service Desk", actor=ADMIN, at=clock.now()
        )
    return ratebot


async def unreachable_ratebot(clock: FakeClock, env: dict[str, str]) -> Ratebot:
    """A ratebot (configured by `env`) whose database server is down."""
    settings = load_settings({"RATEBOT_DATABASE_URL": UNREACHABLE_POSTGRES, **env})
    store = await open_store(settings.database_url, check_schema=False)
    metrics = Metrics()
    services = Services(store=store, clock=clock, telemetry=metrics)
    return Ratebot(settings=settings, services=services, worker=DeliveryWorker(services),
                   metrics=metrics)


@asynccontextmanager
async def running(ratebot: Awaitable[Ratebot]) -> AsyncIterator[Ratebot]:
    """The ratebot once built, closed on the way out whatever happened."""
    built = await ratebot
    try:
        yield built
    finally:
        await built.aclose()


@asynccontextmanager
async def served(ratebot: Ratebot) -> AsyncIterator[TestClient[Any, Any]]:
    """An HTTP client of the ratebot's real app, on a real local port."""
    async with TestClient(TestServer(build_app(ratebot))) as client:
        yield client


def webhook_count(ratebot: Ratebot, source: str, outcome: str) -> float:
    value = ratebot.metrics.registry.get_sample_value(
        "ratebot_webhooks_total", {"source": source, "outcome": outcome}
    )
    return value or 0.0
