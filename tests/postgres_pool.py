"""PostgreSQL test databases made ahead of the tests that take them.

`CREATE DATABASE ... TEMPLATE` costs PostgreSQL about half a second of disk time, which
a suite of a thousand PostgreSQL tests would otherwise wait through one by one. One
thread keeps a few made from the migrated template, so the making overlaps the tests.
Each test still gets a database of its own, dropped after it.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.engine import async_url


class PrefetchedDatabases:
    def __init__(self, admin_url: str, template: str, *, ahead: int = 2) -> None:
        self._admin_url, self._template = admin_url, template
        self._ready: queue.Queue[str | BaseException] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._make()),
                                        name="postgres-test-databases", daemon=True)
        self._thread.start()

    def take(self, timeout: float = 120) -> str:
        """A new database's name, made from the template; this test's alone."""
        made = self._ready.get(timeout=timeout)
        if isinstance(made, BaseException):
            raise made
        return made

    def close(self, drop: Callable[[str], None]) -> None:
        """Stop making them, and `drop` those made and never taken."""
        self._stop.set()
        self._thread.join(timeout=30)
        while not self._ready.empty():
            made = self._ready.get_nowait()
            if isinstance(made, str):
                drop(made)

    async def _make(self) -> None:
        engine = create_async_engine(async_url(self._admin_url),
                                     isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            while not self._stop.is_set():
                name = f"ratebot_test_{uuid.uuid4().hex[:12]}"
                try:
                    async with engine.connect() as connection:
                        await connection.exec_driver_sql(
                            f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
                except Exception as error:  # the test that takes it says what went wrong
                    self._hand_over(error)
                    return
                if not self._hand_over(name):
                    async with engine.connect() as connection:
                        await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        finally:
            await engine.dispose()

    def _hand_over(self, made: str | BaseException) -> bool:
        """Queue `made` once there is room; False when stopped first."""
        while not self._stop.is_set():
            try:
                self._ready.put(made, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False
