"""Turn "the database cannot be reached" into `StoreUnavailable`, whatever the driver."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from bot.errors import StoreUnavailable

# PostgreSQL SQLSTATEs meaning the server or the connection is gone, not the query wrong:
# class 08 (connection exception), shutdowns, "cannot connect now", too many connections.
_PG_UNAVAILABLE_PREFIXES = ("08", "57P", "53300")

# SQLite reports these as OperationalError, like its genuine query errors ("no such table").
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "database is busy",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
    "readonly database",
)


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database could not be reached or is busy."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _unavailable_here(current):
            return True
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return False


def _unavailable_here(error: BaseException) -> bool:
    if isinstance(error, OSError | sa_exc.TimeoutError | sa_exc.InterfaceError):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_PG_UNAVAILABLE_PREFIXES):
        return True
    name = type(error).__name__
    if name in ("ConnectionDoesNotExistError", "InterfaceError", "InternalClientError"):
        return True  # asyncpg's own, without importing the optional driver
    if name == "OperationalError":
        message = str(error).lower()
        return any(text in message for text in _SQLITE_UNAVAILABLE)
    return False


@contextmanager
def translate_unavailable() -> Iterator[None]:
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as error:
        if is_unavailable(error):
            # The driver's text may hold a host or a path; the cause keeps it for the logs.
            raise StoreUnavailable("the database could not be reached") from error
        raise
