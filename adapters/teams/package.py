"""`ratebot teams-package`: the Teams app package (manifest.json and two icons, zipped)."""

from __future__ import annotations

import argparse
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from adapters.teams.icons import color_icon, outline_icon
from bot.domain.commands import USAGE

MANIFEST_VERSION = "1.22"
SCHEMA = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
    "MicrosoftTeams.schema.json"
)
APP_VERSION = "1.0.0"
CLOSE_COMMAND = "closeAndAsk"
CLOSE_TITLE = "Close and ask for a rating"
SUBJECT_PARAMETER = "subject"  # the message's first line when left empty
MAX_COMMANDS = 10  # Teams shows at most ten commands per list
# Not offered in Teams: files need SharePoint and the file-consent flow.
_NOT_IN_TEAMS = ("export",)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$")


def commands() -> list[dict[str, str]]:
    """The `ratings ...` commands, so Teams suggests them as the person types."""
    listed = []
    for name, usage in USAGE.items():
        if name in _NOT_IN_TEAMS:
            continue
        description = usage.split(" — ", 1)[-1]
        listed.append({"title": name[:32], "description": description[:128]})
    return listed[:MAX_COMMANDS]


def manifest(app_id: str, *, name: str = "ratebot", domain: str | None = None) -> dict[str, Any]:
    """The app manifest for the bot registered as `app_id`."""
    if not _GUID.fullmatch(app_id):
        raise ValueError(f"'{app_id}' is not a Microsoft App ID (a GUID)")
    if domain is not None and not _DOMAIN.fullmatch(domain.lower()):
        raise ValueError(f"'{domain}' is not a domain name (like ratebot.example.com)")
    website = f"https://{domain}" if domain else "https://github.com/ratebot/ratebot"
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": APP_VERSION,
        "id": app_id,
        "developer": {
            "name": "ratebot",
            "websiteUrl": website,
            "privacyUrl": website + "/privacy",
            "termsOfUseUrl": website + "/terms",
        },
        "name": {"short": name[:30], "full": f"{name} — instant service ratings"[:100]},
        "description": {
            "short": "Rate the help you got from IT, in one click."[:80],
            "full": (
                "After a helpdesk conversation closes, ratebot asks the person who was helped "
                "for one rating, and an optional comment. IT teams get a weekly digest and an "
                "alert for every detractor; admins steer it with `ratings` commands."
            )[:4000],
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#2F6FDE",
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team"],
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [
                    {"scopes": ["personal", "team"], "commands": commands()},
                ],
            }
        ],
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


def write_package(
    out: Path, app_id: str, *, name: str = "ratebot", domain: str | None = None
) -> Path:
    """Write the zip Teams admins upload: manifest.json, color.png and outline.png at its root."""
    content = json.dumps(manifest(app_id, name=name, domain=domain), indent=2,
                         ensure_ascii=False)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", content)
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ratebot teams-package", description=__doc__)
    parser.add_argument("--app-id", required=True, help="the bot's Microsoft App ID (GUID)")
    parser.add_argument("--name", default="ratebot", help="the app's name in Teams")
    parser.add_argument("--domain", help="the public host name of /api/messages")
    parser.add_argument("--out", type=Path, default=Path("ratebot-teams.zip"))
    args = parser.parse_args(argv)
    try:
        written = write_package(args.out, args.app_id, name=args.name, domain=args.domain)
    except ValueError as problem:
        parser.error(str(problem))
    print(f"Wrote {written}: upload it in Teams (Apps > Manage your apps > Upload an app).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
