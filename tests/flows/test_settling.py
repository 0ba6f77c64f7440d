"""The worker settles what webhooks accepted: woken by the webhook, not by its interval."""

from __future__ import annotations

import asyncio
import dataclasses
import time

from app.delivery_worker import DeliveryWorker
from app.metrics import Metrics
from bot.domain.events import ConversationClosed
from bot.flows.asking import close_accepted
from bot.services import Services
from tests.contract.support import accept_close
from tests.fakes.clock import FakeClock


def closed(ticket: str, clock: FakeClock) -> ConversationClosed:
    return ConversationClosed(
        source="generic", ticket_id=ticket, requester_email="jan@example.com",
        team="servicedesk", closed_at=clock.now(), agent_email="piet@example.com",
    )


async def test_an_accepted_close_is_decided_moments_later_not_at_the_next_interval(
    services: Services, clock: FakeClock
) -> None:
    metrics = Metrics()
    services = dataclasses.replace(services, telemetry=metrics)
    stop = asyncio.Event()
    worker = asyncio.create_task(DeliveryWorker(services).run(stop, interval=60))
    try:
        await asyncio.sleep(0.05)  # the worker's first round finds nothing and waits
        started = time.monotonic()
        assert await close_accepted(services, closed("T-1", clock))
        while await services.store.get_prompt(1) is None:
            assert time.monotonic() - started < 5, "not settled: the wake-up was lost"
            await asyncio.sleep(0.005)
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=5)
    value = metrics.registry.get_sample_value(
        "ratebot_prompts_total", {"status": "pending", "reason": ""}
    )
    assert value == 1  # counted when it was decided


async def test_the_same_close_again_does_not_wake_the_worker(
    services: Services, clock: FakeClock
) -> None:
    assert await close_accepted(services, closed("T-1", clock))
    services.wakeup.clear()
    assert not await close_accepted(services, closed("T-1", clock))
    assert not await services.wakeup.wait(0)


async def test_a_backlog_is_worked_off_in_batches_that_let_requests_in_between(
    services: Services, clock: FakeClock
) -> None:
    for n in range(30):
        assert await accept_close(services.store, closed(f"T-{n}", clock), now=clock.now())
    stop = asyncio.Event()
    worker = asyncio.create_task(
        DeliveryWorker(services, settle_batch=10).run(stop, interval=60)
    )

    async def a_request_meanwhile() -> bool:
        # Runs when the worker lets the event loop go: SQLite statements run inline.
        return await services.store.get_prompt(30) is None

    try:
        last_still_undecided = await asyncio.create_task(a_request_meanwhile())
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=5)
    assert last_still_undecided  # it got in before the last batch was settled
