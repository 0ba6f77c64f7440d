"""Queries the chat adapters need: event de-duplication, the facts of alerts, own ratings."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from bot.domain.answers import AlertFacts, RatedItem
from bot.domain.scales import Scale
from storage.base import StoreBase, insert_on
from storage.lookups import person_by_id, team_by_id
from storage.prepared import HotQuery
from storage.rows import follow_up_from, rating_from
from storage.schema import (
    chat_deliveries,
    conversations,
    follow_ups,
    prompts,
    ratings,
    teams,
)

DELIVERY_MEMORY = timedelta(days=1)
FORGET_EVERY = timedelta(minutes=1)  # deliveries older than the memory are dropped this often

# Every click and comment checks its delivery: built once (see storage.prepared).
_FORGET_DELIVERIES = sa.delete(chat_deliveries).where(
    chat_deliveries.c.seen_at < sa.bindparam("before")
)
def _first_delivery(dialect: str) -> Any:
    return (
        insert_on(dialect, chat_deliveries)
        .values(key=sa.bindparam("key"), seen_at=sa.bindparam("seen_at"))
        .on_conflict_do_nothing(index_elements=[chat_deliveries.c.key])
        .returning(chat_deliveries.c.id)
    )


_FIRST_DELIVERY = HotQuery(_first_delivery)


def _labelled(prefix: str, table: sa.Table) -> list[sa.Label[Any]]:
    return [column.label(prefix + column.name) for column in table.c]


def _unlabelled(prefix: str, row: Any) -> SimpleNamespace:
    """The columns `_labelled` with `prefix`, under their own names."""
    return SimpleNamespace(**{
        key[len(prefix):]: value
        for key, value in row._mapping.items()
        if isinstance(key, str) and key.startswith(prefix)
    })


class ChatQueries(StoreBase):
    """Mixed into `SqlStore`."""

    async def first_delivery(self, key: str, *, at: datetime) -> bool:
        async with self._write() as connection:
            if self._due("deliveries", at, FORGET_EVERY):
                await connection.execute(_FORGET_DELIVERIES, {"before": at - DELIVERY_MEMORY})
            inserted = await _FIRST_DELIVERY.rows(connection, {"key": key[:200], "seen_at": at})
            return bool(inserted)

    async def alert_facts(self, follow_up_id: int) -> AlertFacts | None:
        async with self._read() as connection:
            row = (
                await connection.execute(
                    sa.select(follow_ups, *_labelled("x_", ratings))
                    .join(ratings, ratings.c.id == follow_ups.c.rating_id)
                    .where(follow_ups.c.id == follow_up_id)
                )
            ).first()
            if row is None:
                return None
            follow_up = follow_up_from(row)
            rating = rating_from(_unlabelled("x_", row))
            subject: str | None = None
            ticket: str | None = None
            if rating.prompt_id is not None:
                found = (
                    await connection.execute(
                        sa.select(conversations.c.subject, conversations.c.external_id)
                        .join(prompts, prompts.c.conversation_id == conversations.c.id)
                        .where(prompts.c.id == rating.prompt_id)
                    )
                ).first()
                if found is not None:
                    subject, ticket = found.subject, found.external_id
            return AlertFacts(
                follow_up=follow_up,
                team=await team_by_id(connection, follow_up.team_id),
                rating=rating,
                agent=await person_by_id(connection, rating.agent_id),
                requester=await person_by_id(connection, rating.person_id),
                subject=subject,
                ticket_id=ticket,
                claimer=await person_by_id(connection, follow_up.claimed_by),
                resolver=await person_by_id(connection, follow_up.resolved_by),
            )

    async def follow_up_of_rating(self, rating_id: int) -> int | None:
        async with self._read() as connection:
            found = await connection.execute(
                sa.select(follow_ups.c.id).where(follow_ups.c.rating_id == rating_id)
            )
            return found.scalar()

    async def ratings_of(self, person_id: int, *, limit: int) -> list[RatedItem]:
        query: Any = (
            sa.select(teams.c.display_name, ratings.c.scale, ratings.c.score, ratings.c.rated_at,
                      ratings.c.comment)
            .join(teams, teams.c.id == ratings.c.team_id)
            .where(ratings.c.person_id == person_id)
            .order_by(ratings.c.rated_at.desc(), ratings.c.id.desc())
            .limit(limit)
        )
        async with self._read() as connection:
            return [
                RatedItem(row.display_name, Scale(row.scale), row.score, row.rated_at,
                          bool(row.comment))
                for row in await connection.execute(query)
            ]
