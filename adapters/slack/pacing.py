"""Pacing Web API calls within Slack's published rate-limit tiers, before Slack says 429.

Tier 3 methods (users.lookupByEmail, conversations.open) allow about 50 calls a minute,
Tier 4 (users.info) about 100, with short bursts. A backlog of prompts after an outage
would otherwise hit 429 on every few calls and wait out each Retry-After in turn.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

TIER_3 = 50 / 60  # calls per second
TIER_4 = 100 / 60
BURST = 20


@dataclass
class Pacer:
    """A token bucket: `rate` calls a second on average, up to `burst` at once."""

    rate: float
    burst: int = BURST
    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _tokens: float = field(init=False)
    _updated: float = field(init=False)
    _lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self._tokens = float(self.burst)
        self._updated = self.now()

    async def turn(self) -> None:
        """Wait until one more call fits; callers queue in order."""
        async with self._lock:
            moment = self.now()
            self._tokens = min(self.burst, self._tokens + (moment - self._updated) * self.rate)
            self._updated = moment
            if self._tokens < 1:
                await self.sleep((1 - self._tokens) / self.rate)
                self._tokens = 1.0
                self._updated = self.now()
            self._tokens -= 1


def slack_pacers() -> dict[str, Pacer]:
    """One bucket per paced method (Slack counts each method separately)."""
    return {
        "users.lookupByEmail": Pacer(TIER_3),
        "conversations.open": Pacer(TIER_3),
        "users.info": Pacer(TIER_4),
    }
