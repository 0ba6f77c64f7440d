"""The `ratebot` command line: the typer application, assembled from the command modules."""

from __future__ import annotations

import typer

from app.cli import admin, digest, helpdesk, onboarding, reporting, serving

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

serving.register(app)
admin.register(app, teams=teams_app, agents=agents_app, admins=admins_app,
               exclusions=exclusions_app)
reporting.register(app)
onboarding.register(app)
helpdesk.register(app, teams_app)
digest.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
