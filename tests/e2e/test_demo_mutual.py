"""`ratebot demo` shows mutual rating in one team: its agents' answers, kept apart."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.demo_run import DemoRun

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_the_infrastructure_agents_rate_the_requests_they_closed(seeded_demo: DemoRun) -> None:
    target = seeded_demo.database
    assert seeded_demo.code == 0, seeded_demo.err
    with sqlite3.connect(target) as db:
        teams = dict(db.execute("SELECT name, mutual FROM teams"))
        answers = dict(db.execute(
            "SELECT t.name, count(*) FROM request_answers a JOIN teams t ON t.id = a.team_id "
            "GROUP BY t.name"))
        [(sent, checks)] = db.execute(
            "SELECT sum(status = 'sent'), count(*) FROM request_checks")
        clarity = dict(db.execute("SELECT clarity, count(*) FROM request_answers "
                                  "GROUP BY clarity"))
    assert teams == {"servicedesk": 0, "infrastructure": 1, "appdev": 0}
    assert list(answers) == ["infrastructure"] and answers["infrastructure"] > 20, answers
    assert sent == checks and answers["infrastructure"] < checks  # not every agent answers
    assert clarity["clear"] > clarity["unclear"] > 0
