"""Shared fixtures: a fake clock, a store on every engine, and a guard against the network."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.engine import async_url, create_engine
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.fakes.clock import FakeClock


def _is_loopback(address: Any) -> bool:
    if isinstance(address, tuple):
        host = address[0]
    else:  # a Unix socket path
        return True
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _refuse_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests talk to loopback only; anything else is a bug in the test or the code."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise ConnectionRefusedError(f"tests may not reach {address!r}: loopback only")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise ConnectionRefusedError(f"tests may not reach {address!r}: loopback only")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# --------------------------------------------------------------------------- stores

POSTGRES_ENV = "RATEBOT_TEST_POSTGRES_URL"
POSTGRES_SKIP = (
    "set RATEBOT_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test "
    "to run the PostgreSQL tests"
)
StoreFactory = Callable[[], Awaitable[SqlStore]]


def _postgres_url(database: str) -> str:
    base = make_url(os.environ[POSTGRES_ENV])
    return base.set(database=database).render_as_string(hide_password=False)


async def _postgres_admin(statement: str) -> None:
    """Run CREATE/DROP DATABASE, which cannot run inside a transaction."""
    engine = create_async_engine(
        async_url(os.environ[POSTGRES_ENV]), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


def _run_aside(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to completion from a session fixture, off the test's event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(make())).result()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test: migrating once keeps the suite fast."""
    path = tmp_path_factory.mktemp("template") / "ratebot.db"
    _run_aside(lambda: upgrade(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test's database is created from."""
    name = f"ratebot_template_{uuid.uuid4().hex[:12]}"
    _run_aside(lambda: _postgres_admin(f'CREATE DATABASE "{name}"'))
    try:
        _run_aside(lambda: upgrade(_postgres_url(name)))
        yield name
    finally:
        _run_aside(lambda: _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_name(request: pytest.FixtureRequest) -> str:
    """Which database engine the test runs on; PostgreSQL only when configured."""
    name: str = request.param
    if name == "postgres" and not os.environ.get(POSTGRES_ENV):
        pytest.skip(POSTGRES_SKIP)
    return name


@pytest.fixture
async def empty_database_url(engine_name: str, tmp_path: Path) -> AsyncIterator[str]:
    """A URL to a database of its own with no tables at all."""
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"ratebot_test_{uuid.uuid4().hex[:12]}"
    await _postgres_admin(f'CREATE DATABASE "{name}"')
    try:
        yield _postgres_url(name)
    finally:
        await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def database_url(
    engine_name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """A URL to a migrated, empty database that belongs to this test alone."""
    if engine_name == "sqlite":
        path = tmp_path / "ratebot.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("_postgres_template")
    name = f"ratebot_test_{uuid.uuid4().hex[:12]}"
    await _postgres_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _postgres_url(name)
    finally:
        await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """An `SqlStore` on this test's database, closed afterwards."""
    opened = SqlStore(create_engine(database_url))
    yield opened
    await opened.close()


@pytest.fixture
async def store_factory(database_url: str) -> AsyncIterator[StoreFactory]:
    """Open more stores on the same database, like more replicas: `await store_factory()`."""
    opened: list[SqlStore] = []

    async def open_one() -> SqlStore:
        another = SqlStore(create_engine(database_url))
        opened.append(another)
        return another

    yield open_one
    for each in opened:
        await each.close()
