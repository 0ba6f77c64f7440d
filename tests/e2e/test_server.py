"""The server over real HTTP: routes, health, metrics, and `serve`'s start and clean stop."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from adapters.helpdesk.generic import sign
from app.bootstrap import Ratebot, build
from app.server import serve
from app.settings import load_settings
from tests.e2e.support import (
    CLOSE,
    SECRET,
    generic_ratebot,
    running,
    served,
    snapshot,
    unchanged,
    unreachable_ratebot,
    webhook_count,
)
from tests.fakes.clock import FakeClock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def ratebot(database_url: str, clock: FakeClock) -> AsyncIterator[Ratebot]:
    async with running(generic_ratebot(database_url, clock)) as ratebot:
        yield ratebot


@pytest.fixture
async def unreachable(clock: FakeClock) -> AsyncIterator[Ratebot]:
    """A ratebot whose database server is down: nothing listens on 127.0.0.1:1."""
    async with running(unreachable_ratebot(clock, {"RATEBOT_WEBHOOK_SECRET": SECRET})) as down:
        yield down


def signed(payload: Any) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"X-Ratebot-Signature": sign(body, SECRET), "Content-Type": "application/json"}


# ---------------------------------------------------------------- routes


async def test_healthz_is_ok(client: TestClient[Any, Any]) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_is_ok_when_the_database_answers(client: TestClient[Any, Any]) -> None:
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "reachable"}


async def test_readyz_is_503_while_healthz_stays_ok_when_the_database_is_down(
    unreachable: Ratebot,
) -> None:
    async with served(unreachable) as client:
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert await ready.json() == {"status": "unavailable", "database": "unreachable"}
        assert (await client.get("/healthz")).status == 200


async def test_a_webhook_is_503_with_retry_after_when_the_database_is_down(
    unreachable: Ratebot,
) -> None:
    async with served(unreachable) as client:
        body, headers = signed(CLOSE)
        response = await client.post("/webhooks/generic", data=body, headers=headers)
        assert response.status == 503
        assert response.headers["Retry-After"] == "30"
        assert await response.json() == {"error": "database unavailable, retry later"}
    assert webhook_count(unreachable, "generic", "unavailable") == 1


async def test_an_unknown_source_is_404_naming_the_known_ones(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    async with unchanged(database_url):
        body, headers = signed(CLOSE)
        response = await client.post("/webhooks/no-such-desk", data=body, headers=headers)
        assert response.status == 404
        answer = await response.json()
        assert answer["error"] == "unknown webhook source 'no-such-desk'"
        assert "generic" in answer["known"]
        assert answer["known"] == sorted(answer["known"])


async def test_metrics_count_webhooks_by_source_and_outcome(
    client: TestClient[Any, Any], ratebot: Ratebot
) -> None:
    body, headers = signed(CLOSE)
    assert (await client.post("/webhooks/generic", data=body, headers=headers)).status == 202
    await ratebot.worker.settle()  # the decision, and its count, come from the worker
    assert (await client.post("/webhooks/generic", data=body, headers=headers)).status == 200
    assert (await client.post("/webhooks/generic", data=body)).status == 401
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(await response.text())
        for sample in family.samples
    }

    def webhooks(outcome: str) -> float | None:
        labels = (("outcome", outcome), ("source", "generic"))
        return samples.get(("ratebot_webhooks_total", labels))

    assert (webhooks("accepted"), webhooks("duplicate"), webhooks("unauthorized")) == (1, 1, 1)
    assert webhooks("invalid") is None
    # The flow's own counter is served from the same registry.
    assert samples[("ratebot_prompts_total", (("reason", ""), ("status", "pending")))] == 1


# ---------------------------------------------------------------- serve


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_until_healthy(port: int, alive: Any = None) -> None:
    """Poll /healthz until the server answers (bounded by the test timeout)."""
    async with aiohttp.ClientSession() as session:
        for _ in range(400):
            if alive is not None and not alive():
                raise AssertionError("the server exited before it answered /healthz")
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.025)  # polling for start-up, not waiting on a clock
    raise AssertionError("the server did not answer /healthz")


async def prepared_database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    async with running(build(load_settings({"RATEBOT_DATABASE_URL": url}))) as ratebot:
        await ratebot.services.store.add_team(
            "servicedesk", display_name="Service Desk", actor="test", at=FakeClock().now()
        )
    return url


async def post_close(port: int) -> int:
    """The status a server on `port` answers the signed generic close with."""
    async with aiohttp.ClientSession() as session:
        body, headers = signed(CLOSE)
        async with session.post(
            f"http://127.0.0.1:{port}/webhooks/generic", data=body, headers=headers
        ) as response:
            return response.status


async def test_serve_runs_until_stopped_then_releases_the_port(tmp_path: Path) -> None:
    url = await prepared_database(tmp_path)
    port = free_port()
    settings = load_settings(
        {"RATEBOT_DATABASE_URL": url, "RATEBOT_PORT": str(port), "RATEBOT_WEBHOOK_SECRET": SECRET}
    )
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, stop=stop))
    await wait_until_healthy(port, alive=lambda: not server.done())
    assert await post_close(port) == 202
    stop.set()
    await asyncio.wait_for(server, timeout=10)
    with pytest.raises(OSError):  # nothing listens any more
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    # No chat platform is configured, so the prompt waits, pending, for the next start.
    (prompt,) = (await snapshot(url))["prompts"]
    assert prompt["status"] == "pending"


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_ratebot_serve_exits_cleanly_on_a_signal(
    tmp_path: Path, signum: signal.Signals
) -> None:
    url = await prepared_database(tmp_path)
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "RATEBOT_DATABASE_URL": url,
        "RATEBOT_PORT": str(port),
        "RATEBOT_WEBHOOK_SECRET": SECRET,
        "RATEBOT_DELIVERY_INTERVAL_SECONDS": "0.05",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli.main", "serve",
        cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await wait_until_healthy(port, alive=lambda: process.returncode is None)
        assert await post_close(port) == 202
        process.send_signal(signum)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = (stdout + stderr).decode()
    assert process.returncode == 0, log
    assert f"ratebot serving on http://127.0.0.1:{port} (database: sqlite)" in log
    assert SECRET not in log and "jan@example.com" not in log
    assert "Traceback" not in log
    (prompt,) = (await snapshot(url))["prompts"]
    assert prompt["status"] == "pending"  # un-sent work waits for the next start
