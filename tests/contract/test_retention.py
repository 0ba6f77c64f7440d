"""The retention store part: one run a day across replicas, and removal in bounded batches."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.model import SkipReason
from bot.domain.retention import AUDIT_ACTION, RetentionKind
from bot.flows.settling import close_conversation
from storage.store import SqlStore
from tests.conftest import StoreFactory
from tests.contract.support import ADMIN, T0, accept_close, closed, skip_because

LEASE = timedelta(minutes=30)
DAY = T0.date()


async def test_a_day_is_run_once_until_its_holder_dies(store: SqlStore) -> None:
    assert await store.claim_retention_run(DAY, now=T0, lease=LEASE)
    assert not await store.claim_retention_run(DAY, now=T0 + timedelta(minutes=20), lease=LEASE)
    await store.renew_retention_run(DAY, now=T0 + timedelta(minutes=25))
    assert not await store.claim_retention_run(DAY, now=T0 + timedelta(minutes=50), lease=LEASE)
    # Its holder died: once the lease is past, another replica takes the day over.
    assert await store.claim_retention_run(DAY, now=T0 + timedelta(minutes=60), lease=LEASE)
    await store.release_retention_run(DAY)
    assert await store.claim_retention_run(DAY, now=T0 + timedelta(minutes=61), lease=LEASE)


async def test_a_finished_day_runs_again_only_by_hand_and_is_audited(store: SqlStore) -> None:
    assert await store.claim_retention_run(DAY, now=T0, lease=LEASE)
    assert not await store.claim_retention_run(DAY, now=T0, lease=LEASE, again=True)
    detail: dict[str, object] = {"day": DAY.isoformat(), "removed": {}, "total": 0}
    await store.finish_retention_run(DAY, at=T0, actor="retention", detail=detail)
    later = T0 + timedelta(hours=5)
    assert not await store.claim_retention_run(DAY, now=later, lease=LEASE)
    assert await store.claim_retention_run(DAY, now=later, lease=LEASE, again=True)
    assert await store.claim_retention_run(DAY + timedelta(days=1), now=later, lease=LEASE)
    (entry,) = await store.audit_log()
    assert (entry.action, entry.actor, entry.detail) == (AUDIT_ACTION, "retention", detail)


async def test_replicas_claiming_at_once_get_one_winner(store_factory: StoreFactory) -> None:
    stores = [await store_factory() for _ in range(4)]
    won = await asyncio.gather(
        *(each.claim_retention_run(DAY, now=T0, lease=LEASE) for each in stores)
    )
    assert sorted(won) == [False, False, False, True]


async def test_removal_takes_at_most_a_batch_and_counts_agree(store: SqlStore) -> None:
    await store.add_team("servicedesk", actor=ADMIN, at=T0)
    for number in range(5):
        await close_conversation(store, closed(f"T-{number}", f"p{number}@example.com"),
                                 lambda _: skip_because(SkipReason.NOT_SAMPLED), now=T0)
    await accept_close(store, closed("T-9", "p9@example.com"), now=T0)  # not settled yet
    team = await store.get_team("servicedesk")
    assert team is not None
    later = T0 + timedelta(days=500)
    cutoffs = {kind: T0 + timedelta(days=1) for kind in RetentionKind}
    prompts, closes = RetentionKind.PROMPTS, RetentionKind.CONVERSATIONS
    # Closes go with their prompts; one still waiting to be settled never does.
    assert await store.count_expired(team.id, prompts, cutoffs, now=later) == 5
    assert await store.count_expired(team.id, closes, cutoffs, now=later) == 5
    assert await store.remove_expired(team.id, prompts, cutoffs, now=later, limit=2) == 2
    assert await store.count_expired(team.id, closes, cutoffs, now=later) == 5
    assert await store.remove_expired(team.id, prompts, cutoffs, now=later, limit=2) == 2
    assert await store.remove_expired(team.id, prompts, cutoffs, now=later, limit=2) == 1
    assert await store.remove_expired(team.id, closes, cutoffs, now=later, limit=10) == 5
    assert await store.count_expired(team.id, closes, cutoffs, now=later) == 0
    assert await store.find_conversation("generic", "T-9") is not None
