"""`ratebot teams-package`: the Teams app package (manifest.json and two icons, zipped)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from adapters.teams.icons import color_icon, outline_icon
from bot.domain.commands import USAGE

MANIFEST_VERSION = "1.22"
SCHEMA = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
    "MicrosoftTeams.schema.json"
)
PROJECT_SITE = "https://github.com/ratebot/ratebot"
# Without a public host of its own the app points at the project's words: the README's
# section on what is stored about a person, and the licence the software comes under.
PROJECT_PRIVACY = PROJECT_SITE + "#your-own-data"
PROJECT_TERMS = PROJECT_SITE + "/blob/main/LICENSE"
# Where `ratebot serve` answers with its privacy and terms pages (app/pages.py).
PRIVACY_PATH = "/privacy"
TERMS_PATH = "/terms"
CLOSE_COMMAND = "closeAndAsk"
CLOSE_TITLE = "Close and ask for a rating"
SUBJECT_PARAMETER = "subject"  # the message's first line when left empty

# Manifest 1.22 allows three command lists, one per scope, of ten commands each (from 1.25
# on, twelve); Teams shows a person the list of the scope they are in. Thirteen commands do
# not fit one list, so each scope gets the ones used there.
MAX_COMMANDS = 10
MAX_TITLE = 32  # Teams' documented menu limits, tighter than the schema's
MAX_DESCRIPTION = 128
# The personal chat is where everyone meets the bot: first what anyone does about
# themselves, then what admins read most (setup is in `help` and in the channel list).
PERSONAL_COMMANDS = ("help", "my ratings", "my data", "optout", "optin", "forget me",
                     "stats", "digest", "export", "teams")
# In a team's channel the bot answers @mentions and the commands about oneself are
# refused (they answer in private only): there the list is the admins' setup and reports.
TEAM_COMMANDS = ("help", "stats", "digest", "export", "teams", "team", "agent", "admins",
                 "forget", "pulse")
# Teams people type these in two words; the grammar's usage spells them with a hyphen.
_SPELLED = {"my data": "my-data", "forget me": "forget-me"}
# What a command does in Teams where that differs from its usage (or it has none).
_IN_TEAMS = {
    "my ratings": "your ratings, whether you are asked, your data and forgetting you",
    "export": "every rating as a CSV file: Teams cannot carry files, so it says where to "
              "get it",
}
# The schema's semver: three numbers, MAJOR.MINOR.PATCH, without a pre-release or build part.
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_RELEASE = re.compile(r"^([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$")
_MAX_URL = 2048


def description(title: str) -> str:
    """What a menu entry says: the command's usage, its arguments always kept.

    A usage without arguments ("optout — never ask me for ratings") loses its name, which
    the title already shows; any other keeps its whole syntax ("stats [team] [weeks] — ...").
    """
    if title in _IN_TEAMS:
        return _IN_TEAMS[title]
    name = _SPELLED.get(title, title)
    usage = USAGE[name]
    bare = f"{name} — "
    if usage.startswith(bare) and "|" not in usage:
        return usage[len(bare):]
    return usage


def commands(titles: tuple[str, ...]) -> list[dict[str, str]]:
    """A command list's entries; Teams puts the title in the compose box when chosen."""
    if len(titles) > MAX_COMMANDS:
        raise ValueError(f"Teams shows at most {MAX_COMMANDS} commands per list")
    listed = [{"title": title, "description": description(title)} for title in titles]
    for entry in listed:
        if len(entry["title"]) > MAX_TITLE or len(entry["description"]) > MAX_DESCRIPTION:
            raise ValueError(f"the menu entry '{entry['title']}' is too long for Teams")
    return listed


def app_version(installed: str) -> str:
    """The package's version as Teams takes it: `0.2.0.dev3` is `0.2.0`, `1.2` is `1.2.0`."""
    found = _RELEASE.match(installed)
    if found is None:
        raise ValueError(f"'{installed}' has no release number: pass --version")
    return ".".join(str(int(part or 0)) for part in found.groups())


