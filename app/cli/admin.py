"""`ratebot teams|agents|admins|exclusions ...` and `ratebot forget`: administration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from app.cli.common import TeamOption, actor, console, current_settings, fail, run, say
from bot.domain.reasons import describe as describe_reasons
from bot.domain.reminders import describe_reminder
from bot.domain.request_checks import mutual_note
from bot.flows import admin

if TYPE_CHECKING:
    from bot.domain.model import Team

# --------------------------------------------------------------------------- teams


def teams_add(
    name: Annotated[str, typer.Argument(help="A slug like 'servicedesk'.")],
    display_name: Annotated[str | None, typer.Option(help="The name people see.")] = None,
) -> None:
    """Add a team."""
    team = run(lambda bot: admin.add_team(
        bot.services, name, display_name=display_name, actor=actor()))
    say(f"Added team {team.name} ({team.display_name}), scale {team.scale.value}.")


def teams_list() -> None:
    """Show every team and its options."""
    settings = current_settings()
    teams = run(lambda bot: bot.services.store.list_teams(), settings)
    if not teams:
        say("No teams yet. Add one with: ratebot teams add NAME")
        return
    console().print(teams_table(teams, settings.cooldown_days))
    if mutual := [team.name for team in teams if team.mutual]:
        say(f"Mutual rating on: {', '.join(mutual)} (agents rate the requests they close; "
            "kept apart from the score, admins see totals only).")


def teams_table(teams: list[Team], default_cooldown: int) -> Table:
    table = Table(title="Teams")
    for column in ("Team", "Name", "Scale", "Anonymity", "Throttle", "Expiry", "Sample",
                   "Delay", "Reminder", "After score", "Coaching", "Timezone", "Locale", "Digest",
                   "Channels"):
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
            describe_reminder(team.reminder_minutes),
            f"reasons {describe_reasons(team.reasons)}" + (", lost time" if team.lost_time else ""),
            "on" if team.coaching else "off",
            team.timezone or "default", team.locale or "default", team.digest_schedule,
            channels or "—",
        )
    return table


def teams_set(
    name: Annotated[str, typer.Argument(help="The team.")],
    option: Annotated[str, typer.Argument(help=", ".join(admin.ALL_OPTIONS))],
    value: Annotated[list[str], typer.Argument(help="The new value ('default' resets).")],
) -> None:
    """Change one option of a team, e.g. `teams set servicedesk scale csat`."""
    text = " ".join(value)
    team = run(lambda bot: admin.set_team_option(
        bot.services, name, option, text, actor=actor()))
    say(admin.option_changed(team.name, option, text))
    if note := mutual_note(option, team):  # what turning mutual rating on means
        say(note.strip())


def teams_remove(name: Annotated[str, typer.Argument(help="The team.")]) -> None:
    """Remove a team that has no conversations yet (its helpdesk group mappings go too)."""
    dropped = run(lambda bot: admin.remove_team(bot.services, name, actor=actor()))
    say(f"Removed team {name}.")
    if dropped:
        groups = ", ".join(f"{m.source}:{m.group}" for m in dropped)
        say(f"Its helpdesk groups are no longer mapped: {groups}. Their closes now go to "
            "RATEBOT_DEFAULT_TEAM, or are refused without it; map them with "
            "ratebot teams map TEAM SOURCE:GROUP.")


# --------------------------------------------------------------------------- people


def agents_add(
    team: Annotated[str, typer.Argument(help="The team.")],
    email: Annotated[str, typer.Argument(help="The agent's email.")],
    name: Annotated[str | None, typer.Option(help="The agent's name.")] = None,
) -> None:
    """Add an agent (IT staff member) to a team."""
    person = run(lambda bot: admin.add_agent(
        bot.services, team, email, name=name, actor=actor()))
    say(f"Added {person.display_name or person.email} to {team}.")


def agents_remove(
    team: Annotated[str, typer.Argument(help="The team.")],
    email: Annotated[str, typer.Argument(help="The agent's email.")],
) -> None:
    """Stop counting someone as an agent of a team (they may be asked about it again)."""
    removed = run(lambda bot: admin.remove_agent(bot.services, team, email, actor=actor()))
    say(f"Removed {email} from the agents of {team}." if removed
        else f"{email} was not an agent of {team}; nothing changed.")


def agents_list(team: TeamOption = None) -> None:
    """List agents, per team."""
    agents = run(lambda bot: bot.services.store.list_agents(team))
    table = Table(title="Agents")
    for column in ("Team", "Email", "Name"):
        table.add_column(column)
    for team_name, person in agents:
        table.add_row(team_name, person.email or "—", person.display_name or "—")
    console().print(table)


def admins_add(identifier: Annotated[str, typer.Argument(help="Email or user id.")]) -> None:
    """Make someone an admin."""
    added = run(lambda bot: admin.add_admin(bot.services, identifier, actor=actor()))
    say(f"{identifier} is {'now' if added else 'already'} an admin.")


def admins_remove(identifier: Annotated[str, typer.Argument(help="Email or user id.")]) -> None:
    """Remove an admin (admins from RATEBOT_ADMINS stay)."""
    removed = run(lambda bot: admin.remove_admin(bot.services, identifier, actor=actor()))
    say(f"Removed admin {identifier}." if removed else f"{identifier} was not an admin.")


def admins_list() -> None:
    """List admins: RATEBOT_ADMINS and those added here or in chat."""
    settings = current_settings()
    stored = run(lambda bot: bot.services.store.list_admins(), settings)
    for identifier in settings.admins:
        say(f"{identifier}  (RATEBOT_ADMINS)")
    for identifier in stored:
        if identifier not in settings.admins:
            say(identifier)
    if not stored and not settings.admins:
        say("No admins yet. Set RATEBOT_ADMINS or run: ratebot admins add EMAIL")


def exclusions_add(pattern: Annotated[str, typer.Argument(help="'*@example.com'")]) -> None:
    """Never ask people matching an email or pattern."""
    added = run(lambda bot: admin.add_exclusion(bot.services, pattern, actor=actor()))
    say(f"Excluded {pattern}." if added else f"{pattern} was already excluded.")


def exclusions_remove(pattern: Annotated[str, typer.Argument(help="As it was added.")]) -> None:
    """Stop excluding an email or pattern."""
    removed = run(lambda bot: admin.remove_exclusion(bot.services, pattern, actor=actor()))
    say(f"No longer excluding {pattern}." if removed else f"{pattern} was not excluded.")


def exclusions_list() -> None:
    """List exclusions."""
    for pattern in run(lambda bot: bot.services.store.list_exclusions()):
        say(pattern)


def forget(
    email: Annotated[str, typer.Option(help="The person to erase.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a person: identifying fields removed, their ratings kept without a person."""
    if not yes and not typer.confirm(
        f"Erase {email} for good? Their ratings stay, without a link to them."
    ):
        raise fail("Nothing was changed.", 1)
    kept = run(lambda bot: admin.forget(bot.services, email, actor=actor()))
    say(f"Forgot {email}; {kept} rating(s) kept without a person.")


def register(app: typer.Typer, *, teams: typer.Typer, agents: typer.Typer,
             admins: typer.Typer, exclusions: typer.Typer) -> None:
    """Add these commands to their groups of the `ratebot` command line."""
    teams.command("add")(teams_add)
    teams.command("list")(teams_list)
    # Values like "-1" must reach the parser (and its clear message), not look like options.
    teams.command("set", context_settings={"ignore_unknown_options": True})(teams_set)
    teams.command("remove")(teams_remove)
    agents.command("add")(agents_add)
    agents.command("remove")(agents_remove)
    agents.command("list")(agents_list)
    admins.command("add")(admins_add)
    admins.command("remove")(admins_remove)
    admins.command("list")(admins_list)
    exclusions.command("add")(exclusions_add)
    exclusions.command("remove")(exclusions_remove)
    exclusions.command("list")(exclusions_list)
    app.command()(forget)
