"""Answers, changes, comments and follow-ups, in every anonymity level."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.domain.answers import Answer, NewRating, RatingChange
from bot.domain.errors import InvalidValue, NotFound, NotRecipient
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity, FollowUpStatus, PromptStatus
from bot.domain.scales import Category
from bot.flows.recording import comment_on
from storage.base import receipt_hash
from storage.schema import follow_ups, ratings
from storage.store import SqlStore
from tests.conftest import StoreFactory
from tests.contract.support import JAN, PIET, T0, answer, answered, sent_prompt, team

LATER = datetime(2026, 11, 25, 15, 42, 7, tzinfo=UTC)


async def test_a_first_answer_records_the_rating(store: SqlStore) -> None:
    await team(store)
    prompt = await sent_prompt(store, "T-1")
    click = answer(prompt, 9, at=LATER)
    result = await answered(store, click)
    assert (result.created, result.changed, result.category) == (True, True, Category.PROMOTER)
    assert result.receipt == click.new_receipt and result.follow_up_id is None
    rating = result.rating
    piet = await store.find_person(email=PIET)
    assert (rating.prompt_id, rating.person_id, rating.score) == (prompt.id, prompt.person_id, 9)
    assert rating.agent_id == piet.id  # type: ignore[union-attr]
    assert rating.rated_at == LATER
    stored = await store.get_prompt(prompt.id)
    assert stored is not None
    assert (stored.status, stored.answered_at) == (PromptStatus.ANSWERED, LATER)
    async with store.engine.connect() as connection:
        (stored_hash, category) = (
            await connection.execute(sa.select(ratings.c.receipt_hash, ratings.c.category))
        ).one()
    assert stored_hash == receipt_hash(click.new_receipt) and category == 1


async def test_the_facts_of_a_click_are_read_whole(store: SqlStore) -> None:
    await team(store)
    prompt = await sent_prompt(store, "T-1")
    await store.upsert_person(PersonIdentity(email=PIET, slack_user_id="UPIET"))
    facts = await store.answer_facts(prompt.id, PersonIdentity(slack_user_id="UPIET"), None)
    assert facts is not None
    assert facts.prompt == prompt and facts.team.name == "servicedesk"
    assert facts.recipient is not None and facts.recipient.email == JAN
    assert facts.clicker is not None and facts.clicker.email == PIET
    assert facts.agent is not None and facts.agent.email == PIET
    assert (facts.subject, facts.ticket_id) == ("Subject of T-1", "T-1")
    assert facts.rating is None and facts.receipt_rating is None
    unknown = await store.answer_facts(prompt.id, PersonIdentity(email="who@example.com"))
    assert unknown is not None and unknown.clicker is None
    assert await store.answer_facts(9999) is None


async def test_a_refused_answer_writes_nothing(store: SqlStore) -> None:
    await team(store)
    prompt = await sent_prompt(store, "T-1")
    await store.upsert_person(PersonIdentity(email=PIET, slack_user_id="UPIET"))
    with pytest.raises(NotRecipient):
        await answered(
            store, Answer(prompt.id, PersonIdentity(slack_user_id="UPIET"), 3, T0, new_receipt="r")
        )
    assert (await store.get_prompt(prompt.id)).status is PromptStatus.SENT  # type: ignore[union-attr]
    assert await store.tallies(since=T0, until=LATER) == {}
    with pytest.raises(NotFound, match="no longer exists"):
        await answered(store, answer(9999, 5))


async def test_a_second_first_rating_of_a_prompt_is_not_stored(store: SqlStore) -> None:
    servicedesk = await team(store)
    prompt = await sent_prompt(store, "T-1")
    first = NewRating(
        team_id=servicedesk.id, prompt_id=prompt.id, person_id=prompt.person_id, agent_id=None,
        scale=servicedesk.scale, score=4, category=Category.DETRACTOR, receipt="one",
        rated_at=T0, updated_at=T0,
    )
    stored = await store.insert_rating(first)
    assert stored is not None and stored.score == 4
    assert await store.insert_rating(first) is None  # the prompt has its rating: reported
    assert await store.rating_of_prompt(prompt.id) == stored
    changed = await store.update_rating(stored.id, RatingChange(score=8, receipt="two"))
    assert changed.score == 8 and changed.comment is None
    assert await store.update_rating(stored.id, RatingChange()) == changed
    facts = await store.answer_facts(prompt.id, receipt="two")
    assert facts is not None and facts.rating == changed
    assert await store.open_follow_up(stored.id, servicedesk.id, created_at=T0) is not None
    assert await store.open_follow_up(stored.id, servicedesk.id, created_at=T0) is None
    with pytest.raises(NotFound):
        await store.update_rating(9999, RatingChange(score=1))


async def test_changing_a_rating_and_replaying_a_click(store: SqlStore) -> None:
    await team(store)
    prompt = await sent_prompt(store, "T-1")
    first = await answered(store, answer(prompt, 9))
    replay = await answered(store, answer(prompt, 9, receipt=first.receipt))
    assert (replay.created, replay.changed, replay.receipt) == (False, False, first.receipt)
    changed = await answered(store, answer(prompt, 3, receipt=first.receipt, at=LATER))
    assert (changed.created, changed.changed, changed.category) == (
        False, True, Category.DETRACTOR,
    )
    assert changed.rating.id == first.rating.id and changed.rating.score == 3
    assert changed.follow_up_id is not None
    # A click without the receipt (an old message) still finds it; its new receipt works.
    again = await answered(store, answer(prompt, 2))
    assert again.follow_up_id is None  # the follow-up exists already
    assert again.rating.id == first.rating.id
    commented = await comment_on(
        store, prompt.id, PersonIdentity(email=JAN), again.receipt, "slow", at=LATER
    )
    assert commented.rating.comment == "slow"


async def test_a_detractor_opens_one_follow_up(store: SqlStore) -> None:
    servicedesk = await team(store)
    prompt = await sent_prompt(store, "T-1")
    result = await answered(store, answer(prompt, 2, at=LATER))
    assert result.follow_up_id is not None
    follow_up = await store.get_follow_up(result.follow_up_id)
    assert follow_up is not None
    assert (follow_up.rating_id, follow_up.team_id, follow_up.status, follow_up.created_at) == (
        result.rating.id, servicedesk.id, FollowUpStatus.OPEN, LATER,
    )
    assert [f.id for f in await store.open_follow_ups()] == [follow_up.id]
    assert [f.id for f in await store.open_follow_ups("servicedesk")] == [follow_up.id]
    piet = await store.upsert_person(PersonIdentity(email=PIET))
    claimed = await store.claim_follow_up(follow_up.id, piet.id, at=LATER)
    assert (claimed.status, claimed.claimed_by, claimed.claimed_at) == (
        FollowUpStatus.CLAIMED, piet.id, LATER,
    )
    await store.set_follow_up_alert(follow_up.id, "slack", "C1:123.456")
    resolved = await store.resolve_follow_up(follow_up.id, piet.id, "called back", at=LATER)
    assert (resolved.status, resolved.resolved_by, resolved.note) == (
        FollowUpStatus.RESOLVED, piet.id, "called back",
    )
    assert (resolved.alert_platform, resolved.alert_ref) == ("slack", "C1:123.456")
    assert await store.open_follow_ups() == []
    with pytest.raises(InvalidValue):
        await store.claim_follow_up(follow_up.id, piet.id, at=LATER)
    with pytest.raises(NotFound):
        await store.claim_follow_up(9999, piet.id, at=LATER)
    assert await store.get_follow_up(9999) is None


async def test_concurrent_first_clicks_make_one_rating(
    store: SqlStore, store_factory: StoreFactory
) -> None:
    await team(store)
    prompt = await sent_prompt(store, "T-1")
    replicas = [store, await store_factory(), await store_factory()]
    results = await asyncio.gather(
        *(answered(replica, answer(prompt, 1)) for replica in replicas)
    )
    assert sum(result.created for result in results) == 1
    assert len({result.rating.id for result in results}) == 1
    assert sum(result.follow_up_id is not None for result in results) == 1
    async with store.engine.connect() as connection:
        count = (await connection.execute(sa.select(sa.func.count()).select_from(ratings)))
        opened = (await connection.execute(sa.select(sa.func.count()).select_from(follow_ups)))
        assert (count.scalar_one(), opened.scalar_one()) == (1, 1)


async def test_anonymous_ratings_carry_no_link_and_still_change_by_receipt(
    store: SqlStore,
) -> None:
    await team(store, anonymity=Anonymity.ANONYMOUS)
    prompt = await sent_prompt(store, "T-1")
    first = await answered(store, answer(prompt, 3, at=LATER))
    rating = first.rating
    assert (rating.prompt_id, rating.person_id, rating.agent_id) == (None, None, None)
    assert rating.rated_at == datetime(2026, 11, 25, tzinfo=UTC)
    # The prompt is left as delivered: being answered, or when, would say whose it is.
    assert await store.get_prompt(prompt.id) == prompt
    assert rating.id < 0 and first.follow_up_id is not None and first.follow_up_id < 0
    follow_up = await store.get_follow_up(first.follow_up_id)
    assert follow_up is not None and follow_up.created_at == datetime(2026, 11, 25, tzinfo=UTC)
    facts = await store.answer_facts(prompt.id, PersonIdentity(email=JAN), first.receipt)
    assert facts is not None and facts.rating is None  # nothing links it to the prompt...
    assert facts.receipt_rating is not None and facts.receipt_rating.id == rating.id  # but this
    changed = await answered(
        store, answer(prompt, 10, receipt=first.receipt, at=LATER + timedelta(hours=1))
    )
    assert (changed.created, changed.changed, changed.rating.id) == (False, True, rating.id)
    assert changed.receipt == first.receipt
    commented = (await comment_on(
        store, prompt.id, PersonIdentity(email=JAN), first.receipt, "quick!", at=LATER
    )).rating
    assert (commented.id, commented.comment, commented.person_id) == (rating.id, "quick!", None)
    # Without the receipt nothing finds it: it is tied to no prompt.
    with pytest.raises(NotFound):
        await comment_on(store, prompt.id, PersonIdentity(email=JAN), None, "x", at=LATER)
    async with store.engine.connect() as connection:
        row = (await connection.execute(sa.select(ratings))).one()
    assert row.updated_at == datetime(2026, 11, 25, tzinfo=UTC)
    assert (row.prompt_id, row.person_id, row.agent_id) == (None, None, None)


async def test_comments_only_from_the_recipient(store: SqlStore) -> None:
    await team(store, anonymity=Anonymity.CONFIDENTIAL)
    prompt = await sent_prompt(store, "T-1")
    with pytest.raises(NotFound):
        await comment_on(store, prompt.id, PersonIdentity(email=JAN), None, "early", at=LATER)
    result = await answered(store, answer(prompt, 8))
    with pytest.raises(NotRecipient):
        await comment_on(store, prompt.id, PersonIdentity(email=PIET), result.receipt, "hi",
                         at=LATER)
    with pytest.raises(NotRecipient):
        await comment_on(store, prompt.id, PersonIdentity(email="who@example.com"), None, "hi",
                         at=LATER)
    rating = (await comment_on(store, prompt.id, PersonIdentity(email=JAN), None, "fine",
                               at=LATER)).rating
    assert (rating.comment, rating.prompt_id) == ("fine", prompt.id)
    with pytest.raises(NotFound):
        await comment_on(store, 9999, PersonIdentity(email=JAN), None, "x", at=LATER)