def checked_version(version: str) -> str:
    if not _SEMVER.fullmatch(version):
        raise ValueError(f"'{version}' is not a version Teams takes: write three numbers, "
                         "like 1.4.0, and raise it for every new package")
    return version


def checked_url(url: str, option: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or len(url) > _MAX_URL:
        raise ValueError(f"{option} must be an https:// address, not '{url}'")
    return url


def manifest(
    app_id: str,
    *,
    version: str,
    name: str = "ratebot",
    domain: str | None = None,
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> dict[str, Any]:
    """The app manifest for the bot registered as `app_id`.

    The privacy and terms links are the organisation's own pages when given, else the
    pages `ratebot serve` answers at `domain`, else the project's.
    """
    if not _GUID.fullmatch(app_id):
        raise ValueError(f"'{app_id}' is not a Microsoft App ID (a GUID)")
    if domain is not None and not _DOMAIN.fullmatch(domain.lower()):
        raise ValueError(f"'{domain}' is not a domain name (like ratebot.example.com)")
    website = f"https://{domain}" if domain else PROJECT_SITE
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": checked_version(version),
        "id": app_id,
        "developer": {
            "name": "ratebot",
            "websiteUrl": website,
            "privacyUrl": _page(privacy_url, "--privacy-url", domain, PRIVACY_PATH,
                                PROJECT_PRIVACY),
            "termsOfUseUrl": _page(terms_url, "--terms-url", domain, TERMS_PATH,
                                   PROJECT_TERMS),
        },
        "name": {"short": name[:30], "full": f"{name} — instant service ratings"[:100]},
        "description": {
            "short": "Rate the help you got from IT, in one click."[:80],
            "full": (
                "After a helpdesk conversation closes, ratebot asks the person who was helped "
                "for one rating, and an optional comment. IT teams get a weekly digest and an "
                "alert for every low rating; admins steer it with `ratings` commands."
            )[:4000],
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#2F6FDE",
        "bots": [_bot(app_id)],
        "composeExtensions": [_close_action(app_id)],
        # Receive every message in a team's channels (not only @mentions): the first
        # message of a thread names the requester when an agent later says `close`.
        "authorization": {
            "permissions": {
                "resourceSpecific": [
                    {"name": "ChannelMessage.Read.Group", "type": "Application"},
                ]
            }
        },
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [domain] if domain else [],
        "webApplicationInfo": {"id": app_id, "resource": f"api://botid-{app_id}"},
    }


def _bot(app_id: str) -> dict[str, Any]:
    """The bot, with a command menu for each scope it is in."""
    return {
        "botId": app_id,
        "scopes": ["personal", "team"],
        "isNotificationOnly": False,
        "supportsFiles": False,
        "commandLists": [
            {"scopes": ["personal"], "commands": commands(PERSONAL_COMMANDS)},
            {"scopes": ["team"], "commands": commands(TEAM_COMMANDS)},
        ],
    }


def _page(given: str | None, option: str, domain: str | None, path: str, project: str) -> str:
    if given is not None:
        return checked_url(given, option)
    return f"https://{domain}{path}" if domain else project


def _close_action(app_id: str) -> dict[str, Any]:
    """The message action "Close and ask for a rating", with its optional subject."""
    return {
        "botId": app_id,
        "commands": [
            {
                "id": CLOSE_COMMAND,
                "type": "action",
                "title": CLOSE_TITLE,
                "description": "Close this request and ask its author to rate the help.",
                "context": ["message"],
                "fetchTask": False,
                "parameters": [
                    {
                        "name": SUBJECT_PARAMETER,
                        "title": "Subject (optional)",
                        "description": "What the request was about, for the rating",
                        "inputType": "text",
                    }
                ],
            }
        ],
    }


def write_package(out: Path, app: dict[str, Any]) -> Path:
    """Write the zip Teams admins upload: manifest.json, color.png and outline.png at its root."""
    content = json.dumps(app, indent=2, ensure_ascii=False)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", content)
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    return out
