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
