"""Queries several store methods share, each run on the caller's connection."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.errors import UnknownTeam
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person, PromptStatus, Team
from storage.base import insert_for, normalize_email
from storage.erased import opt_out_the_erased
from storage.prepared import prepared
from storage.rows import person_from, team_from
from storage.schema import (
    audit_log,
    people,
    team_channels,
    teams,
)

# Prompts that count as "asked" for the cooldown: a skipped or failed one never reached anyone.
ASKED = (
    PromptStatus.PENDING.value,
    PromptStatus.SENT.value,
    PromptStatus.ANSWERED.value,
    PromptStatus.EXPIRED.value,
)


# --------------------------------------------------------------------------- teams


async def channels_of(
    connection: AsyncConnection, team_ids: Iterable[int]
) -> dict[int, dict[tuple[str, str], str]]:
    ids = list(team_ids)
    found: dict[int, dict[tuple[str, str], str]] = {team_id: {} for team_id in ids}
    if not ids:
        return found
    rows = await connection.execute(
        sa.select(team_channels).where(team_channels.c.team_id.in_(ids))
    )
    for row in rows:
        found[row.team_id][(row.platform, row.purpose)] = row.ref
    return found


async def team_row(connection: AsyncConnection, name: str) -> Any:
    row = (await connection.execute(sa.select(teams).where(teams.c.name == name))).first()
    if row is None:
        raise UnknownTeam(name)
    return row


async def team_named(connection: AsyncConnection, name: str) -> Team:
    team = await _team_with_channels(connection, teams.c.name == name)
    if team is None:
        raise UnknownTeam(name)
    return team


async def team_by_id(connection: AsyncConnection, team_id: int) -> Team:
    team = await _team_with_channels(connection, teams.c.id == team_id)
    assert team is not None, f"team {team_id} vanished inside its transaction"
    return team


async def _team_with_channels(
    connection: AsyncConnection, where: sa.ColumnElement[bool]
) -> Team | None:
    # One round trip: the team's row repeated once per channel (or once with NULLs).
    query = (
        sa.select(teams, team_channels.c.platform, team_channels.c.purpose, team_channels.c.ref)
        .select_from(teams.outerjoin(team_channels, team_channels.c.team_id == teams.c.id))
        .where(where)
    )
    rows = (await connection.execute(query)).all()
    if not rows:
        return None
    channels = {
        (row.platform, row.purpose): row.ref for row in rows if row.platform is not None
    }
    return team_from(rows[0], channels)


async def write_audit(
    connection: AsyncConnection, *, at: datetime, actor: str, action: str,
    detail: Mapping[str, object],
) -> None:
    await connection.execute(
        sa.insert(audit_log).values(at=at, actor=actor, action=action, detail=dict(detail))
    )


# --------------------------------------------------------------------------- people


async def person_by_id(connection: AsyncConnection, person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    row = (await connection.execute(sa.select(people).where(people.c.id == person_id))).first()
    return None if row is None else person_from(row)


# The order a person's ids are tried in: platform ids first, the email last.
MATCH_ORDER = ("slack_user_id", "teams_user_id", "teams_aad_object_id", "email")


def _match_by(_: str, *, key: str) -> Any:
    return (
        sa.select(people)
        .where(people.c[key] == sa.bindparam("value"))
        .order_by(people.c.id)
        .limit(1)
    )


_MATCH_BY = {key: prepared(functools.partial(_match_by, key=key)) for key in MATCH_ORDER}


async def match_person(connection: AsyncConnection, identity: PersonIdentity) -> Any:
    """The stored person for `identity`: its ids in `MATCH_ORDER`, the first one found."""
    given = given_values(identity)
    for key in MATCH_ORDER:
        value = given[key]
        if not value:
            continue
        found = await connection.execute(_MATCH_BY[key](connection), {"value": value})
        row = found.first()
        if row is not None:
            return row
    return None


def has_identity(identity: PersonIdentity) -> bool:
    return any(
        (
            normalize_email(identity.email),
            identity.slack_user_id,
            identity.teams_user_id,
            identity.teams_aad_object_id,
        )
    )


_UNIQUE_IDS = ("email", "slack_user_id", "teams_user_id")
# An upsert fills these when the stored person lacks them, and keeps those current.
FILLED_IDS = (*_UNIQUE_IDS, "teams_aad_object_id")
KEPT_CURRENT = ("display_name", "locale", "timezone", "teams_tenant_id")


def given_values(identity: PersonIdentity) -> dict[str, str | None]:
    """The identity's values as a person row stores them (emails lower case, "" as None)."""
    return {
        "email": normalize_email(identity.email),
        "slack_user_id": identity.slack_user_id or None,
        "teams_user_id": identity.teams_user_id or None,
        "teams_aad_object_id": identity.teams_aad_object_id or None,
        "display_name": identity.display_name or None,
        "locale": identity.locale or None,
        "timezone": identity.timezone or None,
        "teams_tenant_id": identity.teams_tenant_id or None,
    }


async def upsert_person(
    connection: AsyncConnection, identity: PersonIdentity, at: datetime, *, erasure_key: str
) -> Person:
    """Find the person by any id and fill the gaps, or insert them.

    A person inserted under ids someone erased with their opt-out is stored opted out;
    `erasure_key` is the configured key those ids were hashed with ("" for the stored one).
    """
    given = given_values(identity)
    row = await match_person(connection, identity)
    if row is None:
        inserted = await connection.execute(
            insert_for(connection, people)
            .values(**given, opted_out=False, created_at=at, updated_at=at)
            # Another transaction inserted them meanwhile: match again below.
            .on_conflict_do_nothing()
            .returning(*people.c)
        )
        new = inserted.first()
        if new is not None:
            [person] = await opt_out_the_erased(connection, [person_from(new)], erasure_key)
            return person
        row = await match_person(connection, identity)
        if row is None:
            raise RuntimeError("a person vanished while being stored")
    changes: dict[str, object] = {}
    for key in FILLED_IDS:
        value = given[key]
        if value and getattr(row, key) is None and not await _taken(connection, key, value):
            changes[key] = value
    for key in KEPT_CURRENT:
        value = given[key]
        if value and getattr(row, key) != value:
            changes[key] = value
    if not changes:
        return person_from(row)
    updated = await connection.execute(
        sa.update(people)
        .where(people.c.id == row.id)
        .values(**changes, updated_at=at)
        .returning(*people.c)
    )
    return person_from(updated.one())


async def _taken(connection: AsyncConnection, key: str, value: str) -> bool:
    # Two records for one human cannot be merged here; the id stays where it is.
    if key not in _UNIQUE_IDS:
        return False
    column = people.c[key]
    found = await connection.execute(sa.select(people.c.id).where(column == value).limit(1))
    return found.first() is not None
