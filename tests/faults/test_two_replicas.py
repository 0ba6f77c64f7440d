"""Two replicas on one PostgreSQL database: a prompt goes out once, whoever sends it.

Each replica claims prompts with a lease. When Slack is slow, or answers 429 and the
sender waits out its Retry-After, a batch takes longer than the lease; the other replica
must still never send what the first is sending. And a 429 that one replica was given
holds for the other as well: no call of that method may reach Slack inside the window.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_ENV, POSTGRES_SKIP
from tests.faults.harness import Fleet, fleet_on

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.slow]

LEASE_SECONDS = "2"  # a batch of prompts outlasts this many seconds of lease


@pytest.fixture
def engine_name() -> str:
    """Replicas share a database only on PostgreSQL."""
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(POSTGRES_SKIP)
    return "postgres"


@pytest.fixture
async def fleet(tmp_path: Path, database_url: str) -> AsyncIterator[Fleet]:
    async with fleet_on(tmp_path, database_url,
                        RATEBOT_DELIVERY_LEASE_SECONDS=LEASE_SECONDS) as made:
        yield made


async def two_replicas_close(fleet: Fleet, count: int) -> None:
    """Start two replicas and close `count` tickets, half through each."""
    first, second = fleet.replica(), fleet.replica()
    await first.start()
    await second.start()
    tickets = fleet.new_tickets(count)
    await fleet.close(first, tickets[::2])
    await fleet.close(second, tickets[1::2])


@pytest.mark.timeout(120)
async def test_a_slow_slack_never_gets_one_prompt_from_both_replicas(fleet: Fleet) -> None:
    # Half a second a post: a claim of 25 prompts needs twelve seconds, six leases.
    fleet.slack.delay("chat.postMessage", 0.5)

    await two_replicas_close(fleet, 30)
    tally = await fleet.settle(within=60)

    fleet.assert_exactly_once(tally)


@pytest.mark.timeout(150)
async def test_a_rate_limiting_slack_is_obeyed_by_both_replicas_and_sent_to_once(
    fleet: Fleet,
) -> None:
    # A quarter of the posts answered 429 with Retry-After 1-2 s (the SDK, or ratebot, waits
    # that out: batches outlast the lease), at most twelve of them so the run ends.
    fleet.slack.delay("chat.postMessage", 0.1)
    # A replica may have checked for a pause just before the other was given its 429: a
    # call arriving within this long after the 429 was under way before anyone could know.
    fleet.slack.limits.grace = 0.25
    fleet.slack.throttle("chat.postMessage", share=0.25, retry_after=(1, 2), budget=12,
                         seed=1042)

    await two_replicas_close(fleet, 40)
    tally = await fleet.settle(within=90)

    fleet.assert_retry_after_obeyed(tally)
    fleet.assert_exactly_once(tally)
