"""Statements built once per dialect, for the queries that run on every click and close.

Building a SQLAlchemy Core statement (coercing each column and operator, then computing
its cache key) costs several times more than SQLite takes to run it, so the hot paths
keep theirs: built on first use with `bindparam`s for the values, then reused. Every
value goes in through the parameters, never into the statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any, Generic, TypeVar

from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import ClauseElement, Executable

from storage.base import InlineConnection
from storage.driver import DriverStatement, OnFirstUse

S = TypeVar("S")


class Prepared(Generic[S]):
    """`build(dialect_name)` once per dialect; call with a connection to get the statement."""

    def __init__(self, build: Callable[[str], S]) -> None:
        self._build = build
        self._built: dict[str, S] = {}

    def __call__(self, connection: AsyncConnection) -> S:
        name = connection.dialect.name
        statement = self._built.get(name)
        if statement is None:
            statement = self._built[name] = self._build(name)
        return statement


def prepared(build: Callable[[str], S]) -> Prepared[S]:
    """Decorate a builder: `@prepared def _find(dialect: str) -> Select: ...`."""
    return Prepared(build)


class DriverQuery:
    """A statement with rows, run on SQLite's driver inside the store's transaction.

    The text and its parameters are `storage.driver.DriverStatement`'s (compiled once by
    SQLAlchemy); the rows come back converted by the very processors SQLAlchemy would
    apply to each selected column (`UtcDateTime`'s parsing and UTC, booleans), taken
    from the column types once, so a value reads the same on either path.
    """

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = DriverStatement.compile(statement)
        dialect = sqlite.dialect()
        columns = getattr(statement, "selected_columns", None)
        if columns is None:  # an insert or update: its RETURNING, if any
            columns = [each["expr"] for each in statement.returning_column_descriptions]  # type: ignore[attr-defined]
        self.names = tuple(column.name for column in columns)
        converters = []
        for index, column in enumerate(columns):
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if process is not None:
                converters.append((index, process))
        self._converters = tuple(converters)

    def rows(self, connection: Any, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows for `values` on `connection` (an `InlineConnection`), converted."""
        found: list[tuple[Any, ...]] = connection.driver().execute(
            self.statement.sql, self.statement.parameters(values)
        ).fetchall()
        if not self._converters:
            return found
        converted = []
        for raw in found:
            row = list(raw)
            for index, process in self._converters:
                if row[index] is not None:
                    row[index] = process(row[index])
            converted.append(tuple(row))
        return converted

    def named(self, row: tuple[Any, ...]) -> SimpleNamespace:
        """A row with its values by column name, as `storage.rows` reads them."""
        return SimpleNamespace(**dict(zip(self.names, row, strict=True)))

    def run(self, connection: Any, values: Mapping[str, Any]) -> int:
        """Run a statement without rows; the number of rows it changed."""
        cursor = connection.driver().execute(
            self.statement.sql, self.statement.parameters(values)
        )
        return int(cursor.rowcount)


class DriverQueries(OnFirstUse[int, DriverQuery]):
    """A `DriverQuery` per key (a variant of the statement), built on first use."""

    def __init__(self, build: Callable[[int], ClauseElement]) -> None:
        super().__init__(lambda key: DriverQuery(build(key)))


class HotQuery:
    """A statement on a hot path, run on SQLite's driver (`DriverQuery`) inside an inline
    transaction and through SQLAlchemy elsewhere (built once per dialect, as `Prepared`).

    `build(dialect_name)` names every value it takes with a `bindparam`; the rows read
    alike on either path, by column name.
    """

    def __init__(self, build: Callable[[str], Any]) -> None:
        self._prepared: Prepared[Executable] = Prepared(build)
        self._driver = DriverQuery(build("sqlite"))

    async def rows(self, connection: AsyncConnection, values: Mapping[str, Any]) -> list[Any]:
        if isinstance(connection, InlineConnection):
            driver = self._driver
            return [driver.named(row) for row in driver.rows(connection, values)]
        return list(await connection.execute(self._prepared(connection), values))
