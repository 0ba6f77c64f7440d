"""The answers after the score in the store: set, dropped, read back, exported, and kept
through a person's erasure without linking them again; on every engine."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta

from bot.domain.reasons import AfterScore, LostTime
from bot.domain.tallies import ExportRow
from bot.flows.export import write_jsonl
from storage.store import SqlStore
from tests.contract.support import T0, answer, answered, sent_prompt, team


async def rated(store: SqlStore, ticket: str, score: int) -> int:
    """A rating given as a click gives it; its id."""
    email = f"{ticket.lower()}@example.com"
    prompt = await sent_prompt(store, ticket, email)
    return (await answered(store, answer(prompt, score, email=email))).rating.id


async def test_reasons_and_lost_time_are_set_read_and_exported(store: SqlStore) -> None:
    await team(store)
    rating_id = await rated(store, "A", 3)
    assert await store.after_score(rating_id) == AfterScore()
    await store.set_reason(rating_id, "unfriendly", on=True)
    await store.set_reason(rating_id, "slow", on=True)
    await store.set_reason(rating_id, "slow", on=True)  # chosen twice: kept once
    await store.set_lost_time(rating_id, LostTime.HALF_DAY)
    assert await store.after_score(rating_id) == AfterScore(("slow", "unfriendly"),
                                                            LostTime.HALF_DAY)
    [row] = [r async for r in store.export_rows()]
    assert (row.reasons, row.lost_time) == (("slow", "unfriendly"), "half_day")
    out = io.StringIO()
    await write_jsonl(_one(row), out)
    exported = json.loads(out.getvalue())
    assert (exported["reasons"], exported["lost_time"]) == ("slow;unfriendly", "half_day")
    await store.set_reason(rating_id, "slow", on=False)
    await store.set_lost_time(rating_id, None)
    assert await store.after_score(rating_id) == AfterScore(("unfriendly",))
    await store.drop_reasons(rating_id)
    assert await store.after_score(rating_id) == AfterScore()


async def test_a_forgotten_persons_rating_keeps_its_answers_without_them(
    store: SqlStore,
) -> None:
    await team(store)
    rating_id = await rated(store, "A", 10)
    await store.set_reason(rating_id, "fast", on=True)
    await store.forget_person("a@example.com", actor="test", at=T0 + timedelta(days=1))
    [row] = [r async for r in store.export_rows()]
    assert row.requester_email is None and row.reasons == ("fast",)


async def _one(row: ExportRow) -> AsyncIterator[ExportRow]:
    yield row


async def test_the_persons_own_data_holds_their_answers(store: SqlStore) -> None:
    await team(store)
    rating_id = await rated(store, "A", 4)
    await store.set_reason(rating_id, "slow", on=True)
    await store.set_lost_time(rating_id, LostTime.UNDER_HOUR)
    person = await store.find_person(email="a@example.com")
    assert person is not None
    data = await store.personal_data(person.id)
    assert data is not None
    [record] = data.ratings
    assert (record.score, record.reasons, record.lost_time) == (4, ("slow",), "under_1h")
