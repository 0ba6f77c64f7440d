"""Statements compiled once by SQLAlchemy for SQLite, then run on the driver directly.

On the worker's hottest statements SQLAlchemy's work around each execution (cache
lookup, bind and result processing per value, result set-up) costs more than SQLite's
own, as on the intake's insert (`storage.intake`). The text stays SQLAlchemy's, compiled
once from the same Core statement PostgreSQL runs: only the execution is ours, so the
values are converted here as the column types would (`UtcDateTime`, booleans).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

K = TypeVar("K")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """The text and its bind parameters' names in order (the driver's `?`s or `$n`s).

    SQLite's by default; another dialect's (PostgreSQL on asyncpg) where it is given.
    """

    sql: str
    order: tuple[str, ...]
    constants: Mapping[str, Any]  # the statement's own values (an OFFSET, say), by name
    for_sqlite: bool = True  # its values are converted as SQLite's column types store them

    @classmethod
    def compile(cls, statement: ClauseElement, dialect: Dialect | None = None) -> DriverStatement:
        dialect = dialect or sqlite.dialect()
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if compiled.literal_execute_params or compiled.post_compile_params:
            # An expanding IN is rendered per call by SQLAlchemy: not for the driver.
            raise TypeError("a statement for the driver takes no expanding parameters")
        order = tuple(compiled.positiontup or ())
        constants = {
            name: bind.effective_value
            for name in order
            if not (bind := compiled.binds[name]).required
        }
        if not all(value is None or isinstance(value, str | int) for value in constants.values()):
            raise TypeError("a statement for the driver gained a value that needs converting")
        return cls(compiled.string, order, constants, dialect.name == "sqlite")

    def parameters(self, values: Mapping[str, Any]) -> list[Any]:
        """The values in the text's order; the statement's own where none is given."""
        constants = self.constants
        if not self.for_sqlite:  # asyncpg takes Python's own values
            return [values[name] if name in values else constants[name] for name in self.order]
        if len(self.order) > len(values):  # a value used more than once: converted once
            values = {name: to_sqlite(value) for name, value in values.items()}
            return [values[name] if name in values else constants[name] for name in self.order]
        return [
            to_sqlite(values[name]) if name in values else constants[name]
            for name in self.order
        ]


class OnFirstUse(Generic[K, T]):
    """What `make` builds for each key (a row count, a set of columns), built once, on the
    key's first use: statements are compiled as the traffic asks for them, never again."""

    def __init__(self, make: Callable[[K], T]) -> None:
        self._make = make
        self._made: dict[K, T] = {}

    def __call__(self, key: K) -> T:
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = self._make(key)
        return found


class Compiled(OnFirstUse[int, DriverStatement]):
    """A `DriverStatement` per key, compiled on first use."""

    def __init__(self, build: Callable[[int], ClauseElement]) -> None:
        super().__init__(lambda key: DriverStatement.compile(build(key)))


def to_sqlite(value: Any) -> Any:
    """A bound value as SQLAlchemy's SQLite types store it."""
    if isinstance(value, datetime):
        return sqlite_time(value)
    return value  # str, int, bool (an int to sqlite3), float, None


def sqlite_time(moment: datetime) -> str:
    """What `UtcDateTime` stores on SQLite: naive UTC in SQLAlchemy's fixed-width text."""
    zone = moment.tzinfo
    if zone is not UTC:  # the clock's own are UTC already: no conversion to pay for
        if zone is None or moment.utcoffset() is None:
            raise ValueError("timestamps must be timezone-aware")
        moment = moment.astimezone(UTC)
    # The text without its "+00:00": cheaper than a naive copy to format (every webhook
    # stores two), and as fixed in width, years being written with four digits.
    return moment.isoformat(" ", "microseconds")[:26]

