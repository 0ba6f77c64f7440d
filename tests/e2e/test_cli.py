"""The `ratebot` command line against a real SQLite database, as an admin would use it."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import random
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.bootstrap import build
from app.cli.main import app
from app.settings import load_settings
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.flows.asking import conversation_closed
from bot.flows.recording import add_comment, record_rating
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock

ROOT = Path(__file__).resolve().parents[2]

Env = dict[str, str]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "ratebot.db"


@pytest.fixture
def env(db: Path) -> Env:
    # A wide terminal so rich never folds a table cell over two lines.
    return {"RATEBOT_DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "220"}


def cli(env: Env, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env, input=input, catch_exceptions=False)


def ok(env: Env, *args: str, input: str | None = None) -> str:
    result = cli(env, *args, input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


# One rating: (team, requester email, score, comment)
Rated = tuple[str, str, int, str | None]


def record(env: Env, ratings: Sequence[Rated]) -> None:
    """Ratings through the real flows: close, deliver, click, comment, a few days ago."""

    async def go() -> None:
        moment = (datetime.now(UTC) - timedelta(days=3)).replace(hour=10, minute=0)
        while moment.weekday() >= 5:  # inside default working hours
            moment -= timedelta(days=1)
        clock, chat = FakeClock(moment), FakeChat()
        bot = await build(load_settings(env), clock=clock, chats=(chat,), rng=random.Random(1))
        try:
            for number, (team, email, score, comment) in enumerate(ratings):
                await conversation_closed(bot.services, ConversationClosed(
                    source="generic", ticket_id=f"INC-{number}", requester_email=email,
                    team=team, closed_at=clock.now(), agent_email="piet@example.com",
                ))
                await bot.worker.run_once()
                prompt = chat.sent_to(email)[-1]
                person = PersonIdentity(email=email)
                result = await record_rating(bot.services, prompt.prompt_id, person, score)
                if comment:
                    await add_comment(bot.services, prompt.prompt_id, person, comment,
                                      receipt=result.receipt)
                clock.advance(minutes=5)
        finally:
            await bot.aclose()

    asyncio.run(go())


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


# --------------------------------------------------------------------------- settings


def test_a_bad_setting_is_one_line_and_exit_2_without_traceback() -> None:
    environ = {**os.environ, "RATEBOT_PORT": "abc", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "serve"], env=environ, cwd=ROOT,
        capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "RATEBOT_PORT" in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", [["teams", "list"], ["stats"], ["migrate"]])
def test_every_command_reports_bad_settings_the_same_way(env: Env, command: list[str]) -> None:
    result = cli({**env, "RATEBOT_DATABASE_URL": "mysql://nope"}, *command)
    assert result.exit_code == 2
    assert "RATEBOT_DATABASE_URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_migrate_reports_the_revisions(env: Env) -> None:
    first = ok(env, "migrate")
    assert "Upgraded the database from revision none to" in first
    assert "up to date" in ok(env, "migrate")


# --------------------------------------------------------------------------- teams


def test_teams_add_set_list_round_trip(env: Env, db: Path) -> None:
    assert "Added team servicedesk (Service Desk)" in ok(
        env, "teams", "add", "servicedesk", "--display-name", "Service Desk")
    ok(env, "teams", "add", "infra")
    ok(env, "teams", "set", "infra", "scale", "csat")
    ok(env, "teams", "set", "infra", "anonymity", "confidential")
    ok(env, "teams", "set", "infra", "throttle", "21")
    ok(env, "teams", "set", "infra", "digest", "fri", "16:00")
    ok(env, "teams", "set", "infra", "alert-channel", "<#C0ALERTS|it-alerts>")
    table = ok(env, "teams", "list")
    infra = next(line for line in table.splitlines() if " infra " in line)
    for expected in ("csat", "confidential", "21 d", "fri 16:00", "alert: slack C0ALERTS"):
        assert expected in infra
    desk = next(line for line in table.splitlines() if "servicedesk" in line)
    assert "nps" in desk and "identified" in desk and "14 d (default)" in desk
    # the change is in the audit log, attributed to the person at the keyboard
    actors = {row[0] for row in query(db, "SELECT actor FROM audit_log")}
    assert actors and all(str(actor).startswith("cli:") for actor in actors)


def test_unknown_option_names_the_closest(env: Env) -> None:
    ok(env, "teams", "add", "servicedesk")
    result = cli(env, "teams", "set", "servicedesk", "anonymus", "yes")
    assert result.exit_code == 1
    assert "Did you mean 'anonymous'?" in result.stderr
    assert "Traceback" not in result.output


def test_bad_value_names_option_value_and_what_is_allowed(env: Env) -> None:
    ok(env, "teams", "add", "servicedesk")
    result = cli(env, "teams", "set", "servicedesk", "scale", "stars")
    assert result.exit_code == 1
    assert "'stars' is not a valid scale" in result.stderr
    assert "nps, csat, ces, thumbs" in result.stderr


def test_a_negative_value_reaches_the_parser(env: Env) -> None:
    ok(env, "teams", "add", "servicedesk")
    result = cli(env, "teams", "set", "servicedesk", "throttle", "-1")
    assert result.exit_code == 1
    assert "'-1' is not a valid throttle" in result.stderr


def test_a_multi_word_question(env: Env, db: Path) -> None:
    ok(env, "teams", "add", "servicedesk")
    ok(env, "teams", "set", "servicedesk", "question", "How", "did", "we", "do?")
    assert query(db, "SELECT question FROM teams") == [("How did we do?",)]
    ok(env, "teams", "set", "servicedesk", "question", "default")
    assert query(db, "SELECT question FROM teams") == [(None,)]


def test_a_non_slug_team_name_is_refused(env: Env) -> None:
    result = cli(env, "teams", "add", "Service Desk")
    assert result.exit_code == 1
    assert "lowercase letters, digits and dashes" in result.stderr
    assert "Try 'service-desk'" in result.stderr
    assert "No teams yet" in ok(env, "teams", "list")


def test_unknown_team_is_a_clear_error(env: Env) -> None:
    ok(env, "migrate")
    result = cli(env, "teams", "set", "nope", "scale", "csat")
    assert result.exit_code == 1
    assert "There is no team called 'nope'" in result.stderr


def test_teams_remove(env: Env) -> None:
    ok(env, "teams", "add", "old-team")
    ok(env, "teams", "remove", "old-team")
    assert "old-team" not in ok(env, "teams", "list")


def test_an_agent_is_removed_as_they_were_added(env: Env, db: Path) -> None:
    ok(env, "teams", "add", "servicedesk")
    ok(env, "agents", "add", "servicedesk", "piet@example.com")
    assert "Removed Piet@Example.com from the agents of servicedesk" in ok(
        env, "agents", "remove", "servicedesk", "Piet@Example.com")
    assert "piet@example.com" not in ok(env, "agents", "list")
    assert "was not an agent of servicedesk; nothing changed" in ok(
        env, "agents", "remove", "servicedesk", "piet@example.com")
    unknown = cli(env, "agents", "remove", "nope", "piet@example.com")
    assert unknown.exit_code == 1 and "There is no team called 'nope'" in unknown.stderr
    assert query(db, "SELECT count(*) FROM audit_log WHERE action = 'agent.remove'") == [(1,)]


def test_agents_admins_exclusions(env: Env) -> None:
    ok(env, "teams", "add", "servicedesk")
    ok(env, "agents", "add", "servicedesk", "Piet@Example.com", "--name", "Piet")
    assert "piet@example.com" in ok(env, "agents", "list", "--team", "servicedesk")
    assert "now an admin" in ok(env, "admins", "add", "U0ADMIN")
    assert "already an admin" in ok(env, "admins", "add", "U0ADMIN")
    assert "U0ADMIN" in ok({**env, "RATEBOT_ADMINS": "boss@example.com"}, "admins", "list")
    assert "boss@example.com  (RATEBOT_ADMINS)" in ok(
        {**env, "RATEBOT_ADMINS": "boss@example.com"}, "admins", "list")
    ok(env, "admins", "remove", "U0ADMIN")
    assert "U0ADMIN" not in ok(env, "admins", "list")
    ok(env, "exclusions", "add", "*@contractor.example")
    # Kept as the asking rules match it: '@' and the domain.
    assert ok(env, "exclusions", "list").strip() == "@contractor.example"
    ok(env, "exclusions", "remove", "*@contractor.example")
    assert ok(env, "exclusions", "list").strip() == ""
    bad = cli(env, "agents", "add", "servicedesk", "not-an-email")
    assert bad.exit_code == 1 and "not an email address" in bad.stderr


# --------------------------------------------------------------------------- stats


def test_stats_shows_the_prompts_waiting_now_and_why(env: Env) -> None:
    ok(env, "teams", "add", "servicedesk")
    ok(env, "teams", "add", "infra")

    async def close_without_a_platform() -> None:
        bot = await build(load_settings(env), rng=random.Random(1))
        try:
            await conversation_closed(bot.services, ConversationClosed(
                source="generic", ticket_id="INC-1", requester_email="a@example.com",
                team="servicedesk", closed_at=bot.services.clock.now(),
            ))
            await bot.worker.run_once()
        finally:
            await bot.aclose()

    asyncio.run(close_without_a_platform())
    out = ok(env, "stats")
    desk = next(line for line in out.splitlines() if "servicedesk" in line)
    assert "1 due" in desk or "1 later" in desk
    infra = next(line for line in out.splitlines() if " infra " in line)
    assert infra.rstrip().rstrip("│").rstrip().endswith("—")
    assert "No chat platform is configured, so waiting prompts stay pending" in out


def test_stats_table_after_a_few_ratings(env: Env) -> None:
    ok(env, "teams", "add", "servicedesk")
    ok(env, "teams", "add", "infra")
    ok(env, "teams", "set", "infra", "scale", "csat")
    ok(env, "agents", "add", "servicedesk", "piet@example.com")
    # servicedesk: 10, 9, 8, 3 -> 2 promoters, 1 passive, 1 detractor: NPS +25
    # the normal margin 196 * sqrt((.5 + .25 - .25^2) / 4) = 81.3 would reach past +100:
    # Wilson's intervals of the shares, combined (tests/unit/test_scores.py)
    record(env, [
        ("servicedesk", "a@example.com", 10, None),
        ("servicedesk", "b@example.com", 9, "Quick!"),
        ("servicedesk", "c@example.com", 8, None),
        ("servicedesk", "d@example.com", 3, "Slow."),
        ("infra", "e@example.com", 5, None),
        ("infra", "f@example.com", 2, None),
    ])
    out = ok(env, "stats", "--weeks", "2")
    desk = next(line for line in out.splitlines() if "servicedesk" in line)
    assert "+25 (-46 to +75)" in desk
    assert "100% (4/4)" in desk
    assert "2 promoters, 1 passive, 1 detractor" in desk
    infra = next(line for line in out.splitlines() if "infra" in line)
    # 1 satisfied of 2: 50%, Wilson's interval (the normal margin 69.3 would leave 0..100)
    assert "50% (9% to 91%)" in infra
    assert "1 satisfied, 0 neutral, 1 dissatisfied" in infra
    only = ok(env, "stats", "--team", "infra")
    assert "servicedesk" not in only and "infra" in only
    result = cli(env, "stats", "--team", "nope")
    assert result.exit_code == 1 and "There is no team called 'nope'" in result.stderr


def test_stats_counts_who_was_not_asked(env: Env) -> None:
    ok(env, "teams", "add", "servicedesk")
    record(env, [("servicedesk", "a@example.com", 9, None)])

    async def close_again() -> None:
        clock = FakeClock(datetime.now(UTC) - timedelta(days=1))
        bot = await build(load_settings(env), clock=clock, chats=(FakeChat(),))
        try:  # the same person again within the cooldown
            await conversation_closed(bot.services, ConversationClosed(
                source="generic", ticket_id="INC-99", requester_email="a@example.com",
                team="servicedesk", closed_at=clock.now(),
            ))
        finally:
            await bot.aclose()

    asyncio.run(close_again())
    out = ok(env, "stats")
    assert "throttled 1" in next(line for line in out.splitlines() if "servicedesk" in line)


# --------------------------------------------------------------------------- export


@pytest.fixture
def exported(env: Env) -> Env:
    ok(env, "teams", "add", "servicedesk")
    ok(env, "teams", "add", "appdev")
    ok(env, "teams", "set", "appdev", "anonymity", "anonymous")
    record(env, [
        ("servicedesk", "jan@example.com", 10, "=HYPERLINK(\"x\")"),
        ("appdev", "secret@example.com", 4, "The app keeps crashing."),
    ])
    return env


def test_export_csv(exported: Env, tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(ok(exported, "export", "--format", "csv"))))
    # oldest first; an anonymous rating is dated at midnight of its day, so it leads
    assert [(r["team"], r["score"], r["category"]) for r in rows] == [
        ("appdev", "4", "detractor"), ("servicedesk", "10", "promoter"),
    ]
    anonymous, desk = rows
    assert anonymous["rated_at"].endswith("T00:00:00+00:00")
    assert desk["requester_email"] == "jan@example.com"
    assert desk["ticket_id"] == "INC-0"
    assert desk["comment"] == "'=HYPERLINK(\"x\")"  # a formula stays text in a spreadsheet
    assert anonymous["requester_email"] == "" and anonymous["ticket_id"] == ""
    assert anonymous["comment"] == "The app keeps crashing."
    out = tmp_path / "ratings.csv"
    assert "Exported 2 rating(s)" in ok(exported, "export", "--out", str(out))
    assert "secret@example.com" not in out.read_text()


def test_export_jsonl_one_team(exported: Env) -> None:
    text = ok(exported, "export", "--format", "jsonl", "--team", "appdev")
    [row] = [json.loads(line) for line in text.splitlines()]
    assert row["team"] == "appdev" and row["score"] == 4 and row["scale"] == "nps"
    assert row["requester_email"] is None and row["ticket_id"] is None
    assert "secret@example.com" not in text
    assert datetime.fromisoformat(row["rated_at"]).tzinfo is not None


def test_export_refuses_unknown_format(exported: Env) -> None:
    result = cli(exported, "export", "--format", "xlsx")
    assert result.exit_code == 2 and "use csv or jsonl" in result.stderr


# --------------------------------------------------------------------------- forget


def test_forget_erases_the_person_but_keeps_the_rating(env: Env, db: Path) -> None:
    ok(env, "teams", "add", "servicedesk")
    record(env, [("servicedesk", "jan@example.com", 6, "Took long.")])
    refused = cli(env, "forget", "--email", "jan@example.com", input="n\n")
    assert refused.exit_code == 1 and "Nothing was changed" in refused.stderr
    assert query(db, "SELECT count(*) FROM people WHERE email = 'jan@example.com'") == [(1,)]

    out = ok(env, "forget", "--email", "jan@example.com", input="y\n")
    assert "1 rating(s) kept" in out
    assert query(db, "SELECT score, person_id FROM ratings") == [(6, None)]
    # The email is nowhere in the database any more: not in people, not in the audit log.
    for (table,) in query(db, "SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in query(db, f'SELECT * FROM "{table}"'):
            assert "jan@example.com" not in repr(row), table
    again = cli(env, "forget", "--yes", "--email", "jan@example.com")
    assert again.exit_code == 1


@pytest.mark.postgres
def test_serve_refuses_a_postgresql_schema_that_is_behind(tmp_path: Path) -> None:
    """Replicas never migrate by themselves: `serve` names the step to take instead."""
    base = os.environ.get("RATEBOT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("set RATEBOT_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test "
                    "to run the PostgreSQL tests")
    name = f"ratebot_behind_{random.randrange(16**8):08x}"
    admin = ["psql", base, "-v", "ON_ERROR_STOP=1", "-qc"]
    subprocess.run([*admin, f'CREATE DATABASE "{name}"'], check=True, timeout=30)
    try:
        url = base.rsplit("/", 1)[0] + "/" + name
        environ = {**os.environ, "RATEBOT_DATABASE_URL": url, "PYTHONPATH": str(ROOT),
                   "RATEBOT_PORT": "1"}  # never reached: the schema check comes first
        done = subprocess.run(
            [sys.executable, "-m", "app.cli.main", "serve"], env=environ, cwd=tmp_path,
            capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert "ratebot migrate" in done.stderr and "Traceback" not in done.stderr
    finally:
        subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                       check=True, timeout=30)
