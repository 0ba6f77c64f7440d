"""Which team a helpdesk group belongs to: an explicit mapping, else the default team."""

from __future__ import annotations

import dataclasses

from bot.domain.errors import InvalidValue, NotFound, UnknownTeam
from bot.domain.events import ConversationClosed
from bot.domain.mapping import MAX_GROUP_LENGTH, GroupMapping
from bot.ports.store.teams import TeamsAndSettings
from bot.services import Services

# Sources whose payload names a ratebot team directly (the generic webhook's `team`).
DIRECT_SOURCES = frozenset({"generic"})
# Sources whose groups are mapped to teams (adapters/helpdesk/vendors.py builds them).
VENDOR_SOURCES = frozenset(
    {"zendesk", "jira", "freshservice", "servicenow", "zammad", "glpi", "github"}
)


class UnmappedGroup(UnknownTeam):
    """A vendor group no mapping names, and no default team to fall back on."""

    def __init__(self, source: str, group: str) -> None:
        if group:
            message = (
                f"The {source} group '{group}' is not mapped to a ratebot team. Map it with "
                f"`ratebot teams map <team> {source}:{group}`, or set RATEBOT_DEFAULT_TEAM."
            )
        else:
            message = (
                f"This {source} ticket has no group, so its team is unknown. Give it a group, "
                "or set RATEBOT_DEFAULT_TEAM."
            )
        NotFound.__init__(self, message)
        self.name = group
        self.source = source


def parse_group_ref(ref: str, known_sources: frozenset[str] = VENDOR_SOURCES) -> tuple[str, str]:
    """`zendesk:Service Desk` -> ("zendesk", "Service Desk"); raise `InvalidValue`."""
    source, colon, group = ref.partition(":")
    source, group = source.strip().lower(), " ".join(group.split())
    if not colon or not source or not group:
        raise InvalidValue(
            f"Write the group as <source>:<group>, e.g. zendesk:Service Desk (got '{ref}')."
        )
    if source not in known_sources:
        raise InvalidValue(
            f"Unknown source '{source}'. Known sources: {', '.join(sorted(known_sources))}."
        )
    if len(group) > MAX_GROUP_LENGTH:
        raise InvalidValue(f"A group name is at most {MAX_GROUP_LENGTH} characters.")
    return source, group


class TeamRouter:
    """Puts a vendor close into its team before the core sees it.

    A vendor source parses its group (Zendesk group, Jira project, ServiceNow assignment
    group, ...) into `ConversationClosed.team`; this replaces it with the mapped team's
    name, or the default team, or refuses with `UnmappedGroup` naming the group.
    """

    def __init__(self, store: TeamsAndSettings, *, default_team: str | None) -> None:
        self._store = store
        self._default_team = default_team or None

    async def __call__(self, event: ConversationClosed) -> ConversationClosed:
        if event.source in DIRECT_SOURCES:
            return event
        if event.team:
            mapped = await self._store.team_for_group(event.source, event.team)
            if mapped is not None:
                return dataclasses.replace(event, team=mapped)
        if self._default_team is not None:
            return dataclasses.replace(event, team=self._default_team)
        raise UnmappedGroup(event.source, event.team)


async def map_group(services: Services, team: str, ref: str, *, actor: str) -> GroupMapping:
    """`teams map <team> <source>:<group>` (command line and chat). Raise `UserFacingError`."""
    source, group = parse_group_ref(ref)
    return await services.store.map_group(
        source, group, team, actor=actor, at=services.clock.now()
    )


async def unmap_group(services: Services, ref: str, *, actor: str) -> bool:
    """`teams unmap <source>:<group>`: False when it was not mapped."""
    source, group = parse_group_ref(ref)
    return await services.store.unmap_group(
        source, group, actor=actor, at=services.clock.now()
    )
