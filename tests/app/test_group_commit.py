"""Group commit: clicks recorded together share one transaction, each answered after it.

On both engines, through the real recording flow: concurrent clicks cost one commit;
each caller hears back only once its rating is committed; a click the rules refuse
fails alone and the others are stored; an outage fails every caller of the group.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from app.delivery_worker import DeliveryWorker
from app.group_commit import GroupCommit
from bot.domain.errors import NotRecipient, StoreUnavailable
from bot.domain.identity import PersonIdentity
from bot.flows.interactions.answering import answer
from bot.flows.recording import record_rating
from bot.ports.store import Store
from bot.services import Services
from storage.schema import ratings
from tests.flows.conftest import Close
from tests.flows.test_click_transactions import counted_transactions

PEOPLE = [PersonIdentity(email=f"p{n}@example.com") for n in range(4)]


@pytest.fixture
async def prompts(services: Services, close: Close) -> list[int]:
    """A prompt delivered to each of PEOPLE; their ids, in the same order."""
    ids = [(await close(f"T-{n}", str(person.email))).prompt.id
           for n, person in enumerate(PEOPLE)]
    await DeliveryWorker(services).run_once()
    return ids


def grouped(services: Services) -> Services:
    return dataclasses.replace(services, units=GroupCommit(services.store))


async def scores(engine: AsyncEngine) -> dict[int, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(sa.select(ratings.c.prompt_id, ratings.c.score))
        return {row.prompt_id: row.score for row in rows}


async def test_clicks_arriving_together_share_one_commit(
    services: Services, prompts: list[int], store_engine: AsyncEngine
) -> None:
    services = grouped(services)
    with counted_transactions() as begun:
        results = await asyncio.gather(*(
            record_rating(services, prompt, person, 9)
            for prompt, person in zip(prompts, PEOPLE, strict=True)))
    assert len(begun) == 1
    assert [result.rating.prompt_id for result in results] == prompts
    assert all(result.created and result.changed for result in results)
    assert await scores(store_engine) == dict.fromkeys(prompts, 9)


async def test_each_caller_hears_back_only_after_the_commit(
    services: Services, prompts: list[int], store_engine: AsyncEngine
) -> None:
    """What the platform's acknowledgement waits for: the rating is in the database."""
    services = grouped(services)
    seen: list[dict[int, int]] = []

    async def click(prompt: int, person: PersonIdentity) -> None:
        async def settled() -> None:
            seen.append(await scores(store_engine))  # through a connection of its own

        await answer(services, prompt, person, 9, None, settled=settled)

    await asyncio.gather(*(click(p, who) for p, who in zip(prompts, PEOPLE, strict=True)))
    assert len(seen) == len(prompts)
    assert all(found == dict.fromkeys(prompts, 9) for found in seen)


async def test_a_refused_click_fails_alone(
    services: Services, prompts: list[int], store_engine: AsyncEngine
) -> None:
    services = grouped(services)
    clicks: list[Awaitable[object]] = [
        record_rating(services, prompts[0], PEOPLE[0], 9),
        record_rating(services, prompts[1], PEOPLE[0], 2),  # someone else's prompt
        record_rating(services, prompts[2], PEOPLE[2], 7),
    ]
    first, refused, third = await asyncio.gather(*clicks, return_exceptions=True)
    assert isinstance(refused, NotRecipient)
    assert not isinstance(first, BaseException) and not isinstance(third, BaseException)
    assert await scores(store_engine) == {prompts[0]: 9, prompts[2]: 7}


async def test_an_outage_fails_every_caller_of_the_group(
    services: Services, prompts: list[int], store_engine: AsyncEngine
) -> None:
    units = GroupCommit(services.store)
    calls: list[int] = []

    def unit(n: int) -> Callable[[Store], Awaitable[int]]:
        async def work(tx: Store) -> int:
            calls.append(n)
            raise StoreUnavailable("the database could not be reached")
        return work

    answers = await asyncio.gather(*(units.run(unit(n)) for n in range(3)),
                                   return_exceptions=True)
    assert all(isinstance(each, StoreUnavailable) for each in answers)
    assert calls == [0]  # the group stopped at the outage; nobody was tried again
    assert await scores(store_engine) == {}


async def test_groups_are_bounded(services: Services, prompts: list[int]) -> None:
    services = dataclasses.replace(services, units=GroupCommit(services.store, max_group=2))
    with counted_transactions() as begun:
        await asyncio.gather(*(record_rating(services, prompt, person, 8)
                               for prompt, person in zip(prompts, PEOPLE, strict=True)))
    assert len(begun) == 2
