"""The digest scheduler: APScheduler's AsyncIOScheduler behind a small wrapper.

One cron job per team (id `digest:<team id>`, replaced in place when the schedule
changes) and one resync job that re-reads every team's schedule, so a change made
from any replica or from the command line takes effect without a restart, and that
posts digests missed while the bot was down. Every job runs inside `_guarded`: one
error boundary that logs and keeps the scheduler alive.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from adapters.slack.directory import SlackDirectory
from adapters.slack.outbound import SlackChat
from bot.domain.hours import DAYS
from bot.domain.model import Team
from bot.flows.anonymity import release_anonymous_batches
from bot.flows.digest_flow import DigestFlow
from bot.flows.digest_times import schedule_of
from bot.flows.reconcile import Route, reconcile
from bot.flows.retention import apply_retention
from bot.ports.chat import ChatPort, DeliveryError
from bot.ports.helpdesk_api import HelpdeskApi, HelpdeskApiError
from bot.services import Services

log = logging.getLogger(__name__)

RESYNC_JOB = "digest:resync"
DEFAULT_RESYNC = timedelta(minutes=5)
RETENTION_JOB = "retention"
RETENTION_EVERY = timedelta(hours=1)
RETENTION_FIRST_LOOK = timedelta(minutes=1)
ANONYMITY_JOB = "anonymity"
ANONYMITY_EVERY = timedelta(hours=1)
DIRECTORY_JOB = "slack-directory"


def job_id(team: Team) -> str:
    return f"digest:{team.id}"


def cron_trigger(team: Team, services: Services) -> CronTrigger:
    """The team's weekly moment as a cron trigger in its timezone (DST-aware)."""
    schedule, zone = schedule_of(team, services.policy)
    return CronTrigger(
        day_of_week=DAYS[schedule.weekday],
        hour=schedule.at.hour,
        minute=schedule.at.minute,
        timezone=ZoneInfo(zone),
    )


