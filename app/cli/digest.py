"""`ratebot digest`: a team's weekly digest in the terminal, its chart in a file, or posted now."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.panel import Panel
from rich.text import Text

from app.cli.common import console, errors, run
from bot.domain.weeks import IsoWeek

if TYPE_CHECKING:
    from app.bootstrap import Ratebot
    from bot.domain.digest import Digest

CHARTS_MISSING = (
    "The chart needs the optional `charts` extra: pip install 'ratebot[charts]'."
)
NO_PLATFORM = (
    "No chat platform is configured, so the digest cannot be posted "
    "(set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or the Microsoft app settings)."
)


def register(app: typer.Typer) -> None:
    """Add the `digest` command to the `ratebot` application."""
    app.command("digest")(digest)


def digest(
    team: Annotated[str, typer.Option("--team", "-t", help="The team.")],
    week: Annotated[str | None, typer.Option(
        help="An ISO week like 2026-W47; by default the last complete week.")] = None,
    post: Annotated[bool, typer.Option(
        "--post", help="Post it to the team's digest channel now; it counts as that "
        "week's digest.")] = False,
    chart: Annotated[Path | None, typer.Option(
        help="Write the PNG chart (12 weeks with the margin of error) to this file.")] = None,
) -> None:
    """Show a team's weekly digest; optionally write its chart or post it."""
    from app.chart import render_chart
    from bot.domain.digest_text import render_digest
    from bot.domain.errors import UserFacingError
    from bot.flows.digest_flow import DigestFlow

    try:
        chosen = IsoWeek.parse(week) if week is not None else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--week") from None

    async def work(bot: Ratebot) -> tuple[Digest, str | None]:
        flow = DigestFlow(bot.services)
        built = await flow.preview(team, chosen)
        if not post:
            return built, None
        if not bot.services.chats:
            raise UserFacingError(NO_PLATFORM)
        result = await DigestFlow(bot.services).send_digest(team, built.week)
        return built, f"Posted the digest of {team} for {result.period}."

    built, posted = run(work)
    out = console()
    # A terminal shows markup as its characters: the digest in plain words, no `*bold*`.
    out.print(Panel(Text(render_digest(built, plain=True)), title=built.team_name, expand=False))
    if chart is not None:
        png = render_chart(built)
        if png is None:
            typer.echo(CHARTS_MISSING, err=True)
            raise typer.Exit(1)
        with errors():  # a missing directory is one line naming the path, not a traceback
            chart.write_bytes(png)
        out.print(f"Wrote the chart to {chart}.", markup=False)
    if posted:
        out.print(posted, markup=False)
