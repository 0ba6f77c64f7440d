"""`stats` over 1,000,000 ratings, in seconds, against a bare COUNT over the table.

SQLite always; PostgreSQL too when RATEBOT_TEST_POSTGRES_URL is set (a scratch database
is created next to it and dropped afterwards). Target: `stats_s` under 0.2 s on SQLite.
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.bootstrap import build
from app.settings import load_settings
from bench.support import best_of
from bot.flows.reporting import team_stats
from storage.migrate import upgrade

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TEAMS = ("servicedesk", "infra", "appdev")


class FixedClock:
    def now(self) -> datetime:
        return NOW


def rating_rows(ratings: int, team_ids: list[int]) -> Iterator[tuple[Any, ...]]:
    """Twelve weeks of ratings, in `ratings`' columns (`COLUMNS`), aware UTC times."""
    rng = random.Random(7)
    start = NOW - timedelta(weeks=12)
    span = int((NOW - start).total_seconds())
    for number in range(ratings):
        score = min(10, max(0, int(rng.gauss(7.5, 2.2))))
        category = 1 if score >= 9 else (-1 if score <= 6 else 0)
        at = start + timedelta(seconds=rng.randrange(span))
        yield (team_ids[number % len(team_ids)], "nps", score, category,
               f"{number:064x}", at, at)


COLUMNS = ("team_id", "scale", "score", "category", "receipt_hash", "rated_at", "updated_at")


def fill(path: Path, ratings: int, team_ids: list[int]) -> None:
    """Bulk-load ratings straight into the file: a benchmark fixture, not a product path."""
    with sqlite3.connect(path) as db:
        db.executemany(
            f"INSERT INTO ratings ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            (
                # The text SQLAlchemy's SQLite DATETIME writes: naive UTC, fixed width.
                (*row[:5], *(at.replace(tzinfo=None).isoformat(" ", "microseconds")
                             for at in row[5:]))
                for row in rating_rows(ratings, team_ids)
            ),
        )


async def fill_postgres(url: str, ratings: int, team_ids: list[int]) -> None:
    import asyncpg  # the optional `postgres` extra

    connection = await asyncpg.connect(url)
    try:
        await connection.copy_records_to_table(
            "ratings", records=list(rating_rows(ratings, team_ids)), columns=COLUMNS
        )
        # What autovacuum would have done by now: statistics and the visibility map.
        await connection.execute("VACUUM ANALYZE ratings")
    finally:
        await connection.close()


async def measure(
    url: str, ratings: int, weeks: int, load: Callable[[list[int]], Awaitable[None]]
) -> dict[str, float]:
    """Add the teams, `load` their ratings, then time a bare COUNT and `stats`."""
    settings = load_settings({"RATEBOT_DATABASE_URL": url})
    ratebot = await build(settings, clock=FixedClock())
    try:
        store = ratebot.services.store
        ids = [(await store.add_team(t, actor="bench", at=NOW)).id for t in TEAMS]
        loaded = time.perf_counter()
        await load(ids)
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
    return {"load_s": load_seconds, "count_s": base, "stats_s": measured,
            "ratio": measured / base}


async def run_postgres(base_url: str, ratings: int, weeks: int) -> dict[str, float]:
    import asyncpg

    name = f"ratebot_bench_{uuid.uuid4().hex[:10]}"
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    admin = await asyncpg.connect(base_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            await upgrade(url)
            return await measure(url, ratings, weeks,
                                 lambda ids: fill_postgres(url, ratings, ids))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def run(ratings: int = 1_000_000, weeks: int = 12) -> dict[str, Any]:
    figures: dict[str, Any] = {"ratings": ratings}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stats.db"

        async def load(ids: list[int]) -> None:
            fill(path, ratings, ids)

        figures.update(await measure(f"sqlite:///{path}", ratings, weeks, load))
    postgres = os.environ.get("RATEBOT_TEST_POSTGRES_URL")
    if postgres:
        for key, value in (await run_postgres(postgres, ratings, weeks)).items():
            figures[f"postgres_{key}"] = value
    return figures
