"""Conversations and the life of a prompt: accepted, settled, claimed, sent, expired."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.decisions import (
    CloseOutcome,
    Decider,
    DuePrompt,
    Postponed,
    ReopenOutcome,
    SettleReport,
    WorkerSeen,
)
from bot.domain.errors import StoreUnavailable, UnknownTeam
from bot.domain.events import ConversationClosed, ConversationReopened
from bot.domain.model import ConversationState, Prompt, PromptStatus, SkipReason
from storage.base import StoreBase, insert_for
from storage.batch_facts import gather
from storage.prepared import prepared
from storage.rows import prompt_from
from storage.schema import conversations, delivery_workers, platform_pauses, prompts
from storage.settling import accept, accept_many, claim_batch, claim_one, prompt_of_round, settle
from storage.types import UtcDateTime


def new_claim_token() -> str:
    return secrets.token_hex(16)


WORKER_MEMORY = timedelta(days=30)
_WITHDRAWABLE = (PromptStatus.PENDING.value, PromptStatus.SENT.value)
# Group commits in flight: the event loop keeps only weak references to tasks.
_running: set[asyncio.Future[None]] = set()


@dataclass(frozen=True, slots=True)
class _Accept:
    event: ConversationClosed
    now: datetime
    future: asyncio.Future[bool]

    def settle(self, outcome: bool | UnknownTeam) -> None:
        if self.future.done():  # the request went away; its close is stored all the same
            return
        if isinstance(outcome, UnknownTeam):
            self.future.set_exception(outcome)
        else:
            self.future.set_result(outcome)

    def fail(self, error: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(error)


class AskingQueries(StoreBase):
    # Accepts waiting for the next group commit (see `accept_close`); None until first used.
    _accepts: list[_Accept] | None = None

    async def accept_close(self, event: ConversationClosed, *, now: datetime) -> bool:
        """Stored durably when this returns: it waits for the commit of its group.

        Webhooks arriving together are written in one transaction, whose commit is most
        of what storing a close costs; each request still answers only once it is
        committed. An unexpected error in one makes the group try again one by one, so
        that only that one fails and nothing of it is written.
        """
        waiting = self._accepts
        if waiting is None:
            waiting = self._accepts = []
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        waiting.append(_Accept(event, now, future))
        if len(waiting) == 1:
            # After the requests already ready to run have added theirs.
            asyncio.get_running_loop().call_soon(self._start_group)
        return await future

    def _start_group(self) -> None:
        group, self._accepts = self._accepts or [], []
        task = asyncio.ensure_future(self._commit_group(group))
        _running.add(task)
        task.add_done_callback(_running.discard)

    async def _commit_group(self, group: list[_Accept]) -> None:
        try:
            outcomes = await self._accept_all(group)
        except StoreUnavailable as error:
            for item in group:
                item.fail(error)
            return
        except Exception:
            for item in group:
                await self._accept_alone(item)
            return
        for item, outcome in zip(group, outcomes, strict=True):
            item.settle(outcome)

    async def _accept_all(self, group: list[_Accept]) -> list[bool | UnknownTeam]:
        async with self._write() as connection:
            stored = await accept_many(connection, [(item.event, item.now) for item in group])
        # A row means a new close; None a duplicate; an UnknownTeam wrote nothing.
        return [
            outcome if isinstance(outcome, UnknownTeam) else outcome is not None
            for outcome in stored
        ]

    async def _accept_alone(self, item: _Accept) -> None:
        try:
            async with self._write() as connection:
                accepted = await accept(connection, item.event, item.now) is not None
        except Exception as error:
            item.fail(error)
            return
        item.settle(accepted)

    async def settle_closes(
        self, decide: Decider, *, now: datetime, limit: int, max_attempts: int
    ) -> SettleReport:
        async with self._write() as connection:
            rows = await claim_batch(connection, now=now, limit=limit)
            if not rows:
                return SettleReport(claimed=0, prompts=[], failures=[])
            settled = await settle(connection, rows, decide, now=now, max_attempts=max_attempts)
            return SettleReport(
                claimed=len(rows), prompts=settled.prompts, failures=settled.failures
            )

    async def close_conversation(
        self, event: ConversationClosed, decide: Decider, *, now: datetime
    ) -> CloseOutcome:
        # Accept and settle in one transaction: the worker's code, for one close.
        async with self._write() as connection:
            row = await accept(connection, event, now)
            if row is not None:
                settled = await settle(connection, [row], decide, now=now, max_attempts=None)
                return CloseOutcome(True, settled.prompts[0])
            conversation = await self._conversation(connection, event.source, event.ticket_id)
            assert conversation is not None  # a duplicate of a stored close
            # The earlier close may still wait for the worker: its decision is the answer.
            await _settle_if_pending(connection, conversation.id, decide, now)
            return CloseOutcome(False, await _prompt_of(connection, conversation))

    async def reopen_conversation(
        self, event: ConversationReopened, decide: Decider
    ) -> ReopenOutcome:
        async with self._write() as connection:
            conversation = await self._conversation(connection, event.source, event.ticket_id)
            if conversation is None:
                return ReopenOutcome(found=False, withdrawn=None)
            # A close the worker has not decided yet is decided first, then withdrawn like
            # any other: every decision stays on record.
            settled = await _settle_if_pending(
                connection, conversation.id, decide, event.reopened_at
            )
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
                        status=PromptStatus.SKIPPED.value,
                        reason=SkipReason.REOPENED.value,
                        claimed_until=None,
                        updated_at=event.reopened_at,
                    )
                    .returning(*prompts.c)
                )
            ).first()
            return ReopenOutcome(
                found=True,
                withdrawn=None if withdrawn is None else prompt_from(withdrawn),
                settled=settled,
            )

    async def claim_due_prompts(
        self, *, now: datetime, limit: int, lease: timedelta, token: str | None = None
    ) -> list[DuePrompt]:
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
            return await _due(connection, ordered, now, token)

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

    async def _conversation(self, connection: AsyncConnection, source: str, ticket: str) -> Any:
        query = sa.select(conversations).where(
            conversations.c.source == source, conversations.c.external_id == ticket
        )
        if self._postgres:
            # Two replicas handling the same close or reopen take turns on the row.
            query = query.with_for_update()
        return (await connection.execute(query)).first()


async def _settle_if_pending(
    connection: AsyncConnection, conversation_id: int, decide: Decider, now: datetime
) -> Prompt | None:
    """Settle the conversation's close here if the worker has not; its prompt, else None."""
    row = await claim_one(connection, conversation_id)
    if row is None:
        return None
    settled = await settle(connection, [row], decide, now=now, max_attempts=None)
    return settled.prompts[0]


