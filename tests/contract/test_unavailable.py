"""An unreachable or locked database raises `StoreUnavailable`, never a driver error."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import sqlalchemy as sa

from bot.domain.errors import StoreUnavailable
from storage.engine import create_engine
from storage.guard import explain_unreachable, is_busy, is_unavailable
from storage.migrate import check_current
from storage.store import SqlStore
from tests.contract.support import ADMIN, T0


@pytest.mark.parametrize("where", ["missing/dir/x.db", "a_directory"])
async def test_an_unopenable_sqlite_file(
    tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a_directory").mkdir()
    asked: list[object] = []
    connect = aiosqlite.connect

    def counted(*args: Any, **kwargs: Any) -> aiosqlite.Connection:
        asked.append(args)
        return connect(*args, **kwargs)

    monkeypatch.setattr(aiosqlite, "connect", counted)
    engine = create_engine(f"sqlite:///{tmp_path / where}")
    store = SqlStore(engine)
    try:
        with pytest.raises(StoreUnavailable):
            await store.ping()
        with pytest.raises(StoreUnavailable):
            await store.add_team("servicedesk", actor=ADMIN, at=T0)
        with pytest.raises(StoreUnavailable):
            [row async for row in store.export_rows()]
        with pytest.raises(StoreUnavailable):
            await store.find_person(email="jan@example.com")  # a hot read (storage.base)
        with pytest.raises(sa.exc.OperationalError, match="unable to open database file"):
            async with engine.connect():
                pass
    finally:
        await store.close()
    # Refused before the driver was asked: aiosqlite stops a failed connect's thread
    # without waiting, and a command ending at once would see it die with a traceback.
    assert asked == []


async def test_a_locked_sqlite_database(database_url: str, engine_name: str) -> None:
    if engine_name != "sqlite":
        pytest.skip("SQLite locking")
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    store = SqlStore(create_engine(database_url), lock_wait_ms=50)
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as raised:
            await store.add_admin("x@example.com", actor=ADMIN, at=T0)
        with pytest.raises(StoreUnavailable):
            await store.ping()  # ready means able to write
        # The waits were the store's own, short and off the event loop; reads need no lock.
        assert time.monotonic() - started < 1.0
        assert raised.value.reason == "OperationalError"
        assert await store.list_teams() == []
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    try:
        await store.add_admin("x@example.com", actor=ADMIN, at=T0)
        await store.ping()
    finally:
        await store.close()


async def test_a_lock_held_only_briefly_is_waited_for_off_the_event_loop(
    database_url: str, engine_name: str
) -> None:
    if engine_name != "sqlite":
        pytest.skip("SQLite locking")
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    store = SqlStore(create_engine(database_url), lock_wait_ms=5000)
    try:
        writing = asyncio.ensure_future(store.add_admin("x@example.com", actor=ADMIN, at=T0))
        # The write waits in short sleeps: the event loop runs this while it waits.
        await asyncio.sleep(0)
        assert not writing.done()
        holder.execute("ROLLBACK")
        await asyncio.wait_for(writing, timeout=5)
    finally:
        holder.close()
        await store.close()
    reopened = SqlStore(create_engine(database_url))
    try:
        assert await reopened.list_admins() == ["x@example.com"]
    finally:
        await reopened.close()


async def test_ping_refuses_a_database_that_takes_no_writes(
    database_url: str, engine_name: str
) -> None:
    if engine_name != "postgres":
        pytest.skip("a PostgreSQL session set read-only, as on a standby")
    store = SqlStore(create_engine(database_url))
    try:
        await store.ping()
        async with store.engine.connect() as connection:
            database = connection.engine.url.database
            await connection.execute(
                sa.text(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
            )
            await connection.commit()
        await store.close()  # new sessions are the read-only ones
        store = SqlStore(create_engine(database_url))
        with pytest.raises(StoreUnavailable) as raised:
            await store.ping()
        assert raised.value.reason.endswith("(SQLSTATE 25006)")
        assert await store.list_teams() == []  # it still answers reads
    finally:
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


class _PgError(Exception):
    """A driver error as SQLAlchemy's asyncpg adapter shapes it: with its SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__("a message that may quote parameters")
        self.sqlstate = sqlstate


