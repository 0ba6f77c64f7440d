"""`ratebot teams set <team> reasons ...` and `lost-time on|off` on the command line."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import Env, cli, db, env, ok, query  # noqa: F401


def test_a_teams_own_reasons_and_lost_time(env: Env, db: Path) -> None:  # noqa: F811
    ok(env, "migrate")
    ok(env, "teams", "add", "servicedesk")
    assert query(db, "SELECT reasons, lost_time FROM teams") == [(None, 0)]
    said = ok(env, "teams", "set", "servicedesk", "reasons", "low:", "Waited;", "Wrong fix",
              "|", "high:", "Quick")
    assert "Set reasons of servicedesk to low: Waited; Wrong fix | high: Quick." in said
    assert query(db, "SELECT reasons FROM teams") == [("low: Waited; Wrong fix | high: Quick",)]
    ok(env, "teams", "set", "servicedesk", "lost-time", "on")
    listed = ok(env, "teams", "list")
    assert "lost time" in listed and "Waited" in listed
    ok(env, "teams", "set", "servicedesk", "reasons", "default")
    assert query(db, "SELECT reasons, lost_time FROM teams") == [(None, 1)]


def test_bad_labels_are_refused_saying_why(env: Env) -> None:  # noqa: F811
    ok(env, "migrate")
    ok(env, "teams", "add", "servicedesk")
    result = cli(env, "teams", "set", "servicedesk", "reasons", "high:", "x" * 41)
    assert result.exit_code != 0
    assert "a label can have at most 40 characters" in result.output
