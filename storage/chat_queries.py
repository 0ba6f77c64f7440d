"""Queries the chat adapters need: event de-duplication, re-rendering prompts and alerts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.domain.answers import FollowUp, RatedItem
from bot.domain.messages import DetractorAlert, RatingPrompt
from bot.domain.model import Anonymity, Person
from bot.domain.scales import Scale
from storage.base import StoreBase, insert_for
from storage.lookups import person_by_id, team_by_id
from storage.prompt_view import prompt_view
from storage.rows import follow_up_from
from storage.schema import (
    chat_deliveries,
    conversations,
    follow_ups,
    prompts,
    ratings,
    teams,
)

DELIVERY_MEMORY = timedelta(days=1)


def _name(person: Person | None) -> str | None:
    if person is None:
        return None
    return person.display_name or person.email or person.slack_user_id


class ChatQueries(StoreBase):
    """Mixed into `SqlStore`."""

    async def first_delivery(self, key: str, *, at: datetime) -> bool:
        async with self._write() as connection:
            await connection.execute(
                sa.delete(chat_deliveries).where(chat_deliveries.c.seen_at < at - DELIVERY_MEMORY)
            )
            inserted = await connection.execute(
                insert_for(connection, chat_deliveries)
                .values(key=key[:200], seen_at=at)
                .on_conflict_do_nothing(index_elements=[chat_deliveries.c.key])
                .returning(chat_deliveries.c.id)
            )
            return inserted.scalar() is not None

    async def rating_prompt(self, prompt_id: int) -> RatingPrompt | None:
        """The prompt's message content; None for no such prompt or a forgotten person."""
        async with self._read() as connection:
            view = await prompt_view(connection, prompt_id)
        return None if view is None else view.rendered

    async def detractor_alert(self, follow_up_id: int) -> tuple[FollowUp, DetractorAlert] | None:
        async with self._read() as connection:
            row = (
                await connection.execute(
                    sa.select(follow_ups, ratings.c.scale, ratings.c.score, ratings.c.comment,
                              ratings.c.person_id.label("rater_id"), ratings.c.agent_id,
                              ratings.c.prompt_id)
                    .join(ratings, ratings.c.id == follow_ups.c.rating_id)
                    .where(follow_ups.c.id == follow_up_id)
                )
            ).first()
            if row is None:
                return None
            follow_up = follow_up_from(row)
            team = await team_by_id(connection, row.team_id)
            anonymous = team.anonymity is Anonymity.ANONYMOUS
            subject: str | None = None
            ticket: str | None = None
            if not anonymous and row.prompt_id is not None:
                found = (
                    await connection.execute(
                        sa.select(conversations.c.subject, conversations.c.external_id)
                        .join(prompts, prompts.c.conversation_id == conversations.c.id)
                        .where(prompts.c.id == row.prompt_id)
                    )
                ).first()
                if found is not None:
                    subject, ticket = found.subject, found.external_id
            agent = None if anonymous else await person_by_id(connection, row.agent_id)
            requester = (
                await person_by_id(connection, row.rater_id)
                if team.anonymity.shows_names else None
            )
            alert = DetractorAlert(
                follow_up_id=follow_up.id,
                team_name=team.name,
                team_display_name=team.display_name,
                scale=Scale(row.scale),
                score=row.score,
                comment=row.comment,
                agent_name=_name(agent),
                requester_name=_name(requester),
                subject=subject,
                ticket_id=ticket,
                claimed_by=_name(await person_by_id(connection, follow_up.claimed_by)),
                resolved_by=_name(await person_by_id(connection, follow_up.resolved_by)),
                resolution_note=follow_up.note,
            )
            return follow_up, alert

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
