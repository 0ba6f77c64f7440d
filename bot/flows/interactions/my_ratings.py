"""A person's own page (Slack's App Home): their recent ratings and, for admins, the teams."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.identity import PersonIdentity
from bot.domain.model import Person
from bot.domain.scores import summarize
from bot.domain.sparkline import sparkline
from bot.flows.command_handlers import CommandContext, admins_of, is_admin
from bot.flows.interactions.people import identity, reader_locale
from bot.flows.interactions.views import Home, TeamLine
from bot.flows.reporting import team_stats
from bot.services import Services

TREND_WEEKS = 8
RECENT = 10


async def home(services: Services, person: Person, env_admins: tuple[str, ...]) -> Home:
    """What `person` sees on their own page; the teams' scores only for an admin."""
    store = services.store
    ratings = await store.ratings_of(person.id, limit=RECENT)
    locale = reader_locale(services, PersonIdentity(), person)
    admins = await admins_of(CommandContext(services, env_admins))
    if not is_admin(identity(person), admins):
        return Home(person, ratings, None, locale)
    now = services.clock.now()
    edges = [now - timedelta(weeks=TREND_WEEKS - i) for i in range(TREND_WEEKS + 1)]
    open_counts: dict[int, int] = {}
    for follow_up in await store.open_follow_ups():
        open_counts[follow_up.team_id] = open_counts.get(follow_up.team_id, 0) + 1
    lines = []
    for stats in await team_stats(services, team=None, weeks=TREND_WEEKS):
        weekly = await store.weekly_tallies(stats.team.id, edges)
        values = [summarize(stats.team.scale, tally).value for tally in weekly]
        lines.append(TeamLine(stats.team.display_name, stats.score.text, stats.score.n,
                              sparkline(values), open_counts.get(stats.team.id, 0)))
    return Home(person, ratings, lines, locale)
