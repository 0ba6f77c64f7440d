"""The store's pulses on every engine: candidates, the pulse with its conversations and
prompts, answers apart from ratings (anonymous ones untraceable), the closed pulse's tally."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.domain.answers import Answer
from bot.domain.errors import PromptClosed
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity, PromptStatus
from bot.domain.pulse import SOURCE
from bot.domain.scales import Category
from bot.flows import pulse_answers as pulse_answers_flow
from bot.flows.recording import comment_on, record_answer
from storage.store import SqlStore
from tests.conftest import StoreFactory
from tests.contract.support import ADMIN, JAN, T0, accept_close, ask_now, closed
from tests.contract.test_settling import settle

ANN = "ann@example.com"


async def _with_requesters(store: SqlStore) -> list[int]:
    """servicedesk with two requesters (Jan, Ann), both with a closed conversation."""
    await store.add_team("servicedesk", display_name="Service Desk", actor=ADMIN, at=T0)
    await store.add_team("infra", display_name="Infra", actor=ADMIN, at=T0)
    await accept_close(store, closed("T-1", JAN), now=T0)
    await accept_close(store, closed("T-2", ANN, at=T0 + timedelta(days=1)),
                       now=T0 + timedelta(days=1))
    await accept_close(store, closed("T-3", "ina@example.com", team="infra"), now=T0)
    await settle(store, ask_now, now=T0 + timedelta(days=1))
    team = await store.get_team("servicedesk")
    assert team is not None
    return await store.pulse_candidates(team.id, since=T0 - timedelta(days=1))


async def _start(store: SqlStore, recipients: list[int]) -> tuple[int, int]:
    team = await store.get_team("servicedesk")
    assert team is not None
    at = T0 + timedelta(days=2)
    pulse = await store.start_pulse(
        team.id, question="How likely?", days=90, created_by="slack:UADMIN", at=at,
        closes_at=at + timedelta(days=14), recipients=recipients, left_out={"cooldown": 2},
    )
    return team.id, pulse.id


async def test_candidates_a_pulse_its_prompts_and_only_one_open(store: SqlStore) -> None:
    candidates = await _with_requesters(store)
    assert len(candidates) == 2  # infra's requester is not servicedesk's
    team_id, pulse_id = await _start(store, candidates)
    open_now = await store.open_pulse(team_id, now=T0 + timedelta(days=3))
    assert open_now is not None and open_now.id == pulse_id
    assert open_now.left_out == {"cooldown": 2} and open_now.asked == 2
    assert await store.open_pulse(team_id, now=T0 + timedelta(days=16)) is None
    # The pulse's own conversations never make anyone a candidate of a later pulse.
    assert await store.pulse_candidates(team_id, since=T0 + timedelta(days=1, hours=1)) == []
    claimed = await store.claim_due_prompts(now=T0 + timedelta(days=2), limit=10,
                                            lease=timedelta(minutes=1))
    pulse_prompts = [item for item in claimed if item.prompt.pulse_id == pulse_id]
    assert len(pulse_prompts) == 2
    assert {item.subject for item in pulse_prompts} == {"How likely?"}
    assert {item.agent_id for item in pulse_prompts} == {None}
    assert all(item.ticket_id.startswith(f"{pulse_id}:") for item in pulse_prompts)


async def _sent_pulse_prompt(store: SqlStore) -> tuple[int, int, int]:
    candidates = await _with_requesters(store)
    team_id, pulse_id = await _start(store, candidates)
    claimed = await store.claim_due_prompts(now=T0 + timedelta(days=2), limit=10,
                                            lease=timedelta(minutes=1))
    [jan] = [item.prompt for item in claimed
             if item.prompt.pulse_id == pulse_id and item.prompt.person_id == candidates[0]]
    await store.mark_sent(jan.id, platform="test", message_ref="m1",
                          sent_at=T0 + timedelta(days=2), expires_at=T0 + timedelta(days=9))
    return team_id, pulse_id, jan.id


def _answer(prompt_id: int, score: int, receipt: str | None = None) -> Answer:
    return Answer(prompt_id=prompt_id, person=PersonIdentity(email=JAN), score=score,
                  at=datetime(2026, 11, 26, 14, 37, tzinfo=UTC), receipt=receipt,
                  new_receipt=f"receipt-{score}")


async def test_an_answer_is_stored_apart_from_ratings(store: SqlStore) -> None:
    team_id, pulse_id, prompt_id = await _sent_pulse_prompt(store)
    result = await record_answer(store, _answer(prompt_id, 3))
    assert result.pulse and result.follow_up_id is None and result.alert is None
    assert result.prompt is not None and result.prompt.pulse
    await comment_on(store, prompt_id, PersonIdentity(email=JAN), result.receipt, "meh",
                     at=T0 + timedelta(days=3))
    stored = await store.pulse_answer(prompt_id=prompt_id)
    assert stored is not None and (stored.score, stored.comment) == (3, "meh")
    assert await store.rating_of_prompt(prompt_id) is None
    assert [row async for row in store.export_rows()] == []
    closing = await store.closed_pulse(team_id, since=T0 + timedelta(days=15),
                                       until=T0 + timedelta(days=17))
    assert closing is not None and closing.asked == 2
    assert (closing.score.n, closing.score.detractors, closing.score.value) == (1, 1, -100)
    assert await store.closed_pulse(team_id, since=T0, until=T0 + timedelta(days=15)) is None
    prompt = await store.get_prompt(prompt_id)
    assert prompt is not None and prompt.status is PromptStatus.ANSWERED
    assert stored.pulse_id == pulse_id


async def test_an_anonymous_answer_cannot_be_traced_in_the_database(store: SqlStore) -> None:
    team_id, _, prompt_id = await _sent_pulse_prompt(store)
    await store.update_team("servicedesk", {"anonymity": Anonymity.ANONYMOUS}, actor=ADMIN,
                            at=T0)
    first = await record_answer(store, _answer(prompt_id, 9), anonymity_key="k")
    changed = await record_answer(store, _answer(prompt_id, 10, first.receipt),
                                  anonymity_key="k")
    assert changed.rating.id == first.rating.id and not changed.created
    with pytest.raises(PromptClosed, match="already recorded"):  # a replayed first click
        await record_answer(store, _answer(prompt_id, 8), anonymity_key="k")
    async with store.engine.connect() as db:
        [row] = (await db.execute(sa.text("SELECT * FROM pulse_answers"))).mappings().all()
        prompt = (await db.execute(sa.text("SELECT * FROM prompts WHERE id = :id"),
                                   {"id": prompt_id})).mappings().one()
    assert row["prompt_id"] is None and row["person_id"] is None and row["score"] == 10
    assert row["id"] < 0  # a random id, not the next in a sequence
    for column in ("answered_at", "updated_at"):
        stamp = row[column]
        if isinstance(stamp, str):
            stamp = datetime.fromisoformat(stamp)
        assert stamp.replace(tzinfo=UTC) == datetime(2026, 11, 26, tzinfo=UTC)  # the day only
    assert prompt["answered_at"] is None and prompt["status"] == "sent"
    assert row["awaiting_batch"]
    assert await store.held_pulse_answers() == [row["id"]]
    # The nightly batch writes it again under a new random id; the receipt still finds it.
    released = await pulse_answers_flow.release_batch(store, random.Random(3))
    assert released == 1 and await store.held_pulse_answers() == []
    rewritten = await store.pulse_answer(pulse_id=row["pulse_id"], receipt=first.receipt)
    assert rewritten is not None and rewritten.id != row["id"] and rewritten.id < 0
    assert rewritten.score == 10
    closing = await store.closed_pulse(team_id, since=T0 + timedelta(days=15),
                                       until=T0 + timedelta(days=17))
    assert closing is not None and closing.score.promoters == 1


async def test_a_concurrent_first_answer_keeps_the_one_stored(store: SqlStore) -> None:
    _, pulse_id, prompt_id = await _sent_pulse_prompt(store)
    at = T0 + timedelta(days=3)
    first = await store.insert_pulse_answer(
        answer_id=None, pulse_id=pulse_id, prompt_id=prompt_id, person_id=None, score=7,
        category=Category.PASSIVE, receipt="a", at=at)
    second = await store.insert_pulse_answer(
        answer_id=None, pulse_id=pulse_id, prompt_id=prompt_id, person_id=None, score=2,
        category=Category.DETRACTOR, receipt="b", at=at)
    assert first is not None and second is None
    async with store.engine.connect() as db:
        sources = (await db.execute(sa.text("SELECT DISTINCT source FROM conversations "
                                            "WHERE external_id LIKE :pulse"),
                                    {"pulse": f"{pulse_id}:%"})).scalars().all()
    assert sources == [SOURCE]


async def test_two_pulses_of_one_team_never_start_together(store_factory: StoreFactory) -> None:
    first, second = await store_factory(), await store_factory()
    candidates = await _with_requesters(first)
    team = await first.get_team("servicedesk")
    assert team is not None
    now = T0 + timedelta(days=2)

    async def start_one(store: SqlStore) -> bool:
        async with store.transaction() as tx:
            if await tx.open_pulse(team.id, now=now) is not None:
                return False
            await asyncio.sleep(0.05)  # the other one reads meanwhile
            await tx.start_pulse(team.id, question="Q", days=90, created_by="x", at=now,
                                 closes_at=now + timedelta(days=14), recipients=candidates,
                                 left_out={})
            return True

    started = await asyncio.gather(start_one(first), start_one(second))
    assert sorted(started) == [False, True]
