"""`ratebot demo`: a newcomer sees three teams and plausible numbers, and nothing is overwritten."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from tests.e2e.demo_run import DemoRun, run_demo

# About a thousand conversations through the real store: tens of seconds on a busy machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def rows(table: str) -> dict[str, list[str]]:
    """Team name -> the cells of its row in the rich table."""
    found = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0] in ("servicedesk", "infrastructure", "appdev"):
            found[cells[0]] = cells
    return found


def test_demo_fills_a_database_and_shows_plausible_stats(seeded_demo: DemoRun) -> None:
    code, out, err, target = seeded_demo.code, seeded_demo.out, seeded_demo.err, \
        seeded_demo.database
    assert code == 0, err
    table = rows(out)
    assert set(table) == {"servicedesk", "infrastructure", "appdev"}, out
    for team, (_, scale, n, response, score, split, not_asked, _failed, waiting) in table.items():
        assert int(n) > 100, (team, n)
        rate = int(re.match(r"(\d+)%", response)[1])  # type: ignore[index]
        assert 30 <= rate <= 95, (team, response)
        assert "±" in score, (team, score)
        assert "throttled" in not_asked, (team, not_asked)
        assert scale == ("csat" if team == "infrastructure" else "nps")
        assert split.count(",") == 2
        assert waiting == "—" or re.fullmatch(r"\d+ (due|later)(, \d+ later)?", waiting), waiting
    assert "conversations" in out and "comments" in out
    print(f"the demo took {seeded_demo.seconds:.1f} s")  # with -s; the machine's load decides
    # Everything went through the flows: prompts were delivered, comments are plain text,
    # and the anonymous team's ratings carry no person.
    with sqlite3.connect(target) as db:
        statuses = dict(db.execute("SELECT status, count(*) FROM prompts GROUP BY status"))
        assert statuses["answered"] > 300 and statuses["expired"] > 50
        assert statuses["skipped"] > 20
        [(comments,)] = db.execute("SELECT count(*) FROM ratings WHERE comment IS NOT NULL")
        assert comments > 50
        anonymous_people = db.execute(
            "SELECT count(*) FROM ratings r JOIN teams t ON t.id = r.team_id "
            "WHERE t.name = 'appdev' AND r.person_id IS NOT NULL"
        ).fetchone()
        assert anonymous_people == (0,)
        opted_out = db.execute("SELECT count(*) FROM people WHERE opted_out").fetchone()
        assert opted_out[0] > 0
    # the configured database was not touched
    assert not seeded_demo.configured.exists()


def test_demo_refuses_a_database_that_has_teams(tmp_path: Path) -> None:
    env = {"RATEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'ratebot.db'}", "COLUMNS": "220"}
    code = CliRunner().invoke(app, ["teams", "add", "servicedesk"], env=env).exit_code
    assert code == 0
    code, _, err = run_demo(env)
    assert code == 1
    assert "already has teams" in err and "--database" in err
    with sqlite3.connect(tmp_path / "ratebot.db") as db:
        assert db.execute("SELECT count(*) FROM teams").fetchone() == (1,)


def test_the_same_seed_tells_the_same_story(tmp_path: Path) -> None:
    env = {"RATEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}", "COLUMNS": "220"}
    outputs = []
    for name in ("one.db", "two.db"):
        code, out, _ = run_demo(
            env, "--database", str(tmp_path / name), "--seed", "11", "--weeks", "2"
        )
        assert code == 0
        outputs.append(rows(out))
    assert len(outputs[0]) == 3
    assert outputs[0] == outputs[1]
