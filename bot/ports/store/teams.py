"""The store's part for teams and their settings, admins, exclusions, group mappings and
the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from bot.domain.mapping import GroupMapping
from bot.domain.model import Team
from bot.domain.tallies import AuditEntry


class TeamsAndSettings(Protocol):
    """Teams and their settings; admins, exclusions, helpdesk group mappings; the audit log."""

    async def add_team(
        self, name: str, *, display_name: str | None = None, actor: str, at: datetime
    ) -> Team:
        """Raise `AlreadyExists` when the name is taken."""
        ...

    async def get_team(self, name: str) -> Team | None: ...

    async def list_teams(self) -> list[Team]: ...

    async def update_team(
        self, name: str, changes: Mapping[str, object], *, actor: str, at: datetime
    ) -> Team:
        """Change `Team` fields (validated by the core). Raise `UnknownTeam`."""
        ...

    async def set_team_channel(
        self, name: str, platform: str, purpose: str, ref: str | None, *, actor: str, at: datetime
    ) -> Team: ...

    async def remove_team(self, name: str, *, actor: str, at: datetime) -> list[GroupMapping]:
        """Raise `UnknownTeam`, or `InvalidValue` when the team has conversations.

        Its group mappings go with it: they are returned, so the caller can say so.
        """
        ...

    async def add_admin(self, identifier: str, *, actor: str, at: datetime) -> bool: ...

    async def remove_admin(self, identifier: str, *, actor: str, at: datetime) -> bool: ...

    async def list_admins(self) -> list[str]: ...

    async def add_exclusion(self, pattern: str, *, actor: str, at: datetime) -> bool: ...

    async def remove_exclusion(self, pattern: str, *, actor: str, at: datetime) -> bool: ...

    async def list_exclusions(self) -> list[str]: ...

    async def audit_log(self, limit: int = 100) -> list[AuditEntry]: ...

    async def team_for_group(self, source: str, group: str) -> str | None:
        """The team name mapped to `group` of `source` (case-insensitive), or None."""
        ...

    async def map_group(
        self, source: str, group: str, team: str, *, actor: str, at: datetime
    ) -> GroupMapping:
        """Map (or re-map) a group to a team. Raise `UnknownTeam`.

        A group mapped to another team moves: the result names that team in `moved_from`.
        """
        ...

    async def unmap_group(self, source: str, group: str, *, actor: str, at: datetime) -> bool: ...

    async def group_mappings(self, source: str | None = None) -> list[GroupMapping]: ...
