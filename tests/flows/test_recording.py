"""Recording: one rating per prompt, changed by a re-click, never by someone else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from app.delivery_worker import DeliveryWorker
from bot.domain.errors import NotRecipient, PromptClosed, PromptExpired, ScoreOffScale
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity, PromptStatus
from bot.domain.scales import Category
from bot.flows.recording import add_comment, record_rating
from bot.services import Services
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN, Close

JAN = PersonIdentity(email="jan@example.com")


@pytest.fixture
async def sent(close: Close, services: Services) -> int:
    """A prompt delivered to Jan; its id."""
    outcome = await close("T-1")
    await DeliveryWorker(services).run_once()
    return outcome.prompt.id


async def test_a_click_records_the_rating(services: Services, sent: int) -> None:
    result = await record_rating(services, sent, JAN, 9)
    assert result.created and result.changed
    assert result.rating.score == 9 and result.category is Category.PROMOTER
    assert result.follow_up_id is None
    prompt = await services.store.get_prompt(sent)
    assert prompt is not None and prompt.status is PromptStatus.ANSWERED


async def test_another_click_changes_the_score_and_a_replay_changes_nothing(
    services: Services, sent: int
) -> None:
    first = await record_rating(services, sent, JAN, 9)
    changed = await record_rating(services, sent, JAN, 7, receipt=first.receipt)
    assert not changed.created and changed.changed
    assert changed.rating.id == first.rating.id and changed.rating.score == 7
    replay = await record_rating(services, sent, JAN, 7, receipt=first.receipt)
    assert not replay.changed and replay.rating.id == first.rating.id


async def test_a_detractor_opens_one_follow_up(services: Services, sent: int) -> None:
    result = await record_rating(services, sent, JAN, 3)
    assert result.category is Category.DETRACTOR and result.follow_up_id is not None
    again = await record_rating(services, sent, JAN, 2, receipt=result.receipt)
    assert again.follow_up_id is None  # the loop is already open
    follow_ups = await services.store.open_follow_ups("servicedesk")
    assert [f.id for f in follow_ups] == [result.follow_up_id]


async def test_only_the_recipient_may_answer(services: Services, sent: int) -> None:
    await services.store.upsert_person(PersonIdentity(email="kees@example.com"))
    with pytest.raises(NotRecipient):
        await record_rating(services, sent, PersonIdentity(email="kees@example.com"), 9)
    with pytest.raises(NotRecipient):
        await record_rating(services, sent, PersonIdentity(slack_user_id="UNKNOWN"), 9)


async def test_a_score_off_the_scale_changes_nothing(services: Services, sent: int) -> None:
    with pytest.raises(ScoreOffScale):
        await record_rating(services, sent, JAN, 11)
    prompt = await services.store.get_prompt(sent)
    assert prompt is not None and prompt.status is PromptStatus.SENT


async def test_an_expired_prompt_refuses_the_rating(
    services: Services, sent: int, clock: FakeClock
) -> None:
    clock.advance(days=7)
    with pytest.raises(PromptExpired):
        await record_rating(services, sent, JAN, 9)


async def test_a_withdrawn_prompt_refuses_the_rating(
    services: Services, sent: int, clock: FakeClock
) -> None:
    from bot.domain.events import ConversationReopened
    from bot.flows.asking import conversation_reopened

    await conversation_reopened(services, ConversationReopened("generic", "T-1", clock.now()))
    with pytest.raises(PromptClosed, match="reopened"):
        await record_rating(services, sent, JAN, 9)


async def test_a_comment_follows_the_click(services: Services, sent: int) -> None:
    result = await record_rating(services, sent, JAN, 6)
    rating = await add_comment(services, sent, JAN, "  Took three days.  ", receipt=result.receipt)
    assert rating.comment == "Took three days."
    with pytest.raises(NotRecipient):
        await add_comment(services, sent, PersonIdentity(email="piet@example.com"), "fake")


async def test_an_anonymous_rating_cannot_be_traced_in_the_database(
    close: Close, services: Services, clock: FakeClock, store_engine: AsyncEngine
) -> None:
    await services.store.update_team(
        "servicedesk", {"anonymity": Anonymity.ANONYMOUS}, actor=ADMIN, at=clock.now()
    )
    outcome = await close("T-9")
    await DeliveryWorker(services).run_once()
    clock.advance(hours=3, minutes=17)
    first = await record_rating(services, outcome.prompt.id, JAN, 4)
    changed = await record_rating(services, outcome.prompt.id, JAN, 5, receipt=first.receipt)
    assert changed.rating.id == first.rating.id and changed.rating.score == 5
    await add_comment(services, outcome.prompt.id, JAN, "fine", receipt=first.receipt)
    with pytest.raises(PromptClosed):  # a replayed first click finds nothing to change
        await record_rating(services, outcome.prompt.id, JAN, 9)

    async with store_engine.connect() as db:
        rows = (await db.execute(sa.text("SELECT * FROM ratings"))).mappings().all()
        prompt = (await db.execute(
            sa.text("SELECT * FROM prompts WHERE id = :id"), {"id": outcome.prompt.id}
        )).mappings().one()
    [row] = rows
    assert row["prompt_id"] is None and row["person_id"] is None and row["agent_id"] is None
    assert row["comment"] == "fine" and row["score"] == 5
    # awaiting_batch: true for every anonymous rating until the nightly batch rewrites it.
    allowed = {"id", "team_id", "scale", "score", "category", "comment", "receipt_hash",
               "rated_at", "updated_at", "awaiting_batch"}
    assert {column for column, value in row.items() if value is not None} <= allowed
    for column in ("rated_at", "updated_at"):
        stamp = row[column]
        if stamp is None:
            continue
        if isinstance(stamp, str):
            stamp = datetime.fromisoformat(stamp)
        assert stamp.replace(tzinfo=UTC) == datetime(2026, 11, 24, tzinfo=UTC)  # the day only
    assert prompt["answered_at"] is None
    assert prompt["status"] == "sent"  # as if unanswered: only the day's count knows
