"""`ratebot demo` closes loops: most detractors' follow-ups resolved with a note, except in
the anonymous team, whose follow-ups change ids in the nightly batch."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.demo_run import DemoRun

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_the_demo_resolves_follow_ups_with_what_was_done(seeded_demo: DemoRun) -> None:
    target = seeded_demo.database
    assert seeded_demo.code == 0, seeded_demo.err
    with sqlite3.connect(target) as db:
        by_team = dict(db.execute(
            "SELECT t.name, sum(f.status = 'resolved' AND f.note IS NOT NULL) FROM follow_ups f "
            "JOIN teams t ON t.id = f.team_id GROUP BY t.name"))
        [(open_ones,)] = db.execute("SELECT count(*) FROM follow_ups WHERE status != 'resolved'")
    assert by_team["servicedesk"] > 5 and by_team["infrastructure"] > 0, by_team
    assert not by_team.get("appdev"), by_team
    assert open_ones > 0  # not every loop closes


def test_the_demo_reminds_and_some_answer_after_the_reminder(seeded_demo: DemoRun) -> None:
    target = seeded_demo.database
    assert seeded_demo.code == 0, seeded_demo.err
    with sqlite3.connect(target) as db:
        by_team = {name: (reminded, answered) for name, reminded, answered in db.execute(
            "SELECT t.name, count(*), sum(p.status = 'answered') FROM prompts p "
            "JOIN teams t ON t.id = p.team_id WHERE p.reminded_at IS NOT NULL GROUP BY t.name")}
        [(early,)] = db.execute(  # never before the team's delay of two days
            "SELECT count(*) FROM prompts WHERE reminded_at < datetime(sent_at, '+2 days')")
    assert early == 0
    for team in ("servicedesk", "infrastructure"):
        reminded, answered = by_team[team]
        assert reminded > 20 and 0 < answered < reminded, by_team
    assert by_team["appdev"][0] > 0  # anonymous: reminded too, its answers leave no trace
