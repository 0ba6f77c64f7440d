"""Every team's weekly digest, 100 teams over 1,000,000 ratings, against a bare COUNT(*).

SQLite always; PostgreSQL too when RATEBOT_TEST_POSTGRES_URL is set (a scratch database
is created next to it and dropped afterwards). Target: `digests_s` under 0.5 s.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.support import best_of
from bot.domain.digest import Digest
from bot.domain.model import Team
from bot.flows.digest import weekly_digest
from bot.services import Policy, Services
from storage.digest_queries import DigestQueries
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import SqlStore

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SPAN = timedelta(weeks=52)  # a year of history; a digest reads the last 12 weeks of it
TEAMS = 100
AGENTS_PER_TEAM = 5
REQUESTERS = 100_000
CHUNK = 50_000
CONCURRENCY = 8  # digests built at once, as when many teams share a schedule
SCALES = ("nps",) * 7 + ("csat", "ces", "thumbs")
ZONES = ("UTC", "Europe/Amsterdam", "America/New_York", "Asia/Tokyo")
_CATEGORY = {"nps": (9, 6), "csat": (4, 2), "ces": (5, 3), "thumbs": (1, 0)}
_RANGE = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "thumbs": (0, 1)}


class BenchStore(SqlStore, DigestQueries):
    """The store as served, with the digest's queries mixed in."""


class FixedClock:
    def now(self) -> datetime:
        return NOW


# --------------------------------------------------------------------------- data


def team_rows() -> list[tuple[Any, ...]]:
    rows = []
    for number in range(1, TEAMS + 1):
        anonymity = ("anonymous" if number % 10 == 0 else
                     "confidential" if number % 10 == 5 else "identified")
        rows.append((number, f"team-{number}", f"Team {number}", SCALES[number % len(SCALES)],
                     anonymity, ZONES[number % len(ZONES)], NOW - SPAN))
    return rows


def people_rows() -> Iterator[tuple[Any, ...]]:
    created = NOW - SPAN
    for number in range(1, REQUESTERS + TEAMS * AGENTS_PER_TEAM + 1):
        yield (number, f"person{number}@example.com", f"Person {number}", created, created)


def activity(ratings: int, teams: list[tuple[Any, ...]]) -> Iterator[dict[str, tuple[Any, ...]]]:
    """Per closed ticket: a conversation, its prompt and, for most, a rating and follow-up."""
    rng = random.Random(7)
    span = int(SPAN.total_seconds())
    start = NOW - SPAN
    rated = 0
    number = 0
    while rated < ratings:
        number += 1
        team = teams[number % TEAMS]
        team_id, scale, anonymous = team[0], team[3], team[4] == "anonymous"
        requester = rng.randrange(1, REQUESTERS + 1)
        agent = REQUESTERS + (team_id - 1) * AGENTS_PER_TEAM + rng.randrange(AGENTS_PER_TEAM) + 1
        closed = start + timedelta(seconds=rng.randrange(span))
        out: dict[str, tuple[Any, ...]] = {
            "conversations": (number, "bench", f"T-{number}", team_id, requester, agent,
                              "closed", 1, closed, closed),
        }
        roll = rng.random()
        if roll < 0.85:
            rated += 1
            low, high = _RANGE[scale]
            drift = (team_id % 7) / 10
            score = round(low + (high - low) * min(1.0, max(0.0, rng.gauss(0.7 + drift / 4, 0.25))))
            promoter_from, detractor_to = _CATEGORY[scale]
            category = 1 if score >= promoter_from else (-1 if score <= detractor_to else 0)
            at = closed + timedelta(minutes=rng.randrange(5, 600))
            comment = f"Comment {number}" if rng.random() < 0.2 else None
            out["prompts"] = (number, number, 1, team_id, requester, "answered", None, 1,
                              closed, closed, closed, at, closed + timedelta(days=7))
            out["ratings"] = (number, None if anonymous else number, team_id,
                              None if anonymous else requester, agent, scale, score, category,
                              comment, f"{number:064x}", at, at)
            if category == -1:
                status = ("resolved", "claimed", "open")[rng.randrange(3)]
                claimed = at + timedelta(hours=1) if status != "open" else None
                resolved = at + timedelta(hours=5) if status == "resolved" else None
                out["follow_ups"] = (number, number, team_id, status, at,
                                     agent if claimed else None, claimed,
                                     agent if resolved else None, resolved)
        else:
            status, reason = (("sent", None) if roll < 0.93 else ("skipped", "cooldown")
                              if roll < 0.97 else ("failed", "the app is not installed"))
            out["prompts"] = (number, number, 1, team_id, requester, status, reason, 1,
                              closed, closed, closed if status == "sent" else None, None,
                              closed + timedelta(days=7) if status == "sent" else None)
        yield out


COLUMNS = {
    "teams": ("id", "name", "display_name", "scale", "anonymity", "timezone", "created_at"),
    "people": ("id", "email", "display_name", "created_at", "updated_at"),
    "conversations": ("id", "source", "external_id", "team_id", "requester_id", "agent_id",
                      "state", "round", "closed_at", "created_at"),
    "prompts": ("id", "conversation_id", "round", "team_id", "person_id", "status", "reason",
                "attempts", "created_at", "updated_at", "sent_at", "answered_at", "expires_at"),
    "ratings": ("id", "prompt_id", "team_id", "person_id", "agent_id", "scale", "score",
                "category", "comment", "receipt_hash", "rated_at", "updated_at"),
    "follow_ups": ("id", "rating_id", "team_id", "status", "created_at", "claimed_by",
                   "claimed_at", "resolved_by", "resolved_at"),
}
ORDER = ("conversations", "prompts", "ratings", "follow_ups")


