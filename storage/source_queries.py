"""Helpdesk groups mapped to teams: which team a Zendesk group or Jira project rates."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bot.domain.mapping import GroupMapping, group_key
from storage.base import StoreBase, insert_for
from storage.lookups import team_row, write_audit
from storage.schema import team_sources, teams


class SourceQueries(StoreBase):
    async def team_for_group(self, source: str, group: str) -> str | None:
        async with self._read() as connection:
            found = await connection.execute(
                sa.select(teams.c.name)
                .join(team_sources, team_sources.c.team_id == teams.c.id)
                .where(
                    (team_sources.c.source == source)
                    & (team_sources.c.group_key == group_key(group))
                )
            )
            name: str | None = found.scalar()
            return name

    async def map_group(
        self, source: str, group: str, team: str, *, actor: str, at: datetime
    ) -> GroupMapping:
        async with self._write() as connection:
            row = await team_row(connection, team)
            before = (await connection.execute(
                sa.select(teams.c.name)
                .join(team_sources, team_sources.c.team_id == teams.c.id)
                .where(
                    (team_sources.c.source == source)
                    & (team_sources.c.group_key == group_key(group))
                )
            )).scalar()
            # Mapping a group again moves it: the caller says so, never silently.
            moved_from = before if before is not None and before != team else None
            await connection.execute(
                insert_for(connection, team_sources)
                .values(
                    source=source, group_key=group_key(group), group_name=group,
                    team_id=row.id, created_at=at,
                )
                .on_conflict_do_update(
                    index_elements=[team_sources.c.source, team_sources.c.group_key],
                    set_={"team_id": row.id, "group_name": group},
                )
            )
            await write_audit(
                connection, at=at, actor=actor, action="team.map",
                detail={"source": source, "group": group, "team": team,
                        **({"moved_from": moved_from} if moved_from else {})},
            )
            return GroupMapping(source=source, group=group, team=team, moved_from=moved_from)

    async def unmap_group(self, source: str, group: str, *, actor: str, at: datetime) -> bool:
        async with self._write() as connection:
            removed = await connection.execute(
                sa.delete(team_sources).where(
                    (team_sources.c.source == source)
                    & (team_sources.c.group_key == group_key(group))
                )
            )
            if removed.rowcount:
                await write_audit(
                    connection, at=at, actor=actor, action="team.unmap",
                    detail={"source": source, "group": group},
                )
            return bool(removed.rowcount)

    async def group_mappings(self, source: str | None = None) -> list[GroupMapping]:
        query = (
            sa.select(team_sources.c.source, team_sources.c.group_name, teams.c.name)
            .join(teams, team_sources.c.team_id == teams.c.id)
            .order_by(team_sources.c.source, team_sources.c.group_key)
        )
        if source is not None:
            query = query.where(team_sources.c.source == source)
        async with self._read() as connection:
            rows = (await connection.execute(query)).all()
        return [GroupMapping(source=row[0], group=row[1], team=row[2]) for row in rows]