class DigestScheduler:
    """Fires each team's digest at its scheduled moment; see the module docstring."""

    def __init__(
        self,
        services: Services,
        flow: DigestFlow,
        *,
        resync_every: timedelta = DEFAULT_RESYNC,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        self._services = services
        self._flow = flow
        self._resync_every = resync_every
        self._scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self._scheduler.add_listener(self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        self._applied: dict[str, str] = {}  # job id -> the schedule it was built from

    @property
    def scheduler(self) -> AsyncIOScheduler:
        return self._scheduler

    async def start(self) -> None:
        """Schedule every team, post what was missed, then keep both up to date.

        A failing first resync (the database briefly away) is logged, not fatal: the
        resync job tries again.
        """
        self._scheduler.start()
        await self._guarded("digest resync", self.resync())
        self._scheduler.add_job(
            self._resync_job, IntervalTrigger(seconds=self._resync_every.total_seconds()),
            id=RESYNC_JOB, replace_existing=True, coalesce=True, max_instances=1,
        )

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def resync(self) -> None:
        """Match the jobs to the stored teams, then post any digest that is due."""
        teams = await self._services.store.list_teams()
        wanted = {job_id(team) for team in teams}
        for team in teams:
            self.reschedule(team)
        for stale in set(self._applied) - wanted:
            self._scheduler.remove_job(stale)
            del self._applied[stale]
        await self._flow.catch_up()

    def reschedule(self, team: Team) -> None:
        """(Re)schedule one team now; the admin flow calls this after `team set ... digest`."""
        schedule, zone = schedule_of(team, self._services.policy)
        key = f"{schedule} @ {zone}"
        ident = job_id(team)
        if self._applied.get(ident) == key:
            return  # unchanged: keep the job and its next run time
        self._scheduler.add_job(
            self.fire, cron_trigger(team, self._services), args=[team.name], id=ident,
            name=f"digest of team id {team.id}", replace_existing=True, coalesce=True,
            max_instances=1,
            # A loop busy at the moment must not drop the week's digest.
            misfire_grace_time=max(1, int(self._flow.grace.total_seconds())),
        )
        self._applied[ident] = key

    def unschedule(self, team: Team) -> None:
        ident = job_id(team)
        if self._applied.pop(ident, None) is not None:
            self._scheduler.remove_job(ident)

    async def fire(self, team_name: str) -> None:
        """The cron job: post the team's digest if it is due. Tests call it directly."""
        await self._guarded(f"digest of {team_name}", self._fire(team_name))

    async def _fire(self, team_name: str) -> None:
        team = await self._services.store.get_team(team_name)
        if team is not None:  # removed since: the next resync drops the job
            await self._flow.run_due(team)

    async def _resync_job(self) -> None:
        await self._guarded("digest resync", self.resync())

    async def _guarded(self, what: str, work: Awaitable[None]) -> None:
        try:
            await work
        except Exception:
            log.exception("scheduled job failed: %s", what)

    def _on_event(self, event: JobExecutionEvent) -> None:
        # Jobs catch their own errors; this reports what slips past them (and misfires).
        if event.exception is not None:
            log.error("scheduled job %s raised %s", event.job_id,
                      type(event.exception).__qualname__)
        else:
            log.warning("scheduled job %s missed its time", event.job_id)



def schedule_retention(
    scheduler: AsyncIOScheduler, services: Services, *, every: timedelta = RETENTION_EVERY
) -> None:
    """Look every `every` whether today's retention has run, and run it if not.

    Every replica schedules it; the day's lease in the store lets one of them run it,
    once a day, within `every` of midnight UTC. The first look comes a minute after the
    start, not `every` later: replicas restarted more often than that still run it.
    """
    scheduler.add_job(
        _retention_job, IntervalTrigger(seconds=every.total_seconds()), args=[services],
        id=RETENTION_JOB, replace_existing=True, coalesce=True, max_instances=1,
        next_run_time=datetime.now(UTC) + RETENTION_FIRST_LOOK,
    )


async def _retention_job(services: Services) -> None:
    try:
        await apply_retention(services)
    except Exception:
        log.exception("scheduled job failed: retention")


def schedule_anonymity(
    scheduler: AsyncIOScheduler, services: Services, *, every: timedelta = ANONYMITY_EVERY
) -> None:
    """Look every `every` whether today's anonymity batches went out, and send them if not.

    Every replica schedules it; the day's claim in the store lets one of them run it, once
    a day, within `every` of midnight UTC (or of the first start that day).
    """
    scheduler.add_job(
        _anonymity_job, IntervalTrigger(seconds=every.total_seconds()), args=[services],
        id=ANONYMITY_JOB, replace_existing=True, coalesce=True, max_instances=1,
    )


async def _anonymity_job(services: Services) -> None:
    try:
        run = await release_anonymous_batches(services)
    except Exception:
        log.exception("scheduled job failed: anonymity batches")
        return
    if run.ran:
        log.info("anonymity batches: %d ratings released, %d held for a bigger batch",
                 run.released, run.held)


def schedule_directory(
    scheduler: AsyncIOScheduler, chats: Sequence[ChatPort], *, every: timedelta
) -> None:
    """Sync Slack's directory at start, then every `every` (RATEBOT_SLACK_DIRECTORY_MINUTES).

    Every replica schedules it; the store's lease lets one sync at a time, and a sync cut
    short resumes from its last page.
    """
    for chat in chats:
        if isinstance(chat, SlackChat):
            scheduler.add_job(
                _directory_job, IntervalTrigger(seconds=every.total_seconds()),
                args=[chat.directory], id=DIRECTORY_JOB, replace_existing=True,
                coalesce=True, max_instances=1, next_run_time=datetime.now(UTC),
            )


async def _directory_job(directory: SlackDirectory) -> None:
    try:
        await directory.sync()
    except DeliveryError as error:
        # The next run resumes from the last page kept; prompts fall back to lookups.
        log.warning("slack directory sync stopped: %s", error.reason)
    except Exception:
        log.exception("scheduled job failed: slack directory")


def schedule_reconciles(
    scheduler: AsyncIOScheduler,
    services: Services,
    apis: Mapping[str, HelpdeskApi],
    route: Route,
    *,
    every: timedelta,
) -> None:
    """Poll each connected helpdesk every `every` for closes whose webhook never came.

    Every replica schedules it; the store's lease lets one poll a source at a time.
    """
    for source, api in apis.items():
        scheduler.add_job(
            _reconcile_job, IntervalTrigger(seconds=every.total_seconds()),
            args=[services, api, route], id=f"reconcile:{source}", replace_existing=True,
            coalesce=True, max_instances=1,
        )


async def _reconcile_job(services: Services, api: HelpdeskApi, route: Route) -> None:
    try:
        await reconcile(services, api, route)
    except HelpdeskApiError as exc:
        # The checkpoint stays where the last good page left it: the next round goes on.
        log.warning("reconcile %s: %s", api.source, exc)
    except Exception:
        log.exception("scheduled job failed: reconcile %s", api.source)
