"""Teams, their channels, and the audit row every admin change leaves."""

from __future__ import annotations

import pytest

from bot.domain.errors import AlreadyExists, InvalidValue, UnknownTeam
from bot.domain.model import Anonymity
from bot.domain.scales import Scale
from bot.flows.settling import close_conversation
from storage.store import SqlStore
from tests.contract.support import ADMIN, T0, ask_now, closed, team


async def test_a_team_is_added_listed_and_found(store: SqlStore) -> None:
    added = await store.add_team("servicedesk", display_name="Service Desk", actor=ADMIN, at=T0)
    await store.add_team("infra", actor=ADMIN, at=T0)
    assert added.name == "servicedesk"
    assert added.display_name == "Service Desk"
    assert (added.scale, added.anonymity, added.expiry_days) == (
        Scale.NPS, Anonymity.IDENTIFIED, 7,
    )
    assert (added.sample_percent, added.send_delay_minutes) == (100, 0)
    assert added.digest_schedule == "mon 09:00"
    assert await store.get_team("servicedesk") == added
    assert await store.get_team("nope") is None
    assert [t.name for t in await store.list_teams()] == ["infra", "servicedesk"]
    assert (await store.get_team("infra")).display_name == "infra"  # type: ignore[union-attr]


async def test_a_taken_name_is_refused(store: SqlStore) -> None:
    await team(store)
    with pytest.raises(AlreadyExists):
        await store.add_team("servicedesk", actor=ADMIN, at=T0)


async def test_update_changes_fields_and_refuses_unknown_ones(store: SqlStore) -> None:
    await team(store)
    updated = await store.update_team(
        "servicedesk",
        {"scale": Scale.CSAT, "anonymity": Anonymity.ANONYMOUS, "cooldown_days": 30,
         "question": "How did we do?", "timezone": "Europe/Amsterdam"},
        actor=ADMIN, at=T0,
    )
    assert (updated.scale, updated.anonymity, updated.cooldown_days) == (
        Scale.CSAT, Anonymity.ANONYMOUS, 30,
    )
    assert (updated.question, updated.timezone) == ("How did we do?", "Europe/Amsterdam")
    assert await store.get_team("servicedesk") == updated
    for bad in ({"colour": "red"}, {"id": 5}, {"name": "other"}, {"channels": {}}):
        with pytest.raises(InvalidValue):
            await store.update_team("servicedesk", bad, actor=ADMIN, at=T0)
    with pytest.raises(UnknownTeam):
        await store.update_team("nope", {"expiry_days": 3}, actor=ADMIN, at=T0)


async def test_channels_are_set_replaced_and_cleared(store: SqlStore) -> None:
    await team(store)
    await store.set_team_channel("servicedesk", "slack", "digest", "C1", actor=ADMIN, at=T0)
    await store.set_team_channel("servicedesk", "teams", "alert", '{"c": 1}', actor=ADMIN, at=T0)
    replaced = await store.set_team_channel(
        "servicedesk", "slack", "digest", "C2", actor=ADMIN, at=T0
    )
    assert replaced.channels == {("slack", "digest"): "C2", ("teams", "alert"): '{"c": 1}'}
    assert replaced.channel("slack", "digest") == "C2"
    cleared = await store.set_team_channel(
        "servicedesk", "slack", "digest", None, actor=ADMIN, at=T0
    )
    assert cleared.channels == {("teams", "alert"): '{"c": 1}'}
    assert (await store.list_teams())[0].channels == cleared.channels
    with pytest.raises(InvalidValue):
        await store.set_team_channel("servicedesk", "slack", "party", "C3", actor=ADMIN, at=T0)
    with pytest.raises(UnknownTeam):
        await store.set_team_channel("nope", "slack", "digest", "C3", actor=ADMIN, at=T0)


async def test_remove_team_refuses_a_team_with_conversations(store: SqlStore) -> None:
    await team(store)
    await team(store, "infra")
    await store.set_team_channel("infra", "slack", "digest", "C1", actor=ADMIN, at=T0)
    await close_conversation(store, closed("T-1"), ask_now, now=T0)
    with pytest.raises(InvalidValue, match="servicedesk"):
        await store.remove_team("servicedesk", actor=ADMIN, at=T0)
    assert await store.get_team("servicedesk") is not None
    await store.remove_team("infra", actor=ADMIN, at=T0)
    assert await store.get_team("infra") is None
    with pytest.raises(UnknownTeam):
        await store.remove_team("infra", actor=ADMIN, at=T0)


async def test_every_admin_change_writes_an_audit_row(store: SqlStore) -> None:
    from bot.domain.identity import PersonIdentity

    await store.add_team("servicedesk", actor=ADMIN, at=T0)
    await store.update_team("servicedesk", {"expiry_days": 3}, actor=ADMIN, at=T0)
    await store.set_team_channel("servicedesk", "slack", "alert", "C1", actor=ADMIN, at=T0)
    await store.add_agent("servicedesk", PersonIdentity(email="piet@example.com"),
                          actor=ADMIN, at=T0)
    await store.add_admin("Boss@Example.com", actor=ADMIN, at=T0)
    await store.remove_admin("boss@example.com", actor=ADMIN, at=T0)
    await store.add_exclusion("@Vendor.com", actor=ADMIN, at=T0)
    await store.remove_exclusion("@vendor.com", actor=ADMIN, at=T0)
    await store.upsert_person(PersonIdentity(email="jan@example.com"))
    await store.forget_person("jan@example.com", actor=ADMIN, at=T0)
    await store.add_team("gone", actor=ADMIN, at=T0)
    await store.remove_team("gone", actor=ADMIN, at=T0)
    entries = await store.audit_log()
    assert [entry.action for entry in reversed(entries)] == [
        "team.add", "team.update", "team.channel", "agent.add", "admin.add", "admin.remove",
        "exclusion.add", "exclusion.remove", "person.forget", "team.add", "team.remove",
    ]
    assert all(entry.actor == ADMIN and entry.at == T0 for entry in entries)
    forget = next(entry for entry in entries if entry.action == "person.forget")
    assert set(forget.detail) == {"person_id"}
    assert "jan@example.com" not in str([entry.detail for entry in entries])
    assert len(await store.audit_log(limit=2)) == 2
    # Changes that change nothing leave no row.
    assert not await store.remove_admin("nobody", actor=ADMIN, at=T0)
    assert len(await store.audit_log()) == len(entries)
