"""Relationship pulses: the pulse, a conversation and a prompt per recipient, the answers.

Answers live in `pulse_answers`, never in `ratings`: no score query can mix them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.model import ConversationState, PromptStatus
from bot.domain.personal_data import RatingRecord
from bot.domain.pulse import SCALE, SOURCE, Pulse, PulseAnswer
from bot.domain.pulse_result import PulseResult
from bot.domain.scales import Category
from bot.domain.scores import summarize
from bot.domain.tallies import Tally
from storage.base import StoreBase, insert_for, receipt_hash
from storage.prepared import prepared
from storage.rows import CATEGORY_VALUES
from storage.schema import conversations, prompts, pulse_answers, pulses, teams


class PulseQueries(StoreBase):
    """Mixed into `SqlStore`: the `Pulses` part."""

    async def open_pulse(self, team_id: int, *, now: datetime) -> Pulse | None:
        async with self._write() as connection:
            if self._postgres:
                # Two admins starting one team's pulse at once take turns: the second then
                # finds the first one's pulse open (SQLite's writer lock does this there).
                await connection.execute(
                    sa.select(teams.c.id).where(teams.c.id == team_id).with_for_update())
            row = (await connection.execute(
                sa.select(pulses)
                .where(pulses.c.team_id == team_id, pulses.c.closes_at > now)
                .order_by(pulses.c.closes_at.desc()).limit(1)
            )).first()
            return None if row is None else _pulse(row)

    async def pulse_candidates(self, team_id: int, *, since: datetime) -> list[int]:
        when = sa.func.coalesce(conversations.c.closed_at, conversations.c.created_at)
        async with self._read() as connection:
            found = await connection.execute(
                sa.select(conversations.c.requester_id).distinct().where(
                    conversations.c.team_id == team_id,
                    conversations.c.source != SOURCE,
                    conversations.c.requester_id.is_not(None),
                    when >= since,
                )
            )
            return sorted(int(person_id) for person_id in found.scalars())

    async def start_pulse(
        self, team_id: int, *, question: str, days: int, created_by: str, at: datetime,
        closes_at: datetime, recipients: Sequence[int], left_out: Mapping[str, int],
    ) -> Pulse:
        values: dict[str, Any] = {
            "team_id": team_id, "question": question, "days": days,
            "created_by": created_by[:320], "created_at": at, "closes_at": closes_at,
            "asked": len(recipients), "left_out": dict(left_out),
        }
        async with self._write() as connection:
            pulse_id = (await connection.execute(
                sa.insert(pulses).values(values).returning(pulses.c.id)
            )).scalar_one()
            for person_id in recipients:
                await _ask(connection, pulse_id, team_id, person_id, question, at)
        return Pulse(id=pulse_id, **values)

    async def insert_pulse_answer(
        self, *, answer_id: int | None, pulse_id: int, prompt_id: int | None,
        person_id: int | None, score: int, category: Category, receipt: str, at: datetime,
    ) -> PulseAnswer | None:
        values: dict[str, Any] = {
            "pulse_id": pulse_id, "prompt_id": prompt_id, "person_id": person_id,
            "score": score, "category": CATEGORY_VALUES[category], "comment": None,
            "receipt_hash": receipt_hash(receipt), "answered_at": at, "updated_at": at,
            # An anonymous answer waits for the nightly batch to lose its place.
            "awaiting_batch": prompt_id is None,
        }
        if answer_id is not None:
            values["id"] = answer_id
        async with self._write() as connection:
            insert = insert_for(connection, pulse_answers).values(values)
            # A concurrent first click on the same prompt stored it first: theirs stands.
            statement = insert.on_conflict_do_nothing(index_elements=[pulse_answers.c.prompt_id])
            row = (await connection.execute(statement.returning(pulse_answers))).first()
            return None if row is None else _answer(row)

    async def pulse_answer(
        self, *, prompt_id: int | None = None, pulse_id: int | None = None,
        receipt: str | None = None,
    ) -> PulseAnswer | None:
        if prompt_id is not None:
            where = pulse_answers.c.prompt_id == prompt_id
        elif pulse_id is not None and receipt:
            where = sa.and_(pulse_answers.c.pulse_id == pulse_id,
                            pulse_answers.c.receipt_hash == receipt_hash(receipt))
        else:
            return None
        async with self._read() as connection:
            row = (await connection.execute(sa.select(pulse_answers).where(where))).first()
            return None if row is None else _answer(row)

    async def change_pulse_answer(
        self, answer_id: int, *, at: datetime, score: int | None = None,
        category: Category | None = None, comment: str | None = None,
        receipt: str | None = None,
    ) -> PulseAnswer:
        values: dict[str, Any] = {"updated_at": at}
        if score is not None and category is not None:
            values.update(score=score, category=CATEGORY_VALUES[category])
        if comment is not None:
            values["comment"] = comment
        if receipt is not None:
            values["receipt_hash"] = receipt_hash(receipt)
        async with self._write() as connection:
            row = (await connection.execute(
                sa.update(pulse_answers).where(pulse_answers.c.id == answer_id)
                .values(values).returning(pulse_answers)
            )).one()
            return _answer(row)

    async def held_pulse_answers(self) -> list[int]:
        async with self._read() as connection:
            found = await connection.execute(
                sa.select(pulse_answers.c.id).where(pulse_answers.c.awaiting_batch.is_(True))
                .order_by(pulse_answers.c.id)
            )
            return [int(answer_id) for answer_id in found.scalars()]

    async def rewrite_pulse_answers(self, new_ids: Sequence[tuple[int, int]]) -> None:
        old_ids = [old for old, _ in new_ids]
        async with self._write() as connection:
            rows = {row.id: dict(row._mapping) for row in await connection.execute(
                sa.select(pulse_answers).where(pulse_answers.c.id.in_(old_ids)))}
            await connection.execute(
                sa.delete(pulse_answers).where(pulse_answers.c.id.in_(old_ids)))
            # One row at a time, in the order given: that order is what the engine keeps.
            for old, new in new_ids:
                row = rows.get(old)
                if row is not None:  # else removed since it was read
                    await connection.execute(sa.insert(pulse_answers).values(
                        {**row, "id": new, "awaiting_batch": False}))

    async def closed_pulse(
        self, team_id: int, *, since: datetime, until: datetime
    ) -> PulseResult | None:
        async with self._read() as connection:
            return await closed_pulse_in(connection, team_id, since, until)


def pulse_part() -> sa.Select[Any]:
    """The team's pulse that closed last in [since, until), its answers by category:
    one row per category answered (one with no category if none was)."""
    closed = (
        sa.select(pulses.c.id, pulses.c.question, pulses.c.asked, pulses.c.closes_at)
        .where(pulses.c.team_id == sa.bindparam("team_id"),
               pulses.c.closes_at >= sa.bindparam("since"),
               pulses.c.closes_at < sa.bindparam("until"))
        .order_by(pulses.c.closes_at.desc()).limit(1)
        .subquery("closed")
    )
    return (
        sa.select(closed.c.question, closed.c.asked, closed.c.closes_at,
                  pulse_answers.c.category, sa.func.count(pulse_answers.c.id).label("n"))
        .select_from(closed.outerjoin(pulse_answers, pulse_answers.c.pulse_id == closed.c.id))
        .group_by(closed.c.id, closed.c.question, closed.c.asked, closed.c.closes_at,
                  pulse_answers.c.category)
    )


def pulse_result(rows: Sequence[Any]) -> PulseResult | None:
    """`pulse_part`'s rows as the digest shows them; None: no pulse closed then."""
    if not rows:
        return None
    by = {int(row.category): int(row.n) for row in rows if row.category is not None}
    tally = Tally(n=sum(by.values()), promoters=by.get(1, 0), passives=by.get(0, 0),
                  detractors=by.get(-1, 0))
    first = rows[0]
    return PulseResult(question=first.question, asked=first.asked,
                       closes_at=first.closes_at, score=summarize(SCALE, tally))


