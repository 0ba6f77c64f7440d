"""Prompts claimed for delivery: claims under a token with a lease, sends in flight,
delivery workers, and the platforms' "retry after" windows (docs/reliability.md)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.decisions import ClaimedPrompt, WorkerSeen
from bot.domain.model import PromptStatus
from storage.base import StoreBase, insert_for
from storage.prepared import prepared
from storage.rows import prompt_from
from storage.schema import conversations, delivery_workers, platform_pauses, prompts
from storage.types import UtcDateTime

WORKER_MEMORY = timedelta(days=30)


def new_claim_token() -> str:
    return secrets.token_hex(16)


class ClaimQueries(StoreBase):
    async def claim_due_prompts(
        self, *, now: datetime, limit: int, lease: timedelta, token: str | None = None
    ) -> list[ClaimedPrompt]:
        token = token or new_claim_token()
        async with self._write() as connection:
            candidates = list(
                (
                    await connection.execute(
                        _due_candidates(connection), {"b_now": now, "b_limit": limit}
                    )
                ).scalars()
            )
            if not candidates:
                return []
            claimed = (
                await connection.execute(
                    _CLAIM_DUE(connection),
                    {"b_ids": candidates, "b_now": now, "b_until": now + lease,
                     "b_token": token},
                )
            ).all()
            ordered = sorted(claimed, key=lambda row: (row.next_attempt_at, row.id))
            return await _claimed(connection, ordered, token)

    async def renew_claims(self, token: str, *, now: datetime, lease: timedelta) -> int:
        async with self._write() as connection:
            renewed = await connection.execute(
                _RENEW(connection), {"b_token": token, "b_now": now, "b_until": now + lease}
            )
            return int(renewed.rowcount)

    async def begin_send(
        self, prompt_id: int, token: str, *, platform: str, now: datetime
    ) -> bool:
        async with self._write() as connection:
            began = await connection.execute(
                _BEGIN_SEND(connection),
                {"b_id": prompt_id, "b_token": token, "b_now": now, "b_platform": platform},
            )
            return bool(began.rowcount)

    async def register_worker(
        self, instance: str, *, host: str, pid: int, now: datetime
    ) -> list[WorkerSeen]:
        async with self._write() as connection:
            # A row only serves its own host's restarts: old ones of other hosts go.
            await connection.execute(
                sa.delete(delivery_workers).where(
                    delivery_workers.c.host != host,
                    delivery_workers.c.started_at < now - WORKER_MEMORY,
                )
            )
            await connection.execute(
                sa.insert(delivery_workers).values(
                    instance=instance, host=host[:255], pid=pid, started_at=now
                )
            )
            rows = await connection.execute(
                sa.select(delivery_workers.c.instance, delivery_workers.c.pid).where(
                    delivery_workers.c.host == host[:255],
                    delivery_workers.c.instance != instance,
                )
            )
            return [WorkerSeen(row.instance, row.pid) for row in rows]

    async def release_claims_of(self, instances: Sequence[str]) -> int:
        if not instances:
            return 0
        async with self._write() as connection:
            released = 0
            for instance in instances:
                result = await connection.execute(
                    sa.update(prompts)
                    .where(
                        prompts.c.status == PromptStatus.PENDING.value,
                        prompts.c.claim_token.startswith(instance, autoescape=True),
                    )
                    # A send in flight stays marked: it is checked before it goes again.
                    .values(claimed_until=None, claim_token=None)
                )
                released += int(result.rowcount)
            await connection.execute(
                sa.delete(delivery_workers).where(delivery_workers.c.instance.in_(instances))
            )
            return released

    async def pause_platform(self, platform: str, method: str, *, until: datetime) -> None:
        async with self._write() as connection:
            insert = insert_for(connection, platform_pauses).values(
                platform=platform, method=method[:64], until=until
            )
            excluded = insert.excluded.until
            await connection.execute(
                insert.on_conflict_do_update(
                    index_elements=[platform_pauses.c.platform, platform_pauses.c.method],
                    # A later, shorter Retry-After never shortens a window already announced.
                    set_={"until": sa.case(
                        (excluded > platform_pauses.c.until, excluded),
                        else_=platform_pauses.c.until,
                    )},
                )
            )

    async def platform_paused_until(
        self, platform: str, method: str, *, now: datetime
    ) -> datetime | None:
        async with self._read() as connection:
            until = (
                await connection.execute(
                    _PAUSE(connection), {"b_platform": platform, "b_method": method[:64]}
                )
            ).scalar()
            return until if until is not None and until > now else None


async def _claimed(
    connection: AsyncConnection, rows: list[Any], token: str
) -> list[ClaimedPrompt]:
    """Every claimed prompt with its conversation's facts, in one more read."""
    found = await connection.execute(
        _CONVERSATIONS(connection), {"b_ids": sorted({row.conversation_id for row in rows})}
    )
    by_id = {conversation.id: conversation for conversation in found}
    return [
        ClaimedPrompt(
            prompt=prompt_from(row),
            subject=by_id[row.conversation_id].subject,
            ticket_id=by_id[row.conversation_id].external_id,
            agent_id=by_id[row.conversation_id].agent_id,
            always_ask=bool(by_id[row.conversation_id].always_ask),
            claim_token=token,
        )
        for row in rows
    ]


