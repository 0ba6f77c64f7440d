"""Relationship pulse (bot.flows.pulse): who is asked and who is left out, one open pulse per
team, answers kept apart from the team's ratings, and the digest of the week it closes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.commands import parse
from bot.domain.errors import InvalidValue, UnknownTeam
from bot.domain.identity import PersonIdentity
from bot.domain.model import PromptStatus
from bot.domain.tallies import PromptTally
from bot.domain.weeks import IsoWeek
from bot.flows import admin
from bot.flows.command_handlers import Caller, CommandContext, execute
from bot.flows.digest import weekly_digest
from bot.flows.interactions import answering, commenting, opting
from bot.flows.pulse import PulseStarted, pulse_reply, start_pulse
from bot.flows.reporting import team_stats
from bot.flows.retention import apply_retention, preview_retention
from bot.services import Services
from storage.schema import follow_ups, prompts, pulse_answers, ratings
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN, Close
from tests.flows.delivery_support import Rounds

EVA = PersonIdentity(email="eva@example.com")


async def recent_requesters(close: Close, services: Services, clock: FakeClock) -> None:
    """Tickets of servicedesk over the last months (the clock starts on Tue 24 Nov 2026):

    old@ 97 days ago; eva 87 days ago (asked then, long out of the cooldown); jan, bob,
    piet (an agent) and a contractor 2 days ago; ina with infra. Bob opted out since;
    contractors are excluded.
    """
    await close("T-0", "old@example.com")
    clock.advance(days=10)
    await close("T-1", "eva@example.com")
    await Rounds(services).run_once()
    clock.advance(days=85)
    for ticket, email in (("T-2", "jan@example.com"), ("T-3", "bob@example.com"),
                          ("T-4", "piet@example.com"), ("T-5", "kim@contractor.example")):
        await close(ticket, email, agent=None)
    await close("T-6", "ina@example.com", team="infra")
    await opting.opt(services, PersonIdentity(email="bob@example.com"), opted_out=True)
    await services.store.add_exclusion("@contractor.example", actor=ADMIN, at=clock.now())
    clock.advance(days=2)  # Monday 1 March 2027, 10:00 UTC


async def test_asks_the_recent_requesters_the_rules_allow_and_counts_who_was_left_out(
    close: Close, services: Services, clock: FakeClock, chat: FakeChat,
) -> None:
    await recent_requesters(close, services, clock)
    started = await start_pulse(services, "servicedesk", actor=ADMIN)
    assert (started.found, started.asked) == (5, 1)  # old@ and ina@ are not candidates
    assert started.left_out == {"cooldown": 1, "opted_out": 1, "agent": 1, "excluded": 1}
    assert started.pulse is not None
    assert started.pulse.closes_at == clock.now() + timedelta(days=14)
    reply = pulse_reply(started)
    assert reply == (
        "Started a pulse for `servicedesk`: 1 of 5 people who had a conversation with it in "
        "the last 90 days will be asked. It closes on 2027-03-15.\n"
        "Left out: 1 opted out, 1 asked recently (cooldown), 1 IT staff, 1 excluded, 0 no "
        "longer known."
    )
    assert "eva" not in reply and "jan" not in reply  # counts, never names

    await Rounds(services).run_once()
    [prompt] = [p for p in chat.sent if p.pulse]
    assert prompt.recipient.email == EVA.email
    assert prompt.question == "How likely are you to recommend Service Desk to a colleague?"
    assert prompt.scale.value == "nps"
    assert (prompt.agent_name, prompt.subject, prompt.ticket_id) == (None, None, None)


async def test_a_longer_look_back_and_the_admins_own_question(
    close: Close, services: Services, clock: FakeClock, chat: FakeChat,
) -> None:
    await recent_requesters(close, services, clock)
    started = await start_pulse(services, "servicedesk", days=120, question="  Are we easy "
                                "to work with?  ", actor=ADMIN)
    assert (started.found, started.asked) == (6, 2)
    await Rounds(services).run_once()
    asked = sorted(p.recipient.email or "" for p in chat.sent if p.pulse)
    assert asked == ["eva@example.com", "old@example.com"]
    assert {p.question for p in chat.sent if p.pulse} == {"Are we easy to work with?"}


async def test_the_pulse_prompt_counts_as_an_ask_for_the_cooldown(
    close: Close, services: Services, clock: FakeClock, chat: FakeChat,
) -> None:
    await recent_requesters(close, services, clock)
    await start_pulse(services, "servicedesk", actor=ADMIN)
    await Rounds(services).run_once()
    clock.advance(hours=1)
    outcome = await close("T-7", "eva@example.com", team="infra")
    assert outcome.prompt is not None and outcome.prompt.status is PromptStatus.SKIPPED
    assert outcome.prompt.reason == "cooldown"


async def test_one_open_pulse_per_team_and_a_clear_refusal(
    close: Close, services: Services, clock: FakeClock,
) -> None:
    await recent_requesters(close, services, clock)
    await start_pulse(services, "servicedesk", actor=ADMIN)
    clock.advance(days=3)
    with pytest.raises(InvalidValue, match="already has a pulse running; it closes on "
                                           "2027-03-15"):
        await start_pulse(services, "servicedesk", days=30, actor=ADMIN)
    other = await start_pulse(services, "infra", actor=ADMIN)  # not refused: another team
    assert other.left_out == {"cooldown": 1}  # ina was asked about her ticket 5 days ago
    clock.advance(days=11)  # the first one has closed
    again = await start_pulse(services, "servicedesk", days=365, actor=ADMIN)
    assert again.pulse is not None


async def test_nobody_to_ask_stores_no_pulse_and_bad_input_is_refused(
    services: Services,
) -> None:
    nobody = await start_pulse(services, "servicedesk", actor=ADMIN)
    assert nobody == PulseStarted(nobody.team, 90, 0, 0, {}, None)
    assert pulse_reply(nobody).startswith("No pulse was started for `servicedesk`")
    with pytest.raises(InvalidValue, match="from 1 to 3650"):
        await start_pulse(services, "servicedesk", days=0, actor=ADMIN)
    with pytest.raises(UnknownTeam):
        await start_pulse(services, "nosuchteam", actor=ADMIN)
    with pytest.raises(InvalidValue, match="at most 300 characters"):
        await start_pulse(services, "servicedesk", question="x" * 301, actor=ADMIN)


async def test_an_answer_is_stored_apart_alerts_nobody_and_stays_out_of_the_team_score(
    close: Close, services: Services, clock: FakeClock, chat: FakeChat,
    store_engine: AsyncEngine,
) -> None:
    await recent_requesters(close, services, clock)
    await start_pulse(services, "servicedesk", actor=ADMIN)
    await Rounds(services).run_once()
    [prompt] = [p for p in chat.sent if p.pulse]
    before = await team_stats(services, team="servicedesk", weeks=20)
    view = await answering.answer(services, prompt.prompt_id, EVA, 2, None)
    assert view.update is not None and view.update.score == 2 and view.problem is None
    receipt = view.update.receipt
    commented = await commenting.comment(services, prompt.prompt_id, EVA, "Slow lately",
                                         receipt)
    assert commented.update is not None and commented.update.comment == "Slow lately"
    changed = await answering.answer(services, prompt.prompt_id, EVA, 6, receipt)
    assert changed.update is not None and changed.update.score == 6
    async with store_engine.connect() as connection:
        stored = (await connection.execute(sa.select(pulse_answers))).all()
        rated = await connection.scalar(sa.select(sa.func.count()).select_from(ratings))
        opened = await connection.scalar(sa.select(sa.func.count()).select_from(follow_ups))
        status = await connection.scalar(
            sa.select(prompts.c.status).where(prompts.c.id == prompt.prompt_id))
    assert [(row.score, row.comment) for row in stored] == [(6, "Slow lately")]
    assert stored[0].person_id is not None  # the team is identified
    assert (rated, opened, status) == (0, 0, "answered")
    assert chat.posts == []  # a detractor's pulse answer alerts nobody
    after = await team_stats(services, team="servicedesk", weeks=20)
    assert after[0].score == before[0].score
    assert after[0].prompts == before[0].prompts  # its prompt is not a ticket's


async def test_the_digest_of_the_week_it_closes_shows_it_beside_the_ticket_score(
    close: Close, services: Services, clock: FakeClock, chat: FakeChat,
) -> None:
    await recent_requesters(close, services, clock)
    started = await start_pulse(services, "servicedesk", days=120, actor=ADMIN)
    assert started.pulse is not None
    await Rounds(services).run_once()
    for prompt in (p for p in chat.sent if p.pulse):
        await answering.answer(services, prompt.prompt_id,
                               PersonIdentity(email=prompt.recipient.email), 10, None)
    team = await services.store.get_team("servicedesk")
    assert team is not None
    closing_week = IsoWeek.last_complete(started.pulse.closes_at + timedelta(days=7), "UTC")
    digest = await weekly_digest(services, team, closing_week)
    assert digest.pulse is not None
    assert (digest.pulse.asked, digest.pulse.score.n, digest.pulse.score.value) == (2, 2, 100)
    week_before = await weekly_digest(services, team, closing_week.shift(-1))
    assert week_before.pulse is None
    started_week = await weekly_digest(services, team, closing_week.shift(-2))
    assert started_week.pulse is None
    assert started_week.prompts == PromptTally()  # the pulse's prompts are not the tickets'


async def test_the_command_runs_it_for_admins_only(
    close: Close, services: Services, clock: FakeClock,
) -> None:
    await recent_requesters(close, services, clock)
    ctx = CommandContext(services, env_admins=("boss@example.com",), locale="nl")
    boss = Caller(PersonIdentity(email="boss@example.com"), "test:boss")
    someone = Caller(PersonIdentity(email="jan@example.com"), "test:jan")
    refused = await execute(ctx, parse("pulse servicedesk"), someone)
    assert refused.refused
    reply = await execute(ctx, parse("pulse servicedesk days=120 Zijn we goed bereikbaar?"),
                          boss)
    assert not reply.refused
    assert reply.text.startswith("Peiling voor `servicedesk` gestart: 2 van de 6 mensen")
    assert "Niet gevraagd: 1 afgemeld" in reply.text
    again = await execute(ctx, parse("pulse servicedesk"), boss)
    assert again.refused and "heeft al een lopende peiling; die sluit op 2027-03-15" in again.text


async def test_forgetting_someone_and_retention_keep_the_answer_without_a_person(
    close: Close, services: Services, clock: FakeClock, chat: FakeChat,
    store_engine: AsyncEngine,
) -> None:
    await recent_requesters(close, services, clock)
    await start_pulse(services, "servicedesk", days=120, actor=ADMIN)
    await Rounds(services).run_once()
    for prompt in (p for p in chat.sent if p.pulse):
        await answering.answer(services, prompt.prompt_id,
                               PersonIdentity(email=prompt.recipient.email), 8, None)
    eva = await services.store.find_person(email=EVA.email)
    assert eva is not None
    own = await services.store.personal_data(eva.id)  # her data export lists her answer
    assert own is not None and own.ratings == []
    assert [(a.team, a.scale, a.score) for a in own.pulse_answers] == [("servicedesk", "nps", 8)]
    await admin.forget(services, EVA.email or "", actor=ADMIN)

    async def linked() -> list[tuple[bool, bool, int]]:
        async with store_engine.connect() as connection:
            rows = await connection.execute(sa.select(pulse_answers).order_by(
                pulse_answers.c.score, pulse_answers.c.person_id))
            return sorted((row.person_id is not None, row.prompt_id is not None, row.score)
                          for row in rows)

    assert await linked() == [(False, True, 8), (True, True, 8)]  # Eva's is kept, unnamed
    clock.advance(days=3 * 365)
    report = await apply_retention(services)
    assert report is not None and report.total > 0
    assert await linked() == [(False, False, 8), (False, False, 8)]  # the prompts went


async def test_a_pulse_answers_comment_goes_at_the_teams_comment_limit(
    close: Close, services: Services, clock: FakeClock, chat: FakeChat,
    store_engine: AsyncEngine,
) -> None:
    await recent_requesters(close, services, clock)
    await admin.set_team_option(services, "servicedesk", "retention-comments", "6",
                                actor=ADMIN)
    await start_pulse(services, "servicedesk", actor=ADMIN)
    await Rounds(services).run_once()
    [prompt] = [p for p in chat.sent if p.pulse and p.recipient.email == EVA.email]
    view = await answering.answer(services, prompt.prompt_id, EVA, 4, None)
    assert view.update is not None
    await commenting.comment(services, prompt.prompt_id, EVA, "Slow lately",
                             view.update.receipt)

    async def comments() -> list[str | None]:
        async with store_engine.connect() as connection:
            return list((await connection.execute(sa.select(pulse_answers.c.comment)))
                        .scalars())

    clock.advance(days=150)
    assert (await preview_retention(services)).total == 0
    clock.advance(days=40)  # past six months
    assert (await preview_retention(services)).total == 1
    assert await comments() == ["Slow lately"]  # a dry run removes nothing
    report = await apply_retention(services)
    assert report is not None and report.total == 1
    assert await comments() == [None]  # the score stays
