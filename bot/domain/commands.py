"""The `/ratings` grammar, shared by Slack and Teams: words in, a command (imperative) out.

Parsing is pure: no store, no platform. Platform user and channel mentions arrive in the
platform's escaped form (`<@U123|jane>`, `<#C123|help>`, `<mailto:a@b|a@b>`) and are
reduced to an id or an email here; resolving them is the handler's job.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

DEFAULT_WEEKS = 4
_USER = re.compile(r"^<@(?P<id>[UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_MAILTO = re.compile(r"^<mailto:(?P<email>[^|>]+)(?:\|[^>]*)?>$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_PLAIN_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")


@dataclass(frozen=True, slots=True)
class Command:
    admin_only: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class ShowHelp(Command):
    admin_only: ClassVar[bool] = False
    unknown: str | None = None  # the word that was not understood
    suggestion: str | None = None  # the closest known subcommand
    problem: str | None = None  # what was wrong with a known subcommand's arguments


@dataclass(frozen=True, slots=True)
class ShowStats(Command):
    team: str | None = None
    weeks: int = DEFAULT_WEEKS


@dataclass(frozen=True, slots=True)
class ListTeams(Command):
    pass


@dataclass(frozen=True, slots=True)
class AddTeam(Command):
    name: str
    channel: str | None = None  # becomes the team's digest channel


@dataclass(frozen=True, slots=True)
class SetTeamOption(Command):
    team: str
    option: str
    value: str


@dataclass(frozen=True, slots=True)
class MapAgent(Command):
    user: str  # a platform user id or an email
    team: str


@dataclass(frozen=True, slots=True)
class AddAdmin(Command):
    user: str


@dataclass(frozen=True, slots=True)
class RemoveAdmin(Command):
    user: str


@dataclass(frozen=True, slots=True)
class ListAdmins(Command):
    pass


@dataclass(frozen=True, slots=True)
class OptOut(Command):
    admin_only: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class OptIn(Command):
    admin_only: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class PreviewDigest(Command):
    team: str


@dataclass(frozen=True, slots=True)
class SendDigest(Command):
    team: str
    week: str | None = None  # an ISO week like 2026-W47; None: the last complete week


@dataclass(frozen=True, slots=True)
class UnmapAgent(Command):
    user: str  # a platform user id or an email
    team: str


@dataclass(frozen=True, slots=True)
class MapGroup(Command):
    team: str
    group: str  # "<source>:<group>", e.g. "zendesk:Service Desk"


@dataclass(frozen=True, slots=True)
class Export(Command):
    pass


@dataclass(frozen=True, slots=True)
class Forget(Command):
    user: str


@dataclass(frozen=True, slots=True)
class MyData(Command):
    """Anyone: everything stored about them, sent to them alone."""

    admin_only: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class ForgetMe(Command):
    """Anyone: erase who they are (after they confirm), and never ask them again."""

    admin_only: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class MyRatings(Command):
    """Anyone, in Teams: their own page (Slack has the App Home for it)."""

    admin_only: ClassVar[bool] = False


USAGE: dict[str, str] = {
    "help": "help — this list",
    "stats": "stats [team] [weeks] — scores over the last weeks (default 4)",
    "teams": "teams — the teams and their settings",
    "team": "team add <name> [#channel] | team set <name> <option> <value> | "
            "team map <name> <source>:<group>",
    "agent": "agent map @user <team> — this person helps in that team | "
             "agent unmap @user <team> — no longer",
    "admins": "admins | admins add @user | admins remove @user",
    "optout": "optout — never ask me for ratings",
    "optin": "optin — ask me again",
    "digest": "digest preview <team> | digest send <team> [2026-W47] — see the last "
              "week's digest yourself, or post a week's digest now",
    "export": "export — every rating as a CSV file, in a direct message",
    "forget": "forget @user — erase a person, keep their ratings without a name",
    "my-data": "my-data — everything ratebot stores about you, as a file sent to you alone",
    "forget-me": "forget-me — erase who you are (you confirm first); you are never asked again",
}
SUBCOMMANDS = tuple(USAGE)
_USAGE_OF = {"my": "my-data"}  # a word Teams people type, shown in Slack's spelling


def user_ref(word: str) -> str | None:
    """A platform user id or an email from a mention, a mailto link or plain text."""
    for pattern, group in ((_USER, "id"), (_MAILTO, "email")):
        match = pattern.fullmatch(word)
        if match:
            return match[group].strip()
    if _EMAIL.fullmatch(word) or _PLAIN_ID.fullmatch(word):
        return word
    return None


def parse(text: str) -> Command:
    """The command an admin (or anyone) typed after `/ratings`."""
    words = text.split()
    if not words:
        return ShowHelp()
    head, args = words[0].lower(), words[1:]
    parser = _PARSERS.get(head)
    if parser is None:
        close = difflib.get_close_matches(head, SUBCOMMANDS, n=1, cutoff=0.5)
        return ShowHelp(unknown=words[0], suggestion=close[0] if close else None)
    try:
        return parser(args, text.split(None, 1)[1] if len(words) > 1 else "")
    except _Usage as problem:
        return ShowHelp(problem=f"{problem} Usage: {USAGE[_USAGE_OF.get(head, head)]}")


class _Usage(Exception):
    pass


# (the words after the subcommand, the text after it with its spacing) -> command
_Parser = Callable[[list[str], str], Command]


def _no_args(command: Command) -> _Parser:
    def parse_it(args: list[str], rest: str) -> Command:
        if args:
            raise _Usage(f"'{args[0]}' was not expected here.")
        return command

    return parse_it


def _stats(args: list[str], rest: str) -> Command:
    if len(args) > 2:
        raise _Usage("Too many words.")
    team: str | None = None
    weeks = DEFAULT_WEEKS
    for arg in args:
        if arg.isdigit():
            weeks = int(arg)
        elif team is None:
            team = arg.lower()
        else:
            raise _Usage(f"'{arg}' is not a number of weeks.")
    return ShowStats(team, weeks)


def _team(args: list[str], rest: str) -> Command:
    action = args[0].lower() if args else ""
    if action == "add" and len(args) in (2, 3):
        return AddTeam(args[1].lower(), args[2] if len(args) == 3 else None)
    if action == "map" and len(args) >= 3:
        # A helpdesk group may have spaces in its name: "zendesk:Service Desk".
        return MapGroup(args[1].lower(), rest.split(None, 2)[2].strip())
    if action == "set" and len(args) >= 4:
        # The value is everything after the option, spacing kept: a question is a sentence.
        value = rest.split(None, 3)[3]
        return SetTeamOption(args[1].lower(), args[2].lower(), value.strip())
    raise _Usage("Say what to do with the team.")


def _user(word: str) -> str:
    found = user_ref(word)
    if found is None:
        raise _Usage(f"'{word}' is not a person: mention them with @ or give their email.")
    return found


def _agent(args: list[str], rest: str) -> Command:
    if len(args) == 3 and args[0].lower() == "map":
        return MapAgent(_user(args[1]), args[2].lower())
    if len(args) == 3 and args[0].lower() == "unmap":
        return UnmapAgent(_user(args[1]), args[2].lower())
    raise _Usage("Say which person and which team.")


def _admins(args: list[str], rest: str) -> Command:
    if not args:
        return ListAdmins()
    action = args[0].lower()
    if len(args) == 2 and action in ("add", "remove"):
        user = _user(args[1])
        return AddAdmin(user) if action == "add" else RemoveAdmin(user)
    raise _Usage("Say add or remove, and whom.")


def _digest(args: list[str], rest: str) -> Command:
    action = args[0].lower() if args else ""
    if len(args) == 2 and action == "preview":
        return PreviewDigest(args[1].lower())
    if len(args) in (2, 3) and action == "send":
        return SendDigest(args[1].lower(), args[2] if len(args) == 3 else None)
    raise _Usage("Say preview or send, and which team's digest.")


def _forget(args: list[str], rest: str) -> Command:
    if len(args) == 1 and args[0].lower() == "me":  # Teams' "forget me"
        return ForgetMe()
    if len(args) == 1:
        return Forget(_user(args[0]))
    raise _Usage("Say whom to forget.")


def _my(args: list[str], rest: str) -> Command:
    words = [arg.lower() for arg in args]
    if words == ["data"]:
        return MyData()
    if words == ["ratings"]:
        return MyRatings()
    raise _Usage("Say `my data` or `my ratings`.")


_PARSERS: dict[str, _Parser] = {
    "help": _no_args(ShowHelp()),
    "stats": _stats,
    "teams": _no_args(ListTeams()),
    "team": _team,
    "agent": _agent,
    "admins": _admins,
    "optout": _no_args(OptOut()),
    "optin": _no_args(OptIn()),
    "digest": _digest,
    "export": _no_args(Export()),
    "forget": _forget,
    "my-data": _no_args(MyData()),
    "my": _my,  # Teams' "my data" and "my ratings"
    "forget-me": _no_args(ForgetMe()),
}
