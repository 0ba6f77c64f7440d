"""The answers after the score: a rating's reasons and lost time, and their digest counts.

Kept by rating id only, without a time of their own: an anonymous rating's answers say
no more about its person than the rating does, and the nightly batch moves them along
with it (`storage.anonymity`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.reasons import AfterScore, LostTime, LostTimeTally, tally_lost_time
from storage.base import StoreBase, insert_for
from storage.schema import rating_reasons, ratings


class AfterScoreQueries(StoreBase):
    """Mixed into `SqlStore`: the `AfterScoreAnswers` part."""

    async def after_score(self, rating_id: int) -> AfterScore:
        async with self._read() as connection:
            lost = (await connection.execute(
                sa.select(ratings.c.lost_time).where(ratings.c.id == rating_id)
            )).scalar()
            chosen = await connection.execute(
                sa.select(rating_reasons.c.reason)
                .where(rating_reasons.c.rating_id == rating_id)
                .order_by(rating_reasons.c.reason)
            )
            return AfterScore(reasons=tuple(row.reason for row in chosen),
                              lost_time=None if lost is None else LostTime(lost))

    async def set_reason(self, rating_id: int, key: str, *, on: bool) -> None:
        table = rating_reasons
        async with self._write() as connection:
            if on:
                await connection.execute(
                    insert_for(connection, table).values(rating_id=rating_id, reason=key)
                    .on_conflict_do_nothing(index_elements=[table.c.rating_id, table.c.reason])
                )
            else:
                await connection.execute(sa.delete(table).where(
                    table.c.rating_id == rating_id, table.c.reason == key
                ))

    async def drop_reasons(self, rating_id: int) -> None:
        async with self._write() as connection:
            await connection.execute(
                sa.delete(rating_reasons).where(rating_reasons.c.rating_id == rating_id)
            )

    async def set_lost_time(self, rating_id: int, lost: LostTime | None) -> None:
        async with self._write() as connection:
            await connection.execute(
                sa.update(ratings).where(ratings.c.id == rating_id)
                .values(lost_time=None if lost is None else lost.value)
            )


_TEAM: sa.BindParameter[int] = sa.bindparam("team_id")
_SINCE: sa.BindParameter[datetime] = sa.bindparam("since")
_UNTIL: sa.BindParameter[datetime] = sa.bindparam("until")


def reasons_part() -> sa.Select[Any]:
    """How often each reason was given with the team's ratings of [since, until)."""
    return (
        sa.select(rating_reasons.c.reason, sa.func.count().label("n"))
        .select_from(rating_reasons.join(ratings, ratings.c.id == rating_reasons.c.rating_id))
        .where(ratings.c.team_id == _TEAM, ratings.c.rated_at >= _SINCE,
               ratings.c.rated_at < _UNTIL)
        .group_by(rating_reasons.c.reason)
    )


def reason_counts(rows: Iterable[Any]) -> list[tuple[str, int]]:
    return [(row.reason, int(row.n)) for row in rows]


def lost_time_part(weeks: int) -> sa.Select[Any]:
    """The lost-time answers by interval and bucket; edges `edge_0` .. `edge_<weeks>`."""
    edges: list[sa.BindParameter[datetime]] = [
        sa.bindparam(f"edge_{index}") for index in range(weeks + 1)]
    week = sa.case(
        *[(ratings.c.rated_at < edge, index) for index, edge in enumerate(edges[1:])]
    ).label("week")
    return (
        sa.select(week, ratings.c.lost_time, sa.func.count().label("n"))
        .where(ratings.c.team_id == _TEAM, ratings.c.rated_at >= edges[0],
               ratings.c.rated_at < edges[-1], ratings.c.lost_time.is_not(None))
        .group_by(week, ratings.c.lost_time)
    )


def lost_time_weeks(rows: Iterable[Any], weeks: int) -> list[LostTimeTally]:
    """The lost-time answers of each of `weeks` intervals, from `lost_time_part`'s rows."""
    counts: list[dict[LostTime, int]] = [{} for _ in range(weeks)]
    for row in rows:
        counts[int(row.week)][LostTime(row.lost_time)] = int(row.n)
    return [tally_lost_time(week_counts) for week_counts in counts]


async def reasons_of(
    connection: AsyncConnection, rating_ids: list[int]
) -> dict[int, list[str]]:
    """The reasons of each of `rating_ids`, for moving them along with their ratings."""
    found = await connection.execute(
        sa.select(rating_reasons).where(rating_reasons.c.rating_id.in_(rating_ids))
    )
    kept: dict[int, list[str]] = {}
    for row in found:
        kept.setdefault(int(row.rating_id), []).append(row.reason)
    return kept


def reasons_column(postgres: bool) -> Any:
    """A rating's reasons as one text ("slow;unfriendly"), for the export's rows."""
    joined = (sa.func.string_agg(rating_reasons.c.reason, sa.literal_column("';'"))
              if postgres else sa.func.group_concat(rating_reasons.c.reason, ";"))
    return (
        sa.select(joined).where(rating_reasons.c.rating_id == ratings.c.id)
        .scalar_subquery().label("reasons")
    )
