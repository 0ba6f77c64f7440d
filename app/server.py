"""The HTTP server: one aiohttp application, the delivery worker, a clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator, Mapping
from datetime import timedelta

from aiohttp import web

from adapters.helpdesk.api.connected import helpdesk_apis
from adapters.helpdesk.generic import GenericWebhook
from adapters.helpdesk.source import WebhookSource
from adapters.helpdesk.vendors import vendor_sources
from adapters.helpdesk.webhook import WebhookEndpoint
from adapters.slack.app import mount as mount_slack
from adapters.teams.app import teams_routes
from app.bootstrap import Ratebot, build
from app.logs import configure_logging
from app.pages import PRIVACY_PATH, TERMS_PATH, privacy_page, terms_page
from app.platforms import (
    api_configs,
    check_bind,
    slack_config,
    teams_config,
    teams_enabled,
    vendor_secrets,
)
from app.runtime import tune_garbage_collector
from app.scheduling import (
    schedule_anonymity,
    schedule_directory,
    schedule_reconciles,
    schedule_retention,
)
from app.settings import Settings
from bot.domain.clock import Clock, SystemClock
from bot.domain.errors import StoreUnavailable
from bot.flows.source_mapping import TeamRouter
from bot.ports.helpdesk_api import HelpdeskApi

log = logging.getLogger(__name__)

RATEBOT = web.AppKey("ratebot", Ratebot)
READY_TIMEOUT_SECONDS = 5.0
SHUTDOWN_TIMEOUT_SECONDS = 15.0
# No client address or user agent: both can identify a person.
ACCESS_LOG_FORMAT = '"%r" %s %b %Tfs'


def helpdesk_sources(
    settings: Settings, clock: Clock | None = None, apis: Mapping[str, HelpdeskApi] | None = None
) -> dict[str, WebhookSource]:
    """Every helpdesk the server accepts webhooks from, by path segment.

    `apis`: the connected helpdesk APIs, which fill in what a webhook names by id only.
    """
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    sources: list[WebhookSource] = [GenericWebhook(secret)]
    sources.extend(vendor_sources(vendor_secrets(settings), clock or SystemClock(), apis))
    return {source.name: source for source in sources}


def build_app(
    ratebot: Ratebot,
    *,
    sources: Mapping[str, WebhookSource] | None = None,
    apis: Mapping[str, HelpdeskApi] | None = None,
) -> web.Application:
    """The one application: every route the bot serves is wired here."""
    app = web.Application()
    app[RATEBOT] = ratebot
    services = ratebot.services
    webhooks = WebhookEndpoint(
        services,
        helpdesk_sources(ratebot.settings, services.clock, apis) if sources is None else sources,
        route=TeamRouter(services.store, default_team=ratebot.settings.default_team),
    )
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    # The Teams app's privacy and terms links point here (`ratebot teams-package`).
    app.router.add_get(PRIVACY_PATH, privacy)
    app.router.add_get(TERMS_PATH, terms)
    app.router.add_post("/webhooks/{source}", webhooks.handle)
    if teams_enabled(ratebot.settings):
        app.router.add_routes(teams_routes(teams_config(ratebot.settings), services))
    mount_slack(app, services, slack_config(ratebot.settings))
    return app


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database takes writes: a read-only one (a standby) refuses every close."""
    store = request.app[RATEBOT].services.store
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            await store.ping()
    except Exception as exc:
        # The reason stays in the log: a probe's caller only needs ready or not.
        reason = exc.reason if isinstance(exc, StoreUnavailable) else type(exc).__qualname__
        log.warning("not ready: database unavailable (%s)", reason)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "reachable"})


async def metrics(request: web.Request) -> web.Response:
    metrics = request.app[RATEBOT].metrics
    return web.Response(body=metrics.render(), headers={"Content-Type": metrics.content_type})


async def privacy(request: web.Request) -> web.Response:
    return web.Response(text=privacy_page(request.app[RATEBOT].settings),
                        content_type="text/html")


