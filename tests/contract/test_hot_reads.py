"""Lookups on the hottest paths read without a transaction of their own on SQLite: they
find what is committed, leave nothing open behind them, and report an outage as such."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.domain.identity import PersonIdentity
from storage.people import _BY_EMAIL
from storage.schema import people
from storage.store import SqlStore
from tests.contract.support import ADMIN, T0


async def test_a_lookup_finds_what_was_just_committed(store: SqlStore) -> None:
    assert await store.find_person(teams_user_id="29:jan") is None
    stored = await store.upsert_person(
        PersonIdentity(email="jan@example.com", teams_user_id="29:jan"))
    found = await store.find_person(teams_user_id="29:jan")
    assert found is not None and found.id == stored.id
    assert await store.find_person(email="JAN@example.com") == found


async def test_a_lookup_leaves_no_transaction_open(store: SqlStore) -> None:
    await store.find_person(email="nobody@example.com")
    # A write and a read of its own follow at once, as they would after any read.
    await store.add_team("servicedesk", actor=ADMIN, at=T0)
    assert [team.name for team in await store.list_teams()] == ["servicedesk"]
    async with store.transaction() as tx:  # and inside a transaction, it reads in that one
        person = await tx.upsert_person(PersonIdentity(email="piet@example.com"))
        assert await tx.find_person(email="piet@example.com") == person


async def test_only_hot_queries_run_in_a_hot_read(store: SqlStore, engine_name: str) -> None:
    if engine_name != "sqlite":
        pytest.skip("PostgreSQL reads in a transaction as before")
    async with store._read_hot() as connection:
        with pytest.raises(TypeError, match="HotQuery"):
            await connection.execute(sa.select(people))
        assert await _BY_EMAIL.rows(connection, {"value": "x@example.com"}) == []
    await store.add_team("servicedesk", actor=ADMIN, at=T0)  # nothing was left begun
