"""`ratebot reconcile` of many tickets shows its progress on a terminal, and nothing piped."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.store import open_store
from tests.fakes.helpdesk_apis import FakeZendesk, basic

ROOT = Path(__file__).resolve().parents[3]
EMAIL, TOKEN = "agent@acme.example", "zendesk-api-token"
SOLVED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TICKETS = 30  # fifteen pages of the fake's two


@pytest.fixture
async def zendesk() -> AsyncIterator[FakeZendesk]:
    fake = FakeZendesk(basic(f"{EMAIL}/token", TOKEN))
    fake.add_group(5, "IT Support")
    for n in range(TICKETS):
        fake.add_user(100 + n, f"Person {n}", f"person{n}@example.com")
        fake.add_ticket(1000 + n, "solved", SOLVED + timedelta(minutes=n), requester=100 + n,
                        assignee=None, group=5, subject="VPN")
    async with fake.running():
        yield fake


async def database(path: Path) -> str:
    url = f"sqlite:///{path}"
    store = await open_store(url)
    try:
        now = datetime.now(UTC)
        await store.add_team("servicedesk", actor="test", at=now)
        await store.map_group("zendesk", "IT Support", "servicedesk", actor="test", at=now)
    finally:
        await store.close()
    return url


async def reconcile(zendesk: FakeZendesk, url: str, *args: str,
                    terminal: bool) -> tuple[int, str, str]:
    """The command in its own process, while the fake Zendesk serves on this event loop."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "RATEBOT_DATABASE_URL": url,
               "RATEBOT_ZENDESK_URL": zendesk.url, "RATEBOT_ZENDESK_EMAIL": EMAIL,
               "RATEBOT_ZENDESK_API_TOKEN": TOKEN}
    environ.pop("TTY_COMPATIBLE", None)
    if terminal:
        environ["TTY_COMPATIBLE"] = "1"  # rich then draws as on a terminal
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli.main", "reconcile", "zendesk", "--since", "2026-11-01",
        *args, cwd=ROOT, env=environ, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.slow
async def test_reconcile_shows_progress_on_a_terminal_only(
    zendesk: FakeZendesk, tmp_path: Path
) -> None:
    url = await database(tmp_path / "shown.db")
    code, out, err = await reconcile(zendesk, url, terminal=True)
    assert code == 0, err
    assert "Reconciling zendesk: solved tickets read" in err
    assert f"{TICKETS}/?" in err  # each ticket counted as it is fed in
    assert "Reconciling" not in out  # the report stays clean
    assert f"{TICKETS} solved tickets found in {TICKETS // 2} pages" in out
    assert f"new closes accepted: {TICKETS}" in out

    code, out, err = await reconcile(zendesk, url, "--dry-run", terminal=False)
    assert code == 0 and err == ""
    assert f"{TICKETS} solved tickets found" in out and "dry run" in out
