"""Accepting closes: stored, undecided, by one statement for a whole group of them.

The group (its size, its timing) is chosen by the caller, `app.intake.IntakeBatcher`
(through `app.batching.Batcher`): here is only the statement, and one transaction per call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.errors import UnknownTeam
from bot.domain.events import ConversationClosed
from bot.domain.model import ConversationState
from storage.base import InlineConnection, StoreBase, insert_on
from storage.driver import DriverStatement, OnFirstUse, sqlite_time
from storage.pending import pending_payload
from storage.prepared import prepared
from storage.schema import conversations, teams
from storage.types import UtcDateTime

_CLOSED = ConversationState.CLOSED.value

# What an accepted close stores, as bind parameters: (name, type).
_CLOSE_VALUES: tuple[tuple[str, Any], ...] = (
    ("source", sa.String),
    ("external_id", sa.String),
    ("team", sa.String),
    ("subject", sa.Text),
    ("always_ask", sa.Boolean),
    ("closed_at", UtcDateTime()),
    ("created_at", UtcDateTime()),
    ("pending", sa.Text),
)
# Closes stored by one statement at most; a larger group takes several.
MANY_AT_ONCE = 32


def _statement_for(dialect: str, *, count: int) -> Any:
    """Insert `count` closes, or re-close reopened conversations; closed ones are left alone.

    The values are joined to their team by name, so a close for an unknown team inserts
    nothing, and a row back means a new close: one statement both stores the closes and
    says which are new. A closed conversation's row is only updated from a state other
    than closed, so the same close twice is a duplicate even between replicas
    (PostgreSQL makes the second upsert wait for the first and re-checks the WHERE).
    Parameters are named `<value>_<n>` for the n-th close.
    """
    each = [
        sa.select(
            *(sa.bindparam(f"{name}_{n}", type_=type_).label(name) for name, type_ in _CLOSE_VALUES)
        )
        for n in range(count)
    ]
    rows = (sa.union_all(*each) if count > 1 else each[0]).subquery("closes")
    source = (
        sa.select(
            rows.c.source, rows.c.external_id, teams.c.id, rows.c.subject,
            sa.literal(_CLOSED, sa.String), sa.literal(1, sa.Integer), rows.c.always_ask,
            rows.c.closed_at, rows.c.created_at, rows.c.pending, sa.literal(0, sa.Integer),
        )
        .select_from(rows.join(teams, teams.c.name == rows.c.team))
        # SQLite reads "ON CONFLICT" after a join as the join's ON without a WHERE.
        .where(sa.true())
    )
    insert = insert_on(dialect, conversations).from_select(
        [
            "source", "external_id", "team_id", "subject", "state", "round", "always_ask",
            "closed_at", "created_at", "pending", "pending_attempts",
        ],
        source,
    )
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[conversations.c.source, conversations.c.external_id],
        set_={
            "state": _CLOSED,
            "round": conversations.c.round + 1,
            "team_id": new.team_id,
            "subject": sa.func.coalesce(new.subject, conversations.c.subject),
            "always_ask": new.always_ask,
            "closed_at": new.closed_at,
            "pending": new.pending,
            "pending_attempts": 0,
            "pending_retry_at": None,
        },
        where=conversations.c.state != _CLOSED,
    ).returning(conversations.c.source, conversations.c.external_id)


# One statement per dialect and number of closes, built on first use.
_ACCEPTS = {
    count: prepared(functools.partial(_statement_for, count=count))
    for count in range(1, MANY_AT_ONCE + 1)
}
_TEAM_EXISTS = prepared(
    lambda _: sa.select(teams.c.id).where(teams.c.name == sa.bindparam("team"))
)


# On SQLite the statement runs on the driver (`storage.driver`): SQLAlchemy's work around
# each execution cost more than SQLite's insert of a whole group, on the path every webhook
# waits on. The text is still SQLAlchemy's, compiled once per number of closes.
@dataclass(frozen=True, slots=True)
class _DriverAccept:
    """The statement for `count` closes, whose values go in by position, close after close,
    between the statement's own constants (`_driver_values`)."""

    sql: str
    before: tuple[Any, ...]
    after: tuple[Any, ...]

    @classmethod
    def compile(cls, count: int) -> _DriverAccept:
        statement = DriverStatement.compile(_statement_for("sqlite", count=count))
        closes = tuple(f"{name}_{n}" for n in range(count) for name, _ in _CLOSE_VALUES)
        order = statement.order
        start = order.index(closes[0])
        if order[start:start + len(closes)] != closes:
            raise AssertionError("the accept statement's values are not close by close")
        constants = statement.constants
        return cls(statement.sql, tuple(constants[name] for name in order[:start]),
                   tuple(constants[name] for name in order[start + len(closes):]))


