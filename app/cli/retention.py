"""`ratebot retention`: apply the retention limits now, or show what the next run removes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import FAILED, actor, console, fail, run

if TYPE_CHECKING:
    from app.bootstrap import Ratebot
    from bot.domain.retention import RetentionKind, RetentionLimits, RetentionReport

# Column headings, in the order a run removes them.
HEADINGS = {
    "comments": "comments",
    "identities": "names on ratings",
    "prompts": "prompts and decisions",
    "conversations": "closes",
}


def register(app: typer.Typer) -> None:
    """Add the `retention` command to the `ratebot` application."""
    app.command("retention")(retention)


def retention(
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only count what a run now would remove; remove nothing.")] = False,
) -> None:
    """Remove what is older than the retention limits now (the daily job does it by itself)."""
    from bot.flows.retention import apply_retention, preview_retention

    async def work(bot: Ratebot) -> tuple[RetentionReport | None, dict[str, RetentionLimits]]:
        services = bot.services
        limits = {
            team.name: services.policy.retention.for_team(team)
            for team in await services.store.list_teams()
        }
        if dry_run:
            return await preview_retention(services), limits
        return await apply_retention(services, actor=actor(), by_hand=True), limits

    report, limits = run(work)
    if report is None:
        raise fail("Another ratebot is applying retention right now; try again in a few "
                   "minutes.", FAILED)
    _show(report, limits)


def _show(report: RetentionReport, limits: dict[str, RetentionLimits]) -> None:
    from rich.table import Table

    from bot.domain.retention import RetentionKind

    out = console()
    table = Table("team", "kept (months)", *HEADINGS.values(), box=None, pad_edge=False)
    for team in report.teams:
        kept = limits.get(team.team)
        months = "" if kept is None else (
            f"{_months(kept.comment_months)} / {_months(kept.identity_months)} / "
            f"{_months(kept.prompt_months)}"
        )
        table.add_row(team.team, months,
                      *(_count(team.counts, RetentionKind(kind)) for kind in HEADINGS))
    out.print(table)
    verb = "Would remove" if report.dry_run else "Removed"
    summed = report.by_kind()
    each = ", ".join(
        f"{summed[RetentionKind(kind)]} {heading}" for kind, heading in HEADINGS.items()
    )
    end = " (dry run: nothing removed)." if report.dry_run else "."
    out.print(f"{verb} in all: {each}{end}")
    out.print("Kept: comments / names / prompts, in months; 'forever' where the limit is 0. "
              "Set a team's own with: ratebot teams set TEAM retention-comments MONTHS.")


def _months(months: int) -> str:
    return "forever" if months == 0 else str(months)


def _count(counts: dict[RetentionKind, int], kind: RetentionKind) -> str:
    # A kind without a count is one the team keeps forever: nothing to remove.
    return str(counts[kind]) if kind in counts else "-"
