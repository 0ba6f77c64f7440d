"""The intake's insert: on SQLite it runs on the driver, and stores what SQLAlchemy would."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.domain.errors import UnknownTeam
from storage.schema import conversations
from storage.store import SqlStore
from tests.contract.support import ADMIN, T0, closed, team

# Not UTC, with microseconds: both must survive the trip exactly.
AMSTERDAM = timezone(timedelta(hours=1))
CLOSED_AT = datetime(2026, 11, 24, 11, 30, 15, 123456, tzinfo=AMSTERDAM)
ACCEPTED_AT = datetime(2026, 11, 24, 10, 31, 0, 7, tzinfo=AMSTERDAM)


async def test_accepted_closes_keep_their_instants_and_the_engine_s_own_time_format(
    store: SqlStore,
) -> None:
    await team(store)
    # A row SQLAlchemy writes itself, at the same instant: the form to match.
    await store.add_team("infra", display_name="Infra", actor=ADMIN, at=CLOSED_AT)
    answers = await store.accept_closes([
        (closed(f"T-{n}", at=CLOSED_AT), ACCEPTED_AT) for n in range(3)
    ])
    assert answers == [True, True, True]

    async with store.engine.connect() as connection:
        found = (await connection.execute(
            sa.select(conversations).order_by(conversations.c.external_id)
        )).all()
        assert [row.external_id for row in found] == ["T-0", "T-1", "T-2"]
        assert {row.closed_at for row in found} == {CLOSED_AT}
        assert {row.created_at for row in found} == {ACCEPTED_AT}
        assert [row.subject for row in found] == [f"Subject of T-{n}" for n in range(3)]
        assert {(row.state, row.round, row.always_ask) for row in found} == {("closed", 1, False)}
        if store.engine.dialect.name == "sqlite":
            # Text order is time order on SQLite only while every writer uses one form.
            written = (await connection.execute(sa.text(
                "SELECT created_at FROM teams WHERE name = 'infra'"
            ))).scalar_one()
            stored = (await connection.execute(sa.text(
                "SELECT DISTINCT closed_at FROM conversations"
            ))).scalar_one()
            assert stored == written


async def test_an_unknown_team_and_a_duplicate_come_back_in_their_places(
    store: SqlStore,
) -> None:
    await team(store)
    answers = await store.accept_closes([
        (closed("T-1"), T0), (closed("T-2", team="nobody"), T0), (closed("T-1"), T0),
    ])
    assert answers[0] is True and answers[2] is False
    assert isinstance(answers[1], UnknownTeam)


async def test_a_time_without_a_zone_is_refused_and_nothing_is_stored(store: SqlStore) -> None:
    await team(store)
    with pytest.raises((ValueError, sa.exc.StatementError)):
        await store.accept_closes([(closed("T-1"), T0.replace(tzinfo=None))])
    async with store.engine.connect() as connection:
        count = (await connection.execute(sa.select(sa.func.count()).select_from(
            conversations
        ))).scalar_one()
    assert count == 0
