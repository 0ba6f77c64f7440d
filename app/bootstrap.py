"""The composition root: settings in, a wired ratebot out. Nothing happens at import.

The platforms' SDKs (Slack's, the Bot Framework's) load only when their settings are
given: a command on a machine without them starts in a fraction of a second.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from app.chart import MatplotlibCharts
from app.delivery_worker import DeliveryWorker
from app.group_commit import GroupCommit
from app.intake import IntakeBatcher
from app.metrics import Metrics
from app.scheduling import DigestScheduler
from app.settings import Settings, SettingsError
from bot.domain.clock import Clock, SystemClock
from bot.domain.retention import RetentionLimits
from bot.flows.digest_flow import DigestFlow
from bot.ports.chat import ChatPort
from bot.services import Policy, Services
from storage.store import SqlStore, open_store


def policy_from(settings: Settings) -> Policy:
    return Policy(
        cooldown_days=settings.cooldown_days,
        timezone=settings.timezone,
        working_hours=settings.working_hours,
        locale=settings.locale,
        max_delivery_attempts=settings.max_delivery_attempts,
        min_respondents=settings.min_respondents,
        anonymity_key=(
            "" if settings.anonymity_key is None else settings.anonymity_key.get_secret_value()
        ),
        retention=RetentionLimits(
            comment_months=settings.retention_comment_months,
            identity_months=settings.retention_identity_months,
            prompt_months=settings.retention_prompt_months,
        ),
    )


@dataclass
class Ratebot:
    """Everything `serve`, the command line and the tests work with."""

    settings: Settings
    services: Services
    worker: DeliveryWorker
    # What `GET /metrics` serves: the same object is the services' telemetry.
    metrics: Metrics
    digests: DigestScheduler | None = None  # None: no scheduled digests (tests, tools)

    async def aclose(self) -> None:
        for chat in self.services.chats:
            closer = getattr(chat, "aclose", None)  # platforms holding an HTTP session
            if closer is not None:
                await closer()
        await self.services.store.close()


async def check_before_serving(settings: Settings) -> None:
    """Refuse to serve what would silently not work: raise `SettingsError` naming it.

    A platform set up half way would not be served at all, and a default team that does
    not exist would refuse every close from an unmapped group.
    """
    problems = settings.incomplete_platforms()
    if settings.default_team:
        store = await open_store(settings.database_url)
        try:
            known = await store.get_team(settings.default_team) is not None
        finally:
            await store.close()
        if not known:
            problems.append(
                f"RATEBOT_DEFAULT_TEAM names '{settings.default_team}', which is not a team "
                f"(add it with `ratebot teams add {settings.default_team}`)"
            )
    if problems:
        raise SettingsError("cannot serve: " + "; ".join(problems))


def platform_chats(
    settings: Settings, store: SqlStore, clock: Clock, charts: MatplotlibCharts,
    *, given: tuple[ChatPort, ...], serving: bool = False,
) -> tuple[ChatPort, ...]:
    """The chats of the platforms the settings configure, beside those `given` (tests).

    `serving`: for `serve`, which without Teams credentials (and Slack) serves the Bot
    Framework Emulator and delivers there too; a command never loads botbuilder for it.
    """
    chats: tuple[ChatPort, ...] = ()
    if settings.slack_bot_token is not None and not any(c.platform == "slack" for c in given):
        from adapters.slack.app import slack_chat, slack_configured
        from app.platforms import slack_config

        slack = slack_config(settings)
        if slack_configured(slack):
            chats = (*chats, slack_chat(slack, store, clock=clock))
    if settings.microsoft_app_id or serving:
        from app.platforms import teams_chat_for, teams_enabled

        if teams_enabled(settings):
            chats = (*chats, teams_chat_for(settings, store, clock, charts))
    return chats


async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    chats: tuple[ChatPort, ...] = (),
    rng: random.Random | None = None,
    serving: bool = False,
) -> Ratebot:
    """Open the store (migrating a SQLite file, checking a PostgreSQL schema) and wire it."""
    store = await open_store(settings.database_url)
    policy = policy_from(settings)
    store.erasure_key = policy.anonymity_key  # keys the opt-outs that outlive `forget me`
    clock = clock or SystemClock()
    charts = MatplotlibCharts()
    metrics = Metrics()
    chats = (*chats, *platform_chats(settings, store, clock, charts, given=chats,
                                     serving=serving))
    services = Services(
        store=store,
        clock=clock,
        policy=policy,
        chats=chats,
        rng=rng or random.Random(),
        charts=charts,
        telemetry=metrics,
        # Webhooks arriving together share one commit.
        intake=IntakeBatcher(store),
        # Clicks arriving together share one commit, before each is acknowledged.
        units=GroupCommit(store),
    )
    flow = DigestFlow(services, grace=timedelta(hours=settings.digest_grace_hours))
    return Ratebot(
        settings=settings, services=services, worker=DeliveryWorker(
            services, lease=timedelta(seconds=settings.delivery_lease)
        ),
        metrics=metrics,
        digests=DigestScheduler(services, flow),
    )
