"""Remembering a Teams conversation, on every engine: written the first time, and again only
when it tells something new; what a later activity leaves out is kept."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.domain.identity import PersonIdentity
from bot.domain.platform_refs import TeamsConversation
from storage.store import SqlStore
from tests.contract.support import T0

CHAT = TeamsConversation(
    conversation_id="a:chat-1", kind="personal", tenant_id="tenant-1",
    service_url="https://smba.example/emea/", reference='{"conversation": {"id": "a:chat-1"}}',
)


async def test_the_first_activity_writes_and_the_same_again_writes_nothing(
    store: SqlStore,
) -> None:
    assert await store.remember_teams_conversation(CHAT, at=T0) is True
    assert await store.remember_teams_conversation(CHAT, at=T0 + timedelta(hours=1)) is False

    stored = await store.teams_conversation(CHAT.conversation_id)
    assert stored is not None and stored.updated_at == T0  # untouched by the second


async def test_something_new_is_written(store: SqlStore) -> None:
    person = await store.upsert_person(PersonIdentity(email="jan@example.com"))
    await store.remember_teams_conversation(CHAT, at=T0)
    later = T0 + timedelta(days=1)

    current = CHAT
    for change in ({"reference": '{"locale": "nl-NL"}'},
                   {"service_url": "https://smba.example/amer/"},
                   {"person_id": person.id}):
        current = dataclasses.replace(current, **change)  # type: ignore[arg-type]
        assert await store.remember_teams_conversation(current, at=later) is True

    stored = await store.teams_conversation(CHAT.conversation_id)
    assert stored is not None and stored.updated_at == later
    assert (stored.reference, stored.service_url, stored.person_id, stored.tenant_id) == (
        '{"locale": "nl-NL"}', "https://smba.example/amer/", person.id, "tenant-1")


async def test_what_a_later_activity_leaves_out_is_kept_and_tells_nothing(
    store: SqlStore,
) -> None:
    person = await store.upsert_person(PersonIdentity(email="jan@example.com"))
    known = dataclasses.replace(CHAT, person_id=person.id, team_id="19:team")
    await store.remember_teams_conversation(known, at=T0)

    silent = dataclasses.replace(CHAT, tenant_id=None, person_id=None, team_id=None)
    assert await store.remember_teams_conversation(silent, at=T0 + timedelta(hours=1)) is False

    stored = await store.teams_conversation(CHAT.conversation_id)
    assert stored is not None
    assert (stored.tenant_id, stored.person_id, stored.team_id) == ("tenant-1", person.id,
                                                                    "19:team")
