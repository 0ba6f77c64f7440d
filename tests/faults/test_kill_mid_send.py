"""kill -9 while prompts go out: after a restart every prompt is in Slack exactly once.

The hard case is a post in doubt: Slack has the message, the process dies before it
stores "sent". The fake Slack holds such a post (it took effect, the answer never comes)
while the test kills the process, so the doubt is certain rather than a matter of luck.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.fakes.slack_faults import Hold
from tests.faults.harness import Fleet

pytestmark = pytest.mark.faults


@pytest.mark.timeout(90)
async def test_a_post_in_flight_when_killed_is_in_slack_once_after_restart(
    fleet: Fleet,
) -> None:
    replica = fleet.replica()
    await replica.start()
    held = fleet.slack.hold("chat.postMessage")
    (ticket,) = fleet.new_tickets(1)
    await fleet.close(replica, [ticket])
    await held.wait(within=20)  # Slack has the message; ratebot has no answer yet
    await replica.kill()

    await replica.start()
    tally = await fleet.settle(within=40)

    assert held.outcome == "disconnected"  # the post was in doubt: its answer never came
    fleet.assert_exactly_once(tally)


@pytest.mark.slow
@pytest.mark.timeout(150)
async def test_killed_again_and_again_during_fan_out_every_prompt_goes_out_once(
    fleet: Fleet,
) -> None:
    rng = random.Random(20261126)
    fleet.slack.delay("chat.postMessage", 0.05)  # a fan-out of seconds, not milliseconds
    replica = fleet.replica()
    await replica.start()
    await fleet.close(replica, fleet.new_tickets(30))
    for kill in range(3):
        if kill % 2 == 0:
            # With a post in flight, a few posts on from here.
            held = fleet.slack.hold("chat.postMessage", after=rng.randint(0, 5))
            if not await held_in_time(held):
                break  # everything went out before this kill could happen
        else:
            # At any moment of the fan-out: between posts, while storing, mid-post.
            posted = len(fleet.slack.called("chat.postMessage"))
            await fleet.slack.wait_for("chat.postMessage", count=posted + 1, within=20)
            await asyncio.sleep(rng.uniform(0, 0.3))
        await replica.kill()
        await replica.start()
    tally = await fleet.settle(within=60)

    fleet.assert_exactly_once(tally)


async def held_in_time(held: Hold) -> bool:
    """Wait for the held post; False (and the hold withdrawn) when none came."""
    try:
        await held.wait(within=20)
    except TimeoutError:
        held.release()
        return False
    return True
