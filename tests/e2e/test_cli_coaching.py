"""`ratebot teams set <team> coaching on|off` on the command line (a migrated database)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import Env, cli, db, env, ok, query  # noqa: F401


def test_coaching_is_off_until_turned_on(env: Env, db: Path) -> None:  # noqa: F811
    ok(env, "migrate")
    ok(env, "teams", "add", "servicedesk")
    assert query(db, "SELECT coaching FROM teams") == [(0,)]
    assert "Set coaching of servicedesk to on." in ok(
        env, "teams", "set", "servicedesk", "coaching", "on")
    assert query(db, "SELECT coaching FROM teams") == [(1,)]
    ok(env, "teams", "set", "servicedesk", "coaching", "off")
    assert query(db, "SELECT coaching FROM teams") == [(0,)]


def test_a_bad_value_says_what_is_allowed(env: Env) -> None:  # noqa: F811
    ok(env, "migrate")
    ok(env, "teams", "add", "servicedesk")
    result = cli(env, "teams", "set", "servicedesk", "coaching", "maybe")
    assert result.exit_code != 0
    assert "'maybe' is not a valid coaching: use one of on, off" in (
        result.output)


def test_teams_list_shows_coaching_and_the_teams_own_locale(env: Env) -> None:  # noqa: F811
    ok(env, "migrate")
    ok(env, "teams", "add", "servicedesk")
    ok(env, "teams", "add", "infra")
    ok(env, "teams", "set", "infra", "coaching", "on")
    ok(env, "teams", "set", "infra", "locale", "nl")
    table = ok(env, "teams", "list")
    header = next(line for line in table.splitlines() if "Coaching" in line)
    assert "Locale" in header
    infra = next(line for line in table.splitlines() if " infra " in line).split("│")
    desk = next(line for line in table.splitlines() if " servicedesk " in line).split("│")
    column = [cell.strip() for cell in header.split("┃")]
    assert infra[column.index("Coaching")].strip() == "on"
    assert infra[column.index("Locale")].strip() == "nl"
    assert desk[column.index("Coaching")].strip() == "off"
    assert desk[column.index("Locale")].strip() == "default"
