"""Queries the chat adapters need: event de-duplication, re-rendering prompts and alerts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.chat_ports import RatedItem
from bot.model import Anonymity, Person
from bot.ports import DetractorAlert, FollowUp, RatingPrompt
from bot.scales import Scale
from storage.base import StoreBase, insert_for
from storage.lookups import person_by_id, team_by_id
from storage.rows import follow_up_from, person_from
from storage.schema import (
    chat_deliveries,
    conversations,
    follow_ups,
    people,
    prompts,
    ratings,
    teams,
)

DELIVERY_MEMORY = timedelta(days=1)


class _Prefixed:
    """Attribute access to the `prefix`-labelled columns of a row (an aliased table)."""

    def __init__(self, fields: Any, prefix: str) -> None:
        self._fields, self._prefix = fields, prefix

    def __getattr__(self, name: str) -> Any:
        return self._fields[self._prefix + name]


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
        # One query: this runs on every click, between the click and the updated message.
        recipient, agent = people.alias("recipient"), people.alias("agent")
        query = (
            sa.select(
                prompts.c.id, prompts.c.expires_at, prompts.c.created_at,
                conversations.c.subject, conversations.c.external_id,
                teams.c.name.label("team_name"), teams.c.display_name.label("team_display"),
                teams.c.scale, teams.c.question, teams.c.anonymity, teams.c.expiry_days,
                agent.c.display_name.label("agent_display"), agent.c.email.label("agent_email"),
                agent.c.slack_user_id.label("agent_slack"),
                *(column.label(f"r_{column.name}") for column in recipient.c),
            )
            .join(conversations, conversations.c.id == prompts.c.conversation_id)
            .join(teams, teams.c.id == prompts.c.team_id)
            .join(recipient, recipient.c.id == prompts.c.person_id)
            .outerjoin(agent, agent.c.id == conversations.c.agent_id)
            .where(prompts.c.id == prompt_id)
        )
        async with self._read() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None  # no such prompt, or its person was forgotten
        fields = row._mapping
        person = person_from(_Prefixed(fields, "r_"))
        scale = Scale(row.scale)
        expires_at = row.expires_at or row.created_at + timedelta(days=row.expiry_days)
        return RatingPrompt(
            prompt_id=row.id,
            recipient=person,
            team_name=row.team_name,
            team_display_name=row.team_display,
            question=row.question or scale.spec.question.format(team=row.team_display),
            scale=scale,
            anonymity=Anonymity(row.anonymity),
            expires_at=expires_at,
            agent_name=row.agent_display or row.agent_email or row.agent_slack,
            subject=row.subject,
            ticket_id=row.external_id,
        )

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