async def _prompt_of(connection: AsyncConnection, conversation: Any) -> Prompt:
    row = await prompt_of_round(connection, conversation.id, conversation.round)
    assert row is not None, "a settled close has its prompt"
    return prompt_from(row)


async def _due(
    connection: AsyncConnection, rows: list[Any], now: datetime, token: str
) -> list[DuePrompt]:
    """Every claimed prompt with what re-checking the rules at send time needs.

    One set of reads for the whole claim (`storage.batch_facts`), not one per prompt.
    """
    found = await connection.execute(
        _CONVERSATIONS(connection), {"b_ids": sorted({row.conversation_id for row in rows})}
    )
    conversations_by_id = {conversation.id: conversation for conversation in found}
    facts = await gather(
        connection,
        team_ids={row.team_id for row in rows},
        person_ids={
            person_id
            for row in rows
            for person_id in (row.person_id, conversations_by_id[row.conversation_id].agent_id)
            if person_id is not None
        },
        identities=(),
        skip_prompts=[row.id for row in rows],
    )
    due: list[DuePrompt] = []
    for row in rows:
        prompt = prompt_from(row)
        conversation = conversations_by_id[prompt.conversation_id]
        context = await facts.context(
            connection,
            team=facts.teams[prompt.team_id],
            requester=facts.person(prompt.person_id),
            agent=facts.person(conversation.agent_id),
            always_ask=bool(conversation.always_ask),
            now=now,
            at_send_time=True,
            prompt_id=prompt.id,
            also_asked=_newest_other(rows, row),
        )
        due.append(
            DuePrompt(
                prompt=prompt,
                context=context,
                subject=conversation.subject,
                ticket_id=conversation.external_id,
                claim_token=token,
            )
        )
    return due


def _newest_other(rows: list[Any], row: Any) -> datetime | None:
    """The newest other claimed prompt to the same person: they count as asked too."""
    if row.person_id is None:
        return None
    times = [
        other.sent_at or other.created_at
        for other in rows
        if other.person_id == row.person_id and other.id != row.id
    ]
    return max(times, default=None)


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
