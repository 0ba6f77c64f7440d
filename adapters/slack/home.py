"""App Home: a person's own recent ratings and opt-out toggle; for admins, each team's score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from adapters.slack.blocks import (
    HOME_OPTIN_ACTION,
    HOME_OPTOUT_ACTION,
    Block,
    score_label,
    slack_date,
)
from adapters.slack.escape import escape
from bot.domain.answers import RatedItem
from bot.domain.model import Person
from bot.domain.scores import summarize
from bot.domain.sparkline import sparkline
from bot.domain.texts import text
from bot.flows.reporting import team_stats
from bot.services import Services

TREND_WEEKS = 8
RECENT = 10


@dataclass(frozen=True, slots=True)
class TeamLine:
    display_name: str
    score: str
    n: int
    trend: str
    open_follow_ups: int


@dataclass(frozen=True, slots=True)
class Home:
    person: Person
    ratings: list[RatedItem]
    teams: list[TeamLine] | None  # None unless the person is an admin


async def gather(services: Services, person: Person, *, admin: bool) -> Home:
    store = services.store
    ratings = await store.ratings_of(person.id, limit=RECENT)
    if not admin:
        return Home(person, ratings, None)
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
    return Home(person, ratings, lines)


def home_view(home: Home, locale: str) -> Block:
    """The Home tab; every name in it was typed by someone, so it is escaped."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": text("home.title", locale)}},
    ]
    if not home.ratings:
        blocks.append(_section(text("home.none", locale)))
    for item in home.ratings:
        blocks.append(_section(text(
            "home.rated", locale, team=escape(item.team_display_name),
            score=score_label(item.scale, item.score), date=slack_date(item.rated_at),
        )))
    opted_out = home.person.opted_out
    blocks.append({
        "type": "section",
        "text": {"type": "mrkdwn",
                 "text": text("home.not_asked" if opted_out else "home.asked", locale)},
        "accessory": {
            "type": "button",
            "action_id": HOME_OPTIN_ACTION if opted_out else HOME_OPTOUT_ACTION,
            "text": {"type": "plain_text",
                     "text": text("home.optin" if opted_out else "home.optout", locale)},
            "value": "home",
        },
    })
    if home.teams is not None:
        blocks.append({"type": "divider"})
        blocks.append({"type": "header", "text": {
            "type": "plain_text", "text": text("home.teams", locale, weeks=TREND_WEEKS)}})
        for line in home.teams:
            blocks.append(_section(
                text("home.team", locale, team=escape(line.display_name), score=line.score,
                     n=line.n, trend=line.trend)
                + "\n" + text("home.follow_ups", locale, count=line.open_follow_ups)
            ))
    return {"type": "home", "blocks": blocks[:100]}  # Slack's limit per view


def _section(content: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": content}}
