"""`ratebot serve` and `ratebot migrate`: running the bot and keeping its schema current."""

from __future__ import annotations

import asyncio
import contextlib

import typer

from app.cli.common import current_settings, errors, run_async, say


def serve() -> None:
    """Run the bot: webhooks, chat endpoints, delivery, health and metrics."""
    settings = current_settings()
    from app.bootstrap import check_before_serving
    from app.server import serve as serve_forever  # the web stack loads only for serving

    run_async(lambda: check_before_serving(settings), settings.database_url)

    with errors(settings.database_url), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(settings))


def migrate() -> None:
    """Upgrade the database schema to this version of ratebot."""
    settings = current_settings()
    from storage.migrate import current_revision, upgrade

    async def work() -> tuple[str | None, str | None]:
        before = await current_revision(settings.database_url)
        await upgrade(settings.database_url)
        return before, await current_revision(settings.database_url)

    before, after = run_async(work, settings.database_url)
    if before == after:
        say(f"The database is up to date (revision {after}).")
    else:
        say(f"Upgraded the database from revision {before or 'none'} to {after}.")


def register(app: typer.Typer) -> None:
    """Add these commands to the `ratebot` command line."""
    app.command()(serve)
    app.command()(migrate)
