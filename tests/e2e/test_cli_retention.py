"""`ratebot retention` against a real SQLite database holding ratings from 30 months ago."""

from __future__ import annotations

import asyncio
import csv
import io
import random
import sqlite3
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

Env = dict[str, str]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "ratebot.db"


@pytest.fixture
def env(db: Path) -> Env:
    return {"RATEBOT_DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "220"}


def cli(env: Env, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def ok(env: Env, *args: str) -> str:
    result = cli(env, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def rate_long_ago(env: Env, ratings: list[tuple[str, str, int, str]]) -> None:
    """Ratings through the real flows, 30 months ago: past every default limit."""

    async def go() -> None:
        moment = (datetime.now(UTC) - timedelta(days=915)).replace(hour=10, minute=0)
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
                await add_comment(bot.services, prompt.prompt_id, person, comment,
                                  receipt=result.receipt)
                clock.advance(minutes=5)
        finally:
            await bot.aclose()

    asyncio.run(go())


@pytest.fixture
def aged(env: Env) -> Env:
    ok(env, "teams", "add", "servicedesk")
    ok(env, "teams", "add", "infra")
    assert "Set retention-comments of infra to 0." in ok(
        env, "teams", "set", "infra", "retention-comments", "0"
    )
    rate_long_ago(env, [
        ("servicedesk", "jan@example.com", 10, "Great"),
        ("servicedesk", "anna@example.com", 9, "Quick"),
        ("infra", "bram@example.com", 10, "Fixed the VPN"),
    ])
    return env


def test_the_dry_run_shows_counts_per_team_and_kind_and_removes_nothing(
    aged: Env, db: Path
) -> None:
    out = ok(aged, "retention", "--dry-run")
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    # kept comments / names / prompts; then comments, names, prompts, closes
    assert lines["infra"][1:] == ["forever", "/", "24", "/", "13", "-", "1", "1", "1"]
    assert lines["servicedesk"][1:] == ["24", "/", "24", "/", "13", "2", "2", "2", "2"]
    assert "Would remove in all: 2 comments, 3 names on ratings, 3 prompts and decisions, " \
           "3 closes (dry run: nothing removed)." in out
    assert query(db, "SELECT count(*) FROM ratings WHERE comment IS NOT NULL") == [(3,)]
    assert query(db, "SELECT count(*) FROM prompts") == [(3,)]


def test_a_run_removes_it_keeps_the_scores_and_is_audited_by_counts(
    aged: Env, db: Path
) -> None:
    assert "Removed in all: 2 comments, 3 names on ratings, 3 prompts and decisions, " \
           "3 closes." in ok(aged, "retention")
    assert query(db, "SELECT team_id, score, comment, person_id, agent_id, prompt_id "
                     "FROM ratings ORDER BY score, team_id") == [
        (1, 9, None, None, None, None), (1, 10, None, None, None, None),
        (2, 10, "Fixed the VPN", None, None, None),
    ]
    assert query(db, "SELECT count(*) FROM prompts") == [(0,)]
    assert query(db, "SELECT count(*) FROM conversations") == [(0,)]
    rows = list(csv.DictReader(io.StringIO(ok(aged, "export", "--format", "csv"))))
    assert sorted((r["team"], r["score"], r["requester_email"]) for r in rows) == [
        ("infra", "10", ""), ("servicedesk", "10", ""), ("servicedesk", "9", ""),
    ]
    # By hand it runs again the same day: nothing is left to remove.
    assert "Removed in all: 0 comments, 0 names" in ok(aged, "retention")
    audit = query(db, "SELECT actor, detail FROM audit_log WHERE action = 'retention.run'")
    assert len(audit) == 2 and all(str(actor).startswith("cli:") for actor, _ in audit)
    assert '"servicedesk": {"comments": 2, "identities": 2, "prompts": 2, ' \
           '"conversations": 2}' in str(audit[0][1])
    assert "@" not in str(audit)


def test_a_bad_limit_names_what_is_allowed(aged: Env) -> None:
    result = cli(aged, "teams", "set", "infra", "retention-prompts", "soon")
    assert result.exit_code == 1
    assert "'soon' is not a valid retention-prompts: use a whole number of months " \
           "from 0 to 1200 or 'default'." in result.stderr
