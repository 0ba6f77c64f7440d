"""Async engines for SQLite and PostgreSQL from a `RATEBOT_DATABASE_URL`."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.domain.errors import UserFacingError
from storage.guard import is_unavailable

# A write transaction on SQLite takes the write lock at BEGIN: a read-check-write (answer a
# prompt, close a conversation) then cannot interleave with another writer.
WRITE = {"ratebot_begin": "IMMEDIATE"}
# How long a SQLite write waits for a lock another process holds (yielding to the event
# loop meanwhile) before the request is answered "retry later": short of Slack's three
# seconds with room to spare.
LOCK_WAIT_MS = 1000


def async_url(url: str) -> str:
    """The SQLAlchemy URL with the async driver: aiosqlite or asyncpg."""
    for prefix, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(prefix):
            return driver + url[len(prefix):]
    if url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        return url
    raise ValueError("the database URL must start with sqlite:// or postgresql://")


class DriverMissing(UserFacingError):
    """The database URL names PostgreSQL, but its driver is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "RATEBOT_DATABASE_URL names a PostgreSQL database, but its driver is not "
            "installed: pip install 'ratebot[postgres]'"
        )


PG_CONNECT_TIMEOUT_SECONDS = 5
PG_POOL_WAIT_SECONDS = 10


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, *, busy_timeout_ms: int = 5000) -> AsyncEngine:
    """An engine for `url`; SQLite connections get WAL, a busy timeout and foreign keys."""
    full = async_url(url)
    if not is_sqlite(full):
        if importlib.util.find_spec("asyncpg") is None:  # an optional extra
            raise DriverMissing()
        return _postgres_engine(full)
    engine = create_async_engine(full)
    configure_sqlite(engine.sync_engine, busy_timeout_ms)
    return engine


def _postgres_engine(url: str, **options: Any) -> AsyncEngine:
    # A server that does not answer (a black-holed network) is an outage within
    # seconds, not after asyncpg's default minute: requests answer 503 while it lasts.
    connect_args: dict[str, Any] = {"timeout": PG_CONNECT_TIMEOUT_SECONDS}
    connect_args.update(options.pop("connect_args", {}))
    postgres = create_async_engine(
        url, pool_pre_ping=True, pool_timeout=PG_POOL_WAIT_SECONDS,
        connect_args=connect_args, **options,
    )
    event.listen(postgres.sync_engine, "handle_error", _discard_after_outage)
    return postgres


def one_read_engine(engine: AsyncEngine) -> AsyncEngine:
    """A small pool (8 at most) beside PostgreSQL `engine`'s, for reads of one statement.

    Outside transactions (one statement is its own snapshot; BEGIN and COMMIT would triple
    its round trips), and with every statement kept to its generic plan: planning
    `storage.one_read`'s statement cost as much as running it, and, left to choose,
    PostgreSQL went on planning it for each execution.
    """
    return _postgres_engine(
        engine.url.render_as_string(hide_password=False),
        pool_size=4, max_overflow=4, isolation_level="AUTOCOMMIT",
        connect_args={"server_settings": {"plan_cache_mode": "force_generic_plan"}},
    )


def _discard_after_outage(context: ExceptionContext) -> None:
    """An outage's error drops the pool's connections, not only the one that saw it.

    They may be as stale as it is: opened while the database was read-only (and so
    read-only for their whole session), or cut off by the same restart. Reconnecting
    costs a few milliseconds once it is back; a kept connection could fail until
    ratebot itself is restarted.
    """
    if is_unavailable(context.original_exception):
        context.is_disconnect = True


def inline_sqlite_engine(engine: AsyncEngine) -> Engine:
    """A blocking pysqlite engine on the same file as `engine`, for `storage.base`.

    See `StoreBase` for why SQLite statements run inline on the event loop. Its busy
    timeout is zero: a statement on the event loop must never wait for a lock, which
    would stop every request and the health checks with it.
    """
    sync = sa_create_engine(engine.url.set(drivername="sqlite+pysqlite"))
    configure_sqlite(sync, 0)
    return sync


def _in_memory(database: str, options: dict[str, Any]) -> bool:
    return database in ("", ":memory:") or bool(options.get("uri")) or database.startswith(
        "file:")


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "do_connect")
    def _refuse_unopenable(_dialect: Any, _record: Any, arguments: list[Any],
                           options: dict[str, Any]) -> None:
        # A file that cannot be opened, as SQLite itself would say, before the driver is
        # asked: aiosqlite stops the thread of a failed connect without waiting for it,
        # and a command that then ends at once leaves it to die with a traceback.
        database = arguments[0] if arguments else options.get("database")
        if isinstance(database, str) and not _in_memory(database, options):
            path = Path(database).expanduser()
            if not path.parent.is_dir() or path.is_dir():
                raise sqlite3.OperationalError("unable to open database file")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN is disabled; `_on_begin` emits ours instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # The busy timeout first: switching to WAL itself waits for a lock when another
            # connection is writing, and without a timeout it fails at once.
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("ratebot_begin", "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE"):
            raise ValueError(f"unknown SQLite transaction mode {mode!r}")
        # Straight to the driver: this runs on every transaction, and SQLAlchemy's own
        # statement path would cost more than the BEGIN itself.
        connection.connection.dbapi_connection.execute(f"BEGIN {mode}")  # type: ignore[union-attr]
