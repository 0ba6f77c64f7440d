"""The `ratebot` command line: serve, migrate, administer, report, export, forget, demo."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from adapters.slack.manifest import slack_manifest
from app.bootstrap import Ratebot, build
from app.cli import digest as cli_digest
from app.cli import helpdesk as cli_helpdesk
from app.settings import Settings, SettingsError, load_settings
from bot.domain.errors import SchemaOutdated, StoreUnavailable, UnknownTeam, UserFacingError
from bot.domain.model import Team
from bot.flows import admin
from bot.flows.export import FORMATS, write_export
from bot.flows.reporting import TeamStats, team_stats

T = TypeVar("T")

app = typer.Typer(
    name="ratebot",
    help="Instant service ratings for IT departments, in Slack and Microsoft Teams.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
)
teams_app = typer.Typer(help="Add, list, configure and remove IT teams.", no_args_is_help=True)
agents_app = typer.Typer(help="The IT staff of each team (never asked about IT).",
                         no_args_is_help=True)
admins_app = typer.Typer(help="Who may use the admin commands in chat.", no_args_is_help=True)
exclusions_app = typer.Typer(help="Emails or patterns that are never asked.",
                             no_args_is_help=True)
app.add_typer(teams_app, name="teams")
app.add_typer(agents_app, name="agents")
app.add_typer(admins_app, name="admins")
app.add_typer(exclusions_app, name="exclusions")

TeamOption = Annotated[str | None, typer.Option("--team", "-t", help="Only this team.")]


# --------------------------------------------------------------------------- plumbing


def actor() -> str:
    """Who did it, for the audit log."""
    try:
        return "cli:" + getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return "cli:unknown"


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Known errors become one line on stderr and an exit code, never a traceback."""
    try:
        yield
    except SettingsError as exc:
        raise _fail(str(exc), 2) from None
    except SchemaOutdated as exc:
        raise _fail(f"The database schema is outdated: {exc}", 2) from None
    except StoreUnavailable as exc:
        raise _fail(f"The database is unavailable: {exc}", 1) from None
    except UserFacingError as exc:
        raise _fail(str(exc), 1) from None


def _settings() -> Settings:
    with _errors():
        return load_settings()


def run(work: Callable[[Ratebot], Awaitable[T]], settings: Settings | None = None) -> T:
    """Build a ratebot on the configured database, run `work`, close it."""
    settings = settings or _settings()

    async def go() -> T:
        bot = await build(settings)
        try:
            return await work(bot)
        finally:
            await bot.aclose()

    return run_async(go)


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    async def go() -> T:
        return await work()

    with _errors():
        return asyncio.run(go())


PIPED_WIDTH = 140


def console(*, stderr: bool = False) -> Console:
    # Made per command so COLUMNS and redirection are read when the command runs. Piped
    # output has no width of its own, and 80 columns would fold the stats table to pieces.
    made = Console(stderr=stderr, highlight=False)
    if not made.is_terminal and "COLUMNS" not in os.environ:
        made = Console(stderr=stderr, highlight=False, width=PIPED_WIDTH)
    return made


def _say(message: str) -> None:
    console().print(message, markup=False)


# --------------------------------------------------------------------------- server


@app.command()
def serve() -> None:
    """Run the bot: webhooks, chat endpoints, delivery, health and metrics."""
    settings = _settings()
    from app.server import serve as serve_forever  # the web stack loads only for serving

    with _errors(), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(settings))


@app.command()
def migrate() -> None:
    """Upgrade the database schema to this version of ratebot."""
    settings = _settings()
    from storage.migrate import current_revision, upgrade

    async def work() -> tuple[str | None, str | None]:
        before = await current_revision(settings.database_url)
        await upgrade(settings.database_url)
        return before, await current_revision(settings.database_url)

    before, after = run_async(work)
    if before == after:
        _say(f"The database is up to date (revision {after}).")
    else:
        _say(f"Upgraded the database from revision {before or 'none'} to {after}.")


# --------------------------------------------------------------------------- teams


@teams_app.command("add")
def teams_add(
    name: Annotated[str, typer.Argument(help="A slug like 'servicedesk'.")],
    display_name: Annotated[str | None, typer.Option(help="The name people see.")] = None,
) -> None:
    """Add a team."""
    team = run(lambda bot: admin.add_team(
        bot.services, name, display_name=display_name, actor=actor()))
    _say(f"Added team {team.name} ({team.display_name}), scale {team.scale.value}.")


@teams_app.command("list")
def teams_list() -> None:
    """Show every team and its options."""
    settings = _settings()
    teams = run(lambda bot: bot.services.store.list_teams(), settings)
    if not teams:
        _say("No teams yet. Add one with: ratebot teams add NAME")
        return
    console().print(teams_table(teams, settings.cooldown_days))


