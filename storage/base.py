"""What every query module shares: transactions that report outages, and dialect inserts."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.engine import WRITE
from storage.guard import translate_unavailable


class StoreBase:
    """Holds the engine; `_read()` and `_write()` open one transaction each."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        # On SQLite, writers take the lock at BEGIN; PostgreSQL ignores the option.
        self._writer = engine.execution_options(**WRITE)
        # SQLite has one writer at a time, and its busy handler polls rather than queues:
        # under load some writers starve past the busy timeout. Writers of this process
        # therefore queue here, first come first served; the busy timeout is left for
        # other processes on the same file.
        self._write_turn = asyncio.Lock() if not self._postgres else None

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        with translate_unavailable():
            async with self._engine.begin() as connection:
                yield connection

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        async with self._write_turn or contextlib.nullcontext():
            with translate_unavailable():
                async with self._writer.begin() as connection:
                    yield connection


def insert_for(
    connection: AsyncConnection, table: sa.Table
) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT, which knows ON CONFLICT."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


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
