"""Deciding a close never waits behind sending: a slow Slack delays prompts, not decisions.

A batch of prompts goes out to a Slack that takes a second for each post. A close that
arrives meanwhile must be decided (its prompt stored, pending or skipped, with its reason)
about as fast as when nothing is being sent, not once the batch is through.
"""

from __future__ import annotations

import time

import pytest

from tests.faults.harness import Fleet

pytestmark = [pytest.mark.faults, pytest.mark.slow]

POST_SECONDS = 1.0  # how long Slack takes to answer each post
DECIDED_WITHIN = 1.0  # seconds from a close's 202 to its stored decision


@pytest.mark.timeout(90)
async def test_a_close_accepted_during_a_slow_batch_is_decided_at_once(fleet: Fleet) -> None:
    fleet.slack.delay("chat.postMessage", POST_SECONDS)
    replica = fleet.replica()
    await replica.start()
    await fleet.close(replica, fleet.new_tickets(8))
    await fleet.slack.wait_for("chat.postMessage", within=20)  # the batch is being sent

    (late,) = fleet.new_tickets(1)
    accepted = time.monotonic()
    await fleet.close(replica, [late])
    decided = await fleet.wait_for_rows(
        lambda rows: rows[late.ticket_id].status is not None, within=20)
    took = time.monotonic() - accepted

    posts = len(fleet.slack.called("chat.postMessage"))
    assert decided and took <= DECIDED_WITHIN, (
        f"the close accepted while the batch was being sent was "
        f"{'decided' if decided else 'still undecided'} after {took:.1f} s "
        f"(allowed {DECIDED_WITHIN} s; {posts} of 9 posts made by then)\n{fleet.logs()}"
    )
    fleet.assert_exactly_once(await fleet.settle(within=30))
