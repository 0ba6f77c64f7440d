"""A reminder through real bolt and sdk against fake Slack: one fresh copy of the prompt in
the DM after two days, whose buttons record the same prompt."""

from __future__ import annotations

import json

from app.bootstrap import Ratebot
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_prompt_and_click import deliver, stored_ratings
from tests.e2e.slack.test_slash_command import say
from tests.fakes.clock import FakeClock
from tests.fakes.slack_api import FakeSlackApi


async def test_one_reminder_in_the_dm_and_a_click_on_it_records_the_prompt(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    prompt_id = await deliver(ratebot)
    channel, first = slack.dm_of("UJAN")
    clock.advance(days=1)
    await ratebot.worker.run_once()
    assert len(slack_api.called("chat.postMessage")) == 1  # too early
    clock.advance(days=1)
    await ratebot.worker.run_once()
    posts = slack_api.called("chat.postMessage")
    assert len(posts) == 2
    reminder = posts[-1].args
    assert reminder["channel"] == channel  # the DM the prompt went to
    assert reminder["text"].startswith("Reminder: Service Desk asks:")
    body = json.dumps(reminder["blocks"], ensure_ascii=False)
    assert body.index("A reminder: *Service Desk* would still like to know") < body.index(
        "How likely are you to recommend Service Desk"
    )
    _, copy = slack.dm_of("UJAN")
    assert copy["ts"] != first["ts"]
    assert slack.buttons(copy)["rate:7"]["value"] == f"{prompt_id}:7:"

    await slack.clicks("UJAN", 7)  # on the reminder, the newest message
    [update] = await slack_api.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (channel, copy["ts"])
    [rating] = await stored_ratings(ratebot)
    assert (rating["prompt_id"], rating["score"]) == (prompt_id, 7)

    clock.advance(days=1)
    await ratebot.worker.run_once()
    assert len(slack_api.called("chat.postMessage")) == 2  # never a second reminder


async def test_a_dutch_speaker_is_reminded_in_dutch(
    ratebot: Ratebot, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    slack_api.users["UJAN"].locale = "nl-NL"
    await deliver(ratebot)
    clock.advance(days=2)
    await ratebot.worker.run_once()
    reminder = slack_api.called("chat.postMessage")[-1].args
    assert reminder["text"].startswith("Herinnering: Service Desk vraagt:")
    assert "Een herinnering: *Service Desk* hoort nog graag" in json.dumps(
        reminder["blocks"], ensure_ascii=False
    )


async def test_an_admin_sets_the_delay_or_turns_reminders_off_with_the_slash_command(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    reply = await say(slack, "UADMIN", "team set servicedesk reminder 36h")
    assert "Changed `reminder` of `servicedesk`" in reply
    team = await ratebot.services.store.get_team("servicedesk")
    assert team is not None and team.reminder_minutes == 36 * 60
    reply = await say(slack, "UADMIN", "team set servicedesk reminder soon")
    assert "'soon' is not a valid reminder" in reply and "2d, 36h" in reply
    await say(slack, "UADMIN", "team set servicedesk reminder off")
    await deliver(ratebot)
    clock.advance(days=3)
    await ratebot.worker.run_once()
    assert len(slack_api.called("chat.postMessage")) == 1  # the prompt alone
