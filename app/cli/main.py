"""The `ratebot` command line: the typer application, assembled from the command modules.

Only what `--help` needs loads here: each command imports the flows, the database and
the platforms it uses when it runs, and the helpdesk commands load their whole module
then (see `app.cli.tree`).
"""

from __future__ import annotations

import typer
from typer._click.core import Command

from app.cli import (
    admin,
    digest,
    onboarding,
    pulse,
    reconcile,
    reporting,
    retention,
    serving,
)
from app.cli.common import show_version
from app.cli.tree import Deferred, RatebotGroup, group_deferring

# The first line of each helpdesk command's docstring: a test keeps them equal.
HELPDESK_SUMMARIES = {
    "map": "Send closes from a helpdesk group (or Jira project) to a team.",
    "unmap": "Stop mapping a helpdesk group to a team.",
    "maps": "Show which helpdesk groups go to which team.",
    "webhook-test": "Replay a saved payload, signed with the configured secret, and show "
                    "what ratebot makes of it.",
}


def helpdesk_command(name: str) -> Command:
    """The real helpdesk command `name`, with its module and the web stack loaded."""
    from app.cli import helpdesk

    top, teams = typer.Typer(), typer.Typer()
    helpdesk.register(top, teams)
    group = typer.main.get_group(teams if name != "webhook-test" else top)
    return group.commands[name]


def deferred(name: str) -> Deferred:
    return Deferred(name, HELPDESK_SUMMARIES[name], lambda: helpdesk_command(name))


app = typer.Typer(
    name="ratebot",
    help="Instant service ratings for IT departments, in Slack and Microsoft Teams.",
    cls=group_deferring(deferred("webhook-test"), onboarding.slack_manifest()),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,  # locals may hold secrets
)
teams_app = typer.Typer(
    help="Add, list, configure and remove IT teams.", no_args_is_help=True,
    cls=group_deferring(deferred("map"), deferred("unmap"), deferred("maps")),
)
agents_app = typer.Typer(help="The IT staff of each team (never asked about IT).",
                         no_args_is_help=True, cls=RatebotGroup)
admins_app = typer.Typer(help="Who may use the admin commands in chat.", no_args_is_help=True,
                         cls=RatebotGroup)
exclusions_app = typer.Typer(help="Emails or patterns that are never asked.",
                             no_args_is_help=True, cls=RatebotGroup)
app.add_typer(teams_app, name="teams")
app.add_typer(agents_app, name="agents")
app.add_typer(admins_app, name="admins")
app.add_typer(exclusions_app, name="exclusions")


@app.callback()
def ratebot(
    version: bool = typer.Option(
        False, "--version", callback=show_version, is_eager=True,
        help="Show ratebot's version and exit.",
    ),
) -> None:
    """Instant service ratings for IT departments, in Slack and Microsoft Teams."""


serving.register(app)
admin.register(app, teams=teams_app, agents=agents_app, admins=admins_app,
               exclusions=exclusions_app)
reporting.register(app)
onboarding.register(app)
digest.register(app)
reconcile.register(app)
retention.register(app)
pulse.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
