"""What the benchmarks share: timing, percentiles and a server on a free loopback port."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web


async def best_of(times: int, job: Callable[[], Awaitable[object]]) -> float:
    """The fastest of `times` runs, in seconds: the least disturbed by a noisy machine."""
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        await job()
        best = min(best, time.perf_counter() - started)
    return best


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def serve(app: web.Application, path: str) -> tuple[web.AppRunner, str]:
    """Run `app` on 127.0.0.1 at a free port; return the runner and the URL of `path`."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}{path}"
