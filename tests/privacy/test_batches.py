"""The nightly anonymity job: batches, the minimum respondents, once a day, receipts after it,
and the response rate the digest reads without a prompt marked answered."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.domain.errors import PromptClosed
from bot.domain.events import ConversationReopened
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity
from bot.flows.anonymity import release_anonymous_batches
from bot.flows.recording import comment_on
from bot.flows.settling import reopen_conversation
from bot.services import Policy, Services
from storage.schema import follow_ups, ratings
from storage.store import SqlStore
from tests.conftest import StoreFactory
from tests.contract.support import T0, answer, answered, ask_now, sent_prompt, team
from tests.fakes.clock import FakeClock

TUESDAY = datetime(2026, 11, 24, tzinfo=UTC)  # T0's day


def _services(store: SqlStore, at: datetime, minimum: int = 5) -> Services:
    return Services(store=store, clock=FakeClock(at), policy=Policy(min_respondents=minimum))


async def _answers(store: SqlStore, day: datetime, people: range, *, score: int = 8) -> None:
    for n in people:
        email = f"person{n}@example.com"
        prompt = await sent_prompt(store, f"T-{n}", email)
        await answered(store, answer(prompt, score, email=email, at=day + timedelta(hours=11)))


async def _rows(store: SqlStore) -> list[sa.Row[tuple[object, ...]]]:
    async with store.engine.connect() as connection:
        return list(await connection.execute(sa.select(ratings).order_by(ratings.c.id)))


async def test_a_small_day_waits_and_goes_out_with_the_next_days_batch(store: SqlStore) -> None:
    await team(store, anonymity=Anonymity.ANONYMOUS)
    await _answers(store, TUESDAY, range(3))
    run = await release_anonymous_batches(
        _services(store, TUESDAY + timedelta(days=1, minutes=5)), rng=random.Random(1)
    )
    assert (run.ran, run.released, run.held) == (True, 0, 3)
    held = await _rows(store)
    assert all(row.awaiting_batch for row in held)
    wednesday = TUESDAY + timedelta(days=1)
    await _answers(store, wednesday, range(3, 6))
    run = await release_anonymous_batches(
        _services(store, wednesday + timedelta(days=1, minutes=5)), rng=random.Random(2)
    )
    assert (run.ran, run.released, run.held) == (True, 6, 0)
    released = await _rows(store)
    assert len(released) == 6 and not any(row.awaiting_batch for row in released)
    # Tuesday's three do not stand alone: they carry Wednesday's date with the rest.
    assert {row.rated_at for row in released} == {wednesday}
    assert not {row.id for row in held} & {row.id for row in released}
    assert all(row.id < 0 for row in released)


async def test_todays_ratings_wait_for_tomorrow(store: SqlStore) -> None:
    await team(store, anonymity=Anonymity.ANONYMOUS)
    await _answers(store, TUESDAY, range(6))
    run = await release_anonymous_batches(
        _services(store, TUESDAY + timedelta(hours=23)), rng=random.Random(1)
    )
    assert (run.released, run.held) == (0, 6)


async def test_the_job_runs_once_a_day_across_replicas(
    store: SqlStore, store_factory: StoreFactory
) -> None:
    await team(store, anonymity=Anonymity.ANONYMOUS)
    await _answers(store, TUESDAY, range(5))
    other = await store_factory()
    morning = TUESDAY + timedelta(days=1, minutes=5)
    runs = await asyncio.gather(
        release_anonymous_batches(_services(store, morning), rng=random.Random(1)),
        release_anonymous_batches(_services(other, morning), rng=random.Random(2)),
    )
    assert sorted(run.ran for run in runs) == [False, True]
    assert sum(run.released for run in runs) == 5
    again = await release_anonymous_batches(_services(store, morning + timedelta(hours=20)))
    assert not again.ran
    assert len(await _rows(store)) == 5  # idempotent: nothing written twice


async def test_receipts_and_follow_ups_keep_working_after_the_batch(store: SqlStore) -> None:
    await team(store, anonymity=Anonymity.ANONYMOUS)
    await _answers(store, TUESDAY, range(1, 5))
    prompt = await sent_prompt(store, "T-0", "person0@example.com")
    who = "person0@example.com"
    first = await answered(store, answer(prompt, 2, email=who, at=T0))
    assert first.follow_up_id is not None
    await release_anonymous_batches(
        _services(store, TUESDAY + timedelta(days=1, hours=1)), rng=random.Random(3)
    )
    follow_up = await store.get_follow_up(first.follow_up_id)
    assert follow_up is not None and follow_up.rating_id != first.rating.id
    later = TUESDAY + timedelta(days=2, hours=9)
    changed = await answered(store, answer(prompt, 4, email=who, receipt=first.receipt, at=later))
    assert (changed.created, changed.changed) == (False, True)
    assert changed.rating.id == follow_up.rating_id and changed.rating.score == 4
    commented = await comment_on(
        store, prompt.id, PersonIdentity(email=who), first.receipt, "late reply", at=later
    )
    assert commented.rating.comment == "late reply"
    with pytest.raises(PromptClosed, match="already recorded"):  # a replayed first click
        await answered(store, answer(prompt, 9, email=who, at=later))
    assert len(await _rows(store)) == 5


async def test_a_batch_shares_one_transaction_id_on_postgresql(
    store: SqlStore, engine_name: str
) -> None:
    if engine_name != "postgres":
        pytest.skip("xmin is PostgreSQL's")
    await team(store, anonymity=Anonymity.ANONYMOUS)
    await _answers(store, TUESDAY, range(6), score=1)  # six detractors: six follow-ups
    async with store.engine.connect() as connection:
        before = {row[0] for row in await connection.execute(sa.text("SELECT xmin FROM ratings"))}
    await release_anonymous_batches(
        _services(store, TUESDAY + timedelta(days=1, hours=1)), rng=random.Random(4)
    )
    async with store.engine.connect() as connection:
        after = {
            row[0] for table in (ratings, follow_ups)
            for row in await connection.execute(sa.text(f"SELECT xmin FROM {table.name}"))
        }
    assert len(before) == 6 and len(after) == 1
    # The deleted versions, still in the order they were written, are vacuumed away:
    # even a superuser's pageinspect finds only the batch's rows in the table's pages.
    async with store.engine.begin() as connection:
        await connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        pages = (await connection.execute(sa.text(
            "SELECT pg_relation_size('ratings') / current_setting('block_size')::int"
        ))).scalar_one()
        tuples = sum([
            (await connection.execute(sa.text(
                "SELECT count(*) FROM heap_page_items(get_raw_page('ratings', :page))"
                " WHERE t_data IS NOT NULL"
            ), {"page": page})).scalar_one()
            for page in range(pages)
        ])
    assert tuples == 6


async def test_the_response_rate_counts_anonymous_answers_by_day(store: SqlStore) -> None:
    hidden = await team(store, anonymity=Anonymity.ANONYMOUS)
    await _answers(store, TUESDAY, range(4))
    for n in range(4, 7):  # asked, never answered
        await sent_prompt(store, f"T-{n}", f"person{n}@example.com")
    week = [TUESDAY - timedelta(days=1), TUESDAY + timedelta(days=6)]
    facts = await store.digest_facts(hidden.id, week, comments=3, with_names=False,
                                     with_agents=False)
    assert (facts.prompts.sent, facts.prompts.answered) == (7, 4)
    tallies = await store.prompt_tallies(since=week[0], until=week[1], team_ids=[hidden.id])
    assert (tallies[hidden.id].sent, tallies[hidden.id].answered) == (7, 4)
    await release_anonymous_batches(
        _services(store, TUESDAY + timedelta(days=1, hours=1)), rng=random.Random(5)
    )
    after = await store.prompt_tallies(since=week[0], until=week[1], team_ids=[hidden.id])
    assert after == tallies


async def test_a_small_last_day_of_the_week_joins_that_weeks_last_batch(
    store: SqlStore,
) -> None:
    await team(store, anonymity=Anonymity.ANONYMOUS)
    saturday = TUESDAY + timedelta(days=4)
    sunday = saturday + timedelta(days=1)
    await _answers(store, saturday, range(5))
    await release_anonymous_batches(
        _services(store, sunday + timedelta(minutes=5)), rng=random.Random(1)
    )
    saturdays = {row.id for row in await _rows(store)}
    await _answers(store, sunday, range(5, 7))
    run = await release_anonymous_batches(
        _services(store, sunday + timedelta(days=1, minutes=5)), rng=random.Random(2)
    )
    # Monday's batch would carry Sunday's two into the next week, which the week's digest
    # has not counted yet and the next one would count again: they join Saturday's.
    assert (run.released, run.held) == (7, 0)
    rows = await _rows(store)
    assert {row.rated_at for row in rows} == {saturday} and len(rows) == 7
    assert not saturdays & {row.id for row in rows}


async def test_a_small_weekday_still_waits_for_the_next_day(store: SqlStore) -> None:
    await team(store, anonymity=Anonymity.ANONYMOUS)
    await _answers(store, TUESDAY - timedelta(days=1), range(5))
    await release_anonymous_batches(_services(store, TUESDAY), rng=random.Random(1))
    await _answers(store, TUESDAY, range(5, 7))
    run = await release_anonymous_batches(
        _services(store, TUESDAY + timedelta(days=1)), rng=random.Random(2)
    )
    assert (run.released, run.held) == (0, 2)


async def test_a_reopen_keeps_an_answered_anonymous_prompt(store: SqlStore) -> None:
    await team(store, anonymity=Anonymity.ANONYMOUS)
    asked = await sent_prompt(store, "T-1")
    await answered(store, answer(asked, 10))
    unanswered = await sent_prompt(store, "T-2")
    kept = await reopen_conversation(store, ConversationReopened("generic", "T-1", T0), ask_now)
    assert kept.found and kept.withdrawn is None
    assert await store.get_prompt(asked.id) == asked  # still as delivered, rating and all
    gone = await reopen_conversation(store, ConversationReopened("generic", "T-2", T0), ask_now)
    assert gone.withdrawn is not None and gone.withdrawn.id == unanswered.id
