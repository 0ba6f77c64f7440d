"""Another process holding SQLite's write lock never stops the server's event loop.

SQLite statements run on the event loop. A statement that waited there for a lock held by
another process (a `ratebot` command, a backup, an admin's `sqlite3` shell) would stop
every request, the health checks included, for as long as the busy timeout. Here a real
second process holds the lock while a served ratebot takes webhooks and probes.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from adapters.helpdesk.generic import sign
from app.bootstrap import Ratebot
from app.runtime import tune_garbage_collector
from bot.domain.errors import StoreUnavailable
from storage.schema import conversations, prompts
from tests.contract.support import accept_close, closed
from tests.e2e.support import CLOSE, SECRET, generic_ratebot, running, served
from tests.fakes.clock import FakeClock

pytestmark = pytest.mark.faults

# Far below Slack's three seconds; the lock wait itself is one second.
WEBHOOK_BUDGET = 2.5
HEALTH_BUDGET = 0.2
# Long enough to settle what the released database holds; a failure, not a wait, if hit.
DECIDED_WITHIN = 10.0

# A second process: takes the write lock (waiting for it if ratebot holds it that moment),
# writes without committing, says so, and keeps it until its stdin closes.
_HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
connection.execute("BEGIN " + sys.argv[2])
connection.execute("UPDATE teams SET display_name = display_name")
print("locked", flush=True)
sys.stdin.read()
connection.execute("ROLLBACK")
"""


@pytest.fixture
def engine_name() -> str:
    return "sqlite"  # SQLite's lock; PostgreSQL statements never run on the event loop


@pytest.fixture
async def ratebot(database_url: str, clock: FakeClock) -> AsyncIterator[Ratebot]:
    async with running(generic_ratebot(database_url, clock)) as ratebot:
        yield ratebot


@pytest.fixture
def collector_as_served() -> Iterator[None]:
    """The garbage collector tuned as `serve` tunes it, then put back.

    The latencies measured are the server's: a full collection of everything the test
    run has loaded would pause the event loop for a tenth of a second or more.
    """
    thresholds = gc.get_threshold()
    tune_garbage_collector()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


class Holder:
    """The second process, holding the lock until `release()`."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    async def release(self) -> None:
        if self._process.returncode is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            assert await asyncio.wait_for(self._process.wait(), timeout=10) == 0


@asynccontextmanager
async def lock_held(database_url: str, mode: str) -> AsyncIterator[Holder]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _HOLDER, database_url.removeprefix("sqlite:///"), mode,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    holder = Holder(process)
    try:
        assert process.stdout is not None
        assert await asyncio.wait_for(process.stdout.readline(), timeout=10) == b"locked\n"
        yield holder
    finally:
        await holder.release()


@asynccontextmanager
async def worker_running(ratebot: Ratebot) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    worker = asyncio.create_task(ratebot.worker.run(stop, interval=0.05))
    try:
        yield worker
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=10)


def signed(ticket: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({**CLOSE, "ticket_id": ticket}).encode()
    return body, {"X-Ratebot-Signature": sign(body, SECRET), "Content-Type": "application/json"}


async def timed(request: Any) -> tuple[float, Any]:
    started = time.monotonic()
    response = await request
    await response.read()
    return time.monotonic() - started, response


async def probe_health(client: TestClient[Any, Any], stop: asyncio.Event) -> list[float]:
    """`/healthz` latencies, one probe after another until `stop`."""
    latencies: list[float] = []
    while not stop.is_set():
        latency, response = await timed(client.get("/healthz"))
        assert response.status == 200
        latencies.append(latency)
        await asyncio.sleep(0.02)  # a probe's period, not a wait for time to pass
    return latencies


async def attempts_of(ratebot: Ratebot, ticket: str) -> int:
    async with ratebot.services.store.engine.connect() as connection:  # type: ignore[attr-defined]
        found = await connection.execute(
            sa.select(conversations.c.pending_attempts).where(
                conversations.c.external_id == ticket
            )
        )
        return int(found.scalar_one())


async def decided(ratebot: Ratebot) -> int:
    async with ratebot.services.store.engine.connect() as connection:  # type: ignore[attr-defined]
        return int((await connection.execute(sa.select(sa.func.count()).select_from(prompts)))
                   .scalar_one())


@pytest.mark.parametrize("mode", ["IMMEDIATE", "EXCLUSIVE"])
@pytest.mark.usefixtures("collector_as_served")
async def test_a_lock_held_elsewhere_answers_503_fast_and_health_stays_instant(
    ratebot: Ratebot, database_url: str, mode: str
) -> None:
    store, clock = ratebot.services.store, ratebot.services.clock
    tickets = [f"LOCKED-{n}" for n in range(5)]
    async with served(ratebot) as client:
        assert await accept_close(store, closed("BEFORE"), now=clock.now())
        async with lock_held(database_url, mode) as lock, worker_running(ratebot) as worker:
            stop_probing = asyncio.Event()
            probing = asyncio.create_task(probe_health(client, stop_probing))
            webhooks = [
                timed(client.post("/webhooks/generic", data=body, headers=headers))
                for body, headers in map(signed, tickets)
            ]
            (ready_latency, ready), *posted = await asyncio.gather(
                timed(client.get("/readyz")), *webhooks
            )
            # A round fails as a whole and counts nothing against the close it could not do.
            with pytest.raises(StoreUnavailable):
                await ratebot.worker.settle()
            assert await attempts_of(ratebot, "BEFORE") == 0
            # Readers need no lock: a read is answered while it is held.
            started = time.monotonic()
            assert await store.get_team("servicedesk") is not None
            read_latency = time.monotonic() - started
            stop_probing.set()
            health = await probing

            assert ready.status == 503 and ready_latency < WEBHOOK_BUDGET
            for latency, response in posted:
                assert response.status == 503
                assert int(response.headers["Retry-After"]) > 0
                assert latency < WEBHOOK_BUDGET
            assert read_latency < HEALTH_BUDGET
            assert len(health) >= 3 and max(health) < HEALTH_BUDGET, health

            # Released: the senders' retries are accepted and everything is decided, by
            # the worker that ran through the lock.
            await lock.release()
            for body, headers in map(signed, tickets):
                response = await client.post("/webhooks/generic", data=body, headers=headers)
                assert response.status == 202
            assert (await client.get("/readyz")).status == 200
            deadline = time.monotonic() + DECIDED_WITHIN
            while await decided(ratebot) < len(tickets) + 1:
                assert time.monotonic() < deadline, "the accepted closes were not decided"
                await asyncio.sleep(0.01)
            assert not worker.done()
