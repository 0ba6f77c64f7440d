"""The store's part for prompts claimed, sent, rescheduled and ended by the delivery worker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.decisions import (
    ClaimedPrompt,
    Postponed,
    WorkerSeen,
)
from bot.domain.model import Prompt, PromptStatus


class Prompts(Protocol):
    """Prompts claimed, sent, rescheduled and ended by the delivery worker."""

    async def claim_due_prompts(
        self, *, now: datetime, limit: int, lease: timedelta, token: str | None = None
    ) -> list[ClaimedPrompt]:
        """Atomically claim pending prompts due by `now` for `lease` (SKIP LOCKED).

        The claim carries `token` (a fresh one when None), which `renew_claims` and
        `begin_send` check. Oldest due first.
        """
        ...

    async def renew_claims(self, token: str, *, now: datetime, lease: timedelta) -> int:
        """Extend the lease of every prompt still held under `token`; return how many."""
        ...

    async def begin_send(
        self, prompt_id: int, token: str, *, platform: str, now: datetime
    ) -> bool:
        """Mark the prompt as in flight, if `token` still holds it; False when it does not."""
        ...

    async def register_worker(
        self, instance: str, *, host: str, pid: int, now: datetime
    ) -> list[WorkerSeen]:
        """Record a starting delivery worker; return the others registered on `host`."""
        ...

    async def release_claims_of(self, instances: Sequence[str]) -> int:
        """Free the prompts claimed by these workers, which are known dead; forget them."""
        ...

    async def pause_platform(self, platform: str, method: str, *, until: datetime) -> None:
        """Remember a platform's "retry after" for one method, for every replica."""
        ...

    async def platform_paused_until(
        self, platform: str, method: str, *, now: datetime
    ) -> datetime | None:
        """The end of the method's pause, if one is still running at `now`."""
        ...

    async def mark_sent(
        self,
        prompt_id: int,
        *,
        platform: str,
        message_ref: str,
        sent_at: datetime,
        expires_at: datetime,
    ) -> None: ...

    async def reschedule_prompt(
        self, prompt_id: int, *, next_attempt_at: datetime, failed_attempt: bool,
        reason: str | None, in_doubt: bool = False,
    ) -> None:
        """Release the claim and try again later; count an attempt when one failed.

        `in_doubt`: the failed send may have arrived, so the next attempt asks first.
        """
        ...

    async def postpone_prompts(self, postponed: Sequence[Postponed]) -> None:
        """`reschedule_prompt` without a failed attempt, for many prompts in one go."""
        ...

    async def finish_prompt(
        self, prompt_id: int, status: PromptStatus, *, reason: str, at: datetime
    ) -> None:
        """End a claimed prompt as SKIPPED, FAILED or EXPIRED with its reason."""
        ...

    async def expire_prompts(self, *, now: datetime) -> list[Prompt]:
        """Mark sent prompts past their expiry as EXPIRED and return them."""
        ...

    async def get_prompt(self, prompt_id: int) -> Prompt | None: ...
