"""The reconcile poll's store part: checkpoints per source and one poller at a time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from storage.store import SqlStore
from tests.conftest import StoreFactory
from tests.contract.support import T0

LEASE = timedelta(minutes=10)


async def test_a_checkpoint_is_none_until_saved_then_the_last_saved(store: SqlStore) -> None:
    assert await store.poll_checkpoint("zendesk") is None
    await store.save_checkpoint("zendesk", '{"cursor": "a"}', at=T0)
    await store.save_checkpoint("zendesk", '{"cursor": "b"}', at=T0 + timedelta(minutes=1))
    await store.save_checkpoint("jira", '{"after": "x"}', at=T0)
    assert await store.poll_checkpoint("zendesk") == '{"cursor": "b"}'
    assert await store.poll_checkpoint("jira") == '{"after": "x"}'


async def test_one_claimer_holds_the_lease_until_released_or_expired(store: SqlStore) -> None:
    assert await store.claim_poll("jira", now=T0, lease=LEASE)
    assert not await store.claim_poll("jira", now=T0 + timedelta(minutes=5), lease=LEASE)
    assert await store.claim_poll("zendesk", now=T0, lease=LEASE)  # each source its own
    # Saving a checkpoint renews the lease of the poll that is still at work.
    await store.save_checkpoint("jira", "{}", at=T0 + timedelta(minutes=9))
    assert not await store.claim_poll("jira", now=T0 + timedelta(minutes=15), lease=LEASE)
    # A holder that died is taken over once its lease is past.
    assert await store.claim_poll("jira", now=T0 + timedelta(minutes=20), lease=LEASE)
    await store.release_poll("jira")
    assert await store.claim_poll("jira", now=T0 + timedelta(minutes=21), lease=LEASE)
    assert await store.poll_checkpoint("jira") == "{}"  # claims keep the checkpoint


async def test_replicas_claiming_at_once_get_one_winner(store_factory: StoreFactory) -> None:
    stores = [await store_factory() for _ in range(4)]
    won = await asyncio.gather(
        *(each.claim_poll("zendesk", now=T0, lease=LEASE) for each in stores)
    )
    assert sorted(won) == [False, False, False, True]
