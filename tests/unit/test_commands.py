"""The `/ratings` grammar: words in, commands out (no store, no platform)."""

from __future__ import annotations

import pytest

from bot.domain.commands import (
    AddAdmin,
    AddTeam,
    Command,
    Export,
    Forget,
    ListAdmins,
    ListTeams,
    MapAgent,
    MapGroup,
    OptIn,
    OptOut,
    PreviewDigest,
    RemoveAdmin,
    SendDigest,
    SetTeamOption,
    ShowHelp,
    ShowStats,
    UnmapAgent,
    parse,
)


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("", ShowHelp()),
        ("help", ShowHelp()),
        ("stats", ShowStats(None, 4)),
        ("stats 12", ShowStats(None, 12)),
        ("stats ServiceDesk 8", ShowStats("servicedesk", 8)),
        ("teams", ListTeams()),
        ("team add infra", AddTeam("infra")),
        ("team add infra <#C0INFRA|infra>", AddTeam("infra", "<#C0INFRA|infra>")),
        ("team set sd question How  did we do, {team}?",
         SetTeamOption("sd", "question", "How  did we do, {team}?")),
        ("team set sd alert-channel <#C1|alerts>", SetTeamOption("sd", "alert-channel",
                                                                 "<#C1|alerts>")),
        ("agent map <@U0PIET|piet> sd", MapAgent("U0PIET", "sd")),
        ("agent map piet@example.com sd", MapAgent("piet@example.com", "sd")),
        ("agent unmap <@U0PIET|piet> SD", UnmapAgent("U0PIET", "sd")),
        ("admins", ListAdmins()),
        ("admins add <@W0ADA>", AddAdmin("W0ADA")),
        ("admins remove <mailto:ada@example.com|ada@example.com>",
         RemoveAdmin("ada@example.com")),
        ("optout", OptOut()),
        ("OPTIN", OptIn()),
        ("digest preview sd", PreviewDigest("sd")),
        ("digest send SD", SendDigest("sd")),
        ("digest send sd 2026-W47", SendDigest("sd", "2026-W47")),
        ("team map sd zendesk:Service  Desk", MapGroup("sd", "zendesk:Service  Desk")),
        ("export", Export()),
        ("forget <@U0JAN|jan>", Forget("U0JAN")),
    ],
)
def test_the_grammar(typed: str, command: Command) -> None:
    assert parse(typed) == command


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [("statz", "stats"), ("exprot", "export"), ("optuot", "optout"), ("xyzzy", None)],
)
def test_an_unknown_subcommand_gets_help_and_the_closest_match(
    typed: str, suggestion: str | None
) -> None:
    assert parse(typed) == ShowHelp(unknown=typed, suggestion=suggestion)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("team", "Say what to do with the team."),
        ("team set sd scale", "Say what to do with the team."),
        ("agent map @piet sd", "'@piet' is not a person"),
        ("forget", "Say whom to forget."),
        ("optout please", "'please' was not expected here."),
        ("stats a b", "'b' is not a number of weeks."),
    ],
)
def test_wrong_arguments_explain_themselves_with_the_usage(typed: str, problem: str) -> None:
    command = parse(typed)
    assert isinstance(command, ShowHelp)
    assert command.problem is not None and command.problem.startswith(problem)
    assert "Usage:" in command.problem


def test_who_may_run_what() -> None:
    assert not parse("optout").admin_only and not parse("optin").admin_only
    assert not parse("help").admin_only
    assert all(parse(t).admin_only for t in ("stats", "teams", "export", "team add x"))
