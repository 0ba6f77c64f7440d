"""A flow's unit of work: everything it writes through `transaction()` commits, or nothing."""

from __future__ import annotations

import pytest

from bot.domain.identity import PersonIdentity
from storage.store import SqlStore
from tests.contract.support import ADMIN, JAN, T0


class Refused(Exception):
    pass


async def test_writes_through_the_transaction_commit_together(store: SqlStore) -> None:
    async with store.transaction() as tx:
        await tx.add_team("servicedesk", actor=ADMIN, at=T0)
        person = await tx.upsert_person(PersonIdentity(email=JAN))
        # Reads inside see the transaction's own writes.
        assert await tx.find_person(email=JAN) == person
        assert [team.name for team in await tx.list_teams()] == ["servicedesk"]
    assert await store.get_team("servicedesk") is not None
    assert await store.find_person(email=JAN) is not None


async def test_an_error_inside_rolls_back_every_write(store: SqlStore) -> None:
    with pytest.raises(Refused):
        async with store.transaction() as tx:
            await tx.add_team("servicedesk", actor=ADMIN, at=T0)
            await tx.upsert_person(PersonIdentity(email=JAN))
            raise Refused
    assert await store.get_team("servicedesk") is None
    assert await store.find_person(email=JAN) is None
    assert await store.audit_log() == []


async def test_a_nested_transaction_joins_the_outer_one(store: SqlStore) -> None:
    with pytest.raises(Refused):
        async with store.transaction() as outer:
            async with outer.transaction() as inner:
                await inner.add_team("servicedesk", actor=ADMIN, at=T0)
            raise Refused
    assert await store.get_team("servicedesk") is None


async def test_the_store_outside_keeps_its_own_transactions(store: SqlStore) -> None:
    async with store.transaction() as tx:
        await tx.add_team("servicedesk", actor=ADMIN, at=T0)
    await store.add_team("network", actor=ADMIN, at=T0)
    assert {team.name for team in await store.list_teams()} == {"servicedesk", "network"}
