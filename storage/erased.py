"""The opt-outs that outlive `forget me`: keyed hashes of a person's email and platform ids.

Kept apart from `erasure` so that creating a person (`lookups.upsert_person`, the batch
insert of `asking_facts`) can apply them: someone who erased themselves and comes back is
stored opted out, and every screen reads that one state.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.identity import PersonIdentity
from bot.domain.model import Person
from bot.domain.personal_data import erasure_markers
from storage.base import insert_for
from storage.rows import person_from
from storage.schema import metadata, people

erased_opt_outs = sa.Table(
    "erased_opt_outs",
    metadata,
    sa.Column("marker", sa.String(64), primary_key=True),
)

stored_keys = sa.Table(
    "stored_keys",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
)

ERASURE_KEY = "erasure"


@overload
async def erasure_key(connection: AsyncConnection, configured: str) -> bytes: ...
@overload
async def erasure_key(
    connection: AsyncConnection, configured: str, *, create: bool
) -> bytes | None: ...


async def erasure_key(connection: AsyncConnection, configured: str, *, create: bool = True
                      ) -> bytes | None:
    """The configured key, else the one stored in the database, made when `create`."""
    if configured:
        return configured.encode()
    query = sa.select(stored_keys.c.value).where(stored_keys.c.name == ERASURE_KEY)
    stored = (await connection.execute(query)).scalar()
    if stored is None and not create:
        return None
    if stored is None:
        await connection.execute(
            insert_for(connection, stored_keys)
            .values(name=ERASURE_KEY, value=secrets.token_hex(32))
            .on_conflict_do_nothing(index_elements=[stored_keys.c.name])
        )
        stored = (await connection.execute(query)).scalar_one()  # another writer's, if first
    return bytes.fromhex(str(stored))


async def known_markers(connection: AsyncConnection, markers: Iterable[str]) -> set[str]:
    wanted = sorted(set(markers))
    if not wanted:
        return set()
    found = await connection.execute(
        sa.select(erased_opt_outs.c.marker).where(erased_opt_outs.c.marker.in_(wanted))
    )
    return set(found.scalars())


def identity_of(row: Any) -> PersonIdentity:
    return PersonIdentity(
        email=row.email, slack_user_id=row.slack_user_id, teams_user_id=row.teams_user_id,
        teams_aad_object_id=row.teams_aad_object_id,
    )


async def opt_out_the_erased(
    connection: AsyncConnection, created: Sequence[Person], configured_key: str
) -> list[Person]:
    """`created` people, those who once erased themselves now stored opted out.

    Storage only applies the stored fact here: the rules that read it are unchanged.
    """
    if not created:
        return []
    key = await erasure_key(connection, configured_key, create=False)
    if key is None:
        return list(created)  # no key was ever needed: nobody has erased themselves
    markers = {person.id: erasure_markers(key, identity_of(person)) for person in created}
    found = await known_markers(connection, (m for each in markers.values() for m in each))
    returning = sorted(p.id for p in created if found.intersection(markers[p.id]))
    if not returning:
        return list(created)
    updated = await connection.execute(
        sa.update(people)
        .where(people.c.id.in_(returning))
        # Opted out since they were stored: no later moment chose it.
        .values(opted_out=True, opted_out_at=people.c.created_at)
        .returning(*people.c)
    )
    marked = {person.id: person for person in map(person_from, updated)}
    return [marked.get(person.id, person) for person in created]


async def drop_erased_opt_outs(
    connection: AsyncConnection, who: PersonIdentity, configured_key: str
) -> int:
    """Remove the keyed hashes of `who`'s ids; how many there were."""
    key = await erasure_key(connection, configured_key, create=False)
    if key is None:
        return 0
    removed = await connection.execute(
        sa.delete(erased_opt_outs)
        .where(erased_opt_outs.c.marker.in_(erasure_markers(key, who)))
        .returning(erased_opt_outs.c.marker)
    )
    return len(removed.all())
