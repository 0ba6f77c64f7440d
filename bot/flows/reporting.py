"""Team statistics over recent weeks, from the store's SQL aggregates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.backlog import Waiting
from bot.domain.errors import InvalidValue, UnknownTeam
from bot.domain.model import Team
from bot.domain.scores import ScoreSummary, summarize
from bot.domain.tallies import PromptTally, Tally
from bot.services import Services

MAX_WEEKS = 520


@dataclass(frozen=True, slots=True)
class TeamStats:
    team: Team
    since: datetime
    until: datetime
    score: ScoreSummary
    prompts: PromptTally
    waiting: Waiting = field(default_factory=Waiting)  # now, whenever they were created

    @property
    def response_rate(self) -> float | None:
        """Answered / delivered, 0..1; None when nothing was delivered."""
        sent = self.prompts.sent
        return self.prompts.answered / sent if sent else None


async def team_stats(services: Services, *, team: str | None, weeks: int) -> list[TeamStats]:
    """Each team's (or one team's) score and prompt outcomes over the last `weeks` weeks.

    The counting happens in SQL (`tallies`, `prompt_tallies`): ratings never load here.
    """
    if not 1 <= weeks <= MAX_WEEKS:
        raise InvalidValue(f"'{weeks}' is not a valid number of weeks: use 1 to {MAX_WEEKS}.")
    if team is None:
        teams = await services.store.list_teams()
    else:
        found = await services.store.get_team(team)
        if found is None:
            raise UnknownTeam(team)
        teams = [found]
    until = services.clock.now()
    since = until - timedelta(weeks=weeks)
    ids = [t.id for t in teams]
    tallies = await services.store.tallies(since=since, until=until, team_ids=ids)
    prompts = await services.store.prompt_tallies(since=since, until=until, team_ids=ids)
    waiting = await services.store.waiting(now=until, team_ids=ids)
    return [
        TeamStats(
            team=t,
            since=since,
            until=until,
            score=summarize(t.scale, tallies.get(t.id, Tally())),
            prompts=prompts.get(t.id, PromptTally()),
            waiting=waiting.get(t.id, Waiting()),
        )
        for t in teams
    ]
