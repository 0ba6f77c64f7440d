"""What ratebot has no listener for (an old manifest's button, another app's shortcut) is
acknowledged with one log line, not bolt's 404, which Slack shows the person as an error."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.e2e.slack.harness import SlackDriver
from tests.e2e.support import unchanged
from tests.fakes.slack_api import FakeSlackApi

FIXTURES = Path("/work/shared/fixtures")
PRIVATE = "jan.secret@example.com"


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def said(slack_api: FakeSlackApi) -> list[str]:
    """Calls beyond bolt's own authorization: anything ratebot did in reply."""
    return [call.method for call in slack_api.calls if call.method != "auth.test"]


def unknown_action() -> dict[str, Any]:
    payload = fixture("slack_block_actions_dm_button.json")
    payload["actions"] = [{"type": "button", "action_id": "legacy_button", "value": PRIVATE,
                           "block_id": "b", "action_ts": "1.2"}]
    return payload


def unknown_view() -> dict[str, Any]:
    payload = fixture("slack_view_submission_comment.json")
    payload["view"]["callback_id"] = "legacy_modal"
    return payload


def unknown_shortcut() -> dict[str, Any]:
    return {"type": "shortcut", "callback_id": "legacy_shortcut", "trigger_id": "1.2.x",
            "team": {"id": "T111"}, "user": {"id": "U111", "username": PRIVATE},
            "token": "legacy", "action_ts": "1.2"}


@pytest.mark.parametrize(("payload", "named"), [
    (unknown_action, "action legacy_button"),
    (unknown_view, "view legacy_modal"),
    (unknown_shortcut, "shortcut legacy_shortcut"),
])
async def test_an_unknown_interaction_is_acknowledged_and_logged_once(
    slack: SlackDriver, slack_api: FakeSlackApi, database_url: str,
    caplog: pytest.LogCaptureFixture, payload: Any, named: str,
) -> None:
    caplog.set_level(logging.INFO)
    async with unchanged(database_url):
        response = await slack.interaction(payload())
        assert response.status == 200
    assert said(slack_api) == []
    lines = [r.getMessage() for r in caplog.records if "no listener" in r.getMessage()]
    assert lines == [f"slack: no listener for {named}; acknowledged"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert PRIVATE not in caplog.text


async def test_an_unknown_command_is_acknowledged_and_logged_once(
    slack: SlackDriver, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = urlencode({
        "token": "legacy", "team_id": "T111", "channel_id": "C0ADMIN", "user_id": "U111",
        "user_name": "jan", "command": "/rate-old", "text": PRIVATE, "api_app_id": "A111",
        "response_url": slack_api.response_url, "trigger_id": "1.111.x",
    }).encode()
    response = await slack.post(body, "application/x-www-form-urlencoded")
    assert response.status == 200
    assert said(slack_api) == []
    lines = [r.getMessage() for r in caplog.records if "no listener" in r.getMessage()]
    assert lines == ["slack: no listener for command /rate-old; acknowledged"]
    assert PRIVATE not in caplog.text
