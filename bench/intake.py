"""Webhook intake (signed, validated, stored) in requests/s, against a bare aiohttp handler."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import sys
import tempfile
import time
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


async def measure(mode: str, requests: int, concurrency: int, workdir: Path) -> float:
    port = free_port()
    command = [sys.executable, "-m", "bench.servers", mode, "--port", str(port),
               "--database", f"sqlite:///{workdir / 'intake.db'}", "--secret", SECRET]
    process = await asyncio.create_subprocess_exec(*command)
    try:
        await wait_until_up(port, process)
        await load(port, min(200, requests), concurrency, f"warm-{mode}")  # warm up
        rate, failures = await load(port, requests, concurrency, f"run-{mode}")
        if failures:
            raise RuntimeError(f"{mode}: requests not accepted, by status: {failures}")
        return rate
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)


async def run(requests: int = 3000, concurrency: int = 16) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        bare = await measure("bare", requests, concurrency, Path(tmp))
        ratebot = await measure("ratebot", requests, concurrency, Path(tmp))
    return {"bare_rps": bare, "intake_rps": ratebot, "ratio": ratebot / bare}
