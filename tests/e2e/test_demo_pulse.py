"""`ratebot demo` then `ratebot digest`: the Service Desk's relationship pulse closed in the
last complete week, and that week's digest shows it beside the ticket score; no other
team's digest speaks of a pulse."""

from __future__ import annotations

import re
import sqlite3

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from tests.e2e.demo_run import DemoRun

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_the_demos_pulse_closes_in_the_last_complete_week_and_its_digest_shows_it(
    seeded_demo: DemoRun,
) -> None:
    target = seeded_demo.database
    env = {"RATEBOT_DATABASE_URL": f"sqlite:///{target}", "COLUMNS": "220"}
    assert seeded_demo.code == 0, seeded_demo.err
    with sqlite3.connect(target) as db:
        [(asked, answered, answers_without_person)] = db.execute(
            "SELECT p.asked, count(a.id), sum(a.person_id IS NULL) FROM pulses p "
            "JOIN pulse_answers a ON a.pulse_id = p.id GROUP BY p.id")
        [(tickets_linked,)] = db.execute(
            "SELECT count(*) FROM ratings r JOIN prompts p ON p.id = r.prompt_id "
            "WHERE p.pulse_id IS NOT NULL")
    # Some answer at once, some only after the reminder.
    assert asked > 40 and 0.2 < answered / asked < 0.85, (asked, answered)
    assert answers_without_person == 0  # the Service Desk is identified
    assert tickets_linked == 0  # no pulse answer among the ratings

    def digest(team: str) -> str:
        result = CliRunner().invoke(app, ["digest", "--team", team], env=env,
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    shown = " ".join(digest("servicedesk").split())  # rich wraps the panel's lines
    found = re.search(r"Relationship pulse: NPS ([+-]\d+) ± \d+ from (\d+) of (\d+) asked "
                      r"\(closed Thu\) · tickets this week NPS", shown)
    assert found is not None, shown
    assert (int(found[2]), int(found[3])) == (answered, asked)
    assert -60 < int(found[1]) < 80
    assert "Relationship pulse" not in digest("infrastructure")
