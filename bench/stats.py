"""`stats` over 1,000,000 ratings on SQLite, in seconds, against a bare COUNT over the table."""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.bootstrap import build
from app.settings import load_settings
from bench.support import best_of
from bot.flows.reporting import team_stats

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TEAMS = ("servicedesk", "infra", "appdev")


class FixedClock:
    def now(self) -> datetime:
        return NOW


def fill(path: Path, ratings: int, team_ids: list[int]) -> None:
    """Bulk-load ratings straight into the file: a benchmark fixture, not a product path."""
    rng = random.Random(7)
    start = NOW - timedelta(weeks=12)
    span = int((NOW - start).total_seconds())

    def rows():  # type: ignore[no-untyped-def]
        for number in range(ratings):
            score = min(10, max(0, int(rng.gauss(7.5, 2.2))))
            category = 1 if score >= 9 else (-1 if score <= 6 else 0)
            at = (start + timedelta(seconds=rng.randrange(span))).replace(tzinfo=None)
            stamp = at.strftime("%Y-%m-%d %H:%M:%S.%f")
            yield (team_ids[number % len(team_ids)], "nps", score, category,
                   f"{number:064x}", stamp, stamp)

    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO ratings (team_id, scale, score, category, receipt_hash, rated_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )


async def run(ratings: int = 1_000_000, weeks: int = 12) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stats.db"
        settings = load_settings({"RATEBOT_DATABASE_URL": f"sqlite:///{path}"})
        ratebot = await build(settings, clock=FixedClock())
        try:
            store = ratebot.services.store
            ids = [(await store.add_team(t, actor="bench", at=NOW)).id for t in TEAMS]
            loaded = time.perf_counter()
            fill(path, ratings, ids)
            load_seconds = time.perf_counter() - loaded
            engine = store.engine  # type: ignore[attr-defined]

            async def baseline() -> None:
                async with engine.connect() as db:
                    await db.execute(sa.text("SELECT COUNT(*), SUM(score) FROM ratings"))

            async def stats() -> None:
                rows = await team_stats(ratebot.services, team=None, weeks=weeks)
                assert sum(row.score.n for row in rows) == ratings

            base = await best_of(3, baseline)
            measured = await best_of(3, stats)
        finally:
            await ratebot.aclose()
    return {"ratings": ratings, "load_s": load_seconds, "count_s": base,
            "stats_s": measured, "ratio": measured / base}
