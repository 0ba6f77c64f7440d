"""Mutual rating's store part, on every engine: one check per conversation, opened with the
settled close, claimed once, and answers kept apart and counted."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from bot.domain.model import Anonymity
from bot.domain.request_checks import Clarity, NewRequestCheck, Reach
from bot.flows.anonymity import release_anonymous_batches
from bot.flows.settling import settle_closes
from bot.services import Services
from storage.schema import conversations, prompts
from storage.schema_mutual import request_answers, request_checks
from storage.store import SqlStore
from tests.conftest import StoreFactory
from tests.contract.support import ADMIN, PIET, T0, accept_close, ask_now, closed, team
from tests.fakes.clock import FakeClock


async def rows(store: SqlStore, table: sa.Table) -> list[Any]:
    async with store.engine.connect() as connection:
        return list((await connection.execute(sa.select(table))).all())


async def settled(store: SqlStore, *events: Any) -> None:
    for event in events:
        await accept_close(store, event, now=T0)
    await settle_closes(store, ask_now, now=T0, limit=100, max_attempts=5)


async def mutual_team(store: SqlStore, anonymity: Anonymity = Anonymity.IDENTIFIED) -> int:
    made = await team(store, anonymity=anonymity)
    await store.update_team("servicedesk", {"mutual": True}, actor=ADMIN, at=T0)
    return made.id


async def test_a_settled_close_opens_one_check_for_its_agent(store: SqlStore) -> None:
    await mutual_team(store, Anonymity.ANONYMOUS)
    await settled(store, closed("T-1"), closed("T-2", agent=None))
    [check] = await rows(store, request_checks)
    piet = await store.find_person(email=PIET)
    assert piet is not None
    assert (check.agent_id, check.status, check.next_attempt_at) == (piet.id, "pending", T0)
    [due] = await store.due_request_checks(now=T0, limit=10)
    assert (due.agent.email, due.subject, due.ticket_id) == (PIET, "Subject of T-1", "T-1")
    assert due.team.mutual and due.expires_at is None


async def test_a_team_without_it_opens_none(store: SqlStore) -> None:
    await team(store)
    await settled(store, closed("T-1"))
    assert await rows(store, request_checks) == []


async def test_a_conversation_keeps_its_one_check(store: SqlStore) -> None:
    team_id = await mutual_team(store)
    await settled(store, closed("T-1"))
    [conversation] = await rows(store, conversations)
    [check] = await rows(store, request_checks)
    again = NewRequestCheck(conversation.id, team_id, check.agent_id)
    await store.open_request_checks([again, again], now=T0 + timedelta(days=1))
    assert [row.id for row in await rows(store, request_checks)] == [check.id]


async def test_two_workers_claim_a_check_once(
    store: SqlStore, store_factory: StoreFactory
) -> None:
    await mutual_team(store)
    await settled(store, closed("T-1"))
    [check] = await rows(store, request_checks)
    other = await store_factory()
    claims = await asyncio.gather(store.claim_request_check(check.id),
                                  other.claim_request_check(check.id))
    assert sorted(claims) == [False, True]
    assert await store.due_request_checks(now=T0, limit=10) == []


async def test_a_failed_send_waits_then_gives_up(store: SqlStore) -> None:
    await mutual_team(store)
    await settled(store, closed("T-1"))
    [check] = await rows(store, request_checks)
    assert await store.claim_request_check(check.id)
    later = T0 + timedelta(minutes=5)
    await store.request_check_not_sent(check.id, attempts=1, retry_at=later)
    assert await store.due_request_checks(now=T0, limit=10) == []
    [due] = await store.due_request_checks(now=later, limit=10)
    assert due.attempts == 1
    assert await store.claim_request_check(check.id)
    await store.request_check_not_sent(check.id, attempts=2, retry_at=None)
    assert await store.due_request_checks(now=later + timedelta(days=1), limit=10) == []
    assert (await store.request_check(check.id)).status == "failed"  # type: ignore[union-attr]


async def test_answers_are_found_by_receipt_only_and_counted(store: SqlStore) -> None:
    team_id = await mutual_team(store)
    first = await store.record_request_answer(
        marker="m1", answer_id=-7, team_id=team_id, day=T0, receipt_hash="h1",
        answer=Clarity.PARTLY,
    )
    assert first
    assert not await store.record_request_answer(  # the same check's marker again
        marker="m1", answer_id=-8, team_id=team_id, day=T0, receipt_hash="h2",
        answer=Clarity.CLEAR,
    )
    changed = await store.change_request_answer(team_id=team_id, receipt_hash="h1",
                                                answer=Reach.YES)
    assert changed is not None and (changed.clarity, changed.reach) == (Clarity.PARTLY, Reach.YES)
    assert await store.change_request_answer(team_id=team_id, receipt_hash="nope") is None
    await store.record_request_answer(
        marker="m2", answer_id=-9, team_id=team_id, day=T0 - timedelta(days=100),
        receipt_hash="h3", answer=Clarity.UNCLEAR,
    )
    figures = await store.request_figures(since=T0 - timedelta(days=90), team_ids=[team_id])
    counted = figures[team_id]
    assert (counted.clear, counted.partly, counted.unclear, counted.reachable, counted.n) == (
        0, 1, 0, 1, 1)
    assert sorted(row.id for row in await rows(store, request_answers)) == [-9, -7]


async def test_a_removed_conversation_takes_its_check_along(store: SqlStore) -> None:
    await mutual_team(store)
    await settled(store, closed("T-1"))
    async with store.engine.begin() as connection:  # as retention removes old conversations
        await connection.execute(sa.delete(prompts))
        await connection.execute(sa.delete(conversations))
    assert await rows(store, request_checks) == []


async def test_the_nightly_job_writes_the_days_answers_again_in_random_order(
    store: SqlStore,
) -> None:
    team_id = await mutual_team(store)
    for number in range(1, 4):
        await store.record_request_answer(
            marker=f"m{number}", answer_id=-number, team_id=team_id, day=T0,
            receipt_hash=f"h{number}", answer=Clarity.CLEAR,
        )
    clock = FakeClock(T0 + timedelta(hours=10))  # that evening: the day is not over yet
    services = Services(store=store, clock=clock)
    await release_anonymous_batches(services, rng=random.Random(3))
    assert {row.id for row in await rows(store, request_answers)} == {-1, -2, -3}
    clock.advance(days=1)
    await release_anonymous_batches(services, rng=random.Random(3))
    after = await rows(store, request_answers)
    assert len(after) == 3 and not {row.id for row in after} & {-1, -2, -3}
    assert all(row.shuffled and row.day == T0 for row in after)
    changed = await store.change_request_answer(team_id=team_id, receipt_hash="h2",
                                                answer=Reach.NOT_EASILY)
    assert changed is not None and changed.reach is Reach.NOT_EASILY  # still its receipt's
    clock.advance(days=1)
    await release_anonymous_batches(services, rng=random.Random(3))
    assert {row.id for row in await rows(store, request_answers)} == {row.id for row in after}
