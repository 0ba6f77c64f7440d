"""`ratebot demo`, `ratebot teams-package` and `ratebot slack-manifest`: getting started."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer._click.core import Command

from app.cli.common import FAILED, USAGE, current_settings, fail, progress, run_async, say
from app.cli.reporting import print_stats
from app.cli.tree import Deferred

# The first line of `adapters.slack.manifest.slack_manifest`'s docstring: a test keeps them equal.
SLACK_MANIFEST_SUMMARY = "Print the Slack app manifest to paste at api.slack.com/apps."


def slack_manifest() -> Deferred:
    """`ratebot slack-manifest`, whose module loads the Slack adapter only when it runs."""

    def load() -> Command:
        from adapters.slack.manifest import slack_manifest as command

        scratch = typer.Typer()
        scratch.command("slack-manifest")(command)
        return typer.main.get_group(scratch).commands["slack-manifest"]

    return Deferred("slack-manifest", SLACK_MANIFEST_SUMMARY, load)


def demo(
    database: Annotated[Path | None, typer.Option(
        help="A SQLite file for the demo; the configured database by default.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same demo.")] = 7,
    weeks: Annotated[int, typer.Option(min=1, max=52, help="How many weeks of traffic.")] = 12,
) -> None:
    """Fill a database with three teams and weeks of realistic ratings, then show the stats."""
    from app.demo import run_demo

    settings = current_settings()
    if database is not None:
        settings = settings.model_copy(update={"database_url": f"sqlite:///{database}"})
    with progress(f"Simulating {weeks} week{'s' if weeks != 1 else ''}", shares=True) as meter:
        result = run_async(lambda: run_demo(settings, seed=seed, weeks=weeks, done=meter.reach),
                           settings.database_url)
    print_stats(result.stats, weeks)
    say(result.summary)
    say(f"Explore it: RATEBOT_DATABASE_URL={settings.database_url} ratebot stats --weeks 4")


def teams_package(
    app_id: Annotated[str, typer.Option("--app-id", help="The bot's Microsoft App ID (a GUID).")],
    out: Annotated[Path, typer.Option(help="Where to write the zip.")] = Path("ratebot-teams.zip"),
    name: Annotated[str, typer.Option(help="The app's name in Teams.")] = "ratebot",
    domain: Annotated[str | None, typer.Option(help="Public host name of /api/messages.")] = None,
    version: Annotated[str | None, typer.Option(
        "--version", help="The app's version, three numbers like 1.4.0 (raise it for every "
        "new package); ratebot's own version by default.")] = None,
    privacy_url: Annotated[str | None, typer.Option(
        help="Your organisation's privacy page; by default the one ratebot serves at "
        "https://DOMAIN/privacy.")] = None,
    terms_url: Annotated[str | None, typer.Option(
        help="Your organisation's terms of use; by default the page ratebot serves at "
        "https://DOMAIN/terms.")] = None,
) -> None:
    """Build the Teams app package (manifest.json and icons) to upload in Teams."""
    from adapters.teams.package import app_version, manifest, write_package

    try:
        installed = app_version(installed_version()) if version is None else version
        app = manifest(app_id, version=installed, name=name,
                       domain=domain, privacy_url=privacy_url, terms_url=terms_url)
    except ValueError as problem:
        raise fail(str(problem), USAGE) from None
    try:
        written = write_package(out, app)
    except OSError as problem:
        raise fail(f"Cannot write {out}: {problem.strerror or problem}.", FAILED) from None
    say(f"Wrote {written} (version {app['version']}): upload it in Teams (Apps > Manage your "
        "apps > Upload an app).")


def installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ratebot")
    except PackageNotFoundError:
        raise fail("ratebot is not installed, so its version is unknown: pass --version.",
                   USAGE) from None


def register(app: typer.Typer) -> None:
    """Add these commands to the `ratebot` command line."""
    app.command()(demo)
    app.command("teams-package")(teams_package)
