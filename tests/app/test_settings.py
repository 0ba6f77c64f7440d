"""Settings an operator half finished, or that `admins add` would refuse, are named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.bootstrap import build, check_before_serving
from app.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_admins_are_taken_as_admins_add_takes_them() -> None:
    settings = load_settings({"RATEBOT_ADMINS": " Jan@Example.com , U0ADMIN ,"})
    assert settings.admins == ("jan@example.com", "U0ADMIN")
    with pytest.raises(SettingsError) as caught:
        load_settings({"RATEBOT_ADMINS": "jan@example.com, not valid"})
    assert str(caught.value) == (
        "bad setting RATEBOT_ADMINS: 'not valid' is not an email or a platform user id"
    )


@pytest.mark.parametrize(("environ", "named"), [
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET"),
    ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_SIGNING_SECRET is set without SLACK_BOT_TOKEN"),
    ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_APP_TOKEN is set without SLACK_BOT_TOKEN"),
    ({"MicrosoftAppId": "app"}, "MicrosoftAppId is set without MicrosoftAppPassword"),
    ({"MicrosoftAppPassword": "p"}, "MicrosoftAppPassword is set without MicrosoftAppId"),
])
def test_a_platform_set_up_half_way_names_what_is_missing(
    environ: dict[str, str], named: str,
) -> None:
    [problem] = load_settings(environ).incomplete_platforms()
    assert problem.startswith(named)


@pytest.mark.parametrize("environ", [
    {},
    {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
    {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"},
    {"MicrosoftAppId": "app", "MicrosoftAppPassword": "p"},
    {"MicrosoftAppId": "app", "MicrosoftAppType": "UserAssignedMSI"},
])
def test_complete_platforms_are_not_questioned(environ: dict[str, str]) -> None:
    assert load_settings(environ).incomplete_platforms() == []


async def test_serving_refuses_a_default_team_that_does_not_exist(tmp_path: Path) -> None:
    environ = {"RATEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
               "RATEBOT_DEFAULT_TEAM": "servicedesk"}
    settings = load_settings(environ)
    with pytest.raises(SettingsError, match=r"RATEBOT_DEFAULT_TEAM names 'servicedesk'.*"
                       r"ratebot teams add servicedesk"):
        await check_before_serving(settings)
    bot = await build(settings)
    try:
        await bot.services.store.add_team("servicedesk", actor="test",
                                          at=bot.services.clock.now())
    finally:
        await bot.aclose()
    await check_before_serving(settings)


def test_serve_names_every_missing_setting_on_one_line(tmp_path: Path) -> None:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": "xoxb-1",
               "MicrosoftAppId": "app", "RATEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"}
    done = subprocess.run([sys.executable, "-m", "app.cli.main", "serve"], env=environ,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert "SLACK_SIGNING_SECRET" in line and "MicrosoftAppPassword" in line
