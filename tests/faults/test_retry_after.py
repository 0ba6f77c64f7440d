"""Slack's 429 closes a method for its Retry-After: nothing calls it again before then.

Not the call that was refused, not the next prompt's post, not another sender of the same
process (a detractor's alert). The fake Slack answers some posts 429, including the retry
that follows the first window, and counts every call of the method that arrives while a
window is open.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.faults.harness import TEAM, Fleet

pytestmark = [pytest.mark.faults, pytest.mark.slow]


@pytest.mark.timeout(120)
async def test_no_post_reaches_slack_inside_a_retry_after_window(fleet: Fleet) -> None:
    # Posts 2 and 3 are refused with Retry-After 2: the third comes after the first window
    # and is refused again. Posts 9 and 10 the same. Each post takes Slack 0.3 s, so what
    # comes next would land well inside the window, not just as it opens.
    fleet.slack.delay("chat.postMessage", 0.3)
    fleet.slack.throttle("chat.postMessage", calls={2, 3, 9, 10}, retry_after=2)
    replica = fleet.replica()
    await replica.start()

    await fleet.close(replica, fleet.new_tickets(12))
    tally = await fleet.settle(within=80)

    fleet.assert_retry_after_obeyed(tally)
    fleet.assert_exactly_once(tally)


@pytest.mark.timeout(120)
async def test_an_alert_waits_out_the_window_a_prompt_was_given(fleet: Fleet) -> None:
    await fleet.cli("teams", "set", TEAM, "alert-channel", "CALERT")
    replica = fleet.replica()
    await replica.start()
    rated, waiting = fleet.new_tickets(2)
    await fleet.close(replica, [rated])
    assert await fleet.wait_for_rows(
        lambda rows: rows[rated.ticket_id].status == "sent", within=20)

    # The next prompt's post is refused for three seconds; inside that window a detractor
    # rates the first prompt, and the team's alert is another chat.postMessage.
    fleet.slack.throttle("chat.postMessage", calls={1}, retry_after=3)
    await fleet.close(replica, [waiting])
    await fleet.slack.wait_until(lambda: bool(fleet.slack.windows), within=20)
    window = fleet.slack.windows[0]
    await asyncio.sleep(max(0.0, window.start + 0.5 - time.monotonic()))  # well inside it
    assert await fleet.click(replica, rated.person, 2) == 200
    await fleet.slack.wait_until(lambda: bool(alerts(fleet)), within=20)
    tally = await fleet.settle(within=60)

    fleet.assert_retry_after_obeyed(tally)
    fleet.assert_exactly_once(tally)
    assert len(alerts(fleet)) == 1, fleet.report(tally)


def alerts(fleet: Fleet) -> list[tuple[str, str]]:
    return [key for key in fleet.slack.posts if key[0] == "CALERT"]
