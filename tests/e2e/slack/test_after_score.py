"""Reasons and lost time in Slack, through the real bolt app against the fake Slack: a
score's update offers them, each tap is stored and the message redrawn showing it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from adapters.slack.app import NOT_STORED_STATUS
from app.bootstrap import Ratebot
from storage.schema import rating_reasons
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_durable_click import failing
from tests.e2e.slack.test_prompt_and_click import deliver, stored_ratings
from tests.e2e.slack.test_slash_command import say
from tests.fakes.clock import FakeClock
from tests.fakes.slack_api import FakeSlackApi


async def stored_reasons(ratebot: Ratebot) -> list[str]:
    engine = ratebot.services.store.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.select(rating_reasons.c.reason).order_by(rating_reasons.c.reason))
        return [row.reason for row in rows]


def labelled(slack: SlackDriver, message: dict[str, Any], prefix: str) -> dict[str, str]:
    """The message's buttons whose action ids start with `prefix`: label -> action id."""
    return {button["text"]["text"]: action_id
            for action_id, button in slack.buttons(message).items()
            if action_id.startswith(prefix)}


async def tap(slack: SlackDriver, slack_api: FakeSlackApi, label: str, prefix: str
              ) -> dict[str, Any]:
    """Jan taps the button called `label`; the message once redrawn."""
    channel, message = slack.dm_of("UJAN")
    before = len(slack.updates())
    payload = slack.block_actions("UJAN", channel, message,
                                  labelled(slack, message, prefix)[label])
    response = await slack.interaction(payload)
    assert response.status == 200
    await slack_api.wait_for("chat.update", before + 1)
    return slack.dm_of("UJAN")[1]


async def test_reasons_and_lost_time_are_tapped_stored_and_shown(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    reply = await say(slack, "UADMIN", "team set servicedesk lost-time on")
    assert ", reasons default, lost time on" in reply
    await deliver(ratebot)
    await slack.clicks("UJAN", 3)
    await slack_api.wait_for("chat.update")
    _, message = slack.dm_of("UJAN")
    assert "What held it back? Tap all that apply." in str(message["blocks"])
    offered = labelled(slack, message, "after.reason:")
    assert set(offered) == {"Took too long", "Not solved", "Had to explain twice", "Unfriendly"}
    assert set(labelled(slack, message, "after.lost:")) == {
        "None", "< 1 h", "Half a day", "A day or more"}
    assert "comment" in slack.buttons(message)  # the optional comment stays

    shown = await tap(slack, slack_api, "Took too long", "after.reason:")
    shown = await tap(slack, slack_api, "Not solved", "after.reason:")
    chosen = labelled(slack, shown, "after.reason:")
    assert {"✓ Took too long", "✓ Not solved", "Unfriendly"} <= set(chosen)
    assert slack.buttons(shown)[chosen["✓ Took too long"]]["style"] == "primary"
    # The order stays where it was: the buttons are drawn in the prompt's own order.
    assert [label.removeprefix("✓ ") for label in chosen] == list(offered)
    shown = await tap(slack, slack_api, "✓ Took too long", "after.reason:")  # dropped again
    assert "Took too long" in labelled(slack, shown, "after.reason:")
    shown = await tap(slack, slack_api, "Half a day", "after.lost:")
    assert "✓ Half a day" in labelled(slack, shown, "after.lost:")
    assert await stored_reasons(ratebot) == ["not_solved"]
    [rating] = await stored_ratings(ratebot)
    assert rating["lost_time"] == "half_day"

    before = len(slack.updates())
    await slack.clicks("UJAN", 10)  # a promoter now: the other side's reasons
    await slack_api.wait_for("chat.update", before + 1)
    _, message = slack.dm_of("UJAN")
    assert set(labelled(slack, message, "after.reason:")) == {
        "Fast", "Solved for good", "Clear explanation", "Friendly"}
    assert "✓ Half a day" in labelled(slack, message, "after.lost:")
    assert await stored_reasons(ratebot) == []


async def test_a_teams_own_labels_and_anonymity(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    for setting in ("reasons low: Waited ages; Wrong fix | high: Spot on",
                    "anonymity anonymous"):
        reply = await say(slack, "UADMIN", f"team set servicedesk {setting}")
        assert reply.startswith("Changed `"), reply
    await deliver(ratebot)
    await slack.clicks("UJAN", 2)
    await slack_api.wait_for("chat.update")
    _, message = slack.dm_of("UJAN")
    assert set(labelled(slack, message, "after.reason:")) == {"Waited ages", "Wrong fix"}
    assert labelled(slack, message, "after.lost:") == {}  # lost time is off by default
    shown = await tap(slack, slack_api, "Wrong fix", "after.reason:")
    assert "✓ Wrong fix" in labelled(slack, shown, "after.reason:")
    [rating] = await stored_ratings(ratebot)
    assert rating["person_id"] is None and rating["prompt_id"] is None
    assert await stored_reasons(ratebot) == ["low:Wrong fix"]


async def test_off_asks_nothing_after_the_score(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await say(slack, "UADMIN", "team set servicedesk reasons off")
    await deliver(ratebot)
    await slack.clicks("UJAN", 3)
    await slack_api.wait_for("chat.update")
    _, message = slack.dm_of("UJAN")
    assert labelled(slack, message, "after.") == {}
    assert "comment" in slack.buttons(message)


async def test_a_tap_after_expiry_redraws_the_prompt_as_expired(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi, clock: FakeClock
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 3)
    await slack_api.wait_for("chat.update")
    clock.advance(days=8)
    shown = await tap(slack, slack_api, "Took too long", "after.reason:")
    assert "This rating request has expired" in str(shown["blocks"])
    assert labelled(slack, shown, "after.") == {}
    assert await stored_reasons(ratebot) == []


async def test_a_dutch_person_is_asked_in_dutch(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await say(slack, "UADMIN", "team set servicedesk lost-time on")
    await deliver(ratebot, email="anne@example.com")
    await slack.clicks("UANNE", 10)
    await slack_api.wait_for("chat.update")
    _, message = slack.dm_of("UANNE")
    assert "Wat ging er goed? Tik alles aan wat klopt." in str(message["blocks"])
    assert set(labelled(slack, message, "after.reason:")) == {
        "Snel", "Echt opgelost", "Duidelijke uitleg", "Vriendelijk"}
    assert list(labelled(slack, message, "after.lost:")) == [
        "Geen", "< 1 uur", "Een halve dag", "Een dag of meer"]


async def test_a_reason_the_store_could_not_keep_is_not_acknowledged(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 3)
    await slack_api.wait_for("chat.update")
    channel, message = slack.dm_of("UJAN")
    action = labelled(slack, message, "after.reason:")["Not solved"]
    with failing("INSERT INTO RATING_REASONS") as refused:
        response = await slack.interaction(slack.block_actions("UJAN", channel, message, action))
    assert refused, "the tap never reached the store"
    assert response.status == NOT_STORED_STATUS  # Slack shows Jan it did not count
    assert await stored_reasons(ratebot) == []
    again = await slack.interaction(slack.block_actions("UJAN", channel, message, action))
    assert again.status == 200
    assert await stored_reasons(ratebot) == ["not_solved"]
