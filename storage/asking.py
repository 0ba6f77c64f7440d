"""The life of a prompt after its claim: sent, rescheduled, postponed, finished, expired.

`AskingQueries` is the store's whole conversations-and-prompts part: intake, settling,
the asking facts, claims, and these.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.decisions import Postponed
from bot.domain.model import Prompt, PromptStatus
from storage.asking_facts import AskingFactsQueries
from storage.base import StoreBase
from storage.claims import ClaimQueries
from storage.intake import IntakeQueries
from storage.prepared import prepared
from storage.rows import prompt_from
from storage.schema import prompts
from storage.settling import SettlingQueries
from storage.types import UtcDateTime


class PromptQueries(StoreBase):
    async def mark_sent(
        self,
        prompt_id: int,
        *,
        platform: str,
        message_ref: str,
        sent_at: datetime,
        expires_at: datetime,
    ) -> None:
        async with self._write() as connection:
            await connection.execute(
                sa.update(prompts)
                .where(prompts.c.id == prompt_id)
                .values(
                    # A prompt withdrawn while it was being sent keeps its status; the
                    # message reference is still stored so the message can be updated.
                    status=sa.case(
                        (
                            prompts.c.status == PromptStatus.PENDING.value,
                            PromptStatus.SENT.value,
                        ),
                        else_=prompts.c.status,
                    ),
                    reason=sa.case(
                        (prompts.c.status == PromptStatus.PENDING.value, sa.null()),
                        else_=prompts.c.reason,
                    ),
                    platform=platform,
                    message_ref=message_ref,
                    sent_at=sent_at,
                    expires_at=expires_at,
                    attempts=prompts.c.attempts + 1,
                    claimed_until=None,
                    claim_token=None,
                    sending_since=None,
                    updated_at=sent_at,
                )
            )

    async def reschedule_prompt(
        self, prompt_id: int, *, next_attempt_at: datetime, failed_attempt: bool,
        reason: str | None, in_doubt: bool = False,
    ) -> None:
        statement = _RESCHEDULE if reason is None else _RESCHEDULE_WITH_REASON
        async with self._write() as connection:
            await connection.execute(
                statement(connection),
                {
                    "b_id": prompt_id,
                    "b_next": next_attempt_at,
                    "b_failed": 1 if failed_attempt else 0,
                    "b_reason": reason,
                    "b_doubt": in_doubt,
                },
            )

    async def postpone_prompts(self, postponed: Sequence[Postponed]) -> None:
        kept = [item for item in postponed if item.reason is None]
        changed = [item for item in postponed if item.reason is not None]
        async with self._write() as connection:
            for statement, items in ((_RESCHEDULE, kept), (_RESCHEDULE_WITH_REASON, changed)):
                if items:
                    await connection.execute(
                        statement(connection),
                        [
                            {"b_id": item.prompt_id, "b_next": item.next_attempt_at,
                             "b_failed": 0, "b_reason": item.reason, "b_doubt": False}
                            for item in items
                        ],
                    )

    async def finish_prompt(
        self, prompt_id: int, status: PromptStatus, *, reason: str, at: datetime
    ) -> None:
        # EXPIRED: a prompt that could not go out while the conversation was still fresh.
        if status not in (PromptStatus.SKIPPED, PromptStatus.FAILED, PromptStatus.EXPIRED):
            raise ValueError(f"a prompt is finished as skipped, failed or expired, not {status}")
        async with self._write() as connection:
            await connection.execute(
                sa.update(prompts)
                .where(prompts.c.id == prompt_id, prompts.c.status == PromptStatus.PENDING.value)
                .values(
                    status=status.value, reason=reason, claimed_until=None, claim_token=None,
                    sending_since=None, updated_at=at,
                )
            )

    async def expire_prompts(self, *, now: datetime) -> list[Prompt]:
        async with self._write() as connection:
            rows = await connection.execute(_EXPIRE(connection), {"b_now": now})
            return sorted((prompt_from(row) for row in rows), key=lambda prompt: prompt.id)

    async def get_prompt(self, prompt_id: int) -> Prompt | None:
        async with self._read() as connection:
            row = (
                await connection.execute(sa.select(prompts).where(prompts.c.id == prompt_id))
            ).first()
            return None if row is None else prompt_from(row)


class AskingQueries(
    IntakeQueries, SettlingQueries, AskingFactsQueries, ClaimQueries, PromptQueries
):
    """Closes accepted and settled, prompts claimed and delivered: rule-free reads and writes."""


def _reschedule(with_reason: bool) -> Any:
    values: dict[str, Any] = {
        "next_attempt_at": sa.bindparam("b_next", type_=UtcDateTime()),
        "claimed_until": None,
        "claim_token": None,
        # Kept when the failed send may still have arrived (a time-out): the next attempt
        # asks the platform first. Otherwise it is known not to have arrived.
        "sending_since": sa.case(
            (sa.bindparam("b_doubt", type_=sa.Boolean), prompts.c.sending_since),
            else_=sa.null(),
        ),
        "attempts": prompts.c.attempts + sa.bindparam("b_failed", type_=sa.Integer),
    }
    if with_reason:
        values["reason"] = sa.bindparam("b_reason", type_=sa.Text)
    return (
        sa.update(prompts)
        .where(
            prompts.c.id == sa.bindparam("b_id"),
            prompts.c.status == PromptStatus.PENDING.value,
        )
        .values(**values)
    )


_RESCHEDULE = prepared(lambda _: _reschedule(with_reason=False))
_RESCHEDULE_WITH_REASON = prepared(lambda _: _reschedule(with_reason=True))
_EXPIRE = prepared(
    lambda _: sa.update(prompts)
    .where(
        prompts.c.status == PromptStatus.SENT.value,
        prompts.c.expires_at <= sa.bindparam("b_now", type_=UtcDateTime()),
    )
    .values(
        status=PromptStatus.EXPIRED.value,
        updated_at=sa.bindparam("b_now", type_=UtcDateTime()),
    )
    .returning(*prompts.c)
)
