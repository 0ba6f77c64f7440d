"""Reminders: one nudge for an unanswered prompt, after the team's delay, in working hours,
never near or after expiry, never twice (bot.flows.reminding)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.digest_text import render_digest
from bot.domain.errors import InvalidValue
from bot.domain.identity import PersonIdentity
from bot.domain.weeks import IsoWeek
from bot.flows.admin import set_team_option
from bot.flows.digest import weekly_digest
from bot.flows.interactions import answering, opting
from bot.flows.reminding import RemindingReport, send_reminders
from bot.services import Policy, Services
from storage.schema import prompts
from tests.conftest import StoreFactory
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN, Close
from tests.flows.delivery_support import Rounds

JAN = PersonIdentity(email="jan@example.com")


async def sent_prompt(close: Close, services: Services) -> int:
    """A prompt delivered to Jan on Tuesday 10:00 UTC (the fake clock's start); its id."""
    outcome = await close("T-1")
    await Rounds(services).run_once()
    return outcome.prompt.id


async def test_one_reminder_after_two_days_pointing_at_the_prompt_and_never_another(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock,
    store_engine: AsyncEngine,
) -> None:
    prompt_id = await sent_prompt(close, services)
    sent_at = clock.now()
    clock.advance(days=2, seconds=-1)
    assert (await send_reminders(services)).sent == 0
    clock.advance(seconds=1)
    report = await send_reminders(services)
    assert report.sent == 1 and report.failed == 0
    [(prompt, ref)] = chat.reminders
    assert prompt.prompt_id == prompt_id and ref == "test-msg-1"
    assert prompt.recipient.email == JAN.email and prompt.subject == "Subject of T-1"
    assert prompt.expires_at == sent_at + timedelta(days=7)  # the expiry it was sent with
    clock.advance(days=1)
    assert (await send_reminders(services)).sent == 0
    assert len(chat.reminders) == 1
    async with store_engine.connect() as connection:
        reminded = await connection.scalar(
            sa.select(prompts.c.reminded_at).where(prompts.c.id == prompt_id)
        )
    assert reminded == sent_at + timedelta(days=2)


async def test_the_delay_is_the_teams_own(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    team = await set_team_option(services, "servicedesk", "reminder", "36h", actor=ADMIN)
    assert team.reminder_minutes == 36 * 60
    await sent_prompt(close, services)
    clock.advance(hours=35)
    assert (await send_reminders(services)).sent == 0
    clock.advance(hours=1)  # Wednesday 22:00 UTC: after hours, so it waits
    assert await send_reminders(services) == RemindingReport(sent=0, failed=0, waiting=1)
    clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))  # Thursday 08:00: the day opens
    assert (await send_reminders(services)).sent == 1


async def test_a_reminder_waits_for_the_persons_own_working_hours(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    await sent_prompt(close, services)
    await services.store.upsert_person(replace(JAN, timezone="America/New_York"))
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))  # Thursday 07:00 in New York
    report = await send_reminders(services)
    assert report.sent == 0 and report.waiting == 1
    clock.set(datetime(2026, 11, 26, 13, 0, tzinfo=UTC))  # 08:00 in New York
    assert (await send_reminders(services)).sent == 1


