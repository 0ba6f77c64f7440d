"""Someone who erased themselves and comes back is stored opted out; their own opt-in wins."""

from __future__ import annotations

import sqlalchemy as sa

from bot.domain.identity import PersonIdentity
from bot.domain.model import PromptStatus, SkipReason
from storage.erased import erased_opt_outs
from storage.store import SqlStore
from tests.contract.support import JAN, T0, team
from tests.contract.test_erasure import KLAAS, decision, forget_jan


async def markers(store: SqlStore) -> int:
    async with store.engine.connect() as connection:
        return len((await connection.execute(sa.select(erased_opt_outs))).all())


async def test_a_returning_person_is_created_opted_out_by_any_of_their_ids(
    store: SqlStore,
) -> None:
    await forget_jan(store)
    by_slack = await store.upsert_person(PersonIdentity(slack_user_id="UJAN"))
    assert by_slack.opted_out
    stranger = await store.upsert_person(PersonIdentity(email=KLAAS, slack_user_id="UKLAAS"))
    assert not stranger.opted_out


async def test_a_returning_person_named_by_a_close_is_stored_opted_out(store: SqlStore) -> None:
    await team(store)
    await forget_jan(store)
    assert await decision(store, "T-2", JAN) == (PromptStatus.SKIPPED, SkipReason.OPTED_OUT)
    back = await store.find_person(email=JAN)
    assert back is not None and back.opted_out  # what App Home reads agrees with the rules


async def test_a_configured_key_marks_the_returning_person_too(store: SqlStore) -> None:
    store.erasure_key = "the anonymity key"
    await forget_jan(store)
    assert (await store.upsert_person(PersonIdentity(email=JAN))).opted_out
    store.erasure_key = "another key"
    assert not (await store.upsert_person(PersonIdentity(email="JAN2@example.com"))).opted_out


async def test_their_own_opt_in_drops_the_keyed_hashes_and_they_are_asked_again(
    store: SqlStore,
) -> None:
    await team(store)
    await forget_jan(store)
    klaas = await store.upsert_person(PersonIdentity(email=KLAAS))
    await store.forget_self(klaas.id, at=T0)
    assert await markers(store) == 3  # Jan's email and Slack id, Klaas's email
    back = await store.upsert_person(PersonIdentity(email=JAN, slack_user_id="UJAN"))
    assert back.opted_out
    assert not (await store.set_opted_out(back.id, False, at=T0)).opted_out
    await store.keep_own_choice(back.id)
    assert await markers(store) == 1  # only Klaas's opt-out is still kept
    assert await decision(store, "T-3", JAN) == (PromptStatus.PENDING, None)
    data = await store.personal_data(back.id)
    assert data is not None and not data.opted_out
    assert await decision(store, "T-4", KLAAS) == (PromptStatus.SKIPPED, SkipReason.OPTED_OUT)
