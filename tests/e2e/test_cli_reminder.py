"""`ratebot teams set <team> reminder ...`: the same setting as the chat command."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from app.cli.main import app


def test_teams_set_reminder_takes_a_delay_or_off_and_refuses_the_rest(tmp_path: Path) -> None:
    env = {"RATEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'ratebot.db'}", "COLUMNS": "220"}

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    assert run("teams", "add", "servicedesk")[0] == 0
    code, out, _ = run("teams", "set", "servicedesk", "reminder", "36h")
    assert code == 0 and "Set reminder of servicedesk to 36h." in out
    assert run("teams", "set", "servicedesk", "reminder", "off")[0] == 0
    code, _, err = run("teams", "set", "servicedesk", "reminder", "45d")
    assert code == 1
    assert "'45d' is not a valid reminder: use a delay from 1h to 30d, or 'off'." in err


def test_teams_list_shows_each_teams_reminder(tmp_path: Path) -> None:
    env = {"RATEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'ratebot.db'}", "COLUMNS": "220"}
    runner = CliRunner()
    for args in (["teams", "add", "servicedesk"], ["teams", "add", "infra"],
                 ["teams", "set", "infra", "reminder", "off"]):
        assert runner.invoke(app, args, env=env).exit_code == 0
    table = runner.invoke(app, ["teams", "list"], env=env).stdout
    assert "Reminder" in table
    assert " 2d " in next(line for line in table.splitlines() if "servicedesk" in line)
    assert " off " in next(line for line in table.splitlines() if " infra " in line)
