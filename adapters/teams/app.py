"""Bot Framework wiring: the CloudAdapter, its authentication, and `POST /api/messages`.

Two traps of botbuilder 4.17 are handled here. `CloudAdapter.process` serializes an
invoke response's body a second time and answers `adaptiveCard/action` invokes with 500,
so the endpoint calls `process_activity` and writes the `InvokeResponse` itself. And
botbuilder-schema reads the tenant from `conversation.tenantID`, which Teams never sends:
the tenant is taken from `channelData.tenant.id` (see `inbound.tenant_of`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams import inbound
from adapters.teams.handlers import TeamsHandlers, TurnResult
from adapters.teams.outbound import TeamsChat, card_activity, card_chart
from adapters.teams.reading import read_activity_json
from adapters.teams.reuse import ReusingAuthentication
from bot.domain.clock import Clock
from bot.domain.errors import StoreUnavailable
from bot.domain.identity import PersonIdentity
from bot.domain.untrusted import describe, loggable, may_hold_unstorable, unstorable_fields
from bot.ports.charts import ChartRenderer
from bot.ports.store import Store
from bot.services import Services

log = logging.getLogger(__name__)

ENDPOINT = "/api/messages"


@dataclass(frozen=True, slots=True)
class TeamsConfig:
    """What the Teams adapter needs from the settings; the composition root builds it."""

    # MicrosoftAppId; None: any request is accepted (the Bot Framework Emulator).
    app_id: str | None = None
    app_password: str | None = None  # MicrosoftAppPassword
    app_type: str = "MultiTenant"  # MicrosoftAppType
    tenant_id: str | None = None  # MicrosoftAppTenantId: the one tenant served, if set
    default_locale: str = "en"  # RATEBOT_LOCALE
    admins: tuple[str, ...] = ()  # RATEBOT_ADMINS


class BotFrameworkConfig:
    """The attribute names `ConfigurationBotFrameworkAuthentication` reads."""

    def __init__(self, config: TeamsConfig) -> None:
        self.APP_ID = config.app_id or ""
        self.APP_PASSWORD = config.app_password or ""
        self.APP_TYPE = config.app_type
        self.APP_TENANTID = config.tenant_id or ""


def make_adapter(config: TeamsConfig) -> CloudAdapter:
    authentication = ConfigurationBotFrameworkAuthentication(BotFrameworkConfig(config))
    return CloudAdapter(ReusingAuthentication(authentication))


def teams_chat(config: TeamsConfig, store: Store, clock: Clock,
               charts: ChartRenderer | None = None) -> TeamsChat:
    """The `ChatPort` for Teams, for `Services.chats`.

    With `charts`, a digest whose chart is too large for a card gets one drawn smaller.
    """
    return TeamsChat(
        make_adapter(config),
        store,
        clock,
        app_id=config.app_id,
        tenant_id=config.tenant_id,
        default_locale=config.default_locale,
        chart=None if charts is None else card_chart(charts),
    )


async def roster_entry(context: TurnContext) -> PersonIdentity | None:
    """The sender as the conversation's roster knows them (with their email), if it says."""
    sender = context.activity.from_property
    if sender is None or not sender.id:
        return None
    try:
        member = await TeamsInfo.get_member(context, sender.id)
    # ValueError: msrest's DeserializationError, for an answer that is not JSON (a proxy's
    # error page, a 404 in text/plain).
    except (HttpOperationError, ClientRequestError, OSError, TimeoutError, TypeError,
            ValueError) as error:
        log.info("no roster entry for a Teams sender: %s", type(error).__qualname__)
        return None
    return inbound.identity_of(member)


