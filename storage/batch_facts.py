"""What the asking rules need for a batch of closes or due prompts, in a few set-based reads.

`lookups.ask_context` reads one person's facts in one round trip; a batch of a hundred
closes would make that a hundred round trips, plus the person upserts. Here the people,
teams, agents, exclusions and last asks of the whole batch are read at once, new people
are inserted in one statement, and the per-close work is in memory. Anyone the batch's
reads did not cover (a person another transaction inserted meanwhile) gets the
single-close `ask_context` instead, so the facts are the same either way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.decisions import AskContext
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person, Team
from storage.base import insert_on, normalize_email
from storage.lookups import (
    ASKED,
    FILLED_IDS,
    KEPT_CURRENT,
    MATCH_ORDER,
    ask_context,
    given_values,
    has_identity,
    upsert_person,
)
from storage.prepared import prepared
from storage.rows import person_from, team_from
from storage.schema import agents, exclusions, people, prompts, team_channels, teams
from storage.types import UtcDateTime


@prepared
def _people(_: str) -> Any:
    return (
        sa.select(people)
        .where(
            sa.or_(
                people.c.id.in_(sa.bindparam("ids", expanding=True)),
                people.c.email.in_(sa.bindparam("emails", expanding=True)),
                people.c.slack_user_id.in_(sa.bindparam("slack_ids", expanding=True)),
                people.c.teams_user_id.in_(sa.bindparam("teams_ids", expanding=True)),
            )
        )
        .order_by(people.c.id)
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
_LAST_ASKED = prepared(
    lambda _: sa.select(
        prompts.c.person_id,
        sa.func.max(
            sa.func.coalesce(prompts.c.sent_at, prompts.c.created_at), type_=UtcDateTime()
        ).label("last_asked"),
    )
    .where(
        prompts.c.person_id.in_(sa.bindparam("ids", expanding=True)),
        prompts.c.status.in_(ASKED),
        # The prompts being sent do not count against themselves (`AskContext`).
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
    # Another transaction may insert one meanwhile: `BatchFacts.resolve` then finds them.
    lambda dialect: insert_on(dialect, people).on_conflict_do_nothing().returning(*people.c)
)

@dataclass
class BatchFacts:
    teams: dict[int, Team]
    people: dict[int, Person] = field(default_factory=dict)
    by_key: dict[tuple[str, str], int] = field(default_factory=dict)
    covered: dict[int, bool] = field(default_factory=dict)  # person id -> facts were read
    agents: set[int] = field(default_factory=set)
    last_asked: dict[int, datetime] = field(default_factory=dict)
    patterns_read: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)

    def person(self, person_id: int | None) -> Person | None:
        return None if person_id is None else self.people.get(person_id)

    def remember(self, person: Person, *, covered: bool) -> None:
        self.people[person.id] = person
        if person.id not in self.covered:
            self.covered[person.id] = covered
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

    def asked(self, person_id: int, at: datetime) -> None:
        """A prompt that asks was just stored for the person: later closes see it."""
        previous = self.last_asked.get(person_id)
        if previous is None or previous < at:
            self.last_asked[person_id] = at

    async def insert_new(
        self, connection: AsyncConnection, identities: Iterable[tuple[PersonIdentity, datetime]]
    ) -> None:
        """Insert, in one statement, everyone the batch's read did not find (with when)."""
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
        for row in sorted(inserted.all(), key=lambda row: row.id):
            self.remember(person_from(row), covered=True)  # new: no agent, never asked

    async def resolve(
        self, connection: AsyncConnection, identity: PersonIdentity, at: datetime
    ) -> Person | None:
        """The stored person for `identity`, as `lookups.upsert_person` leaves them."""
        if not has_identity(identity):
            return None
        given = given_values(identity)
        found = self.match(given)
        if found is not None and not _would_change(found, given):
            return found
        person = await upsert_person(connection, identity, at)
        self.remember(person, covered=False)
        return person

    async def context(
        self,
        connection: AsyncConnection,
        *,
        team: Team,
        requester: Person | None,
        agent: Person | None,
        always_ask: bool,
        now: datetime,
        at_send_time: bool = False,
        prompt_id: int | None = None,
        also_asked: datetime | None = None,
    ) -> AskContext:
        """The rules' input; `also_asked`: the newest other prompt of the batch to them."""
        if requester is not None and not (
            self.covered.get(requester.id) and candidates(requester.email) <= self.patterns_read
        ):
            return await ask_context(
                connection, now=now, team=team, requester=requester, agent=agent,
                always_ask=always_ask, at_send_time=at_send_time, prompt_id=prompt_id,
            )
        last_asked = None if requester is None else self.last_asked.get(requester.id)
        if also_asked is not None and (last_asked is None or last_asked < also_asked):
            last_asked = also_asked
        return AskContext(
            now=now,
            team=team,
            requester=requester,
            agent=agent,
            requester_is_agent=requester is not None and requester.id in self.agents,
            requester_excluded=requester is not None
            and bool(candidates(requester.email) & self.excluded),
            last_asked_at=last_asked,
            always_ask=always_ask,
            at_send_time=at_send_time,
        )


def _would_change(person: Person, given: dict[str, str | None]) -> bool:
    """Whether `upsert_person` might change this person: only then is it called."""
    return any(given[key] and getattr(person, key) is None for key in FILLED_IDS) or any(
        given[key] and getattr(person, key) != given[key] for key in KEPT_CURRENT
    )


def candidates(email: str | None) -> set[str]:
    """The exclusion patterns that would exclude `email`: itself and '@its-domain'."""
    address = normalize_email(email)
    if address is None:
        return set()
    if "@" not in address:
        return {address}
    return {address, "@" + address.rpartition("@")[2]}


async def gather(
    connection: AsyncConnection,
    *,
    team_ids: Collection[int],
    person_ids: Collection[int],
    identities: Collection[PersonIdentity],
    skip_prompts: Collection[int] = (),
) -> BatchFacts:
    """Read the batch's teams, people (by id or any identity), agents, exclusions, asks."""
    facts = BatchFacts(teams=await _teams(connection, team_ids))
    given = [given_values(identity) for identity in identities]
    found = await connection.execute(
        _people(connection),
        {
            "ids": sorted(set(person_ids)),
            "emails": _values(given, "email"),
            "slack_ids": _values(given, "slack_user_id"),
            "teams_ids": _values(given, "teams_user_id"),
        },
    )
    for row in found:
        facts.remember(person_from(row), covered=True)
    ids = sorted(facts.people)
    if ids:
        found_agents = await connection.execute(_AGENTS(connection), {"ids": ids})
        facts.agents = set(found_agents.scalars())
        asked = await connection.execute(
            _LAST_ASKED(connection), {"ids": ids, "skip": sorted(skip_prompts)}
        )
        for person_id, last in asked:
            facts.last_asked[person_id] = _utc(connection, last)
    facts.patterns_read = set().union(
        *(candidates(email) for email in _values(given, "email")),
        *(candidates(person.email) for person in facts.people.values()),
    )
    if facts.patterns_read:
        patterns = sorted(facts.patterns_read)
        found_patterns = await connection.execute(_EXCLUDED(connection), {"patterns": patterns})
        facts.excluded = set(found_patterns.scalars())
    return facts


def _values(given: Iterable[dict[str, str | None]], key: str) -> list[str]:
    return sorted({value for each in given if (value := each[key])})


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