# The hot statements of the worker's every round, built once (see storage.prepared).


def _claimable() -> sa.ColumnElement[bool]:
    now = sa.bindparam("b_now", type_=UtcDateTime())
    return sa.and_(
        prompts.c.status == PromptStatus.PENDING.value,
        prompts.c.next_attempt_at <= now,
        sa.or_(prompts.c.claimed_until.is_(None), prompts.c.claimed_until <= now),
    )


@prepared
def _due_candidates(dialect: str) -> Any:
    query = (
        sa.select(prompts.c.id)
        .where(_claimable())
        .order_by(prompts.c.next_attempt_at, prompts.c.id)
        .limit(sa.bindparam("b_limit", type_=sa.Integer))
    )
    return query.with_for_update(skip_locked=True) if dialect == "postgresql" else query


# The claimable condition again: only rows this UPDATE changed are ours.
_CLAIM_DUE = prepared(
    lambda _: sa.update(prompts)
    .where(prompts.c.id.in_(sa.bindparam("b_ids", expanding=True)), _claimable())
    .values(
        claimed_until=sa.bindparam("b_until", type_=UtcDateTime()),
        claim_token=sa.bindparam("b_token", type_=sa.String),
        updated_at=sa.bindparam("b_now", type_=UtcDateTime()),
    )
    .returning(*prompts.c)
)


def _held_by_token() -> sa.ColumnElement[bool]:
    """Still this claim's: pending, its token, its lease not run out."""
    return sa.and_(
        prompts.c.claim_token == sa.bindparam("b_token", type_=sa.String),
        prompts.c.status == PromptStatus.PENDING.value,
        prompts.c.claimed_until > sa.bindparam("b_now", type_=UtcDateTime()),
    )


# A worker alive renews what it holds, so a slow platform never lets its lease run out.
_RENEW = prepared(
    lambda _: sa.update(prompts)
    .where(_held_by_token())
    .values(claimed_until=sa.bindparam("b_until", type_=UtcDateTime()))
)
# The moment of sending: only while the claim is still ours, and remembered as in flight.
_BEGIN_SEND = prepared(
    lambda _: sa.update(prompts)
    .where(prompts.c.id == sa.bindparam("b_id", type_=sa.Integer), _held_by_token())
    .values(
        sending_since=sa.bindparam("b_now", type_=UtcDateTime()),
        platform=sa.bindparam("b_platform", type_=sa.String),
    )
)
_PAUSE = prepared(
    lambda _: sa.select(platform_pauses.c.until).where(
        platform_pauses.c.platform == sa.bindparam("b_platform", type_=sa.String),
        platform_pauses.c.method == sa.bindparam("b_method", type_=sa.String),
    )
)
_CONVERSATIONS = prepared(
    lambda _: sa.select(
        conversations.c.id, conversations.c.subject, conversations.c.external_id,
        conversations.c.agent_id, conversations.c.always_ask,
    ).where(conversations.c.id.in_(sa.bindparam("b_ids", expanding=True)))
)