class TeamsBot:
    """The bot's turn: the handlers decide, this carries it out through the SDK."""

    def __init__(self, handlers: TeamsHandlers) -> None:
        self._handlers = handlers

    async def turn(self, context: TurnContext) -> dict[str, Any] | None:
        """Handle the activity, send what it asks for, and return the invoke response's body.

        The body goes back to the endpoint, not through `TurnContext.send_activity`: that
        deep-copies every activity it sends, and an updated card is hundreds of objects
        deep, about a tenth of a click's whole time. The card is written to the response
        as it is.
        """
        async def lookup() -> PersonIdentity | None:
            return await roster_entry(context)

        result = await self._handlers.handle(context.activity, lookup)
        await self.carry_out(context, result)
        return result.invoke

    @staticmethod
    async def carry_out(context: TurnContext, result: TurnResult) -> None:
        """Update the clicked card and send the reply (the invoke body is the caller's)."""
        if result.update is not None and context.activity.reply_to_id:
            # An Action.Submit click: the card that was clicked is replaced in place.
            updated = card_activity(result.update)
            updated.id = context.activity.reply_to_id
            await context.update_activity(updated)
        if isinstance(result.reply, dict):
            await context.send_activity(card_activity(result.reply))
        elif result.reply:
            await context.send_activity(
                Activity(type=ActivityTypes.message, text=result.reply, text_format="markdown")
            )


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    if isinstance(error, StoreUnavailable):
        raise error
    # SDK calls (a reply, an update) failed after the core did its work: log, no retry.
    log.error("teams %s turn failed: %s", loggable(context.activity.type),
              type(error).__qualname__, exc_info=error)


class NotAnActivity(ValueError):
    """The body is not a Bot Framework activity; the message says why."""


