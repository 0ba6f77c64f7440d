"""Run every benchmark: `python -m bench [name ...]`. Each prints ratios to its own baseline."""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Awaitable, Callable
from typing import Any

BENCHMARKS = {
    "intake": "bench.intake",  # webhook intake vs a bare aiohttp handler
    "stats": "bench.stats",  # stats over 1,000,000 ratings vs a bare COUNT
    "digest": "bench.digest",  # every team's digest, 100 teams, 1,000,000 ratings vs COUNT
    "slack_click": "bench.slack_click",  # Slack clicks vs bolt's own no-op action handler
    "teams_click": "bench.teams_click",  # Teams card clicks vs a botbuilder no-op bot
    "fanout": "bench.fanout",  # 10,000 first prompts under Slack's tiers vs their minimum
    "help": "bench.help",  # `ratebot --help` wall time vs `python -c pass`
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names:
        run: Callable[[], Awaitable[dict[str, Any]]] = importlib.import_module(
            BENCHMARKS[name]
        ).run
        figures = asyncio.run(run())
        shown = "  ".join(
            f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}"
            for key, value in figures.items()
        )
        print(f"{name:8} {shown}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
