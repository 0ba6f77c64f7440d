"""People, agents, admins, exclusions and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.errors import NotFound
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person, PromptStatus, SkipReason
from bot.domain.tallies import AuditEntry
from storage.base import StoreBase, insert_for, normalize_email, normalize_identifier
from storage.directory import forget_in_directory
from storage.lookups import person_by_id, team_row, upsert_person, write_audit
from storage.pending import scrub_payload
from storage.prepared import HotQuery
from storage.rows import person_from
from storage.schema import (
    admins,
    agents,
    audit_log,
    conversations,
    exclusions,
    people,
    prompts,
    pulse_answers,
    ratings,
    teams,
    teams_conversations,
    teams_threads,
)
from storage.schema_mutual import request_checks

# Every activity looks its sender up by one of these: built once (see storage.prepared).
# On SQLite on its driver (storage.prepared.HotQuery): SQLAlchemy's work around the
# statement cost several times SQLite's own, on every click.
_BY_SLACK_ID = HotQuery(
    lambda _: sa.select(people).where(people.c.slack_user_id == sa.bindparam("value")))
_BY_TEAMS_ID = HotQuery(
    lambda _: sa.select(people).where(people.c.teams_user_id == sa.bindparam("value")))
_BY_EMAIL = HotQuery(lambda _: sa.select(people).where(people.c.email == sa.bindparam("value")))


class PeopleQueries(StoreBase):
    async def upsert_person(self, identity: PersonIdentity) -> Person:
        async with self._write() as connection:
            # The protocol carries no time here; a person's created_at is bookkeeping only.
            return await upsert_person(
                connection, identity, datetime.now(UTC), erasure_key=self.erasure_key
            )

    async def find_person(
        self,
        *,
        email: str | None = None,
        slack_user_id: str | None = None,
        teams_user_id: str | None = None,
    ) -> Person | None:
        keys = [
            (_BY_SLACK_ID, slack_user_id),
            (_BY_TEAMS_ID, teams_user_id),
            (_BY_EMAIL, normalize_email(email)),
        ]
        # Each lookup stands alone (the first that finds someone answers): no snapshot
        # in common is needed.
        async with self._read_hot() as connection:
            for query, value in keys:
                if not value:
                    continue
                rows = await query.rows(connection, {"value": value})
                if rows:
                    return person_from(rows[0])
        return None

    async def set_opted_out(self, person_id: int, opted_out: bool, *, at: datetime) -> Person:
        async with self._write() as connection:
            updated = await connection.execute(
                sa.update(people)
                .where(people.c.id == person_id)
                .values(opted_out=opted_out, opted_out_at=at if opted_out else None, updated_at=at)
                .returning(people.c.id)
            )
            if updated.scalar() is None:
                raise NotFound("That person is not known.")
            person = await person_by_id(connection, person_id)
            assert person is not None
            return person

    async def forget_person(self, email: str, *, actor: str, at: datetime) -> int:
        address = normalize_email(email)
        async with self._write() as connection:
            row = (
                await connection.execute(sa.select(people).where(people.c.email == address))
            ).first()
            identity = PersonIdentity(
                email=address,
                slack_user_id=row.slack_user_id if row is not None else None,
                teams_user_id=row.teams_user_id if row is not None else None,
            )
            scrubbed = await scrub_pending(connection, identity) if address else 0
            if row is None and scrubbed:
                # Known only from closes not yet settled: those no longer name them.
                await write_audit(
                    connection, at=at, actor=actor, action="person.forget",
                    detail={"person_id": None, "pending_closes": scrubbed},
                )
                return 0
            if row is None or address is None:
                raise NotFound("Nobody with that email is known, so there is nothing to forget.")
            kept = await unlink_person(connection, row, at)
            await forget_in_directory(connection, identity, self.erasure_key)
            await write_audit(
                connection, at=at, actor=actor, action="person.forget",
                detail={"person_id": row.id},
            )
            return kept

    async def add_agent(
        self, team: str, identity: PersonIdentity, *, actor: str, at: datetime
    ) -> Person:
        async with self._write() as connection:
            team_id = (await team_row(connection, team)).id
            person = await upsert_person(connection, identity, at, erasure_key=self.erasure_key)
            await connection.execute(
                insert_for(connection, agents)
                .values(team_id=team_id, person_id=person.id)
                .on_conflict_do_nothing(index_elements=[agents.c.team_id, agents.c.person_id])
            )
            await write_audit(
                connection, at=at, actor=actor, action="agent.add",
                detail={"team": team, "person_id": person.id},
            )
            return person

    async def remove_agent(self, team: str, email: str, *, actor: str, at: datetime) -> bool:
        async with self._write() as connection:
            team_id = (await team_row(connection, team)).id
            person_ids = sa.select(people.c.id).where(people.c.email == normalize_email(email))
            removed = await connection.execute(
                sa.delete(agents)
                .where(agents.c.team_id == team_id, agents.c.person_id.in_(person_ids))
                .returning(agents.c.person_id)
            )
            person_id = removed.scalar()
            if person_id is None:
                return False
            await write_audit(
                connection, at=at, actor=actor, action="agent.remove",
                detail={"team": team, "person_id": person_id},
            )
            return True

    async def list_agents(self, team: str | None = None) -> list[tuple[str, Person]]:
        query = (
            sa.select(teams.c.name.label("team_name"), people)
            .select_from(agents.join(teams).join(people))
            .order_by(teams.c.name, people.c.email, people.c.id)
        )
        async with self._read() as connection:
            if team is not None:
                query = query.where(teams.c.id == (await team_row(connection, team)).id)
            rows = (await connection.execute(query)).all()
        return [(row.team_name, person_from(row)) for row in rows]

    # admins and exclusions -------------------------------------------------
    # Both are audited sets of identifiers: one pair of methods serves them.
    async def add_admin(self, identifier: str, *, actor: str, at: datetime) -> bool:
        return await self._add_listed(
            admins.c.identifier, identifier, {"added_by": actor, "added_at": at},
            actor=actor, at=at, action="admin.add", key="admin",
        )

    async def remove_admin(self, identifier: str, *, actor: str, at: datetime) -> bool:
        return await self._remove_listed(
            admins.c.identifier, identifier, actor=actor, at=at, action="admin.remove",
            key="admin",
        )

    async def list_admins(self) -> list[str]:
        return await self._listed(admins.c.identifier)

    async def add_exclusion(self, pattern: str, *, actor: str, at: datetime) -> bool:
        return await self._add_listed(
            exclusions.c.pattern, pattern, {"added_at": at},
            actor=actor, at=at, action="exclusion.add", key="pattern",
        )

    async def remove_exclusion(self, pattern: str, *, actor: str, at: datetime) -> bool:
        return await self._remove_listed(
            exclusions.c.pattern, pattern, actor=actor, at=at, action="exclusion.remove",
            key="pattern",
        )

    async def list_exclusions(self) -> list[str]:
        return await self._listed(exclusions.c.pattern)

    async def _add_listed(
        self, column: sa.Column[str], entry: str, extra: dict[str, object], *,
        actor: str, at: datetime, action: str, key: str,
    ) -> bool:
        """Add `entry` to the list `column` belongs to; False when it was there already."""
        value = normalize_identifier(entry)
        table = column.table
        async with self._write() as connection:
            added = await connection.execute(
                insert_for(connection, table)
                .values({column.name: value, **extra})
                .on_conflict_do_nothing(index_elements=[column])
                .returning(table.c.id)
            )
            if added.scalar() is None:
                return False
            await write_audit(connection, at=at, actor=actor, action=action, detail={key: value})
            return True

    async def _remove_listed(
        self, column: sa.Column[str], entry: str, *, actor: str, at: datetime, action: str,
        key: str,
    ) -> bool:
        """Remove `entry` from the list `column` belongs to; False when it was not there."""
        value = normalize_identifier(entry)
        table = column.table
        async with self._write() as connection:
            removed = await connection.execute(
                sa.delete(table).where(column == value).returning(table.c.id)
            )
            if removed.scalar() is None:
                return False
            await write_audit(connection, at=at, actor=actor, action=action, detail={key: value})
            return True

    async def _listed(self, column: sa.Column[str]) -> list[str]:
        async with self._read() as connection:
            found = await connection.execute(sa.select(column).order_by(column))
            return list(found.scalars())

    async def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        async with self._read() as connection:
            rows = await connection.execute(
                sa.select(audit_log)
                .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
                .limit(limit)
            )
            return [
                AuditEntry(at=row.at, actor=row.actor, action=row.action, detail=row.detail)
                for row in rows
            ]


async def scrub_pending(connection: AsyncConnection, identity: PersonIdentity) -> int:
    """Remove the person from closes accepted but not yet settled; how many named them.

    Those closes are then decided as for a forgotten person, and their emails and names
    do not outlive the erasure in a payload.
    """
    waiting = await connection.execute(
        sa.select(conversations.c.id, conversations.c.pending).where(
            conversations.c.pending.is_not(None)
        )
    )
    scrubbed = 0
    for conversation_id, payload in waiting.all():
        cleaned = scrub_payload(payload, identity)
        if cleaned is None:
            continue
        await connection.execute(
            sa.update(conversations)
            .where(conversations.c.id == conversation_id)
            .values(pending=cleaned)
        )
        scrubbed += 1
    return scrubbed


# Rows deleted with a person (their mutual rating answers name nobody: they stay counted).
_ROWS_OF_PERSON = (
    (teams_conversations, teams_conversations.c.person_id),
    (teams_threads, teams_threads.c.person_id),
    (request_checks, request_checks.c.agent_id),
)


async def unlink_person(connection: AsyncConnection, row: Any, at: datetime) -> int:
    """Cut every link from stored rows to the person and erase who they are.

    Returns how many of their ratings are kept, now without a person.
    """
    kept = (
        await connection.execute(
            sa.select(sa.func.count()).select_from(ratings)
            .where(ratings.c.person_id == row.id)
        )
    ).scalar_one()
    await connection.execute(
        sa.update(ratings).where(ratings.c.person_id == row.id).values(person_id=None)
    )
    await connection.execute(
        sa.update(prompts)
        .where(
            prompts.c.person_id == row.id,
            prompts.c.status == PromptStatus.PENDING.value,
        )
        .values(
            status=PromptStatus.SKIPPED.value,
            reason=SkipReason.FORGOTTEN.value,
            claimed_until=None,
            updated_at=at,
        )
    )
    for table in (prompts, pulse_answers):  # a pulse's answers are kept too, unnamed
        await connection.execute(
            sa.update(table).where(table.c.person_id == row.id).values(person_id=None))
    await connection.execute(
        sa.update(conversations)
        .where(conversations.c.requester_id == row.id)
        .values(requester_id=None)
    )
    await connection.execute(sa.delete(agents).where(agents.c.person_id == row.id))
    # Teams conversation references identify the person too, and their checks as an agent.
    for table, person in _ROWS_OF_PERSON:
        await connection.execute(sa.delete(table).where(person == row.id))
    identifiers = [
        value for value in (row.email, row.slack_user_id, row.teams_user_id) if value
    ]
    await connection.execute(sa.delete(admins).where(admins.c.identifier.in_(identifiers)))
    await connection.execute(
        sa.update(people)
        .where(people.c.id == row.id)
        .values(
            email=None,
            display_name=None,
            slack_user_id=None,
            teams_user_id=None,
            teams_aad_object_id=None,
            teams_tenant_id=None,
            timezone=None,
            locale=None,
            forgotten_at=at,
            updated_at=at,
        )
    )
    return int(kept)