Batch = dict[str, list[tuple[Any, ...]]]


def chunks(ratings: int, teams: list[tuple[Any, ...]]) -> Iterator[Batch]:
    batch: Batch = {name: [] for name in ORDER}
    for ticket in activity(ratings, teams):
        for name, row in ticket.items():
            batch[name].append(row)
        if len(batch["conversations"]) >= CHUNK:
            yield batch
            batch = {name: [] for name in ORDER}
    yield batch


# --------------------------------------------------------------------------- loading


def _sqlite_rows(table: str, rows: Any) -> Iterator[tuple[Any, ...]]:
    """Timestamps in the text form SQLAlchemy's SQLite DATETIME writes: naive UTC, fixed width.

    Every timestamp made here is already in UTC, so dropping the zone is the conversion.
    """
    stamps = [i for i, column in enumerate(COLUMNS[table])
              if column.endswith("_at") or column == "expires_at"]
    for row in rows:
        values = list(row)
        for i in stamps:
            value = values[i]
            if value is not None:
                values[i] = value.replace(tzinfo=None).isoformat(" ", "microseconds")
        yield tuple(values)


def fill_sqlite(path: Path, ratings: int) -> None:
    teams = team_rows()

    def insert(db: sqlite3.Connection, table: str, rows: Any) -> None:
        columns = COLUMNS[table]
        db.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            _sqlite_rows(table, rows),
        )

    with sqlite3.connect(path) as db:
        # A bulk load of a scratch file: no fsync, and a cache that holds the indexes.
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-400000")
        insert(db, "teams", teams)
        insert(db, "people", people_rows())
        for batch in chunks(ratings, teams):
            for table in ORDER:
                insert(db, table, batch[table])
        db.execute("ANALYZE")


async def fill_postgres(url: str, ratings: int) -> None:
    import asyncpg  # the optional `postgres` extra

    teams = team_rows()
    connection = await asyncpg.connect(url)
    try:
        # A bulk load of a scratch database: skip the per-row foreign key triggers (the
        # rows are consistent by construction). Needs a superuser, as on the test server.
        await connection.execute("SET session_replication_role = replica")

        async def copy(table: str, rows: Any) -> None:
            await connection.copy_records_to_table(table, records=rows, columns=COLUMNS[table])

        await copy("teams", teams)
        await copy("people", list(people_rows()))
        for batch in chunks(ratings, teams):
            for table in ORDER:
                await copy(table, batch[table])
        for table in ("teams", "people", "conversations", "prompts", "ratings", "follow_ups"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
        # What autovacuum would have done by now: statistics and the visibility map
        # (without it no scan is index-only).
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


# --------------------------------------------------------------------------- measuring


async def measure(url: str, ratings: int) -> dict[str, float]:
    store = BenchStore(create_engine(url))
    try:
        services = Services(store=store, clock=FixedClock(), policy=Policy())
        teams = await store.list_teams()
        engine = store.engine

        async def baseline() -> None:
            async with engine.connect() as db:
                await db.execute(sa.text("SELECT COUNT(*) FROM ratings"))

        async def one_by_one() -> None:
            built = [await weekly_digest(services, team) for team in teams]
            assert len(built) == TEAMS and sum(d.score.n for d in built) > 0

        # Most teams keep the default "mon 09:00": their jobs fire together.
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(team: Team) -> Digest:
            async with gate:
                return await weekly_digest(services, team)

        async def together() -> None:
            built = await asyncio.gather(*(one(team) for team in teams))
            assert len(built) == TEAMS

        count_s = await best_of(3, baseline)
        digest_s = await best_of(3, one_by_one)
        together_s = await best_of(3, together)
    finally:
        await store.close()
    return {"count_s": count_s, "digests_s": digest_s, "ratio": digest_s / count_s,
            "digests_together_s": together_s}


async def run_sqlite(ratings: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "digest.db"
        url = f"sqlite:///{path}"
        await upgrade(url)
        started = time.perf_counter()
        await asyncio.to_thread(fill_sqlite, path, ratings)
        load_s = time.perf_counter() - started
        return {"load_s": load_s, **await measure(url, ratings)}


async def run_postgres(base_url: str, ratings: int) -> dict[str, float]:
    import asyncpg

    name = f"ratebot_bench_{uuid.uuid4().hex[:10]}"
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    admin = await asyncpg.connect(base_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            await upgrade(url)
            started = time.perf_counter()
            await fill_postgres(url, ratings)
            load_s = time.perf_counter() - started
            return {"load_s": load_s, **await measure(url, ratings)}
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def run(ratings: int = 1_000_000) -> dict[str, Any]:
    figures: dict[str, Any] = {"teams": TEAMS, "ratings": ratings}
    for key, value in (await run_sqlite(ratings)).items():
        figures[f"sqlite_{key}"] = value
    postgres = os.environ.get("RATEBOT_TEST_POSTGRES_URL")
    if postgres:
        for key, value in (await run_postgres(postgres, ratings)).items():
            figures[f"postgres_{key}"] = value
    return figures


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    for key, value in asyncio.run(run(count)).items():
        print(f"{key:22} {value:.3f}" if isinstance(value, float) else f"{key:22} {value}")
