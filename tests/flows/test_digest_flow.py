"""Posting digests: once per team and week, across replicas, crashes, restarts and DST."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from app.chart import MatplotlibCharts
from app.scheduling import DigestScheduler, job_id
from bot.domain.digest import Digest
from bot.domain.errors import UserFacingError
from bot.domain.hints import Surface
from bot.domain.messages import ChannelMessage, DigestMessage
from bot.domain.model import Team
from bot.domain.weeks import IsoWeek
from bot.flows.digest_flow import LEASE, DigestFlow, Outcome
from bot.ports.charts import FULL_SIZE, ChartSize
from bot.ports.chat import PermanentDeliveryError, TransientDeliveryError
from bot.services import Policy, Services
from storage.engine import create_engine
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN
from tests.flows.digest_support import DigestSqlStore, Rater, store  # noqa: F401

MONDAY_0900 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # servicedesk's digest time (UTC)
W47 = "2026-W47"


@dataclass
class FlakyChat(FakeChat):
    """Refuses the next `failures` posts with `error`, or crashes with `crash`."""

    failures: int = 0
    error: Exception | None = None

    async def post_message(self, channel: str, message: ChannelMessage) -> str:
        if self.failures > 0:
            self.failures -= 1
            assert self.error is not None
            raise self.error
        return await super().post_message(channel, message)


def digests(chat: FakeChat) -> list[tuple[str, DigestMessage]]:
    return [(channel, m) for channel, m in chat.posts if isinstance(m, DigestMessage)]


async def _team(services: Services, name: str = "servicedesk") -> Team:
    team = await services.store.get_team(name)
    assert team is not None
    return team


@pytest.fixture
async def with_channel(services: Services, clock: FakeClock) -> Services:
    await services.store.set_team_channel(
        "servicedesk", "test", "digest", "C-DIGEST", actor=ADMIN, at=clock.now()
    )
    return services


def flow_for(services: Services, **options: object) -> DigestFlow:
    return DigestFlow(services, **options)  # type: ignore[arg-type]


async def test_the_scheduled_job_posts_the_last_week_once(
    with_channel: Services, clock: FakeClock, chat: FakeChat, rater: Rater
) -> None:
    await rater.rate(datetime(2026, 11, 18, 10, tzinfo=UTC), 9, comment="Thanks")
    clock.set(MONDAY_0900 + timedelta(seconds=5))
    scheduler = DigestScheduler(with_channel, flow_for(with_channel))
    await scheduler.fire("servicedesk")
    await scheduler.fire("servicedesk")
    [(channel, message)] = digests(chat)
    assert channel == "C-DIGEST" and not message.late and message.chart_png is None
    assert str(message.digest.week) == W47 and message.digest.score.n == 1
    run = await store_of(with_channel).get_digest_run((await _team(with_channel)).id, W47)
    assert run is not None and run.status == "posted" and not run.late
    assert run.posted_at == clock.now()
    assert json.loads(run.message_ref or "") == {"test": "test-post-2"}


def store_of(services: Services) -> DigestSqlStore:
    assert isinstance(services.store, DigestSqlStore)
    return services.store


@pytest.fixture
def rater(services: Services, clock: FakeClock) -> Rater:
    return Rater(services, clock)


async def test_two_schedulers_on_one_database_post_once(
    with_channel: Services, clock: FakeClock, chat: FakeChat, database_url: str
) -> None:
    # Every team gets a digest channel on both replicas' platform.
    await with_channel.store.set_team_channel(
        "infra", "test", "digest", "C-INFRA", actor=ADMIN, at=clock.now()
    )
    other_store = DigestSqlStore(create_engine(database_url))
    other_chat = FakeChat()
    try:
        other = Services(store=other_store, clock=clock, policy=with_channel.policy,
                         chats=(other_chat,), rng=random.Random(2))
        clock.set(MONDAY_0900)
        first = DigestScheduler(with_channel, flow_for(with_channel))
        second = DigestScheduler(other, flow_for(other))
        # Both replicas fire every team's job at the same second, twice over.
        await asyncio.gather(*(
            scheduler.fire(team)
            for _ in range(2) for scheduler in (first, second) for team in ("servicedesk", "infra")
        ))
    finally:
        await other_store.close()
    posted = digests(chat) + digests(other_chat)
    assert sorted(channel for channel, _ in posted) == ["C-DIGEST", "C-INFRA"]


async def test_a_crash_after_claiming_is_recovered_after_the_lease(
    with_channel: Services, clock: FakeClock, chat: FakeChat
) -> None:
    team = await _team(with_channel)
    # A replica claimed the week at 09:00 and died before posting.
    assert await store_of(with_channel).claim_digest_run(
        team.id, W47, now=MONDAY_0900, lease=LEASE
    )
    scheduler = DigestScheduler(with_channel, flow_for(with_channel))
    clock.set(MONDAY_0900 + timedelta(minutes=1))
    await scheduler.fire("servicedesk")
    assert digests(chat) == []  # the claim still holds
    clock.set(MONDAY_0900 + LEASE + timedelta(minutes=1))
    await scheduler.resync()  # the periodic resync takes the expired claim over
    [(_, message)] = digests(chat)
    assert str(message.digest.week) == W47
    await scheduler.resync()
    assert len(digests(chat)) == 1


async def test_an_error_while_posting_releases_the_claim_and_is_logged(
    services: Services, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = FlakyChat(failures=1, error=RuntimeError("boom"))
    await services.store.set_team_channel("servicedesk", "test", "digest", "C-DIGEST",
                                          actor=ADMIN, at=clock.now())
    flaky_services = Services(store=services.store, clock=clock, chats=(flaky,))
    scheduler = DigestScheduler(flaky_services, flow_for(flaky_services))
    clock.set(MONDAY_0900)
    with caplog.at_level(logging.ERROR):
        await scheduler.fire("servicedesk")  # the boundary keeps the error inside
    assert digests(flaky) == []
    assert "posting the digest of team id" in caplog.text
    # Nothing arrived, so nothing was posted: the next attempt goes at once.
    await scheduler.fire("servicedesk")
    assert len(digests(flaky)) == 1


async def test_a_refused_post_is_retried_and_a_partial_post_counts(
    services: Services, clock: FakeClock
) -> None:
    refused = FlakyChat(failures=1, error=TransientDeliveryError("ratelimited"))
    await services.store.set_team_channel("servicedesk", "test", "digest", "C-1",
                                          actor=ADMIN, at=clock.now())
    one = Services(store=services.store, clock=clock, chats=(refused,))
    clock.set(MONDAY_0900)
    team = await _team(one)
    assert (await flow_for(one).run_due(team)).outcome is Outcome.FAILED
    run = await store_of(one).get_digest_run(team.id, W47)
    assert run is not None and run.status == "claimed" and run.claimed_at is None
    assert (await flow_for(one).run_due(team)).outcome is Outcome.POSTED
    # Two platforms, one refuses for good: posted where it could be, never reposted.
    gone = FlakyChat(platform="other", failures=5, error=PermanentDeliveryError("no channel"))
    await services.store.set_team_channel("infra", "test", "digest", "C-2",
                                          actor=ADMIN, at=clock.now())
    await services.store.set_team_channel("infra", "other", "digest", "X-2",
                                          actor=ADMIN, at=clock.now())
    both = Services(store=services.store, clock=clock, chats=(refused, gone))
    infra = await _team(both, "infra")
    assert (await flow_for(both).run_due(infra)).outcome is Outcome.POSTED
    assert (await flow_for(both).run_due(infra)).outcome is Outcome.ALREADY
    run = await store_of(both).get_digest_run(infra.id, W47)
    assert run is not None and json.loads(run.message_ref or "") == {"test": "test-post-2"}


async def test_a_digest_missed_while_down_is_posted_on_start_marked_late(
    with_channel: Services, clock: FakeClock, chat: FakeChat
) -> None:
    clock.set(MONDAY_0900 + timedelta(hours=23))  # the bot was down at 09:00
    scheduler = DigestScheduler(with_channel, flow_for(with_channel),
                                scheduler=AsyncIOScheduler(timezone=UTC))
    await scheduler.start()
    try:
        [(_, message)] = digests(chat)
        assert message.late and str(message.digest.week) == W47
        run = await store_of(with_channel).get_digest_run((await _team(with_channel)).id, W47)
        assert run is not None and run.late
        assert scheduler.scheduler.get_job("digest:resync") is not None
    finally:
        scheduler.shutdown()


@pytest.mark.parametrize(("grace_hours", "posted"), [(24, 0), (48, 1)])
async def test_beyond_the_grace_a_missed_digest_is_skipped(
    with_channel: Services, clock: FakeClock, chat: FakeChat, grace_hours: int, posted: int
) -> None:
    clock.set(MONDAY_0900 + timedelta(hours=25))
    flow = flow_for(with_channel, grace=timedelta(hours=grace_hours))
    await DigestScheduler(with_channel, flow).resync()
    assert len(digests(chat)) == posted


async def test_send_digest_counts_as_that_weeks_digest(
    with_channel: Services, clock: FakeClock, chat: FakeChat
) -> None:
    flow = flow_for(with_channel)
    clock.set(MONDAY_0900 - timedelta(hours=1))
    result = await flow.send_digest("servicedesk")
    assert result.outcome is Outcome.POSTED and result.period == W47
    clock.set(MONDAY_0900)
    await DigestScheduler(with_channel, flow).fire("servicedesk")
    assert len(digests(chat)) == 1
    with pytest.raises(UserFacingError, match="posted already"):
        await flow.send_digest("servicedesk")
    older = await flow.send_digest("servicedesk", IsoWeek(2026, 46))
    assert older.period == "2026-W46" and len(digests(chat)) == 2


async def test_no_digest_channel_means_nothing_is_claimed(
    services: Services, clock: FakeClock, chat: FakeChat
) -> None:
    clock.set(MONDAY_0900)
    flow = flow_for(services)
    team = await _team(services)
    assert (await flow.run_due(team)).outcome is Outcome.NO_CHANNEL
    assert await store_of(services).get_digest_run(team.id, W47) is None
    with pytest.raises(UserFacingError, match="no digest channel") as refused:
        await flow.send_digest("servicedesk")
    assert chat.posts == []
    # Chat hints its own command; the command line one it accepts (an id, not "#name").
    assert "`team set servicedesk digest-channel #channel`" in str(refused.value)
    assert "`ratebot teams set servicedesk digest-channel C0123ABCD`" in (
        refused.value.for_surface(Surface.CLI))


async def test_the_chart_goes_with_the_digest(
    with_channel: Services, clock: FakeClock, chat: FakeChat
) -> None:
    pytest.importorskip("matplotlib")
    clock.set(MONDAY_0900)
    drawing = dataclasses.replace(with_channel, charts=MatplotlibCharts())
    await DigestFlow(drawing).run_due(await _team(drawing))
    [(_, message)] = digests(chat)
    assert message.chart_png is not None and message.chart_png.startswith(b"\x89PNG")


async def test_a_failing_chart_still_posts_the_text(
    with_channel: Services, clock: FakeClock, chat: FakeChat
) -> None:
    class BrokenCharts:
        def render(self, digest: Digest, size: ChartSize = FULL_SIZE) -> bytes | None:
            raise RuntimeError("no fonts")

    clock.set(MONDAY_0900)
    broken = dataclasses.replace(with_channel, charts=BrokenCharts())
    await DigestFlow(broken).run_due(await _team(broken))
    [(_, message)] = digests(chat)
    assert message.chart_png is None


async def test_the_scheduled_moment_follows_dst_in_the_team_timezone(
    with_channel: Services, clock: FakeClock, chat: FakeChat
) -> None:
    await with_channel.store.update_team(
        "servicedesk", {"timezone": "Europe/Amsterdam"}, actor=ADMIN, at=clock.now()
    )
    scheduler = DigestScheduler(with_channel, flow_for(with_channel))
    # Monday 26 Oct, the day after the clocks went back: 09:00 there is 08:00 UTC.
    clock.set(datetime(2026, 10, 26, 7, 30, tzinfo=UTC))
    await scheduler.fire("servicedesk")
    assert digests(chat) == []  # 08:30 in Amsterdam: not yet (and last week's is too old)
    clock.set(datetime(2026, 10, 26, 8, 0, 10, tzinfo=UTC))
    await scheduler.fire("servicedesk")
    [(_, message)] = digests(chat)
    digest = message.digest
    assert str(digest.week) == "2026-W43" and not message.late
    assert digest.since == datetime(2026, 10, 18, 22, tzinfo=UTC)
    assert digest.until == datetime(2026, 10, 25, 23, tzinfo=UTC)


async def test_a_schedule_change_takes_effect_without_a_restart(
    services: Services, clock: FakeClock
) -> None:
    scheduler = DigestScheduler(services, flow_for(services),
                                scheduler=AsyncIOScheduler(timezone=UTC))
    await scheduler.start()
    try:
        team = await _team(services)
        trigger = scheduler.scheduler.get_job(job_id(team)).trigger
        assert isinstance(trigger, CronTrigger)
        assert "day_of_week='mon', hour='9', minute='0'" in str(trigger)
        assert str(trigger.timezone) == "UTC"
        # Changed elsewhere (another replica, the command line): the resync picks it up.
        await services.store.update_team("servicedesk", {"digest_schedule":
                                         "fri 16:30 Europe/Amsterdam"}, actor=ADMIN,
                                         at=clock.now())
        await scheduler.resync()
        trigger = scheduler.scheduler.get_job(job_id(team)).trigger
        assert "day_of_week='fri', hour='16', minute='30'" in str(trigger)
        assert str(trigger.timezone) == "Europe/Amsterdam"
        # Changed here: the admin flow reschedules at once.
        changed = await services.store.update_team("servicedesk", {"digest_schedule":
                                                   "tue 08:15"}, actor=ADMIN, at=clock.now())
        scheduler.reschedule(changed)
        assert "day_of_week='tue', hour='8', minute='15'" in str(
            scheduler.scheduler.get_job(job_id(team)).trigger)
        # A removed team's job goes.
        infra = await _team(services, "infra")
        await services.store.remove_team("infra", actor=ADMIN, at=clock.now())
        await scheduler.resync()
        assert scheduler.scheduler.get_job(job_id(infra)) is None
        assert len(scheduler.scheduler.get_jobs()) == 2  # servicedesk and the resync
    finally:
        scheduler.shutdown()


async def test_the_policy_timezone_is_the_default(
    with_channel: Services, clock: FakeClock, chat: FakeChat
) -> None:
    tokyo = Services(store=with_channel.store, clock=clock, chats=(chat,),
                     policy=Policy(timezone="Asia/Tokyo"))
    clock.set(datetime(2026, 11, 23, 0, 0, 5, tzinfo=UTC))  # Monday 09:00:05 in Tokyo
    await DigestScheduler(tokyo, flow_for(tokyo)).fire("servicedesk")
    [(_, message)] = digests(chat)
    assert message.digest.timezone == "Asia/Tokyo" and str(message.digest.week) == W47
