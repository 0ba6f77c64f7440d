"""`ratebot teams map|unmap|maps` and `ratebot webhook-test`: connecting a helpdesk."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import aiohttp
import typer
from aiohttp import web

from adapters.helpdesk.generic import GenericWebhook
from adapters.helpdesk.github import GitHubWebhook
from adapters.helpdesk.source import Ignored, PayloadError, WebhookEvent, load_object
from adapters.helpdesk.vendor import VendorWebhook
from app.bootstrap import Ratebot, build
from app.cli.common import actor, current_settings, fail, run, run_async, say
from app.cli.webhook_fields import UsedField, origin_of, used_fields
from app.server import build_app, helpdesk_sources
from app.settings import Settings
from bot.domain.clock import SystemClock
from bot.domain.events import ConversationClosed, ConversationReopened
from bot.domain.mapping import GroupMapping
from bot.flows import source_mapping
from bot.flows.asking import make_decider
from bot.flows.settling import settle_closes
from storage.teams import UPDATABLE

LOOPBACK = "127.0.0.1"
REPLAY_TIMEOUT_SECONDS = 30

# The sources `webhook-test` can sign a request for: every one the server accepts.
Replayable = VendorWebhook | GenericWebhook


def vendor_names(settings: Settings) -> frozenset[str]:
    return frozenset(
        name for name, source in helpdesk_sources(settings).items()
        if isinstance(source, VendorWebhook)
    )


def replayable_names(settings: Settings) -> frozenset[str]:
    return frozenset(
        name for name, source in helpdesk_sources(settings).items()
        if isinstance(source, Replayable)
    )


def teams_map(
    team: Annotated[str, typer.Argument(help="The ratebot team, e.g. servicedesk.")],
    group: Annotated[str, typer.Argument(
        help="<source>:<group>, e.g. 'zendesk:Service Desk' or 'jira:ITSM'.")],
) -> None:
    """Send closes from a helpdesk group (or Jira project) to a team."""
    mapping = run(lambda bot: source_mapping.map_group(
        bot.services, team, group, actor=actor()))
    moved = f" instead of {mapping.moved_from}" if mapping.moved_from else ""
    say(f"Closes from {mapping.source} group '{mapping.group}' now go to {mapping.team}"
        f"{moved}.")


def teams_unmap(
    group: Annotated[str, typer.Argument(help="<source>:<group>, as it was mapped.")],
) -> None:
    """Stop mapping a helpdesk group to a team."""
    if run(lambda bot: source_mapping.unmap_group(bot.services, group, actor=actor())):
        say(f"Removed the mapping of {group.strip()}.")
    else:
        say(f"{group.strip()} was not mapped; nothing changed.")


def teams_maps() -> None:
    """Show which helpdesk groups go to which team."""
    settings = current_settings()

    async def work(bot: Ratebot) -> list[GroupMapping]:
        return await bot.services.store.group_mappings()

    mappings = run(work, settings)
    for mapping in mappings:
        say(f"{mapping.source}:{mapping.group} -> {mapping.team}")
    default = settings.default_team
    say(
        f"Unmapped groups go to {default} (RATEBOT_DEFAULT_TEAM)." if default
        else "Unmapped groups are refused (set RATEBOT_DEFAULT_TEAM to catch them)."
    )


def webhook_test(
    source: Annotated[str, typer.Argument(
        help="generic, zendesk, jira, freshservice, servicenow, ...")],
    file: Annotated[Path, typer.Option(
        "--file", "-f", exists=True, dir_okay=False, readable=True,
        help="A payload saved from the helpdesk (JSON).")],
) -> None:
    """Replay a saved payload, signed with the configured secret, and show what ratebot makes of it.

    It shows which fields were used and where in the payload each came from. Nothing is
    written to the real database: the request goes to an in-process server on a temporary
    copy of the teams and group mappings, so nobody is asked.
    """
    settings = current_settings()
    sources = helpdesk_sources(settings)
    chosen = sources.get(source)
    if not isinstance(chosen, Replayable):
        known = ", ".join(sorted(replayable_names(settings)))
        raise fail(f"Unknown source '{source}'. Known sources: {known}.", 2)
    if not chosen.configured:
        raise fail(f"Set {chosen.secret_setting} first: it signs the test request.", 2)
    body = file.read_bytes()
    status, answer, decision = run_async(lambda: _replay(settings, chosen, body))
    _describe(chosen, body)
    say(f"POST /webhooks/{source} -> {status} {json.dumps(answer)}")
    if decision is not None:
        say(f"  decision: {decision}")
    if status >= 400:
        raise typer.Exit(1)


async def _replay(
    settings: Settings, source: Replayable, body: bytes
) -> tuple[int, Any, str | None]:
    """The answer to the signed request, and the decision the worker then takes on it."""
    with tempfile.TemporaryDirectory(prefix="ratebot-webhook-test-") as folder:
        scratch = settings.model_copy(
            update={"database_url": f"sqlite:///{Path(folder) / 'scratch.db'}"}
        )
        real = await build(settings)
        try:
            copy = await build(scratch)
            try:
                await _copy_teams(real, copy)
                headers = {"Content-Type": "application/json"}
                headers.update(source.sign(body, now=SystemClock().now()))
                status, answer = await post_in_process(
                    build_app(copy), f"/webhooks/{source.name}", body, headers
                )
                return status, answer, await _decision(copy)
            finally:
                await copy.aclose()
        finally:
            await real.aclose()


async def post_in_process(
    app: web.Application, path: str, body: bytes, headers: Mapping[str, str]
) -> tuple[int, Any]:
    """POST `body` to `app` served on a free loopback port, as the helpdesk would.

    A real socket and client: the request goes through the same parsing, size limits and
    middleware as in production, and nothing outside this machine can reach the port.
    """
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, LOOPBACK, 0)  # port 0: the system picks a free one
        await site.start()
        host, port = runner.addresses[0][:2]
        timeout = aiohttp.ClientTimeout(total=REPLAY_TIMEOUT_SECONDS)
        async with (aiohttp.ClientSession(timeout=timeout) as session,
                    session.post(f"http://{host}:{port}{path}", data=body,
                                 headers=dict(headers)) as response):
            return response.status, await response.json()
    finally:
        await runner.cleanup()


async def _decision(copy: Ratebot) -> str | None:
    """What the worker decides about the close just accepted, if one was."""
    services = copy.services
    report = await settle_closes(
        services.store, make_decider(services.policy, services.rng),
        now=services.clock.now(), limit=1, max_attempts=1,
    )
    if report.failures:
        return "could not be decided (see the log)"
    if not report.prompts:
        return None
    prompt = report.prompts[0]
    return prompt.status.value + (f" ({prompt.reason})" if prompt.reason else "")


async def _copy_teams(real: Ratebot, copy: Ratebot) -> None:
    """The teams (with their options) and mappings; never people, prompts or ratings."""
    now = copy.services.clock.now()
    actor = "webhook-test"
    for team in await real.services.store.list_teams():
        await copy.services.store.add_team(
            team.name, display_name=team.display_name, actor=actor, at=now
        )
        options = {name: getattr(team, name) for name in UPDATABLE}
        await copy.services.store.update_team(team.name, options, actor=actor, at=now)
    mappings = copy.services.store
    for mapping in await real.services.store.group_mappings():
        await mappings.map_group(mapping.source, mapping.group, mapping.team, actor=actor, at=now)


def _describe(source: Replayable, body: bytes) -> None:
    try:
        event: WebhookEvent = source.parse(body, received_at=SystemClock().now())
    except PayloadError as exc:
        say(f"Could not read the payload: {exc.message}")
        for name, problem in exc.fields.items():
            say(f"  {name}: {problem}")
        return
    payload = load_object(body)
    if isinstance(event, ConversationReopened):
        say(describe(event)[0])
        say(f"  ticket id: {event.ticket_id}  (from {origin_of(event.ticket_id, payload)})")
        return
    if not isinstance(event, ConversationClosed):
        for line in describe(event):
            say(line)
        return
    fields = used_fields(
        event,
        payload,
        team_is_group=not isinstance(source, GenericWebhook),
        requester_origin=_requester_origin(source, payload),
    )
    for line in describe(event, fields):
        say(line)


def _requester_origin(source: Replayable, payload: Mapping[str, Any]) -> str | None:
    """GitHub's requester comes from under a label in the issue body: which one."""
    if not isinstance(source, GitHubWebhook):
        return None
    issue = payload.get("issue")
    text = issue.get("body") if isinstance(issue, Mapping) else None
    found = source.email_labels.find(text if isinstance(text, str) else None)
    return f"issue.body, under the label '{found.label}'" if found else None


