"""The Slack directory in the app: its setting, and the job `serve` schedules (at start,
then every interval; a stopped sync logs its reason and nothing personal)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from adapters.slack.outbound import SlackChat, slack_client
from app.scheduling import DIRECTORY_JOB, _directory_job, schedule_directory
from app.settings import SettingsError, load_settings
from bot.services import Services
from tests.fakes.chat import FakeChat
from tests.fakes.slack_api import FakeSlackApi


def test_the_interval_is_a_setting_with_a_floor() -> None:
    assert load_settings({}).slack_directory_minutes == 360
    assert load_settings({"RATEBOT_SLACK_DIRECTORY_MINUTES": "60"}).slack_directory_minutes == 60
    with pytest.raises(SettingsError, match="RATEBOT_SLACK_DIRECTORY_MINUTES"):
        load_settings({"RATEBOT_SLACK_DIRECTORY_MINUTES": "1"})


async def test_serve_syncs_slacks_directory_at_start_and_then_every_interval(
    services: Services, caplog: pytest.LogCaptureFixture,
) -> None:
    async with FakeSlackApi.running() as api:
        api.add_user("UJAN", "jan@example.com", "Jan Jansen")
        api.fail("users.list", "missing_scope")
        chat = SlackChat(slack_client("xoxb-test", api_url=api.base_url), services.store,
                         default_locale="en", pacers={})
        scheduler = AsyncIOScheduler()
        schedule_directory(scheduler, [FakeChat(), chat], every=timedelta(minutes=30))
        job = scheduler.get_job(DIRECTORY_JOB)
        assert job is not None and job.trigger.interval == timedelta(minutes=30)
        assert job.next_run_time - datetime.now(UTC) <= timedelta(seconds=5)

        with caplog.at_level(logging.WARNING):
            await _directory_job(chat.directory)  # Slack refuses: logged, not raised
        assert "slack directory sync stopped: slack: missing_scope" in caplog.text
        assert "jan@example.com" not in caplog.text
        await _directory_job(chat.directory)  # the next run goes through
        assert await chat.directory.find("jan@example.com") is not None


def test_without_slack_nothing_is_scheduled() -> None:
    scheduler = AsyncIOScheduler()
    schedule_directory(scheduler, [FakeChat()], every=timedelta(minutes=30))
    assert scheduler.get_job(DIRECTORY_JOB) is None