def teams_table(teams: list[Team], default_cooldown: int) -> Table:
    table = Table(title="Teams")
    for column in ("Team", "Name", "Scale", "Anonymity", "Cooldown", "Expiry", "Sample",
                   "Delay", "Timezone", "Digest", "Channels"):
        table.add_column(column)
    for team in teams:
        cooldown = (f"{default_cooldown} d (default)" if team.cooldown_days is None
                    else f"{team.cooldown_days} d")
        channels = ", ".join(
            f"{purpose}: {platform} {ref if platform == 'slack' else '(set)'}"
            for (platform, purpose), ref in sorted(team.channels.items())
        )
        table.add_row(
            team.name, team.display_name, team.scale.value, team.anonymity.value, cooldown,
            f"{team.expiry_days} d", f"{team.sample_percent}%", f"{team.send_delay_minutes} min",
            team.timezone or "default", team.digest_schedule, channels or "—",
        )
    return table


# Values like "-1" must reach the parser (and its clear message), not look like options.
@teams_app.command("set", context_settings={"ignore_unknown_options": True})
def teams_set(
    name: Annotated[str, typer.Argument(help="The team.")],
    option: Annotated[str, typer.Argument(help=", ".join(admin.ALL_OPTIONS))],
    value: Annotated[list[str], typer.Argument(help="The new value ('default' resets).")],
) -> None:
    """Change one option of a team, e.g. `teams set servicedesk scale csat`."""
    text = " ".join(value)
    team = run(lambda bot: admin.set_team_option(
        bot.services, name, option, text, actor=actor()))
    _say(f"Set {option} of {team.name} to {text}.")


@teams_app.command("remove")
def teams_remove(name: Annotated[str, typer.Argument(help="The team.")]) -> None:
    """Remove a team that has no conversations yet."""
    run(lambda bot: admin.remove_team(bot.services, name, actor=actor()))
    _say(f"Removed team {name}.")


# --------------------------------------------------------------------------- people


@agents_app.command("add")
def agents_add(
    team: Annotated[str, typer.Argument(help="The team.")],
    email: Annotated[str, typer.Argument(help="The agent's email.")],
    name: Annotated[str | None, typer.Option(help="The agent's name.")] = None,
) -> None:
    """Add an agent (IT staff member) to a team."""
    person = run(lambda bot: admin.add_agent(
        bot.services, team, email, name=name, actor=actor()))
    _say(f"Added {person.display_name or person.email} to {team}.")


@agents_app.command("list")
def agents_list(team: TeamOption = None) -> None:
    """List agents, per team."""
    agents = run(lambda bot: bot.services.store.list_agents(team))
    table = Table(title="Agents")
    for column in ("Team", "Email", "Name"):
        table.add_column(column)
    for team_name, person in agents:
        table.add_row(team_name, person.email or "—", person.display_name or "—")
    console().print(table)


@admins_app.command("add")
def admins_add(identifier: Annotated[str, typer.Argument(help="Email or user id.")]) -> None:
    """Make someone an admin."""
    added = run(lambda bot: admin.add_admin(bot.services, identifier, actor=actor()))
    _say(f"{identifier} is {'now' if added else 'already'} an admin.")


@admins_app.command("remove")
def admins_remove(identifier: Annotated[str, typer.Argument(help="Email or user id.")]) -> None:
    """Remove an admin (admins from RATEBOT_ADMINS stay)."""
    removed = run(lambda bot: admin.remove_admin(bot.services, identifier, actor=actor()))
    _say(f"Removed admin {identifier}." if removed else f"{identifier} was not an admin.")


@admins_app.command("list")
def admins_list() -> None:
    """List admins: RATEBOT_ADMINS and those added here or in chat."""
    settings = _settings()
    stored = run(lambda bot: bot.services.store.list_admins(), settings)
    for identifier in settings.admins:
        _say(f"{identifier}  (RATEBOT_ADMINS)")
    for identifier in stored:
        if identifier not in settings.admins:
            _say(identifier)
    if not stored and not settings.admins:
        _say("No admins yet. Set RATEBOT_ADMINS or run: ratebot admins add EMAIL")


@exclusions_app.command("add")
def exclusions_add(pattern: Annotated[str, typer.Argument(help="'*@example.com'")]) -> None:
    """Never ask people matching an email or pattern."""
    added = run(lambda bot: admin.add_exclusion(bot.services, pattern, actor=actor()))
    _say(f"Excluded {pattern}." if added else f"{pattern} was already excluded.")


@exclusions_app.command("remove")
def exclusions_remove(pattern: Annotated[str, typer.Argument(help="As it was added.")]) -> None:
    """Stop excluding an email or pattern."""
    removed = run(lambda bot: admin.remove_exclusion(bot.services, pattern, actor=actor()))
    _say(f"No longer excluding {pattern}." if removed else f"{pattern} was not excluded.")


