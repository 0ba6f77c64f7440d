"""The intake batcher: closes accepted together share a commit, each with its own answer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from app.intake import IntakeBatcher
from bot.domain.errors import StoreUnavailable, UnknownTeam
from bot.domain.events import ConversationClosed
from storage.schema import conversations
from storage.store import SqlStore
from tests.contract.support import T0, closed, team


class Counting:
    """The store, counting its `accept_closes` calls; a close named `T-bad` breaks a call."""

    def __init__(self, store: SqlStore, *, outage: bool = False) -> None:
        self._store = store
        self._outage = outage
        self.groups: list[list[str]] = []

    async def accept_closes(
        self, closes: Sequence[tuple[ConversationClosed, datetime]]
    ) -> list[bool | UnknownTeam]:
        self.groups.append([event.ticket_id for event, _ in closes])
        if self._outage:
            raise StoreUnavailable("the database could not be reached")
        if any(event.ticket_id == "T-bad" for event, _ in closes):
            raise RuntimeError("cannot store this close")
        return await self._store.accept_closes(closes)


def batcher(counting: Counting, *, gather: float = 0.0) -> IntakeBatcher:
    # Only `accept_closes` is used: the counting wrapper stands in for the whole store.
    store: Any = counting
    return IntakeBatcher(store, gather=gather)


async def stored(store: SqlStore) -> list[str]:
    async with store.engine.connect() as connection:
        found = await connection.execute(
            sa.select(conversations.c.external_id).order_by(conversations.c.external_id)
        )
        return list(found.scalars())


async def test_closes_accepted_together_share_a_commit_yet_each_gets_its_own_answer(
    store: SqlStore,
) -> None:
    await team(store)
    counting = Counting(store)
    intake = batcher(counting)
    answers = await asyncio.gather(
        intake.accept(closed("T-1"), now=T0),
        intake.accept(closed("T-1"), now=T0),  # the same close in the same group
        intake.accept(closed("T-2", team="facilities"), now=T0),
        intake.accept(closed("T-3"), now=T0),
        return_exceptions=True,
    )
    assert counting.groups == [["T-1", "T-1", "T-2", "T-3"]]  # one transaction
    assert answers[:2] == [True, False]
    assert isinstance(answers[2], UnknownTeam)
    assert answers[3] is True
    assert await stored(store) == ["T-1", "T-3"]


async def test_a_close_that_breaks_its_group_fails_alone(store: SqlStore) -> None:
    await team(store)
    counting = Counting(store)
    intake = batcher(counting)
    answers = await asyncio.gather(
        intake.accept(closed("T-1"), now=T0),
        intake.accept(closed("T-bad"), now=T0),
        intake.accept(closed("T-3"), now=T0),
        return_exceptions=True,
    )
    assert answers[0] is True and answers[2] is True
    assert isinstance(answers[1], RuntimeError)
    # The group, then each close alone.
    assert counting.groups == [["T-1", "T-bad", "T-3"], ["T-1"], ["T-bad"], ["T-3"]]
    assert await stored(store) == ["T-1", "T-3"]


async def test_an_outage_answers_the_whole_group_at_once(store: SqlStore) -> None:
    await team(store)
    counting = Counting(store, outage=True)
    intake = batcher(counting)
    answers = await asyncio.gather(
        intake.accept(closed("T-1"), now=T0),
        intake.accept(closed("T-2"), now=T0),
        return_exceptions=True,
    )
    assert all(isinstance(answer, StoreUnavailable) for answer in answers)
    assert counting.groups == [["T-1", "T-2"]]  # not retried one by one


async def test_a_close_arriving_while_a_group_commits_joins_the_next_group(
    store: SqlStore,
) -> None:
    await team(store)
    counting = Counting(store)
    intake = batcher(counting)
    first = asyncio.ensure_future(intake.accept(closed("T-1"), now=T0))
    await asyncio.sleep(0)  # the first group has started
    second = asyncio.ensure_future(intake.accept(closed("T-2"), now=T0))
    assert await first and await second
    assert counting.groups == [["T-1"], ["T-2"]]


async def test_an_unknown_team_alone_is_refused(store: SqlStore) -> None:
    await team(store)
    intake = batcher(Counting(store))
    with pytest.raises(UnknownTeam):
        await intake.accept(closed("T-1", team="facilities"), now=T0)
    assert await stored(store) == []


async def _a_tick_apart(intake: IntakeBatcher) -> list[bool]:
    """T-1, then T-2 a few turns of the event loop later, as webhooks under load arrive."""
    first = asyncio.ensure_future(intake.accept(closed("T-1"), now=T0))
    for _ in range(3):
        await asyncio.sleep(0)
    second = asyncio.ensure_future(intake.accept(closed("T-2"), now=T0))
    return list(await asyncio.gather(first, second))


async def test_closes_arriving_within_the_window_share_one_commit(store: SqlStore) -> None:
    await team(store)
    counting = Counting(store)
    assert await _a_tick_apart(batcher(counting, gather=0.05)) == [True, True]
    assert counting.groups == [["T-1", "T-2"]]
    assert await stored(store) == ["T-1", "T-2"]


async def test_without_a_window_each_tick_commits_its_own(store: SqlStore) -> None:
    await team(store)
    counting = Counting(store)
    assert await _a_tick_apart(batcher(counting)) == [True, True]
    assert counting.groups == [["T-1"], ["T-2"]]
