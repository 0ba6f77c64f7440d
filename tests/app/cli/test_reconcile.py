"""`ratebot reconcile` against a fake Zendesk over HTTP: counts only, dry run, errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli.main import app
from storage.store import open_store
from tests.fakes.helpdesk_apis import FakeZendesk, basic

EMAIL, TOKEN = "agent@acme.example", "zendesk-api-token"
SOLVED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
Env = dict[str, str]


@pytest.fixture
async def zendesk() -> AsyncIterator[FakeZendesk]:
    fake = FakeZendesk(basic(f"{EMAIL}/token", TOKEN))
    fake.add_user(11, "Jan Jansen", "jan@example.com")
    fake.add_user(12, "Kees Klaassen", "kees@example.com")
    fake.add_group(5, "IT Support")
    fake.add_ticket(101, "solved", SOLVED, requester=11, assignee=None, group=5, subject="VPN")
    fake.add_ticket(102, "closed", SOLVED + timedelta(minutes=1), requester=12, assignee=None,
                    group=5, subject="Mail")
    async with fake.running():
        yield fake


@pytest.fixture
async def env(tmp_path: Path, zendesk: FakeZendesk) -> Env:
    url = f"sqlite:///{tmp_path / 'ratebot.db'}"
    store = await open_store(url)
    try:
        now = datetime.now(UTC)
        await store.add_team("servicedesk", actor="test", at=now)
        await store.map_group("zendesk", "IT Support", "servicedesk", actor="test", at=now)
    finally:
        await store.close()
    return {"RATEBOT_DATABASE_URL": url, "RATEBOT_ZENDESK_URL": zendesk.url,
            "RATEBOT_ZENDESK_EMAIL": EMAIL, "RATEBOT_ZENDESK_API_TOKEN": TOKEN,
            "COLUMNS": "200"}


async def cli(env: Env, *args: str) -> Result:
    # In a thread: the command runs its own event loop while the fake serves on this one.
    return await asyncio.to_thread(
        CliRunner().invoke, app, list(args), env=env, catch_exceptions=False
    )


async def test_a_dry_run_then_a_run_then_nothing_new(env: Env) -> None:
    dry = await cli(env, "reconcile", "zendesk", "--since", "2026-11-01", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "2 solved tickets found in 1 pages (dry run: nothing accepted)" in dry.stdout
    done = await cli(env, "reconcile", "zendesk", "--since", "2026-11-01")
    assert done.exit_code == 0, done.output
    assert "new closes accepted: 2" in done.stdout
    again = await cli(env, "reconcile", "zendesk", "--since", "2026-11-01")
    assert "new closes accepted: 0" in again.stdout
    assert "already known: 2" in again.stdout
    for output in (dry.output, done.output, again.output):
        assert "@example.com" not in output  # counts only, nobody named


async def test_an_unconnected_or_unknown_source_says_what_to_set(env: Env) -> None:
    jira = await cli(env, "reconcile", "jira")
    assert jira.exit_code == 2
    assert "RATEBOT_JIRA_URL" in jira.output
    unknown = await cli(env, "reconcile", "otrs")
    assert unknown.exit_code == 2
    assert "Known: freshservice, glpi, jira, servicenow, zendesk" in unknown.output


async def test_refused_credentials_end_with_exit_1(env: Env) -> None:
    wrong = await cli({**env, "RATEBOT_ZENDESK_API_TOKEN": "wrong"}, "reconcile", "zendesk")
    assert wrong.exit_code == 1
    assert "401" in wrong.output and "RATEBOT_ZENDESK_API_TOKEN" in wrong.output
