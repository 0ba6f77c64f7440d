"""A close the database (or the code) cannot settle fails alone, is counted, then given up on.

The poisoned close is written straight into the database, as a row stored before the
webhook door learned to refuse it would be, or as any other close that breaks settling.
The worker then runs its rounds, and a restart between them (a fresh store on the same
database) must carry on counting where the last one stopped.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.delivery_worker import DeliveryWorker
from bot.domain.asking_rules import GAVE_UP
from bot.domain.events import ConversationClosed
from bot.domain.model import PromptStatus
from bot.flows.delivery import SETTLE_ATTEMPTS
from bot.services import Services
from storage.engine import create_engine
from storage.schema import conversations, prompts
from storage.store import SqlStore
from tests.contract.support import accept_close
from tests.fakes.clock import FakeClock

pytestmark = pytest.mark.faults

ADMIN = "test:admin"
# Each breaks the batch's set-based read of people: PostgreSQL refuses a NUL in text, no
# driver can encode a lone surrogate, and a number is no email to the code at all.
POISONS = {
    "nul": "a\u0000b@example.com",
    "surrogate": "a\ud800b@example.com",
    "number": 42,
}
# Later than any back-off between attempts (10 s doubling, five attempts).
PAST_BACKOFF = timedelta(hours=1)


def closed(ticket: str, clock: FakeClock) -> ConversationClosed:
    # A requester of its own: the cooldown would skip the second close of one person.
    return ConversationClosed(
        source="generic", ticket_id=ticket, requester_email=f"{ticket.lower()}@example.com",
        team="servicedesk",
        closed_at=clock.now(), agent_email="piet@example.com",
    )


async def poison(store: SqlStore, ticket: str, value: object) -> None:
    """Give the stored close of `ticket` a requester `value` as if stored long ago."""
    async with store.engine.begin() as connection:
        row = (
            await connection.execute(
                sa.select(conversations.c.id, conversations.c.pending).where(
                    conversations.c.external_id == ticket
                )
            )
        ).one()
        payload: dict[str, Any] = json.loads(row.pending)
        payload["r"]["e"] = value
        payload["a"]["e"] = value
        await connection.execute(
            sa.update(conversations)
            .where(conversations.c.id == row.id)
            .values(pending=json.dumps(payload))
        )


async def outcome(store: SqlStore, ticket: str) -> tuple[str | None, str | None, int, bool]:
    """(prompt status, its reason, attempts counted, whether the close is still pending)."""
    async with store.engine.connect() as connection:
        found = (
            await connection.execute(
                sa.select(
                    prompts.c.status, prompts.c.reason, conversations.c.pending_attempts,
                    conversations.c.pending.is_not(None).label("waiting"),
                )
                .select_from(conversations.outerjoin(
                    prompts, prompts.c.conversation_id == conversations.c.id
                ))
                .where(conversations.c.external_id == ticket)
            )
        ).one()
    return found.status, found.reason, found.pending_attempts, bool(found.waiting)


class Restartable:
    """A worker on this test's database that can be restarted: a fresh store each time."""

    def __init__(self, database_url: str, clock: FakeClock) -> None:
        self._url = database_url
        self._clock = clock
        self.store = SqlStore(create_engine(database_url))
        self.worker = self._worker()

    def _worker(self) -> DeliveryWorker:
        services = Services(store=self.store, clock=self._clock, rng=random.Random(1))
        return DeliveryWorker(services)

    async def restart(self) -> None:
        await self.store.close()
        self.store = SqlStore(create_engine(self._url))
        self.worker = self._worker()

    async def round(self) -> None:
        await self.worker.run_once()


@pytest.fixture
async def ratebot(database_url: str, clock: FakeClock) -> AsyncIterator[Restartable]:
    running = Restartable(database_url, clock)
    await running.store.add_team("servicedesk", actor=ADMIN, at=clock.now())
    try:
        yield running
    finally:
        await running.store.close()


@pytest.mark.parametrize("kind", sorted(POISONS))
async def test_a_poisoned_close_fails_alone_is_counted_and_is_given_up_on_across_restarts(
    ratebot: Restartable, clock: FakeClock, engine_name: str, kind: str
) -> None:
    if kind == "nul" and engine_name == "sqlite":
        pytest.skip("SQLite stores a NUL in text: that close is decided like any other")
    store = ratebot.store
    for ticket in ("T-1", "T-2", "T-3"):
        assert await accept_close(store, closed(ticket, clock), now=clock.now())
    await poison(store, "T-2", POISONS[kind])

    await ratebot.round()
    for good in ("T-1", "T-3"):
        assert await outcome(store, good) == (PromptStatus.PENDING.value, None, 0, False)
    assert await outcome(store, "T-2") == (None, None, 1, True)

    for attempt in range(2, SETTLE_ATTEMPTS + 1):
        clock.advance(seconds=PAST_BACKOFF.total_seconds())
        await ratebot.restart()  # the count is in the database, not in the worker
        assert await accept_close(ratebot.store, closed(f"N-{attempt}", clock), now=clock.now())
        await ratebot.round()
        # Closes that came in meanwhile are decided in the same round as the retry.
        assert (await outcome(ratebot.store, f"N-{attempt}"))[0] == PromptStatus.PENDING.value
        expected = (
            (PromptStatus.FAILED.value, GAVE_UP, attempt, False)
            if attempt == SETTLE_ATTEMPTS else (None, None, attempt, True)
        )
        assert await outcome(ratebot.store, "T-2") == expected

    clock.advance(days=1)
    await ratebot.restart()
    await ratebot.round()
    assert await outcome(ratebot.store, "T-2") == (
        PromptStatus.FAILED.value, GAVE_UP, SETTLE_ATTEMPTS, False,
    )


async def test_a_poisoned_close_waits_out_its_back_off_without_holding_up_the_rest(
    ratebot: Restartable, clock: FakeClock
) -> None:
    store = ratebot.store
    assert await accept_close(store, closed("T-1", clock), now=clock.now())
    await poison(store, "T-1", POISONS["surrogate"])
    await ratebot.round()
    assert await outcome(store, "T-1") == (None, None, 1, True)
    # Before its back-off has passed it is not even tried: the others go first, alone.
    for n in range(3):
        assert await accept_close(store, closed(f"T-{n + 2}", clock), now=clock.now())
        await ratebot.round()
        assert (await outcome(store, f"T-{n + 2}"))[0] == PromptStatus.PENDING.value
    assert await outcome(store, "T-1") == (None, None, 1, True)
