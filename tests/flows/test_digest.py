"""The weekly digest against a hand-computed fixture, on every engine.

Week 2026-W47 (16-22 Nov) of the Service Desk (NPS, identified):
  ten ratings: 6 promoters, 2 passives, 2 detractors -> NPS +40;
  p = .6, d = .2: variance .8 - .4² = .64, margin 1.96 * 100 * sqrt(.64 / 10) = 49.6 -> ± 50.
Baseline W43-W46 pooled: 20 ratings, 4 promoters, 6 passives, 10 detractors -> NPS -30;
  variance .7 - .3² = .61, margin 196 * sqrt(.61 / 20) = 34.2 -> ± 34.
Change: both periods pooled, 10 / 8 / 12 of 30: s² = .7333 - (-.0667)² = .7289, so the margin
  of the difference is 196 * sqrt(.7289 * (1/10 + 1/20)) = 64.8; +70 > 64.8 -> "up".
Piet rated 8 times (5 / 1 / 2) -> +37.5 -> +38, margin 196 * sqrt(.734375 / 8) = 59.4 -> ± 59.
Kees rated twice: below the minimum of 5 respondents, so no line.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.digest import Digest
from bot.domain.digest_text import render_digest
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity, Team
from bot.domain.scales import Category
from bot.domain.trend import Direction
from bot.domain.weeks import IsoWeek
from bot.flows.digest import weekly_digest
from bot.flows.recording import record_rating
from bot.services import Policy, Services
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN
from tests.flows.digest_support import Rater, store  # noqa: F401

W47 = IsoWeek(2026, 47)
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday of W48


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def rater(services: Services, clock: FakeClock) -> Rater:
    return Rater(services, clock)


async def _team(services: Services, name: str) -> Team:
    team = await services.store.get_team(name)
    assert team is not None
    return team


async def seed(services: Services, clock: FakeClock, chat: FakeChat, rater: Rater) -> None:
    db = services.store
    await db.add_agent("servicedesk", PersonIdentity(email="kees@example.com",
                          display_name="Kees"), actor=ADMIN, at=clock.now())
    # The baseline, W43-W46: per week promoters / passives / detractors 1/1/3, 1/2/2, 1/2/2, 1/1/3.
    for monday, scores in ((19, (9, 7, 3, 4, 6)), (26, (10, 8, 2, 0, 7)),
                           (2, (9, 7, 5, 6, 8)), (9, (10, 7, 1, 2, 3))):
        month = 10 if monday > 15 else 11
        for offset, score in enumerate(scores):
            await rater.rate(at(monday + offset, month=month), score)
    # W47.
    await rater.rate(at(16, 10), 9, comment="Quick and friendly")
    await rater.rate(at(16, 11), 10, comment="Fixed my laptop in minutes", name="Anna Visser")
    bram = await rater.rate(at(17, 10), 3, comment="Took three days to get a reply",
                            name="Bram de Boer")
    await rater.rate(at(17, 11), 7, comment="It was fine", agent="kees@example.com")
    await rater.rate(at(18, 10), 9, agent="kees@example.com")
    await rater.rate(at(18, 11), 10, comment="Great help with the VPN")
    printer = await rater.rate(at(19, 10), 5, comment="Printer still broken")
    await rater.rate(at(19, 11), 8)
    await rater.rate(at(20, 10), 9, comment="Very patient")
    await rater.rate(at(20, 11), 10)
    # Prompts of W47 that were not answered: one sent, one throttled, one opted out, one failed.
    waiting = rater.person()
    await rater.close(at(20, 12), email=waiting)
    await rater.close(at(20, 13), email=waiting)  # asked a few minutes ago: cooldown
    opted = await db.upsert_person(PersonIdentity(email="nee@example.com"))
    await db.set_opted_out(opted.id, True, at=at(20, 13))
    await rater.close(at(20, 14), email="nee@example.com")
    chat.unknown_emails.add("nobody@example.com")
    await rater.close(at(20, 15), email="nobody@example.com")
    # Follow-ups: both detractors alerted; Bram's claimed and resolved by Piet.
    piet = await db.find_person(email="piet@example.com")
    assert piet is not None and bram.follow_up_id and printer.follow_up_id
    await db.claim_follow_up(bram.follow_up_id, piet.id, at=at(18, 9))
    await db.resolve_follow_up(bram.follow_up_id, piet.id, "Called back", at=at(18, 10))
    # Another team, same week: nothing of it may reach the Service Desk's digest.
    for hour in range(8, 15):
        await rater.rate(at(18, hour), 0, team="infra", agent="ops@example.com",
                         comment="INFRA-SECRET outage", name="Olga Infra")
    clock.set(NOW)


@pytest.fixture
async def digest(services: Services, clock: FakeClock, chat: FakeChat, rater: Rater) -> Digest:
    await seed(services, clock, chat, rater)
    return await weekly_digest(services, await _team(services, "servicedesk"))


async def test_the_week_is_the_last_complete_one(digest: Digest) -> None:
    assert digest.week == W47
    assert digest.since == datetime(2026, 11, 16, tzinfo=UTC)
    assert digest.until == datetime(2026, 11, 23, tzinfo=UTC)


async def test_score_margin_and_categories_match_the_hand_computation(digest: Digest) -> None:
    score = digest.score
    assert (score.n, score.promoters, score.passives, score.detractors) == (10, 6, 2, 2)
    assert score.value == pytest.approx(40.0)
    assert score.margin == pytest.approx(1.96 * 100 * (0.64 / 10) ** 0.5)
    assert score.text == "+40 ± 50"


async def test_the_change_against_the_previous_four_weeks_is_up(digest: Digest) -> None:
    change = digest.change
    assert change.baseline.n == 20 and change.baseline.text == "-30 ± 34"
    assert change.delta == pytest.approx(70.0)
    variance = 22 / 30 - (2 / 30) ** 2
    assert change.margin == pytest.approx(196 * (variance * (1 / 10 + 1 / 20)) ** 0.5)
    assert change.margin == pytest.approx(64.81, abs=0.01)
    assert change.direction is Direction.UP


async def test_the_trend_starts_at_the_first_week_with_ratings_as_the_chart_does(
    digest: Digest,
) -> None:
    assert len(digest.history) == 12 and str(digest.history[0].week) == "2026-W36"
    assert [p.score.value for p in digest.history[-8:]] == [
        None, None, None, pytest.approx(-40), pytest.approx(-20), pytest.approx(-20),
        pytest.approx(-40), pytest.approx(40),
    ]
    assert [str(p.week) for p in digest.trend] == [f"2026-W{w}" for w in range(43, 48)]
    assert digest.sparkline == "▁▃▃▁█"


async def test_prompts_not_asked_and_failures(digest: Digest) -> None:
    assert digest.responses == 10
    assert digest.prompts.sent == 11 and digest.prompts.answered == 10
    assert digest.response_rate == pytest.approx(10 / 11)
    assert digest.not_asked == [("cooldown", 1), ("opted_out", 1)]
    assert digest.failures == [("the ratebot app is not installed for this person", 1)]


async def test_comments_newest_detractors_first_then_praise(digest: Digest) -> None:
    assert [(c.text, c.category, c.author) for c in digest.comments] == [
        ("Printer still broken", Category.DETRACTOR, None),
        ("Took three days to get a reply", Category.DETRACTOR, "Bram de Boer"),
        ("Very patient", Category.PROMOTER, None),
        ("Great help with the VPN", Category.PROMOTER, None),
        ("Fixed my laptop in minutes", Category.PROMOTER, "Anna Visser"),
    ]


async def test_follow_ups_and_the_closed_loop_share(digest: Digest) -> None:
    counts = digest.follow_ups
    assert (counts.opened, counts.claimed, counts.resolved) == (2, 1, 1)
    assert digest.closed_loop_share == pytest.approx(0.5)
    assert counts.median_to_resolve == timedelta(hours=24)  # Bram's: rated 17th, resolved 18th


async def test_a_follow_up_counts_in_its_ratings_week_even_when_it_opened_later(
    services: Services, clock: FakeClock, rater: Rater
) -> None:
    async def rate(email: str, when: datetime, score: int) -> tuple[int, str]:
        prompt_id = await rater.close(when, email=email, team="infra")
        rated = await record_rating(services, prompt_id, PersonIdentity(email=email), score)
        return prompt_id, rated.receipt

    # Rated in W46, turned detractor in W47: W46's follow-up, not W47's.
    earlier = await rate("early@example.com", at(12, 10), 9)
    # Rated in W47, turned detractor in W48 (after the week, before the digest): W47's.
    later = await rate("late@example.com", at(18, 10), 10)
    # Rated a detractor in W47.
    await rate("low@example.com", at(19, 10), 1)
    for email, (prompt_id, receipt), changed in (
        ("early@example.com", earlier, at(17, 9)), ("late@example.com", later, at(23, 9)),
    ):
        clock.set(changed)
        turned = await record_rating(services, prompt_id, PersonIdentity(email=email), 2,
                                     receipt=receipt)
        assert turned.follow_up_id is not None
    clock.set(NOW)
    digest = await weekly_digest(services, await _team(services, "infra"))
    assert digest.score.n == 2 and digest.score.detractors == 2
    assert digest.follow_ups.opened == 2


async def test_agents_below_the_minimum_of_respondents_get_no_line(digest: Digest) -> None:
    assert [(a.agent, a.respondents, a.score.text) for a in digest.agents] == [
        ("Piet", 8, "+38 ± 59"),
    ]


async def test_the_rendered_digest_reads_as_expected(digest: Digest) -> None:
    assert render_digest(digest) == "\n".join([
        "*Service Desk: weekly ratings, 2026-W47 (16–22 Nov 2026)*",
        "NPS +40 ± 50 (n=10) · up 70 points compared with the previous 4 weeks (-30 ± 34)",
        "",
        "Ratings: 6 promoters · 2 passives · 2 detractors",
        "Trend, 5 weeks: ▁▃▃▁█ (-40 to +40)",
        "Responses: 10 · 11 prompts sent, 91% answered",
        "Not asked: 1 throttled, 1 opted out",
        "Delivery failed: 1 (1× the ratebot app is not installed for them)",
        "Follow-ups: 2 opened, 1 claimed, 1 resolved · loop closed for 50% of detractors"
        " · median 24 h from rating to resolved",
        "",
        "*Comments*",
        "> Printer still broken (5, detractor)",
        "> Took three days to get a reply (3, detractor) — Bram de Boer",
        "> Very patient (9, promoter)",
        "> Great help with the VPN (10, promoter)",
        "> Fixed my laptop in minutes (10, promoter) — Anna Visser",
        "",
        "*Per agent (at least 5 respondents)*",
        "• Piet: +38 ± 59 (n=8)",
    ])


async def test_no_digest_mentions_another_team(services: Services, digest: Digest) -> None:
    text = render_digest(digest)
    for foreign in ("INFRA-SECRET", "Olga", "ops@example.com", "Infrastructure", "infra"):
        assert foreign not in text
    infra = await weekly_digest(services, await _team(services, "infra"))
    infra_text = render_digest(infra)
    assert infra.score.n == 7 and infra.score.detractors == 7
    for foreign in ("Service Desk", "Piet", "Kees", "Printer", "Bram", "Anna", "VPN"):
        assert foreign not in infra_text
    assert infra.follow_ups.opened == 7 and infra.prompts.sent == 7


@pytest.mark.parametrize("level", [Anonymity.CONFIDENTIAL, Anonymity.ANONYMOUS])
async def test_hidden_names_in_confidential_and_anonymous_teams(
    services: Services, clock: FakeClock, rater: Rater, level: Anonymity
) -> None:
    await services.store.update_team("infra", {"anonymity": level}, actor=ADMIN, at=clock.now())
    for hour in range(8, 15):
        await rater.rate(at(18, hour), 2 if hour % 2 else 10, team="infra",
                         agent="ops@example.com", comment=f"Comment {hour}", name="Olga Infra")
    clock.set(NOW)
    digest = await weekly_digest(services, await _team(services, "infra"))
    assert digest.score.n == 7 and len(digest.comments) == 5
    assert all(comment.author is None for comment in digest.comments)
    text = render_digest(digest)
    assert "Olga" not in text
    if level is Anonymity.ANONYMOUS:
        assert digest.agents == () and "ops@example.com" not in text
    else:  # agents are staff: confidential hides requesters, not agents
        assert [a.agent for a in digest.agents] == ["ops@example.com"]


async def test_minimum_respondents_is_the_policy_setting(
    services: Services, clock: FakeClock, rater: Rater
) -> None:
    for hour in range(8, 12):
        await rater.rate(at(18, hour), 9)
    clock.set(NOW)
    team = await _team(services, "servicedesk")
    assert (await weekly_digest(services, team)).agents == ()
    lower = Services(store=services.store, clock=clock, policy=Policy(min_respondents=4))
    lines = (await weekly_digest(lower, team)).agents
    assert [(a.agent, a.respondents) for a in lines] == [("Piet", 4)]


async def test_a_week_without_ratings_is_a_short_note(
    services: Services, clock: FakeClock, chat: FakeChat, rater: Rater
) -> None:
    chat.unknown_emails.add("nobody@example.com")
    await rater.close(at(20, 15), email="nobody@example.com")
    clock.set(NOW)
    digest = await weekly_digest(services, await _team(services, "servicedesk"))
    assert digest.is_empty and digest.change.direction is None
    assert render_digest(digest) == "\n".join([
        "*Service Desk: weekly ratings, 2026-W47 (16–22 Nov 2026)*",
        "No ratings this week.",
        "",
        "Responses: 0 · no prompts sent",
        "Delivery failed: 1 (1× the ratebot app is not installed for them)",
    ])


async def test_the_week_follows_the_team_timezone(
    services: Services, clock: FakeClock, rater: Rater
) -> None:
    # Monday 16 Nov 09:00 in Auckland is Sunday 15 Nov 20:00 UTC: W47 there, W46 in UTC.
    await services.store.update_team(
        "servicedesk", {"timezone": "Pacific/Auckland"}, actor=ADMIN, at=clock.now()
    )
    await rater.rate(datetime(2026, 11, 11, 21, 0, tzinfo=UTC), 9)  # Thu 10:00 NZ: W46
    await rater.rate(datetime(2026, 11, 15, 20, 0, tzinfo=UTC), 10)  # Mon 09:00 NZ: W47
    clock.set(datetime(2026, 11, 23, 0, 30, tzinfo=UTC))  # Mon 13:30 in Auckland
    team = await _team(services, "servicedesk")
    digest = await weekly_digest(services, team)
    assert digest.week == W47 and digest.timezone == "Pacific/Auckland"
    assert digest.since == datetime(2026, 11, 15, 11, 0, tzinfo=UTC)
    assert digest.score.n == 1 and digest.score.promoters == 1
