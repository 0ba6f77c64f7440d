"""Accept, then settle: a close is stored by one statement and decided later, in batches."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.domain.decisions import AskContext, Decision, SettleReport
from bot.domain.errors import StoreUnavailable, UnknownTeam
from bot.domain.events import ConversationReopened
from bot.domain.identity import PersonIdentity
from bot.domain.model import PromptStatus, SkipReason
from bot.flows.asking import make_decider
from bot.flows.settling import close_conversation, reopen_conversation, settle_closes
from bot.services import Policy
from storage.schema import conversations, prompts
from storage.store import SqlStore
from tests.conftest import StoreFactory
from tests.contract.support import (
    ADMIN,
    JAN,
    PIET,
    T0,
    Recorder,
    accept_close,
    ask_now,
    closed,
    team,
)

# The core's own rules, for the tests whose outcome is the rule's.
RULES = make_decider(Policy(), random.Random(1))


async def settle(store: SqlStore, decide: Any = ask_now, **extra: Any) -> SettleReport:
    options = {"now": T0, "limit": 100, "max_attempts": 5, **extra}
    return await settle_closes(store, decide, **options)


async def rows(store: SqlStore, table: sa.Table) -> list[Any]:
    async with store.engine.connect() as connection:
        found = await connection.execute(sa.select(table).order_by(table.c.id))
        return list(found.all())


async def test_an_accepted_close_is_stored_undecided_until_settled(store: SqlStore) -> None:
    await team(store)
    assert await accept_close(store, closed("T-1", requester_name="Jan"), now=T0)
    (conversation,) = await rows(store, conversations)
    assert (conversation.state, conversation.round, conversation.requester_id) == (
        "closed", 1, None,
    )
    assert conversation.pending is not None and JAN in conversation.pending
    assert await rows(store, prompts) == []
    assert await store.find_person(email=JAN) is None  # people come with the decision

    report = await settle(store)
    assert report.claimed == 1 and report.failures == []
    (prompt,) = report.prompts
    assert (prompt.status, prompt.created_at, prompt.next_attempt_at) == (
        PromptStatus.PENDING, T0, T0,
    )
    (conversation,) = await rows(store, conversations)
    assert conversation.pending is None  # no emails or names left behind
    jan = await store.find_person(email=JAN)
    assert jan is not None and jan.display_name == "Jan"
    assert (conversation.requester_id, prompt.person_id) == (jan.id, jan.id)
    assert (await settle(store)).claimed == 0


async def test_the_same_close_again_is_refused_whether_settled_or_not(store: SqlStore) -> None:
    await team(store)
    assert await accept_close(store, closed("T-1"), now=T0)
    assert not await accept_close(store, closed("T-1", requester_name="Other"), now=T0)
    await settle(store)
    assert not await accept_close(store, closed("T-1"), now=T0 + timedelta(hours=1))
    assert len(await rows(store, conversations)) == 1
    assert len(await rows(store, prompts)) == 1


async def test_an_unknown_team_is_refused_and_nothing_is_stored(store: SqlStore) -> None:
    await team(store)
    with pytest.raises(UnknownTeam):
        await accept_close(store, closed("T-1", team="facilities"), now=T0)
    assert await rows(store, conversations) == []
    # A duplicate whose team has gone is still an unknown team, as before.
    await accept_close(store, closed("T-2"), now=T0)
    with pytest.raises(UnknownTeam):
        await accept_close(store, closed("T-2", team="facilities"), now=T0)


async def test_reopen_settles_a_pending_close_first_then_withdraws_it(store: SqlStore) -> None:
    await team(store)
    await accept_close(store, closed("T-1"), now=T0)
    outcome = await reopen_conversation(store,
        ConversationReopened("generic", "T-1", T0 + timedelta(minutes=1)), ask_now
    )
    assert outcome.found and outcome.settled is not None and outcome.withdrawn is not None
    assert outcome.withdrawn.id == outcome.settled.id
    assert outcome.settled.status is PromptStatus.PENDING  # the decision, on record
    assert (outcome.withdrawn.status, outcome.withdrawn.reason) == (
        PromptStatus.SKIPPED, SkipReason.REOPENED.value,
    )
    # Closing again is a new round, which may ask again.
    assert await accept_close(store, closed("T-1"), now=T0 + timedelta(days=1))
    (prompt,) = (await settle(store, now=T0 + timedelta(days=1))).prompts
    assert prompt.round == 2 and prompt.status is PromptStatus.PENDING
    unknown = ConversationReopened("generic", "T-404", T0)
    assert not (await reopen_conversation(store, unknown, ask_now)).found


async def test_a_batch_sees_what_earlier_closes_of_the_batch_decided(store: SqlStore) -> None:
    await team(store)
    await store.add_agent("servicedesk", PersonIdentity(email=PIET), actor=ADMIN, at=T0)
    await store.add_exclusion("@vendor.com", actor=ADMIN, at=T0)
    later = T0 + timedelta(minutes=5)
    await accept_close(store, closed("T-1"), now=T0)
    await accept_close(store, closed("T-2", agent=None), now=later)  # Jan again
    await accept_close(store, closed("T-3", PIET, agent=None), now=later)
    await accept_close(store, closed("T-4", "sales@vendor.com"), now=later)
    await accept_close(store, closed("T-5", "new@example.com", agent="new@example.com"),
                       now=later)
    decide = Recorder()
    report = await settle(store, decide, now=later)
    assert report.claimed == 5
    first, again, agent, excluded, own = decide.contexts
    assert first.last_asked_at is None and again.last_asked_at == T0
    assert (again.now, again.agent) == (later, None)
    assert agent.requester_is_agent and not first.requester_is_agent
    assert excluded.requester_excluded and not first.requester_excluded
    assert own.agent is not None and own.requester is not None
    assert own.agent.id == own.requester.id
    assert all(ctx.team.name == "servicedesk" and not ctx.at_send_time for ctx in decide.contexts)


async def test_a_batch_decides_exactly_as_a_single_close_does(
    store: SqlStore, store_factory: StoreFactory
) -> None:
    await team(store)
    await store.add_agent("servicedesk", PersonIdentity(email=PIET), actor=ADMIN, at=T0)
    single = await store_factory()
    events = [closed(f"T-{n}", f"p{n % 4}@example.com", agent=[PIET, None][n % 2])
              for n in range(12)]
    batch_contexts, single_contexts = Recorder(), Recorder()
    for event in events:
        await accept_close(store, event, now=T0)
    await settle(store, batch_contexts)
    # The same closes again under other ticket ids, one transaction each.
    for number, event in enumerate(events):
        renamed = closed(f"S-{number}", event.requester_email, agent=event.agent_email)
        await close_conversation(single, renamed, single_contexts, now=T0)

    def facts(ctx: AskContext) -> tuple[Any, ...]:
        return (ctx.requester_is_agent, ctx.requester_excluded, ctx.agent is None,
                ctx.requester and ctx.requester.email)

    assert [facts(c) for c in batch_contexts.contexts] == [
        facts(c) for c in single_contexts.contexts
    ]


async def test_a_poison_close_is_rolled_back_alone_retried_then_recorded_failed(
    store: SqlStore,
) -> None:
    await team(store)
    for ticket, email in (("T-1", JAN), ("T-2", "poison@example.com"), ("T-3", PIET)):
        await accept_close(store, closed(ticket, email, agent=None), now=T0)

    def decide(context: AskContext) -> Decision:
        assert context.requester is not None
        if context.requester.email == "poison@example.com":
            raise RuntimeError("cannot decide about poison@example.com")
        return ask_now(context)

    report = await settle(store, decide)
    assert sorted(p.conversation_id for p in report.prompts) == [1, 3]
    (failure,) = report.failures
    assert (failure.ticket_id, failure.attempts, failure.gave_up) == ("T-2", 1, False)
    assert isinstance(failure.error, RuntimeError)
    # The poison's person was rolled back with it; the others are stored.
    assert await store.find_person(email="poison@example.com") is None
    assert await store.find_person(email=JAN) is not None
    # Retried only once its back-off has passed, then given up on at the cap.
    assert (await settle(store, decide)).claimed == 0
    now = T0
    for attempt in range(2, 6):
        now += timedelta(hours=1)
        report = await settle(store, decide, now=now)
        (failure,) = report.failures
        assert failure.attempts == attempt
    assert failure.gave_up
    (given_up,) = report.prompts
    assert (given_up.status, given_up.reason) == (PromptStatus.FAILED, "could not be processed")
    assert (await settle(store, decide, now=now + timedelta(days=1))).claimed == 0
    poisoned = (await rows(store, conversations))[1]
    assert poisoned.pending is None


async def test_an_outage_while_settling_fails_the_round_and_counts_no_attempt(
    store: SqlStore,
) -> None:
    await team(store)
    for ticket, email in (("T-1", JAN), ("T-2", PIET)):
        await accept_close(store, closed(ticket, email, agent=None), now=T0)

    def connection_lost(context: AskContext) -> Decision:
        raise ConnectionResetError("the connection went away mid-batch")

    with pytest.raises(StoreUnavailable):
        await settle(store, connection_lost)
    # No close is to blame: none is counted, none is put off, both are decided next round.
    assert [(row.pending_attempts, row.pending_retry_at) for row in
            await rows(store, conversations)] == [(0, None), (0, None)]
    report = await settle(store)
    assert (report.claimed, len(report.prompts), report.failures) == (2, 2, [])


async def test_forget_scrubs_a_person_from_closes_not_yet_settled(store: SqlStore) -> None:
    await team(store)
    await accept_close(store, closed("T-1", JAN, requester_name="Jan Jansen"), now=T0)
    await accept_close(store, closed("T-2", "kim@example.com", agent=JAN), now=T0)
    # Jan is known only from the pending closes: forgetting still works.
    assert await store.forget_person("JAN@example.com", actor=ADMIN, at=T0) == 0
    payloads = [row.pending for row in await rows(store, conversations)]
    assert all("jan" not in payload.lower() for payload in payloads)
    assert "kim@example.com" in payloads[1]
    report = await settle(store, RULES)
    first, second = report.prompts
    assert (first.status, first.reason) == (PromptStatus.SKIPPED, SkipReason.FORGOTTEN.value)
    assert second.status is PromptStatus.PENDING
    assert await store.find_person(email=JAN) is None
    audit = await store.audit_log()
    assert audit[0].action == "person.forget" and "jan" not in str(audit[0].detail).lower()


async def test_forget_of_a_known_person_scrubs_their_pending_closes_too(
    store: SqlStore,
) -> None:
    await team(store)
    await close_conversation(store, closed("T-1"), ask_now, now=T0)  # Jan is stored
    await accept_close(store, closed("T-2", requester_name="Jan J."), now=T0)
    await store.forget_person(JAN, actor=ADMIN, at=T0)
    assert all(
        row.pending is None or "jan" not in row.pending.lower()
        for row in await rows(store, conversations)
    )
    (prompt,) = (await settle(store, RULES)).prompts
    assert prompt.reason == SkipReason.FORGOTTEN.value


async def test_two_workers_never_settle_one_close_twice(
    store: SqlStore, store_factory: StoreFactory
) -> None:
    await team(store)
    for number in range(60):
        await accept_close(store, closed(f"T-{number}", f"p{number}@example.com"), now=T0)
    replicas = [store, await store_factory(), await store_factory()]
    claimed: list[int] = []
    while True:
        reports = await asyncio.gather(
            *(settle(replica, limit=7) for replica in replicas)
        )
        if not any(report.claimed for report in reports):
            break
        for report in reports:
            assert report.failures == []
            claimed.extend(prompt.conversation_id for prompt in report.prompts)
    assert sorted(claimed) == list(range(1, 61))
    assert len(await rows(store, prompts)) == 60


async def test_a_large_group_is_stored_in_few_statements_each_close_answered_as_alone(
    store: SqlStore,
) -> None:
    await team(store)
    assert await accept_close(store, closed("T-old"), now=T0)
    assert await accept_close(store, closed("T-reopened"), now=T0)
    await settle(store)
    await reopen_conversation(
        store, ConversationReopened(source="generic", ticket_id="T-reopened", reopened_at=T0),
        RULES,
    )
    fresh = [f"T-{n:02d}" for n in range(40)]  # more than one statement's worth
    group = [
        *fresh,
        "T-old",  # already closed: a duplicate
        "T-reopened",  # closed again after a reopen: a new round
        "T-05",  # twice in this group: the second is a duplicate of the first
    ]
    answers = await store.accept_closes(
        [*((closed(ticket), T0) for ticket in group), (closed("T-x", team="facilities"), T0)]
    )
    assert answers[:40] == [True] * 40
    assert answers[40:43] == [False, True, False]
    assert isinstance(answers[43], UnknownTeam)
    stored = {row.external_id: row for row in await rows(store, conversations)}
    assert set(stored) == {*fresh, "T-old", "T-reopened"}
    assert (stored["T-reopened"].round, stored["T-reopened"].state) == (2, "closed")
    assert stored["T-old"].pending is None  # the duplicate left the settled close alone
    report = await settle(store)
    assert report.claimed == 41 and report.failures == []


async def test_the_prompts_a_batch_returns_are_the_prompts_it_stored(store: SqlStore) -> None:
    # More closes than one insert statement takes on SQLite's driver, decided several ways:
    # what settling returns is built from what it wrote, so it must read back the same.
    await team(store)
    await store.update_team("servicedesk", {"send_delay_minutes": 7}, actor=ADMIN, at=T0)
    for n in range(120):
        requester = f"person{n % 90}@example.com"  # some twice: the cooldown skips them
        await accept_close(store, closed(f"T-{n}", requester), now=T0)
    report = await settle(store, RULES, limit=200)
    assert report.claimed == 120 and len(report.prompts) == 120
    statuses = {prompt.status for prompt in report.prompts}
    assert statuses == {PromptStatus.PENDING, PromptStatus.SKIPPED}
    for prompt in report.prompts:
        assert await store.get_prompt(prompt.id) == prompt
    assert {p.next_attempt_at for p in report.prompts if p.status is PromptStatus.PENDING} == {
        T0 + timedelta(minutes=7)
    }
