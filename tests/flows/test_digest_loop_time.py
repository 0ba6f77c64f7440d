"""The digest's median time from a detractor's rating to its follow-up resolved, on every
engine, and how the text, Slack and Teams renderings say it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from adapters.slack.render import digest_message
from adapters.teams.digest_card import digest_card
from bot.domain.digest_text import duration_text, render_digest
from bot.domain.identity import PersonIdentity
from bot.domain.messages import DigestMessage
from bot.domain.tallies import FollowUpCounts
from bot.domain.weeks import IsoWeek
from bot.flows.digest import weekly_digest
from bot.flows.interactions import following_up
from bot.services import Services
from tests.fakes.clock import FakeClock
from tests.flows.digest_support import Rater, store  # noqa: F401
from tests.unit.test_digest_render import make_digest

W47 = IsoWeek(2026, 47)
PIET = PersonIdentity(email="piet@example.com", display_name="Piet")


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


async def test_the_median_of_the_weeks_resolved_follow_ups(
    services: Services, clock: FakeClock
) -> None:
    rater = Rater(services, clock)
    # Three detractors of W47, resolved after 2 h, 30 h and 5 h; a fourth left open, and a
    # promoter (no follow-up). Median of 2, 5 and 30 hours: 5 hours.
    took = {16: 2, 17: 30, 18: 5}
    for day, hours in took.items():
        rated = await rater.rate(at(day), 2)
        assert rated.follow_up_id is not None
        clock.set(at(day) + timedelta(hours=hours))
        await following_up.resolve(services, rated.follow_up_id, PIET, None)
    await rater.rate(at(19), 3)
    await rater.rate(at(19, 11), 10)
    clock.set(at(24))
    team = await services.store.get_team("servicedesk")
    assert team is not None
    digest = await weekly_digest(services, team, W47)
    counts = digest.follow_ups
    assert (counts.opened, counts.resolved) == (4, 3)
    assert counts.median_to_resolve == timedelta(hours=5)
    assert ("Follow-ups: 4 opened, 3 claimed, 3 resolved · loop closed for 75% of detractors"
            " · median 5 h from rating to resolved") in render_digest(digest)


async def test_no_resolved_follow_up_no_median(services: Services, clock: FakeClock) -> None:
    rater = Rater(services, clock)
    await rater.rate(at(17), 1)
    clock.set(at(24))
    team = await services.store.get_team("servicedesk")
    assert team is not None
    digest = await weekly_digest(services, team, W47)
    assert digest.follow_ups.median_to_resolve is None
    assert "median" not in render_digest(digest)


@pytest.mark.parametrize(("took", "english", "dutch"), [
    (timedelta(seconds=20), "1 min", "1 min"),
    (timedelta(minutes=42), "42 min", "42 min"),
    (timedelta(hours=3), "3 h", "3 uur"),
    (timedelta(hours=7, minutes=30), "7.5 h", "7,5 uur"),
    (timedelta(hours=47), "47 h", "47 uur"),
    (timedelta(days=3, hours=12), "3.5 days", "3,5 dagen"),
])
def test_durations_in_both_languages(took: timedelta, english: str, dutch: str) -> None:
    assert (duration_text(took, "en"), duration_text(took, "nl")) == (english, dutch)


def test_slack_teams_and_dutch_renderings_carry_the_median() -> None:
    digest = make_digest()
    digest = dataclasses.replace(digest, follow_ups=FollowUpCounts(
        opened=4, claimed=2, resolved=2, median_to_resolve=timedelta(hours=26)))
    slack = str(digest_message(DigestMessage(digest)).blocks)
    teams = str(digest_card(DigestMessage(digest)))
    assert "median 26 h from rating to resolved" in slack
    assert "median 26 h from rating to resolved" in teams
    dutch = render_digest(dataclasses.replace(digest, locale="nl"))
    assert "mediaan 26 uur van beoordeling tot opgelost" in dutch
