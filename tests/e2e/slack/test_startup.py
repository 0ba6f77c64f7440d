"""What a start with Slack configured says in the log."""

from __future__ import annotations

import logging

import pytest

from adapters.slack.app import build_slack
from app.bootstrap import Ratebot
from app.platforms import slack_config
from app.settings import load_settings


def test_no_warning_that_the_environments_token_goes_unused(
    ratebot: Ratebot, slack_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # bolt reads SLACK_BOT_TOKEN itself, as `serve` finds it in its environment.
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack_env["SLACK_BOT_TOKEN"])
    with caplog.at_level(logging.DEBUG, logger="slack_bolt"):
        build_slack(ratebot.services, slack_config(load_settings(slack_env)),
                    ratebot.services.chats[0])  # type: ignore[arg-type]
    assert "will be unused" not in caplog.text
    # bolt's other warnings still come through
    logging.getLogger("slack_bolt.AsyncApp").warning("something else")
    assert "something else" in caplog.text
