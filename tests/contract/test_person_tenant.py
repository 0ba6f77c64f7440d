"""The Microsoft 365 tenant a person was last seen in is kept with them, on every engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection

from bot.domain.identity import PersonIdentity
from storage.engine import WRITE, create_engine
from storage.migrate import alembic_config, upgrade
from storage.store import SqlStore, open_store

TENANT_A = "ce067f64-338d-44a0-89fb-7fc8973e254f"
TENANT_B = "0b1e7c55-7a3f-4a0a-9d5e-3f2b6c1d9e8a"
T0 = datetime(2026, 11, 24, 10, tzinfo=UTC)


async def test_a_person_keeps_the_tenant_they_were_seen_in(store: SqlStore) -> None:
    jan = await store.upsert_person(
        PersonIdentity(teams_user_id="29:jan", teams_tenant_id=TENANT_A))
    assert jan.teams_tenant_id == TENANT_A
    # Saying nothing about the tenant keeps it; the email links the helpdesk's name to them.
    same = await store.upsert_person(PersonIdentity(teams_user_id="29:jan", email="jan@x.com"))
    assert same.id == jan.id and same.teams_tenant_id == TENANT_A
    found = await store.find_person(email="jan@x.com")
    assert found is not None and found.teams_tenant_id == TENANT_A


async def test_a_move_to_another_tenant_updates_it(store: SqlStore) -> None:
    await store.upsert_person(PersonIdentity(teams_user_id="29:jan", teams_tenant_id=TENANT_A))
    moved = await store.upsert_person(
        PersonIdentity(teams_user_id="29:jan", teams_tenant_id=TENANT_B))
    assert moved.teams_tenant_id == TENANT_B


async def test_people_never_share_a_tenant_by_accident(store: SqlStore) -> None:
    await store.upsert_person(PersonIdentity(teams_user_id="29:jan", teams_tenant_id=TENANT_A))
    piet = await store.upsert_person(PersonIdentity(teams_user_id="29:piet"))
    assert piet.teams_tenant_id is None


async def test_forgetting_a_person_drops_their_tenant(store: SqlStore, database_url: str) -> None:
    await store.upsert_person(PersonIdentity(email="jan@x.com", teams_tenant_id=TENANT_A))
    await store.forget_person("jan@x.com", actor="test", at=T0)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(sa.text("SELECT teams_tenant_id FROM people"))).all()
    finally:
        await engine.dispose()
    assert [row[0] for row in rows] == [None]


async def test_the_migration_takes_the_tenant_of_each_persons_newest_personal_chat(
    empty_database_url: str,
) -> None:
    """People stored before the column existed get the tenant their own chat names."""
    config = alembic_config(empty_database_url)

    def to_0010(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "0010")

    engine = create_engine(empty_database_url)
    try:
        async with engine.execution_options(**WRITE).begin() as connection:
            await connection.run_sync(to_0010)
            for person_id, email in ((1, "jan@x.com"), (2, "piet@x.com")):
                await connection.execute(
                    sa.text("INSERT INTO people (id, email, opted_out, created_at, updated_at) "
                            "VALUES (:id, :email, false, :at, :at)"),
                    {"id": person_id, "email": email, "at": T0},
                )
            chats = [("a:old", TENANT_B, datetime(2026, 1, 1, tzinfo=UTC)),
                     ("a:new", TENANT_A, datetime(2026, 6, 1, tzinfo=UTC))]
            for conversation_id, tenant, at in chats:
                await connection.execute(
                    sa.text("INSERT INTO teams_conversations (conversation_id, kind, tenant_id, "
                            "service_url, reference, person_id, updated_at) VALUES "
                            "(:cid, 'personal', :tenant, 'https://x', '{}', 1, :at)"),
                    {"cid": conversation_id, "tenant": tenant, "at": at},
                )
    finally:
        await engine.dispose()
    await upgrade(empty_database_url)
    store = await open_store(empty_database_url)
    try:
        jan = await store.find_person(email="jan@x.com")
        piet = await store.find_person(email="piet@x.com")
        assert jan is not None and jan.teams_tenant_id == TENANT_A
        assert piet is not None and piet.teams_tenant_id is None
        # The stored reference is untouched: only the person learned their tenant.
        chat = await store.teams_conversation("a:new")
        assert chat is not None and json.loads(chat.reference) == {}
    finally:
        await store.close()
