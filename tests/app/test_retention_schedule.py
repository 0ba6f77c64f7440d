"""Retention in the app: its settings, and the job every replica schedules (errors kept in it)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.bootstrap import policy_from
from app.scheduling import RETENTION_JOB, _retention_job, schedule_retention
from app.settings import SettingsError, load_settings
from bot.domain.errors import StoreUnavailable
from bot.domain.retention import AUDIT_ACTION, RetentionLimits
from bot.services import Services


async def test_every_replica_schedules_the_hourly_retention_job(services: Services) -> None:
    scheduler = AsyncIOScheduler()
    schedule_retention(scheduler, services)
    job = scheduler.get_job(RETENTION_JOB)
    assert job is not None and job.trigger.interval == timedelta(hours=1)
    # A replica restarted within the hour still looks: the first look is a minute away.
    assert job.next_run_time - datetime.now(UTC) <= timedelta(minutes=1)


async def test_the_job_runs_the_day_once(services: Services) -> None:
    await _retention_job(services)
    await _retention_job(services)  # the same day: already run
    runs = [e for e in await services.store.audit_log() if e.action == AUDIT_ACTION]
    assert [entry.actor for entry in runs] == ["retention"]


async def test_a_failing_run_is_logged_and_gives_the_day_back(
    services: Services, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down() -> list[object]:
        raise StoreUnavailable("database away")

    monkeypatch.setattr(services.store, "list_teams", down)
    with caplog.at_level(logging.ERROR):
        await _retention_job(services)
    assert "scheduled job failed: retention" in caplog.text
    monkeypatch.undo()
    await _retention_job(services)  # released: the next round runs the day
    runs = [e for e in await services.store.audit_log() if e.action == AUDIT_ACTION]
    assert len(runs) == 1


def test_the_settings_set_the_global_limits_and_refuse_a_negative_one() -> None:
    settings = load_settings({"RATEBOT_RETENTION_COMMENT_MONTHS": "6",
                              "RATEBOT_RETENTION_PROMPT_MONTHS": "0"})
    assert policy_from(settings).retention == RetentionLimits(
        comment_months=6, identity_months=24, prompt_months=0
    )
    with pytest.raises(SettingsError, match="RATEBOT_RETENTION_IDENTITY_MONTHS"):
        load_settings({"RATEBOT_RETENTION_IDENTITY_MONTHS": "-1"})