_CLOSED = prepared(lambda _: pulse_part())


async def closed_pulse_in(
    connection: Any, team_id: int, since: datetime, until: datetime
) -> PulseResult | None:
    """The team's pulse that closed in [since, until), its answers tallied."""
    return pulse_result((await connection.execute(
        _CLOSED(connection), {"team_id": team_id, "since": since, "until": until}
    )).all())


async def pulse_answers_of(connection: Any, person_id: int) -> list[RatingRecord]:
    """A person's own pulse answers, for their data export (anonymous ones name nobody)."""
    found = await connection.execute(
        sa.select(pulse_answers, teams.c.name.label("team_name"))
        .join(pulses, pulses.c.id == pulse_answers.c.pulse_id)
        .join(teams, teams.c.id == pulses.c.team_id)
        .where(pulse_answers.c.person_id == person_id)
        .order_by(pulse_answers.c.answered_at)
    )
    return [RatingRecord(team=row.team_name, scale=SCALE.value, score=row.score,
                         comment=row.comment, rated_at=row.answered_at) for row in found]


async def _ask(
    connection: Any, pulse_id: int, team_id: int, person_id: int, question: str, at: datetime
) -> None:
    """One recipient's conversation (so delivery, reminders and clicks work as for a
    ticket) and its prompt, due now; the worker re-checks the asking rules when sending."""
    conversation_id = (await connection.execute(
        sa.insert(conversations).values(
            source=SOURCE, external_id=f"{pulse_id}:{person_id}", team_id=team_id,
            requester_id=person_id, agent_id=None, subject=question,
            state=ConversationState.CLOSED.value, round=1, always_ask=False,
            closed_at=at, created_at=at,
        ).returning(conversations.c.id)
    )).scalar_one()
    await connection.execute(sa.insert(prompts).values(
        conversation_id=conversation_id, round=1, team_id=team_id, person_id=person_id,
        status=PromptStatus.PENDING.value, attempts=0, next_attempt_at=at,
        created_at=at, updated_at=at, pulse_id=pulse_id,
    ))


def _pulse(row: Any) -> Pulse:
    return Pulse(
        id=row.id, team_id=row.team_id, question=row.question, days=row.days,
        created_by=row.created_by, created_at=row.created_at, closes_at=row.closes_at,
        asked=row.asked, left_out=dict(row.left_out or {}),
    )


def _answer(row: Any) -> PulseAnswer:
    return PulseAnswer(
        id=row.id, pulse_id=row.pulse_id, prompt_id=row.prompt_id, person_id=row.person_id,
        score=row.score, comment=row.comment, answered_at=row.answered_at,
    )
