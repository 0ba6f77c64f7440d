"""`ratebot pulse`: start a relationship pulse for a team, as `/ratings pulse` does in chat."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import actor, run, say

DEFAULT_DAYS = 90  # bot.domain.pulse.DEFAULT_DAYS; not imported, so `--help` stays quick


def register(app: typer.Typer) -> None:
    """Add the `pulse` command to the `ratebot` application."""
    app.command("pulse")(pulse)


def pulse(
    team: Annotated[str, typer.Argument(help="The team, e.g. 'servicedesk'.")],
    days: Annotated[int, typer.Option(
        "--days", help="Ask who had a conversation with the team in these last days.")
    ] = DEFAULT_DAYS,
    question: Annotated[str | None, typer.Option(
        "--question", help="Your own 0-10 question instead of 'How likely are you to "
        "recommend TEAM to a colleague?'.")] = None,
) -> None:
    """Ask the team's recent requesters one relationship question (NPS 0-10), once.

    The usual rules apply: opted-out, excluded and IT staff are never asked, nor anyone
    asked within the cooldown. The answers are reported apart from the per-ticket ratings,
    in the team's digest of the week the pulse closes. One pulse per team at a time.
    """
    from bot.flows.pulse import pulse_reply, start_pulse

    started = run(lambda bot: start_pulse(
        bot.services, team, days=days, question=question, actor=actor()))
    say(pulse_reply(started))
