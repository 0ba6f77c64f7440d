"""`SqlStore`: the `Store` port over SQLAlchemy Core, for SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.after_score import AfterScoreQueries
from storage.anonymity import AnonymityQueries
from storage.asking import AskingQueries
from storage.chat_queries import ChatQueries
from storage.checkpoints import CheckpointQueries
from storage.digest_queries import DigestQueries
from storage.directory import DirectoryQueries
from storage.engine import create_engine, is_sqlite
from storage.erasure import ErasureQueries
from storage.migrate import check_current, upgrade
from storage.people import PeopleQueries
from storage.pulses import PulseQueries
from storage.recording import RecordingQueries
from storage.reminders import ReminderQueries
from storage.reporting import ReportingQueries
from storage.request_checks import RequestCheckQueries
from storage.retention import RetentionQueries
from storage.schema import teams
from storage.source_queries import SourceQueries
from storage.teams import TeamQueries
from storage.teams_queries import TeamsQueries

_NO_OP_WRITE = sa.update(teams).where(sa.false()).values(name=teams.c.name)


class SqlStore(
    TeamQueries,
    PeopleQueries,
    AskingQueries,
    RecordingQueries,
    ReportingQueries,
    SourceQueries,
    ChatQueries,
    DigestQueries,
    TeamsQueries,
    CheckpointQueries,
    RetentionQueries,
    AnonymityQueries,
    ErasureQueries,
    DirectoryQueries,
    ReminderQueries,
    RequestCheckQueries,
    PulseQueries,
    AfterScoreQueries,
):
    """Every method is one transaction; an unreachable database raises `StoreUnavailable`."""

    @property
    def engine(self) -> AsyncEngine:
        """The engine underneath, for tests and tools that read the database directly."""
        return self._engine

    async def ping(self) -> None:
        """Raise `StoreUnavailable` unless the database would take a write right now.

        Reaching it is not enough: a standby after a failover, or a database set
        read-only, answers every read and refuses every close. A write that matches no
        row is still refused by those, and takes SQLite's write lock, yet changes nothing.
        """
        async with self._write() as connection:
            await connection.execute(_NO_OP_WRITE)

    async def close(self) -> None:
        await self._dispose()


async def open_store(url: str, *, check_schema: bool = True) -> SqlStore:
    """A store on `url`: a SQLite file is migrated; PostgreSQL must already be current.

    `check_schema=False` opens it without touching the database (e.g. while it is down).
    """
    if not check_schema:
        pass
    elif is_sqlite(url):
        await upgrade(url)
    else:
        # Several replicas share a PostgreSQL database: migrating is an explicit step.
        await check_current(url)
    return SqlStore(create_engine(url))
