"""Slack wiring only: an `AsyncApp` whose listeners hand over to `SlackHandlers`."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.response import BoltResponse

from adapters.slack import after_score_taps, inbound, render, request_check, workflow_step
from adapters.slack.handlers import SlackHandlers
from adapters.slack.outbound import SlackChat, slack_client
from adapters.slack.pacing import Pacer
from adapters.slack.ratelimit import PLATFORM, RateLimitGate
from bot.domain.clock import Clock, SystemClock
from bot.domain.errors import StoreUnavailable
from bot.domain.texts import text
from bot.domain.untrusted import loggable
from bot.flows.interactions import deliveries
from bot.flows.platform_pauses import PlatformPauses
from bot.ports.store import Store
from bot.services import Services

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
COMMAND = "/ratings"
CLOSE_SHORTCUT = "close_and_ask"
Payload = dict[str, Any]
# What bolt answers a request whose signature does not verify.
UNVERIFIED = {"error": "invalid request"}
RETRY_AFTER_SECONDS = 5


@dataclass
class SlackBinding:
    """The Slack side of one ratebot: the bolt app, the outbound port and the handlers."""

    app: AsyncApp
    chat: SlackChat
    interactions: SlackHandlers  # what each listener hands its delivery to
    # Over HTTP, what requests are signed with; None over Socket Mode, where nothing is.
    signing_secret: str | None = None

    def routes(self) -> list[web.RouteDef]:
        return [web.post(EVENTS_PATH, self.handle)]

    async def handle(self, request: web.Request) -> web.Response:
        """`POST /slack/events`: the signature first, then the body, then bolt dispatches.

        Bolt would parse the body before checking the signature, and answer anyone's
        garbage with a 500 and a traceback.
        """
        body = await request.read()
        if inbound.is_ssl_check(body):
            return web.Response(status=200)  # unsigned by Slack; bolt answers it unverified
        secret = self.signing_secret
        if not secret or not inbound.signed_by_slack(secret, request.headers, body,
                                                      now=time.time()):
            return web.json_response(UNVERIFIED, status=401)
        try:
            bolt_request = inbound.bolt_request(body, request.query_string, request.headers)
        except inbound.BadPayload as exc:
            log.warning("slack: refused a signed request: %s", loggable(exc))
            return web.json_response({"error": str(exc)}, status=400)
        response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)


SLACK_BINDING = web.AppKey("slack_binding", SlackBinding)


@dataclass(frozen=True, slots=True)
class SlackConfig:
    """What the Slack adapter needs from the settings; the composition root builds it."""

    bot_token: str | None = None  # SLACK_BOT_TOKEN
    signing_secret: str | None = None  # SLACK_SIGNING_SECRET: how HTTP requests are signed
    app_token: str | None = None  # SLACK_APP_TOKEN: set, Slack is served over Socket Mode
    api_url: str | None = None  # SLACK_API_URL; None: Slack's own
    default_locale: str = "en"  # RATEBOT_LOCALE
    admins: tuple[str, ...] = ()  # RATEBOT_ADMINS
    # Replicas share rate-limit windows through PostgreSQL; SQLite serves one process.
    shared_rate_limits: bool = False


def binding_of(app: web.Application) -> SlackBinding | None:
    """The Slack wiring `mount` put on `app`, if any (tests drive it directly)."""
    return app.get(SLACK_BINDING)


def slack_configured(config: SlackConfig) -> bool:
    """A bot token, and a way in: signed HTTP requests or a Socket Mode app token."""
    return config.bot_token is not None and (
        config.signing_secret is not None or config.app_token is not None
    )


def mount(app: web.Application, services: Services, config: SlackConfig) -> SlackBinding | None:
    """Serve Slack from `app`: `POST /slack/events`, or Socket Mode while `app` runs.

    Needs the `SlackChat` among `services.chats` (the composition root puts it there);
    without one, Slack is not configured and nothing is mounted.
    """
    chat = next((c for c in services.chats if isinstance(c, SlackChat)), None)
    if chat is None:
        return None
    binding = build_slack(services, config, chat)
    app[SLACK_BINDING] = binding

    async def finish_work(_: web.Application) -> None:
        # Acknowledged work may still be running: let it end before the store closes.
        await binding.interactions.idle()

    if config.app_token is None:
        app.router.add_routes(binding.routes())
        app.on_shutdown.append(finish_work)
        return binding
    from adapters.slack.socket_mode import SlackSocket  # only Socket Mode needs it

    socket = SlackSocket(binding, config.app_token)

    async def connect(_: web.Application) -> None:
        await socket.start()

    async def disconnect(_: web.Application) -> None:
        await socket.stop()

    app.on_startup.append(connect)
    app.on_shutdown.append(disconnect)
    return binding


def slack_chat(config: SlackConfig, store: Store, *,
               pacers: Mapping[str, Pacer] | None = None,
               clock: Clock | None = None) -> SlackChat:
    """The outbound port, for the composition root to put into `Services.chats`.

    Call it inside the event loop: the Web API client keeps one HTTP session (and its
    connections) open until `SlackChat.aclose()`; the SDK would otherwise open one per call.
    """
    token = config.bot_token
    if token is None:
        raise ValueError("SLACK_BOT_TOKEN is not set: Slack is not configured")
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    gate = RateLimitGate(PlatformPauses(store, PLATFORM), clock or SystemClock(),
                         shared=config.shared_rate_limits)
    return SlackChat(
        slack_client(token, api_url=config.api_url, session=session), store,
        default_locale=config.default_locale, session=session, pacers=pacers, gate=gate,
        poster=slack_client(token, api_url=config.api_url, session=session,
                            retry_connection_errors=False),
    )


class _TokenFromTheEnvironment(logging.Filter):
    """Drops bolt's "As you gave `client` as well, `token` will be unused." at every start.

    The client is given on purpose (it carries the API URL and the retry handlers); bolt
    still reads SLACK_BOT_TOKEN from the environment by itself, then warns that this token
    goes unused. Only that line is dropped: bolt's other warnings stay.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def build_slack(services: Services, config: SlackConfig, chat: SlackChat) -> SlackBinding:
    """Wire the bolt app. Over HTTP, `SlackBinding.handle` verifies every request's signature
    on its raw bytes before bolt sees it, so bolt does not verify it a second time; over
    Socket Mode no request is signed."""
    bolt_log = logging.getLogger(f"slack_bolt.{AsyncApp.__name__}")
    if not any(isinstance(each, _TokenFromTheEnvironment) for each in bolt_log.filters):
        bolt_log.addFilter(_TokenFromTheEnvironment())
    socket_mode = config.app_token is not None
    secret = config.signing_secret
    app = AsyncApp(
        client=chat.client,
        signing_secret=secret or "",
        request_verification_enabled=False,  # done once, by `SlackBinding.handle`
        process_before_response=False,
        # Bolt would answer what no listener takes 404, and Slack shows the person an error.
        raise_error_for_unhandled_request=True,
    )
    app.error(_unhandled_acknowledged)
    interactions = SlackHandlers(services, chat, env_admins=config.admins)
    register(app, interactions, services)
    signing = None if socket_mode or secret is None else secret
    return SlackBinding(app, chat, interactions, signing_secret=signing)


