"""The anonymity job in the app: every replica schedules it, its errors stay in it, and the
key that keeps answered prompts unnamed comes from the settings."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.bootstrap import policy_from
from app.scheduling import ANONYMITY_JOB, _anonymity_job, schedule_anonymity
from app.settings import load_settings
from bot.domain.errors import StoreUnavailable
from bot.services import Services


async def test_every_replica_schedules_the_hourly_anonymity_job(services: Services) -> None:
    scheduler = AsyncIOScheduler()
    schedule_anonymity(scheduler, services)
    job = scheduler.get_job(ANONYMITY_JOB)
    assert job is not None and job.trigger.interval == timedelta(hours=1)


async def test_a_failing_run_is_logged_and_the_next_round_runs_the_day(
    services: Services, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down() -> list[object]:
        raise StoreUnavailable("database away")

    monkeypatch.setattr(services.store, "list_teams", down)
    with caplog.at_level(logging.ERROR):
        await _anonymity_job(services)
    assert "scheduled job failed: anonymity batches" in caplog.text
    monkeypatch.undo()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        await _anonymity_job(services)
        await _anonymity_job(services)  # the same day: already run
    assert caplog.text.count("anonymity batches:") == 1


def test_the_anonymity_key_comes_from_the_settings() -> None:
    assert policy_from(load_settings({})).anonymity_key == ""
    keyed = load_settings({"RATEBOT_ANONYMITY_KEY": "s3cret"})
    assert policy_from(keyed).anonymity_key == "s3cret"