async def terms(request: web.Request) -> web.Response:
    return web.Response(text=terms_page(), content_type="text/html")


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Serve HTTP and deliver prompts until SIGTERM / SIGINT (or `stop` is set).

    On stop the server stops accepting requests and finishes those in flight, the
    worker finishes its batch (un-sent prompts stay pending for the next start) and
    settles the closes accepted meanwhile, and the store is closed.
    """
    _configure_logging(settings.log_level, settings.log_format)
    check_bind(settings)
    stop = stop or asyncio.Event()
    # Installed before anything starts: a signal during start-up still stops cleanly.
    with _stop_on_signals(stop):
        ratebot = await build(settings, serving=True)
        if not ratebot.services.chats:
            log.warning(
                "no chat platform is configured (Slack or Teams): closes are accepted and "
                "decided, and prompts wait, pending, until one is"
            )
        tune_garbage_collector()
        try:
            await _serve_until_stopped(ratebot, stop)
        finally:
            await ratebot.aclose()
    log.info("ratebot stopped")


async def _serve_until_stopped(ratebot: Ratebot, stop: asyncio.Event) -> None:
    settings = ratebot.settings
    # Connected helpdesk APIs: webhooks' lookups and the reconcile poll share each session.
    apis = helpdesk_apis(api_configs(settings))
    runner = web.AppRunner(
        build_app(ratebot, apis=apis),
        access_log_format=ACCESS_LOG_FORMAT,
        shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
    )
    worker: asyncio.Task[None] | None = None
    try:
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()
        log.info(
            "ratebot serving on http://%s:%d (database: %s)",
            settings.host,
            settings.port,
            "postgresql" if settings.is_postgres else "sqlite",
        )
        worker = asyncio.create_task(
            ratebot.worker.run(stop, interval=settings.delivery_interval),
            name="delivery-worker",
        )
        if ratebot.digests is not None:
            await ratebot.digests.start()
            route = TeamRouter(ratebot.services.store, default_team=settings.default_team)
            schedule_reconciles(
                ratebot.digests.scheduler, ratebot.services, apis, route,
                every=timedelta(minutes=settings.reconcile_minutes),
            )
            schedule_retention(ratebot.digests.scheduler, ratebot.services)
            schedule_anonymity(ratebot.digests.scheduler, ratebot.services)
            schedule_directory(
                ratebot.digests.scheduler, ratebot.services.chats,
                every=timedelta(minutes=settings.slack_directory_minutes),
            )
        await _until_stopped(stop, worker)
    finally:
        stop.set()
        if ratebot.digests is not None:
            ratebot.digests.shutdown()
        # First stop accepting requests (in-flight ones finish), then let the worker
        # end its batch; prompts it did not reach stay pending for the next start.
        await runner.cleanup()
        if worker is not None:
            await worker  # a crashed worker re-raises here: exit non-zero, get restarted
            # Closes accepted by the last requests are decided now, not at the next start.
            await ratebot.worker.settle_remaining()
        for api in apis.values():
            await api.aclose()


# Libraries that narrate routine work at INFO (each job added, each migration context).
_CHATTY_LIBRARIES = ("apscheduler", "alembic")


def _configure_logging(level: str, fmt: str) -> None:
    # A no-op when logging is already set up (tests, a host application): theirs wins.
    configure_logging(level, fmt)
    if logging.getLevelName(level) > logging.DEBUG:
        for name in _CHATTY_LIBRARIES:
            logging.getLogger(name).setLevel(logging.WARNING)


async def _until_stopped(stop: asyncio.Event, worker: asyncio.Task[None]) -> None:
    """Return on a stop request, or when the worker ends by itself (a crash)."""
    stopping = asyncio.create_task(stop.wait(), name="stop-request")
    try:
        await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopping


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(signum, _request_stop, stop, signum)
            installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def _request_stop(stop: asyncio.Event, signum: signal.Signals) -> None:
    log.info("received %s, shutting down", signum.name)
    stop.set()
