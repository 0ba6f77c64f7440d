"""What every `ratebot` command shares: settings, one error boundary, the runner, the console.

The command modules import this and never `main`, which only assembles them into the
typer application: no module of the command line imports one that imports it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from app.bootstrap import Ratebot, build
from app.settings import Settings, SettingsError, load_settings
from bot.domain.errors import SchemaOutdated, StoreUnavailable, UserFacingError
from bot.domain.hints import Surface

T = TypeVar("T")

TeamOption = Annotated[str | None, typer.Option("--team", "-t", help="Only this team.")]

# Piped output has no width of its own, and 80 columns would fold the stats table to pieces.
PIPED_WIDTH = 140


def actor() -> str:
    """Who did it, for the audit log."""
    try:
        return "cli:" + getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return "cli:unknown"


def fail(message: str, code: int) -> typer.Exit:
    """One line on stderr; raise the returned exit so the command ends with `code`."""
    typer.echo(message, err=True)
    return typer.Exit(code)


@contextlib.contextmanager
def errors() -> Iterator[None]:
    """Known errors become one line on stderr and an exit code, never a traceback.

    2: the configuration or the schema needs fixing; 1: try again or ask differently.
    """
    try:
        yield
    except SettingsError as exc:
        raise fail(str(exc), 2) from None
    except SchemaOutdated as exc:
        raise fail(f"The database schema is outdated: {exc}", 2) from None
    except StoreUnavailable as exc:
        raise fail(f"The database is unavailable: {exc}", 1) from None
    except UserFacingError as exc:
        # The command line's rendering: a hint names `ratebot ...`, not the chat's grammar.
        raise fail(exc.for_surface(Surface.CLI), 1) from None


def current_settings() -> Settings:
    """The settings from the environment and `.env`; bad ones end the command (exit 2)."""
    with errors():
        return load_settings()


def run(work: Callable[[Ratebot], Awaitable[T]], settings: Settings | None = None) -> T:
    """Build a ratebot on the configured database, run `work`, close it."""
    settings = settings or current_settings()

    async def go() -> T:
        bot = await build(settings)
        try:
            return await work(bot)
        finally:
            await bot.aclose()

    return run_async(go)


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` in a fresh event loop inside the error boundary."""
    async def go() -> T:
        return await work()

    with errors():
        return asyncio.run(go())


def console(*, stderr: bool = False) -> Console:
    # Made per command so COLUMNS and redirection are read when the command runs.
    made = Console(stderr=stderr, highlight=False)
    if not made.is_terminal and "COLUMNS" not in os.environ:
        made = Console(stderr=stderr, highlight=False, width=PIPED_WIDTH)
    return made


def say(message: str) -> None:
    """Print `message` as it is: names people typed may hold rich markup."""
    console().print(message, markup=False)
