"""Settings: DESIGN.md's names, sensible defaults, and one clear line for every bad value."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from app.settings import SettingsError, load_settings


def test_defaults_are_the_embedded_single_process_setup() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///ratebot.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 3000)
    assert settings.timezone == "UTC" and settings.cooldown_days == 14
    assert settings.webhook_secret is None  # secrets have no defaults
    assert not settings.slack_enabled and not settings.is_postgres


def test_the_contract_names_are_read() -> None:
    settings = load_settings({
        "RATEBOT_DATABASE_URL": "postgresql://postgres@127.0.0.1/test",
        "RATEBOT_PORT": "8080",
        "RATEBOT_ADMINS": " jan@example.com , U123 ,",
        "RATEBOT_TIMEZONE": "Europe/Amsterdam",
        "RATEBOT_WORKING_HOURS": "sun-thu 07:00-15:00",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "MicrosoftAppId": "app-id",
    })
    assert settings.is_postgres and settings.port == 8080
    assert settings.admins == ("jan@example.com", "U123")
    assert settings.working_hours.start == time(7)
    assert settings.slack_enabled and settings.microsoft_app_id == "app-id"


def test_secrets_never_show_in_the_settings_repr() -> None:
    settings = load_settings({"RATEBOT_WEBHOOK_SECRET": "hunter2", "SLACK_BOT_TOKEN": "xoxb-9"})
    assert "hunter2" not in repr(settings) and "xoxb-9" not in repr(settings)


def test_every_bad_setting_is_named_on_one_line() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({
            "RATEBOT_PORT": "eighty",
            "RATEBOT_TIMEZONE": "Mars/Olympus",
            "RATEBOT_DATABASE_URL": "mysql://x",
            "RATEBOT_WORKING_HOURS": "always",
        })
    message = str(caught.value)
    assert "\n" not in message
    for name in ("RATEBOT_PORT", "RATEBOT_TIMEZONE", "RATEBOT_DATABASE_URL",
                 "RATEBOT_WORKING_HOURS"):
        assert name in message
    assert "Mars/Olympus" in message


def test_a_dotenv_file_in_the_working_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("RATEBOT_PORT=4321\nRATEBOT_LOCALE=nl\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RATEBOT_PORT", raising=False)
    settings = load_settings()
    assert settings.port == 4321 and settings.locale == "nl"


def test_the_environment_wins_over_the_dotenv_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("RATEBOT_PORT=4321\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RATEBOT_PORT", "5555")
    assert load_settings().port == 5555


def test_the_glpi_replay_window_defaults_to_a_week_and_must_be_positive() -> None:
    assert load_settings({}).glpi_max_age_hours == 168
    assert load_settings({"RATEBOT_GLPI_MAX_AGE_HOURS": "24"}).glpi_max_age_hours == 24
    with pytest.raises(SettingsError, match="RATEBOT_GLPI_MAX_AGE_HOURS"):
        load_settings({"RATEBOT_GLPI_MAX_AGE_HOURS": "0"})