_DRIVER_ACCEPTS = OnFirstUse(_DriverAccept.compile)
_DRIVER_TEAM_EXISTS = "SELECT 1 FROM teams WHERE name = ?"


async def _store_chunk(
    connection: AsyncConnection, chunk: Sequence[tuple[ConversationClosed, datetime]]
) -> set[tuple[str, str]]:
    """Store one statement's worth of closes; return the (source, ticket) of the new ones."""
    if isinstance(connection, InlineConnection):
        statement = _DRIVER_ACCEPTS(len(chunk))
        values = [*statement.before, *_driver_values(chunk), *statement.after]
        cursor = connection.driver().execute(statement.sql, values)
        return {(source, external_id) for source, external_id in cursor.fetchall()}
    parameters: dict[str, Any] = {}
    for n, (event, now) in enumerate(chunk):
        parameters.update(
            zip((f"{name}_{n}" for name, _ in _CLOSE_VALUES), _close_values(event, now),
                strict=True))
    stored = await connection.execute(_ACCEPTS[len(chunk)](connection), parameters)
    return {(row.source, row.external_id) for row in stored}


async def _team_exists(connection: AsyncConnection, team: str) -> bool:
    if isinstance(connection, InlineConnection):
        return connection.driver().execute(_DRIVER_TEAM_EXISTS, (team,)).fetchone() is not None
    found = await connection.execute(_TEAM_EXISTS(connection), {"team": team})
    return found.first() is not None


class IntakeQueries(StoreBase):
    async def accept_closes(
        self, closes: Sequence[tuple[ConversationClosed, datetime]]
    ) -> list[bool | UnknownTeam]:
        async with self._write() as connection:
            return await accept_many(connection, closes)


async def accept_many(
    connection: AsyncConnection, closes: Sequence[tuple[ConversationClosed, datetime]]
) -> list[bool | UnknownTeam]:
    """Store closes that arrived together, in as few statements as their number allows.

    The same ticket twice in one group is the second time a duplicate of the first, as
    if they had come one after the other: the repeats are stored after the others.
    """
    outcomes: list[bool | UnknownTeam] = [False] * len(closes)
    first: dict[tuple[str, str], int] = {}
    repeats: list[int] = []
    for index, (event, _) in enumerate(closes):
        key = (event.source, event.ticket_id)
        if key in first:
            repeats.append(index)
        else:
            first[key] = index
    # In key order: two replicas storing overlapping groups lock their rows alike.
    unique = sorted(first.items())
    for start in range(0, len(unique), MANY_AT_ONCE):
        chunk = [index for _, index in unique[start:start + MANY_AT_ONCE]]
        new = await _store_chunk(connection, [closes[index] for index in chunk])
        for index in chunk:
            event = closes[index][0]
            outcomes[index] = (event.source, event.ticket_id) in new
    for index in repeats:
        outcomes[index] = (await accept_many(connection, [closes[index]]))[0]
    for index, (event, _) in enumerate(closes):
        # Checked only when nothing was stored: a new close already proved its team.
        if (
            outcomes[index] is False
            and index not in repeats
            and not await _team_exists(connection, event.team)
        ):
            outcomes[index] = UnknownTeam(event.team)
    return outcomes


def _as_given(moment: datetime) -> datetime:
    return moment


def _close_values(
    event: ConversationClosed, now: datetime, moment: Callable[[datetime], Any] = _as_given
) -> tuple[Any, ...]:
    """What one close stores, in `_CLOSE_VALUES`' order, its times written by `moment`."""
    return (event.source, event.ticket_id, event.team, event.subject, event.always_ask,
            moment(event.closed_at), moment(now), pending_payload(event, now))


def _driver_values(chunk: Sequence[tuple[ConversationClosed, datetime]]) -> list[Any]:
    """The closes' values for the driver's statement, by position, as SQLite stores them
    (`UtcDateTime`'s text for the times; the rest the driver takes as it is)."""
    values: list[Any] = []
    for event, now in chunk:
        values += _close_values(event, now, sqlite_time)
    return values
