"""Webhook intake (signed, validated, stored) in requests/s, against a bare aiohttp handler."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import socket
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def body_for(number: int, run: str) -> bytes:
    return json.dumps({
        "ticket_id": f"{run}-{number}",
        "requester_email": f"person{number}@example.com",
        "agent": "agent@example.com",
        "team": ("servicedesk", "infra", "appdev")[number % 3],
        "subject": "Printer on the third floor",
        "closed_at": "2026-11-26T10:00:00Z",
    }).encode()


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


async def wait_until_up(port: int, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError("the benchmark server exited early")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError("the benchmark server did not start")


async def load(
    port: int, requests: int, concurrency: int, run: str
) -> tuple[float, dict[int, int]]:
    """Send `requests` signed webhooks; return (requests per second, failures by status)."""
    bodies = [body_for(n, run) for n in range(requests)]
    url = f"http://127.0.0.1:{port}/webhooks/generic"
    failures: dict[int, int] = {}
    queue = iter(range(requests))

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        for number in queue:
            body = bodies[number]
            headers = {"Content-Type": "application/json", "X-Ratebot-Signature": sign(body)}
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status != 202:
                    failures[response.status] = failures.get(response.status, 0) + 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return requests / elapsed, failures


def settled_count(database: Path, run: str) -> int:
    """How many of the run's closes have their decision stored (a prompt), read aside."""
    with contextlib.closing(sqlite3.connect(database, timeout=5)) as connection:
        row = connection.execute(
            "SELECT COUNT(*) FROM prompts JOIN conversations"
            " ON conversations.id = prompts.conversation_id"
            " WHERE conversations.external_id LIKE ?",
            (f"{run}-%",),
        ).fetchone()
    return int(row[0])


async def wait_settled(database: Path, run: str, requests: int, limit: float = 120) -> float:
    """Seconds until every accepted close of `run` is settled, polled from outside."""
    started = time.perf_counter()
    while settled_count(database, run) < requests:
        if time.perf_counter() - started > limit:
            raise RuntimeError(f"closes of {run} not settled after {limit:.0f} s")
        await asyncio.sleep(0.005)
    return time.perf_counter() - started


# The load client and the servers each get a core of their own (where there are two):
# left to the scheduler, a server sometimes shared the client's core for a whole round,
# and the figures of one run differed by a third from the next.
CLIENT_CPU, SERVER_CPU = 0, 1


# The cores this process may use, read before it pins itself to the client's: read after,
# they would be the client's core alone, and no server would ever get its own.
CPUS = frozenset(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else frozenset()


def pin(pid: int, cpu: int) -> None:
    if cpu in CPUS:
        os.sched_setaffinity(pid, {cpu})


@asynccontextmanager
async def server(mode: str, workdir: Path) -> AsyncIterator[tuple[int, Path]]:
    """One benchmark server in its own process: (port, database file)."""
    port = free_port()
    database = workdir / f"intake-{mode}.db"
    command = [sys.executable, "-m", "bench.servers", mode, "--port", str(port),
               "--database", f"sqlite:///{database}", "--secret", SECRET]
    process = await asyncio.create_subprocess_exec(*command)
    try:
        pin(process.pid, SERVER_CPU)
        await wait_until_up(port, process)
        await load(port, 200, 16, f"warm-{mode}")
        yield port, database
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)


async def measure(
    port: int, database: Path, run: str, requests: int, concurrency: int, *, settles: bool
) -> tuple[float, float]:
    """(accepted requests/s, seconds from the last 202 until all were settled, or 0)."""
    rate, failures = await load(port, requests, concurrency, run)
    if failures:
        raise RuntimeError(f"{run}: requests not accepted, by status: {failures}")
    return rate, await wait_settled(database, run, requests) if settles else 0.0


async def run(requests: int = 3000, concurrency: int = 16, rounds: int = 5) -> dict[str, float]:
    """The ratio of accepted webhooks/s, and how fast the worker settles them meanwhile.

    The baseline verifies the same HMAC and parses the same JSON (`bench.servers`), so the
    ratio is what storing each close durably, validated, costs on top of that.

    Both servers run side by side and take turns for `rounds` rounds; the best round of
    each counts, as in `bench.support.best_of`, so both get the same share of whatever
    else the machine is doing. `settled_rps` counts from the first request to the last
    close settled, so it is the rate the server decides at while taking that load;
    `settle_lag_s` is how long after the last 202 the last decision was stored.
    """
    bare, best = 0.0, (0.0, 0.0)
    allowed = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    pin(0, CLIENT_CPU)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with server("bare", Path(tmp)) as (bare_port, bare_db), \
                    server("ratebot", Path(tmp)) as (port, database):
                for round_ in range(rounds):
                    measured, _ = await measure(bare_port, bare_db, f"bare{round_}", requests,
                                                concurrency, settles=False)
                    bare = max(bare, measured)
                    best = max(best, await measure(port, database, f"run{round_}", requests,
                                                   concurrency, settles=True))
    finally:
        if allowed is not None:  # the caller (a test run, other benchmarks) gets its cores back
            os.sched_setaffinity(0, allowed)
    rate, lag = best
    return {
        "bare_rps": bare,
        "intake_rps": rate,
        "ratio": rate / bare,
        "settled_rps": requests / (requests / rate + lag),
        "settle_lag_s": lag,
    }
