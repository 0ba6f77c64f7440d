"""The rate-limit gate: a 429's window holds for every sender, and for every replica."""

from __future__ import annotations

from adapters.slack.ratelimit import DEFAULT_WINDOW_SECONDS, PLATFORM, RateLimitGate
from bot.flows.platform_pauses import PlatformPauses
from storage.store import SqlStore
from tests.conftest import StoreFactory
from tests.fakes.clock import FakeClock


async def test_a_window_closes_the_method_for_its_whole_length(
    store: SqlStore, clock: FakeClock
) -> None:
    gate = RateLimitGate(PlatformPauses(store, PLATFORM), clock, shared=False)
    assert await gate.remaining("chat.postMessage") == 0
    assert await gate.pause("chat.postMessage", 30) == 30
    assert await gate.remaining("chat.postMessage") == 30
    assert await gate.remaining("chat.update") == 0  # Slack limits each method apart
    clock.advance(seconds=29)
    assert await gate.remaining("chat.postMessage") == 1
    clock.advance(seconds=1)
    assert await gate.remaining("chat.postMessage") == 0


async def test_a_shorter_window_never_cuts_a_longer_one(
    store: SqlStore, clock: FakeClock
) -> None:
    gate = RateLimitGate(PlatformPauses(store, PLATFORM), clock, shared=False)
    await gate.pause("chat.postMessage", 30)
    await gate.pause("chat.postMessage", 2)
    assert await gate.remaining("chat.postMessage") == 30


async def test_a_429_without_retry_after_still_pauses(store: SqlStore, clock: FakeClock) -> None:
    gate = RateLimitGate(PlatformPauses(store, PLATFORM), clock, shared=False)
    await gate.pause("users.info", None)
    assert await gate.remaining("users.info") == DEFAULT_WINDOW_SECONDS


async def test_replicas_keep_each_others_windows(
    store: SqlStore, store_factory: StoreFactory, clock: FakeClock
) -> None:
    mine = RateLimitGate(PlatformPauses(store, PLATFORM), clock, shared=True)
    theirs = RateLimitGate(PlatformPauses(await store_factory(), PLATFORM), clock, shared=True)
    await mine.pause("chat.postMessage", 30)
    clock.advance(seconds=10)
    assert await theirs.remaining("chat.postMessage") == 20
    clock.advance(seconds=20)
    assert await theirs.remaining("chat.postMessage") == 0
