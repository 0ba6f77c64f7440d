"""`ratebot digest` on a real SQLite file: print, write the chart, refuse what it cannot do."""

from __future__ import annotations

import asyncio
import random
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from app.bootstrap import build
from app.cli import digest as cli_digest
from app.settings import load_settings
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.flows.asking import conversation_closed
from bot.flows.recording import add_comment, record_rating
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.digest_support import DigestSqlStore

Env = dict[str, str]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    # Until SqlStore mixes in DigestQueries itself, open the store with the mixin.
    monkeypatch.setattr("storage.store.SqlStore", DigestSqlStore)
    environ = {"RATEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'ratebot.db'}", "COLUMNS": "200"}
    asyncio.run(_seed(environ))
    return environ


async def _seed(env: Env) -> None:
    clock, chat = FakeClock(datetime(2026, 11, 18, 10, tzinfo=UTC)), FakeChat()
    bot = await build(load_settings(env), clock=clock, chats=(chat,), rng=random.Random(1))
    try:
        store = bot.services.store
        await store.add_team("servicedesk", display_name="Service Desk", actor="t", at=clock.now())
        for number, score in enumerate((10, 9, 4)):
            email = f"p{number}@example.com"
            await conversation_closed(bot.services, ConversationClosed(
                source="generic", ticket_id=f"T-{number}", requester_email=email,
                team="servicedesk", closed_at=clock.now(),
            ))
            await bot.worker.run_once()
            result = await record_rating(bot.services, chat.sent_to(email)[-1].prompt_id,
                                         PersonIdentity(email=email), score)
            if score < 5:
                await add_comment(bot.services, result.rating.prompt_id or 0,
                                  PersonIdentity(email=email), "Too slow", result.receipt)
    finally:
        await bot.aclose()


def run(env: Env, *args: str) -> Result:
    app = typer.Typer()
    cli_digest.register(app)
    app.command("noop", hidden=True)(lambda: None)  # two commands: `digest` stays a name
    return CliRunner().invoke(app, ["digest", *args], env=env, catch_exceptions=False)


def test_prints_the_digest_of_the_week(env: Env) -> None:
    result = run(env, "--team", "servicedesk", "--week", "2026-W47")
    assert result.exit_code == 0, result.output
    assert "Service Desk: weekly ratings, 2026-W47 (16–22 Nov 2026)" in result.stdout
    # 2 promoters, 1 detractor: +33. The normal margin, 196 * sqrt(.889 / 3) = 107, would
    # reach past +100, so the interval is Wilson's (see tests/unit/test_scores.py).
    assert "NPS +33 (-58 to +88) (n=3)" in result.stdout
    assert "  Too slow (4, detractor)" in result.stdout


def test_the_terminal_shows_plain_words_not_slack_markup(env: Env) -> None:
    asyncio.run(_comment(env, "Ask <@U0ABC> or see <https://x.example/kb|the guide> &amp; more"))
    result = run(env, "--team", "servicedesk", "--week", "2026-W47")
    assert result.exit_code == 0, result.output
    out = result.stdout
    # No bold title, no quote marks, no mention or link syntax, no Slack escapes.
    assert "*Service Desk" not in out and "*Comments*" not in out and "> " not in out
    assert "Ask @U0ABC or see the guide (https://x.example/kb) & more (3, detractor)" in out
    assert "<@" not in out and "&amp;" not in out


def test_a_dutch_team_reads_its_digest_in_dutch(env: Env) -> None:
    asyncio.run(_set_locale(env, "nl"))
    result = run(env, "--team", "servicedesk", "--week", "2026-W47")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Service Desk: wekelijkse beoordelingen, 2026-W47 (16–22 nov 2026)" in out
    assert "Beoordelingen: 2 promotors · 0 passieven · 1 criticus" in out
    assert "Too slow (4, criticus)" in out
    assert "weekly" not in out and "Comments" not in out


async def _set_locale(env: Env, locale: str) -> None:
    bot = await build(load_settings(env), clock=FakeClock(datetime(2026, 11, 30, tzinfo=UTC)),
                      chats=(), rng=random.Random(1))
    try:
        await bot.services.store.update_team(
            "servicedesk", {"locale": locale}, actor="t", at=bot.services.clock.now())
    finally:
        await bot.aclose()


async def _comment(env: Env, comment: str) -> None:
    """One more detractor in the week, with a comment written in Slack's markup."""
    clock, chat = FakeClock(datetime(2026, 11, 19, 10, tzinfo=UTC)), FakeChat()
    bot = await build(load_settings(env), clock=clock, chats=(chat,), rng=random.Random(1))
    try:
        email = "slacker@example.com"
        await conversation_closed(bot.services, ConversationClosed(
            source="generic", ticket_id="T-9", requester_email=email,
            team="servicedesk", closed_at=clock.now(),
        ))
        await bot.worker.run_once()
        result = await record_rating(bot.services, chat.sent_to(email)[-1].prompt_id,
                                     PersonIdentity(email=email), 3)
        await add_comment(bot.services, result.rating.prompt_id or 0,
                          PersonIdentity(email=email), comment, result.receipt)
    finally:
        await bot.aclose()


def test_writes_the_chart(env: Env, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "chart.png"
    result = run(env, "--team", "servicedesk", "--week", "2026-W47", "--chart", str(target))
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1200, 600)


def test_a_chart_into_a_missing_directory_is_one_line(env: Env, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "nowhere" / "chart.png"
    result = run(env, "--team", "servicedesk", "--week", "2026-W47", "--chart", str(target))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{target}: No such file or directory"


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--team", "servicedesk", "--week", "2026-47"), 2, "is not an ISO week"),
    (("--team", "nope"), 1, "There is no team called 'nope'"),
    (("--team", "servicedesk", "--post"), 1, "No chat platform is configured"),
])
def test_refuses_with_one_line(env: Env, args: tuple[str, ...], code: int, message: str) -> None:
    result = run(env, *args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
