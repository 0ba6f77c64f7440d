"""A worker killed between claiming and sending: the prompt is delivered exactly once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from app.delivery_worker import DeliveryWorker
from bot.domain.model import PromptStatus
from bot.services import Services
from storage.store import open_store
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.conftest import Close


async def test_pending_prompts_survive_a_crash_and_go_out_once(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock, database_url: str
) -> None:
    await close("T-1")
    await close("T-2", "kim@example.com")
    # The first process claims the prompts and dies before sending anything.
    claimed = await services.store.claim_due_prompts(
        now=clock.now(), limit=10, lease=timedelta(minutes=2)
    )
    assert len(claimed) == 2
    await services.store.close()

    # The restarted process opens the same database.
    store = await open_store(database_url)
    try:
        restarted = replace(services, store=store)
        worker = DeliveryWorker(restarted)
        await worker.run_once()
        assert chat.sent == []  # the dead worker's lease still holds
        clock.advance(minutes=2)
        await worker.run_once()
        await worker.run_once()
        assert sorted(p.recipient.email or "" for p in chat.sent) == [
            "jan@example.com", "kim@example.com"
        ]
        for item in claimed:
            prompt = await store.get_prompt(item.prompt.id)
            assert prompt is not None and prompt.status is PromptStatus.SENT
    finally:
        await store.close()


async def test_two_workers_never_send_the_same_prompt(
    close: Close, services: Services, chat: FakeChat, database_url: str
) -> None:
    for number in range(30):
        await close(f"T-{number}", f"person{number}@example.com")
    other_store = await open_store(database_url)
    try:
        first = DeliveryWorker(services, batch_size=7)
        second = DeliveryWorker(replace(services, store=other_store), batch_size=7)
        while True:
            handled = await asyncio.gather(first.run_once(), second.run_once())
            if sum(handled) == 0:
                break
        ids = [p.prompt_id for p in chat.sent]
        assert len(ids) == 30 and len(set(ids)) == 30
    finally:
        await other_store.close()
