"""The delivery worker: settling beside sending, and taking over from dead predecessors."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from app.delivery_worker import DeliveryWorker
from bot.domain.events import ConversationClosed
from bot.domain.messages import RatingPrompt
from bot.ports.chat import SendBegins
from bot.services import Services, Wakeup
from storage.schema import conversations, prompts
from tests.contract.support import accept_close
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.conftest import Close

LEASE = timedelta(minutes=1)


@dataclass
class SlowChat(FakeChat):
    """Takes its time over every send, until told to go on."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_prompt(
        self, prompt: RatingPrompt, *, begin: SendBegins | None = None
    ) -> str:
        self.started.set()
        await self.release.wait()
        return await super().send_prompt(prompt, begin=begin)


async def test_closes_are_decided_while_a_slow_platform_is_being_sent_to(
    close: Close, services: Services, clock: FakeClock, store_engine: AsyncEngine
) -> None:
    slow = SlowChat()
    slowed = replace(services, chats=(slow,))
    await close("T-1")
    worker = DeliveryWorker(slowed)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop, interval=0.05))
    try:
        await asyncio.wait_for(slow.started.wait(), 5)
        # A webhook accepts a close while the sender waits on the platform.
        accepted = datetime.now()
        await accept_close(slowed.store, _close_of("T-2", "kim@example.com", clock),
                           now=clock.now())
        slowed.wakeup.set()
        await _prompt_of(store_engine, "T-2", within=5.0)
        assert (datetime.now() - accepted).total_seconds() < 2
        assert slow.sent == []  # the first send is still under way
    finally:
        slow.release.set()
        stop.set()
        await asyncio.wait_for(running, 10)


def _close_of(ticket: str, email: str, clock: FakeClock) -> ConversationClosed:
    return ConversationClosed(
        source="generic", ticket_id=ticket, requester_email=email, team="servicedesk",
        closed_at=clock.now(), subject=None, agent_email=None,
    )


async def _prompt_of(engine: AsyncEngine, ticket: str, *, within: float) -> int:
    """The id of the ticket's prompt, once its close is decided."""
    query = (
        sa.select(prompts.c.id)
        .join(conversations, conversations.c.id == prompts.c.conversation_id)
        .where(conversations.c.external_id == ticket)
    )
    async with asyncio.timeout(within):
        while True:
            async with engine.connect() as connection:
                found = (await connection.execute(query)).scalar()
            if found is not None:
                return int(found)
            await asyncio.sleep(0.02)


async def worker_holding_the_prompts(
    services: Services, clock: FakeClock, *, host: str, pid: int
) -> DeliveryWorker:
    """A worker registered as process `pid` on `host`, holding every due prompt."""
    worker = DeliveryWorker(services, lease=LEASE)
    await worker.take_over_from_the_dead(host=host, pid=pid, alive=lambda _: True)
    await services.store.claim_due_prompts(
        now=clock.now(), limit=5, lease=LEASE, token=worker.instance + "0" * 16
    )
    return worker


