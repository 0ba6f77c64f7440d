"""Tallies counted in SQL, prompt outcomes, and the export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.backlog import Waiting
from bot.domain.errors import UnknownTeam
from bot.domain.model import Anonymity, PromptStatus, SkipReason
from bot.domain.scales import Category, Scale
from bot.domain.tallies import PromptTally, Tally
from bot.flows.settling import close_conversation
from storage.store import SqlStore
from tests.contract.support import (
    JAN,
    PIET,
    T0,
    answer,
    answered,
    ask_now,
    closed,
    sent_prompt,
    skip_because,
    team,
)

DAY = timedelta(days=1)


async def rate(store: SqlStore, ticket: str, score: int, at: datetime, **extra: object) -> None:
    email = f"{ticket.lower()}@example.com"
    prompt = await sent_prompt(store, ticket, email, **extra)
    # Clicked while the prompt is open, however far from the others `at` is.
    await store.mark_sent(prompt.id, platform="test", message_ref=f"msg-{ticket}", sent_at=at,
                          expires_at=at + DAY)
    await answered(store, answer(prompt, score, email=email, at=at))


async def test_tallies_count_per_team_over_a_half_open_range(store: SqlStore) -> None:
    servicedesk = await team(store)
    infra = await team(store, "infra")
    await rate(store, "A", 10, T0)
    await rate(store, "B", 7, T0 + timedelta(hours=1))
    await rate(store, "C", 0, T0 + timedelta(hours=2))
    await rate(store, "D", 9, T0 + DAY)  # exactly `until`: not counted
    await rate(store, "E", 9, T0 - timedelta(microseconds=1))  # before `since`
    await rate(store, "F", 9, T0, team="infra")
    found = await store.tallies(since=T0, until=T0 + DAY)
    assert found == {
        servicedesk.id: Tally(n=3, promoters=1, passives=1, detractors=1, score_sum=17),
        infra.id: Tally(n=1, promoters=1, score_sum=9),
    }
    only = await store.tallies(since=T0, until=T0 + DAY, team_ids=[infra.id, 999])
    assert only == {infra.id: Tally(n=1, promoters=1, score_sum=9), 999: Tally()}


async def test_weekly_tallies_bucket_in_one_query(store: SqlStore) -> None:
    servicedesk = await team(store)
    weeks = [T0 + timedelta(weeks=n) for n in range(4)]
    await rate(store, "A", 10, weeks[0])
    await rate(store, "B", 2, weeks[0] + timedelta(days=6))
    await rate(store, "C", 8, weeks[2] + DAY)
    await rate(store, "D", 8, weeks[3])  # on the last boundary: outside
    found = await store.weekly_tallies(servicedesk.id, weeks)
    assert found == [
        Tally(n=2, promoters=1, detractors=1, score_sum=12),
        Tally(),
        Tally(n=1, passives=1, score_sum=8),
    ]
    assert await store.weekly_tallies(servicedesk.id, weeks[:1]) == []
    with pytest.raises(ValueError):
        await store.weekly_tallies(servicedesk.id, [weeks[1], weeks[0]])


async def test_prompt_tallies_by_status_and_reason(store: SqlStore) -> None:
    servicedesk = await team(store)
    await rate(store, "A", 9, T0)
    await sent_prompt(store, "B", "b@example.com")
    expiring = await sent_prompt(store, "C", "c@example.com")
    await store.expire_prompts(now=expiring.expires_at)  # type: ignore[arg-type]
    await close_conversation(store, closed("D", "d@example.com"),
                                   lambda _: skip_because(SkipReason.COOLDOWN), now=T0)
    await close_conversation(store, closed("E", "e@example.com"),
                                   lambda _: skip_because(SkipReason.COOLDOWN), now=T0)
    failing = (await close_conversation(store, closed("F", "f@example.com"),
                                              ask_now, now=T0)).prompt
    await store.finish_prompt(failing.id, PromptStatus.FAILED, reason="unreachable", at=T0)
    await close_conversation(store, closed("G", "g@example.com"),
                                   ask_now, now=T0)
    found = await store.prompt_tallies(since=T0, until=T0 + DAY)
    assert found == {
        servicedesk.id: PromptTally(
            sent=3, answered=1, pending=1, skipped={"cooldown": 2}, failed={"unreachable": 1}
        )
    }
    assert await store.prompt_tallies(since=T0 + DAY, until=T0 + 2 * DAY) == {}


async def test_export_shows_only_what_the_anonymity_allows(store: SqlStore) -> None:
    await team(store)
    await team(store, "hidden", anonymity=Anonymity.ANONYMOUS)
    await rate(store, "B", 3, T0 + timedelta(hours=1))
    await rate(store, "A", 10, T0)
    await rate(store, "C", 8, T0 + timedelta(hours=5), team="hidden")
    rows = [row async for row in store.export_rows()]
    assert [(row.team, row.score, row.category) for row in rows] == [
        ("hidden", 8, Category.PASSIVE),  # midnight of its day: first
        ("servicedesk", 10, Category.PROMOTER),
        ("servicedesk", 3, Category.DETRACTOR),
    ]
    hidden, first, _ = rows
    assert (hidden.requester_email, hidden.agent_email, hidden.ticket_id) == (None, None, None)
    assert hidden.rated_at == datetime(2026, 11, 24, tzinfo=UTC)
    assert (first.requester_email, first.agent_email, first.ticket_id) == (
        "a@example.com", PIET, "A",
    )
    assert (first.scale, first.rated_at, first.comment) == (Scale.NPS, T0, None)
    only = [row.team async for row in store.export_rows(team="hidden")]
    assert only == ["hidden"]
    with pytest.raises(UnknownTeam):
        [row async for row in store.export_rows(team="nope")]
    assert JAN not in str(rows)


async def test_waiting_prompts_are_due_or_later_with_the_reason_they_retry(
    store: SqlStore,
) -> None:
    servicedesk = await team(store)
    infra = await team(store, "infra")

    async def pending(ticket: str) -> int:
        asked = await close_conversation(store, closed(ticket, f"{ticket}@example.com"),
                                         ask_now, now=T0)
        assert asked.prompt is not None
        return asked.prompt.id

    await pending("a")
    held, retried = await pending("b"), await pending("c")
    await store.reschedule_prompt(held, next_attempt_at=T0 + DAY, failed_attempt=False,
                                  reason=None)
    await store.reschedule_prompt(retried, next_attempt_at=T0 + DAY, failed_attempt=True,
                                  reason="rate_limited")
    await sent_prompt(store, "d", "d@example.com")  # delivered: not waiting
    found = await store.waiting(now=T0 + timedelta(hours=2), team_ids=[servicedesk.id, infra.id])
    assert found == {
        servicedesk.id: Waiting(due=1, later=2, retrying={"rate_limited": 1}),
        infra.id: Waiting(),
    }
    assert (await store.waiting(now=T0 + 2 * DAY, team_ids=[servicedesk.id]))[
        servicedesk.id].due == 3
