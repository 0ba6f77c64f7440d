"""Replicas' windows are read once per burst: concurrent callers share one read."""

from __future__ import annotations

import asyncio
from datetime import datetime

from adapters.slack.ratelimit import PLATFORM, RateLimitGate
from bot.flows.platform_pauses import PlatformPauses
from storage.store import SqlStore
from tests.conftest import StoreFactory
from tests.fakes.clock import FakeClock


class CountedPauses(PlatformPauses):
    """The real pauses, counting the reads of another replica's windows."""

    reads = 0

    async def until(self, method: str, *, now: datetime) -> datetime | None:
        self.reads += 1
        return await super().until(method, now=now)


async def test_callers_arriving_together_share_one_read_and_its_answer(
    store: SqlStore, store_factory: StoreFactory, clock: FakeClock
) -> None:
    theirs = RateLimitGate(PlatformPauses(await store_factory(), PLATFORM), clock, shared=True)
    pauses = CountedPauses(store, PLATFORM)
    mine = RateLimitGate(pauses, clock, shared=True)
    assert await asyncio.gather(*(mine.remaining("chat.update") for _ in range(5))) == [0] * 5
    assert pauses.reads == 1
    await theirs.pause("chat.update", 30)  # another replica is told to slow down
    clock.advance(seconds=10)
    found = await asyncio.gather(*(mine.remaining("chat.update") for _ in range(5)))
    assert found == [20] * 5 and pauses.reads == 2  # a new burst reads again, and sees it
