"""Conversations and the life of a prompt: decided at close, claimed, sent, expired."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.events import ConversationClosed, ConversationReopened
from bot.model import ConversationState, Person, Prompt, PromptStatus, SkipReason
from bot.ports import CloseOutcome, Decider, DuePrompt, PersonIdentity, ReopenOutcome
from storage.base import StoreBase, insert_for
from storage.lookups import (
    ask_context,
    has_identity,
    person_by_id,
    team_by_id,
    team_named,
    upsert_person,
)
from storage.rows import prompt_from
from storage.schema import conversations, prompts

_WITHDRAWABLE = (PromptStatus.PENDING.value, PromptStatus.SENT.value)


class AskingQueries(StoreBase):
    async def close_conversation(
        self, event: ConversationClosed, decide: Decider, *, now: datetime
    ) -> CloseOutcome:
        async with self._write() as connection:
            team = await team_named(connection, event.team)
            conversation = await self._conversation(connection, event.source, event.ticket_id)
            if conversation is not None and conversation.state == ConversationState.CLOSED:
                return CloseOutcome(False, await _prompt_of(connection, conversation))
            requester = await _upsert(
                connection,
                PersonIdentity(
                    email=event.requester_email,
                    display_name=event.requester_name,
                    slack_user_id=event.requester_slack_id,
                    teams_user_id=event.requester_teams_id,
                ),
                now,
            )
            agent = await _upsert(
                connection,
                PersonIdentity(
                    email=event.agent_email,
                    display_name=event.agent_name,
                    slack_user_id=event.agent_slack_id,
                    teams_user_id=event.agent_teams_id,
                ),
                now,
            )
            if conversation is None:
                inserted = await connection.execute(
                    insert_for(connection, conversations)
                    .values(
                        source=event.source,
                        external_id=event.ticket_id,
                        team_id=team.id,
                        requester_id=requester and requester.id,
                        agent_id=agent and agent.id,
                        subject=event.subject,
                        state=ConversationState.CLOSED.value,
                        round=1,
                        always_ask=event.always_ask,
                        closed_at=event.closed_at,
                        created_at=now,
                    )
                    # A concurrent identical close won the race: its prompt is the answer.
                    .on_conflict_do_nothing(
                        index_elements=[conversations.c.source, conversations.c.external_id]
                    )
                    .returning(*conversations.c)
                )
                conversation = inserted.first()
                if conversation is None:
                    conversation = await self._conversation(
                        connection, event.source, event.ticket_id
                    )
                    assert conversation is not None
                    return CloseOutcome(False, await _prompt_of(connection, conversation))
            else:
                updated = await connection.execute(
                    sa.update(conversations)
                    .where(conversations.c.id == conversation.id)
                    .values(
                        state=ConversationState.CLOSED.value,
                        round=conversation.round + 1,
                        team_id=team.id,
                        requester_id=requester.id if requester else conversation.requester_id,
                        agent_id=agent.id if agent else conversation.agent_id,
                        subject=event.subject or conversation.subject,
                        always_ask=event.always_ask,
                        closed_at=event.closed_at,
                    )
                    .returning(*conversations.c)
                )
                conversation = updated.one()
                requester = await person_by_id(connection, conversation.requester_id)
                agent = await person_by_id(connection, conversation.agent_id)
            assert conversation is not None
            context = await ask_context(
                connection,
                now=now,
                team=team,
                requester=requester,
                agent=agent,
                always_ask=event.always_ask,
                at_send_time=False,
            )
            decision = decide(context)
            inserted = await connection.execute(
                insert_for(connection, prompts)
                .values(
                    conversation_id=conversation.id,
                    round=conversation.round,
                    team_id=team.id,
                    person_id=requester and requester.id,
                    status=decision.status.value,
                    reason=decision.reason.value if decision.reason else None,
                    attempts=0,
                    next_attempt_at=decision.due_at if decision.asks else None,
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(
                    index_elements=[prompts.c.conversation_id, prompts.c.round]
                )
                .returning(*prompts.c)
            )
            new_prompt = inserted.first()
            if new_prompt is None:
                return CloseOutcome(False, await _prompt_of(connection, conversation))
            return CloseOutcome(True, prompt_from(new_prompt))

    async def reopen_conversation(self, event: ConversationReopened) -> ReopenOutcome:
        async with self._write() as connection:
            conversation = await self._conversation(connection, event.source, event.ticket_id)
            if conversation is None:
                return ReopenOutcome(found=False, withdrawn=None)
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
                found=True, withdrawn=None if withdrawn is None else prompt_from(withdrawn)
            )

    async def claim_due_prompts(
        self, *, now: datetime, limit: int, lease: timedelta
    ) -> list[DuePrompt]:
        claimable = sa.and_(
            prompts.c.status == PromptStatus.PENDING.value,
            prompts.c.next_attempt_at <= now,
            sa.or_(prompts.c.claimed_until.is_(None), prompts.c.claimed_until <= now),
        )
        async with self._write() as connection:
            candidates = list(
                (
                    await connection.execute(
                        sa.select(prompts.c.id)
                        .where(claimable)
                        .order_by(prompts.c.next_attempt_at, prompts.c.id)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            if not candidates:
                return []
            # The claimable condition again: only rows this UPDATE changed are ours.
            claimed = (
                await connection.execute(
                    sa.update(prompts)
                    .where(prompts.c.id.in_(candidates), claimable)
                    .values(claimed_until=now + lease, updated_at=now)
                    .returning(*prompts.c)
                )
            ).all()
            ordered = sorted(claimed, key=lambda row: (row.next_attempt_at, row.id))
            return [await _due(connection, row, now) for row in ordered]

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
                    updated_at=sent_at,
                )
            )

    async def reschedule_prompt(
        self, prompt_id: int, *, next_attempt_at: datetime, failed_attempt: bool, reason: str | None
    ) -> None:
        values: dict[str, Any] = {
            "next_attempt_at": next_attempt_at,
            "claimed_until": None,
            "attempts": prompts.c.attempts + (1 if failed_attempt else 0),
        }
        if reason is not None:
            values["reason"] = reason
        async with self._write() as connection:
            await connection.execute(
                sa.update(prompts)
                .where(prompts.c.id == prompt_id, prompts.c.status == PromptStatus.PENDING.value)
                .values(**values)
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
                .values(status=status.value, reason=reason, claimed_until=None, updated_at=at)
            )

    async def expire_prompts(self, *, now: datetime) -> list[Prompt]:
        async with self._write() as connection:
            rows = await connection.execute(
                sa.update(prompts)
                .where(prompts.c.status == PromptStatus.SENT.value, prompts.c.expires_at <= now)
                .values(status=PromptStatus.EXPIRED.value, updated_at=now)
                .returning(*prompts.c)
            )
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


async def _upsert(
    connection: AsyncConnection, identity: PersonIdentity, now: datetime
) -> Person | None:
    return await upsert_person(connection, identity, now) if has_identity(identity) else None


async def _prompt_of(connection: AsyncConnection, conversation: Any) -> Prompt:
    row = (
        await connection.execute(
            sa.select(prompts).where(
                prompts.c.conversation_id == conversation.id,
                prompts.c.round == conversation.round,
            )
        )
    ).one()
    return prompt_from(row)


async def _due(connection: AsyncConnection, row: Any, now: datetime) -> DuePrompt:
    prompt = prompt_from(row)
    conversation = (
        await connection.execute(
            sa.select(conversations).where(conversations.c.id == prompt.conversation_id)
        )
    ).one()
    context = await ask_context(
        connection,
        now=now,
        team=await team_by_id(connection, prompt.team_id),
        requester=await person_by_id(connection, prompt.person_id),
        agent=await person_by_id(connection, conversation.agent_id),
        always_ask=bool(conversation.always_ask),
        at_send_time=True,
        prompt_id=prompt.id,
    )
    return DuePrompt(
        prompt=prompt,
        context=context,
        subject=conversation.subject,
        ticket_id=conversation.external_id,
    )
