"""Delivery, the flows the worker runs: settle a batch of closes; claim due prompts,
re-check the rules and deliver each one exactly once (docs/reliability.md).

The loops that run them (and renew leases, and take over from dead workers) are the
app's: `app.delivery_worker.DeliveryWorker`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.domain.asking_rules import due_prompts
from bot.domain.decisions import DuePrompt, Postponed
from bot.domain.messages import RatingPrompt
from bot.domain.model import PromptStatus
from bot.domain.prompt_view import rating_prompt
from bot.flows.asking import count_prompt, make_decider
from bot.flows.settling import log_settle_failure, log_without_message, settle_closes
from bot.ports.chat import (
    AwaitingRecipient,
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
# Failed attempts at settling one close before it is stored as a failed prompt.
SETTLE_ATTEMPTS = 5


class Delivery:
    """Settles accepted closes and delivers stored prompts; safe in several replicas at once.

    Exactly once, whatever breaks:
    - A prompt is claimed under a token with a lease (the worker renews it while it sends).
    - Right before the one call that delivers, the prompt is marked in flight, and only
      if the claim is still this worker's (`begin_send`): a worker that lost its claim
      never sends.
    - A prompt found in flight was being sent when its worker died or timed out: the
      platform is asked whether it arrived (`find_prompt`) before it is sent again.
    - A platform's "slow down" is kept for its whole window (the adapter's gate): the
      prompt waits without counting an attempt.
    Settling claims closes inside its transaction (SKIP LOCKED on PostgreSQL), so a close
    is never decided twice.
    """

    def __init__(
        self,
        services: Services,
        *,
        settle_attempts: int = SETTLE_ATTEMPTS,
        backoff_base: timedelta = timedelta(seconds=30),
        backoff_cap: timedelta = timedelta(hours=1),
    ) -> None:
        self._services = services
        self._settle_attempts = settle_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._decide = make_decider(services.policy, services.rng)

    async def settle(self, *, limit: int) -> tuple[int, bool]:
        """Decide one batch of accepted closes: (how many were taken up, any prompts made)."""
        services = self._services
        report = await settle_closes(
            services.store, self._decide, now=services.clock.now(), limit=limit,
            max_attempts=self._settle_attempts,
        )
        for prompt in report.prompts:
            count_prompt(services, prompt)
        for failure in report.failures:
            log_settle_failure(failure, to=log)
        return report.claimed, bool(report.prompts)

    async def expire(self) -> int:
        """End the sent prompts nobody answered in time; return how many."""
        services = self._services
        expired = await services.store.expire_prompts(now=services.clock.now())
        for _ in expired:
            services.telemetry.prompt_status(PromptStatus.EXPIRED)
        return len(expired)

    async def claim(self, *, token: str, limit: int, lease: timedelta) -> list[DuePrompt]:
        """Claim due prompts under `token`, with what re-checking them needs: one transaction."""
        now = self._services.clock.now()
        async with self._services.store.transaction() as tx:
            claimed = await tx.claim_due_prompts(now=now, limit=limit, lease=lease, token=token)
            if not claimed:
                return []
            facts = await tx.asking_facts(
                team_ids={item.prompt.team_id for item in claimed},
                person_ids={
                    person_id
                    for item in claimed
                    for person_id in (item.prompt.person_id, item.agent_id)
                    if person_id is not None
                },
                # The prompts being sent do not count against themselves.
                not_counting=[item.prompt.id for item in claimed],
            )
        return due_prompts(claimed, facts, now=now)

    async def postpone(self, postponed: list[Postponed]) -> None:
        # One transaction for them all: after hours, a whole batch waits for morning.
        if postponed:
            await self._services.store.postpone_prompts(postponed)

    async def deliver(self, item: DuePrompt, postponed: list[Postponed]) -> None:
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
        assert ctx.requester is not None
        return rating_prompt(
            item.prompt, ctx.team, ctx.requester,
            agent=ctx.agent, subject=item.subject, ticket_id=item.ticket_id, sending_at=now,
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
                log_without_message(
                    f"sending prompt {prompt.id} through {chat.platform} failed", error, to=log
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
        kind = _error_kind(error)
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
        if isinstance(error, RateLimited | AwaitingRecipient):
            # Not the prompt's fault: it waits (out the window, or for the person to become
            # reachable) without using an attempt.
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


def _error_kind(error: DeliveryError) -> str:
    """The failure's kind as telemetry counts it."""
    if isinstance(error, RateLimited):
        return "rate_limited"
    if isinstance(error, AwaitingRecipient):
        return "waiting"
    return "transient" if error.transient else "permanent"
