"""Alembic owns the schema: upgrade, the head check, and what the engine sets up."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import storage
from bot.domain.errors import SchemaOutdated
from storage.engine import create_engine
from storage.migrate import check_current, current_revision, head_revision, upgrade
from storage.schema import audit_log, metadata
from storage.store import SqlStore, open_store


async def test_upgrade_is_idempotent(empty_database_url: str) -> None:
    assert await current_revision(empty_database_url) is None
    await upgrade(empty_database_url)
    assert await current_revision(empty_database_url) == head_revision()
    await upgrade(empty_database_url)
    assert await current_revision(empty_database_url) == head_revision()
    await check_current(empty_database_url)


async def test_check_current_refuses_an_unmigrated_database(empty_database_url: str) -> None:
    with pytest.raises(SchemaOutdated) as refused:
        await check_current(empty_database_url)
    message = str(refused.value)
    assert "is at empty" in message
    assert head_revision() in message
    assert "run `ratebot migrate`" in message


async def test_open_store_migrates_sqlite_and_refuses_a_behind_postgresql(
    empty_database_url: str, engine_name: str
) -> None:
    if engine_name == "postgres":
        with pytest.raises(SchemaOutdated):
            await open_store(empty_database_url)
        assert await current_revision(empty_database_url) is None
        return
    store = await open_store(empty_database_url)
    try:
        await store.ping()
        assert await current_revision(empty_database_url) == head_revision()
    finally:
        await store.close()


async def test_the_migrated_schema_matches_every_table_storage_defines(
    database_url: str,
) -> None:
    # Query modules may declare their tables on the shared MetaData: load them all.
    for module in pkgutil.iter_modules(storage.__path__):
        importlib.import_module(f"storage.{module.name}")
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                )
            )
    finally:
        await engine.dispose()
    assert differences == []


async def test_sqlite_connections_get_wal_foreign_keys_and_a_busy_timeout(
    database_url: str, engine_name: str
) -> None:
    if engine_name != "sqlite":
        pytest.skip("SQLite pragmas")
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        await engine.dispose()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000,
                       "synchronous": 1}


async def test_timestamps_come_back_aware_utc_and_compare_across_offsets(
    store: SqlStore,
) -> None:
    plus_two = timezone(timedelta(hours=2))
    local = datetime(2026, 11, 24, 12, 0, tzinfo=plus_two)  # 10:00 UTC
    async with store.engine.begin() as connection:
        await connection.execute(
            sa.insert(audit_log).values(at=local, actor="a", action="x", detail={})
        )
        stored = (await connection.execute(sa.select(audit_log.c.at))).scalar_one()
        # A bound parameter in another offset is converted the same way as the column.
        later = (
            await connection.execute(
                sa.select(sa.func.count()).where(
                    audit_log.c.at < datetime(2026, 11, 24, 12, 30, tzinfo=plus_two)
                )
            )
        ).scalar_one()
    assert stored == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert stored.tzinfo is UTC
    assert later == 1


async def test_naive_timestamps_are_refused(store: SqlStore) -> None:
    with pytest.raises(sa.exc.StatementError, match="timezone-aware"):
        async with store.engine.begin() as connection:
            await connection.execute(
                sa.insert(audit_log).values(
                    at=datetime(2026, 11, 24, 10, 0), actor="a", action="x", detail={}
                )
            )
