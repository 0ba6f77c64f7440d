"""The outbox worker: claims due prompts, re-checks the rules and delivers them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from datetime import datetime, timedelta

from bot.asking import count_prompt, make_decider
from bot.model import PromptStatus
from bot.ports import (
    DeliveryError,
    DuePrompt,
    Postponed,
    RatingPrompt,
    RecipientUnreachable,
    SettleFailure,
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

    Claims are leases: a worker that dies after claiming leaves the prompt pending, and
    any worker picks it up once the lease has run out. Settling claims closes inside its
    transaction (SKIP LOCKED on PostgreSQL), so a close is never decided twice.
    """

    def __init__(
        self,
        services: Services,
        *,
        batch_size: int = 25,
        settle_batch: int = SETTLE_BATCH,
        settle_attempts: int = SETTLE_ATTEMPTS,
        gather_for: float = GATHER_SECONDS,
        lease: timedelta = timedelta(minutes=2),
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

    async def run_once(self) -> int:
        """Settle accepted closes, expire old prompts and deliver one batch of due ones.

        Return how many prompts were delivered or expired (closes settled do not count).
        """
        handled, _ = await self._round()
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

        Between rounds the worker sleeps `interval` seconds, or less when a webhook
        wakes it (`Services.wakeup`) because a close was accepted.
        """
        wakeup = self._services.wakeup
        waking = asyncio.create_task(self._wake_on(stop), name="delivery-wake-on-stop")
        try:
            while not stop.is_set():
                wakeup.clear()  # a close accepted from here on wakes the next wait
                more = False
                try:
                    _, more = await self._round()
                except Exception:
                    # One error boundary per job: log with context, keep the loop alive.
                    log.exception("delivery round failed; retrying in %.0f s", interval)
                if more:
                    # SQLite statements run inline: without this, a backlog would hold the
                    # event loop, and the requests waiting on it, until it is worked off.
                    await asyncio.sleep(0)
                elif await wakeup.wait(interval) and not stop.is_set():
                    # Woken by a close: let the closes of the next moment join it, so a
                    # busy server settles batches rather than one close a round.
                    await asyncio.sleep(self._gather_for)
        finally:
            waking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waking

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._services.wakeup.set()

    async def _round(self) -> tuple[int, bool]:
        """One round: (prompts handled, whether more work is waiting already)."""
        settled = 0
        try:
            settled = await self.settle()
        except Exception as error:
            # Delivery goes on: prompts already decided do not wait for settling.
            _log_without_message("settling accepted closes failed", error)
        store, now = self._services.store, self._services.clock.now()
        expired = await store.expire_prompts(now=now)
        for _ in expired:
            self._services.metrics.prompts.labels(PromptStatus.EXPIRED.value, "").inc()
        if not self._services.chats:
            # Nothing could deliver them: prompts stay pending, due, until Slack or Teams
            # is configured (`serve` says so at start), instead of being claimed and put
            # back every few minutes.
            return len(expired), settled >= self._settle_batch
        due = await store.claim_due_prompts(now=now, limit=self._batch_size, lease=self._lease)
        postponed: list[Postponed] = []
        for item in due:
            await self._deliver(item, postponed)
        if postponed:
            # One transaction for them all: after hours, a whole batch waits for morning.
            await store.postpone_prompts(postponed)
        more = settled >= self._settle_batch or len(due) >= self._batch_size
        return len(expired) + len(due), more

    async def _deliver(self, item: DuePrompt, postponed: list[Postponed]) -> None:
        """Send, finish, or add to `postponed` what cannot go out yet."""
        services, prompt = self._services, item.prompt
        now, ctx = item.context.now, item.context
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

    async def _send(self, item: DuePrompt, now: datetime) -> None:
        services, prompt, ctx = self._services, item.prompt, item.context
        team = ctx.team
        assert ctx.requester is not None
        expires_at = now + timedelta(days=team.expiry_days)
        question = team.question or team.scale.spec.question.format(team=team.display_name)
        agent = ctx.agent
        rendered = RatingPrompt(
            prompt_id=prompt.id,
            recipient=ctx.requester,
            team_name=team.name,
            team_display_name=team.display_name,
            question=question,
            scale=team.scale,
            anonymity=team.anonymity,
            expires_at=expires_at,
            agent_name=(agent.display_name or agent.email) if agent else None,
            subject=item.subject,
            ticket_id=item.ticket_id,
        )
        unreachable: list[str] = []
        for chat in services.chats:
            try:
                ref = await chat.send_prompt(rendered)
            except RecipientUnreachable as error:
                unreachable.append(error.reason)
                continue
            except DeliveryError as error:
                services.metrics.delivery_errors.labels(
                    chat.platform, "transient" if error.transient else "permanent"
                ).inc()
                if error.transient:
                    await self._retry(item, now, error.reason, error.retry_after)
                else:
                    await self._finish(prompt.id, PromptStatus.FAILED, error.reason, now)
                return
            except Exception:
                log.exception("sending prompt %s through %s failed", prompt.id, chat.platform)
                services.metrics.delivery_errors.labels(chat.platform, "unexpected").inc()
                await self._retry(item, now, "unexpected error while sending", None)
                return
            await services.store.mark_sent(
                prompt.id, platform=chat.platform, message_ref=ref,
                sent_at=now, expires_at=expires_at,
            )
            services.metrics.prompts.labels(PromptStatus.SENT.value, "").inc()
            services.metrics.delivery_latency.observe((now - prompt.created_at).total_seconds())
            return
        # Every platform said it does not know the person.
        reason = NOT_INSTALLED if all(r == NOT_INSTALLED for r in unreachable) else unreachable[0]
        await self._finish(prompt.id, PromptStatus.FAILED, reason, now)

    async def _retry(
        self, item: DuePrompt, now: datetime, reason: str, retry_after: float | None
    ) -> None:
        attempts = item.prompt.attempts + 1
        if attempts >= self._services.policy.max_delivery_attempts:
            await self._finish(
                item.prompt.id, PromptStatus.FAILED,
                f"{reason} (gave up after {attempts} attempts)", now,
            )
            return
        await self._services.store.reschedule_prompt(
            item.prompt.id,
            next_attempt_at=now + self.backoff(attempts, retry_after),
            failed_attempt=True,
            reason=reason,
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
        self._services.metrics.prompts.labels(status.value, reason).inc()


def _log_settle_failure(failure: SettleFailure) -> None:
    outcome = "given up, stored as failed" if failure.gave_up else "retried later"
    _log_without_message(
        f"settling close failed (source {failure.source}, ticket {failure.ticket_id}, "
        f"attempt {failure.attempts}, {outcome})",
        failure.error,
    )


def _log_without_message(what: str, error: BaseException) -> None:
    # The message is left out: database errors quote their parameters, which hold the
    # emails and names of a pending close. The frames say where; the type says what.
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("%s: %s; message withheld\n%s", what, type(error).__qualname__, frames)
