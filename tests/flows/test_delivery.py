"""Delivery: each due prompt is sent once, in working hours, with retries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.domain.identity import PersonIdentity
from bot.domain.model import PromptStatus, SkipReason
from bot.flows.delivery import NOT_INSTALLED
from bot.ports.chat import PermanentDeliveryError, TransientDeliveryError
from bot.services import Services
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN, Close
from tests.flows.delivery_support import Rounds


async def status_of(services: Services, prompt_id: int) -> tuple[PromptStatus, str | None]:
    prompt = await services.store.get_prompt(prompt_id)
    assert prompt is not None
    return prompt.status, prompt.reason


async def test_a_due_prompt_is_sent_once_with_everything_to_render_it(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    outcome = await close("T-1")
    rounds = Rounds(services)
    assert await rounds.run_once() == 1
    assert await rounds.run_once() == 0
    [sent] = chat.sent
    assert sent.prompt_id == outcome.prompt.id
    assert sent.recipient.email == "jan@example.com"
    assert sent.team_display_name == "Service Desk"
    assert sent.agent_name == "Piet"
    assert sent.subject == "Subject of T-1" and sent.ticket_id == "T-1"
    assert "Service Desk" in sent.question
    assert sent.expires_at == clock.now() + timedelta(days=7)
    prompt = await services.store.get_prompt(outcome.prompt.id)
    assert prompt is not None
    assert prompt.status is PromptStatus.SENT
    assert prompt.platform == "test" and prompt.message_ref == "test-msg-1"
    assert prompt.attempts == 1


async def test_delivery_waits_for_the_persons_working_hours(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 28, 11, 0, tzinfo=UTC))  # a Saturday
    await services.store.upsert_person(
        PersonIdentity(email="jan@example.com", timezone="America/New_York")
    )
    await close("T-1")
    rounds = Rounds(services)
    await rounds.run_once()
    assert chat.sent == []
    clock.set(datetime(2026, 11, 30, 12, 59, tzinfo=UTC))  # Monday 07:59 in New York
    await rounds.run_once()
    assert chat.sent == []
    clock.set(datetime(2026, 11, 30, 13, 0, tzinfo=UTC))  # 08:00 in New York
    await rounds.run_once()
    assert len(chat.sent) == 1


async def test_rules_are_checked_again_at_send_time(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    await services.store.update_team(
        "servicedesk", {"send_delay_minutes": 60}, actor=ADMIN, at=clock.now()
    )
    outcome = await close("T-1")
    rounds = Rounds(services)
    await rounds.run_once()
    assert chat.sent == []  # not due yet
    person = await services.store.find_person(email="jan@example.com")
    assert person is not None
    await services.store.set_opted_out(person.id, True, at=clock.now())
    clock.advance(minutes=61)
    await rounds.run_once()
    assert chat.sent == []
    assert await status_of(services, outcome.prompt.id) == (
        PromptStatus.SKIPPED, SkipReason.OPTED_OUT.value
    )


async def test_transient_errors_back_off_and_honour_retry_after(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    outcome = await close("T-1")
    chat.fail_next(TransientDeliveryError("rate limited", retry_after=600))
    rounds = Rounds(services)
    await rounds.run_once()
    prompt = await services.store.get_prompt(outcome.prompt.id)
    assert prompt is not None
    assert prompt.status is PromptStatus.PENDING and prompt.attempts == 1
    assert prompt.reason == "rate limited"
    assert prompt.next_attempt_at is not None
    assert prompt.next_attempt_at >= clock.now() + timedelta(seconds=600)
    clock.advance(seconds=599)
    await rounds.run_once()
    assert chat.sent == []
    clock.advance(seconds=2)
    await rounds.run_once()
    assert len(chat.sent) == 1


async def test_backoff_grows_exponentially_with_jitter(services: Services) -> None:
    rounds = Rounds(services, backoff_base=timedelta(seconds=30))
    for attempt, ceiling in [(1, 30), (2, 60), (3, 120), (8, 3600), (20, 3600)]:
        delay = rounds.backoff(attempt, None).total_seconds()
        assert ceiling / 2 <= delay <= ceiling
    assert rounds.backoff(1, 900).total_seconds() == 900


async def test_repeated_transient_errors_end_as_failed(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    services = replace(services, policy=replace(services.policy, max_delivery_attempts=3))
    outcome = await close("T-1")
    chat.fail_next(*(TransientDeliveryError("platform timed out") for _ in range(3)))
    rounds = Rounds(services)
    for _ in range(3):
        await rounds.run_once()
        clock.advance(hours=2)
    status, reason = await status_of(services, outcome.prompt.id)
    assert status is PromptStatus.FAILED
    assert reason == "platform timed out (gave up after 3 attempts)"


async def test_permanent_errors_fail_with_the_reason(
    close: Close, services: Services, chat: FakeChat
) -> None:
    outcome = await close("T-1")
    chat.fail_next(PermanentDeliveryError("account deactivated"))
    await Rounds(services).run_once()
    assert await status_of(services, outcome.prompt.id) == (
        PromptStatus.FAILED, "account deactivated"
    )


async def test_a_person_no_platform_knows_fails_with_a_clear_reason(
    close: Close, services: Services, chat: FakeChat
) -> None:
    chat.unknown_emails.add("jan@example.com")
    outcome = await close("T-1")
    await Rounds(services).run_once()
    assert await status_of(services, outcome.prompt.id) == (PromptStatus.FAILED, NOT_INSTALLED)


async def test_a_second_platform_is_tried_when_the_first_does_not_know_the_person(
    close: Close, services: Services, chat: FakeChat
) -> None:
    chat.unknown_emails.add("jan@example.com")
    teams = FakeChat(platform="teams")
    services = replace(services, chats=(chat, teams))
    outcome = await close("T-1")
    await Rounds(services).run_once()
    assert len(teams.sent) == 1
    prompt = await services.store.get_prompt(outcome.prompt.id)
    assert prompt is not None and prompt.platform == "teams"


async def test_sent_prompts_expire(
    close: Close, services: Services, clock: FakeClock
) -> None:
    outcome = await close("T-1")
    rounds = Rounds(services)
    await rounds.run_once()
    clock.advance(days=7)
    await rounds.run_once()
    assert (await status_of(services, outcome.prompt.id))[0] is PromptStatus.EXPIRED


async def test_a_prompt_that_could_not_go_out_in_time_is_not_sent_late(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    outcome = await close("T-1")
    clock.advance(days=8)
    await Rounds(services).run_once()
    assert chat.sent == []
    assert (await status_of(services, outcome.prompt.id))[0] is PromptStatus.EXPIRED
