"""Anonymity's tables and writes: answer counts, replay markers, the nightly batches.

The rules (which ratings form a batch, in what order, under which ids) are the core's
(`bot.domain.anonymity`); this only reads and writes what the flow decided.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.anonymity import Batch, HeldRating, day_of
from storage.after_score import reasons_of
from storage.base import StoreBase, insert_for
from storage.guard import translate_unavailable
from storage.schema import (
    follow_ups,
    metadata,
    pulse_answers,
    rating_reasons,
    ratings,
)
from storage.schema_mutual import request_answers
from storage.types import UtcDateTime

# First answers per anonymous team and day: the response rate without a prompt to tie
# each to. Days are ISO dates (UTC), like every anonymous stamp.
anonymous_answer_counts = sa.Table(
    "anonymous_answer_counts",
    metadata,
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("answered", sa.Integer, nullable=False),
)

# Keyed hashes of answered anonymous prompts (bot.domain.anonymity.answered_marker).
anonymous_answered = sa.Table(
    "anonymous_answered",
    metadata,
    sa.Column("marker", sa.String(64), primary_key=True),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("fresh", sa.Boolean, nullable=False, server_default=sa.true()),
)

# One row per day the nightly job ran: the claim that makes it run once across replicas.
anonymity_runs = sa.Table(
    "anonymity_runs",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("ran_at", UtcDateTime(), nullable=False),
)


class AnonymityQueries(StoreBase):
    """Mixed into `SqlStore`: the `AnonymousBatches` part."""

    async def count_anonymous_answer(self, team_id: int, day: date) -> None:
        table = anonymous_answer_counts
        async with self._write() as connection:
            statement = insert_for(connection, table).values(
                team_id=team_id, day=day.isoformat(), answered=1
            )
            await connection.execute(statement.on_conflict_do_update(
                index_elements=[table.c.team_id, table.c.day],
                set_={"answered": table.c.answered + 1},
            ))

    async def was_answered(self, marker: str) -> bool:
        query = sa.select(anonymous_answered.c.marker).where(
            anonymous_answered.c.marker == marker
        )
        async with self._read() as connection:
            return (await connection.execute(query)).first() is not None

    async def mark_answered(self, marker: str, day: date) -> None:
        async with self._write() as connection:
            await connection.execute(
                insert_for(connection, anonymous_answered)
                .values(marker=marker, day=day.isoformat(), fresh=True)
                .on_conflict_do_nothing(index_elements=[anonymous_answered.c.marker])
            )

    async def claim_anonymity_run(self, day: date, *, at: datetime) -> bool:
        async with self._write() as connection:
            claimed = await connection.execute(
                insert_for(connection, anonymity_runs)
                .values(day=day.isoformat(), ran_at=at)
                .on_conflict_do_nothing(index_elements=[anonymity_runs.c.day])
                .returning(anonymity_runs.c.day)
            )
            return claimed.first() is not None

    async def held_ratings(self, team_id: int) -> list[HeldRating]:
        query = sa.select(ratings.c.id, ratings.c.rated_at).where(
            ratings.c.team_id == team_id, ratings.c.awaiting_batch.is_(True)
        )
        async with self._read() as connection:
            return [HeldRating(row.id, row.rated_at) for row in await connection.execute(query)]

    async def last_released(self, team_id: int, *, since: datetime) -> list[HeldRating]:
        released = sa.and_(
            # Anonymous ones only: a team made anonymous keeps its identified ratings as they are.
            ratings.c.team_id == team_id, ratings.c.prompt_id.is_(None),
            ratings.c.awaiting_batch.is_(False), ratings.c.rated_at >= since,
        )
        latest = sa.select(sa.func.max(ratings.c.rated_at)).where(released).scalar_subquery()
        query = sa.select(ratings.c.id, ratings.c.rated_at).where(
            released, ratings.c.rated_at == latest
        )
        async with self._read() as connection:
            return [HeldRating(row.id, row.rated_at) for row in await connection.execute(query)]

    async def release_batch(self, batch: Batch) -> None:
        old_ids = [rating.old_id for rating in batch.ratings]
        async with self._write() as connection:
            stored = await _rows(connection, ratings, ratings.c.id, old_ids)
            opened = await _rows(connection, follow_ups, follow_ups.c.rating_id, old_ids)
            chosen = await reasons_of(connection, old_ids)
            await connection.execute(sa.delete(rating_reasons).where(
                rating_reasons.c.rating_id.in_(old_ids)
            ))
            await connection.execute(sa.delete(follow_ups).where(
                follow_ups.c.rating_id.in_(old_ids)
            ))
            await connection.execute(sa.delete(ratings).where(ratings.c.id.in_(old_ids)))
            again: list[dict[str, Any]] = []
            reopened: list[dict[str, Any]] = []
            for released in batch.ratings:
                row = stored.get(released.old_id)
                if row is None:  # removed since it was read: nothing to write back
                    continue
                again.append({**row, "id": released.new_id, "rated_at": batch.day,
                              "updated_at": max(row["updated_at"], batch.day),
                              "awaiting_batch": False})
                follow_up = opened.get(released.old_id)
                if follow_up is not None:
                    reopened.append({**follow_up, "rating_id": released.new_id,
                                     "created_at": max(follow_up["created_at"], batch.day)})
            # One row at a time, in the batch's order: that order is what the engine keeps.
            for row in again:
                await connection.execute(sa.insert(ratings).values(**row))
            for row in reopened:
                await connection.execute(sa.insert(follow_ups).values(**row))
            moved = [{"rating_id": released.new_id, "reason": reason}
                     for released in batch.ratings if released.old_id in stored
                     for reason in chosen.get(released.old_id, [])]
            if moved:
                await connection.execute(sa.insert(rating_reasons), moved)

    async def reclaim_rewritten(self) -> None:
        if not self._postgres:
            # SQLite keeps rows in the order of their (random) ids: deleted ones say no more.
            return
        with translate_unavailable():
            async with self._engine.connect() as connection:
                # VACUUM runs outside a transaction. The batch's deleted versions would stay
                # in the heap, in the order they were written, until autovacuum got to a
                # table that may be large enough to put that off for weeks.
                ready = await connection.execution_options(isolation_level="AUTOCOMMIT")
                # The counts too: each answer left a dead version of its day's row.
                for table in (ratings, follow_ups, rating_reasons, anonymous_answered,
                              anonymous_answer_counts, request_answers, pulse_answers):
                    await ready.execute(sa.text(f"VACUUM {table.name}"))

    async def fresh_markers(self) -> list[str]:
        query = sa.select(anonymous_answered.c.marker).where(
            anonymous_answered.c.fresh.is_(True)
        )
        async with self._read() as connection:
            return [row.marker for row in await connection.execute(query)]

    async def rewrite_markers(self, markers: list[str], *, forget_before: date) -> None:
        table = anonymous_answered
        async with self._write() as connection:
            found = await connection.execute(
                sa.select(table.c.marker, table.c.day).where(table.c.marker.in_(markers))
            )
            days = {row.marker: row.day for row in found}
            await connection.execute(sa.delete(table).where(
                sa.or_(table.c.marker.in_(markers), table.c.day < forget_before.isoformat())
            ))
            for marker in markers:
                day = days.get(marker)
                if day is not None and day >= forget_before.isoformat():
                    await connection.execute(
                        sa.insert(table).values(marker=marker, day=day, fresh=False)
                    )


async def _rows(
    connection: AsyncConnection, table: sa.Table, key: sa.Column[Any], values: list[int]
) -> dict[int, dict[str, Any]]:
    found = await connection.execute(sa.select(table).where(key.in_(values)))
    return {int(row._mapping[key.name]): dict(row._mapping) for row in found}


def _first_day(at: datetime) -> str:
    """The first UTC day whose midnight is at or after `at`: anonymous stamps are midnights."""
    midnight = day_of(at)
    if midnight < at:
        midnight += timedelta(days=1)
    return midnight.date().isoformat()


def answered_part() -> sa.Select[Any]:
    """First answers counted for one anonymous team (`team_id`) on its days in
    [first_day, end_day): `answered_days(since, until)` gives those two values."""
    table = anonymous_answer_counts
    return sa.select(sa.func.coalesce(sa.func.sum(table.c.answered), 0).label("n")).where(
        table.c.team_id == sa.bindparam("team_id"),
        table.c.day >= sa.bindparam("first_day", type_=sa.String),
        table.c.day < sa.bindparam("end_day", type_=sa.String),
    )


def answered_days(since: datetime, until: datetime) -> dict[str, str]:
    return {"first_day": _first_day(since), "end_day": _first_day(until)}


async def anonymous_answers(
    connection: AsyncConnection, *, since: datetime, until: datetime,
    team_ids: list[int] | None = None,
) -> dict[int, int]:
    """First answers counted per anonymous team in [since, until), by day."""
    table = anonymous_answer_counts
    query = (
        sa.select(table.c.team_id, sa.func.sum(table.c.answered))
        .where(table.c.day >= _first_day(since), table.c.day < _first_day(until))
        .group_by(table.c.team_id)
    )
    if team_ids is not None:
        query = query.where(table.c.team_id.in_(team_ids))
    return {int(team): int(count) for team, count in (await connection.execute(query)).all()}
