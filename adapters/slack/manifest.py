"""The Slack app manifest: `ratebot slack-manifest --url https://host` or `--socket-mode`.

The manifest is built here as data and printed as YAML (a small emitter: every string is
a JSON string, which YAML reads as is). `manifest.yaml` at the top of the repository is
this output for the placeholder URL; a test keeps the two equal.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer

from adapters.slack.app import CLOSE_SHORTCUT, COMMAND, EVENTS_PATH
from adapters.slack.workflow_step import CALLBACK_ID as STEP
from adapters.slack.workflow_step import manifest_function

EXAMPLE_URL = "https://ratebot.example.com"
BOT_SCOPES = (
    "chat:write",  # prompts, alerts, digests, updates in place
    "chat:write.public",  # alert and digest channels the bot was not invited to
    "commands",  # /ratings
    "im:write",  # conversations.open for the direct message
    "im:history",  # after a crash mid-send: did the prompt reach the direct message?
    "users:read",  # users.info: locale and timezone
    "users:read.email",  # users.lookupByEmail
    "reactions:read",  # the check mark that closes a request
    "channels:history",  # the request's first message in a public help channel
    "groups:history",  # ... or a private one
    "files:write",  # the export, sent to the admin
)


def manifest(url: str | None = None, *, socket_mode: bool = False) -> dict[str, Any]:
    """The manifest as data. Over Socket Mode no request URL is needed (nor allowed)."""
    if not socket_mode and url is None:
        raise ValueError("give the bot's public URL (--url https://host) or --socket-mode")
    endpoint = None if socket_mode else request_url(url or "")
    command: dict[str, Any] = {
        "command": COMMAND,
        "description": "Service ratings: stats, teams, settings, opting out",
        "usage_hint": "help | stats [team] [weeks] | optout",
        "should_escape": True,  # mentions arrive as <@U123>, channels as <#C123>
    }
    # function_executed: the Workflow Builder step "Ask for a rating" ran.
    events: dict[str, Any] = {
        "bot_events": ["app_home_opened", "reaction_added", "function_executed"]}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if endpoint is not None:
        command["url"] = endpoint
        events["request_url"] = endpoint
        interactivity["request_url"] = endpoint
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "ratebot",
            "description": "Instant service ratings for IT departments",
            "long_description": (
                "When a helpdesk conversation closes, the person who asked for help gets one "
                "question in a direct message, clicks a score and may add a comment. IT teams "
                "get a weekly digest and an alert for every unhappy rating, and admins steer "
                "it all with /ratings."
            ),
            "background_color": "#1d4e89",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": True},
            "bot_user": {"display_name": "ratebot", "always_online": True},
            "shortcuts": [{
                "name": "Close and ask for a rating",
                "type": "message",
                "callback_id": CLOSE_SHORTCUT,
                "description": "Close this request and ask its author how the help was",
            }],
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "functions": {STEP: manifest_function()},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            # Slack offers an app's custom steps in Workflow Builder only when the app is
            # org-ready and says it runs them itself (bolt, not Slack's Deno runtime).
            "org_deploy_enabled": True,
            "function_runtime": "remote",
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def request_url(base: str) -> str:
    """`https://host[/prefix]` -> `https://host[/prefix]/slack/events`; Slack wants https."""
    parts = urlsplit(base.strip())
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"'{base}' is not an https URL like https://ratebot.example.com")
    return f"https://{parts.netloc}{parts.path.rstrip('/')}{EVENTS_PATH}"


def to_yaml(value: Any, indent: int = 0) -> str:
    return "\n".join(_lines(value, indent)) + "\n"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines.extend(_lines(item, indent + 2))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                nested = _lines(item, indent + 2)
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines


def slack_manifest(
    url: Annotated[str | None, typer.Option(
        "--url", help="The bot's public https URL; /slack/events is appended.")] = None,
    socket_mode: Annotated[bool, typer.Option(
        "--socket-mode", help="For SLACK_APP_TOKEN: no public URL needed.")] = False,
) -> None:
    """Print the Slack app manifest to paste at api.slack.com/apps."""
    try:
        manifest_text = render(url, socket_mode=socket_mode)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(manifest_text, nl=False)


def render(url: str | None = None, *, socket_mode: bool = False) -> str:
    """What `ratebot slack-manifest` prints. Raise ValueError for a bad or missing URL."""
    header = "# Slack app manifest for ratebot: paste it at https://api.slack.com/apps\n"
    return header + to_yaml(manifest(url, socket_mode=socket_mode))
