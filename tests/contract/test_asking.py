"""Closing and reopening conversations: one prompt per round, decided atomically."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain.decisions import AskContext, Decision
from bot.domain.errors import UnknownTeam
from bot.domain.events import ConversationReopened
from bot.domain.identity import PersonIdentity
from bot.domain.model import PromptStatus, SkipReason
from bot.flows.settling import close_conversation, reopen_conversation
from storage.store import SqlStore
from tests.conftest import StoreFactory
from tests.contract.support import (
    ADMIN,
    JAN,
    PIET,
    T0,
    Recorder,
    answer,
    answered,
    ask_now,
    closed,
    sent_prompt,
    skip_because,
    team,
)


def reopened(ticket: str) -> ConversationReopened:
    return ConversationReopened(source="generic", ticket_id=ticket, reopened_at=T0)


async def test_a_close_stores_the_conversation_and_the_decision(store: SqlStore) -> None:
    servicedesk = await team(store)
    decide = Recorder()
    outcome = await close_conversation(store,
        closed("T-1", requester_name="Jan", agent_name="Piet"), decide, now=T0
    )
    assert outcome.created
    prompt = outcome.prompt
    assert (prompt.round, prompt.status, prompt.reason, prompt.attempts) == (
        1, PromptStatus.PENDING, None, 0,
    )
    assert (prompt.next_attempt_at, prompt.created_at, prompt.team_id) == (
        T0, T0, servicedesk.id,
    )
    (context,) = decide.contexts
    assert context.team == servicedesk
    assert context.requester is not None and context.requester.email == JAN
    assert context.requester.display_name == "Jan"
    assert context.agent is not None and context.agent.email == PIET
    assert prompt.person_id == context.requester.id
    assert not (context.requester_is_agent or context.requester_excluded or context.always_ask)
    assert (context.last_asked_at, context.at_send_time, context.now) == (None, False, T0)
    assert await store.get_prompt(prompt.id) == prompt


async def test_the_same_close_again_changes_nothing(store: SqlStore) -> None:
    await team(store)
    first = await close_conversation(store, closed("T-1"), ask_now, now=T0)
    decide = Recorder()
    again = await close_conversation(store,
        closed("T-1", requester_name="Someone Else"), decide, now=T0 + timedelta(minutes=5)
    )
    assert not again.created
    assert again.prompt == first.prompt
    assert decide.contexts == []
    assert (await store.find_person(email=JAN)).display_name is None  # type: ignore[union-attr]


async def test_an_unknown_team_is_refused(store: SqlStore) -> None:
    with pytest.raises(UnknownTeam):
        await close_conversation(store, closed("T-1", team="nope"), ask_now, now=T0)


async def test_a_skip_is_stored_with_its_reason(store: SqlStore) -> None:
    await team(store)
    outcome = await close_conversation(store,
        closed("T-1"), lambda _: skip_because(SkipReason.COOLDOWN), now=T0
    )
    assert (outcome.prompt.status, outcome.prompt.reason) == (PromptStatus.SKIPPED, "cooldown")
    assert outcome.prompt.next_attempt_at is None


async def test_the_context_knows_agents_exclusions_and_the_last_ask(store: SqlStore) -> None:
    await team(store)
    await team(store, "infra")
    await store.add_agent("infra", PersonIdentity(email="kim@example.com"), actor=ADMIN, at=T0)
    await store.add_exclusion("@Vendor.com", actor=ADMIN, at=T0)
    await store.add_exclusion("ceo@example.com", actor=ADMIN, at=T0)
    decide = Recorder()
    for ticket, email in (("T-1", "kim@example.com"), ("T-2", "sales@VENDOR.com"),
                          ("T-3", "CEO@example.com"), ("T-4", "x@vendor.com.evil")):
        await close_conversation(store, closed(ticket, email), decide, now=T0)
    assert [(c.requester_is_agent, c.requester_excluded) for c in decide.contexts] == [
        (True, False), (False, True), (False, True), (False, False),
    ]
    # The last ask counts other prompts of the person in any team, sent or not, never skipped.
    first = await sent_prompt(store, "T-5", team="infra")
    later = T0 + timedelta(days=1)
    await close_conversation(store, closed("T-6", at=later), decide, now=later)
    await close_conversation(store,
        closed("T-7", always_ask=True), lambda _: skip_because(SkipReason.COOLDOWN), now=later
    )
    await close_conversation(store, closed("T-8"), decide, now=later)
    assert first.sent_at == T0
    assert [c.last_asked_at for c in decide.contexts[-2:]] == [T0, later]
    assert decide.contexts[-1].always_ask is False


async def test_concurrent_identical_closes_create_one_prompt(
    store: SqlStore, store_factory: StoreFactory
) -> None:
    await team(store)
    replicas = [store, await store_factory(), await store_factory()]
    outcomes = await asyncio.gather(
        *(close_conversation(replica, closed("T-1"), ask_now, now=T0) for replica in replicas)
    )
    assert sum(outcome.created for outcome in outcomes) == 1
    assert len({outcome.prompt.id for outcome in outcomes}) == 1
    tallies = await store.prompt_tallies(since=T0, until=T0 + timedelta(days=1))
    assert sum(t.pending for t in tallies.values()) == 1


async def test_reopen_withdraws_a_sent_prompt_and_a_later_close_asks_again(
    store: SqlStore,
) -> None:
    await team(store)
    sent = await sent_prompt(store, "T-1")
    outcome = await reopen_conversation(store, reopened("T-1"), ask_now)
    assert outcome.found
    assert outcome.withdrawn is not None and outcome.withdrawn.id == sent.id
    assert (outcome.withdrawn.status, outcome.withdrawn.reason) == (
        PromptStatus.SKIPPED, "reopened",
    )
    assert outcome.withdrawn.message_ref == "msg-T-1"
    again = await close_conversation(store, closed("T-1"), ask_now, now=T0 + timedelta(days=2))
    assert again.created
    assert again.prompt.round == 2 and again.prompt.id != sent.id
    assert (await store.get_prompt(sent.id)).status is PromptStatus.SKIPPED  # type: ignore[union-attr]
    # Reopening again withdraws the new round's prompt (it is pending).
    second = await reopen_conversation(store, reopened("T-1"), ask_now)
    assert second.withdrawn is not None and second.withdrawn.id == again.prompt.id


async def test_reopen_keeps_an_answered_prompt_and_ignores_unknown_tickets(
    store: SqlStore,
) -> None:
    await team(store)
    sent = await sent_prompt(store, "T-1")
    await answered(store, answer(sent, 10))
    outcome = await reopen_conversation(store, reopened("T-1"), ask_now)
    assert outcome.found and outcome.withdrawn is None
    assert (await store.get_prompt(sent.id)).status is PromptStatus.ANSWERED  # type: ignore[union-attr]
    unknown = await reopen_conversation(store, reopened("T-404"), ask_now)
    assert unknown == type(outcome)(False, None)


async def test_a_close_without_any_requester_id_stores_no_person(store: SqlStore) -> None:
    await team(store)
    decide = Recorder()

    def refuse(context: AskContext) -> Decision:
        decide(context)
        return skip_because(SkipReason.FORGOTTEN)

    outcome = await close_conversation(store, closed("T-1", None, agent=None), refuse, now=T0)
    assert outcome.prompt.person_id is None
    assert decide.contexts[0].requester is None and decide.contexts[0].agent is None
