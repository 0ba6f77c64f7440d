"""`ratebot pulse` against a real SQLite database: the same flow and reply as `/ratings pulse`."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import Env, cli, db, env, ok, query, record

__all__ = ["db", "env"]  # the fixtures test_cli defines, used here too


def test_a_pulse_from_the_command_line_counts_who_is_asked_and_who_is_left_out(
    env: Env, db: Path
) -> None:
    ok(env, "teams", "add", "servicedesk")
    ok(env, "agents", "add", "servicedesk", "piet@example.com")
    record(env, [("servicedesk", "jan@example.com", 9, None)])  # asked 3 days ago
    # Nobody but Jan had a conversation, and Jan is in the cooldown: nothing is started.
    nobody = ok(env, "pulse", "servicedesk", "--days", "30")
    assert nobody.startswith("No pulse was started for `servicedesk`")
    assert "1 asked recently (cooldown)" in nobody
    assert query(db, "SELECT count(*) FROM pulses") == [(0,)]

    ok(env, "teams", "set", "servicedesk", "throttle", "1")
    said = ok(env, "pulse", "servicedesk", "--days", "30", "--question", "Are we easy to "
              "work with?")
    assert said.startswith("Started a pulse for `servicedesk`: 1 of 1 people")
    assert query(db, "SELECT question, days, asked, created_by LIKE 'cli:%' FROM pulses") == [
        ("Are we easy to work with?", 30, 1, 1)]
    assert query(db, "SELECT count(*) FROM prompts WHERE pulse_id IS NOT NULL") == [(1,)]

    again = cli(env, "pulse", "servicedesk")
    assert again.exit_code == 1
    assert "`servicedesk` already has a pulse running; it closes on" in again.stderr
    bad = cli(env, "pulse", "servicedesk", "--days", "0")
    assert bad.exit_code == 1 and "from 1 to 3650" in bad.stderr
