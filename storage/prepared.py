"""Statements built once per dialect, for the queries that run on every click and close.

Building a SQLAlchemy Core statement (coercing each column and operator, then computing
its cache key) costs several times more than SQLite takes to run it, so the hot paths
keep theirs: built on first use with `bindparam`s for the values, then reused. Every
value goes in through the parameters, never into the statement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

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
