"""What every `ratebot` command shares: settings, one error boundary, the runner, the console.

The command modules import this and never `main`, which only assembles them into the
typer application: no module of the command line imports one that imports it back.
Nothing heavy loads at import: `ratebot --help` must start at once, so the settings,
the composition root (and with it the database and the platforms) load when a command
runs.
"""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from app.bootstrap import Ratebot
    from app.settings import Settings

T = TypeVar("T")

TeamOption = Annotated[str | None, typer.Option("--team", "-t", help="Only this team.")]

# Piped output has no width of its own, and 80 columns would fold the stats table to pieces.
PIPED_WIDTH = 140
# Exit codes, the same for every command: how it was run (arguments, options, settings,
# a schema step not taken) needs fixing; or the work itself failed.
USAGE = 2
FAILED = 1


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


def show_version(asked: bool) -> None:
    """`ratebot --version`: the installed distribution's version."""
    if not asked:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        typer.echo(f"ratebot {version('ratebot')}")
    except PackageNotFoundError:  # run from a source tree that was never installed
        typer.echo("ratebot (not installed)")
    raise typer.Exit()


@contextlib.contextmanager
def errors(database_url: str | None = None) -> Iterator[None]:
    """Known errors become one line on stderr and an exit code, never a traceback.

    `database_url` lets an unreachable database be named with its cause.
    """
    from app.settings import SettingsError
    from bot.domain.errors import SchemaOutdated, StoreUnavailable, UserFacingError
    from bot.domain.hints import Surface

    try:
        yield
    except SettingsError as exc:
        raise fail(str(exc), USAGE) from None
    except SchemaOutdated as exc:
        raise fail(f"The database schema is outdated: {exc}", USAGE) from None
    except StoreUnavailable as exc:
        raise fail(f"The database is unavailable: {unreachable(exc, database_url)}",
                   FAILED) from None
    except UserFacingError as exc:
        # The command line's rendering: a hint names `ratebot ...`, not the chat's grammar.
        raise fail(exc.for_surface(Surface.CLI), FAILED) from None
    except BrokenPipeError:
        raise  # typer ends a closed pipe quietly, as Unix tools do
    except OSError as exc:
        # A file the command was asked to write or read: its path and the system's reason.
        where = f"{exc.filename}: " if exc.filename else ""
        raise fail(f"{where}{exc.strerror or exc}", FAILED) from None


def unreachable(error: Exception, database_url: str | None) -> str:
    if database_url is None:
        return str(error)
    from storage.guard import explain_unreachable

    return explain_unreachable(database_url, error)


def closed_pipe_under(error: BaseException) -> BrokenPipeError | None:
    """The closed pipe `error` came from, if it did."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, BrokenPipeError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def current_settings() -> Settings:
    """The settings from the environment and `.env`; bad ones end the command (exit 2)."""
    from app.settings import load_settings

    with errors():
        return load_settings()


def run(work: Callable[[Ratebot], Awaitable[T]], settings: Settings | None = None) -> T:
    """Build a ratebot on the configured database, run `work`, close it."""
    settings = settings or current_settings()

    async def go() -> T:
        from app.bootstrap import build

        bot = await build(settings)
        try:
            return await work(bot)
        finally:
            await bot.aclose()

    return run_async(go, settings.database_url)


def run_async(work: Callable[[], Awaitable[T]], database_url: str | None = None) -> T:
    """Run `work` in a fresh event loop inside the error boundary."""
    import asyncio

    async def go() -> T:
        return await work()

    with errors(database_url):
        try:
            return asyncio.run(go())
        except RuntimeError as exc:
            # The export's rows come from an async generator, which a closed pipe
            # interrupts mid-row: it comes out as "generator didn't stop after athrow()".
            pipe = closed_pipe_under(exc)
            if pipe is None:
                raise
            raise pipe from None


def console(*, stderr: bool = False) -> Console:
    # Made per command so COLUMNS and redirection are read when the command runs.
    made = Console(stderr=stderr, highlight=False)
    if not made.is_terminal and "COLUMNS" not in os.environ:
        made = Console(stderr=stderr, highlight=False, width=PIPED_WIDTH)
    return made


class Meter:
    """What long work reports its progress to; shows nothing unless on a terminal."""

    def step(self) -> None:
        """One more item done (of an unknown number)."""

    def reach(self, share: float) -> None:
        """This share (0 to 1) of the work is done."""


class ShownMeter(Meter):
    def __init__(self, shown: Progress, task: TaskID) -> None:
        self._shown, self._task = shown, task

    def step(self) -> None:
        self._shown.advance(self._task)

    def reach(self, share: float) -> None:
        self._shown.update(self._task, completed=round(100 * share))


@contextlib.contextmanager
def progress(description: str, *, shares: bool = False) -> Iterator[Meter]:
    """Show long work advancing on a terminal: items counted, or shares of a whole.

    On standard error, so it never mixes with what a command prints; nothing at all
    when standard error is not a terminal (a pipe, a log file, a test).
    """
    out = console(stderr=True)
    if not out.is_terminal:
        yield Meter()
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    count = TextColumn("{task.percentage:>3.0f}%") if shares else MofNCompleteColumn()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), count,
               TimeElapsedColumn())
    with Progress(*columns, console=out, transient=True) as shown:
        yield ShownMeter(shown, shown.add_task(description, total=100 if shares else None))


def say(message: str) -> None:
    """Print `message` as it is: names people typed may hold rich markup."""
    console().print(message, markup=False)