def describe(event: WebhookEvent, fields: Sequence[UsedField] = ()) -> list[str]:
    """What a parsed event means, in a few lines for the person testing their setup.

    A close names each of its `fields` and where in the payload it came from.
    """
    if isinstance(event, Ignored):
        return [f"Ignored: {event.reason}"]
    if isinstance(event, ConversationReopened):
        return [f"Reopen of ticket {event.ticket_id}: an unanswered rating request is withdrawn."]
    assert isinstance(event, ConversationClosed)
    team = next((field for field in fields if field.name in ("group", "team")), None)
    routed = f"{team.name} '{team.value or 'none'}'" if team else f"group '{event.team or 'none'}'"
    lines = [f"Close of ticket {event.ticket_id} ({routed})"]
    if fields:
        lines.append("Fields used, and where in the payload each came from:")
    width = max((len(field.name) for field in fields), default=0)
    for field in fields:
        value = field.value if field.value is not None else "-"
        lines.append(f"  {field.name + ':':<{width + 1}} {value}  (from {field.origin})")
    return lines


def register(app: typer.Typer, teams_app: typer.Typer) -> None:
    """Add these commands to the `ratebot` command line."""
    teams_app.command("map")(teams_map)
    teams_app.command("unmap")(teams_unmap)
    teams_app.command("maps")(teams_maps)
    app.command("webhook-test")(webhook_test)
