"""Retention on every engine: data aged past each limit by the clock, and what still works.

One identified week (2026-W47) of the Service Desk: five ratings (3 promoters, 1 passive,
1 detractor: NPS +40), three with comments; the detractor's follow-up stays open unless
a test resolves it. Plus one close that was skipped (a decision) and one that was sent
and never answered. The defaults keep prompts 13 months, names and comments 24.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from app.delivery_worker import DeliveryWorker
from bot.domain.answers import RatingResult
from bot.domain.identity import PersonIdentity
from bot.domain.model import Team
from bot.domain.retention import AUDIT_ACTION, RetentionKind, RetentionLimits
from bot.domain.weeks import IsoWeek
from bot.flows import admin
from bot.flows.anonymity import release_anonymous_batches
from bot.flows.command_handlers import Caller, CommandContext
from bot.flows.digest import weekly_digest
from bot.flows.interactions import admin_command
from bot.flows.reporting import team_stats
from bot.flows.retention import apply_retention, preview_retention
from bot.services import Policy, Services
from storage.schema import conversations, follow_ups, prompts, ratings
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN, Close
from tests.flows.digest_support import Rater, store  # noqa: F401

W47 = IsoWeek(2026, 47)
SEEDED = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
PAST_PROMPTS = datetime(2028, 1, 5, 10, 0, tzinfo=UTC)  # > 13 months, < 24
PAST_ALL = datetime(2029, 1, 5, 10, 0, tzinfo=UTC)  # > 24 months
K = RetentionKind


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


@pytest.fixture
async def detractor(services: Services, clock: FakeClock) -> RatingResult:
    rater = Rater(services, clock)
    await rater.rate(at(16), 9, comment="Quick and friendly", name="Anna Visser")
    await rater.rate(at(17), 10, comment="Fixed my laptop")
    await rater.rate(at(18), 7)
    await rater.rate(at(19), 10)
    low = await rater.rate(at(20), 2, comment="Took three days")
    unanswered = rater.person()
    await rater.close(at(20, 12), email=unanswered)
    await rater.close(at(20, 13), email=unanswered)  # within the cooldown: skipped
    clock.set(SEEDED)
    return low


async def _team(services: Services, name: str = "servicedesk") -> Team:
    team = await services.store.get_team(name)
    assert team is not None
    return team


async def _count(engine: AsyncEngine, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    async with engine.connect() as connection:
        query = sa.select(sa.func.count()).select_from(table).where(*where)
        return int((await connection.execute(query)).scalar_one())


async def _resolve(services: Services, result: RatingResult) -> None:
    piet = await services.store.find_person(email="piet@example.com")
    assert piet is not None and result.follow_up_id is not None
    await services.store.resolve_follow_up(result.follow_up_id, piet.id, "Called", at=at(21))


async def test_nothing_goes_before_a_limit_and_the_run_is_audited(
    services: Services, detractor: RatingResult
) -> None:
    report = await apply_retention(services)
    assert report is not None and report.total == 0
    (entry,) = [e for e in await services.store.audit_log() if e.action == AUDIT_ACTION]
    assert entry.detail == {"day": "2026-11-24", "removed": {}, "total": 0}


async def test_past_the_prompt_limit_decisions_go_and_scores_names_comments_stay(
    services: Services, clock: FakeClock, detractor: RatingResult, store_engine: AsyncEngine
) -> None:
    before = await weekly_digest(services, await _team(services), W47)
    clock.set(PAST_PROMPTS)
    report = await apply_retention(services)
    assert report is not None
    # The sent-but-unanswered prompt and the skipped one, and their two closes; answered
    # prompts stay while their ratings still name the person.
    assert report.by_kind() == {K.COMMENTS: 0, K.IDENTITIES: 0, K.PROMPTS: 2,
                                K.CONVERSATIONS: 2}
    assert await _count(store_engine, prompts) == 5
    after = await weekly_digest(services, await _team(services), W47)
    assert after.score == before.score and after.score.value == 40
    assert after.comments == before.comments
    assert [c.author for c in after.comments if c.author] == ["Anna Visser"]
    assert after.agents == before.agents


async def test_past_every_limit_scores_stay_and_names_comments_and_prompts_go(
    services: Services, clock: FakeClock, detractor: RatingResult, store_engine: AsyncEngine
) -> None:
    await _resolve(services, detractor)
    before = await weekly_digest(services, await _team(services), W47)
    clock.set(PAST_ALL)
    report = await apply_retention(services)
    assert report is not None
    assert report.by_kind() == {K.COMMENTS: 3, K.IDENTITIES: 5, K.PROMPTS: 7,
                                K.CONVERSATIONS: 7}
    assert await _count(store_engine, prompts) == 0
    assert await _count(store_engine, conversations) == 0
    assert await _count(store_engine, ratings, ratings.c.person_id.is_not(None)
                        | ratings.c.agent_id.is_not(None) | ratings.c.comment.is_not(None)) == 0
    assert await _count(store_engine, follow_ups, follow_ups.c.note.is_not(None)
                        | follow_ups.c.resolved_by.is_not(None)) == 0
    digest = await weekly_digest(services, await _team(services), W47)
    assert (digest.score.n, digest.score.value) == (5, 40)
    assert digest.comments == () and digest.agents == ()
    assert digest.follow_ups == before.follow_ups  # their times stay: the counts hold
    rows = [row async for row in services.store.export_rows(team="servicedesk")]
    assert [row.score for row in rows] == [9, 10, 7, 10, 2]
    assert {(row.comment, row.agent_email, row.requester_email, row.ticket_id)
            for row in rows} == {(None, None, None, None)}
    (stats,) = await team_stats(services, team="servicedesk", weeks=520)
    assert (stats.score.n, stats.score.value) == (5, 40)


async def test_an_open_follow_up_keeps_its_rating_whole_until_resolved(
    services: Services, clock: FakeClock, detractor: RatingResult, store_engine: AsyncEngine
) -> None:
    clock.set(PAST_ALL)
    report = await apply_retention(services)
    assert report is not None
    assert report.by_kind()[K.COMMENTS] == 2 and report.by_kind()[K.IDENTITIES] == 4
    kept = ratings.c.score == 2
    assert await _count(store_engine, ratings, kept, ratings.c.comment == "Took three days",
                        ratings.c.person_id.is_not(None), ratings.c.prompt_id.is_not(None)) == 1
    await _resolve(services, detractor)
    clock.advance(days=1)
    later = await apply_retention(services)
    assert later is not None
    assert later.by_kind() == {K.COMMENTS: 1, K.IDENTITIES: 1, K.PROMPTS: 1, K.CONVERSATIONS: 1}


async def test_a_prompt_still_waiting_to_be_sent_stays(
    services: Services, clock: FakeClock, close: Close, store_engine: AsyncEngine
) -> None:
    await close("T-1")  # no delivery worker runs: pending
    clock.set(PAST_ALL)
    report = await apply_retention(services)
    assert report is not None and report.total == 0
    assert await _count(store_engine, prompts, prompts.c.status == "pending") == 1


async def test_a_sent_prompt_goes_once_expired(
    services: Services, clock: FakeClock, close: Close, store_engine: AsyncEngine
) -> None:
    await close("T-1")
    await DeliveryWorker(services).run_once()
    assert await _count(store_engine, prompts, prompts.c.status == "sent") == 1
    # Still marked sent (nothing expired it) but past its expiry: it is no longer live.
    clock.set(PAST_PROMPTS)
    report = await apply_retention(services)
    assert report is not None and report.by_kind()[K.PROMPTS] == 1


async def test_a_team_keeps_its_own_limits_and_zero_keeps_forever(
    services: Services, clock: FakeClock, detractor: RatingResult, store_engine: AsyncEngine
) -> None:
    await _resolve(services, detractor)
    await admin.set_team_option(services, "servicedesk", "retention-comments", "0", actor=ADMIN)
    await admin.set_team_option(services, "servicedesk", "retention-identities", "6 months",
                                actor=ADMIN)
    await admin.set_team_option(services, "servicedesk", "retention-prompts", "default",
                                actor=ADMIN)
    team = await _team(services)
    assert (team.retention_comment_months, team.retention_identity_months,
            team.retention_prompt_months) == (0, 6, None)
    clock.set(SEEDED + timedelta(days=200))  # past 6 months, not 13
    report = await apply_retention(services)
    assert report is not None
    assert report.by_kind() == {K.COMMENTS: 0, K.IDENTITIES: 5, K.PROMPTS: 0,
                                K.CONVERSATIONS: 0}
    digest = await weekly_digest(services, team, W47)
    assert len(digest.comments) == 3 and {c.author for c in digest.comments} == {None}


async def test_the_dry_run_counts_what_the_run_removes_and_removes_nothing(
    services: Services, clock: FakeClock, detractor: RatingResult, store_engine: AsyncEngine
) -> None:
    await _resolve(services, detractor)
    clock.set(PAST_ALL)
    preview = await preview_retention(services)
    assert preview.dry_run and await _count(store_engine, prompts) == 7
    report = await apply_retention(services)
    assert report is not None
    assert [(t.team, t.counts) for t in preview.teams] == [
        (t.team, t.counts) for t in report.teams
    ]


async def test_one_run_a_day_unless_run_by_hand(
    services: Services, clock: FakeClock, detractor: RatingResult
) -> None:
    assert await apply_retention(services) is not None
    assert await apply_retention(services) is None
    assert await apply_retention(services, by_hand=True, actor="cli:me") is not None
    clock.advance(days=1)
    assert await apply_retention(services) is not None
    actors = [e.actor for e in await services.store.audit_log() if e.action == AUDIT_ACTION]
    assert sorted(actors) == ["cli:me", "retention", "retention"]


async def test_the_audit_entry_holds_counts_and_never_who(
    services: Services, clock: FakeClock, detractor: RatingResult
) -> None:
    await _resolve(services, detractor)
    clock.set(PAST_ALL)
    await apply_retention(services, batch=2)  # small batches: the same totals
    (entry,) = [e for e in await services.store.audit_log() if e.action == AUDIT_ACTION]
    assert entry.detail["removed"] == {"servicedesk": {
        "comments": 3, "identities": 5, "prompts": 7, "conversations": 7,
    }}
    text = repr(entry.detail)
    assert "@" not in text and "Anna" not in text and "Took" not in text


async def test_policy_limits_apply_to_teams_without_their_own(
    services: Services, clock: FakeClock, detractor: RatingResult
) -> None:
    keep_all = Services(store=services.store, clock=clock, policy=Policy(
        retention=RetentionLimits(comment_months=0, identity_months=0, prompt_months=0)))
    clock.set(PAST_ALL)
    report = await apply_retention(keep_all)
    assert report is not None and report.total == 0


async def test_an_admin_sets_a_team_limit_in_chat(services: Services) -> None:
    ctx = CommandContext(services, ("admin@example.com",))
    caller = Caller(PersonIdentity(email="admin@example.com"), actor="slack:admin")
    reply = await admin_command.run(ctx, "team set servicedesk retention-comments 12", caller)
    assert reply.text.startswith("Changed `retention-comments` of `servicedesk`.")
    team = await _team(services)
    assert team.retention_comment_months == 12
    limits = services.policy.retention.for_team(team)
    assert (limits.comment_months, limits.identity_months, limits.prompt_months) == (12, 24, 13)
    refused = await admin_command.run(ctx, "team set servicedesk retention-prompts -1", caller)
    assert "is not a valid retention-prompts" in refused.text


async def test_an_anonymous_team_keeps_its_scores_and_loses_its_comments(
    services: Services, clock: FakeClock, store_engine: AsyncEngine
) -> None:
    await admin.set_team_option(services, "infra", "anonymity", "anonymous", actor=ADMIN)
    rater = Rater(services, clock)
    for hour, score in zip(range(9, 15), (10, 9, 9, 7, 3, 10), strict=True):
        await rater.rate(at(18, hour), score, team="infra", agent=None, comment=f"Said {hour}")
    clock.set(at(19, 1))
    assert (await release_anonymous_batches(services)).released == 6
    team = await _team(services, "infra")
    before = await weekly_digest(services, team, W47)
    assert before.score.n == 6 and before.score.value == 50
    clock.set(PAST_ALL)
    report = await apply_retention(services)
    assert report is not None
    (infra,) = [t for t in report.teams if t.team == "infra"]
    # The detractor's follow-up is still open: its comment stays until it is resolved.
    assert infra.counts[K.COMMENTS] == 5 and infra.counts[K.PROMPTS] == 6
    after = await weekly_digest(services, team, W47)
    assert after.score == before.score
    assert [c.text for c in after.comments] == ["Said 13"]
    assert await _count(store_engine, prompts, prompts.c.team_id == team.id) == 0
