"""Team stats: the window, the scores and the response rate, from the store's aggregates."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.domain.backlog import Waiting
from bot.domain.errors import InvalidValue, UnknownTeam
from bot.domain.model import Team
from bot.domain.scales import Scale
from bot.domain.tallies import PromptTally, Tally
from bot.flows.reporting import team_stats
from bot.services import Services
from tests.fakes.clock import FakeClock

DESK = Team(id=1, name="servicedesk", display_name="Service Desk")
INFRA = Team(id=2, name="infra", display_name="Infrastructure", scale=Scale.CSAT)
QUIET = Team(id=3, name="quiet", display_name="Quiet")


class AggregateStore:
    """Answers the two aggregate queries with fixed counts and remembers the windows asked."""

    def __init__(self) -> None:
        self.windows: list[tuple[str, datetime, datetime, list[int] | None]] = []

    async def list_teams(self) -> list[Team]:
        return [DESK, INFRA, QUIET]

    async def get_team(self, name: str) -> Team | None:
        return {t.name: t for t in (DESK, INFRA, QUIET)}.get(name)

    async def tallies(
        self, *, since: datetime, until: datetime, team_ids: list[int] | None = None
    ) -> dict[int, Tally]:
        self.windows.append(("tallies", since, until, team_ids))
        counts = {1: Tally(10, 5, 3, 2, 83), 2: Tally(20, 15, 3, 2, 80)}
        return {k: v for k, v in counts.items() if team_ids is None or k in team_ids}

    async def prompt_tallies(
        self, *, since: datetime, until: datetime, team_ids: list[int] | None = None
    ) -> dict[int, PromptTally]:
        self.windows.append(("prompts", since, until, team_ids))
        counts = {
            1: PromptTally(sent=16, answered=10, skipped={"cooldown": 4, "opted_out": 1}),
            2: PromptTally(sent=40, answered=20, failed={"channel_not_found": 2}),
        }
        return {k: v for k, v in counts.items() if team_ids is None or k in team_ids}

    async def waiting(self, *, now: datetime, team_ids: list[int]) -> dict[int, Waiting]:
        self.windows.append(("waiting", now, now, team_ids))
        return {1: Waiting(due=2, later=1, retrying={"rate_limited": 1})}


@pytest.fixture
def store() -> AggregateStore:
    return AggregateStore()


@pytest.fixture
def services(store: AggregateStore, clock: FakeClock) -> Services:
    return Services(store=store, clock=clock)  # type: ignore[arg-type]


async def test_every_team_over_the_last_weeks(
    services: Services, store: AggregateStore, clock: FakeClock
) -> None:
    stats = await team_stats(services, team=None, weeks=4)
    assert [s.team.name for s in stats] == ["servicedesk", "infra", "quiet"]
    since = clock.now() - timedelta(weeks=4)
    assert store.windows == [
        ("tallies", since, clock.now(), [1, 2, 3]),
        ("prompts", since, clock.now(), [1, 2, 3]),
        ("waiting", clock.now(), clock.now(), [1, 2, 3]),
    ]
    desk, infra, quiet = stats
    # 5 promoters, 2 detractors of 10: NPS 30, response 10 of 16 delivered
    assert desk.score.value == pytest.approx(30)
    assert desk.response_rate == pytest.approx(10 / 16)
    assert desk.prompts.skipped == {"cooldown": 4, "opted_out": 1}
    # what waits now, whenever it was created; a team without any waits for nothing
    assert desk.waiting == Waiting(due=2, later=1, retrying={"rate_limited": 1})
    # CSAT: 15 of 20 satisfied
    assert infra.score.text == "75% ± 19"
    assert infra.response_rate == pytest.approx(0.5)
    # a team without any traffic has no score and no response rate, not an error
    assert (quiet.score.n, quiet.score.text, quiet.response_rate) == (0, "—", None)
    assert quiet.waiting.total == 0


async def test_one_team(services: Services, store: AggregateStore) -> None:
    stats = await team_stats(services, team="infra", weeks=1)
    assert [s.team.name for s in stats] == ["infra"]
    assert store.windows[0][3] == [2]


async def test_unknown_team(services: Services) -> None:
    with pytest.raises(UnknownTeam, match="'nope'"):
        await team_stats(services, team="nope", weeks=4)


@pytest.mark.parametrize("weeks", [0, -1, 521])
async def test_weeks_out_of_range(services: Services, weeks: int) -> None:
    with pytest.raises(InvalidValue, match="weeks"):
        await team_stats(services, team=None, weeks=weeks)
