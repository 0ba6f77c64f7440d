"""Asking: one stored decision per closed conversation, with its reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.errors import UnknownTeam
from bot.domain.events import ConversationReopened
from bot.domain.identity import PersonIdentity
from bot.domain.model import PromptStatus, SkipReason
from bot.flows.asking import conversation_reopened
from bot.services import Services
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN, Close


async def test_a_closed_conversation_stores_a_pending_prompt(close: Close) -> None:
    outcome = await close("T-1")
    assert outcome.created
    assert outcome.prompt.status is PromptStatus.PENDING
    assert outcome.prompt.reason is None


async def test_the_same_close_twice_asks_once(close: Close) -> None:
    first = await close("T-1")
    again = await close("T-1")
    assert not again.created
    assert again.prompt.id == first.prompt.id


async def test_the_same_ticket_id_from_another_source_is_another_conversation(
    close: Close, clock: FakeClock
) -> None:
    await close("T-1", "jan@example.com")
    clock.advance(days=15)
    other = await close("T-1", "jan@example.com", source="zendesk")
    assert other.created and other.prompt.status is PromptStatus.PENDING


async def test_an_unknown_team_is_refused_not_created(close: Close, services: Services) -> None:
    with pytest.raises(UnknownTeam, match="no team called 'nope'"):
        await close("T-1", team="nope")
    assert await services.store.get_team("nope") is None


async def test_cooldown_holds_across_teams(close: Close, clock: FakeClock) -> None:
    await close("T-1", team="servicedesk")
    clock.advance(days=3)
    second = await close("T-2", team="infra", agent=None)
    assert second.prompt.status is PromptStatus.SKIPPED
    assert second.prompt.reason == SkipReason.COOLDOWN
    clock.advance(days=12)
    third = await close("T-3", team="infra", agent=None)
    assert third.prompt.status is PromptStatus.PENDING


async def test_always_ask_bypasses_the_cooldown(close: Close, clock: FakeClock) -> None:
    await close("T-1")
    clock.advance(hours=2)
    incident = await close("T-2", always_ask=True)
    assert incident.prompt.status is PromptStatus.PENDING


async def test_agents_and_excluded_people_are_not_asked(close: Close, services: Services) -> None:
    staff = await close("T-1", "piet@example.com", team="infra", agent=None)
    assert staff.prompt.reason == SkipReason.IS_AGENT
    await services.store.add_exclusion("@contractor.example", actor=ADMIN, at=services.clock.now())
    excluded = await close("T-2", "kim@contractor.example")
    assert excluded.prompt.reason == SkipReason.EXCLUDED


async def test_opted_out_people_are_not_asked(close: Close, services: Services) -> None:
    person = await services.store.upsert_person(PersonIdentity(email="jan@example.com"))
    await services.store.set_opted_out(person.id, True, at=services.clock.now())
    outcome = await close("T-1", always_ask=True)
    assert outcome.prompt.reason == SkipReason.OPTED_OUT


async def test_reopen_withdraws_and_a_later_close_asks_again(
    close: Close, services: Services, clock: FakeClock
) -> None:
    first = await close("T-1")
    reopened = await conversation_reopened(
        services, ConversationReopened("generic", "T-1", clock.now())
    )
    assert reopened.withdrawn is not None and reopened.withdrawn.id == first.prompt.id
    withdrawn = await services.store.get_prompt(first.prompt.id)
    assert withdrawn is not None
    assert (withdrawn.status, withdrawn.reason) == (PromptStatus.SKIPPED, SkipReason.REOPENED)
    clock.advance(days=1)
    second = await close("T-1")
    assert second.created and second.prompt.round == 2
    assert second.prompt.status is PromptStatus.PENDING


async def test_reopen_of_an_unknown_ticket_is_harmless(
    services: Services, clock: FakeClock
) -> None:
    outcome = await conversation_reopened(
        services, ConversationReopened("generic", "nope", clock.now())
    )
    assert not outcome.found and outcome.withdrawn is None


async def test_send_delay_is_stored_as_the_due_time(
    close: Close, services: Services, clock: FakeClock
) -> None:
    await services.store.update_team(
        "servicedesk", {"send_delay_minutes": 45}, actor=ADMIN, at=clock.now()
    )
    outcome = await close("T-1")
    assert outcome.prompt.next_attempt_at == clock.now() + timedelta(minutes=45)
