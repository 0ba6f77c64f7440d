"""What every query module shares: transactions that report outages, and dialect inserts."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, Self, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, RootTransaction
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.engine import LOCK_WAIT_MS, WRITE, inline_sqlite_engine, one_read_engine
from storage.guard import is_busy, raise_outage, translate_unavailable

# A held lock is usually a short write: look again soon, then less often.
_FIRST_PAUSE = 0.002
_LONGEST_PAUSE = 0.05


class StoreBase:
    """Holds the engine; `_read()` and `_write()` open one transaction each.

    PostgreSQL runs on asyncpg. SQLite runs its statements inline, on the event loop,
    through a blocking pysqlite connection: SQLAlchemy's aiosqlite adapter costs four
    thread hand-offs per statement (about 0.3 ms here, against microseconds for the
    statement itself), which made a webhook's ten-statement transaction the slowest part
    of the server by far. A transaction body only awaits its own statements, so nothing
    else runs while it holds the connection, and writers of this process never wait on
    each other's lock. The query code is the same on both.

    Another process (a `ratebot` command beside `serve`, a backup, an admin's `sqlite3`)
    can hold SQLite's write lock, and a statement waiting for it on the event loop would
    stop every request. So the event loop never waits on SQLite: inline connections have
    no busy timeout, readers never need the lock (WAL), and a writer that finds it taken
    at BEGIN yields to the loop and tries again, for `lock_wait_ms` at most before the
    store reports itself unavailable. Once BEGIN IMMEDIATE holds the lock, no statement
    of the transaction can wait for it: one transaction path, inline, on either side.
    """

    # Keys the opt-outs that outlive a person's erasure (storage.erasure); "" uses a key
    # generated once and kept in the database.
    erasure_key: str = ""

    def __init__(self, engine: AsyncEngine, *, lock_wait_ms: int = LOCK_WAIT_MS) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        # On SQLite, writers take the lock at BEGIN; PostgreSQL ignores the option.
        self._writer = engine.execution_options(**WRITE)
        self._one_reads: AsyncEngine | None = None  # made on the first one read (PostgreSQL)
        # When each periodic clean-up last ran, shared with the copies `transaction` yields.
        self._cleaned: dict[str, datetime] = {}
        self._inline: Engine | None = None
        self._lock_wait = lock_wait_ms / 1000
        self._held: dict[str, Connection] = {}
        self._bound: AsyncConnection | None = None  # set on the store a transaction yields
        if not self._postgres:
            self._inline = inline_sqlite_engine(engine)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Self]:
        """One write transaction around a flow's whole unit of work.

        The store it yields runs every method on that transaction's connection, so a flow
        reads its facts, decides, and writes the outcome atomically, then commits once.
        Inside, await only the store: on SQLite the transaction runs inline (class note).
        """
        if self._bound is not None:
            yield self  # already inside one: the outer transaction commits
            return
        async with self._write() as connection:
            bound = copy.copy(self)
            bound._bound = connection
            yield bound

    def _read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        if self._bound is not None:
            return _Bound(self._bound)
        if self._inline is not None:
            return _InlineTransaction(self, write=False)
        return self._pooled(self._engine)

    @asynccontextmanager
    async def _pooled(self, engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
        with translate_unavailable():
            async with engine.begin() as connection:
                yield connection

    @asynccontextmanager
    async def _read_one(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a read that is one statement (`storage.one_read`): on
        PostgreSQL from `storage.engine.one_read_engine`; elsewhere, as `_read()`."""
        if self._bound is not None or self._inline is not None:
            async with self._read() as connection:
                yield connection
            return
        if self._one_reads is None:
            self._one_reads = one_read_engine(self._engine)
        with translate_unavailable():
            async with self._one_reads.connect() as connection:
                yield connection

    def _read_hot(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """For a read made only of `HotQuery`s that need no snapshot in common: on SQLite's
        inline connection without BEGIN and COMMIT, each statement reading in a snapshot of
        its own (they cost more than a one-row lookup); elsewhere, as `_read()`."""
        if self._bound is not None or self._inline is None:
            return self._read()
        return _HotReads(self)

    def _write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        if self._bound is not None:
            return _Bound(self._bound)
        if self._inline is not None:
            return _InlineTransaction(self, write=True)
        return self._pooled(self._writer)

    def _due(self, chore: str, at: datetime, every: timedelta) -> bool:
        """Whether clean-up `chore` is due at `at` (at most once per `every`), and if so,
        noted as done: a clean-up on every request would cost a statement each."""
        last = self._cleaned.get(chore)
        if last is not None and last <= at < last + every:
            return False
        self._cleaned[chore] = at
        return True

    async def _begin_inline_write(self) -> RootTransaction:
        """BEGIN IMMEDIATE on the event loop, yielding to it while another process writes.

        Transactions of this process never interleave (class note), so the lock can only
        be another process's. Waiting for it in short sleeps keeps every other request,
        and the health checks, answering meanwhile.
        """
        deadline = time.monotonic() + self._lock_wait
        pause = _FIRST_PAUSE
        while True:
            try:
                return self._held_connection("IMMEDIATE").begin()
            except Exception as error:
                left = deadline - time.monotonic()
                if not is_busy(error) or left <= 0:
                    raise
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, _LONGEST_PAUSE)

    def _held_connection(self, mode: str) -> Connection:
        """One open SQLite connection per transaction mode, kept for the store's life.

        Transactions never interleave on the event loop (see the class note), so one
        connection each for readers and writers is enough, and keeping them spares the
        pool's check-out and reset on every transaction. A transaction that awaited
        something else and let another one begin here fails at once instead of waiting
        on SQLite's lock.
        """
        held = self._held.get(mode)
        if held is None or held.closed or held.invalidated:
            assert self._inline is not None
            held = self._inline.connect().execution_options(ratebot_begin=mode)
            self._held[mode] = held
        return held

    async def _dispose(self) -> None:
        for held in self._held.values():
            held.close()
        self._held.clear()
        if self._inline is not None:
            self._inline.dispose()
        if self._one_reads is not None:
            await self._one_reads.dispose()
        await self._engine.dispose()


class _Bound:
    """The connection of the transaction a store copy is bound to: nothing to begin or end."""

    __slots__ = ("_connection",)

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def __aenter__(self) -> AsyncConnection:
        return self._connection

    async def __aexit__(self, *exc: object) -> None:
        return None


class _InlineTransaction:
    """A transaction on SQLite's inline connection (`StoreBase`), as `_read()` or `_write()`.

    A class rather than a generator-based context manager: every click and webhook opens
    several, and an async generator costs asyncio's first-iteration hook and contextlib's
    machinery each time, more than BEGIN and COMMIT themselves. The transaction commits
    or rolls back as SQLAlchemy's own does; an outage is `StoreUnavailable`, as
    `translate_unavailable` makes it elsewhere.
    """

    __slots__ = ("_store", "_transaction", "_writes")

    def __init__(self, store: StoreBase, *, write: bool) -> None:
        self._store = store
        self._writes = write
        self._transaction: RootTransaction | None = None

    async def __aenter__(self) -> AsyncConnection:
        try:
            if self._writes:
                transaction = await self._store._begin_inline_write()
            else:
                transaction = self._store._held_connection("DEFERRED").begin()
        except Exception as error:
            raise_outage(error)
            raise
        self._transaction = transaction
        return _inline(transaction.connection)

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any
    ) -> bool:
        assert self._transaction is not None
        try:
            self._transaction.__exit__(kind, error, traceback)  # commit, or roll back
        except Exception as failure:
            raise_outage(failure)
            raise
        if error is not None:
            raise_outage(error)
        return False