async def test_no_reminder_when_the_prompt_expires_within_hours_or_has_expired(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    await set_team_option(services, "servicedesk", "expiry", "2", actor=ADMIN)
    await set_team_option(services, "servicedesk", "reminder", "46h", actor=ADMIN)
    await sent_prompt(close, services)
    clock.advance(hours=46)  # Thursday 08:00: in hours, but it expires at 10:00
    assert (await send_reminders(services)).sent == 0
    clock.advance(hours=3)
    await Rounds(services).run_once()  # expires it
    assert (await send_reminders(services)).sent == 0
    assert chat.reminders == []


async def test_an_answered_prompt_is_not_reminded_of(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    prompt_id = await sent_prompt(close, services)
    clock.advance(hours=3)
    view = await answering.answer(services, prompt_id, JAN, 9, None)
    assert view.update is not None and view.update.score == 9
    clock.advance(days=2)
    assert (await send_reminders(services)).sent == 0
    assert chat.reminders == []


async def test_a_team_with_reminders_off_sends_none(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    team = await set_team_option(services, "servicedesk", "reminder", "off", actor=ADMIN)
    assert team.reminder_minutes == 0
    await sent_prompt(close, services)
    clock.advance(days=3)
    assert (await send_reminders(services)).sent == 0
    assert chat.reminders == []


async def test_opting_out_after_the_prompt_went_out_cancels_its_reminder(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    await sent_prompt(close, services)
    clock.advance(hours=1)
    await opting.opt(services, JAN, opted_out=True)
    clock.advance(days=2)
    assert (await send_reminders(services)).sent == 0
    assert chat.reminders == []


async def test_a_failed_reminder_is_not_tried_again(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    await sent_prompt(close, services)
    clock.advance(days=2)
    chat.fail_reminders = True
    assert (await send_reminders(services)).failed == 1
    chat.fail_reminders = False
    clock.advance(minutes=5)
    assert (await send_reminders(services)).sent == 0  # at most once: better than nagging
    assert chat.reminders == []


async def test_two_workers_racing_send_one_reminder(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock,
    store_factory: StoreFactory,
) -> None:
    await sent_prompt(close, services)
    for ticket in ("T-2", "T-3"):
        outcome = await close(ticket, f"{ticket.lower()}@example.com")
        assert outcome.prompt is not None
    await Rounds(services).run_once()
    clock.advance(days=2)
    other_chat = FakeChat()
    other = Services(store=await store_factory(), clock=clock, policy=Policy(),
                     chats=(other_chat,), rng=random.Random(2))
    first, second = await asyncio.gather(send_reminders(services), send_reminders(other))
    assert first.sent + second.sent == 3
    reminded = [p.prompt_id for p, _ in chat.reminders + other_chat.reminders]
    assert len(reminded) == len(set(reminded)) == 3


@pytest.mark.parametrize("value", ["sometimes", "30m", "31d", "2w", ""])
async def test_a_reminder_delay_it_cannot_read_is_refused_with_what_is_allowed(
    services: Services, value: str
) -> None:
    with pytest.raises(InvalidValue, match="not a valid reminder"):
        await set_team_option(services, "servicedesk", "reminder", value, actor=ADMIN)


async def test_people_outside_their_hours_never_hide_those_within_theirs(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock
) -> None:
    """Read a page at a time: a page full of people still asleep is not the whole round."""
    sleepers = [f"ny{index}@example.com" for index in range(5)]
    for index, email in enumerate([*sleepers, "jan@example.com"]):
        await close(f"T-{index}", email)
    await Rounds(services).run_once()
    for email in sleepers:
        await services.store.upsert_person(
            PersonIdentity(email=email, timezone="America/New_York"))
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))  # Thursday 07:00 in New York
    report = await send_reminders(services, limit=2)
    assert report == RemindingReport(sent=1, failed=0, waiting=5)
    assert [prompt.recipient.email for prompt, _ in chat.reminders] == ["jan@example.com"]
    clock.set(datetime(2026, 11, 26, 13, 0, tzinfo=UTC))  # 08:00 in New York
    assert (await send_reminders(services, limit=2)).sent == 5


@pytest.mark.parametrize("anonymity", ["identified", "anonymous"])
async def test_the_digest_counts_the_weeks_reminders_and_the_answers_after_them(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock, anonymity: str
) -> None:
    await set_team_option(services, "servicedesk", "anonymity", anonymity, actor=ADMIN)
    first = await sent_prompt(close, services)
    await close("T-2", "kim@example.com")
    await close("T-3", "lou@example.com")
    await Rounds(services).run_once()
    clock.advance(days=2)
    assert (await send_reminders(services)).sent == 3
    await answering.answer(services, first, JAN, 9, None)
    team = await services.store.get_team("servicedesk")
    assert team is not None
    digest = await weekly_digest(services, team, IsoWeek.containing(clock.now().date()))
    assert digest.prompts.reminded == 3
    [responses] = [line for line in render_digest(digest).splitlines()
                   if line.startswith("Responses:")]
    if anonymity == "anonymous":  # its prompts keep no answer: nothing is said
        assert responses.endswith("answered")
        return
    assert digest.prompts.answered_after_reminder == 1
    assert responses.endswith("· 3 reminded, 1 answered after it")
    nl = render_digest(replace(digest, locale="nl"))
    assert "3 herinnerd, 1 daarna beantwoord" in nl


async def test_an_anonymous_answer_is_not_reminded_of_though_the_prompt_keeps_no_trace(
    close: Close, services: Services, chat: FakeChat, clock: FakeClock,
    store_engine: AsyncEngine,
) -> None:
    await set_team_option(services, "servicedesk", "anonymity", "anonymous", actor=ADMIN)
    answered = await sent_prompt(close, services)
    await close("T-2", "kim@example.com")
    await Rounds(services).run_once()
    await answering.answer(services, answered, JAN, 9, None)
    clock.advance(days=2)
    assert (await send_reminders(services)).sent == 1
    [(prompt, _)] = chat.reminders
    assert prompt.recipient.email == "kim@example.com"
    # Both read "reminded" in the database: it does not tell who answered.
    async with store_engine.connect() as connection:
        reminded = (await connection.execute(sa.select(prompts.c.reminded_at))).scalars().all()
    assert len(reminded) == 2 and None not in reminded
