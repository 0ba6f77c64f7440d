"""The delivery worker: the loops that settle closes and send prompts, beside the server.

The flows it runs are the core's (`bot.flows.delivery.Delivery`); here is only when
they run: settling woken by each accepted close, sending woken by new prompts, the lease
of a batch renewed while it is sent, and the claims of a dead predecessor freed at start.
Safe in several replicas at once (docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.decisions import DuePrompt, Postponed
from bot.flows.delivery import SETTLE_ATTEMPTS, Delivery
from bot.flows.reminding import send_reminders
from bot.flows.request_checks import send_request_checks
from bot.flows.settling import log_without_message
from bot.services import Services

log = logging.getLogger(__name__)

SETTLE_BATCH = 100
# How long a wake-up waits for more closes to settle with it: short against "ask while it
# is fresh", long enough that a busy server settles batches rather than single closes
# (`python -m bench intake`: 20 ms let each batch's fixed reads cost a tenth of intake).
GATHER_SECONDS = 0.1
# During a burst of closes (one accepted within BURST_GAP_SECONDS of the last) settling and
# sending leave the event loop to the webhooks, whose helpdesks wait on (and retry) slow
# answers, for at most YIELD_SECONDS; then they work off their backlog, burst or not. Ordinary
# traffic (a close every few tenths of a second) never makes it wait. The closes are
# stored before their 202, so waiting loses nothing: prompts are decided seconds later.
BURST_GAP_SECONDS = 0.02
YIELD_SECONDS = 5.0
# How often the sender looks for reminders due: plenty for a nudge measured in days.
REMIND_EVERY = timedelta(minutes=1)


class Sent(Protocol):
    """What a side job reports: how many it sent, and how many failed."""

    @property
    def sent(self) -> int: ...

    @property
    def failed(self) -> int: ...


class DeliveryWorker:
    """Settles accepted closes, then delivers stored prompts, until told to stop.

    Settling runs apart from sending, so a close accepted while a slow platform takes
    its time over a batch is decided at once all the same.
    """

    def __init__(
        self,
        services: Services,
        *,
        batch_size: int = 25,
        settle_batch: int = SETTLE_BATCH,
        settle_attempts: int = SETTLE_ATTEMPTS,
        gather_for: float = GATHER_SECONDS,
        burst_gap: float = BURST_GAP_SECONDS,
        yield_for: float = YIELD_SECONDS,
        lease: timedelta = timedelta(minutes=1),
        backoff_base: timedelta = timedelta(seconds=30),
        backoff_cap: timedelta = timedelta(hours=1),
    ) -> None:
        self._services = services
        self._batch_size = batch_size
        self._settle_batch = settle_batch
        self._gather_for = gather_for
        self._burst_gap, self._yield_for = burst_gap, yield_for
        self._lease = lease
        self._delivery = Delivery(
            services, settle_attempts=settle_attempts, backoff_base=backoff_base,
            backoff_cap=backoff_cap,
        )
        # Every claim token starts with it: a successor on this host can tell our claims.
        self.instance = secrets.token_hex(8)
        # Set when settling made prompts that may be due: the sender need not wait its
        # interval for them.
        self._prompts_ready = asyncio.Event()
        self._reminders_at: datetime | None = None  # the next look for reminders due

    async def run_once(self) -> int:
        """Settle accepted closes, expire old prompts and deliver one batch of due ones.

        Return how many prompts were delivered or expired (closes settled do not count).
        """
        await self._settle_logged()
        handled, _ = await self._send_round()
        return handled

    async def settle(self) -> int:
        """Decide one batch of accepted closes; return how many were taken up."""
        claimed, made_prompts = await self._delivery.settle(limit=self._settle_batch)
        if made_prompts:
            self._prompts_ready.set()
        return claimed

    async def settle_remaining(self, *, max_batches: int = 20) -> None:
        """On the way out: decide what was accepted; the rest waits for the next start."""
        try:
            for _ in range(max_batches):
                if await self.settle() < self._settle_batch:
                    return
        except Exception as error:
            log_without_message("settling accepted closes on shutdown failed", error, to=log)

    def backoff(self, attempts: int, retry_after: float | None) -> timedelta:
        """Exponential backoff with jitter, never sooner than the platform's Retry-After."""
        return self._delivery.backoff(attempts, retry_after)

    async def run(self, stop: asyncio.Event, *, interval: float = 2.0) -> None:
        """Work until `stop` is set. The batch in flight always finishes first.

        Settling sleeps `interval` seconds between rounds, or less when a webhook wakes
        it (`Services.wakeup`) because a close was accepted; sending wakes when settling
        made prompts, or after `interval`.
        """
        await self.take_over_from_the_dead()
        waking = asyncio.create_task(self._wake_on(stop), name="delivery-wake-on-stop")
        sending = asyncio.create_task(self._send_until(stop, interval), name="delivery-send")
        try:
            await self._settle_until(stop, interval)
        finally:
            stop.set()
            # A crashed sender re-raises here: `serve` exits non-zero and is restarted.
            await sending
            waking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waking

    async def take_over_from_the_dead(
        self, *, host: str | None = None, pid: int | None = None,
        alive: Callable[[int], bool] | None = None,
    ) -> int:
        """Register this worker; free at once what a dead predecessor on this host held.

        A worker killed mid-batch leaves its claims to run out their lease. When it is
        restarted on the same host, its successor can tell that it is gone (its process
        no longer exists, or has the successor's own pid) and need not wait. Workers on
        other hosts cannot be checked: their claims run out. Return how many were freed.
        """
        services, pid = self._services, pid or os.getpid()
        alive = alive or _process_exists
        try:
            others = await services.store.register_worker(
                self.instance, host=host or _host_identity(), pid=pid,
                now=services.clock.now(),
            )
            dead = [w.instance for w in others if w.pid == pid or not alive(w.pid)]
            released = await services.store.release_claims_of(dead)
        except Exception as error:
            # Not fatal: their leases run out all the same.
            log_without_message("taking over from dead workers failed", error, to=log)
            return 0
        if released:
            log.info("released %d prompts claimed by a worker that died", released)
        return released

    async def _settle_until(self, stop: asyncio.Event, interval: float) -> None:
        wakeup = self._services.wakeup
        may_yield = True
        while not stop.is_set():
            wakeup.clear()  # a close accepted from here on wakes the next wait
            more = await self._settle_logged() >= self._settle_batch
            if more:
                # SQLite statements run inline: without this, a backlog would hold the
                # event loop, and the requests waiting on it, until it is worked off.
                await asyncio.sleep(0)
                if may_yield:
                    may_yield = await self.yield_to_burst(stop)
            elif await wakeup.wait(interval) and not stop.is_set():
                # Woken by a close: let the closes of the next moment join it, so a
                # busy server settles batches rather than one close a round.
                await asyncio.sleep(self._gather_for)
                may_yield = await self.yield_to_burst(stop)

    async def yield_to_burst(
        self, stop: asyncio.Event, *, monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> bool:
        """Wait while a burst of closes goes on, at most `yield_for` seconds.

        False when the burst outlasted that bound: the backlog is then settled alongside
        the webhooks until it is worked off, before settling yields again.
        """
        wakeup, until = self._services.wakeup, monotonic() + self._yield_for
        while wakeup.busy(self._burst_gap) and not stop.is_set():
            if monotonic() >= until:
                return False
            await sleep(self._burst_gap)
        return True

    async def _send_until(self, stop: asyncio.Event, interval: float) -> None:
        ready = self._prompts_ready
        may_yield = True
        while not stop.is_set():
            ready.clear()
            if may_yield:
                # As settling does: prompts wait out a burst of webhooks, a bounded while,
                # then a backlog goes out alongside them until it is worked off.
                may_yield = await self.yield_to_burst(stop)
            more = False
            try:
                _, more = await self._send_round()
            except Exception as error:
                # One error boundary per job: log with context, keep the loop alive.
                log_without_message(
                    f"delivery round failed; retrying in {interval:.0f} s", error, to=log
                )
            if more:
                await asyncio.sleep(0)
                continue
            may_yield = True
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await ready.wait()

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._services.wakeup.set()
        self._prompts_ready.set()

    async def _settle_logged(self) -> int:
        try:
            return await self.settle()
        except Exception as error:
            # Delivery goes on: prompts already decided do not wait for settling.
            log_without_message("settling accepted closes failed", error, to=log)
            return 0

    async def _send_round(self) -> tuple[int, bool]:
        """Expire, then send one batch: (prompts handled, whether more are waiting)."""
        expired = await self._delivery.expire()
        if not self._services.chats:
            # Nothing could deliver them: prompts stay pending, due, until Slack or Teams
            # is configured (`serve` says so at start), instead of being claimed and put
            # back every few minutes.
            return expired, False
        await self._remind_when_due()
        await self._send_request_checks()
        token = self.instance + secrets.token_hex(8)
        due = await self._delivery.claim(token=token, limit=self._batch_size, lease=self._lease)
        if due:
            await self._send_batch(due, token)
        return expired + len(due), len(due) >= self._batch_size

    async def _remind_when_due(self) -> None:
        """Send the reminders due, once a `REMIND_EVERY`. Every replica may: the store's
        claim lets exactly one of them send each reminder (bot.flows.reminding)."""
        now = self._services.clock.now()
        if self._reminders_at is not None and now < self._reminders_at:
            return
        self._reminders_at = now + REMIND_EVERY
        # Prompts go out all the same if it fails; the next look tries the reminders again.
        await self._side_job("reminders", lambda: send_reminders(self._services))

    async def _send_request_checks(self) -> None:
        """Mutual rating's checks, each round: the agent has just closed the conversation.
        Every replica may: the store's claim lets one send each (bot.flows.request_checks)."""
        await self._side_job("request checks", lambda: send_request_checks(self._services))

    async def _side_job(self, what: str, job: Callable[[], Awaitable[Sent]]) -> None:
        """A job beside the prompts' delivery: its failure is logged, never theirs."""
        try:
            report = await job()
        except Exception as error:
            log_without_message(f"sending {what} failed", error, to=log)
            return
        if report.sent or report.failed:
            log.info("%s: %d sent, %d failed", what, report.sent, report.failed)

    async def _send_batch(self, due: list[DuePrompt], token: str) -> None:
        postponed: list[Postponed] = []
        renewing = asyncio.create_task(self._renew(token), name="delivery-lease")
        try:
            for item in due:
                await self._delivery.deliver(item, postponed)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        await self._delivery.postpone(postponed)

    async def _renew(self, token: str) -> None:
        """Keep the batch's lease while it is being sent (a slow platform, a 429)."""
        every = max(self._lease.total_seconds() / 3, 0.05)
        while True:
            await asyncio.sleep(every)
            try:
                await self._services.store.renew_claims(
                    token, now=self._services.clock.now(), lease=self._lease
                )
            except Exception as error:
                # The next renewal tries again; `begin_send` refuses a lapsed claim.
                log_without_message("renewing the delivery lease failed", error, to=log)


def _host_identity() -> str:
    """The host and its process-id namespace: where a pid means one process.

    Containers sharing a host name (host networking) each have their own pids; telling
    them apart keeps one from taking another's pid for its own dead predecessor's.
    """
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}/{namespace}"


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True
