"""Turn "the database cannot be reached" into `StoreUnavailable`, whatever the driver."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from bot.domain.errors import StoreUnavailable

# PostgreSQL SQLSTATEs meaning the database cannot do the work now, not that the query is
# wrong: connection exceptions (08), insufficient resources (53: disk full, out of memory,
# too many connections), shutdowns and "cannot connect now" (57P), I/O errors (58), a
# read-only transaction (a standby after a failover, or `default_transaction_read_only`),
# a database that does not exist (dropped, or not yet restored), refused credentials
# (28), and a lock not granted in time.
_PG_UNAVAILABLE_PREFIXES = ("08", "53", "57P", "58", "25006", "3D000", "28", "55P03")
# "Not in prerequisite state" is a query's own error too; with no statement running it is
# the database refusing connections (`ALTER DATABASE ... ALLOW_CONNECTIONS false`).
_PG_REFUSED_CONNECTION = "55000"

# SQLite's primary result codes for the same: busy, locked, read-only, I/O error, full,
# cannot open. Its genuine query errors ("no such table") share the exception class.
_SQLITE_BUSY = (5, 6)
_SQLITE_UNAVAILABLE = (*_SQLITE_BUSY, 8, 10, 13, 14)
# For an error that carries no result code, its message.
_SQLITE_BUSY_TEXT = ("database is locked", "database is busy", "database table is locked")
_SQLITE_UNAVAILABLE_TEXT = (
    *_SQLITE_BUSY_TEXT,
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
    "readonly database",
)


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database could not be reached, or cannot work now."""
    return any(_unavailable_here(each, statement) for each, statement in _chain(error))


def is_busy(error: BaseException) -> bool:
    """Whether `error` is SQLite saying another connection holds the lock it needs."""
    return any(
        _sqlite_says(each, _SQLITE_BUSY, _SQLITE_BUSY_TEXT) for each, _ in _chain(error)
    )


def sqlstate_of(error: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE somewhere in `error`'s causes: safe to log, unlike messages."""
    for each, _ in _chain(error):
        sqlstate = getattr(each, "sqlstate", None) or getattr(each, "pgcode", None)
        if isinstance(sqlstate, str):
            return sqlstate
    return None


def _chain(error: BaseException) -> Iterator[tuple[BaseException, bool]]:
    """`error` and its causes, each with whether a statement was running when it came."""
    seen: set[int] = set()
    current: BaseException | None = error
    running = True
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.StatementError):
            running = running and current.statement is not None
        yield current, running
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__


def _unavailable_here(error: BaseException, statement_running: bool) -> bool:
    if isinstance(error, StoreUnavailable | OSError | sa_exc.TimeoutError | sa_exc.InterfaceError):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(sqlstate, str):
        if sqlstate.startswith(_PG_UNAVAILABLE_PREFIXES):
            return True
        if sqlstate == _PG_REFUSED_CONNECTION and not statement_running:
            return True
    name = type(error).__name__
    if name in ("ConnectionDoesNotExistError", "InterfaceError", "InternalClientError"):
        return True  # asyncpg's own, without importing the optional driver
    return _sqlite_says(error, _SQLITE_UNAVAILABLE, _SQLITE_UNAVAILABLE_TEXT)


def _sqlite_says(error: BaseException, codes: tuple[int, ...], texts: tuple[str, ...]) -> bool:
    if type(error).__name__ != "OperationalError":
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in codes  # the primary code; the extended one adds detail above
    message = str(error).lower()
    return any(text in message for text in texts)


@contextmanager
def translate_unavailable() -> Iterator[None]:
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as error:
        raise_outage(error)
        raise


def raise_outage(error: BaseException) -> None:
    """Raise the `StoreUnavailable` that `error` means, from it; return when it means none."""
    outage = unavailable(error)
    if outage is not None:
        raise outage from error


def unavailable(error: BaseException) -> StoreUnavailable | None:
    """The `StoreUnavailable` that `error` means (raise it from `error`), or None."""
    if isinstance(error, StoreUnavailable) or not is_unavailable(error):
        return None
    # The driver's text may hold a host, a path or a query's parameters (emails):
    # the cause keeps it for debugging; what is safe to log travels separately.
    return StoreUnavailable("the database could not be reached", reason=_loggable(error))


def _loggable(error: BaseException) -> str:
    """What went wrong without the message: the innermost error's type and any SQLSTATE."""
    innermost = error
    for each, _ in _chain(error):
        innermost = each
    sqlstate = sqlstate_of(error)
    kind = type(innermost).__qualname__
    return f"{kind} (SQLSTATE {sqlstate})" if sqlstate else kind


def explain_unreachable(url: str, error: BaseException) -> str:
    """For the operator who configured `url`: which database could not be reached, and why.

    The message of `error` stays out of it (see `translate_unavailable`): the cause is
    named from the error's codes and, for a SQLite file, from what is on the disk.
    """
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError:
        return str(error)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_file_problem(parsed.database or "", error)
    name, where = parsed.database or "(none)", f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    sqlstate = sqlstate_of(error) or ""
    if sqlstate == "3D000":
        return (f"the PostgreSQL database '{name}' does not exist on {where}: create it "
                f"(createdb {name}), then run `ratebot migrate`")
    if sqlstate.startswith("28"):
        return f"PostgreSQL on {where} refused the user '{parsed.username}' for '{name}'"
    if any(isinstance(each, OSError) for each, _ in _chain(error)):
        return f"no PostgreSQL server answers on {where} (database '{name}')"
    return f"the PostgreSQL database '{name}' on {where} cannot work now ({_loggable(error)})"


def _sqlite_file_problem(database: str, error: BaseException) -> str:
    import os
    from pathlib import Path

    path = Path(database).expanduser().absolute()
    folder = path.parent
    if not folder.is_dir():
        cause = f"the directory {folder} does not exist"
    elif path.is_dir():
        cause = "it is a directory"
    elif not path.exists() and not os.access(folder, os.W_OK):
        cause = f"no permission to create it in {folder}"
    elif path.exists() and not os.access(path, os.R_OK | os.W_OK):
        cause = "no permission to read and write it"
    elif is_busy(error):
        cause = "another process holds its lock"
    else:
        cause = _loggable(error)
    return f"cannot open the SQLite database {path}: {cause}"
