"""The chat deliveries already handled, on every engine: a key counts once while it is
remembered (a day), and is forgotten after."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from storage.chat_queries import DELIVERY_MEMORY, FORGET_EVERY
from storage.schema import chat_deliveries
from storage.store import SqlStore
from tests.contract.support import T0


async def _kept(store: SqlStore) -> int:
    async with store._read() as connection:
        return int((await connection.execute(
            sa.select(sa.func.count()).select_from(chat_deliveries))).scalar_one())


async def test_a_delivery_counts_once_while_remembered(store: SqlStore) -> None:
    assert await store.first_delivery("slack:Ev1", at=T0) is True
    assert await store.first_delivery("slack:Ev1", at=T0 + timedelta(hours=23)) is False


async def test_deliveries_are_forgotten_after_a_day_at_most_a_minute_late(
    store: SqlStore,
) -> None:
    await store.first_delivery("slack:Ev1", at=T0)
    await store.first_delivery("slack:Ev2", at=T0 + timedelta(seconds=10))
    expired = T0 + DELIVERY_MEMORY + timedelta(seconds=5)

    # Cleaned a moment ago (at T0 + 10 s): the next clean-up waits its minute.
    assert await store.first_delivery("slack:Ev3", at=T0 + timedelta(seconds=30)) is True
    assert await _kept(store) == 3

    assert await store.first_delivery("slack:Ev4", at=expired + FORGET_EVERY) is True
    assert await _kept(store) == 1  # Ev1, Ev2 and Ev3 were older than a day
    assert await store.first_delivery("slack:Ev1", at=expired + FORGET_EVERY) is True
