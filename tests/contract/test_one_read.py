"""Several parts read in one statement, on every engine: each part's rows come back as its
own columns would read (UTC timestamps, booleans, text as written), empty parts as none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from storage.one_read import OneRead
from storage.schema import teams
from storage.store import SqlStore
from tests.contract.support import ADMIN, T0

NAME = 'Ops "Nacht" \\ ploeg — 夜'  # quotes, a backslash and more than ASCII


def _parts() -> OneRead:
    by_id = teams.c.id == sa.bindparam("team_id")
    return OneRead({
        "team": sa.select(teams.c.id, teams.c.display_name, teams.c.created_at,
                          (teams.c.created_at >= sa.bindparam("since")).label("recent"))
        .where(by_id),
        "count": sa.select(sa.func.count().label("n")).where(
            teams.c.created_at < sa.bindparam("since")),
        "none": sa.select(teams.c.name).where(by_id, teams.c.name == "nobody"),
    })


async def _read(store: SqlStore, values: dict[str, object]) -> dict[str, list[Any]]:
    async with store._read_one() as connection:
        return await _parts().rows(connection, values)


async def test_each_part_reads_as_its_columns_do(store: SqlStore) -> None:
    created = T0 + timedelta(minutes=5, microseconds=123456)
    team = await store.add_team("ops", display_name=NAME, actor=ADMIN, at=created)

    found = await _read(store, {"team_id": team.id, "since": T0})

    (row,) = found["team"]
    assert row.id == team.id and row.display_name == NAME
    assert row.created_at == created and row.created_at.tzinfo is not None
    assert row.created_at.utcoffset() == timedelta(0)
    assert row.recent is True
    assert [each.n for each in found["count"]] == [0]
    assert found["none"] == []


async def test_a_timestamp_bound_in_another_zone_compares_in_utc(store: SqlStore) -> None:
    team = await store.add_team("ops", display_name="Ops", actor=ADMIN, at=T0)
    amsterdam = (T0 + timedelta(seconds=1)).astimezone(ZoneInfo("Europe/Amsterdam"))

    found = await _read(store, {"team_id": team.id, "since": amsterdam})

    assert [row.recent for row in found["team"]] == [False]


async def test_on_postgresql_one_reads_keep_generic_plans_outside_a_transaction(
    store: SqlStore, engine_name: str
) -> None:
    if engine_name != "postgres":
        pytest.skip("plans and pools of one reads are PostgreSQL's")
    async with store._read_one() as connection:
        mode = (await connection.exec_driver_sql("SHOW plan_cache_mode")).scalar()
        raw = await connection.get_raw_connection()
        assert not raw.driver_connection.is_in_transaction()  # type: ignore[union-attr]
    assert mode == "force_generic_plan"
    # The store's other connections keep PostgreSQL's own choice.
    async with store._read() as connection:
        assert (await connection.exec_driver_sql("SHOW plan_cache_mode")).scalar() == "auto"