def _unhandled_kind(body: Payload) -> tuple[str, object]:
    """What Slack sent and the app-defined name it carries: ids ratebot's manifest (or an
    older one) chose, never who sent it or what they typed."""
    if "command" in body:
        return "command", body.get("command")
    kind = str(body.get("type") or "request")
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return "action", actions[0].get("action_id") if isinstance(actions[0], dict) else None
    if kind in ("view_submission", "view_closed"):
        return "view", (body.get("view") or {}).get("callback_id")
    if kind == "event_callback":
        return "event", (body.get("event") or {}).get("type")
    return kind, body.get("callback_id")


async def _unhandled_acknowledged(
    error: Exception, body: Payload, logger: logging.Logger
) -> BoltResponse | None:
    """What no listener takes is acknowledged (an event stays 404, as bolt answers it, so
    it is not remembered); any other error is logged as bolt's own handler logs it."""
    if not isinstance(error, BoltUnhandledRequestError):
        logger.exception(f"Failed to run listener function (error: {error})")
        return None
    kind, name = _unhandled_kind(body)
    log.info("slack: no listener for %s %s; acknowledged", kind, loggable(name))
    return None if kind == "event" else BoltResponse(status=200, body="")


class AckOnce:
    """`ack` that remembers being called, so a failed handler still answers Slack."""

    def __init__(self, ack: Callable[..., Awaitable[Any]]) -> None:
        self._ack = ack
        self.done = False

    async def __call__(self, **kwargs: Any) -> None:
        self.done = True
        await self._ack(**kwargs)

    async def finish(self, **kwargs: Any) -> None:
        if not self.done:
            await self(**kwargs)


