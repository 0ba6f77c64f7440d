"""Mutual rating: the agent who closed a conversation rates the request, kept apart."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from app.delivery_worker import DeliveryWorker
from bot.domain.errors import InvalidValue
from bot.domain.events import ConversationReopened
from bot.domain.identity import PersonIdentity
from bot.domain.request_checks import CLARITY, REACH, Clarity, Reach
from bot.flows import admin
from bot.flows.asking import conversation_reopened
from bot.flows.interactions.checking_requests import answer_check
from bot.flows.reporting import team_stats
from bot.flows.request_checks import request_figures, send_request_checks
from bot.ports.chat import TransientDeliveryError
from bot.services import Services
from storage.schema_mutual import request_answers, request_checks
from tests.conftest import StoreFactory
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN, Close

PIET = PersonIdentity(email="piet@example.com")
JAN = PersonIdentity(email="jan@example.com")


async def mutual(services: Services, value: str = "on") -> None:
    await admin.set_team_option(services, "servicedesk", "mutual", value, actor=ADMIN)


async def closed(services: Services, close: Close, ticket: str = "T-1", **extra: object) -> None:
    await close(ticket, **extra)
    await DeliveryWorker(services).run_once()


async def test_off_by_default(services: Services, close: Close, chat: FakeChat) -> None:
    await closed(services, close)
    assert len(chat.sent) == 1  # the requester is asked as always
    assert chat.checks == []


async def test_the_agent_who_closed_it_is_asked_once(
    services: Services, close: Close, chat: FakeChat, clock: FakeClock
) -> None:
    await mutual(services)
    await closed(services, close)
    [check] = chat.checks
    assert check.agent.email == "piet@example.com"
    assert check.team_display_name == "Service Desk"
    assert check.subject == "Subject of T-1"
    assert check.locale == "en"
    assert (check.expires_at - clock.now()).days == 7  # the team's expiry
    await DeliveryWorker(services).run_once()
    assert len(chat.checks) == 1


async def test_a_reopened_conversation_is_not_asked_about_again(
    services: Services, close: Close, chat: FakeChat, clock: FakeClock
) -> None:
    await mutual(services)
    await closed(services, close)
    await conversation_reopened(services, ConversationReopened("generic", "T-1", clock.now()))
    clock.advance(days=1)
    await closed(services, close)
    assert len(chat.checks) == 1


async def test_nobody_is_asked_without_a_known_agent(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await mutual(services)
    await closed(services, close, agent=None)
    await closed(services, close, "T-2", agent="piet@example.com", email="piet@example.com")
    assert chat.checks == []  # no agent; an agent who closed their own request


async def test_an_agent_no_platform_reaches_gets_nothing_and_it_is_not_retried(
    services: Services, close: Close, chat: FakeChat, clock: FakeClock,
    store_engine: AsyncEngine,
) -> None:
    await mutual(services)
    chat.unknown_emails.add("piet@example.com")
    await closed(services, close)
    clock.advance(hours=2)
    await send_request_checks(services)
    assert chat.checks == []
    async with store_engine.connect() as connection:
        status = (await connection.execute(sa.select(request_checks.c.status))).scalar_one()
    assert status == "failed"


async def test_a_platform_failure_is_tried_again_later(
    services: Services, close: Close, chat: FakeChat, clock: FakeClock
) -> None:
    await mutual(services)
    chat.check_failures.append(TransientDeliveryError("down"))
    await closed(services, close)
    assert chat.checks == []
    assert (await send_request_checks(services)).sent == 0  # not yet: it waits a minute
    clock.advance(minutes=1)
    assert (await send_request_checks(services)).sent == 1
    assert len(chat.checks) == 1


async def test_two_workers_send_it_once(
    services: Services, close: Close, chat: FakeChat, store_factory: StoreFactory
) -> None:
    await mutual(services)
    await close("T-1")
    other = replace(services, store=await store_factory())
    reports = await asyncio.gather(send_request_checks(services), send_request_checks(other))
    assert sum(report.sent for report in reports) == 1
    assert len(chat.checks) == 1


async def test_an_answer_is_stored_apart_changeable_and_redrawn(
    services: Services, close: Close, chat: FakeChat, store_engine: AsyncEngine
) -> None:
    await mutual(services)
    await closed(services, close)
    [check] = chat.checks
    view = await answer_check(services, check.check_id, PIET, CLARITY, "partly", None)
    assert view.check is not None and view.check.clarity is Clarity.PARTLY
    receipt = view.check.receipt
    assert receipt
    view = await answer_check(services, check.check_id, PIET, REACH, "no", receipt)
    assert view.check is not None
    assert (view.check.clarity, view.check.reach) == (Clarity.PARTLY, Reach.NOT_EASILY)
    view = await answer_check(services, check.check_id, PIET, CLARITY, "clear", receipt)
    assert view.check is not None and view.check.clarity is Clarity.CLEAR
    async with store_engine.connect() as connection:
        rows = (await connection.execute(sa.select(request_answers))).all()
    [row] = rows
    # Only what the figures count: nothing names the check, the agent or the requester.
    assert set(row._mapping) == {
        "id", "team_id", "day", "clarity", "reach", "receipt_hash", "shuffled"}
    assert (row.clarity, row.reach) == ("clear", "no")
    assert receipt not in str(tuple(row))


async def test_a_first_tap_again_stores_nothing_more(
    services: Services, close: Close, chat: FakeChat, store_engine: AsyncEngine
) -> None:
    await mutual(services)
    await closed(services, close)
    [check] = chat.checks
    await answer_check(services, check.check_id, PIET, CLARITY, "clear", None)
    again = await answer_check(services, check.check_id, PIET, CLARITY, "unclear", None)
    assert again.check is None and again.notice is not None
    async with store_engine.connect() as connection:
        count = await connection.scalar(sa.select(sa.func.count()).select_from(request_answers))
    assert count == 1


async def test_only_the_agent_answers_and_only_until_it_expires(
    services: Services, close: Close, chat: FakeChat, clock: FakeClock
) -> None:
    await mutual(services)
    await closed(services, close)
    [check] = chat.checks
    other = await answer_check(services, check.check_id, JAN, CLARITY, "clear", None)
    assert other.check is None
    assert other.notice == "This question was sent to someone else."
    clock.advance(days=8)
    late = await answer_check(services, check.check_id, PIET, CLARITY, "clear", None)
    assert late.check is not None and late.check.notice == "This question has expired."
    assert late.check.clarity is None


async def test_admins_see_totals_only_above_the_minimum_and_the_score_is_unchanged(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await mutual(services)
    for number in range(1, 6):
        await closed(services, close, f"T-{number}", email=f"user{number}@example.com")
    before = (await team_stats(services, team="servicedesk", weeks=4))[0]
    team_id = before.team.id
    answers = ["clear", "clear", "clear", "partly", "unclear"]
    for check, clarity in zip(chat.checks, answers, strict=True):
        view = await answer_check(services, check.check_id, PIET, CLARITY, clarity, None)
        assert view.check is not None
        if clarity != "unclear":
            await answer_check(services, check.check_id, PIET, REACH, "yes", view.check.receipt)
        if check is chat.checks[3]:
            assert await request_figures(services, [team_id]) == {}  # 4 < 5 respondents
    figures = (await request_figures(services, [team_id]))[team_id]
    assert (figures.clear, figures.partly, figures.unclear, figures.n) == (3, 1, 1, 5)
    assert (figures.reachable, figures.not_reachable) == (4, 0)
    after = (await team_stats(services, team="servicedesk", weeks=4))[0]
    assert after.score == before.score


async def test_forgetting_the_agent_removes_their_checks_not_the_counted_answers(
    services: Services, close: Close, chat: FakeChat, store_engine: AsyncEngine
) -> None:
    await mutual(services)
    await closed(services, close)
    [check] = chat.checks
    await answer_check(services, check.check_id, PIET, CLARITY, "clear", None)
    await admin.forget(services, "piet@example.com", actor=ADMIN)
    async with store_engine.connect() as connection:
        checks = await connection.scalar(sa.select(sa.func.count()).select_from(request_checks))
        answers = await connection.scalar(
            sa.select(sa.func.count()).select_from(request_answers))
    assert (checks, answers) == (0, 1)
    gone = await answer_check(services, check.check_id, PIET, CLARITY, "clear", None)
    assert gone.notice == "This question is no longer available."


@pytest.mark.parametrize(("question", "value"), [(CLARITY, "maybe"), ("mood", "clear")])
async def test_a_button_ratebot_did_not_draw_is_refused(
    services: Services, question: str, value: str
) -> None:
    with pytest.raises(InvalidValue, match="not one of ratebot's"):
        await answer_check(services, 1, PIET, question, value, None)


async def test_a_team_that_turns_it_off_before_the_send_sends_nothing(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await mutual(services)
    await close("T-1")  # opened with the close...
    await mutual(services, "off")  # ...and turned off before the worker came round
    await DeliveryWorker(services).run_once()
    await mutual(services)
    await DeliveryWorker(services).run_once()
    assert chat.checks == []


async def test_the_agents_data_export_lists_what_they_were_asked_about_never_the_answers(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await mutual(services)
    await closed(services, close)
    [check] = chat.checks
    await answer_check(services, check.check_id, PIET, CLARITY, "unclear", None)
    piet = await services.store.find_person(email=PIET.email)
    assert piet is not None
    own = await services.store.personal_data(piet.id)
    assert own is not None
    assert [(c.team, c.ticket, c.status) for c in own.request_checks] == [
        ("servicedesk", "T-1", "sent")]
    assert "unclear" not in repr(own)  # the answer names nobody, so it is nobody's to see
