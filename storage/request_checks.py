"""Mutual rating in SQL: the checks sent to agents, and their answers kept apart.

What is kept, and why (DESIGN.md principles 8 and 9). A check row says which agent was
asked about which conversation, and whether it went out; it never says whether or how it
was answered. An answer row holds only what the admins' figures count: the team, the day
(midnight UTC), the clarity and the reachability, under a random id, and the hash of a
receipt that only the agent's own chat message carries (so the agent can change it until
the check expires). That a check was answered is told by a keyed marker (as for anonymous
ratings: `anonymous_answered`, rewritten and forgotten by the nightly anonymity job), so
someone reading the database cannot tell which check, agent or requester an answer
belongs to, in any team. Nor can the engine's own row order (PostgreSQL's ctid and xmin)
say it: the nightly anonymity job writes each day's answers again in random order under
new random ids (`rewrite_request_answers`), and SQLite keeps rows in the order of their
random ids. A check row is not touched when it is answered. Forgetting an agent deletes
their checks; the answers, which name nobody, stay counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from bot.domain.model import Team
from bot.domain.personal_data import RequestCheckRecord
from bot.domain.request_checks import Clarity, NewRequestCheck, Reach, RequestFigures
from bot.ports.store.request_checks import Answered, CheckFacts
from storage.anonymity import anonymous_answered
from storage.base import StoreBase, count_if, insert_for
from storage.rows import person_from, team_from
from storage.schema import conversations, people, teams
from storage.schema_mutual import request_answers, request_checks

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


class RequestCheckQueries(StoreBase):
    """Mixed into `SqlStore`: the `RequestChecks` part."""

    async def open_request_checks(
        self, checks: Sequence[NewRequestCheck], *, now: datetime
    ) -> None:
        if not checks:
            return
        async with self._write() as connection:
            await connection.execute(
                insert_for(connection, request_checks).on_conflict_do_nothing(
                    index_elements=[request_checks.c.conversation_id]),
                [{"conversation_id": check.conversation_id, "team_id": check.team_id,
                  "agent_id": check.agent_id, "status": PENDING, "next_attempt_at": now,
                  "created_at": now} for check in checks],
            )

    async def due_request_checks(self, *, now: datetime, limit: int) -> list[CheckFacts]:
        where = sa.and_(request_checks.c.status == PENDING,
                        request_checks.c.next_attempt_at <= now)
        return await self._checks(where, limit=limit)

    async def request_check(self, check_id: int) -> CheckFacts | None:
        found = await self._checks(request_checks.c.id == check_id, limit=1)
        return found[0] if found else None

    async def claim_request_check(self, check_id: int) -> bool:
        async with self._write() as connection:
            # One statement: of two workers, the second finds it no longer pending.
            claimed = await connection.execute(
                sa.update(request_checks)
                .where(request_checks.c.id == check_id, request_checks.c.status == PENDING)
                .values(status=SENDING)
            )
            return bool(claimed.rowcount)

    async def request_check_sent(
        self, check_id: int, *, platform: str, expires_at: datetime
    ) -> None:
        async with self._write() as connection:
            await connection.execute(
                sa.update(request_checks).where(request_checks.c.id == check_id)
                .values(status=SENT, platform=platform, expires_at=expires_at,
                        next_attempt_at=None)
            )

    async def request_check_not_sent(
        self, check_id: int, *, attempts: int, retry_at: datetime | None
    ) -> None:
        async with self._write() as connection:
            await connection.execute(
                sa.update(request_checks).where(request_checks.c.id == check_id)
                .values(status=PENDING if retry_at else FAILED, attempts=attempts,
                        next_attempt_at=retry_at)
            )

    async def record_request_answer(
        self, *, marker: str, answer_id: int, team_id: int, day: datetime,
        receipt_hash: str, answer: Clarity | Reach,
    ) -> bool:
        async with self._write() as connection:
            first = (await connection.execute(
                insert_for(connection, anonymous_answered)
                .values(marker=marker, day=day.date().isoformat(), fresh=True)
                .on_conflict_do_nothing(index_elements=[anonymous_answered.c.marker])
                .returning(anonymous_answered.c.marker)
            )).first()
            if first is None:
                return False
            await connection.execute(sa.insert(request_answers).values(
                id=answer_id, team_id=team_id, day=day, receipt_hash=receipt_hash,
                **_column_of(answer),
            ))
            return True

    async def change_request_answer(
        self, *, team_id: int, receipt_hash: str, answer: Clarity | Reach | None = None
    ) -> Answered | None:
        found = sa.and_(request_answers.c.team_id == team_id,
                        request_answers.c.receipt_hash == receipt_hash)
        async with self._write() as connection:
            if answer is not None:
                await connection.execute(
                    sa.update(request_answers).where(found).values(**_column_of(answer)))
            row = (await connection.execute(
                sa.select(request_answers.c.clarity, request_answers.c.reach).where(found)
            )).first()
        if row is None:
            return None
        return Answered(Clarity(row.clarity) if row.clarity else None,
                        Reach(row.reach) if row.reach else None)

    async def request_figures(
        self, *, since: datetime, team_ids: Sequence[int]
    ) -> dict[int, RequestFigures]:
        if not team_ids:
            return {}
        answers = request_answers.c

        query = (
            sa.select(
                answers.team_id, count_if(answers.clarity == Clarity.CLEAR.value),
                count_if(answers.clarity == Clarity.PARTLY.value),
                count_if(answers.clarity == Clarity.UNCLEAR.value),
                count_if(answers.reach == Reach.YES.value),
                count_if(answers.reach == Reach.NOT_EASILY.value), sa.func.count(),
            )
            .where(answers.team_id.in_(team_ids), answers.day >= since)
            .group_by(answers.team_id)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).all()
        return {row[0]: RequestFigures(*(int(value or 0) for value in row[1:])) for row in rows}

    async def request_answers_to_shuffle(self, *, before: datetime) -> list[int]:
        query = sa.select(request_answers.c.id).where(
            request_answers.c.shuffled.is_(False), request_answers.c.day < before)
        async with self._read() as connection:
            return [row.id for row in await connection.execute(query)]

    async def rewrite_request_answers(self, order: Sequence[tuple[int, int]]) -> None:
        if not order:
            return
        async with self._write() as connection:
            found = await connection.execute(sa.select(request_answers).where(
                request_answers.c.id.in_([old for old, _ in order])))
            stored = {row.id: dict(row._mapping) for row in found}
            await connection.execute(sa.delete(request_answers).where(
                request_answers.c.id.in_(list(stored))))
            for old, new in order:  # one at a time: the order is what the engine keeps
                if old in stored:
                    await connection.execute(sa.insert(request_answers).values(
                        {**stored[old], "id": new, "shuffled": True}))

    async def _checks(self, where: sa.ColumnElement[bool], *, limit: int) -> list[CheckFacts]:
        agent = people.alias("agent")
        query = (
            sa.select(request_checks, conversations.c.subject, conversations.c.external_id,
                      *(column.label(f"who_{column.name}") for column in agent.c))
            .join(conversations, conversations.c.id == request_checks.c.conversation_id)
            .join(agent, agent.c.id == request_checks.c.agent_id)
            .where(where)
            .order_by(request_checks.c.id)
            .limit(limit)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).all()
            if not rows:
                return []
            team_rows = await connection.execute(
                sa.select(teams).where(teams.c.id.in_({row.team_id for row in rows})))
            team_of = {row.id: team_from(row, {}) for row in team_rows}
        return [_facts(row, team_of[row.team_id]) for row in rows]


def _column_of(answer: Clarity | Reach) -> dict[str, str]:
    return {"clarity": answer.value} if isinstance(answer, Clarity) else {"reach": answer.value}


def _facts(row: Any, team: Team) -> CheckFacts:
    agent = person_from(SimpleNamespace(**{
        str(name).removeprefix("who_"): value
        for name, value in row._mapping.items() if str(name).startswith("who_")
    }))
    return CheckFacts(
        id=row.id, status=row.status, attempts=row.attempts, team=team, agent=agent,
        subject=row.subject, ticket_id=row.external_id, expires_at=row.expires_at,
    )


async def request_checks_of(connection: Any, agent_id: int) -> list[RequestCheckRecord]:
    """The checks sent to an agent, for their data export: what they were asked about."""
    found = await connection.execute(
        sa.select(request_checks.c.status, request_checks.c.created_at,
                  teams.c.name.label("team_name"), conversations.c.external_id)
        .join(teams, teams.c.id == request_checks.c.team_id)
        .join(conversations, conversations.c.id == request_checks.c.conversation_id)
        .where(request_checks.c.agent_id == agent_id)
        .order_by(request_checks.c.created_at, request_checks.c.id)
    )
    return [RequestCheckRecord(team=row.team_name, ticket=row.external_id, status=row.status,
                               created_at=row.created_at) for row in found]
