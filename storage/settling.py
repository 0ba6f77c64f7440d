"""Settling's reads and writes: closes claimed, their decisions stored, rounds withdrawn.

No rule is decided here: the flow (`bot.flows.settling`) claims closes and reads their
facts through these, decides in the core, and writes the outcome back, all in its own
`Store.transaction()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.decisions import ConversationRound, PendingClose, Settlement
from bot.domain.model import ConversationState, Prompt, PromptStatus, SkipReason
from storage.base import InlineConnection, StoreBase, insert_on
from storage.driver import Compiled, DriverStatement, sqlite_time
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


def _claim_query(dialect: str) -> Any:
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


_claim_batch = prepared(_claim_query)


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
# What a settlement writes of its conversation and prompt (`_conversation_values`,
# `_prompt_values`).
_SETTLED = ("requester_id", "agent_id", "pending", "pending_attempts", "pending_retry_at")
_PROMPT_COLUMNS = (
    "conversation_id", "round", "team_id", "person_id", "status", "reason", "attempts",
    "next_attempt_at", "created_at", "updated_at",
)


@prepared
def _insert_prompts(dialect: str) -> Any:
    # Only the ids come back: the rest of a new prompt is what was written.
    return (
        insert_on(dialect, prompts)
        .on_conflict_do_nothing(index_elements=[prompts.c.conversation_id, prompts.c.round])
        .returning(prompts.c.id, prompts.c.conversation_id)
    )


# On SQLite the same statements run on the driver (storage.driver): the claim, the
# conversations' update, and the prompts' insert, several rows to a statement.
_DRIVER_CLAIM = Compiled(lambda _: _claim_query("sqlite"))
_DRIVER_UPDATE = Compiled(
    lambda _: sa.update(conversations)
    .where(conversations.c.id == sa.bindparam("b_id"))
    .values({name: sa.bindparam(name) for name in _SETTLED})
)
_DRIVER_INSERT = Compiled(
    lambda count: insert_on("sqlite", prompts)
    .values([
        {name: sa.bindparam(f"{name}_{n}") for name in _PROMPT_COLUMNS} for n in range(count)
    ])
    .on_conflict_do_nothing(index_elements=[prompts.c.conversation_id, prompts.c.round])
    .returning(prompts.c.id, prompts.c.conversation_id)
)
# Prompts inserted by one statement (ten parameters each), largest first; 1 ends any rest.
_INSERT_SIZES = (50, 25, 10, 5, 1)


def _driver_update() -> DriverStatement:
    update = _DRIVER_UPDATE(0)
    # The rows are built in this order (`_conversation_row`): a change of the statement
    # must show here, not as values in the wrong columns.
    assert update.order == (*_SETTLED, "b_id"), update.order
    return update


def _driver_insert(count: int) -> DriverStatement:
    insert = _DRIVER_INSERT(count)
    assert len(insert.order) == count * len(_PROMPT_COLUMNS)
    assert insert.order[:len(_PROMPT_COLUMNS)] == tuple(f"{c}_0" for c in _PROMPT_COLUMNS)
    return insert


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
            if isinstance(connection, InlineConnection):
                claim = _DRIVER_CLAIM(0)
                found = connection.driver().execute(
                    claim.sql, claim.parameters({"now": now, "limit": limit})
                )
            else:
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
            if isinstance(connection, InlineConnection):
                new = _store_on_driver(connection, settlements)
            else:
                await connection.execute(
                    _UPDATE_CONVERSATION(connection),
                    [_conversation_values(each) for each in settlements],
                )
                inserted = await connection.execute(
                    _insert_prompts(connection), [_prompt_values(each) for each in settlements]
                )
                new = {conversation_id: id_ for id_, conversation_id in inserted}
            settled: list[Prompt] = []
            for each in settlements:
                prompt_id = new.get(each.close.conversation_id)
                if prompt_id is not None:
                    settled.append(_new_prompt(prompt_id, each))
                    continue
                # The round's prompt existed already: it is the decision.
                found = await connection.execute(
                    _PROMPT_OF_ROUND(connection),
                    {"conversation_id": each.close.conversation_id, "round": each.close.round},
                )
                settled.append(prompt_from(found.one()))
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


def _store_on_driver(
    connection: InlineConnection, settlements: Sequence[Settlement]
) -> dict[int, int]:
    """Both writes of `store_settlements` on SQLite's driver: {conversation id: new prompt}."""
    driver = connection.driver()
    driver.executemany(_driver_update().sql, [_conversation_row(each) for each in settlements])
    new: dict[int, int] = {}
    start = 0
    while start < len(settlements):
        # A few statement sizes only, each compiled once: 37 prompts go as 25, 10, 1, 1.
        count = next(size for size in _INSERT_SIZES if size <= len(settlements) - start)
        chunk = settlements[start:start + count]
        start += count
        found = driver.execute(
            _driver_insert(count).sql, [value for each in chunk for value in _prompt_row(each)]
        )
        new.update((conversation_id, id_) for id_, conversation_id in found.fetchall())
    return new


def _conversation_row(settlement: Settlement) -> tuple[Any, ...]:
    """`_conversation_values` in `_driver_update`'s order (`b_id` last), as SQLite stores it."""
    return (
        settlement.requester_id, settlement.agent_id, None, settlement.failed_attempts, None,
        settlement.close.conversation_id,
    )


def _prompt_row(settlement: Settlement) -> tuple[Any, ...]:
    """`_prompt_values` in `_PROMPT_COLUMNS` order, as SQLite stores it."""
    close, due = settlement.close, settlement.next_attempt_at
    return (
        close.conversation_id, close.round, close.team_id, settlement.requester_id,
        settlement.status.value, settlement.reason, 0,
        None if due is None else sqlite_time(due), sqlite_time(settlement.created_at),
        sqlite_time(settlement.updated_at),
    )


def _new_prompt(prompt_id: int, settlement: Settlement) -> Prompt:
    """The prompt just inserted, as reading it back would give it."""
    close = settlement.close
    due = settlement.next_attempt_at
    return Prompt(
        id=prompt_id, conversation_id=close.conversation_id, round=close.round,
        team_id=close.team_id, person_id=settlement.requester_id, status=settlement.status,
        reason=settlement.reason, attempts=0,
        created_at=_utc(settlement.created_at), next_attempt_at=None if due is None else _utc(due),
    )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def _pending_close(row: Sequence[Any]) -> PendingClose:
    """The claimed row (`_SETTLE_COLUMNS`); a payload that cannot be read is left for
    settling to fail on."""
    (conversation_id, source, ticket_id, team_id, round_, always_ask, requester_id,
     agent_id, pending, attempts) = row
    fields = {
        "conversation_id": conversation_id, "source": source, "ticket_id": ticket_id,
        "team_id": team_id, "round": round_, "always_ask": bool(always_ask),
        "requester_id": requester_id, "agent_id": agent_id, "failed_attempts": attempts,
    }
    try:
        payload = parse_payload(pending)
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
    return {  # `_PROMPT_COLUMNS`
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
