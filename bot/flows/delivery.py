"""The outbox worker: claims due prompts, re-checks the rules and delivers them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.domain.decisions import DuePrompt, Postponed, SettleFailure
from bot.domain.messages import RatingPrompt
from bot.domain.model import PromptStatus
from bot.domain.untrusted import loggable
from bot.flows.asking import count_prompt, make_decider
from bot.ports.chat import (
    ClaimLost,
    DeliveryError,
    RateLimited,
    RecipientUnreachable,
    SendBegins,
    TransientDeliveryError,
)
from bot.services import Services

log = logging.getLogger(__name__)

NOT_INSTALLED = "the ratebot app is not installed for this person"
SETTLE_BATCH = 100
# How long a wake-up waits for more closes to settle with it: short against "ask while it
# is fresh", long enough that a busy server settles batches rather than single closes
# (`python -m bench intake`: 20 ms let each batch's fixed reads cost a tenth of intake).
GATHER_SECONDS = 0.1
# Failed attempts at settling one close before it is stored as a failed prompt.
SETTLE_ATTEMPTS = 5


class DeliveryWorker:
    """Settles accepted closes, then delivers stored prompts. Safe in several replicas at once.

    Exactly once, whatever breaks:
    - A claim is a lease under a token. While a batch is being sent, the worker renews
      its lease, so a slow or rate-limiting platform never lets it run out under a live
      worker; a worker that dies leaves its prompts to be claimed once the lease is over.
    - Right before the one call that delivers, the prompt is marked in flight, and only
      if the claim is still this worker's (`begin_send`): a worker that lost its claim
      never sends.
    - A prompt found in flight was being sent when its worker died or timed out: the
      platform is asked whether it arrived (`find_prompt`) before it is sent again.
    - A platform's "slow down" is kept for its whole window (the adapter's gate): the
      prompt waits without counting an attempt.
    Settling claims closes inside its transaction (SKIP LOCKED on PostgreSQL), so a close
    is never decided twice, and it runs apart from sending, so it never waits for it.
    """

    def __init__(
        self,
        services: Services,
        *,
        batch_size: int = 25,
        settle_batch: int = SETTLE_BATCH,
        settle_attempts: int = SETTLE_ATTEMPTS,
        gather_for: float = GATHER_SECONDS,
        lease: timedelta = timedelta(minutes=1),
        backoff_base: timedelta = timedelta(seconds=30),
        backoff_cap: timedelta = timedelta(hours=1),
    ) -> None:
        self._services = services
        self._batch_size = batch_size
        self._settle_batch = settle_batch
        self._settle_attempts = settle_attempts
        self._gather_for = gather_for
        self._lease = lease
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._decide = make_decider(services.policy, services.rng)
        # Every claim token starts with it: a successor on this host can tell our claims.
        self.instance = secrets.token_hex(8)
        # Set when settling made prompts that may be due: the sender need not wait its
        # interval for them.
        self._prompts_ready = asyncio.Event()

    async def run_once(self) -> int:
        """Settle accepted closes, expire old prompts and deliver one batch of due ones.

        Return how many prompts were delivered or expired (closes settled do not count).
        """
        await self._settle_logged()
        handled, _ = await self._send_round()
        return handled

    async def settle(self) -> int:
        """Decide one batch of accepted closes; return how many were taken up."""
        services = self._services
        report = await services.store.settle_closes(
            self._decide, now=services.clock.now(), limit=self._settle_batch,
            max_attempts=self._settle_attempts,
        )
        for prompt in report.prompts:
            count_prompt(services, prompt)
        for failure in report.failures:
            _log_settle_failure(failure)
        if report.prompts:
            self._prompts_ready.set()
        return report.claimed

    async def settle_remaining(self, *, max_batches: int = 20) -> None:
        """On the way out: decide what was accepted; the rest waits for the next start."""
        try:
            for _ in range(max_batches):
                if await self.settle() < self._settle_batch:
                    return
        except Exception as error:
            _log_without_message("settling accepted closes on shutdown failed", error)

    async def run(self, stop: asyncio.Event, *, interval: float = 2.0) -> None:
        """Work until `stop` is set. The batch in flight always finishes first.

        Settling and sending run side by side: a close accepted while a slow platform
        takes its time over a batch is decided at once all the same. Settling sleeps
        `interval` seconds between rounds, or less when a webhook wakes it
        (`Services.wakeup`) because a close was accepted; sending wakes when settling
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
            _log_without_message("taking over from dead workers failed", error)
            return 0
        if released:
            log.info("released %d prompts claimed by a worker that died", released)
        return released

    async def _settle_until(self, stop: asyncio.Event, interval: float) -> None:
        wakeup = self._services.wakeup
        while not stop.is_set():
            wakeup.clear()  # a close accepted from here on wakes the next wait
            more = await self._settle_logged() >= self._settle_batch
            if more:
                # SQLite statements run inline: without this, a backlog would hold the
                # event loop, and the requests waiting on it, until it is worked off.
                await asyncio.sleep(0)
            elif await wakeup.wait(interval) and not stop.is_set():
                # Woken by a close: let the closes of the next moment join it, so a
                # busy server settles batches rather than one close a round.
                await asyncio.sleep(self._gather_for)

    async def _send_until(self, stop: asyncio.Event, interval: float) -> None:
        ready = self._prompts_ready
        while not stop.is_set():
            ready.clear()
            more = False
            try:
                _, more = await self._send_round()
            except Exception as error:
                # One error boundary per job: log with context, keep the loop alive.
                _log_without_message(f"delivery round failed; retrying in {interval:.0f} s",
                                     error)
            if more:
                await asyncio.sleep(0)
                continue
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
            _log_without_message("settling accepted closes failed", error)
            return 0

    async def _send_round(self) -> tuple[int, bool]:
        """Expire, then send one batch: (prompts handled, whether more are waiting)."""
        store, now = self._services.store, self._services.clock.now()
        expired = await store.expire_prompts(now=now)
        for _ in expired:
            self._services.telemetry.prompt_status(PromptStatus.EXPIRED)
        if not self._services.chats:
            # Nothing could deliver them: prompts stay pending, due, until Slack or Teams
            # is configured (`serve` says so at start), instead of being claimed and put
            # back every few minutes.
            return len(expired), False
        token = self.instance + secrets.token_hex(8)
        due = await store.claim_due_prompts(
            now=now, limit=self._batch_size, lease=self._lease, token=token
        )
        if due:
            await self._send_batch(due, token)
        return len(expired) + len(due), len(due) >= self._batch_size

    async def _send_batch(self, due: list[DuePrompt], token: str) -> None:
        postponed: list[Postponed] = []
        renewing = asyncio.create_task(self._renew(token), name="delivery-lease")
        try:
            for item in due:
                await self._deliver(item, postponed)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        if postponed:
            # One transaction for them all: after hours, a whole batch waits for morning.
            await self._services.store.postpone_prompts(postponed)

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
                _log_without_message("renewing the delivery lease failed", error)

    async def _deliver(self, item: DuePrompt, postponed: list[Postponed]) -> None:
        """Send, finish, or add to `postponed` what cannot go out yet."""
        services, prompt = self._services, item.prompt
        ctx = item.context
        now = services.clock.now()
        if prompt.sending_since is not None and await self._arrived_before(item, now):
            return
        decision = self._decide(ctx)
        if not decision.asks:
            reason = decision.reason.value if decision.reason else "skipped"
            await self._finish(prompt.id, PromptStatus.SKIPPED, reason, now)
            return
        team = ctx.team
        if now - prompt.created_at >= timedelta(days=team.expiry_days):
            # Asking weeks after the conversation defeats "ask while it is fresh".
            await self._finish(prompt.id, PromptStatus.EXPIRED, "not delivered in time", now)
            return
        person = ctx.requester
        assert person is not None  # the decider skips forgotten people
        timezone = person.timezone or team.timezone or services.policy.timezone
        opens = services.policy.working_hours.next_working_time(now, timezone)
        if opens > now:
            postponed.append(Postponed(prompt.id, opens, None))
            return
        await self._send(item, now)

    def _rendered(self, item: DuePrompt, now: datetime) -> RatingPrompt:
        ctx = item.context
        team = ctx.team
        assert ctx.requester is not None
        agent = ctx.agent
        return RatingPrompt(
            prompt_id=item.prompt.id,
            recipient=ctx.requester,
            team_name=team.name,
            team_display_name=team.display_name,
            question=team.question or team.scale.spec.question.format(team=team.display_name),
            scale=team.scale,
            anonymity=team.anonymity,
            expires_at=now + timedelta(days=team.expiry_days),
            agent_name=(agent.display_name or agent.email) if agent else None,
            subject=item.subject,
            ticket_id=item.ticket_id,
        )

    async def _arrived_before(self, item: DuePrompt, now: datetime) -> bool:
        """A send of this prompt was in flight when it last stopped: did it arrive?

        When it did, it is recorded as sent and True is returned; otherwise it goes out
        (again) through the usual path.
        """
        prompt, services = item.prompt, self._services
        assert prompt.sending_since is not None
        chat = next((c for c in services.chats if c.platform == prompt.platform), None)
        if chat is None or item.context.requester is None:
            return False
        rendered = self._rendered(item, now)
        try:
            ref = await chat.find_prompt(rendered, since=prompt.sending_since)
        except DeliveryError as error:
            still_fresh = now - prompt.created_at < timedelta(days=item.context.team.expiry_days)
            last_try = prompt.attempts + 1 >= services.policy.max_delivery_attempts
            if error.transient and still_fresh and not last_try:
                # Cannot tell now: ask again later rather than risk sending twice.
                await self._retry(item, now, error, in_doubt=True)
                return True
            # It will never be known (a missing scope, no attempts left): better
            # twice than never.
            log.warning("prompt %s: could not tell whether it arrived (%s); sending it",
                        prompt.id, error.reason)
            return False
        if ref is None:
            return False
        log.info("prompt %s had arrived before its worker stopped; recorded as sent", prompt.id)
        await self._mark_sent(item, chat.platform, ref, now, rendered.expires_at)
        return True

    async def _send(self, item: DuePrompt, now: datetime) -> None:
        services, prompt = self._services, item.prompt
        rendered = self._rendered(item, now)
        unreachable: list[str] = []
        for chat in services.chats:
            try:
                ref = await chat.send_prompt(rendered, begin=self._begin(item, chat.platform))
            except ClaimLost:
                log.info("prompt %s was claimed by another worker; left to it", prompt.id)
                return
            except RecipientUnreachable as error:
                unreachable.append(error.reason)
                continue
            except DeliveryError as error:
                await self._failed(item, chat.platform, error, now)
                return
            except Exception as error:
                _log_without_message(
                    f"sending prompt {prompt.id} through {chat.platform} failed", error
                )
                services.telemetry.delivery_failed(chat.platform, "unexpected")
                # Whether it arrived is unknown: the next attempt asks first.
                await self._retry(
                    item, now, TransientDeliveryError("unexpected error while sending"),
                    in_doubt=True,
                )
                return
            await self._mark_sent(item, chat.platform, ref, now, rendered.expires_at)
            return
        # Every platform said it does not know the person.
        reason = NOT_INSTALLED if all(r == NOT_INSTALLED for r in unreachable) else unreachable[0]
        await self._finish(prompt.id, PromptStatus.FAILED, reason, now)

    def _begin(self, item: DuePrompt, platform: str) -> SendBegins:
        async def begin() -> None:
            services = self._services
            held = await services.store.begin_send(
                item.prompt.id, item.claim_token, platform=platform, now=services.clock.now()
            )
            if not held:
                raise ClaimLost(item.prompt.id)

        return begin

    async def _failed(
        self, item: DuePrompt, platform: str, error: DeliveryError, now: datetime
    ) -> None:
        kind = "rate_limited" if isinstance(error, RateLimited) else (
            "transient" if error.transient else "permanent"
        )
        self._services.telemetry.delivery_failed(platform, kind)
        if error.transient:
            await self._retry(item, now, error, in_doubt=error.in_doubt)
        else:
            await self._finish(item.prompt.id, PromptStatus.FAILED, error.reason, now)

    async def _mark_sent(
        self, item: DuePrompt, platform: str, ref: str, now: datetime, expires_at: datetime
    ) -> None:
        services, prompt = self._services, item.prompt
        await services.store.mark_sent(
            prompt.id, platform=platform, message_ref=ref, sent_at=now, expires_at=expires_at,
        )
        services.telemetry.prompt_status(PromptStatus.SENT)
        services.telemetry.prompt_delivered((now - prompt.created_at).total_seconds())

    async def _retry(
        self, item: DuePrompt, now: datetime, error: DeliveryError, *, in_doubt: bool
    ) -> None:
        store = self._services.store
        if isinstance(error, RateLimited):
            # Not the prompt's fault: it waits out the window without using an attempt.
            await store.reschedule_prompt(
                item.prompt.id, next_attempt_at=now + timedelta(seconds=error.retry_after or 1),
                failed_attempt=False, reason=error.reason, in_doubt=in_doubt,
            )
            return
        attempts = item.prompt.attempts + 1
        if attempts >= self._services.policy.max_delivery_attempts and not in_doubt:
            await self._finish(
                item.prompt.id, PromptStatus.FAILED,
                f"{error.reason} (gave up after {attempts} attempts)", now,
            )
            return
        await store.reschedule_prompt(
            item.prompt.id,
            next_attempt_at=now + self.backoff(attempts, error.retry_after),
            failed_attempt=True,
            reason=error.reason,
            in_doubt=in_doubt,
        )

    def backoff(self, attempts: int, retry_after: float | None) -> timedelta:
        """Exponential backoff with jitter, never sooner than the platform's Retry-After."""
        ceiling: timedelta = min(self._backoff_cap, self._backoff_base * 2 ** (attempts - 1))
        delay: timedelta = ceiling * (0.5 + self._services.rng.random() / 2)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        return delay

    async def _finish(
        self, prompt_id: int, status: PromptStatus, reason: str, at: datetime
    ) -> None:
        await self._services.store.finish_prompt(prompt_id, status, reason=reason, at=at)
        self._services.telemetry.prompt_status(status, reason)


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


def _log_settle_failure(failure: SettleFailure) -> None:
    outcome = "given up, stored as failed" if failure.gave_up else "retried later"
    _log_without_message(
        f"settling close failed (source {loggable(failure.source)}, "
        f"ticket {loggable(failure.ticket_id)}, "
        f"attempt {failure.attempts}, {outcome})",
        failure.error,
    )


def _log_without_message(what: str, error: BaseException) -> None:
    # The message is left out: database errors quote their parameters, which hold the
    # emails and names of a pending close. The frames say where; the type says what.
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("%s: %s; message withheld\n%s", what, type(error).__qualname__, frames)
