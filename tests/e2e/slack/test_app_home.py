"""App Home: everyone sees their own ratings and an opt-out toggle; admins see the teams."""

from __future__ import annotations

import json
from typing import Any

from app.bootstrap import Ratebot
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_prompt_and_click import deliver
from tests.fakes.slack_api import FakeSlackApi


def home_opened(user: str, event_id: str) -> dict[str, Any]:
    return {
        "token": "legacy", "team_id": "T111", "api_app_id": "A111", "type": "event_callback",
        "event_id": event_id, "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": user, "channel": "D111", "tab": "home",
                  "event_ts": "1700000000.000100"},
    }


async def open_home(slack: SlackDriver, slack_api: FakeSlackApi, user: str,
                    event_id: str = "EvHome1") -> dict[str, Any]:
    await slack.event(home_opened(user, event_id))
    call = slack_api.last("views.publish")
    assert call.args["user_id"] == user
    view: dict[str, Any] = call.args["view"]
    return view


async def test_a_person_sees_their_ratings_and_can_opt_out(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 8)
    view = await open_home(slack, slack_api, "UJAN")
    body = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home"
    assert "Service Desk: *8*" in body
    assert "Teams (last" not in body  # not an admin
    toggle = next(b["accessory"] for b in view["blocks"] if "accessory" in b)
    assert toggle["action_id"] == "home.optout"
    await slack.interaction({
        "type": "block_actions", "user": {"id": "UJAN", "name": "jan"}, "api_app_id": "A111",
        "container": {"type": "view", "view_id": "VHOME"}, "trigger_id": "9.9.x",
        "team": {"id": "T111"}, "view": {**view, "id": "VHOME", "hash": "h"},
        "actions": [{"action_id": toggle["action_id"], "block_id": "b", "type": "button",
                     "value": toggle["value"], "action_ts": "1700000009.1"}],
    })
    person = await ratebot.services.store.find_person(slack_user_id="UJAN")
    assert person is not None and person.opted_out
    republished = slack_api.last("views.publish").args["view"]
    assert "home.optin" in json.dumps(republished)


async def test_an_admin_also_sees_each_teams_score_trend_and_follow_ups(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 2)
    ratebot.services.clock.advance(minutes=1)  # type: ignore[attr-defined]
    view = await open_home(slack, slack_api, "UADMIN")
    body = json.dumps(view, ensure_ascii=False)
    assert "Teams (last 8 weeks)" in body
    # With one rating the score says its interval, not a margin of "± 0".
    assert "*Service Desk*: -100 (-100 to +12) (n = 1)" in body
    assert "Open follow-ups: 1" in body
