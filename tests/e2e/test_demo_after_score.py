"""`ratebot demo` answers the questions after the score: plausible reasons in every team
(a team's own labels in one), lost time where the team asks it, and `ratebot digest`
reports both."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from tests.e2e.demo_run import run_demo

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_the_demo_gives_reasons_and_lost_time_and_the_digest_reports_them(
    tmp_path: Path,
) -> None:
    target = tmp_path / "demo.db"
    env = {"RATEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}", "COLUMNS": "220"}
    code, _, err = run_demo(env, "--database", str(target), "--seed", "3", "--weeks", "4")
    assert code == 0, err
    with sqlite3.connect(target) as db:
        reasons = db.execute(
            "SELECT t.name, r.category, x.reason, count(*) FROM rating_reasons x "
            "JOIN ratings r ON r.id = x.rating_id JOIN teams t ON t.id = r.team_id "
            "GROUP BY t.name, r.category, x.reason").fetchall()
        lost = dict(db.execute(
            "SELECT t.name, count(r.lost_time) FROM ratings r JOIN teams t ON t.id = r.team_id "
            "GROUP BY t.name").fetchall())
    by_team: dict[str, dict[str, int]] = {}
    for team, category, reason, count in reasons:
        side = "high" if category == 1 else "low"
        by_team.setdefault(f"{team} {side}", {})[reason] = count
    low = by_team["servicedesk low"]
    assert max(low, key=low.__getitem__) in ("slow", "not_solved")  # detractors: mostly
    assert set(by_team["servicedesk high"]) <= {"fast", "solved_for_good", "clear", "friendly"}
    assert all(key.startswith("high:") for key in by_team["infrastructure high"])
    assert "appdev low" in by_team  # the anonymous team's answers are kept too
    assert lost["servicedesk"] > 10 and lost["appdev"] > 5
    assert lost["infrastructure"] == 0  # it does not ask
    runner = CliRunner()
    demo_env = {**env, "RATEBOT_DATABASE_URL": f"sqlite:///{target}"}
    shown = runner.invoke(app, ["digest", "-t", "servicedesk"], env=demo_env)
    assert shown.exit_code == 0, shown.stdout
    assert "Top reasons: held back: " in shown.stdout
    assert "Work time lost: ≈ " in shown.stdout
    infra = runner.invoke(app, ["digest", "-t", "infrastructure"], env=demo_env).stdout
    assert "Top reasons: " in infra and "Work time lost" not in infra