class _HotReads:
    """`_read_hot()` on SQLite: the reading connection's driver, in its autocommit mode."""

    __slots__ = ("_store",)

    def __init__(self, store: StoreBase) -> None:
        self._store = store

    async def __aenter__(self) -> AsyncConnection:
        try:
            held = self._store._held_connection("DEFERRED")
        except Exception as error:
            raise_outage(error)
            raise
        return cast(AsyncConnection, _DriverOnly(held))

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any
    ) -> bool:
        if error is not None:
            raise_outage(error)
        return False


class InlineConnection:
    """The part of `AsyncConnection` the queries use, over a blocking SQLite connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.dialect = connection.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self._connection.execute(statement, parameters)

    async def stream(self, statement: Any) -> InlineStream:
        return InlineStream(self._connection.execute(statement))

    def driver(self) -> Any:
        """The pysqlite connection beneath, in this transaction: for the intake's insert,
        hot enough that SQLAlchemy's per-statement work outweighs SQLite's."""
        return self._connection.connection.driver_connection


class _DriverOnly(InlineConnection):
    """An `InlineConnection` outside any transaction: SQLAlchemy's `execute` would begin one
    that nothing ends, so only the driver may be used (`HotQuery`)."""

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        raise TypeError("a hot read runs HotQuery statements only")

    async def stream(self, statement: Any) -> InlineStream:
        raise TypeError("a hot read runs HotQuery statements only")


class InlineStream:
    def __init__(self, result: Any) -> None:
        self._result = result

    async def partitions(self) -> AsyncIterator[Any]:
        for chunk in self._result.partitions():
            yield chunk


def _inline(connection: Connection) -> AsyncConnection:
    # The queries are typed against AsyncConnection; InlineConnection has its methods.
    return cast(AsyncConnection, InlineConnection(connection))


def insert_for(
    connection: AsyncConnection, table: sa.Table
) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return insert_on(connection.dialect.name, table)


def insert_on(dialect: str, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """`insert_for` by dialect name, for statements built once (`storage.prepared`)."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    """How many rows of the group meet `condition`: `COUNT(*) FILTER (WHERE ...)`, which
    SQLite (3.30+) and PostgreSQL both know, a fifth faster over many rows than summing a
    CASE."""
    return sa.func.count().filter(condition)


def receipt_hash(receipt: str) -> str:
    """Only the hash of a receipt is stored: the token itself lives in the person's message."""
    return hashlib.sha256(receipt.encode()).hexdigest()


def normalize_email(email: str | None) -> str | None:
    if email is None:
        return None
    cleaned = email.strip().lower()
    return cleaned or None


def normalize_identifier(identifier: str) -> str:
    """Emails and '@domain' patterns compare case-insensitively; platform ids do not."""
    cleaned = identifier.strip()
    return cleaned.lower() if "@" in cleaned else cleaned
