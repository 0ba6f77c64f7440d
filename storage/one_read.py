"""Several small queries answered by one statement: each part's rows as one JSON array.

A weekly digest reads nine small things about one team. Run one by one, each costs a
round trip and SQLAlchemy's work around a statement (its cache key, binds, result
set-up), together several times what the database takes to answer it. Here the parts
become the columns of one SELECT, each the JSON array of its rows (`json_agg` on
PostgreSQL, `json_group_array` on SQLite), compiled once per dialect by SQLAlchemy and
run on the driver: one round trip and one snapshot on either engine. The rows come back
as the parts' own columns read: timestamps through `UtcDateTime`, booleans as booleans.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.driver import DriverStatement
from storage.types import UtcDateTime

Part = sa.Select[Any] | sa.CompoundSelect[Any]
Row = Any  # a part's row: a named tuple of its columns
_Decode = Callable[[Any], Any]

_DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.dialect(), "postgresql": asyncpg.dialect(),  # type: ignore[no-untyped-call]
}


class OneRead:
    """Parts by name, read together: `await OneRead(parts).rows(connection, values)`."""

    def __init__(self, parts: Mapping[str, Part]) -> None:
        self._parts = dict(parts)
        self._shapes = {name: _Shape(part) for name, part in self._parts.items()}
        self._compiled: dict[str, DriverStatement] = {}

    def statement(self, dialect: str) -> sa.Select[Any]:
        """The one SELECT: a column per part, the JSON array of that part's rows."""
        postgres = dialect == "postgresql"
        columns = []
        for name, part in self._parts.items():
            rows = part.subquery(f"part_{name}")
            row = (sa.func.json_build_array if postgres else sa.func.json_array)(*rows.c)
            every = sa.func.json_agg(row) if postgres else sa.func.json_group_array(row)
            columns.append(sa.select(every).select_from(rows).scalar_subquery().label(name))
        return sa.select(*columns)

    async def rows(
        self, connection: AsyncConnection, values: Mapping[str, Any]
    ) -> dict[str, list[Row]]:
        """Every part's rows for `values`, read in one statement on `connection`."""
        dialect = connection.dialect.name
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = DriverStatement.compile(
                self.statement(dialect), _DIALECTS[dialect])
        parameters = compiled.parameters(values)
        if dialect == "sqlite":  # an `InlineConnection` (storage.base)
            found = connection.driver().execute(compiled.sql, parameters).fetchone()  # type: ignore[attr-defined]
        else:
            found = (await connection.exec_driver_sql(compiled.sql, tuple(parameters))).first()
        assert found is not None  # a SELECT without FROM answers one row
        return {
            name: self._shapes[name].rows(encoded)
            for name, encoded in zip(self._parts, found, strict=True)
        }


class _Shape:
    """A part's rows as named tuples of its columns, read back from their JSON."""

    def __init__(self, part: Part) -> None:
        columns = list(part.selected_columns)
        names = [column.key or column.name for column in columns]
        self._row: Any = namedtuple("Row", names)  # type: ignore[misc]
        decoders: list[tuple[int, _Decode]] = []
        for index, column in enumerate(columns):
            if isinstance(column.type, UtcDateTime):
                decoders.append((index, _moment))
            elif isinstance(column.type, sa.Boolean):
                decoders.append((index, bool))
        self._decoders = tuple(decoders)

    def rows(self, encoded: Any) -> list[Row]:
        if encoded is None:  # json_agg over no rows
            return []
        listed: list[list[Any]] = (
            json.loads(encoded) if isinstance(encoded, str | bytes) else encoded)
        make = self._row._make
        if not self._decoders:
            return [make(values) for values in listed]
        for values in listed:
            for index, decode in self._decoders:
                if values[index] is not None:
                    values[index] = decode(values[index])
        return [make(values) for values in listed]


_UTC = UtcDateTime()


def _moment(value: Any) -> Any:
    """A timestamp from JSON: PostgreSQL's ISO text with its offset, SQLite's naive UTC."""
    return _UTC.process_result_value(value, _DIALECTS["sqlite"])
