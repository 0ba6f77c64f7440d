"""Forget me in the store: erased as `forget` erases, opted out under keyed hashes only."""

from __future__ import annotations

import hashlib
import random

import pytest
import sqlalchemy as sa

from bot.domain import asking_rules
from bot.domain.errors import NotFound
from bot.domain.identity import PersonIdentity
from bot.domain.model import PromptStatus, SkipReason
from bot.flows.settling import close_conversation
from storage.erased import erased_opt_outs, stored_keys
from storage.erasure import SELF
from storage.store import SqlStore
from tests.contract.support import JAN, T0, answer, answered, closed, sent_prompt, team

KLAAS = "klaas@example.com"
DECIDE = asking_rules.decider(14, random.Random(1))


async def forget_jan(store: SqlStore) -> int:
    jan = await store.upsert_person(PersonIdentity(email=JAN, slack_user_id="UJAN"))
    return await store.forget_self(jan.id, at=T0)


async def decision(store: SqlStore, ticket: str, email: str) -> tuple[PromptStatus, str | None]:
    prompt = (await close_conversation(store, closed(ticket, email), DECIDE, now=T0)).prompt
    return prompt.status, prompt.reason


async def test_forget_self_erases_and_audits_without_naming_them(store: SqlStore) -> None:
    await team(store)
    await answered(store, answer(await sent_prompt(store, "T-1"), 9))
    jan = await store.find_person(email=JAN)
    assert jan is not None
    assert await store.forget_self(jan.id, at=T0) == 1
    assert await store.find_person(email=JAN) is None
    [entry] = [e for e in await store.audit_log() if e.action == "person.forget_self"]
    assert (entry.actor, entry.detail) == (SELF, {})
    with pytest.raises(NotFound):
        await store.forget_self(jan.id, at=T0)  # nobody is left to forget


async def test_the_opt_out_outlives_the_erasure_under_a_key_kept_in_the_database(
    store: SqlStore,
) -> None:
    await team(store)
    await forget_jan(store)
    async with store.engine.connect() as connection:
        markers = set((await connection.execute(sa.select(erased_opt_outs))).scalars())
        keys = (await connection.execute(sa.select(stored_keys))).all()
    assert len(markers) == 2 and len(keys) == 1  # email and Slack id; one key, made once
    unkeyed = {hashlib.sha256(v.encode()).hexdigest() for v in (JAN, f"email:{JAN}", "UJAN")}
    assert not markers & unkeyed
    assert await decision(store, "T-2", JAN) == (PromptStatus.SKIPPED, SkipReason.OPTED_OUT)
    assert await decision(store, "T-3", "klaas@example.com") == (PromptStatus.PENDING, None)
    # Their data, should they come back, says so too.
    back = await store.find_person(email=JAN)
    assert back is not None
    data = await store.personal_data(back.id)
    assert data is not None and data.opted_out


async def test_a_configured_key_keeps_nothing_in_the_database_and_must_stay_the_same(
    store: SqlStore,
) -> None:
    await team(store)
    store.erasure_key = "the anonymity key"
    await forget_jan(store)
    klaas = await store.upsert_person(PersonIdentity(email=KLAAS))
    await store.forget_self(klaas.id, at=T0)
    async with store.engine.connect() as connection:
        assert (await connection.execute(sa.select(stored_keys))).all() == []
    assert await decision(store, "T-2", JAN) == (PromptStatus.SKIPPED, SkipReason.OPTED_OUT)
    # Jan is now stored opted out; Klaas has not come back, so only hashes know him.
    store.erasure_key = "another key"  # a changed key no longer recognises them
    assert await decision(store, "T-3", KLAAS) == (PromptStatus.PENDING, None)
