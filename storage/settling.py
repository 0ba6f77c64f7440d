"""Settling's reads and writes: closes claimed, their decisions stored, rounds withdrawn.

No rule is decided here: the flow (`bot.flows.settling`) claims closes and reads their
facts through these, decides in the core, and writes the outcome back, all in its own
`Store.transaction()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.decisions import ConversationRound, PendingClose, Settlement
from bot.domain.model import ConversationState, Prompt, PromptStatus, SkipReason
from storage.base import StoreBase, insert_on
from storage.guard import is_unavailable, translate_unavailable
from storage.pending import parse_payload
from storage.prepared import prepared
from storage.rows import prompt_from
from storage.schema import conversations, prompts
from storage.types import UtcDateTime

_WITHDRAWABLE = (PromptStatus.PENDING.value, PromptStatus.SENT.value)

# What settling reads of a conversation.
_SETTLE_COLUMNS = (
    conversations.c.id,
    conversations.c.source,
    conversations.c.external_id,
    conversations.c.team_id,
    conversations.c.round,
    conversations.c.always_ask,
    conversations.c.requester_id,
    conversations.c.agent_id,
    conversations.c.pending,
    conversations.c.pending_attempts,
)


@prepared
def _claim_batch(dialect: str) -> Any:
    query = (
        sa.select(*_SETTLE_COLUMNS)
        .where(
            conversations.c.pending.is_not(None),
            sa.or_(
                conversations.c.pending_retry_at.is_(None),
                conversations.c.pending_retry_at <= sa.bindparam("now", type_=UtcDateTime()),
            ),
        )
        .order_by(conversations.c.id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )
    if dialect == "postgresql":
        # Several replicas settle side by side, never the same close twice.
        query = query.with_for_update(skip_locked=True)
    return query


@prepared
def _claim_one(dialect: str) -> Any:
    query = sa.select(*_SETTLE_COLUMNS).where(
        conversations.c.id == sa.bindparam("conversation_id"),
        conversations.c.pending.is_not(None),
    )
    if dialect == "postgresql":
        # Waits for a worker settling it right now; then it is no longer pending.
        query = query.with_for_update()
    return query


# The columns to set come with the parameters (`b_id` picks the row).
_UPDATE_CONVERSATION = prepared(
    lambda _: sa.update(conversations).where(conversations.c.id == sa.bindparam("b_id"))
)


@prepared
def _insert_prompts(dialect: str) -> Any:
    return (
        insert_on(dialect, prompts)
        .on_conflict_do_nothing(index_elements=[prompts.c.conversation_id, prompts.c.round])
        .returning(*prompts.c)
    )


_PROMPT_OF_ROUND = prepared(
    lambda _: sa.select(prompts).where(
        prompts.c.conversation_id == sa.bindparam("conversation_id"),
        prompts.c.round == sa.bindparam("round"),
    )
)
_SAVEPOINT = sa.text("SAVEPOINT ratebot_settle")
_ROLLBACK_TO = sa.text("ROLLBACK TO SAVEPOINT ratebot_settle")
_RELEASE = sa.text("RELEASE SAVEPOINT ratebot_settle")


class SettlingQueries(StoreBase):
    async def claim_closes(self, *, now: datetime, limit: int) -> list[PendingClose]:
        async with self._write() as connection:
            found = await connection.execute(
                _claim_batch(connection), {"now": now, "limit": limit}
            )
            return [_pending_close(row) for row in found]

    async def claim_pending_close(self, conversation_id: int) -> PendingClose | None:
        async with self._write() as connection:
            found = await connection.execute(
                _claim_one(connection), {"conversation_id": conversation_id}
            )
            row = found.first()
            return None if row is None else _pending_close(row)

    async def find_conversation(self, source: str, ticket_id: str) -> ConversationRound | None:
        query = sa.select(conversations.c.id, conversations.c.round).where(
            conversations.c.source == source, conversations.c.external_id == ticket_id
        )
        if self._postgres:
            # Two replicas handling the same close or reopen take turns on the row.
            query = query.with_for_update()
        async with self._write() as connection:
            row = (await connection.execute(query)).first()
            return None if row is None else ConversationRound(row.id, row.round)

    async def store_settlements(self, settlements: Sequence[Settlement]) -> list[Prompt]:
        if not settlements:
            return []
        async with self._write() as connection:
            await connection.execute(
                _UPDATE_CONVERSATION(connection),
                [_conversation_values(each) for each in settlements],
            )
            inserted = await connection.execute(
                _insert_prompts(connection), [_prompt_values(each) for each in settlements]
            )
            stored = {row.conversation_id: row for row in inserted.all()}
            settled: list[Prompt] = []
            for each in settlements:
                row = stored.get(each.close.conversation_id)
                if row is None:  # the round's prompt existed already: it is the decision
                    found = await connection.execute(
                        _PROMPT_OF_ROUND(connection),
                        {"conversation_id": each.close.conversation_id,
                         "round": each.close.round},
                    )
                    row = found.one()
                settled.append(prompt_from(row))
            return settled

    async def put_off_close(
        self, conversation_id: int, *, failed_attempts: int, retry_at: datetime
    ) -> None:
        async with self._write() as connection:
            await connection.execute(
                _UPDATE_CONVERSATION(connection),
                {"b_id": conversation_id, "pending_attempts": failed_attempts,
                 "pending_retry_at": retry_at},
            )

    async def withdraw_round(
        self, conversation: ConversationRound, *, at: datetime
    ) -> Prompt | None:
        async with self._write() as connection:
            await connection.execute(
                sa.update(conversations)
                .where(conversations.c.id == conversation.id)
                .values(state=ConversationState.REOPENED.value)
            )
            withdrawn = (
                await connection.execute(
                    sa.update(prompts)
                    .where(
                        prompts.c.conversation_id == conversation.id,
                        prompts.c.round == conversation.round,
                        prompts.c.status.in_(_WITHDRAWABLE),
                    )
                    .values(
                        status=PromptStatus.SKIPPED.value, reason=SkipReason.REOPENED.value,
                        claimed_until=None, updated_at=at,
                    )
                    .returning(*prompts.c)
                )
            ).first()
            return None if withdrawn is None else prompt_from(withdrawn)

    async def prompt_of_round(self, conversation_id: int, round_: int) -> Prompt | None:
        async with self._read() as connection:
            found = await connection.execute(
                _PROMPT_OF_ROUND(connection),
                {"conversation_id": conversation_id, "round": round_},
            )
            row = found.first()
            return None if row is None else prompt_from(row)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        # PostgreSQL refuses a whole transaction after an error outside a savepoint.
        if self._bound is None:
            raise RuntimeError("a savepoint is taken inside Store.transaction()")
        connection = self._bound
        await connection.execute(_SAVEPOINT)
        try:
            yield
        except Exception as error:
            if not is_unavailable(error):
                await connection.execute(_ROLLBACK_TO)
                await connection.execute(_RELEASE)
            with translate_unavailable():
                raise
        await connection.execute(_RELEASE)


def _pending_close(row: Any) -> PendingClose:
    """The claimed row; a payload that cannot be read is left for settling to fail on."""
    fields = {
        "conversation_id": row.id, "source": row.source, "ticket_id": row.external_id,
        "team_id": row.team_id, "round": row.round, "always_ask": bool(row.always_ask),
        "requester_id": row.requester_id, "agent_id": row.agent_id,
        "failed_attempts": row.pending_attempts,
    }
    try:
        payload = parse_payload(row.pending)
    except (ValueError, KeyError, TypeError, AttributeError):
        return PendingClose(**fields, accepted_at=None)
    return PendingClose(
        **fields, accepted_at=payload.accepted_at,
        requester=payload.requester, agent=payload.agent,
    )


def _conversation_values(settlement: Settlement) -> dict[str, Any]:
    return {
        "b_id": settlement.close.conversation_id,
        "requester_id": settlement.requester_id,
        "agent_id": settlement.agent_id,
        "pending": None,
        "pending_attempts": settlement.failed_attempts,
        "pending_retry_at": None,
    }


def _prompt_values(settlement: Settlement) -> dict[str, Any]:
    close = settlement.close
    return {
        "conversation_id": close.conversation_id,
        "round": close.round,
        "team_id": close.team_id,
        "person_id": settlement.requester_id,
        "status": settlement.status.value,
        "reason": settlement.reason,
        "attempts": 0,
        "next_attempt_at": settlement.next_attempt_at,
        "created_at": settlement.created_at,
        "updated_at": settlement.updated_at,
    }
