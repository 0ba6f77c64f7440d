"""The facts the asking rules read, for a whole batch in a few set-based statements.

Reading one close's facts at a time would make a batch of a hundred closes a hundred
round trips, plus the person upserts. Here the people of the whole batch are found (or
inserted) at once, then its teams, agents, exclusions and last asks: the rules
themselves run in the core (`bot.domain.asking_rules`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from bot.domain.asking_rules import exclusion_candidates
from bot.domain.decisions import AskingFacts
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person, Team
from storage.base import StoreBase, insert_on
from storage.erased import opt_out_the_erased
from storage.erasure import with_erased_opt_outs
from storage.lookups import (
    ASKED,
    FILLED_IDS,
    KEPT_CURRENT,
    MATCH_ORDER,
    given_values,
    has_identity,
    upsert_person,
)
from storage.prepared import prepared
from storage.rows import person_from, team_from
from storage.schema import agents, exclusions, people, prompts, team_channels, teams
from storage.types import UtcDateTime

# What `person_from` reads: the timestamps would only be converted to be dropped.
_PERSON = (
    people.c.id, people.c.email, people.c.display_name, people.c.locale, people.c.timezone,
    people.c.slack_user_id, people.c.teams_user_id, people.c.teams_aad_object_id,
    people.c.opted_out, people.c.teams_tenant_id,
)


def _people_matching(_: str) -> Any:
    return (
        sa.select(*_PERSON)
        .where(sa.or_(*(
            people.c[key].in_(sa.bindparam(key, expanding=True)) for key in MATCH_ORDER
        )))
        .order_by(people.c.id)
    )


_PEOPLE_MATCHING = prepared(_people_matching)
_PEOPLE = prepared(
    lambda _: sa.select(*_PERSON).where(people.c.id.in_(sa.bindparam("ids", expanding=True)))
)
_AGENTS = prepared(
    lambda _: sa.select(agents.c.person_id)
    .where(agents.c.person_id.in_(sa.bindparam("ids", expanding=True)))
    .distinct()
)
_EXCLUDED = prepared(
    lambda _: sa.select(exclusions.c.pattern).where(
        exclusions.c.pattern.in_(sa.bindparam("patterns", expanding=True))
    )
)


@prepared
def _last_asked(dialect: str) -> Any:
    status: sa.ColumnElement[str] = prompts.c.status
    if dialect == "sqlite":
        # Without statistics SQLite walks the status index: every prompt still pending
        # or sent, on every batch. A unary plus leaves it the index of the people asked.
        status = UnaryExpression(status, operator=custom_op("+"), type_=status.type)
    return (
        sa.select(
            prompts.c.person_id,
            sa.func.max(
                sa.func.coalesce(prompts.c.sent_at, prompts.c.created_at), type_=UtcDateTime()
            ).label("last_asked"),
        )
        .where(
            prompts.c.person_id.in_(sa.bindparam("ids", expanding=True)),
            status.in_(ASKED),
            prompts.c.id.not_in(sa.bindparam("skip", expanding=True)),
        )
        .group_by(prompts.c.person_id)
    )


_TEAMS = prepared(
    lambda _: sa.select(
        teams, team_channels.c.platform, team_channels.c.purpose, team_channels.c.ref
    )
    .select_from(teams.outerjoin(team_channels, team_channels.c.team_id == teams.c.id))
    .where(teams.c.id.in_(sa.bindparam("ids", expanding=True)))
)
_INSERT_PEOPLE = prepared(
    # Another transaction may insert one meanwhile: `_Known.resolve` then finds them.
    lambda dialect: insert_on(dialect, people).on_conflict_do_nothing().returning(*_PERSON)
)


# Not a person, nor None (someone without any identity): not resolved yet.
_UNRESOLVED: Any = object()


class AskingFactsQueries(StoreBase):
    async def resolve_people(
        self, identities: Sequence[tuple[PersonIdentity, datetime]]
    ) -> list[Person | None]:
        async with self._write() as connection:
            known = await _Known.read(connection, [identity for identity, _ in identities])
            await known.insert_new(connection, identities, self.erasure_key)
            # An agent names in many closes of a batch: while nothing is written, the same
            # identity resolves to the same person, so it is resolved once.
            resolved: dict[PersonIdentity, Person | None] = {}
            people: list[Person | None] = []
            for who, at in identities:
                person = resolved.get(who, _UNRESOLVED)
                if person is _UNRESOLVED:
                    upserts = known.upserts
                    person = await known.resolve(connection, who, at, self.erasure_key)
                    if known.upserts != upserts:
                        resolved.clear()  # a person changed: what was resolved may be stale
                    else:
                        resolved[who] = person
                people.append(person)
            return people

    async def asking_facts(
        self, *, team_ids: Collection[int], person_ids: Collection[int],
        not_counting: Collection[int] = (), known: Collection[Person] = (),
    ) -> AskingFacts:
        async with self._read() as connection:
            facts = await _facts(connection, team_ids, person_ids, not_counting, known)
            # Someone who erased themselves stays opted out, under keyed hashes of their ids.
            return await with_erased_opt_outs(connection, facts, self.erasure_key)


@dataclass
class _Known:
    """The people a batch names, as read once and completed as the batch goes."""

    people: dict[int, Person] = field(default_factory=dict)
    by_key: dict[tuple[str, str], int] = field(default_factory=dict)
    upserts: int = 0  # how often `resolve` wrote a person

    @classmethod
    async def read(
        cls, connection: AsyncConnection, identities: Iterable[PersonIdentity]
    ) -> _Known:
        known = cls()
        given = [given_values(identity) for identity in identities]
        found = await connection.execute(
            _PEOPLE_MATCHING(connection),
            {key: sorted({value for each in given if (value := each[key])}) for key in MATCH_ORDER},
        )
        for row in found:
            known.remember(person_from(row))
        return known

    def remember(self, person: Person) -> None:
        self.people[person.id] = person
        for key in MATCH_ORDER:
            value = getattr(person, key)
            # Rows arrive in id order: the first holder of an id is the one matched.
            if value and (key, value) not in self.by_key:
                self.by_key[(key, value)] = person.id

    def match(self, given: dict[str, str | None]) -> Person | None:
        for key in MATCH_ORDER:
            value = given.get(key)
            if value and (key, value) in self.by_key:
                return self.people[self.by_key[(key, value)]]
        return None

    async def insert_new(
        self, connection: AsyncConnection, identities: Iterable[tuple[PersonIdentity, datetime]],
        erasure_key: str,
    ) -> None:
        """Insert, in one statement, everyone the read did not find (as of when named)."""
        rows: dict[tuple[str | None, ...], dict[str, object]] = {}
        for identity, at in identities:
            if not has_identity(identity):
                continue
            given = given_values(identity)
            if self.match(given) is None:
                rows.setdefault(
                    tuple(given[key] for key in MATCH_ORDER),
                    {**given, "opted_out": False, "created_at": at, "updated_at": at},
                )
        if not rows:
            return
        inserted = await connection.execute(_INSERT_PEOPLE(connection), list(rows.values()))
        created = [person_from(row) for row in sorted(inserted.all(), key=lambda row: row.id)]
        for person in await opt_out_the_erased(connection, created, erasure_key):
            self.remember(person)

    async def resolve(
        self, connection: AsyncConnection, identity: PersonIdentity, at: datetime,
        erasure_key: str,
    ) -> Person | None:
        """The stored person for `identity`, as `lookups.upsert_person` leaves them."""
        if not has_identity(identity):
            return None
        given = given_values(identity)
        found = self.match(given)
        if found is not None and not _would_change(found, given):
            return found
        person = await upsert_person(connection, identity, at, erasure_key=erasure_key)
        self.upserts += 1
        self.remember(person)
        return person


def _would_change(person: Person, given: dict[str, str | None]) -> bool:
    """Whether `upsert_person` might change this person: only then is it called."""
    return any(given[key] and getattr(person, key) is None for key in FILLED_IDS) or any(
        given[key] and getattr(person, key) != given[key] for key in KEPT_CURRENT
    )


async def _facts(
    connection: AsyncConnection, team_ids: Collection[int], person_ids: Collection[int],
    not_counting: Collection[int], known: Collection[Person],
) -> AskingFacts:
    ids = sorted(set(person_ids))
    if not ids:
        return AskingFacts(teams=await _teams(connection, team_ids))
    wanted = set(ids)
    persons = {person.id: person for person in known if person.id in wanted}
    unread = [person_id for person_id in ids if person_id not in persons]
    if unread:
        found = await connection.execute(_PEOPLE(connection), {"ids": unread})
        persons.update((person.id, person) for person in map(person_from, found))
    found_agents = await connection.execute(_AGENTS(connection), {"ids": ids})
    asked = await connection.execute(
        _last_asked(connection), {"ids": ids, "skip": sorted(not_counting)}
    )
    patterns = sorted(set().union(*(exclusion_candidates(p.email) for p in persons.values())))
    excluded: set[str] = set()
    if patterns:
        found_patterns = await connection.execute(_EXCLUDED(connection), {"patterns": patterns})
        excluded = set(found_patterns.scalars())
    return AskingFacts(
        teams=await _teams(connection, team_ids),
        people=persons,
        agents=frozenset(found_agents.scalars()),
        last_asked={person_id: _utc(connection, last) for person_id, last in asked},
        excluded=frozenset(excluded),
    )


def _utc(connection: AsyncConnection, value: Any) -> datetime:
    converted = UtcDateTime().process_result_value(value, connection.dialect)
    assert converted is not None
    return converted


async def _teams(connection: AsyncConnection, team_ids: Collection[int]) -> dict[int, Team]:
    rows = (await connection.execute(_TEAMS(connection), {"ids": sorted(set(team_ids))})).all()
    channels: dict[int, dict[tuple[str, str], str]] = {}
    for row in rows:
        found = channels.setdefault(row.id, {})
        if row.platform is not None:
            found[(row.platform, row.purpose)] = row.ref
    firsts = {row.id: row for row in reversed(rows)}
    return {team_id: team_from(row, channels[team_id]) for team_id, row in firsts.items()}