def _pg(sqlstate: str, *, statement: str | None = "INSERT INTO x VALUES ($1)") -> Exception:
    return sa.exc.DBAPIError(statement, {}, _PgError(sqlstate))


@pytest.mark.parametrize(
    "sqlstate",
    ["08006", "53100", "53200", "53300", "57P01", "57P03", "58030", "25006", "3D000",
     "28P01", "55P03"],
)
def test_every_postgresql_outage_class_is_unavailable(sqlstate: str) -> None:
    assert is_unavailable(_pg(sqlstate))


def test_not_in_prerequisite_state_is_an_outage_only_when_connecting() -> None:
    # 55000 is "database does not allow connections" at connect, a query's own error after.
    assert is_unavailable(_pg("55000", statement=None))
    assert not is_unavailable(_pg("55000"))


@pytest.mark.parametrize("sqlstate", ["22021", "23505", "40001", "42P01", "P0001"])
def test_errors_of_a_query_are_not_outages(sqlstate: str) -> None:
    assert not is_unavailable(_pg(sqlstate))


def test_busy_is_told_apart_from_other_sqlite_errors() -> None:
    def wrapped(message: str) -> sa.exc.OperationalError:
        return sa.exc.OperationalError("BEGIN", {}, sqlite3.OperationalError(message))

    assert is_busy(wrapped("database is locked"))
    assert not is_busy(wrapped("unable to open database file"))
    assert is_unavailable(wrapped("attempt to write a readonly database"))


def test_query_errors_are_not_mistaken_for_outages() -> None:
    def wrapped(message: str) -> sa.exc.OperationalError:
        return sa.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError(message))

    assert is_unavailable(wrapped("database is locked"))
    assert is_unavailable(wrapped("unable to open database file"))
    assert not is_unavailable(wrapped("no such table: teams"))
    assert not is_unavailable(sa.exc.IntegrityError("INSERT", {}, Exception("UNIQUE")))
    assert is_unavailable(ConnectionRefusedError(111, "refused"))


class _PgError(Exception):
    """What asyncpg raises, as far as the guard reads it: a SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__("server text that may hold a host or a query's parameters")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("sqlstate", "expected"), [
    ("3D000", "the PostgreSQL database 'ratings' does not exist on db.example:5433: "
              "create it (createdb ratings), then run `ratebot migrate`"),
    ("28P01", "PostgreSQL on db.example:5433 refused the user 'bot' for 'ratings'"),
    ("53300", "the PostgreSQL database 'ratings' on db.example:5433 cannot work now "
              "(_PgError (SQLSTATE 53300))"),
])
def test_an_unreachable_postgresql_database_is_named_with_its_cause(
    sqlstate: str, expected: str,
) -> None:
    url = "postgresql://bot:secret@db.example:5433/ratings"
    explained = explain_unreachable(url, _PgError(sqlstate))
    assert explained == expected
    assert "secret" not in explained and "server text" not in explained


def test_no_postgresql_server_is_told_from_a_refused_connection() -> None:
    refused = ConnectionRefusedError(111, "Connection refused")
    assert explain_unreachable("postgresql://bot@127.0.0.1/ratings", refused) == (
        "no PostgreSQL server answers on 127.0.0.1:5432 (database 'ratings')"
    )


def test_an_unopenable_sqlite_file_is_named_with_what_is_on_the_disk(tmp_path: Path) -> None:
    error = sqlite3.OperationalError("unable to open database file")
    missing = tmp_path / "nowhere" / "r.db"
    assert explain_unreachable(f"sqlite:///{missing}", error) == (
        f"cannot open the SQLite database {missing}: the directory {missing.parent} does not exist"
    )
    assert explain_unreachable(f"sqlite:///{tmp_path}", error) == (
        f"cannot open the SQLite database {tmp_path}: it is a directory"
    )
