"""Pacing Web API calls within Slack's published rate-limit tiers, before Slack says 429.

Tier 2 methods (users.list) allow about 20 calls a minute, Tier 3 (users.lookupByEmail,
conversations.open) about 50, Tier 4 (users.info) about 100, with short bursts. A backlog
of prompts after an outage would otherwise hit 429 on every few calls and wait out each
Retry-After in turn. The directory sync asks for no burst and keeps a little under the
rate (`MARGIN`): a page that reaches Slack a moment early, after a slower one, costs a whole
second of Retry-After (and the sync restarts its pacer from the page that got through).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

TIER_2 = 20 / 60  # calls per second
TIER_3 = 50 / 60
TIER_4 = 100 / 60
BURST = 20
MARGIN = 0.97


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

    def restart(self) -> None:
        """The call it let through has just been answered: count the next wait from now.

        After a 429 the call went through a whole Retry-After later than its turn: the
        next one is spaced from then, or it would meet a bucket Slack has not refilled.
        """
        self._tokens = min(self._tokens, 0.0)
        self._updated = self.now()


def slack_pacers(
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> dict[str, Pacer]:
    """One bucket per paced method (Slack counts each method separately).

    `now` and `sleep` are the clock they keep time by (a benchmark runs it faster).
    """
    return {
        "users.list": Pacer(TIER_2 * MARGIN, burst=1, now=now, sleep=sleep),
        "users.lookupByEmail": Pacer(TIER_3, now=now, sleep=sleep),
        "conversations.open": Pacer(TIER_3, now=now, sleep=sleep),
        "users.info": Pacer(TIER_4, now=now, sleep=sleep),
    }
