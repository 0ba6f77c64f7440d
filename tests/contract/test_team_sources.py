"""Helpdesk groups mapped to teams, on every engine."""

from __future__ import annotations

import pytest

from bot.domain.errors import UnknownTeam
from bot.domain.mapping import GroupMapping
from storage.store import SqlStore
from tests.contract.support import ADMIN, T0


@pytest.fixture
async def mapped(store: SqlStore) -> SqlStore:
    await store.add_team("servicedesk", actor=ADMIN, at=T0)
    await store.add_team("infra", actor=ADMIN, at=T0)
    return store


async def test_a_mapped_group_finds_its_team_whatever_the_case_and_spaces(
    mapped: SqlStore,
) -> None:
    added = await mapped.map_group("zendesk", "Service Desk", "servicedesk", actor=ADMIN, at=T0)
    assert added == GroupMapping("zendesk", "Service Desk", "servicedesk")
    assert await mapped.team_for_group("zendesk", "Service Desk") == "servicedesk"
    assert await mapped.team_for_group("zendesk", " service  desk ") == "servicedesk"
    assert await mapped.team_for_group("zammad", "Service Desk") is None
    assert await mapped.team_for_group("zendesk", "Servicedesk") is None


async def test_mapping_again_moves_the_group_in_one_row_and_says_from_where(
    mapped: SqlStore,
) -> None:
    await mapped.map_group("jira", "ITSM", "servicedesk", actor=ADMIN, at=T0)
    moved = await mapped.map_group("jira", "itsm", "infra", actor=ADMIN, at=T0)
    assert moved == GroupMapping("jira", "itsm", "infra", moved_from="servicedesk")
    assert await mapped.team_for_group("jira", "ITSM") == "infra"
    assert await mapped.group_mappings() == [GroupMapping("jira", "itsm", "infra")]
    # Mapping it to the team it already has moves nothing.
    again = await mapped.map_group("jira", "ITSM", "infra", actor=ADMIN, at=T0)
    assert again.moved_from is None
    audited = [entry.detail for entry in await mapped.audit_log() if entry.action == "team.map"]
    assert [detail.get("moved_from") for detail in audited].count("servicedesk") == 1


async def test_mappings_are_listed_per_source_and_removed(mapped: SqlStore) -> None:
    await mapped.map_group("zendesk", "Network", "infra", actor=ADMIN, at=T0)
    await mapped.map_group("zendesk", "Desk", "servicedesk", actor=ADMIN, at=T0)
    await mapped.map_group("glpi", "Desk", "servicedesk", actor=ADMIN, at=T0)
    assert [m.group for m in await mapped.group_mappings("zendesk")] == ["Desk", "Network"]
    assert len(await mapped.group_mappings()) == 3
    assert await mapped.unmap_group("zendesk", "NETWORK", actor=ADMIN, at=T0) is True
    assert await mapped.unmap_group("zendesk", "Network", actor=ADMIN, at=T0) is False
    assert await mapped.team_for_group("zendesk", "Network") is None


async def test_a_group_cannot_be_mapped_to_a_missing_team(mapped: SqlStore) -> None:
    with pytest.raises(UnknownTeam):
        await mapped.map_group("zendesk", "Desk", "facilities", actor=ADMIN, at=T0)
    assert await mapped.group_mappings() == []


async def test_every_change_is_audited(mapped: SqlStore) -> None:
    await mapped.map_group("zendesk", "Desk", "servicedesk", actor=ADMIN, at=T0)
    await mapped.unmap_group("zendesk", "Desk", actor=ADMIN, at=T0)
    actions = [entry.action for entry in await mapped.audit_log()]
    assert "team.map" in actions
    assert "team.unmap" in actions


async def test_removing_a_team_removes_its_mappings_and_names_them(mapped: SqlStore) -> None:
    await mapped.map_group("zendesk", "Network", "infra", actor=ADMIN, at=T0)
    await mapped.map_group("glpi", "Servers", "infra", actor=ADMIN, at=T0)
    await mapped.map_group("zendesk", "Desk", "servicedesk", actor=ADMIN, at=T0)
    dropped = await mapped.remove_team("infra", actor=ADMIN, at=T0)
    assert dropped == [GroupMapping("glpi", "Servers", "infra"),
                       GroupMapping("zendesk", "Network", "infra")]
    assert await mapped.group_mappings() == [GroupMapping("zendesk", "Desk", "servicedesk")]
    assert await mapped.remove_team("servicedesk", actor=ADMIN, at=T0) == [
        GroupMapping("zendesk", "Desk", "servicedesk")
    ]
