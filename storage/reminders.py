"""Reminders of sent prompts nobody answered: the candidates, and the once-only claim."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import PromptStatus
from bot.domain.reminders import ReminderCandidate
from storage.base import StoreBase
from storage.rows import person_from, prompt_from, team_from
from storage.schema import conversations, people, prompts, teams


class ReminderQueries(StoreBase):
    """Mixed into `SqlStore`: the `Reminders` part."""

    async def reminder_candidates(
        self, *, now: datetime, margin: timedelta, limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> list[ReminderCandidate]:
        async with self._read() as connection:
            team_rows = (
                await connection.execute(sa.select(teams).where(teams.c.reminder_minutes > 0))
            ).all()
            if not team_rows:
                return []
            rows = (
                await connection.execute(
                    sa.select(prompts)
                    .join(people, people.c.id == prompts.c.person_id)
                    .where(
                        prompts.c.status == PromptStatus.SENT.value,
                        prompts.c.reminded_at.is_(None),
                        prompts.c.expires_at > now + margin,
                        people.c.opted_out.is_(False),
                        _late_enough(team_rows, now),
                        sa.true() if after is None
                        else sa.tuple_(prompts.c.sent_at, prompts.c.id) > sa.tuple_(*after),
                    )
                    .order_by(prompts.c.sent_at, prompts.c.id)
                    .limit(limit)
                )
            ).all()
            return await _candidates(connection, rows, team_rows) if rows else []

    async def claim_reminder(self, prompt_id: int, *, now: datetime) -> bool:
        async with self._write() as connection:
            # One statement: of two replicas racing, the second finds `reminded_at` set
            # (PostgreSQL re-checks the condition on the row the first one committed).
            claimed = await connection.execute(
                sa.update(prompts)
                .where(
                    prompts.c.id == prompt_id,
                    prompts.c.status == PromptStatus.SENT.value,
                    prompts.c.reminded_at.is_(None),
                    prompts.c.expires_at > now,
                )
                .values(reminded_at=now)
            )
            return bool(claimed.rowcount)


def _late_enough(team_rows: Sequence[Any], now: datetime) -> sa.ColumnElement[bool]:
    """Sent at least each team's delay ago: one condition per distinct delay, so the
    database compares `sent_at` with a moment and does no date arithmetic (which
    differs by engine)."""
    by_delay: dict[int, list[int]] = defaultdict(list)
    for row in team_rows:
        by_delay[row.reminder_minutes].append(row.id)
    return sa.or_(*(
        sa.and_(prompts.c.team_id.in_(ids), prompts.c.sent_at <= now - timedelta(minutes=minutes))
        for minutes, ids in by_delay.items()
    ))


async def _candidates(
    connection: AsyncConnection, rows: Sequence[Any], team_rows: Sequence[Any]
) -> list[ReminderCandidate]:
    """The prompts with their conversation, person and agent: two more reads in all."""
    found = await connection.execute(
        sa.select(
            conversations.c.id, conversations.c.subject, conversations.c.external_id,
            conversations.c.agent_id,
        ).where(conversations.c.id.in_({row.conversation_id for row in rows}))
    )
    talks = {talk.id: talk for talk in found}
    wanted = {row.person_id for row in rows} | {
        talk.agent_id for talk in talks.values() if talk.agent_id is not None
    }
    who = {
        person.id: person_from(person)
        for person in await connection.execute(sa.select(people).where(people.c.id.in_(wanted)))
    }
    team_of = {row.id: team_from(row, {}) for row in team_rows}
    return [
        ReminderCandidate(
            prompt=prompt_from(row),
            team=team_of[row.team_id],
            person=who[row.person_id],
            agent=who.get(talks[row.conversation_id].agent_id),
            subject=talks[row.conversation_id].subject,
            ticket_id=talks[row.conversation_id].external_id,
        )
        for row in rows
    ]
