"""The shape of the command tree: quiet flag help, and commands whose module loads late.

`ratebot --help` (and every plain command) must start in a fraction of a second. The
helpdesk commands need the web stack, the helpdesk adapters and SQLAlchemy at import; a
`Deferred` stands in for each of them in listings, help and completion, and the real
command is built only once that command is the one being run.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

from typer._click.core import Command, Context
from typer.core import TyperCommand, TyperGroup, TyperOption


class Deferred(TyperCommand):
    """A command known by its name and summary until it runs; `load` builds the real one."""

    def __init__(self, name: str, summary: str, load: Callable[[], Command]) -> None:
        super().__init__(name, help=summary, short_help=summary, add_help_option=False)
        self._load = load
        self._loaded: Command | None = None

    def loaded(self) -> Command:
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded


def tidy_help(command: Command, ctx: Context) -> None:
    """Help that reads well at any width: no `<bool>` beside flags, no source line breaks.

    Flags take no value, so they show no type. typer keeps the docstring's own line breaks
    after the first paragraph, which then break sentences in the middle on a terminal
    of another width: every paragraph becomes one line for the terminal to wrap.
    """
    for param in command.get_params(ctx):
        if isinstance(param, TyperOption) and param.is_flag:
            param.metavar = ""
    if command.help:
        command.help = reflowed(command.help)


def reflowed(text: str) -> str:
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        paragraph if paragraph.startswith("\b") else " ".join(paragraph.split())
        for paragraph in paragraphs
    )


class RatebotGroup(TyperGroup):
    """A group of `ratebot` commands; subclasses name the commands loaded late."""

    deferred: ClassVar[tuple[Deferred, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in self.deferred:
            self.add_command(command)

    def get_params(self, ctx: Context) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if isinstance(param, TyperOption) and param.is_flag:
                param.metavar = ""  # as `tidy_help` does for the commands
        return params

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        # Only a command about to run (or be completed, or asked for its own help)
        # comes through here: listings keep the stand-in.
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, Deferred):
            command = command.loaded()
        if command is not None:
            tidy_help(command, ctx)
        return name, command, rest


def group_deferring(*commands: Deferred) -> type[RatebotGroup]:
    """A `RatebotGroup` class that carries `commands` as stand-ins."""
    return type("RatebotGroup", (RatebotGroup,), {"deferred": commands})
