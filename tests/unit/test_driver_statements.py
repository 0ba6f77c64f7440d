"""Statements run on SQLite's driver store and read exactly what SQLAlchemy's would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from storage.driver import Compiled, DriverStatement, sqlite_time
from storage.types import UtcDateTime

_metadata = sa.MetaData()
_events = sa.Table(
    "events", _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(20)),
    sa.Column("flag", sa.Boolean),
    sa.Column("at", UtcDateTime()),
)
MOMENTS = (
    datetime(2026, 12, 6, 15, 4, 5, 123456, tzinfo=UTC),
    datetime(2026, 12, 6, 17, 4, 5, tzinfo=timezone(timedelta(hours=2))),  # no microseconds
)


def test_a_row_written_on_the_driver_reads_back_as_sqlalchemy_wrote_it() -> None:
    engine = sa.create_engine("sqlite://")
    _metadata.create_all(engine)
    insert = DriverStatement.compile(
        sa.insert(_events).values(
            name=sa.bindparam("name"), flag=sa.bindparam("flag"), at=sa.bindparam("at")
        )
    )
    with engine.begin() as connection:
        for n, moment in enumerate(MOMENTS):
            connection.execute(sa.insert(_events).values(name=f"sa{n}", flag=True, at=moment))
            driver = connection.connection.driver_connection
            assert driver is not None
            driver.execute(insert.sql, insert.parameters({"name": f"dr{n}", "flag": True,
                                                          "at": moment}))
        rows = connection.execute(sa.select(_events).order_by(_events.c.id)).all()
        raw = connection.exec_driver_sql("SELECT at, flag FROM events ORDER BY id").all()
    assert [row.at for row in rows] == [moment for moment in MOMENTS for _ in range(2)]
    assert raw[0] == raw[1] and raw[2] == raw[3]  # the same text and integer stored
    assert raw[1][0] == sqlite_time(MOMENTS[0])


def test_the_statement_s_own_values_are_kept_and_the_caller_s_required() -> None:
    query = sa.select(_events.c.id).order_by(_events.c.id).limit(sa.bindparam("limit"))
    statement = DriverStatement.compile(query)
    assert statement.parameters({"limit": 5})[0] == 5
    assert list(statement.constants.values()) == [0]  # the OFFSET SQLAlchemy adds
    with pytest.raises(KeyError):
        statement.parameters({})


def test_an_expanding_in_is_refused_and_a_naive_time_too() -> None:
    with pytest.raises(TypeError):
        DriverStatement.compile(
            sa.select(_events).where(_events.c.id.in_(sa.bindparam("ids", expanding=True)))
        )
    with pytest.raises(ValueError, match="timezone-aware"):
        sqlite_time(datetime(2026, 1, 1))  # the mistake under test


def test_compiled_builds_each_key_once() -> None:
    built: list[int] = []

    def build(count: int) -> sa.Insert:
        built.append(count)
        return sa.insert(_events).values([{"name": sa.bindparam(f"n{i}")} for i in range(count)])

    compiled = Compiled(build)
    assert compiled(2) is compiled(2) and compiled(3).sql.count("(?)") == 3
    assert built == [2, 3]
