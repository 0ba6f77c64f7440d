"""Claiming due prompts across replicas, and the states a delivery ends in."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.asking_rules import due_prompts
from bot.domain.decisions import AskContext, Decision, Postponed
from bot.domain.model import PromptStatus
from bot.flows.settling import close_conversation, reopen_conversation
from storage.store import SqlStore
from tests.conftest import StoreFactory
from tests.contract.support import JAN, T0, ask_now, closed, sent_prompt, team

LEASE = timedelta(minutes=5)


def due_in(minutes: int):  # type: ignore[no-untyped-def]
    def decide(context: AskContext) -> Decision:
        return Decision(PromptStatus.PENDING, due_at=context.now + timedelta(minutes=minutes))

    return decide


async def test_only_due_prompts_are_claimed_in_order(store: SqlStore) -> None:
    await team(store)
    late = (await close_conversation(store, closed("T-1"), due_in(30), now=T0)).prompt
    early = (await close_conversation(store, closed("T-2", "kim@example.com"), due_in(10),
                                      now=T0)).prompt
    assert await store.claim_due_prompts(now=T0, limit=10, lease=LEASE) == []
    claimed = await store.claim_due_prompts(now=T0 + timedelta(hours=1), limit=10, lease=LEASE)
    assert [due.prompt.id for due in claimed] == [early.id, late.id]
    claim = claimed[1]
    assert (claim.ticket_id, claim.subject) == ("T-1", "Subject of T-1")
    assert claim.agent_id is not None and claim.claim_token
    # What the rules re-check at send time: read by the store, put together by the core.
    facts = await store.asking_facts(
        team_ids={claim.prompt.team_id}, person_ids={claim.prompt.person_id, claim.agent_id},
        not_counting=[item.prompt.id for item in claimed],
    )
    _, due = due_prompts(claimed, facts, now=T0 + timedelta(hours=1))
    assert due.context.at_send_time and due.context.team.name == "servicedesk"
    assert due.context.requester is not None and due.context.requester.email == JAN
    assert due.context.agent is not None
    assert due.context.last_asked_at is None  # its own prompt does not count


async def test_the_limit_and_the_lease_are_respected(store: SqlStore) -> None:
    await team(store)
    for number in range(3):
        await close_conversation(store, closed(f"T-{number}", f"p{number}@example.com"),
                                 ask_now, now=T0)
    first = await store.claim_due_prompts(now=T0, limit=2, lease=LEASE)
    second = await store.claim_due_prompts(now=T0, limit=2, lease=LEASE)
    assert len(first) == 2 and len(second) == 1
    assert await store.claim_due_prompts(now=T0 + timedelta(minutes=4), limit=5, lease=LEASE) == []


async def test_a_claim_whose_lease_expired_is_claimable_again(store: SqlStore) -> None:
    await team(store)
    prompt = (await close_conversation(store, closed("T-1"), ask_now, now=T0)).prompt
    (claimed,) = await store.claim_due_prompts(now=T0, limit=5, lease=LEASE)
    assert claimed.prompt.id == prompt.id
    (again,) = await store.claim_due_prompts(now=T0 + LEASE, limit=5, lease=LEASE)
    assert again.prompt.id == prompt.id


async def test_concurrent_claims_never_return_the_same_prompt(
    store: SqlStore, store_factory: StoreFactory
) -> None:
    await team(store)
    for number in range(20):
        await close_conversation(store, closed(f"T-{number}", f"p{number}@example.com"),
                                 ask_now, now=T0)
    replicas = [store, await store_factory(), await store_factory()]
    rounds = await asyncio.gather(
        *(replica.claim_due_prompts(now=T0, limit=8, lease=LEASE)
          for replica in replicas for _ in range(2))
    )
    ids = [due.prompt.id for claimed in rounds for due in claimed]
    assert len(ids) == len(set(ids)) == 20


async def test_sent_rescheduled_and_finished_prompts(store: SqlStore) -> None:
    await team(store)
    sent = await sent_prompt(store, "T-1")
    assert (sent.status, sent.attempts, sent.platform, sent.message_ref) == (
        PromptStatus.SENT, 1, "test", "msg-T-1",
    )
    assert sent.sent_at == T0 and sent.expires_at is not None
    other = (await close_conversation(store, closed("T-2", "kim@example.com"), ask_now,
                                      now=T0)).prompt
    await store.claim_due_prompts(now=T0, limit=5, lease=LEASE)
    later = T0 + timedelta(minutes=1)
    await store.reschedule_prompt(other.id, next_attempt_at=later, failed_attempt=True,
                                  reason="slack: rate limited")
    await store.reschedule_prompt(other.id, next_attempt_at=later, failed_attempt=False,
                                  reason=None)
    rescheduled = await store.get_prompt(other.id)
    assert rescheduled is not None
    assert (rescheduled.status, rescheduled.attempts, rescheduled.reason) == (
        PromptStatus.PENDING, 1, "slack: rate limited",
    )
    assert rescheduled.next_attempt_at == later
    (claimed,) = await store.claim_due_prompts(now=later, limit=5, lease=LEASE)  # claim cleared
    await store.finish_prompt(claimed.prompt.id, PromptStatus.FAILED, reason="unreachable",
                              at=later)
    failed = await store.get_prompt(other.id)
    assert failed is not None and (failed.status, failed.reason) == (
        PromptStatus.FAILED, "unreachable",
    )
    assert await store.claim_due_prompts(now=later + LEASE, limit=5, lease=LEASE) == []
    assert await store.get_prompt(9999) is None


async def test_sent_prompts_expire(store: SqlStore) -> None:
    await team(store)
    sent = await sent_prompt(store, "T-1")
    assert sent.expires_at is not None
    assert await store.expire_prompts(now=sent.expires_at - timedelta(seconds=1)) == []
    (expired,) = await store.expire_prompts(now=sent.expires_at)
    assert (expired.id, expired.status) == (sent.id, PromptStatus.EXPIRED)
    assert await store.expire_prompts(now=sent.expires_at + timedelta(days=1)) == []


async def test_a_prompt_withdrawn_while_sending_stays_withdrawn(store: SqlStore) -> None:
    from bot.domain.events import ConversationReopened

    await team(store)
    prompt = (await close_conversation(store, closed("T-1"), ask_now, now=T0)).prompt
    await store.claim_due_prompts(now=T0, limit=5, lease=LEASE)
    await reopen_conversation(store, ConversationReopened("generic", "T-1", T0), ask_now)
    await store.mark_sent(prompt.id, platform="test", message_ref="m1", sent_at=T0,
                          expires_at=T0 + timedelta(days=7))
    stored = await store.get_prompt(prompt.id)
    assert stored is not None
    assert (stored.status, stored.reason, stored.message_ref) == (
        PromptStatus.SKIPPED, "reopened", "m1",
    )


async def test_postponed_prompts_are_released_for_later_without_counting_an_attempt(
    store: SqlStore,
) -> None:
    await team(store)
    first, second = [
        (await close_conversation(store, closed(f"T-{n}", f"p{n}@example.com"), ask_now,
                                  now=T0)).prompt
        for n in (1, 2)
    ]
    assert len(await store.claim_due_prompts(now=T0, limit=5, lease=LEASE)) == 2
    morning, soon = T0 + timedelta(hours=12), T0 + timedelta(minutes=5)
    await store.postpone_prompts([
        Postponed(first.id, morning, None), Postponed(second.id, soon, "no chat platform"),
    ])
    waiting = [await store.get_prompt(prompt.id) for prompt in (first, second)]
    assert [(p.status, p.attempts, p.reason, p.next_attempt_at) for p in waiting if p] == [
        (PromptStatus.PENDING, 0, None, morning),
        (PromptStatus.PENDING, 0, "no chat platform", soon),
    ]
    # The claims are released: each is claimed again once it is due.
    (again,) = await store.claim_due_prompts(now=soon, limit=5, lease=LEASE)
    assert again.prompt.id == second.id


async def test_a_renewed_claim_is_not_taken_by_another_worker(store: SqlStore) -> None:
    await team(store)
    await close_conversation(store, closed("T-1"), ask_now, now=T0)
    (mine,) = await store.claim_due_prompts(now=T0, limit=5, lease=LEASE, token="a" * 32)
    assert mine.claim_token == "a" * 32
    assert await store.renew_claims("a" * 32, now=T0 + LEASE / 2, lease=LEASE) == 1
    assert await store.claim_due_prompts(now=T0 + LEASE, limit=5, lease=LEASE) == []
    assert await store.begin_send(mine.prompt.id, "a" * 32, platform="slack",
                                  now=T0 + LEASE)


async def test_a_lapsed_claim_can_neither_send_nor_be_renewed(store: SqlStore) -> None:
    await team(store)
    await close_conversation(store, closed("T-1"), ask_now, now=T0)
    (first,) = await store.claim_due_prompts(now=T0, limit=5, lease=LEASE, token="a" * 32)
    (second,) = await store.claim_due_prompts(now=T0 + LEASE, limit=5, lease=LEASE,
                                              token="b" * 32)
    assert second.prompt.id == first.prompt.id
    assert await store.renew_claims("a" * 32, now=T0 + LEASE, lease=LEASE) == 0
    assert not await store.begin_send(first.prompt.id, "a" * 32, platform="slack",
                                      now=T0 + LEASE)
    assert await store.begin_send(second.prompt.id, "b" * 32, platform="slack",
                                  now=T0 + LEASE)


async def test_a_send_in_flight_is_remembered_until_its_outcome(store: SqlStore) -> None:
    await team(store)
    prompt = (await close_conversation(store, closed("T-1"), ask_now, now=T0)).prompt
    (due,) = await store.claim_due_prompts(now=T0, limit=5, lease=LEASE)
    assert due.prompt.sending_since is None
    assert await store.begin_send(prompt.id, due.claim_token, platform="slack", now=T0)
    # The worker died here: the next claim sees the send in doubt, and where it went.
    (again,) = await store.claim_due_prompts(now=T0 + LEASE, limit=5, lease=LEASE)
    assert (again.prompt.sending_since, again.prompt.platform) == (T0, "slack")
    # A failure known to have arrived nowhere clears the doubt; one in doubt keeps it.
    await store.reschedule_prompt(prompt.id, next_attempt_at=T0 + LEASE, failed_attempt=True,
                                  reason="slack: timeout", in_doubt=True)
    (kept,) = await store.claim_due_prompts(now=T0 + LEASE, limit=5, lease=LEASE)
    assert kept.prompt.sending_since == T0
    await store.reschedule_prompt(prompt.id, next_attempt_at=T0 + LEASE, failed_attempt=True,
                                  reason="slack: invalid_blocks")
    (cleared,) = await store.claim_due_prompts(now=T0 + LEASE, limit=5, lease=LEASE)
    assert cleared.prompt.sending_since is None
    assert await store.begin_send(prompt.id, cleared.claim_token, platform="slack",
                                  now=T0 + LEASE)
    await store.mark_sent(prompt.id, platform="slack", message_ref="D1:1.0",
                          sent_at=T0 + LEASE, expires_at=T0 + LEASE * 10)
    sent = await store.get_prompt(prompt.id)
    assert sent is not None and sent.sending_since is None


async def test_a_platform_pause_is_shared_and_never_shortened(
    store: SqlStore, store_factory: StoreFactory
) -> None:
    other = await store_factory()  # another replica on the same database
    assert await other.platform_paused_until("slack", "chat.postMessage", now=T0) is None
    await store.pause_platform("slack", "chat.postMessage", until=T0 + timedelta(seconds=30))
    await store.pause_platform("slack", "chat.postMessage", until=T0 + timedelta(seconds=5))
    assert await other.platform_paused_until("slack", "chat.postMessage", now=T0) == (
        T0 + timedelta(seconds=30)
    )
    assert await other.platform_paused_until("slack", "chat.update", now=T0) is None
    assert await other.platform_paused_until(
        "slack", "chat.postMessage", now=T0 + timedelta(seconds=30)
    ) is None
