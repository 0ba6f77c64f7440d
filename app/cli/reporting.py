"""`ratebot stats` and `ratebot export`: what the ratings say, as a table or as rows."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.table import Table

from app.cli.common import USAGE, Meter, TeamOption, console, fail, progress, run, say
from bot.flows.export import FORMATS

if TYPE_CHECKING:
    from app.bootstrap import Ratebot
    from bot.domain.backlog import Waiting
    from bot.domain.request_checks import RequestFigures
    from bot.flows.reporting import TeamStats

T = TypeVar("T")


def stats(
    team: TeamOption = None,
    weeks: Annotated[int, typer.Option(min=1, max=520, help="How many weeks back.")] = 12,
) -> None:
    """Score, response rate and who was not asked, per team."""
    from bot.flows.reporting import team_stats
    from bot.flows.request_checks import figures_line, request_figures

    async def work(bot: Ratebot) -> tuple[list[TeamStats], bool, dict[int, RequestFigures]]:
        found = await team_stats(bot.services, team=team, weeks=weeks)
        # Mutual rating's totals, apart from the score: only teams above the minimum.
        mutual = await request_figures(bot.services, [item.team.id for item in found])
        return found, bool(bot.services.chats), mutual

    result, delivering, mutual = run(work)
    print_stats(result, weeks)
    for item in result:
        if item.team.id in mutual:
            say(figures_line(item.team.name, mutual[item.team.id]).removeprefix("• "))
    if not delivering and any(item.waiting.total for item in result):
        say(NO_PLATFORM_WAIT)


NO_PLATFORM_WAIT = (
    "No chat platform is configured, so waiting prompts stay pending: set the Slack or "
    "Microsoft Teams settings and run ratebot serve."
)


def print_stats(result: list[TeamStats], weeks: int) -> None:
    if not result:
        say("No teams yet. Add one with: ratebot teams add NAME")
        return
    console().print(stats_table(result, weeks))


def stats_table(result: list[TeamStats], weeks: int) -> Table:
    table = Table(title=f"Ratings over the last {weeks} week{'s' if weeks != 1 else ''}")
    table.add_column("Team")
    table.add_column("Scale")
    table.add_column("n", justify="right")
    table.add_column("Response", justify="right")
    table.add_column("Score", justify="right")
    table.add_column("Split")
    table.add_column("Not asked")
    table.add_column("Failed")
    table.add_column("Waiting now")
    for item in result:
        rate = item.response_rate
        response = "—" if rate is None else (
            f"{rate:.0%} ({item.prompts.answered}/{item.prompts.sent})")
        split = ", ".join(f"{count} {name}" for name, count in item.score.category_counts())
        table.add_row(
            item.team.name, item.team.scale.value, str(item.score.n), response,
            item.score.text, split, _reasons(item.prompts.skipped),
            _reasons(item.prompts.failed), _waiting(item.waiting),
        )
    return table


def _waiting(waiting: Waiting) -> str:
    parts = [f"{count} {when}" for count, when in
             ((waiting.due, "due"), (waiting.later, "later")) if count]
    if waiting.retrying:
        parts.append(f"retrying after: {_reasons(waiting.retrying)}")
    return ", ".join(parts) or "—"


def _reasons(counts: Mapping[str, int]) -> str:
    from bot.domain.digest_text import reason_text  # the digest's words for the same reasons

    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{reason_text(reason)} {count}" for reason, count in items) or "—"


def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl.")] = "csv",
    team: TeamOption = None,
    out: Annotated[Path | None, typer.Option(help="A file; standard output by default.")] = None,
) -> None:
    """Every rating, oldest first, with only what each team's anonymity allows."""
    if fmt not in FORMATS:
        raise fail(f"'{fmt}' is not an export format: use csv or jsonl.", USAGE)
    from bot.domain.errors import UnknownTeam
    from bot.flows.export import write_export

    async def work(bot: Ratebot) -> int:
        if team is not None and await bot.services.store.get_team(team) is None:
            raise UnknownTeam(team)
        rows = bot.services.store.export_rows(team=team)
        try:
            with progress("Exporting ratings") as meter:
                if out is None:
                    return await write_export(counted(rows, meter), sys.stdout, fmt)
                with out.open("w", encoding="utf-8", newline="") as handle:
                    return await write_export(counted(rows, meter), handle, fmt)
        finally:
            # Stopped early (a closed pipe, a full disk), the rows' read transaction
            # ends here, in order, not when the event loop is torn down around it.
            closer = getattr(rows, "aclose", None)
            if closer is not None:
                await closer()

    count = run(work)
    if out is not None:
        say(f"Exported {count} rating(s) to {out}.")


async def counted(rows: AsyncIterator[T], meter: Meter) -> AsyncIterator[T]:
    async for row in rows:
        meter.step()
        yield row


def register(app: typer.Typer) -> None:
    """Add these commands to the `ratebot` command line."""
    app.command()(stats)
    app.command()(export)
