"""An unreachable or locked database raises `StoreUnavailable`, never a driver error."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.errors import StoreUnavailable
from storage.engine import create_engine
from storage.guard import is_unavailable
from storage.migrate import check_current
from storage.store import SqlStore
from tests.contract.support import ADMIN, T0


def _join_aiosqlite_threads() -> None:
    """Wait for the worker threads of failed aiosqlite connections to finish.

    When a connection cannot open, aiosqlite stops its thread with a future nobody awaits;
    if the test's loop closed first, that thread raises "Event loop is closed".
    """
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            thread.join(timeout=5)


async def test_an_unopenable_sqlite_file(tmp_path: Path) -> None:
    store = SqlStore(create_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}"))
    try:
        with pytest.raises(StoreUnavailable):
            await store.ping()
        with pytest.raises(StoreUnavailable):
            await store.add_team("servicedesk", actor=ADMIN, at=T0)
        with pytest.raises(StoreUnavailable):
            [row async for row in store.export_rows()]
    finally:
        await store.close()
        _join_aiosqlite_threads()


async def test_a_locked_sqlite_database(database_url: str, engine_name: str) -> None:
    if engine_name != "sqlite":
        pytest.skip("SQLite locking")
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    store = SqlStore(create_engine(database_url, busy_timeout_ms=50))
    try:
        with pytest.raises(StoreUnavailable):
            await store.add_admin("x@example.com", actor=ADMIN, at=T0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        await store.close()


async def test_an_unreachable_postgresql_server() -> None:
    url = "postgresql://postgres@127.0.0.1:1/nothing"  # nothing listens on port 1
    store = SqlStore(create_engine(url))
    try:
        with pytest.raises(StoreUnavailable):
            await store.ping()
        with pytest.raises(StoreUnavailable):
            await store.list_teams()
    finally:
        await store.close()
    with pytest.raises(StoreUnavailable):
        await check_current(url)


def test_query_errors_are_not_mistaken_for_outages() -> None:
    def wrapped(message: str) -> sa.exc.OperationalError:
        return sa.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError(message))

    assert is_unavailable(wrapped("database is locked"))
    assert is_unavailable(wrapped("unable to open database file"))
    assert not is_unavailable(wrapped("no such table: teams"))
    assert not is_unavailable(sa.exc.IntegrityError("INSERT", {}, Exception("UNIQUE")))
    assert is_unavailable(ConnectionRefusedError(111, "refused"))
