"""The reconcile poll's schedule: one job per connected helpdesk, errors kept in the job."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.scheduling import _reconcile_job, schedule_reconciles
from bot.domain.events import ConversationClosed
from bot.ports.helpdesk_api import ApiUnavailable, SolvedPage
from bot.services import Services


class DownApi:
    source = "zendesk"

    async def person_email(self, person_id: str) -> str | None:
        return None

    async def group_name(self, group_id: str) -> str | None:
        return None

    def checkpoint_at(self, since: datetime) -> str:
        return "{}"

    async def solved_since(self, checkpoint: str) -> SolvedPage:
        raise ApiUnavailable("zendesk API asks to wait 600s (429)", retry_after=600)

    async def aclose(self) -> None:
        return None


async def keep(close: ConversationClosed) -> ConversationClosed:
    return close


async def test_each_connected_helpdesk_gets_one_interval_job(services: Services) -> None:
    scheduler = AsyncIOScheduler()
    schedule_reconciles(scheduler, services, {"zendesk": DownApi(), "jira": DownApi()}, keep,
                        every=timedelta(minutes=15))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == ["reconcile:jira", "reconcile:zendesk"]
    assert jobs["reconcile:zendesk"].trigger.interval == timedelta(minutes=15)


async def test_an_unavailable_api_is_a_warning_and_frees_the_source(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        await _reconcile_job(services, DownApi(), keep)
    assert "reconcile zendesk: zendesk API asks to wait 600s (429)" in caplog.text
    assert await services.store.claim_poll(
        "zendesk", now=services.clock.now(), lease=timedelta(minutes=10)
    )