# What Slack gets for a click or a comment that could not be stored: not a 200, so the
# person sees that it did not count (Slack resends neither), and may try again shortly.
NOT_STORED_STATUS = 503


def settle(ack: AsyncAck, once: AckOnce, failed: Exception | None) -> None:
    """After the handler: a delivery it never acknowledged failed before anything was stored.

    A payload ratebot cannot read is acknowledged (`once.finish`): sending it again would
    not help. Anything else means the store failed, and Slack must not hear a 200.
    """
    if once.done or failed is None or isinstance(failed, inbound.BadPayload):
        return
    once.done = True
    ack.response = BoltResponse(status=NOT_STORED_STATUS, body="",
                                headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def register(app: AsyncApp, handlers: SlackHandlers, services: Services) -> None:
    """One listener per Slack action, view, shortcut, command and event ratebot serves."""
    remembered = [_once(services)]
    # Clicks are never remembered (`inbound.delivery_key`): their listeners go without the
    # middleware, which would only cost bolt a round of its middleware chain on each one.
    _register_actions(app, handlers)
    _register_the_rest(app, handlers, services, remembered)
    workflow_step.register(app, services, handlers.chat, remembered)


Middleware = Callable[..., Awaitable[Any]]


def _once(services: Services) -> Middleware:
    """A listener's middleware that lets each delivery through once."""

    async def handle_once(body: Payload, next: Callable[[], Awaitable[None]]) -> Any:
        # Slack retries what it thinks was lost: the same delivery is acknowledged, not redone.
        # A listener's middleware, not the app's: only a delivery a listener takes is
        # remembered, so a request bolt answers 404 (no listener) leaves nothing behind.
        key = inbound.delivery_key(body)
        try:
            first = await deliveries.first_time(services, key)
        except StoreUnavailable:
            # Nothing was done: Slack retries an event, and a person may click again.
            log.warning("slack: database unavailable, asked Slack to retry")
            return BoltResponse(status=503, body="", headers={
                "Retry-After": str(RETRY_AFTER_SECONDS)
            })
        if not first:
            return BoltResponse(status=200, body="")
        await next()
        return None

    return handle_once


def _register_actions(app: AsyncApp, handlers: SlackHandlers) -> None:
    """The buttons: acknowledged at once, the work goes on after the answer; a score is
    acknowledged once it is stored (Slack does not send a click again)."""

    def action(action_id: str | re.Pattern[str],
               work: Callable[[Payload], Awaitable[None]]) -> None:
        async def listener(ack: Callable[..., Awaitable[Any]], body: Payload) -> None:
            await ack()  # within Slack's 3 seconds; the work goes on after the answer
            await handlers.boundary(str(action_id), body, work(body))

        app.action(action_id)(listener)

    def stored_first(name: str, action_id: re.Pattern[str],
                     work: Callable[[AckOnce, Payload], Awaitable[None]]) -> None:
        """An answer: acknowledged by `work` once it is committed (Slack does not send a
        click again), or with a 503 when storing failed (see `SlackHandlers.rate`)."""
        async def listener(ack: AsyncAck, body: Payload) -> None:
            once = AckOnce(ack)
            failed = await handlers.boundary(name, body, work(once, body))
            settle(ack, once, failed)
            await once.finish()

        app.action(action_id)(listener)

    stored_first("rate", re.compile("^" + re.escape(render.RATE_ACTION) + r"\d+$"),
                 handlers.rate)
    stored_first("check", re.compile("^" + re.escape(request_check.CHECK_ACTION)),  # mutual
                 lambda ack, body: request_check.tapped(handlers, ack, body))
    stored_first("after_score", after_score_taps.TAPS,  # reasons and lost time
                 lambda ack, body: after_score_taps.tapped(handlers, ack, body))

    action(render.COMMENT_ACTION, handlers.open_comment)
    action(render.OPTOUT_ACTION, handlers.opt_out)
    action(render.HOME_OPTOUT_ACTION, handlers.opt_out)

    async def opt_in(body: Payload) -> None:
        await handlers.opt_out(body, opted_out=False)

    action(render.HOME_OPTIN_ACTION, opt_in)
    action(render.CLAIM_ACTION, handlers.claim)
    action(render.MYDATA_ACTION, handlers.send_my_data)
    action(render.FORGETME_ACTION, handlers.forget_me)
    action(render.RESOLVE_ACTION, handlers.open_resolve)


def _register_the_rest(
    app: AsyncApp, handlers: SlackHandlers, services: Services, remembered: list[Middleware]
) -> None:
    """Modal submissions, the close shortcut, `/ratings`, and the events ratebot reads."""

    # Not remembered: a comment the store could not keep answers 503 and leaves the modal
    # open, and the person's second Submit carries the same view id and hash; remembered,
    # it would be taken for a replay and dropped. Recording a comment again changes nothing.
    @app.view(render.COMMENT_VIEW)
    async def comment_submitted(ack: AsyncAck, body: Payload) -> None:
        # Acknowledged once the comment is committed (see `SlackHandlers.submit_comment`).
        once = AckOnce(ack)
        failed = await handlers.boundary("comment", body, handlers.submit_comment(once, body))
        settle(ack, once, failed)
        await once.finish()

    @app.view(render.RESOLVE_VIEW, middleware=remembered)
    async def resolve_submitted(ack: Callable[..., Awaitable[Any]], body: Payload) -> None:
        once = AckOnce(ack)
        await handlers.boundary("resolve", body, handlers.submit_resolve(once, body))
        await once.finish()

    @app.shortcut(CLOSE_SHORTCUT, middleware=remembered)
    async def close_shortcut(ack: Callable[..., Awaitable[Any]], body: Payload) -> None:
        await ack()
        await handlers.boundary("close", body, handlers.close_shortcut(body))

    @app.command(COMMAND, middleware=remembered)
    async def command(
        ack: Callable[..., Awaitable[Any]], respond: Callable[..., Awaitable[Any]], body: Payload
    ) -> None:
        once = AckOnce(ack)
        await handlers.boundary("command", body, handlers.command(once, body, respond))
        await once.finish(text=text("apology", services.policy.locale), response_type="ephemeral")

    @app.event("reaction_added", middleware=remembered)
    async def reaction_added(body: Payload, event: Payload) -> None:
        await handlers.boundary("reaction", body, handlers.reaction_added(event))

    @app.event("app_home_opened", middleware=remembered)
    async def home_opened(body: Payload, event: Payload) -> None:
        user = event.get("user")
        if event.get("tab") == "home" and isinstance(user, str) and user:
            await handlers.boundary("home", body, handlers.publish_home(user))
