"""The weekly digest of one team: its own figures for the last complete week, and its trend."""

from __future__ import annotations

from bot.domain.digest import (
    BASELINE_WEEKS,
    HISTORY_WEEKS,
    MAX_COMMENTS,
    AgentLine,
    Digest,
    WeekScore,
)
from bot.domain.model import Anonymity, Team
from bot.domain.scales import Scale
from bot.domain.scores import summarize
from bot.domain.tallies import DigestFacts
from bot.domain.texts import locale_for
from bot.domain.trend import Change, compare, pooled
from bot.domain.weeks import IsoWeek, boundaries, weeks_up_to
from bot.services import Services


def team_timezone(team: Team, services: Services) -> str:
    return team.timezone or services.policy.timezone


async def weekly_digest(services: Services, team: Team, week: IsoWeek | None = None) -> Digest:
    """Build `team`'s digest for `week` (default: the last complete week in its timezone).

    One read of the store, filtered by this team's id, with the aggregates done in SQL.
    """
    timezone = team_timezone(team, services)
    week = week or IsoWeek.last_complete(services.clock.now(), timezone)
    edges = boundaries(week, HISTORY_WEEKS, timezone)
    facts = await services.store.digest_facts(
        team.id, edges, comments=MAX_COMMENTS,
        with_names=team.anonymity.shows_names,
        # Principle 8: in anonymous teams the per-agent query does not even run.
        with_agents=team.anonymity is not Anonymity.ANONYMOUS,
    )
    history = tuple(
        WeekScore(each, summarize(team.scale, tally))
        for each, tally in zip(weeks_up_to(week, HISTORY_WEEKS), facts.weekly, strict=True)
    )
    minimum = services.policy.min_respondents
    return Digest(
        team_name=team.name,
        team_display_name=team.display_name,
        scale=team.scale,
        anonymity=team.anonymity,
        timezone=timezone,
        week=week,
        since=edges[-2],
        until=edges[-1],
        score=history[-1].score,
        prompts=facts.prompts,
        history=history,
        change=_change(team.scale, facts),
        comments=tuple(facts.comments),
        follow_ups=facts.follow_ups,
        agents=tuple(
            AgentLine(line.agent, line.respondents, summarize(team.scale, line.tally))
            for line in facts.agents
            if line.respondents >= minimum
        ),
        min_respondents=minimum,
        locale=locale_for(team.locale, services.policy.locale),
        pulse=facts.pulse,
        reasons=tuple(sorted(facts.reasons, key=lambda kv: (-kv[1], kv[0]))),
        lost_time=tuple(facts.lost_time),
    )


def _change(scale: Scale, facts: DigestFacts) -> Change:
    """The last week against the BASELINE_WEEKS weeks before it, pooled."""
    before = slice(-1 - BASELINE_WEEKS, -1)
    return compare(
        scale, facts.weekly[-1], pooled(facts.weekly[before]),
        week_squares=facts.squares[-1], baseline_squares=sum(facts.squares[before]),
    )