@exclusions_app.command("list")
def exclusions_list() -> None:
    """List exclusions."""
    for pattern in run(lambda bot: bot.services.store.list_exclusions()):
        _say(pattern)


@app.command()
def forget(
    email: Annotated[str, typer.Option(help="The person to erase.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a person: identifying fields removed, their ratings kept without a person."""
    if not yes and not typer.confirm(
        f"Erase {email} for good? Their ratings stay, without a link to them."
    ):
        raise _fail("Nothing was changed.", 1)
    kept = run(lambda bot: admin.forget(bot.services, email, actor=actor()))
    _say(f"Forgot {email}; {kept} rating(s) kept without a person.")


# --------------------------------------------------------------------------- reporting


@app.command()
def stats(
    team: TeamOption = None,
    weeks: Annotated[int, typer.Option(min=1, max=520, help="How many weeks back.")] = 12,
) -> None:
    """Score, response rate and who was not asked, per team."""
    result = run(lambda bot: team_stats(bot.services, team=team, weeks=weeks))
    print_stats(result, weeks)


def print_stats(result: list[TeamStats], weeks: int) -> None:
    if not result:
        _say("No teams yet. Add one with: ratebot teams add NAME")
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
    for item in result:
        rate = item.response_rate
        response = "—" if rate is None else (
            f"{rate:.0%} ({item.prompts.answered}/{item.prompts.sent})")
        split = ", ".join(f"{count} {name}" for name, count in item.score.category_counts())
        table.add_row(
            item.team.name, item.team.scale.value, str(item.score.n), response,
            item.score.text, split, _reasons(item.prompts.skipped),
            _reasons(item.prompts.failed),
        )
    return table


def _reasons(counts: Mapping[str, int]) -> str:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{reason.replace('_', ' ')} {count}" for reason, count in items) or "—"


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl.")] = "csv",
    team: TeamOption = None,
    out: Annotated[Path | None, typer.Option(help="A file; standard output by default.")] = None,
) -> None:
    """Every rating, oldest first, with only what each team's anonymity allows."""
    if fmt not in FORMATS:
        raise _fail(f"'{fmt}' is not an export format: use csv or jsonl.", 1)

    async def work(bot: Ratebot) -> int:
        if team is not None and await bot.services.store.get_team(team) is None:
            raise UnknownTeam(team)
        rows = bot.services.store.export_rows(team=team)
        if out is None:
            return await write_export(rows, sys.stdout, fmt)
        with out.open("w", encoding="utf-8", newline="") as handle:
            return await write_export(rows, handle, fmt)

    count = run(work)
    if out is not None:
        _say(f"Exported {count} rating(s) to {out}.")


# --------------------------------------------------------------------------- demo


@app.command()
def demo(
    database: Annotated[Path | None, typer.Option(
        help="A SQLite file for the demo; the configured database by default.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same demo.")] = 7,
    weeks: Annotated[int, typer.Option(min=1, max=52, help="How many weeks of traffic.")] = 12,
) -> None:
    """Fill a database with three teams and weeks of realistic ratings, then show the stats."""
    from app.demo import run_demo

    settings = _settings()
    if database is not None:
        settings = settings.model_copy(update={"database_url": f"sqlite:///{database}"})
    result = run_async(lambda: run_demo(settings, seed=seed, weeks=weeks))
    print_stats(result.stats, weeks)
    _say(result.summary)
    _say(f"Explore it: RATEBOT_DATABASE_URL={settings.database_url} ratebot stats --weeks 4")


@app.command("teams-package")
def teams_package(
    app_id: Annotated[str, typer.Option("--app-id", help="The bot's Microsoft App ID (a GUID).")],
    out: Annotated[Path, typer.Option(help="Where to write the zip.")] = Path("ratebot-teams.zip"),
    name: Annotated[str, typer.Option(help="The app's name in Teams.")] = "ratebot",
    domain: Annotated[str | None, typer.Option(help="Public host name of /api/messages.")] = None,
) -> None:
    """Build the Teams app package (manifest.json and icons) to upload in Teams."""
    from adapters.teams.package import write_package

    try:
        written = write_package(out, app_id, name=name, domain=domain)
    except ValueError as problem:
        raise _fail(str(problem), 2) from None
    _say(f"Wrote {written}: upload it in Teams (Apps > Manage your apps > Upload an app).")


def main() -> None:
    app()


# Command groups that live in modules of their own.
app.command("slack-manifest")(slack_manifest)
cli_helpdesk.register(app, teams_app)
cli_digest.register(app)


if __name__ == "__main__":
    main()