def read_activity(raw: bytes) -> tuple[dict[str, Any], Activity]:
    """The body as JSON and as an `Activity`, or `NotAnActivity`."""
    try:
        body: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise NotAnActivity("the body is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        raise NotAnActivity("expected an activity")
    try:
        activity = read_activity_json(body)
    except ValueError:  # msrest's DeserializationError
        raise NotAnActivity(f"expected an activity: {_misfit(body)} has the wrong shape") from None
    # What the SDK takes for granted in every activity it turns into a context.
    needed = {
        "conversation.id": activity.conversation.id if activity.conversation else None,
        "serviceUrl": activity.service_url,
        "channelId": activity.channel_id,
    }
    for name, value in needed.items():
        if not value:
            raise NotAnActivity(f"expected an activity: {name} is required")
    if not _answerable(str(activity.service_url)):
        raise NotAnActivity("expected an activity: serviceUrl must be an http(s) URL")
    too_long = _too_long(body)
    if too_long is not None:
        raise NotAnActivity(too_long)
    return body, activity


# What the bot stores from an activity, and the most each column holds (storage/schema.py:
# teams_conversations and people). PostgreSQL refuses longer text; SQLite would keep it.
_STORED = {
    ("conversation", "id"): 400,
    ("conversation", "conversationType"): 16,
    ("conversation", "tenantId"): 64,
    ("channelData", "tenant", "id"): 64,
    ("channelData", "team", "id"): 400,
    ("from", "id"): 200,
    ("from", "aadObjectId"): 64,
    ("from", "name"): 200,
    ("from", "email"): 320,
    ("from", "userPrincipalName"): 320,
    ("locale",): 35,
}


def _too_long(body: dict[str, Any]) -> str | None:
    """The first stored field longer than its column, named; None when all fit."""
    places = [(path, _at(body, path), limit) for path, limit in _STORED.items()]
    entities = body.get("entities")
    for index, entity in enumerate(entities if isinstance(entities, list) else []):
        if isinstance(entity, dict):  # clientInfo's locale is the person's when none is set
            places.append((("entities", str(index), "locale"), entity.get("locale"), 35))
    for path, value, limit in places:
        if isinstance(value, str) and len(value) > limit:
            return f"{'.'.join(path)}: longer than {limit} characters"
    return None


def _at(body: dict[str, Any], path: tuple[str, ...]) -> object:
    found: object = body
    for part in path:
        found = found.get(part) if isinstance(found, dict) else None
    return found


def _answerable(service_url: str) -> bool:
    """Whether replies can go to `service_url`: an absolute http(s) URL."""
    try:
        url = urlsplit(service_url)
        return url.scheme in ("http", "https") and bool(url.hostname) and url.port != 0
    except ValueError:  # "http://]host/", a port that is no number
        return False


def _misfit(body: dict[str, Any]) -> str:
    """The first field the schema cannot read (msrest's own message does not name it)."""
    for name, value in body.items():
        try:
            read_activity_json({"type": body["type"], name: value})
        except ValueError:
            return loggable(name, 60)
    return "a field"


class TeamsEndpoint:
    """`POST /api/messages`."""

    def __init__(self, adapter: CloudAdapter, bot: TeamsBot, *, tenant_id: str | None = None
                 ) -> None:
        self._adapter = adapter
        self._bot = bot
        self._tenant = tenant_id or None
        adapter.on_turn_error = _on_turn_error

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return web.json_response({"error": "expected application/json"}, status=415)
        # Over the app's client_max_size (1 MiB) this raises, and aiohttp answers 413.
        raw = await request.read()
        try:
            body, activity = read_activity(raw)
        except NotAnActivity as error:
            return web.json_response({"error": str(error)}, status=400)
        tenant = inbound.tenant_of(activity)
        if activity.conversation is not None:
            activity.conversation.tenant_id = tenant
        auth_header = request.headers.get("Authorization", "")
        try:
            authenticated = await self._adapter.bot_framework_authentication.authenticate_request(
                activity, auth_header
            )
        except Exception as error:
            # A missing, forged or expired token: refused before anything is read or stored.
            log.warning("refused a Bot Framework request: %s", type(error).__qualname__)
            return web.json_response({"error": "unauthorized"}, status=401)
        if self._tenant is not None and tenant is not None and tenant != self._tenant:
            # A multi-tenant registration can be reached from any tenant; this org's only.
            log.warning("refused an activity from another Microsoft 365 tenant")
            return web.json_response({"error": "this bot serves another tenant"}, status=403)
        # Checked once the sender is known to be the Bot Framework: a stranger learns nothing.
        refused = unstorable_fields(body) if may_hold_unstorable(raw) else {}
        if refused:
            log.warning("refused a Teams %s activity: %s", loggable(activity.type),
                        loggable(describe(refused)))
            return web.json_response({"error": describe(refused), "fields": refused}, status=400)
        answered: list[dict[str, Any]] = []

        async def turn(context: TurnContext) -> None:
            body = await self._bot.turn(context)
            if body is not None:
                answered.append(body)

        try:
            response = await self._adapter.process_activity(authenticated, activity, turn)
        except StoreUnavailable as error:
            log.warning("teams %s: the database is unavailable (%s)", loggable(activity.type),
                        type(error.__cause__).__qualname__)
            return web.json_response({"error": "try again later"}, status=503,
                                     headers={"Retry-After": "5"})
        if answered:  # the turn's own invoke body; the SDK's response would say 501
            return web.Response(status=200, body=json.dumps(answered[0]),
                                content_type="application/json")
        if response is None:
            return web.Response(status=200)
        # The body is plain JSON already: written once, unlike CloudAdapter.process.
        return web.Response(
            status=int(response.status), body=json.dumps(response.body or {}),
            content_type="application/json",
        )


def endpoint_for(config: TeamsConfig, services: Services) -> TeamsEndpoint:
    handlers = TeamsHandlers(services, env_admins=config.admins)
    return TeamsEndpoint(make_adapter(config), TeamsBot(handlers), tenant_id=config.tenant_id)


def teams_routes(config: TeamsConfig, services: Services) -> list[web.RouteDef]:
    """The routes `app.server.build_app` adds for Teams."""
    endpoint = endpoint_for(config, services)
    return [web.post(ENDPOINT, endpoint.handle)]

