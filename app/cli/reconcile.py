"""`ratebot reconcile`: ask a helpdesk's API for closes whose webhook never came, now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import FAILED, USAGE, Meter, console, fail, progress, run

if TYPE_CHECKING:
    from app.bootstrap import Ratebot
    from bot.domain.events import ConversationClosed
    from bot.flows.reconcile import ReconcileReport, Route

# What each connectable source needs set; the others have no API connector yet.
API_SETTINGS = {
    "jira": "RATEBOT_JIRA_URL with RATEBOT_JIRA_EMAIL and RATEBOT_JIRA_API_TOKEN (Cloud) "
            "or RATEBOT_JIRA_PERSONAL_TOKEN (Data Center)",
    "zendesk": "RATEBOT_ZENDESK_URL, RATEBOT_ZENDESK_EMAIL and RATEBOT_ZENDESK_API_TOKEN",
    "servicenow": "RATEBOT_SERVICENOW_URL, RATEBOT_SERVICENOW_USER and "
                  "RATEBOT_SERVICENOW_PASSWORD",
    "freshservice": "RATEBOT_FRESHSERVICE_URL and RATEBOT_FRESHSERVICE_API_KEY",
    "glpi": "RATEBOT_GLPI_URL and RATEBOT_GLPI_USER_TOKEN (and RATEBOT_GLPI_APP_TOKEN if "
            "GLPI asks for one)",
}


def register(app: typer.Typer) -> None:
    """Add the `reconcile` command to the `ratebot` application."""
    app.command("reconcile")(reconcile)


def reconcile(
    source: Annotated[str, typer.Argument(
        help="The helpdesk: jira, zendesk, servicenow, freshservice or glpi.")],
    since: Annotated[str | None, typer.Option(
        help="Look from this day or moment (ISO-8601, e.g. 2026-11-01), and leave the "
        "scheduled poll's checkpoint alone; by default go on from that checkpoint.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only count what would be fed in; accept nothing.")] = False,
) -> None:
    """Find solved tickets whose webhook never came and ask for their ratings (once each)."""
    from adapters.helpdesk.api.connected import helpdesk_apis
    from app.platforms import api_configs
    from bot.flows.reconcile import reconcile as run_reconcile
    from bot.flows.source_mapping import TeamRouter
    from bot.ports.helpdesk_api import HelpdeskApiError

    name = source.strip().lower()
    if name not in API_SETTINGS:
        raise fail(f"No API connector for '{source}'. Known: {', '.join(sorted(API_SETTINGS))}.",
                   USAGE)
    start = _moment(since) if since is not None else None

    async def work(bot: Ratebot) -> ReconcileReport | None:
        apis = helpdesk_apis(api_configs(bot.settings))
        api = apis.get(name)
        try:
            if api is None:
                raise fail(f"{name}'s API is not connected: set {API_SETTINGS[name]}.", USAGE)
            route = TeamRouter(bot.services.store, default_team=bot.settings.default_team)
            try:
                with progress(f"Reconciling {name}: solved tickets read") as meter:
                    return await run_reconcile(bot.services, api, counted(route, meter),
                                               since=start, dry_run=dry_run)
            except HelpdeskApiError as exc:
                raise fail(str(exc), FAILED) from None
        finally:
            for each in apis.values():
                await each.aclose()

    report = run(work)
    if report is None:
        raise fail(f"Another ratebot is polling {name} right now; try again in a few minutes.",
                   FAILED)
    _show(report, dry_run)


def counted(route: Route, meter: Meter) -> Route:
    """`route`, stepping `meter` for each close the poll feeds through it (one per ticket)."""

    async def routed(close: ConversationClosed) -> ConversationClosed:
        meter.step()
        return await route(close)

    return routed


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("write a day or moment like 2026-11-01",
                                 param_hint="--since") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _show(report: ReconcileReport, dry_run: bool) -> None:
    out = console()
    out.print(f"{report.source}: {report.found} solved tickets found in {report.pages} pages"
              + (" (dry run: nothing accepted)" if dry_run else ""))
    if not dry_run:
        out.print(f"  new closes accepted: {report.accepted}")
        out.print(f"  already known: {report.duplicates}")
    out.print(f"  group not mapped to a team: {report.unmapped}")
    out.print(f"  not readable as a close (e.g. no requester e-mail): {report.unreadable}")
    if not report.complete:
        out.print("  more remain: run it again to go on")