async def test_a_restarted_worker_frees_at_once_what_its_dead_predecessor_held(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    await close("T-1")
    await worker_holding_the_prompts(services, clock, host="host-a", pid=1001)
    # The process is gone; a new one starts on the same host, well inside the lease.
    successor = DeliveryWorker(services, lease=LEASE)
    assert await successor.take_over_from_the_dead(
        host="host-a", pid=1002, alive=lambda pid: pid != 1001
    ) == 1
    await successor.run_once()
    assert len(chat.sent) == 1


async def test_claims_of_a_live_or_distant_worker_wait_for_their_lease(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    await close("T-1")
    await worker_holding_the_prompts(services, clock, host="host-a", pid=1001)
    elsewhere = DeliveryWorker(services, lease=LEASE)
    assert await elsewhere.take_over_from_the_dead(
        host="host-b", pid=1002, alive=lambda pid: False
    ) == 0
    beside = DeliveryWorker(services, lease=LEASE)
    # Another live process on the same host.
    assert await beside.take_over_from_the_dead(
        host="host-a", pid=1003, alive=lambda pid: True
    ) == 0
    await beside.run_once()
    assert chat.sent == []
    clock.advance(minutes=2)
    await beside.run_once()
    assert len(chat.sent) == 1


async def test_a_predecessor_with_our_own_pid_is_dead(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    # A container restarted: its one process has pid 1 again.
    await close("T-1")
    await worker_holding_the_prompts(services, clock, host="box", pid=1)
    successor = DeliveryWorker(services, lease=LEASE)
    assert await successor.take_over_from_the_dead(host="box", pid=1, alive=lambda pid: True) == 1


async def test_a_batch_keeps_its_claim_while_a_slow_platform_outlasts_the_lease(
    close: Close, services: Services, clock: FakeClock
) -> None:
    slow = SlowChat()
    slowed = replace(services, chats=(slow,))
    await close("T-1")
    lease = timedelta(seconds=0.3)  # renewed every 0.1 s
    sending = asyncio.create_task(DeliveryWorker(slowed, lease=lease).run_once())
    try:
        await asyncio.wait_for(slow.started.wait(), 5)
        for _ in range(2):  # past the first lease, with renewals in between
            clock.advance(seconds=0.25)
            await asyncio.sleep(0.35)
        # Another worker finds nothing to claim: the claim was renewed, not lapsed.
        assert await services.store.claim_due_prompts(
            now=clock.now(), limit=5, lease=lease
        ) == []
    finally:
        slow.release.set()
        await asyncio.wait_for(sending, 10)
    assert len(slow.sent) == 1


class Burst:
    """A monotonic clock and a sleep that moves it, with closes arriving for a while."""

    def __init__(self, services: Services, *, lasts: float) -> None:
        self.now, self.lasts = 100.0, lasts
        self.wakeup = Wakeup(monotonic=lambda: self.now)
        self.services = replace(services, wakeup=self.wakeup)
        self.wakeup.set()  # the burst's first close

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        started = self.now
        self.now += seconds
        if self.now - 100.0 < self.lasts:
            self.wakeup.set()  # another close arrived meanwhile
        assert self.now > started


async def test_settling_leaves_the_loop_to_a_burst_of_webhooks_until_it_is_over(
    services: Services,
) -> None:
    burst = Burst(services, lasts=1.0)
    worker = DeliveryWorker(burst.services, burst_gap=0.02, yield_for=5.0)
    assert await worker.yield_to_burst(asyncio.Event(), monotonic=burst.monotonic,
                                       sleep=burst.sleep)
    assert 1.0 <= burst.now - 100.0 < 1.1  # from the first close to just after the last


async def test_settling_yields_to_a_burst_for_a_bounded_time_only(services: Services) -> None:
    burst = Burst(services, lasts=60.0)
    worker = DeliveryWorker(burst.services, burst_gap=0.02, yield_for=5.0)
    assert not await worker.yield_to_burst(asyncio.Event(), monotonic=burst.monotonic,
                                           sleep=burst.sleep)
    assert 5.0 <= burst.now - 100.0 < 5.1  # then it settles, burst or not


async def test_ordinary_traffic_never_makes_settling_wait(services: Services) -> None:
    burst = Burst(services, lasts=0.0)
    burst.now += 0.3  # the last close came three tenths of a second ago
    worker = DeliveryWorker(burst.services, burst_gap=0.02)
    assert await worker.yield_to_burst(asyncio.Event(), monotonic=burst.monotonic,
                                       sleep=burst.sleep)
    assert burst.now == 100.3  # not a moment's wait


class YieldRecorder(DeliveryWorker):
    """A worker whose waits for bursts are recorded with what was sent by then, and which
    answers each wait as told: True (the burst ended) or False (it outlasted the bound)."""

    def __init__(self, services: Services, chat: FakeChat, answers: list[bool]) -> None:
        super().__init__(services)
        self.chat, self.answers = chat, answers
        self.waits: list[int] = []  # prompts sent when each wait began

    async def yield_to_burst(self, stop: asyncio.Event, **_: object) -> bool:
        self.waits.append(len(self.chat.sent))
        answer = self.answers.pop(0) if self.answers else True
        if not self.answers and len(self.waits) > 2:
            stop.set()
        return answer


async def test_sending_waits_out_a_burst_of_webhooks_before_its_round(
    close: Close, services: Services, chat: FakeChat
) -> None:
    await close("T-1")
    await close("T-2", "kim@example.com")
    worker = YieldRecorder(services, chat, answers=[True, True])
    await worker.settle()
    await asyncio.wait_for(worker._send_until(asyncio.Event(), interval=0.01), 5)
    assert worker.waits[0] == 0  # nothing went out before the burst was over
    assert len(chat.sent) == 2


async def test_a_backlog_goes_out_alongside_a_burst_that_outlasted_the_wait(
    close: Close, services: Services, chat: FakeChat
) -> None:
    for n in range(3):
        await close(f"T-{n}", f"p{n}@example.com")
    worker = YieldRecorder(services, chat, answers=[False, True])
    worker._batch_size = 1  # one prompt a round: a backlog of three rounds
    await worker.settle()
    await asyncio.wait_for(worker._send_until(asyncio.Event(), interval=0.01), 5)
    # Waited once, then sent the whole backlog before waiting for a burst again.
    assert worker.waits[:2] == [0, 3]
    assert len(chat.sent) == 3
