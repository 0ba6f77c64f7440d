"""Delivery, exactly once: lost claims, sends in doubt and platforms that say "slow down"."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.events import ConversationClosed
from bot.domain.messages import RatingPrompt
from bot.domain.model import PromptStatus
from bot.flows.delivery import DeliveryWorker
from bot.ports.chat import PermanentDeliveryError, RateLimited, SendBegins, TransientDeliveryError
from bot.services import Services
from storage.schema import conversations, prompts
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.conftest import Close

LEASE = timedelta(minutes=1)


async def test_a_worker_whose_claim_was_taken_over_does_not_send(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    outcome = await close("T-1")
    store = services.store
    # A first worker claimed the prompt and stalled past its lease; a second took it.
    (stalled,) = await store.claim_due_prompts(now=clock.now(), limit=5, lease=LEASE,
                                               token="a" * 32)
    clock.advance(minutes=2)
    await DeliveryWorker(services, lease=LEASE).run_once()
    assert [p.prompt_id for p in chat.sent] == [outcome.prompt.id]
    # The stalled worker wakes up and tries to send what it claimed.
    await DeliveryWorker(services, lease=LEASE)._send_batch([stalled], "a" * 32)
    assert len(chat.sent) == 1


async def test_a_send_that_arrived_before_a_crash_is_recorded_not_repeated(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    outcome = await close("T-1")
    # The post reached the platform; the answer never came back (a time-out).
    chat.fail_next(TransientDeliveryError("slack: TimeoutError", in_doubt=True))
    worker = DeliveryWorker(services)
    await worker.run_once()
    assert len(chat.sent) == 1
    prompt = await services.store.get_prompt(outcome.prompt.id)
    assert prompt is not None and prompt.status is PromptStatus.PENDING
    assert prompt.sending_since is not None
    clock.advance(hours=2)
    await worker.run_once()
    assert chat.lookups == [outcome.prompt.id]
    assert len(chat.sent) == 1
    sent = await services.store.get_prompt(outcome.prompt.id)
    assert sent is not None and sent.status is PromptStatus.SENT
    assert sent.message_ref == chat.arrived[outcome.prompt.id]


async def test_a_send_in_doubt_goes_out_again_where_the_platform_cannot_tell(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    outcome = await close("T-1")
    chat.can_find = False  # like Teams: a bot cannot read its chats back
    chat.fail_next(TransientDeliveryError("teams: TimeoutError", in_doubt=True))
    worker = DeliveryWorker(services)
    await worker.run_once()
    clock.advance(hours=2)
    await worker.run_once()
    assert [p.prompt_id for p in chat.sent] == [outcome.prompt.id] * 2
    sent = await services.store.get_prompt(outcome.prompt.id)
    assert sent is not None and sent.status is PromptStatus.SENT


async def test_a_crash_between_claim_and_send_leaves_nothing_in_doubt(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    await close("T-1")
    await services.store.claim_due_prompts(now=clock.now(), limit=5, lease=LEASE)
    clock.advance(minutes=2)
    await DeliveryWorker(services, lease=LEASE).run_once()
    assert chat.lookups == [] and len(chat.sent) == 1


async def test_a_rate_limit_postpones_without_using_an_attempt(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    outcome = await close("T-1")
    chat.fail_next(*[RateLimited("slack: ratelimited", retry_after=30)] * 20)
    worker = DeliveryWorker(services)
    for _ in range(20):
        await worker.run_once()
        prompt = await services.store.get_prompt(outcome.prompt.id)
        assert prompt is not None and prompt.attempts == 0
        assert prompt.next_attempt_at == clock.now() + timedelta(seconds=30)
        assert prompt.status is PromptStatus.PENDING
        await worker.run_once()  # inside the window: nothing is tried
        clock.advance(seconds=30)
    await worker.run_once()
    assert [p.prompt_id for p in chat.sent] == [outcome.prompt.id]


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
        await slowed.store.accept_close(_close_of("T-2", "kim@example.com", clock), now=clock.now())
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


@dataclass
class BlindChat(FakeChat):
    """A platform whose history cannot be read (Slack without the im:history scope)."""

    lookup_error: Exception = field(
        default_factory=lambda: PermanentDeliveryError("slack: missing_scope")
    )

    async def find_prompt(self, prompt: RatingPrompt, *, since: datetime) -> str | None:
        self.lookups.append(prompt.prompt_id)
        raise self.lookup_error


async def test_a_send_in_doubt_that_can_never_be_checked_goes_out_again(
    close: Close, services: Services, clock: FakeClock
) -> None:
    blind = BlindChat()
    outcome = await close("T-1")
    blind.fail_next(TransientDeliveryError("slack: TimeoutError", in_doubt=True))
    worker = DeliveryWorker(replace(services, chats=(blind,)))
    await worker.run_once()
    clock.advance(hours=2)
    await worker.run_once()
    assert blind.lookups == [outcome.prompt.id]
    sent = await services.store.get_prompt(outcome.prompt.id)
    assert sent is not None and sent.status is PromptStatus.SENT


async def test_a_lookup_that_fails_for_now_is_tried_again_before_sending(
    close: Close, services: Services, clock: FakeClock
) -> None:
    blind = BlindChat(lookup_error=TransientDeliveryError("slack: internal_error"))
    outcome = await close("T-1")
    blind.fail_next(TransientDeliveryError("slack: TimeoutError", in_doubt=True))
    worker = DeliveryWorker(replace(services, chats=(blind,)))
    await worker.run_once()
    for _ in range(services.policy.max_delivery_attempts - 1):
        clock.advance(hours=1)  # past each back-off, within working hours
        await worker.run_once()
    # Asked on each later attempt while attempts were left; then sent once more.
    assert len(blind.lookups) == services.policy.max_delivery_attempts - 1
    assert len(blind.sent) == 2
    sent = await services.store.get_prompt(outcome.prompt.id)
    assert sent is not None and sent.status is PromptStatus.SENT
