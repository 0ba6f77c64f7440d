"""A person's own data (`my data`), erasing oneself (`forget me`), and the opt-outs that outlive it.

The opt-out of someone who erased themselves is kept as keyed hashes of their email and
platform ids (`erased_opt_outs`), so nothing in the database names them. The key is
`RATEBOT_ANONYMITY_KEY` when set (then a database reader cannot even test a guessed
email); else one generated once and kept in the database (`stored_keys`).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.decisions import AskingFacts
from bot.domain.errors import NotFound
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity
from bot.domain.personal_data import (
    FollowUpRecord,
    PersonalData,
    PromptRecord,
    RatingRecord,
    erasure_markers,
)
from storage.after_score import reasons_of
from storage.base import StoreBase, insert_for
from storage.directory import forget_in_directory
from storage.erased import (
    drop_erased_opt_outs,
    erased_opt_outs,
    erasure_key,
    identity_of,
    known_markers,
)
from storage.lookups import write_audit
from storage.people import scrub_pending, unlink_person
from storage.pulses import pulse_answers_of
from storage.request_checks import request_checks_of
from storage.schema import (
    admins,
    agents,
    conversations,
    follow_ups,
    people,
    prompts,
    ratings,
    teams,
)

# Who the audit log says did it: the person themselves, not named.
SELF = "the person themselves"


class ErasureQueries(StoreBase):
    async def personal_data(self, person_id: int) -> PersonalData | None:
        async with self._read() as connection:
            row = (await connection.execute(
                sa.select(people).where(people.c.id == person_id)
            )).first()
            if row is None or row.forgotten_at is not None:
                return None
            erased_before = await _erased_before(connection, identity_of(row), self.erasure_key)
            return PersonalData(
                email=row.email, display_name=row.display_name, locale=row.locale,
                timezone=row.timezone, slack_user_id=row.slack_user_id,
                teams_user_id=row.teams_user_id,
                opted_out=bool(row.opted_out) or erased_before, opted_out_at=row.opted_out_at,
                created_at=row.created_at,
                agent_of=await _agent_of(connection, person_id),
                admin=await _is_admin(connection, row),
                prompts=await _prompts(connection, person_id),
                ratings=await _ratings(connection, person_id),
                follow_ups=await _follow_ups(connection, person_id),
                pulse_answers=await pulse_answers_of(connection, person_id),
                request_checks=await request_checks_of(connection, person_id),
            )

    async def forget_self(self, person_id: int, *, at: datetime) -> int:
        async with self._write() as connection:
            row = (await connection.execute(
                sa.select(people).where(people.c.id == person_id)
            )).first()
            if row is None or row.forgotten_at is not None:
                raise NotFound("You are not known to ratebot: there is nothing to forget.")
            who = identity_of(row)
            key = await erasure_key(connection, self.erasure_key)
            await connection.execute(
                insert_for(connection, erased_opt_outs)
                .on_conflict_do_nothing(index_elements=[erased_opt_outs.c.marker]),
                [{"marker": marker} for marker in erasure_markers(key, who)],
            )
            await scrub_pending(connection, who)
            kept = await unlink_person(connection, row, at)
            await forget_in_directory(connection, who, self.erasure_key)
            await write_audit(connection, at=at, actor=SELF, action="person.forget_self",
                              detail={})
            return kept

    async def keep_own_choice(self, person_id: int) -> None:
        async with self._write() as connection:
            row = (await connection.execute(
                sa.select(people).where(people.c.id == person_id)
            )).first()
            if row is not None:
                await drop_erased_opt_outs(connection, identity_of(row), self.erasure_key)


async def with_erased_opt_outs(
    connection: AsyncConnection, facts: AskingFacts, configured_key: str
) -> AskingFacts:
    """`facts` with everyone who once erased themselves shown as opted out to the rules."""
    if not facts.people:
        return facts
    key = await erasure_key(connection, configured_key, create=False)
    if key is None:
        return facts  # no key was ever needed: nobody has erased themselves
    markers = {
        person_id: erasure_markers(key, identity_of(person))
        for person_id, person in facts.people.items()
    }
    found = await known_markers(connection, (m for each in markers.values() for m in each))
    if not found:
        return facts
    marked = {
        person_id: dataclasses.replace(person, opted_out=True)
        if found.intersection(markers[person_id]) else person
        for person_id, person in facts.people.items()
    }
    return dataclasses.replace(facts, people=marked)


async def _erased_before(
    connection: AsyncConnection, who: PersonIdentity, configured_key: str
) -> bool:
    key = await erasure_key(connection, configured_key, create=False)
    return key is not None and bool(await known_markers(connection, erasure_markers(key, who)))


async def _agent_of(connection: AsyncConnection, person_id: int) -> list[str]:
    found = await connection.execute(
        sa.select(teams.c.name).join(agents, agents.c.team_id == teams.c.id)
        .where(agents.c.person_id == person_id).order_by(teams.c.name)
    )
    return list(found.scalars())


async def _is_admin(connection: AsyncConnection, row: Any) -> bool:
    ids = [value for value in (row.email, row.slack_user_id, row.teams_user_id) if value]
    if not ids:
        return False
    found = await connection.execute(
        sa.select(admins.c.id).where(admins.c.identifier.in_(ids)).limit(1)
    )
    return found.first() is not None


async def _prompts(connection: AsyncConnection, person_id: int) -> list[PromptRecord]:
    found = await connection.execute(
        sa.select(prompts, teams.c.name.label("team_name"), teams.c.anonymity,
                  conversations.c.source, conversations.c.external_id)
        .join(teams, teams.c.id == prompts.c.team_id)
        .outerjoin(conversations, conversations.c.id == prompts.c.conversation_id)
        .where(prompts.c.person_id == person_id)
        .order_by(prompts.c.created_at, prompts.c.id)
    )
    return [
        PromptRecord(
            team=row.team_name,
            ticket=f"{row.source}:{row.external_id}" if row.source else None,
            status=row.status, reason=row.reason, created_at=row.created_at,
            sent_at=row.sent_at, answered_at=row.answered_at,
            anonymous_team=row.anonymity == Anonymity.ANONYMOUS.value,
        )
        for row in found
    ]


async def _ratings(connection: AsyncConnection, person_id: int) -> list[RatingRecord]:
    # Anonymous ratings carry no person: they are not found here, by design.
    found = await connection.execute(
        sa.select(ratings, teams.c.name.label("team_name"))
        .join(teams, teams.c.id == ratings.c.team_id)
        .where(ratings.c.person_id == person_id)
        .order_by(ratings.c.rated_at)
    )
    rows = found.all()
    chosen = await reasons_of(connection, [row.id for row in rows])
    return [
        RatingRecord(team=row.team_name, scale=row.scale, score=row.score, comment=row.comment,
                     rated_at=row.rated_at, reasons=tuple(sorted(chosen.get(row.id, []))),
                     lost_time=row.lost_time)
        for row in rows
    ]


async def _follow_ups(connection: AsyncConnection, person_id: int) -> list[FollowUpRecord]:
    found = await connection.execute(
        sa.select(follow_ups, teams.c.name.label("team_name"),
                  ratings.c.person_id.label("rater_id"))
        .join(ratings, ratings.c.id == follow_ups.c.rating_id)
        .join(teams, teams.c.id == follow_ups.c.team_id)
        .where(sa.or_(ratings.c.person_id == person_id, follow_ups.c.claimed_by == person_id,
                      follow_ups.c.resolved_by == person_id))
        .order_by(follow_ups.c.created_at)
    )
    return [
        FollowUpRecord(
            team=row.team_name,
            role="about your rating" if row.rater_id == person_id else "handled by you",
            status=row.status, created_at=row.created_at, resolved_at=row.resolved_at,
            note=row.note,
        )
        for row in found
    ]
