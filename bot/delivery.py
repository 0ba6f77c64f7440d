"""The outbox worker: claims due prompts, re-checks the rules and delivers them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from bot.asking import make_decider
from bot.model import PromptStatus
from bot.ports import (
    DeliveryError,
    DuePrompt,
    RatingPrompt,
    RecipientUnreachable,
)
from bot.services import Services

log = logging.getLogger(__name__)

NOT_INSTALLED = "the ratebot app is not installed for this person"
NO_PLATFORM = "no chat platform is configured"


class DeliveryWorker:
    """Delivers stored prompts. Safe to run in several replicas at once.

    Claims are leases: a worker that dies after claiming leaves the prompt pending, and
    any worker picks it up once the lease has run out.
    """

    def __init__(
        self,
        services: Services,
        *,
        batch_size: int = 25,
        lease: timedelta = timedelta(minutes=2),
        backoff_base: timedelta = timedelta(seconds=30),
        backoff_cap: timedelta = timedelta(hours=1),
    ) -> None:
        self._services = services
        self._batch_size = batch_size
        self._lease = lease
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._decide = make_decider(services.policy, services.rng)

    async def run_once(self) -> int:
        """Expire old prompts and deliver one batch of due ones; return how many were handled."""
        store, now = self._services.store, self._services.clock.now()
        expired = await store.expire_prompts(now=now)
        for _ in expired:
            self._services.metrics.prompts.labels(PromptStatus.EXPIRED.value, "").inc()
        due = await store.claim_due_prompts(now=now, limit=self._batch_size, lease=self._lease)
        for item in due:
            await self._deliver(item)
        return len(expired) + len(due)

    async def run(self, stop: asyncio.Event, *, interval: float = 2.0) -> None:
        """Deliver until `stop` is set. The batch in flight always finishes first."""
        while not stop.is_set():
            handled = 0
            try:
                handled = await self.run_once()
            except Exception:
                # One error boundary per job: log with context, keep the loop alive.
                log.exception("delivery round failed; retrying in %.0f s", interval)
            if handled >= self._batch_size:
                continue  # more work is waiting: no pause
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    async def _deliver(self, item: DuePrompt) -> None:
        services, prompt = self._services, item.prompt
        store, now, ctx = services.store, item.context.now, item.context
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
        if not services.chats:
            await store.reschedule_prompt(
                prompt.id, next_attempt_at=now + timedelta(minutes=5),
                failed_attempt=False, reason=NO_PLATFORM,
            )
            return
        person = ctx.requester
        assert person is not None  # the decider skips forgotten people
        timezone = person.timezone or team.timezone or services.policy.timezone
        opens = services.policy.working_hours.next_working_time(now, timezone)
        if opens > now:
            await store.reschedule_prompt(
                prompt.id, next_attempt_at=opens, failed_attempt=False, reason=None
            )
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
