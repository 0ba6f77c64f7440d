"""Teams and their channels."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from enum import Enum

import sqlalchemy as sa

from bot.domain.errors import AlreadyExists, InvalidValue
from bot.domain.mapping import GroupMapping
from bot.domain.model import Team
from storage.base import StoreBase, insert_for
from storage.lookups import channels_of, team_named, team_row, write_audit
from storage.rows import team_from
from storage.schema import (
    agents,
    conversations,
    digest_runs,
    ratings,
    team_channels,
    team_sources,
    teams,
)

# What `update_team` may change: every Team field but its identity and its channels.
UPDATABLE = frozenset(
    field.name for field in dataclasses.fields(Team) if field.name not in ("id", "name", "channels")
)
PURPOSES = ("digest", "alert", "help")


def _stored(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


class TeamQueries(StoreBase):
    async def add_team(
        self, name: str, *, display_name: str | None = None, actor: str, at: datetime
    ) -> Team:
        async with self._write() as connection:
            inserted = await connection.execute(
                insert_for(connection, teams)
                .values(name=name, display_name=display_name or name, created_at=at)
                .on_conflict_do_nothing(index_elements=[teams.c.name])
                .returning(teams.c.id)
            )
            if inserted.scalar() is None:
                raise AlreadyExists(f"There is already a team called '{name}'.")
            await write_audit(
                connection, at=at, actor=actor, action="team.add",
                detail={"team": name, "display_name": display_name or name},
            )
            return await team_named(connection, name)

    async def get_team(self, name: str) -> Team | None:
        async with self._read() as connection:
            row = (await connection.execute(sa.select(teams).where(teams.c.name == name))).first()
            if row is None:
                return None
            return team_from(row, (await channels_of(connection, [row.id]))[row.id])

    async def list_teams(self) -> list[Team]:
        async with self._read() as connection:
            rows = (await connection.execute(sa.select(teams).order_by(teams.c.name))).all()
            channels = await channels_of(connection, [row.id for row in rows])
            return [team_from(row, channels[row.id]) for row in rows]

    async def update_team(
        self, name: str, changes: Mapping[str, object], *, actor: str, at: datetime
    ) -> Team:
        unknown = sorted(set(changes) - UPDATABLE)
        if unknown:
            raise InvalidValue(f"Teams have no setting called '{unknown[0]}'.")
        async with self._write() as connection:
            row = await team_row(connection, name)
            values = {key: _stored(value) for key, value in changes.items()}
            if values:
                await connection.execute(
                    sa.update(teams).where(teams.c.id == row.id).values(**values)
                )
                await write_audit(
                    connection, at=at, actor=actor, action="team.update",
                    detail={"team": name, "changes": values},
                )
            return await team_named(connection, name)

    async def set_team_channel(
        self, name: str, platform: str, purpose: str, ref: str | None, *, actor: str, at: datetime
    ) -> Team:
        if purpose not in PURPOSES:
            raise InvalidValue(f"A channel's purpose is one of {', '.join(PURPOSES)}.")
        async with self._write() as connection:
            row = await team_row(connection, name)
            key = (
                (team_channels.c.team_id == row.id)
                & (team_channels.c.platform == platform)
                & (team_channels.c.purpose == purpose)
            )
            if ref is None:
                await connection.execute(sa.delete(team_channels).where(key))
            else:
                await connection.execute(
                    insert_for(connection, team_channels)
                    .values(team_id=row.id, platform=platform, purpose=purpose, ref=ref)
                    .on_conflict_do_update(
                        index_elements=[
                            team_channels.c.team_id,
                            team_channels.c.platform,
                            team_channels.c.purpose,
                        ],
                        set_={"ref": ref},
                    )
                )
            await write_audit(
                connection, at=at, actor=actor, action="team.channel",
                detail={"team": name, "platform": platform, "purpose": purpose, "ref": ref},
            )
            return await team_named(connection, name)

    async def remove_team(self, name: str, *, actor: str, at: datetime) -> list[GroupMapping]:
        async with self._write() as connection:
            row = await team_row(connection, name)
            used = (
                await connection.execute(
                    sa.select(sa.func.count()).select_from(conversations)
                    .where(conversations.c.team_id == row.id)
                )
            ).scalar_one()
            rated = (
                await connection.execute(
                    sa.select(sa.func.count()).select_from(ratings)
                    .where(ratings.c.team_id == row.id)
                )
            ).scalar_one()
            if used or rated:
                raise InvalidValue(
                    f"Team '{name}' has {used} conversation(s) and {rated} rating(s), so it "
                    "can't be removed: its history would be lost. Nothing was changed."
                )
            # Its group mappings go with it (the rows cascade); they are returned so the
            # caller can say which groups no longer reach a team.
            mapped = (await connection.execute(
                sa.select(team_sources.c.source, team_sources.c.group_name)
                .where(team_sources.c.team_id == row.id)
                .order_by(team_sources.c.source, team_sources.c.group_key)
            )).all()
            dropped = [GroupMapping(source=m.source, group=m.group_name, team=name)
                       for m in mapped]
            for table in (team_channels, digest_runs, agents, team_sources):
                await connection.execute(sa.delete(table).where(table.c.team_id == row.id))
            await connection.execute(sa.delete(teams).where(teams.c.id == row.id))
            await write_audit(
                connection, at=at, actor=actor, action="team.remove",
                detail={"team": name, **({"unmapped": [f"{m.source}:{m.group}" for m in dropped]}
                                         if dropped else {})},
            )
            return dropped
